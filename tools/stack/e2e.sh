#!/usr/bin/env bash
# The end-to-end stage: the real images behind the gateway, driven by a browser.
#   bash tools/stack/e2e.sh            (tools/test.sh runs it as a stage)
# 1. Docker engine and base images (../shared/offline-images when needed);
# 2. secrets (tools/gen-secrets.sh keeps existing ones);
# 3. images through Nx (`nx run-many -t docker-build`, cached per app);
# 4. the core stack (everything but the observability profile), up until
#    every service is healthy;
# 5. Playwright (apps/web-e2e) against the gateway, BASE_URL=http://localhost:8080;
# 6. always: `compose down -v`, even on failure or Ctrl-C.
# Artifacts on failure: dist/.playwright/apps/web-e2e/playwright-report (HTML
# report), apps/web-e2e/test-output/playwright/output (traces, screenshots) and
# tmp/e2e/compose.log (every container's log).
# E2E_KEEP=1 leaves the stack running for debugging (then: docker-compose -p flotilla-e2e down -v).
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
# dev (with the override), the observability profile, staging/prod (TLS).
step "compose files"
for variant in "" "--profile observability" "--env-file docker/env/prod.env -f docker-compose.yml -f compose.prod.yml" \
  "--env-file docker/env/staging.env -f docker-compose.yml -f compose.prod.yml"; do
  # shellcheck disable=SC2086 # the variant is a list of arguments
  "${COMPOSE_CMD[@]}" $variant config -q || { stack_log "compose config failed: ${variant:-dev}"; exit 1; }
done

step "images (nx run-many -t docker-build)"
stack_build_images || exit 1

# A stack left behind by an interrupted run would hold the port and the volumes.
stack_down
# Alerting timings short enough for alert-mail-check.sh (the production
# values stay in docker/); a caller's own config dirs win.
if [ -z "${PROMETHEUS_CONFIG_DIR:-}${ALERTMANAGER_CONFIG_DIR:-}" ]; then
  eval "$(bash tools/stack/fast-alerting.sh "$ARTIFACTS/config")" || exit 1
fi
step "starting the core stack"
up_seconds=$(stack_up) || exit 1
step "stack healthy ${up_seconds}s after up"

step "Playwright against $PUBLIC_URL"
BASE_URL=$PUBLIC_URL npx playwright test --config apps/web-e2e/playwright.config.mts
status=$?
if [ "$status" -ne 0 ]; then
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
