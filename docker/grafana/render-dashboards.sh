#!/bin/sh
# Entrypoint wrapper of the grafana service: writes the dashboards of
# docker/grafana/dashboards (mounted read-only at $DASHBOARD_SOURCE) to
# $DASHBOARD_DIR (a tmpfs) with __KIBANA_PUBLIC_URL__ replaced by
# $KIBANA_PUBLIC_URL, then execs the image's own entrypoint:
#   entrypoint: ["/bin/sh", "/usr/local/bin/render-dashboards.sh"]
#   command: ["/run.sh"]
# Grafana expands environment variables in its provisioning YAML but never in
# dashboard JSON (grafana/grafana#25443), and the Kibana links must follow
# KIBANA_PORT / KIBANA_PUBLIC_URL like the datasources do (issue 14, finding 9).
set -eu
src=${DASHBOARD_SOURCE:-/etc/flotilla/dashboards}
out=${DASHBOARD_DIR:-/tmp/grafana-dashboards}
url=${KIBANA_PUBLIC_URL:-}
case $url in
  http://?* | https://?*) ;;
  *) echo "render-dashboards: KIBANA_PUBLIC_URL='$url' is not an http(s) URL" >&2; exit 1 ;;
esac
# It goes into JSON strings and a sed replacement: no quotes, backslashes,
# spaces or the sed delimiter; no trailing slash (the links add the path).
case $url in
  *[\"\\\'\ \|\&]* | */) echo "render-dashboards: KIBANA_PUBLIC_URL='$url' has a character links cannot take (or ends in /)" >&2; exit 1 ;;
esac
mkdir -p "$out"
for file in "$src"/*.json; do
  [ -f "$file" ] || { echo "render-dashboards: no dashboards in $src" >&2; exit 1; }
  sed "s|__KIBANA_PUBLIC_URL__|$url|g" "$file" >"$out/$(basename "$file").tmp"
  mv "$out/$(basename "$file").tmp" "$out/$(basename "$file")"
done
exec "$@"
