#!/usr/bin/env bash
# Checks docker/prometheus with promtool: the config (which also loads the
# rule files it names), the rule files, and every rule unit-test group on its
# own. Ends with exactly one line:
#   promtool-tests: N passed, N failed
# where the cases are: check config, check rules, and each test group of
# docker/prometheus/tests/*.test.yml (or of the files in
# $PROMTOOL_TEST_FILES, space-separated). Exits non-zero when any case failed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PROM=$ROOT/docker/prometheus
PROMTOOL=${PROMTOOL:-promtool}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0
record() { # record NAME LOGFILE STATUS
  if [ "$3" -eq 0 ]; then
    passed=$((passed + 1))
    echo "ok    $1"
  else
    failed=$((failed + 1))
    echo "FAIL  $1"
    sed 's/^/      /' "$2"
  fi
}

if ! command -v "$PROMTOOL" >/dev/null 2>&1; then
  echo "promtool not found (Debian package: prometheus)"
  echo "promtool-tests: 0 passed, 1 failed"
  exit 1
fi

"$PROMTOOL" check config "$PROM/prometheus.yml" >"$WORK/config.log" 2>&1
record "promtool check config prometheus.yml" "$WORK/config.log" $?

"$PROMTOOL" check rules "$PROM"/rules/*.yml >"$WORK/rules.log" 2>&1
record "promtool check rules rules/*.yml" "$WORK/rules.log" $?

# shellcheck disable=SC2086 # a list of paths without spaces
if node "$ROOT/tools/observability/scripts/split-rule-tests.mjs" "$WORK/groups" ${PROMTOOL_TEST_FILES:-"$PROM"/tests/*.test.yml} >"$WORK/groups.tsv" 2>"$WORK/split.log"; then
  while IFS=$'\t' read -r file title; do
    "$PROMTOOL" test rules "$file" >"$file.log" 2>&1
    record "$title" "$file.log" $?
  done <"$WORK/groups.tsv"
else
  record "split rule tests into groups" "$WORK/split.log" 1
fi

echo "promtool-tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
