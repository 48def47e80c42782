#!/usr/bin/env bash
# Runs shellcheck on every shell script of the repo (issue 14, "checks here"):
# every tracked *.sh and every tracked file whose first line is a sh/bash
# shebang, at severity warning, following `source`d files (-x). Each file is
# one case; ends with "shellcheck-checks: N passed, N failed".
#   bash tools/ci/shellcheck.sh                 # the repo
#   SHELLCHECK_FILES="a.sh b" bash tools/ci/shellcheck.sh   # only these
# The compose healthcheck strings are shellchecked by
# tools/observability/test/healthchecks.test.ts.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

if ! command -v shellcheck >/dev/null 2>&1; then
  echo "shellcheck not found (Debian package: shellcheck)"
  echo "shellcheck-checks: 0 passed, 1 failed"
  exit 1
fi

files=()
if [ -n "${SHELLCHECK_FILES:-}" ]; then
  read -r -a files <<<"$SHELLCHECK_FILES"
else
  while IFS= read -r file; do
    case $file in
      *.sh) files+=("$file") ;;
      *) head -n 1 "$file" 2>/dev/null | grep -qE '^#!(/usr/bin/env |/bin/)(ba|da)?sh\b' && files+=("$file") ;;
    esac
  done < <(git ls-files --cached --others --exclude-standard | grep -v -E '(^|/)node_modules/')
fi

passed=0
failed=0
for file in "${files[@]}"; do
  [ -f "$file" ] || continue
  if out=$(shellcheck -x --severity=warning -f gcc "$file" 2>&1); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL  $file"
    printf '%s\n' "$out" | sed 's/^/      /'
  fi
done
echo "shellcheck-checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
