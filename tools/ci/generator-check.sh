#!/usr/bin/env bash
# Keeps the service generator true (issue 17): generates a throwaway service with
# `nx g @flotilla/tools:service`, runs its Prisma client generation, lint,
# typecheck, build and unit tests, checks the tsconfig references with
# `nx sync:check`, removes it, and verifies the working tree is as it was.
# Nx's cache applies as to any project: a change to the templates, the
# generator or a lib the service uses is a cache miss, so it is rebuilt.
#   bash tools/ci/generator-check.sh
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

name=${GENERATOR_CHECK_NAME:-gen-check}
# The shared files the generator edits; restored from a copy, so a developer's
# own uncommitted changes to them survive the check.
shared=(package-lock.json tsconfig.json docker-compose.yml docker/prometheus/prometheus.yml docker/grafana/dashboards/flotilla-red.json)
start=$SECONDS

if [ -e "apps/$name" ]; then
  echo "generator-check: apps/$name exists already; not touching it" >&2
  echo "generator-checks: 0 passed, 1 failed"
  exit 1
fi
before=$(git status --porcelain --untracked-files=all)
backup=$(mktemp -d)
for file in "${shared[@]}"; do cp --parents "$file" "$backup/"; done
cleanup() {
  rm -rf "apps/$name"
  for file in "${shared[@]}"; do cp "$backup/$file" "$file"; done
  rm -rf "$backup"
}
trap cleanup EXIT

nx() { npx nx "$@" --outputStyle=static; }
status=0
npx nx g @flotilla/tools:service "$name" --port=3099 --no-interactive || status=1
if [ "$status" -eq 0 ]; then
  nx run-many -p "$name" -t prisma-generate lint typecheck build test || status=1
fi
if [ "$status" -eq 0 ]; then
  npx nx sync:check || status=1
fi

cleanup
trap - EXIT
after=$(git status --porcelain --untracked-files=all)
if [ "$before" != "$after" ]; then
  echo "generator-check: the working tree differs after the check:" >&2
  diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2
  status=1
fi

echo "generator-check: took $((SECONDS - start))s"
if [ "$status" -eq 0 ]; then
  echo "generator-checks: 1 passed, 0 failed"
else
  echo "generator-checks: 0 passed, 1 failed"
fi
exit "$status"
