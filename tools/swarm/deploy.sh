#!/usr/bin/env bash
# Deploys compose.swarm.yml as a swarm stack and waits until it serves.
#   bash tools/swarm/deploy.sh            (SWARM_STACK=flotilla-swarm, SWARM_GATEWAY_PORT=8090)
# 1. a swarm: this engine's if it is a manager, else a single-node swarm made
#    here (`docker swarm init --advertise-addr 127.0.0.1`, works offline), and
#    remembered in tmp/swarm/<stack>.state so teardown.sh leaves only that one;
# 2. the data label on this node (flotilla.data=true: PostgreSQL and RabbitMQ
#    are pinned to it), remembered the same way;
# 3. secrets (tools/gen-secrets.sh) and the images flotilla/*:$FLOTILLA_TAG,
#    which must be in the engine already (`nx run-many -t docker-build`):
#    `--resolve-image never`, no registry is asked;
# 4. `docker stack deploy`, then waits for the migration and seed jobs to
#    complete, every service to run its replicas healthy, and the gateway to
#    answer. Prints the seconds it took on stdout.
set -uo pipefail
# shellcheck source=tools/swarm/lib.sh
. "$(dirname "$0")/lib.sh"

stack_ensure_docker || exit 1
tag=${FLOTILLA_TAG:-dev}
for image in "${SWARM_IMAGES[@]}"; do
  docker image inspect "$image:$tag" >/dev/null 2>&1 || { swarm_log "missing $image:$tag (build it: npx nx run-many -t docker-build)"; exit 1; }
done
bash tools/gen-secrets.sh >/dev/null || exit 1

mkdir -p "$SWARM_STATE_DIR"
touch "$SWARM_STATE"
case $(docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}') in
  "active true") swarm_log "using this engine's swarm" ;;
  inactive*)
    swarm_log "no swarm here: docker swarm init (single node, 127.0.0.1)"
    # init also makes the docker_gwbridge network, which outlives `swarm leave`.
    docker network inspect docker_gwbridge >/dev/null 2>&1 || { swarm_state created-gwbridge || echo created-gwbridge >>"$SWARM_STATE"; }
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null || exit 1
    swarm_state created-swarm || echo created-swarm >>"$SWARM_STATE"
    ;;
  *) swarm_log "this engine is in a swarm but not a manager: deploy from a manager"; exit 1 ;;
esac
node=$(docker info --format '{{.Swarm.NodeID}}')
if [ "$(docker node inspect --format '{{index .Spec.Labels "flotilla.data"}}' "$node")" != true ]; then
  docker node update --label-add flotilla.data=true "$node" >/dev/null || exit 1
  swarm_state added-label || echo added-label >>"$SWARM_STATE"
fi

start=$SECONDS
swarm_log "docker stack deploy $SWARM_STACK (flotilla/*:$tag, gateway on :$SWARM_GATEWAY_PORT)"
docker stack deploy --resolve-image never --prune -c "$SWARM_FILE" "$SWARM_STACK" >&2 || exit 1

timeout=${SWARM_WAIT_TIMEOUT:-240}
for job in api-migrate auth-migrate auth-seed; do
  swarm_wait "$timeout" "job $job" swarm_job_done "$job" || { swarm_report; exit 1; }
done
for svc in postgres rabbitmq auth api web gateway; do
  swarm_wait "$timeout" "service $svc" swarm_ready "$svc" || { swarm_report; exit 1; }
done
gateway_up() { curl -fsS -o /dev/null "$PUBLIC_URL/api/healthz" 2>/dev/null || curl -fsS -o /dev/null "$PUBLIC_URL/" 2>/dev/null; }
swarm_wait 60 "the gateway on $PUBLIC_URL" gateway_up || { swarm_report; exit 1; }
swarm_log "stack $SWARM_STACK serves on $PUBLIC_URL"
echo $((SECONDS - start))
