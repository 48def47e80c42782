#!/usr/bin/env bash
# Removes what tools/swarm/deploy.sh made, and only that: the stack and its
# volumes, the node label if deploy added it, the swarm if deploy created it
# (`docker swarm leave --force`, and the docker_gwbridge network init made);
# a swarm that was here before stays.
#   bash tools/swarm/teardown.sh
set -uo pipefail
# shellcheck source=tools/swarm/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ] || { swarm_log "no swarm manager here: nothing to remove"; rm -f "$SWARM_STATE"; exit 0; }
if docker stack ls --format '{{.Name}}' | grep -qx "$SWARM_STACK"; then
  docker stack rm "$SWARM_STACK" >&2
  label="label=com.docker.stack.namespace=$SWARM_STACK"
  # Tasks that have ended (the one-shot jobs, replaced tasks) keep their
  # stopped containers while the task history holds them; they are this
  # stack's, so they are removed here rather than waited for.
  gone() {
    docker ps -aq --filter "$label" --filter status=exited --filter status=created --filter status=dead | xargs -r docker rm >/dev/null 2>&1
    [ -z "$(docker ps -aq --filter "$label")" ] && [ -z "$(docker network ls -q --filter "$label")" ]
  }
  if ! swarm_wait 120 "the stack's containers and networks to go" gone; then
    docker ps -a --filter "$label" --format 'left: container {{.Names}} {{.Status}}' >&2
    docker network ls --filter "$label" --format 'left: network {{.Name}}' >&2
  fi
fi
# The containers are gone only when their volumes can go.
for volume in $(docker volume ls -q --filter "label=com.docker.stack.namespace=$SWARM_STACK"); do
  docker volume rm "$volume" >/dev/null 2>&1 || swarm_log "could not remove volume $volume"
done
if swarm_state added-label; then
  docker node update --label-rm flotilla.data "$(docker info --format '{{.Swarm.NodeID}}')" >/dev/null 2>&1 || true
fi
if swarm_state created-swarm; then
  swarm_log "leaving the swarm deploy.sh created"
  docker swarm leave --force >/dev/null || exit 1
  if swarm_state created-gwbridge; then
    docker network rm docker_gwbridge >/dev/null 2>&1 || swarm_log "could not remove docker_gwbridge"
  fi
fi
rm -f "$SWARM_STATE"
