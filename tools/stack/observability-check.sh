#!/usr/bin/env bash
# The observability profile, end to end (issue 14, "one id from the UI to
# Elasticsearch"): run where the official Grafana and Elastic images can be
# pulled (the GitHub Actions job `observability` in .github/workflows/ci.yml;
# not on the offline CI machine). Against a stack started with
#   COMPOSE_PROFILES=observability docker compose -p P -f docker-compose.yml up -d
# it waits for the ELK jobs, sends one request with a known id through the
# gateway with a W3C traceparent of a fresh trace id (the gateway keeps a
# well-formed one, docker/nginx/nginx.conf, and logs it as trace_id), and checks:
#   - Elasticsearch: the gateway's and the api's documents with that trace.id
#     are searchable in logs-flotilla-* (by field, and by free text on the
#     default fields: finding 5); no document was dead-lettered;
#   - Jaeger: the trace with that id, with the api's spans (the services export
#     OTLP to the collector: the job sets OTEL_EXPORTER_OTLP_ENDPOINT);
#   - Kibana: the saved objects were imported (data view flotilla-logs);
#   - Grafana: every provisioned dashboard (docker/grafana/dashboards/*.json)
#     is served by its API, and the datasources answer their health checks;
#   - Prometheus: the logstash and filebeat jobs (through json-exporter) are up.
# The verdicts on each answer are tools/stack/observability-verdicts.mjs,
# unit-tested on recorded answers.
# Prints "observability-checks: N passed, N failed".
#   STACK_COMPOSE="docker compose -p flotilla-obs -f docker-compose.yml" bash tools/stack/observability-check.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
: "${STACK_COMPOSE:?set STACK_COMPOSE to the compose command line of the running stack}"
WAIT=${OBSERVABILITY_WAIT_SECONDS:-600}
GATEWAY=${PUBLIC_URL:-http://localhost:${GATEWAY_PORT:-8080}}
GRAFANA=http://127.0.0.1:${GRAFANA_PORT:-3300}
JAEGER=http://127.0.0.1:${JAEGER_PORT:-16686}
SECRETS=${SECRETS_DIR:-./secrets}
passed=0
failed=0
ok() { echo "ok    $1"; passed=$((passed + 1)); }
fail() { echo "FAIL  $1"; failed=$((failed + 1)); }
finish() {
  echo "observability-checks: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# state SERVICE: "running healthy", "exited 0", … of its first container.
state() {
  local id
  id=$($STACK_COMPOSE ps -a -q "$1" 2>/dev/null | head -n 1)
  [ -n "$id" ] || { echo missing; return; }
  docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.ExitCode}}{{end}}' "$id"
}
# wait_state SERVICE PATTERN: until its state matches (a case pattern).
wait_state() {
  local deadline=$((SECONDS + WAIT)) now
  while :; do
    now=$(state "$1")
    # shellcheck disable=SC2254 # the pattern is meant to match
    case $now in $2) ok "$1: $now"; return 0 ;; esac
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "$1: $now after ${WAIT}s (want $2)"
      $STACK_COMPOSE logs --no-color --tail 40 "$1" 2>&1 | sed 's/^/      /'
      return 1
    fi
    sleep 5
  done
}

wait_state elasticsearch 'running healthy'
wait_state elk-setup 'exited 0'
wait_state logstash 'running healthy'
wait_state filebeat 'running*'
wait_state kibana 'running healthy'
wait_state kibana-setup 'exited 0'
wait_state grafana 'running healthy'
wait_state json-exporter 'running healthy'
[ "$failed" -eq 0 ] || finish

# es PATH [curl args…]: Elasticsearch's API as elastic, from inside its container
# (it is not published). The password goes through a file, never argv.
es() {
  local path=$1
  shift
  $STACK_COMPOSE exec -T elasticsearch sh -c \
    'curl -sS --fail-with-body -u "elastic:$(cat /run/secrets/elastic_password)" "$@"' curl "$@" "http://127.0.0.1:9200$path"
}
verdict() { node tools/stack/observability-verdicts.mjs "$@"; }
hits() { verdict hits || true; }
hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# The request id is free text; the trace id is the W3C one every hop logs and exports.
id=obs-check-$(date +%s)-$RANDOM
trace_id=$(hex 16)
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "X-Request-Id: $id" -H "traceparent: 00-$trace_id-$(hex 8)-01" "$GATEWAY/api/obs-check-no-such-route")
case $status in 404) ok "request $id (trace $trace_id) through the gateway: HTTP $status" ;; *) fail "request $id (trace $trace_id) through the gateway: HTTP $status" ;; esac

