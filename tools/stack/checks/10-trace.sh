#!/usr/bin/env bash
# Follows requests through the running stack and finds their id in every place
# it must reach (issue 8, "one id across everything"; issue 14, "Traces"):
#   the gateway's JSON access log (request_id, and trace_id of the traceparent it
#   sent) → the api's request log line (trace.id continued from that traceparent,
#   http.request.id) → the outbox row's headers in PostgreSQL (traceId and the
#   request's traceparent) → the AMQP message → the consumer's log line (the
#   trace id it read from the message's traceparent).
# The requests are the transfers the Playwright journey made through the gateway.
# Run by tools/stack/e2e.sh (one of tools/stack/checks/*.sh), which sets STACK_COMPOSE. It prints
# "trace-checks: N passed, N failed".
set -uo pipefail
: "${STACK_COMPOSE:?run me from tools/stack/e2e.sh (tools/stack/checks/), which sets STACK_COMPOSE}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

$STACK_COMPOSE logs --no-color gateway >"$dir/gateway.log" 2>&1
$STACK_COMPOSE logs --no-color api >"$dir/api.log" 2>&1
# trace id of every transfer.completed event in the outbox (a replayed request writes none)
$STACK_COMPOSE exec -T postgres psql -U postgres -d ledger -Atc \
  "SELECT concat(headers->>'traceId', '|', headers->>'traceparent') FROM outbox_event WHERE event_name = 'transfer.completed'" >"$dir/outbox.txt" 2>&1

exec node "$(dirname "$0")/../trace-check.mjs" "$dir"
