#!/usr/bin/env bash
# The gateway follows the containers it routes to (issue 13): `api` is
# recreated with a new address, and the gateway reaches it there without a
# restart (docker/nginx/entrypoint/40-follow-upstreams.sh re-resolves the name
# through Docker's DNS and reloads nginx). Without that, nginx keeps the old
# address and answers 502/504 until someone restarts it.
# A placeholder container takes api's old address while api is recreated, so
# the new one cannot get it back. Sorts after the checks that read the
# Playwright journey's api logs (recreating api drops them), before chaos.
# Run by tools/stack/e2e.sh with STACK_COMPOSE/STACK_PROJECT; prints
# "gateway-resolve-checks: N passed, N failed".
set -uo pipefail
: "${STACK_COMPOSE:?run me from tools/stack/e2e.sh (tools/stack/checks/), which sets STACK_COMPOSE}"
: "${STACK_PROJECT:?}"
base=${PUBLIC_URL:-http://localhost:${GATEWAY_PORT:-8080}}
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok      $*"; }
fail() { failed=$((failed + 1)); echo "FAILED  $*"; }
network=${STACK_PROJECT}_app
holder=${STACK_PROJECT}-address-holder
cleanup() { docker rm -f "$holder" >/dev/null 2>&1 || true; }
trap cleanup EXIT

api_ip() { docker inspect --format "{{ (index .NetworkSettings.Networks \"$network\").IPAddress }}" "$($STACK_COMPOSE ps -q api)" 2>/dev/null; }
gateway_id=$($STACK_COMPOSE ps -q gateway)
gateway_started() { docker inspect --format '{{.State.StartedAt}} restarts={{.RestartCount}}' "$gateway_id"; }
# /api/me answers 401 without a session: any answer from the api proves the route.
status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$base/api/me"; }

old_ip=$(api_ip)
started_before=$(gateway_started)
before=$(status)
if [ "$before" = 401 ]; then ok "before: the gateway reaches api at $old_ip (GET /api/me -> 401)"; else fail "before: GET /api/me -> $before"; fi

$STACK_COMPOSE stop -t 10 api >/dev/null 2>&1
docker run -d --rm --name "$holder" --network "$network" --label "com.docker.compose.project=$STACK_PROJECT-holder" \
  --cap-drop ALL --security-opt no-new-privileges:true --read-only \
  "${DEBIAN_IMAGE:-debian:bookworm-slim}" sleep 300 >/dev/null
$STACK_COMPOSE up -d --no-deps --no-build --force-recreate --wait api >/dev/null 2>&1
new_ip=$(api_ip)
if [ -n "$new_ip" ] && [ "$new_ip" != "$old_ip" ]; then ok "api recreated at a new address: $old_ip -> $new_ip"; else fail "api did not get a new address ($old_ip -> ${new_ip:-none})"; fi

# Within a few seconds (the watcher polls every second), with no restart.
deadline=$((SECONDS + 20)) after=000
while [ $SECONDS -lt $deadline ]; do
  after=$(status)
  [ "$after" = 401 ] && break
  sleep 0.5
done
if [ "$after" = 401 ]; then ok "after: the gateway reaches api at its new address ($((20 - deadline + SECONDS)) s after it was healthy)"; else fail "after: GET /api/me -> $after for 20 s (the gateway still routes to $old_ip?)"; fi
upstreams=$(docker logs --since 30s "$gateway_id" 2>/dev/null | grep -o "\"uri\":\"/api/me\"[^}]*\"upstream\":\"[^\"]*\"" | grep -o '"upstream":"[^"]*"' | tail -n 1)
case $upstreams in
  *"$new_ip:3000"*) ok "the gateway's access log names the new address ($upstreams)" ;;
  *) fail "the gateway's access log does not name $new_ip:3000 (last: ${upstreams:-none})" ;;
esac
started_after=$(gateway_started)
if [ "$started_after" = "$started_before" ]; then ok "the gateway was not restarted ($started_after)"; else fail "the gateway restarted: $started_before -> $started_after"; fi

echo "gateway-resolve-checks: $passed passed, $failed failed"
[ "$failed" = 0 ]
