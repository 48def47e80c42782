#!/usr/bin/env bash
# One-off setup of Elasticsearch and Kibana for the Flotilla stack, in two
# parts run by two compose jobs (image: the Elasticsearch image, which has
# bash and curl) with this folder mounted at /setup. Idempotent: every call
# is a PUT or an overwriting import, so each runs again after every `up`.
#
#   setup.sh elasticsearch   (job elk-setup; Logstash starts after it)
#     1. waits for Elasticsearch;
#     2. sets kibana_system's password, creates the roles in roles/*.json
#        (logstash_writer, flotilla_logs_reader) and the users logstash_writer
#        and grafana_reader;
#     3. creates the ILM policy flotilla-logs and the index template
#        logs-flotilla (data streams logs-flotilla-*).
#   setup.sh kibana          (job kibana-setup; nothing waits for it)
#     4. waits for Kibana and imports kibana/saved-objects.ndjson
#        (data view, a saved search per service, the logs dashboard).
#   setup.sh                 both, in that order.
# Kibana has its own job so that a slow or failed Kibana never holds back
# log shipping (issue 14, finding 6).
#
# Passwords are read from files (compose secrets), never from arguments, and
# reach curl through a netrc file and stdin, so `ps` never shows them.
set -euo pipefail

ES_URL=${ELASTICSEARCH_URL:-http://elasticsearch:9200}
KIBANA_URL=${KIBANA_URL:-http://kibana:5601}
DIR=${SETUP_DIR:-$(cd "$(dirname "$0")" && pwd)}
PART=${1:-all}
case $PART in
  elasticsearch | kibana | all) ;;
  *) echo "usage: $0 [elasticsearch|kibana]" >&2; exit 64 ;;
esac
WAIT_SECONDS=${SETUP_WAIT_SECONDS:-300}
POLL_SECONDS=${SETUP_POLL_SECONDS:-3}

log() { printf '[elk-setup] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

secret() { # secret VAR_NAME: the content of the file named by VAR_NAME_FILE
  local var=$1 file
  file=$(eval "printf '%s' \"\${${var}_FILE:-}\"")
  [ -n "$file" ] || die "${var}_FILE is not set"
  [ -r "$file" ] || die "${var}_FILE=$file is not readable"
  local value
  value=$(cat "$file")
  [ "${#value}" -ge 12 ] || die "the secret in $file is shorter than 12 characters"
  printf '%s' "$value"
}

json_string() { # a JSON string literal for $1 (no control characters expected in passwords)
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

ELASTIC_PASSWORD=$(secret ELASTIC_PASSWORD)
if [ "$PART" != kibana ]; then
  KIBANA_SYSTEM_PASSWORD=$(secret KIBANA_SYSTEM_PASSWORD)
  LOGSTASH_WRITER_PASSWORD=$(secret LOGSTASH_WRITER_PASSWORD)
  GRAFANA_READER_PASSWORD=$(secret GRAFANA_READER_PASSWORD)
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
umask 077
host_of() { local h=${1#*://}; h=${h%%/*}; printf '%s' "${h%%:*}"; }
{
  printf 'machine %s login elastic password %s\n' "$(host_of "$ES_URL")" "$ELASTIC_PASSWORD"
  printf 'machine %s login elastic password %s\n' "$(host_of "$KIBANA_URL")" "$ELASTIC_PASSWORD"
} >"$WORK/netrc"

# call METHOD URL BODY [curl args...]: BODY is a JSON file, - for stdin, or ''
# for none. Prints the response body; fails on HTTP >= 300.
call() {
  local method=$1 url=$2 body=$3 status
  shift 3
  local args=(-sS --netrc-file "$WORK/netrc" -X "$method" -o "$WORK/response" -w '%{http_code}' "$@")
  if [ -n "$body" ]; then
    args+=(-H 'Content-Type: application/json' --data-binary "@$body")
  fi
  status=$(curl "${args[@]}" "$url") || { log "$method $url: no answer"; return 1; }
  if [ "$status" -ge 300 ]; then
    log "$method $url: HTTP $status: $(head -c 2000 "$WORK/response")"
    return 1
  fi
  cat "$WORK/response"
}

wait_for() { # wait_for WHAT URL
  local what=$1 url=$2 deadline=$((SECONDS + WAIT_SECONDS))
  log "waiting for $what at $url"
  until call GET "$url" "" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "$what did not answer within ${WAIT_SECONDS}s"
    sleep "$POLL_SECONDS"
  done
}

setup_elasticsearch() {
  wait_for Elasticsearch "$ES_URL/_cluster/health?wait_for_status=yellow&timeout=5s"

  log "setting the kibana_system password"
  printf '{"password":%s}' "$(json_string "$KIBANA_SYSTEM_PASSWORD")" |
    call POST "$ES_URL/_security/user/kibana_system/_password" - >/dev/null

  for file in "$DIR"/roles/*.json; do
    role=$(basename "$file" .json)
    log "role $role"
    call PUT "$ES_URL/_security/role/$role" "$file" >/dev/null
  done

  user() { # user NAME PASSWORD ROLE FULL_NAME
    log "user $1"
    printf '{"password":%s,"roles":["%s"],"full_name":"%s"}' "$(json_string "$2")" "$3" "$4" |
      call PUT "$ES_URL/_security/user/$1" - >/dev/null
  }
  user logstash_writer "$LOGSTASH_WRITER_PASSWORD" logstash_writer "Logstash (Flotilla pipeline)"
  user grafana_reader "$GRAFANA_READER_PASSWORD" flotilla_logs_reader "Grafana (Flotilla logs datasource)"

  log "ILM policy flotilla-logs"
  call PUT "$ES_URL/_ilm/policy/flotilla-logs" "$DIR/ilm-policy.json" >/dev/null
  log "index template logs-flotilla"
  call PUT "$ES_URL/_index_template/logs-flotilla" "$DIR/index-template.json" >/dev/null
}

setup_kibana() {
  wait_for Kibana "$KIBANA_URL/api/status"
  log "importing Kibana saved objects"
  result=$(call POST "$KIBANA_URL/api/saved_objects/_import?overwrite=true" "" \
    -H 'kbn-xsrf: flotilla-setup' -F "file=@$DIR/kibana/saved-objects.ndjson")
  case $result in
    *'"success":true'*) log "imported: $(printf '%s' "$result" | grep -o '"successCount":[0-9]*')" ;;
    *) die "Kibana import failed: $result" ;;
  esac
}

case $PART in
  elasticsearch) setup_elasticsearch ;;
  kibana) setup_kibana ;;
  # Not `a && b`: set -e does not apply inside a function run as part of &&.
  all)
    setup_elasticsearch
    setup_kibana
    ;;
esac
log "done ($PART)"
