#!/usr/bin/env bash
# The swarm stage: compose.swarm.yml on a single-node swarm, tested under load.
#   bash tools/swarm/e2e.sh            (tools/test.sh runs it as stage `swarm`, after `stack`)
# 1. the judgements of tools/swarm/checks.mjs shown failing on broken input,
#    and the schema wait of api/auth on the machine's PostgreSQL;
# 2. the images flotilla/*:$FLOTILLA_TAG the stack stage built (built here only
#    when missing: the stage also runs alone);
# 3. tools/swarm/deploy.sh (a swarm made here if none, remembered);
# 4. tools/swarm/run.mjs: spread, cross-replica streams, 1 vs 3 replicas,
#    rolling update, rollback, a killed task, nothing lost;
# 5. always: tools/swarm/teardown.sh: the stack, its volumes, and the swarm
#    only if step 3 created it. Service logs on failure: tmp/swarm/logs/.
# Its own gateway port (SWARM_GATEWAY_PORT, 8090), so it never meets the
# compose stage's. SWARM_KEEP=1 leaves the stack up (then: bash tools/swarm/teardown.sh).
set -uo pipefail
# shellcheck source=tools/swarm/lib.sh
. "$(dirname "$0")/lib.sh"

stage_start=$SECONDS
step() { swarm_log "$(printf '%4ss' $((SECONDS - stage_start))) $*"; }
LOGS=$SWARM_STATE_DIR/logs
rm -rf "$LOGS" && mkdir -p "$LOGS"
tag=${FLOTILLA_TAG:-dev}

stack_ensure_node
stack_ensure_docker || exit 1

step "the checks' self-test"
node tools/swarm/checks.test.mjs
status=$?
# docker/swarm/wait-for-schema.mjs against the machine's PostgreSQL (LEDGER_DATABASE_URL)
node tools/swarm/wait-for-schema.test.mjs || status=1

absent=0
for image in "${SWARM_IMAGES[@]}"; do docker image inspect "$image:$tag" >/dev/null 2>&1 || absent=1; done
if [ "$absent" = 1 ]; then
  step "images missing for tag $tag: nx run-many -t docker-build"
  stack_build_images || exit 1
else
  step "images flotilla/*:$tag from the engine (built by the stack stage)"
fi

cleanup() {
  local code=$?
  if [ "$code" -ne 0 ] && docker stack ls --format '{{.Name}}' 2>/dev/null | grep -qx "$SWARM_STACK"; then
    swarm_report 2>"$LOGS/stack-ps.txt"
    for svc in $(docker stack services --format '{{.Name}}' "$SWARM_STACK" 2>/dev/null); do
      # bounded: `service logs` can hang on a task whose container is gone
      timeout 20 docker service logs --no-trunc --timestamps "$svc" >"$LOGS/$svc.log" 2>&1 || true
    done
    swarm_log "service logs: tmp/swarm/logs/"
  fi
  docker image rm "flotilla/api:$tag-next" >/dev/null 2>&1 || true
  if [ "${SWARM_KEEP:-0}" = 1 ]; then
    swarm_log "SWARM_KEEP=1: the stack stays up (bash tools/swarm/teardown.sh removes it)"
  else
    step "tearing down"
    bash tools/swarm/teardown.sh
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "deploying compose.swarm.yml as stack $SWARM_STACK"
if seconds=$(bash tools/swarm/deploy.sh); then
  echo "ok: deploy: docker stack deploy to serving (jobs complete, replicas healthy) in ${seconds}s"
  echo "swarm-deploy-checks: 1 passed, 0 failed"
else
  echo "FAILED: deploy: the stack did not come up"
  echo "swarm-deploy-checks: 0 passed, 1 failed"
  exit 1
fi

step "the suite (tools/swarm/run.mjs) against $PUBLIC_URL"
node tools/swarm/run.mjs || status=1
step "done (exit $status)"
exit "$status"
