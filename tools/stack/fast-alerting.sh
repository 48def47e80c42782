#!/usr/bin/env bash
# Writes CI copies of docker/prometheus and docker/alertmanager with alerting
# timings short enough for tools/stack/checks/40-alert-mail.sh to see an alert
# fire and resolve in about a minute, and prints the variables that mount them:
#   eval "$(bash tools/stack/fast-alerting.sh tmp/e2e/config)"
# Only the timings change, never an expression, a label or a route:
#   prometheus.yml   scrape/evaluation/DNS refresh 15s -> 5s, scrape timeout 10s -> 4s
#   rules/alerts.yml TargetDown and ServiceHasNoTargets `for: 2m` -> 10s
#   alertmanager.yml group_wait 30s -> 5s, group_interval 5m -> 10s
# The production values stay in docker/ (and their promtool tests with them).
# Each substitution must match exactly once, so a change to those lines fails
# here instead of silently leaving CI slow.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:?usage: fast-alerting.sh OUTDIR}
rm -rf "$out/prometheus" "$out/alertmanager"
mkdir -p "$out"
cp -r "$root/docker/prometheus" "$out/prometheus"
cp -r "$root/docker/alertmanager" "$out/alertmanager"
rm -rf "$out/prometheus/tests"

# subst FILE COUNT SED-EXPRESSION: applies it, requires COUNT changed lines.
subst() {
  local file=$1 want=$2 expr=$3 before
  before=$(cat "$file")
  sed -i -E "$expr" "$file"
  local changed
  changed=$(diff <(printf '%s\n' "$before") "$file" | grep -c '^>' || true)
  if [ "$changed" != "$want" ]; then
    echo "fast-alerting: '$expr' changed $changed lines of $file, expected $want" >&2
    exit 1
  fi
}
subst "$out/prometheus/prometheus.yml" 1 's/^(  scrape_interval:) 15s$/\1 5s/'
subst "$out/prometheus/prometheus.yml" 1 's/^(  scrape_timeout:) 10s$/\1 4s/'
subst "$out/prometheus/prometheus.yml" 1 's/^(  evaluation_interval:) 15s$/\1 5s/'
subst "$out/prometheus/prometheus.yml" 5 's/^( +refresh_interval:) 15s$/\1 5s/'
subst "$out/prometheus/rules/alerts.yml" 1 '/alert: TargetDown$/,/^ +for:/ s/^( +for:) 2m$/\1 10s/'
subst "$out/prometheus/rules/alerts.yml" 1 '/alert: ServiceHasNoTargets$/,/^ +for:/ s/^( +for:) 2m$/\1 10s/'
subst "$out/alertmanager/alertmanager.yml" 1 's/^(  group_wait:) 30s$/\1 5s/'
subst "$out/alertmanager/alertmanager.yml" 1 's/^(  group_interval:) 5m$/\1 10s/'
# Readable by the containers' users whatever the umask.
chmod -R a+rX "$out/prometheus" "$out/alertmanager"
printf 'export PROMETHEUS_CONFIG_DIR=%q ALERTMANAGER_CONFIG_DIR=%q\n' "$out/prometheus" "$out/alertmanager"
