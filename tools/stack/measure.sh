#!/usr/bin/env bash
# Prints the stack's figures:
#   1. each image's size next to its base image's (targets: api/auth <= base + 60 MB,
#      web <= nginx base + 5 MB);
#   2. seconds from `up` to every core service healthy, images already built:
#      first on empty volumes (includes initdb, migrations, seed), then a
#      restart on existing volumes (target: 30 s);
#   3. the core stack's memory at idle, from `docker stats --no-stream`
#      (target: under 1.5 GiB).
#   bash tools/stack/measure.sh          (builds the images through Nx first)
#   MEASURE_SKIP_BUILD=1 bash tools/stack/measure.sh
# Runs as its own compose project and always removes it (volumes included).
set -uo pipefail
STACK_PROJECT=${STACK_PROJECT:-flotilla-measure}
# shellcheck source=tools/stack/lib.sh
. "$(dirname "$0")/lib.sh"

stack_ensure_node
stack_ensure_docker || exit 1
trap stack_down EXIT
trap 'exit 130' INT TERM

bash tools/gen-secrets.sh 2>/dev/null || exit 1
if [ "${MEASURE_SKIP_BUILD:-0}" != 1 ]; then
  stack_build_images >&2 || exit 1
fi

tag=${FLOTILLA_TAG:-dev}
mb() { docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.1f", $1 / 1000000 }'; }
size_row() {
  local image=$1 base=$2 budget=$3 size base_size delta verdict
  size=$(mb "$image") base_size=$(mb "$base")
  delta=$(awk -v a="$size" -v b="$base_size" 'BEGIN { printf "%.1f", a - b }')
  verdict=$(awk -v d="$delta" -v t="$budget" 'BEGIN { print (d <= t) ? "ok" : "OVER" }')
  printf '  %-24s %8s MB   base %-32s %8s MB   +%6s MB (budget +%s MB: %s)\n' \
    "$image" "$size" "$base" "$base_size" "$delta" "$budget" "$verdict"
}

echo "== image sizes (docker image inspect .Size, MB = 10^6 bytes)"
size_row "flotilla/api:$tag" "${NODE_IMAGE:-node:24-bookworm-slim}" 60
size_row "flotilla/auth:$tag" "${NODE_IMAGE:-node:24-bookworm-slim}" 60
size_row "flotilla/web:$tag" "${NGINX_IMAGE:-nginx:stable}" 5
for image in api-migrate auth-migrate; do
  printf '  %-24s %8s MB   (one-shot job image: Prisma CLI + schema; not a service)\n' "flotilla/$image:$tag" "$(mb "flotilla/$image:$tag")"
done

echo "== seconds from 'up --wait' to every core service healthy, images built"
stack_down
cold=$(stack_up) || exit 1
echo "  empty volumes (initdb, migrations, seed): ${cold}s"
compose stop >/dev/null 2>&1
warm=$(stack_up) || exit 1
echo "  restart on existing volumes:              ${warm}s"

settle=${MEASURE_IDLE_SECONDS:-30}
echo "== memory at idle (${settle}s after healthy, docker stats --no-stream)"
sleep "$settle"
ids=$(compose ps -q)
# shellcheck disable=SC2086 # one argument per container id
docker stats --no-stream --format '{{.Name}}\t{{.MemUsage}}' $ids | sort |
  awk -F'\t' '
    function mib(v) {
      if (v ~ /GiB$/) return v * 1024; if (v ~ /MiB$/) return v + 0
      if (v ~ /kB$/ || v ~ /KiB$/) return v / 1024; if (v ~ /B$/) return v / 1048576; return v + 0
    }
    { split($2, used, " / "); m = mib(used[1]); total += m; printf "  %-40s %8.1f MiB   (limit %s)\n", $1, m, used[2] }
    END { printf "  %-40s %8.1f MiB   (target < 1536 MiB: %s)\n", "TOTAL", total, (total < 1536) ? "ok" : "OVER" }'
