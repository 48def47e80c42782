#!/usr/bin/env bash
# The chaos suite (issue 11): faults injected into the running stack while a
# load client signs people in, holds their activity streams open and moves
# money; then the money, the idempotency keys, the live feed, the outboxes and
# the parking queues are checked, and the recovery times printed
# (tools/chaos/run.mjs; docs/chaos.md). It breaks the stack on purpose, so it
# sorts last among tools/stack/checks/*.sh. Prints "chaos-self-tests: N passed,
# N failed" (checks.test.mjs) and "chaos-checks: N passed, N failed".
# Run by tools/stack/e2e.sh, which sets STACK_COMPOSE and PUBLIC_URL.
set -uo pipefail
: "${STACK_COMPOSE:?run me from tools/stack/e2e.sh (tools/stack/checks/), which sets STACK_COMPOSE}"
chaos=$(dirname "$0")/../../chaos
# Every check counts (CHAOS_STRICT=1). KNOWN_FAILING in tools/chaos/run.mjs is
# empty since the first full run against the issue 11 fixes passed all 12 checks;
# CHAOS_STRICT=0 only matters while a check is listed there (docs/chaos.md).
export CHAOS_STRICT=${CHAOS_STRICT:-1}
# First: each check shown failing on a broken input (no stack needed, < 1 s).
node "$chaos/checks.test.mjs"
selftest=$?
node "$chaos/run.mjs"
suite=$?
[ "$selftest" -eq 0 ] && [ "$suite" -eq 0 ]
