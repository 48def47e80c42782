#!/usr/bin/env bash
# The end-to-end stage: the real images behind the gateway, driven by a browser.
#   bash tools/stack/e2e.sh            (tools/test.sh runs it as a stage)
# 1. Docker engine and base images (../shared/offline-images when needed);
# 2. secrets (tools/gen-secrets.sh keeps existing ones);
# 3. images through Nx (`nx run-many -t docker-build`, cached per app);
# 4. the core stack (everything but the observability profile), `up --wait`
#    until every service is healthy;
# 5. Playwright (apps/web-e2e) against the gateway, BASE_URL=http://localhost:8080;
# 6. always: `compose down -v`, even on failure or Ctrl-C.
# Artifacts on failure: dist/.playwright/apps/web-e2e/playwright-report (HTML
# report), apps/web-e2e/test-output/playwright/output (traces, screenshots) and
# tmp/e2e/compose.log (every container's log).
# E2E_SKIP_BUILD=1 uses the flotilla/* images already in the engine.
# E2E_KEEP=1 leaves the stack running for debugging (then: docker compose -p flotilla-e2e down -v).
# After Playwright, every tools/stack/checks/*.sh runs against the live stack in
# name order (NN-name.sh; checks that break the stack, such as chaos, sort last),
# with STACK_PROJECT and STACK_COMPOSE (the compose command line for this
# project) exported. Each one's failure fails the stage, and the others still run.
# STACK_CHECKS="a.sh b.sh" runs only those files instead (STACK_CHECKS=none: none).
set -uo pipefail
# shellcheck source=tools/stack/lib.sh
. "$(dirname "$0")/lib.sh"

ARTIFACTS=$STACK_ROOT/tmp/e2e
rm -rf "$ARTIFACTS" && mkdir -p "$ARTIFACTS"
stage_start=$SECONDS
step() { stack_log "$(printf '%4ss' $((SECONDS - stage_start))) $*"; }

stack_ensure_node
stack_ensure_docker || exit 1

cleanup() {
  local status=$?
  if [ "$status" -ne 0 ] && [ -n "${COMPOSE_CMD:-}" ]; then
    compose logs --no-color --timestamps >"$ARTIFACTS/compose.log" 2>&1 || true
    stack_log "container logs: tmp/e2e/compose.log"
  fi
  if [ "${E2E_KEEP:-0}" = 1 ]; then
    stack_log "E2E_KEEP=1: the stack stays up (project $STACK_PROJECT)"
  else
    step "tearing down (volumes included)"
    stack_down
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "secrets"
bash tools/gen-secrets.sh || exit 1

# Every shipped combination must parse, including the ones CI does not run:
# dev (with the override), the observability profile and staging/prod (TLS).
# Counted as "compose-checks: N passed, N failed".
step "compose files"
status=0 compose_passed=0 compose_failed=0
compose_check() { # compose_check NAME CMD...: CMD must succeed
  local name=$1; shift
  if "$@" >"$ARTIFACTS/compose-check.out" 2>&1; then
    compose_passed=$((compose_passed + 1)); stack_log "ok: $name"
  else
    compose_failed=$((compose_failed + 1)); stack_log "FAILED: $name"; cat "$ARTIFACTS/compose-check.out" >&2
  fi
}
for variant in "" "--profile observability" "--env-file docker/env/prod.env -f docker-compose.yml -f compose.prod.yml" \
  "--env-file docker/env/staging.env -f docker-compose.yml -f compose.prod.yml"; do
  # shellcheck disable=SC2086 # the variant is a list of arguments
  compose_check "compose config ${variant:-(dev)}" "${COMPOSE_CMD[@]}" $variant config -q
done
# A Compose v1 user gets a sentence, not a cryptic parse error: v1 stops at
# the gateway's org.flotilla.compose label and prints it. Bookworm's
# docker-compose 1.29 is on this machine (offline-images installs it).
if command -v docker-compose >/dev/null 2>&1 && docker-compose version 2>/dev/null | grep -q 'version 1\.'; then
  v1_says_v2() {
    local out
    out=$(docker-compose -f docker-compose.yml config -q 2>&1) && { echo "docker-compose 1.x accepted the file"; return 1; }
    echo "$out"
    grep -q 'this file needs Compose v2 (docker compose)' <<<"$out"
  }
  compose_check "docker-compose 1.x says the file needs Compose v2" v1_says_v2
else
  stack_log "no docker-compose 1.x here: the v1 message is not checked"
fi

if [ "${E2E_SKIP_BUILD:-0}" = 1 ]; then
  # Images already built (by an earlier run, or `nx run-many -t docker-build`).
  step "images: E2E_SKIP_BUILD=1, using flotilla/*:${FLOTILLA_TAG:-dev} as they are"
  for image in "${STACK_IMAGES[@]}"; do
    docker image inspect "$image:${FLOTILLA_TAG:-dev}" >/dev/null 2>&1 || { stack_log "missing $image:${FLOTILLA_TAG:-dev}"; exit 1; }
  done
else
  step "images (nx run-many -t docker-build)"
  stack_build_images || exit 1
fi

# A stack left behind by an interrupted run would hold the port and the volumes.
stack_down
# Alerting timings short enough for checks/40-alert-mail.sh (the production
# values stay in docker/); a caller's own config dirs win.
if [ -z "${PROMETHEUS_CONFIG_DIR:-}${ALERTMANAGER_CONFIG_DIR:-}" ]; then
  eval "$(bash tools/stack/fast-alerting.sh "$ARTIFACTS/config")" || exit 1
fi
step "starting the core stack"
up_seconds=$(stack_up 2>"$ARTIFACTS/up.log") || { cat "$ARTIFACTS/up.log" >&2; exit 1; }
cat "$ARTIFACTS/up.log" >&2
step "stack healthy ${up_seconds}s after up --wait"
# pull_policy and --no-build: `up` never asks a registry for anything.
no_pull() { ! grep -iE 'pulling|registry-1\.docker\.io|pull access denied' "$ARTIFACTS/up.log"; }
compose_check "up tried no pull" no_pull
echo "compose-checks: $compose_passed passed, $compose_failed failed"
[ "$compose_failed" = 0 ] || status=1

step "Playwright against $PUBLIC_URL"
if ! BASE_URL=$PUBLIC_URL npx playwright test --config apps/web-e2e/playwright.config.mts; then
  status=1
  stack_log "Playwright failed: HTML report in dist/.playwright/apps/web-e2e/playwright-report," \
    "traces and screenshots in apps/web-e2e/test-output/playwright/output"
fi

checks=()
case ${STACK_CHECKS:-} in
  "") checks=(tools/stack/checks/*.sh) ;;
  none) ;;
  *) read -r -a checks <<<"$STACK_CHECKS" ;;
esac
if [ "${#checks[@]}" -gt 0 ]; then
  export STACK_PROJECT
  STACK_COMPOSE="${COMPOSE_CMD[*]} -p $STACK_PROJECT -f docker-compose.yml"
  for extra in ${STACK_COMPOSE_FILES:-}; do STACK_COMPOSE+=" -f $extra"; done
  export STACK_COMPOSE
  for check in "${checks[@]}"; do
    step "stack check: $check"
    bash "$check" || { stack_log "stack check failed: $check"; status=1; }
  done
fi
step "done (exit $status)"
exit "$status"
