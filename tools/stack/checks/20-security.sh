#!/usr/bin/env bash
# Security properties only the composed stack shows (issue 12), through the
# gateway, on the real images:
#   (a) the auth service logs the client's own address as client.ip, not the
#       gateway's (TRUST_PROXY read as a hop count, item 1);
#   (b) /api/auth/login?returnTo=/%09/evil.example signs in and ends on the
#       app's origin (item 2);
#   (c) the gateway's access log keeps no authorization code, state or
#       id_token_hint (item 8);
#   (d) nor does its error log: a callback refused by the rate limit (an
#       error-log entry repeating the request line) leaves no code or state.
# The flow and the checks are tools/stack/security-check.mjs. Run by
# tools/stack/e2e.sh (one of tools/stack/checks/*.sh), which sets
# STACK_COMPOSE. Prints "security-checks: N passed, N failed".
set -uo pipefail
: "${STACK_COMPOSE:?run me from tools/stack/e2e.sh (tools/stack/checks/), which sets STACK_COMPOSE}"
here=$(dirname "$0")/..
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

node "$here/security-check.mjs" flow "$dir" || { echo "the sign-in flow through the gateway failed"; echo "security-checks: 0 passed, 1 failed"; exit 1; }
# The entries may take a moment to reach the container logs.
sleep 1
$STACK_COMPOSE logs --no-color gateway >"$dir/gateway.log" 2>&1
$STACK_COMPOSE logs --no-color auth >"$dir/auth.log" 2>&1
# Every address the gateway container has, on every network it is on.
for id in $($STACK_COMPOSE ps -q gateway); do
  docker inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$id"
done >"$dir/gateway-ips.txt"
exec node "$here/security-check.mjs" verify "$dir"