deadline=$((SECONDS + 180)) by_field=0
while [ "$SECONDS" -lt "$deadline" ]; do
  by_field=$(es "/logs-flotilla-*/_search?size=0&q=trace.id:$trace_id" | hits)
  [ "$by_field" -ge 2 ] && break
  sleep 5
done
if [ "$by_field" -ge 2 ]; then ok "Elasticsearch: $by_field documents with trace.id $trace_id (gateway and api)"; else fail "Elasticsearch: $by_field documents with trace.id $trace_id within 180s (want the gateway's and the api's)"; fi

for service in gateway api; do
  n=$(es "/logs-flotilla-*/_search?size=0&q=trace.id:$trace_id%20AND%20service.name:$service" | hits)
  if [ "$n" -ge 1 ]; then ok "Elasticsearch: the $service line of trace $trace_id"; else fail "Elasticsearch: no $service line of trace $trace_id"; fi
done
n=$(es "/logs-flotilla-*/_search?size=0&q=http.request.id:%22$id%22" | hits)
if [ "$n" -ge 1 ]; then ok "Elasticsearch: the gateway line by request id $id"; else fail "Elasticsearch: nothing with http.request.id $id"; fi

# Free text (no field): index.query.default_field must be searchable.
n=$(es "/logs-flotilla-*/_search?size=0&q=obs-check-no-such-route" | hits)
if [ "$n" -ge 1 ]; then ok "Elasticsearch: free-text query finds the gateway line ($n)"; else fail "Elasticsearch: free-text query failed or found nothing ($n)"; fi

n=$(es "/logs-flotilla-deadletter/_search?size=0" 2>/dev/null | hits)
if [ "$n" -le 0 ]; then ok "Elasticsearch: nothing dead-lettered"; else fail "Elasticsearch: $n dead-lettered documents"; fi

# Jaeger (published on 127.0.0.1:$JAEGER_PORT): spans reach it through the
# collector's batch, so poll.
deadline=$((SECONDS + 120)) found=''
while [ "$SECONDS" -lt "$deadline" ]; do
  if found=$(curl -sS "$JAEGER/api/traces/$trace_id" | verdict trace "$trace_id" api); then break; fi
  sleep 5
done
if curl -sS "$JAEGER/api/traces/$trace_id" | verdict trace "$trace_id" api >/dev/null; then ok "Jaeger: trace $trace_id with spans of $found"; else fail "Jaeger: trace $trace_id has no api span within 120s ($found)"; fi

# Prometheus is not published: its API from inside its container.
if up=$($STACK_COMPOSE exec -T prometheus wget -qO- 'http://127.0.0.1:9090/api/v1/query?query=up' | verdict up logstash filebeat); then
  ok "Prometheus: $up (json-exporter)"
else
  fail "Prometheus: $up"
fi

# Kibana from the Elasticsearch container (same network; the password stays in the file).
if $STACK_COMPOSE exec -T elasticsearch sh -c \
  'curl -fsS -u "elastic:$(cat /run/secrets/elastic_password)" http://kibana:5601/api/saved_objects/index-pattern/flotilla-logs' >/dev/null 2>&1; then
  ok "Kibana: data view flotilla-logs imported"
else
  fail "Kibana: data view flotilla-logs not found"
fi

# Grafana, published on 127.0.0.1:$GRAFANA_PORT; admin's password through a netrc file.
netrc=$(mktemp)
trap 'rm -f "$netrc"' EXIT
chmod 600 "$netrc"
printf 'machine 127.0.0.1 login admin password %s\n' "$(cat "$SECRETS/grafana_admin_password")" >"$netrc"
for file in docker/grafana/dashboards/*.json; do
  uid=$(node -p "require('./$file').uid")
  if got=$(curl -sS --netrc-file "$netrc" "$GRAFANA/api/dashboards/uid/$uid" | verdict dashboard "$uid"); then ok "Grafana serves dashboard $uid ($got)"; else fail "Grafana: dashboard $uid not served ($got)"; fi
done
for ds in prometheus elasticsearch-logs alertmanager; do
  if got=$(curl -sS --netrc-file "$netrc" "$GRAFANA/api/datasources/uid/$ds/health" | verdict datasource); then ok "Grafana datasource $ds healthy"; else fail "Grafana datasource $ds health: $got"; fi
done
finish
