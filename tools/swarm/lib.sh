# shellcheck shell=bash
# Shared by tools/swarm/*.sh (sourced): the stack name, the state file that
# remembers what the deploy created (a swarm, a node label), and the waits.
# Builds on tools/stack/lib.sh (cwd at the repo root, Node 24, the engine and
# the offline base images, Compose v2 not needed here).
# shellcheck source=tools/stack/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../stack/lib.sh"

SWARM_STACK=${SWARM_STACK:-flotilla-swarm}
# Its own port: the compose stage's gateway may still be on GATEWAY_PORT.
export SWARM_GATEWAY_PORT=${SWARM_GATEWAY_PORT:-8090}
export PUBLIC_URL=http://localhost:$SWARM_GATEWAY_PORT
SWARM_STATE_DIR=$STACK_ROOT/tmp/swarm
SWARM_STATE=$SWARM_STATE_DIR/$SWARM_STACK.state
SWARM_FILE=${SWARM_FILE:-compose.swarm.yml}
# The images the file runs (tools/stack/lib.sh STACK_IMAGES minus mailcatcher).
# shellcheck disable=SC2034 # used by the scripts that source this file
SWARM_IMAGES=(flotilla/api flotilla/api-migrate flotilla/auth flotilla/auth-migrate flotilla/web)

swarm_log() { printf '[swarm] %s\n' "$*" >&2; }
swarm_state() { [ -f "$SWARM_STATE" ] && grep -qx "$1" "$SWARM_STATE"; }

# swarm_ready SERVICE: as many tasks running (and healthy: a task with a
# healthcheck is "running" only once it passed) as the service wants.
swarm_ready() {
  local svc=$SWARM_STACK"_"$1 want have
  want=$(docker service inspect --format '{{if .Spec.Mode.Replicated}}{{.Spec.Mode.Replicated.Replicas}}{{end}}' "$svc" 2>/dev/null) || return 1
  have=$(docker service ps --filter desired-state=running --format '{{.CurrentState}}' "$svc" 2>/dev/null | grep -c '^Running') || true
  [ -n "$want" ] && [ "$have" -ge "$want" ] || return 1
  # Running is not healthy yet when the image has a healthcheck: ask the containers.
  local id
  for id in $(docker ps -q --filter "label=com.docker.swarm.service.name=$svc"); do
    [ "$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}healthy{{end}}' "$id")" = healthy ] || return 1
  done
}

# swarm_job_done SERVICE: a replicated-job whose task completed.
swarm_job_done() {
  docker service ps --format '{{.CurrentState}}' "$SWARM_STACK"_"$1" 2>/dev/null | grep -q '^Complete'
}

# swarm_wait TIMEOUT_S DESCRIPTION CMD...: polls CMD every second.
swarm_wait() {
  local timeout=$1 what=$2 start=$SECONDS; shift 2
  until "$@"; do
    if [ $((SECONDS - start)) -ge "$timeout" ]; then swarm_log "timed out after ${timeout}s: $what"; return 1; fi
    sleep 1
  done
}

swarm_report() {
  docker stack ps --no-trunc --format '{{.Name}} {{.Image}} {{.DesiredState}} {{.CurrentState}} {{.Error}}' "$SWARM_STACK" >&2 2>&1 || true
}
