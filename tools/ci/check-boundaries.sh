#!/usr/bin/env bash
# Proves the module-boundary rules bite: a browser project that imports a
# server-only package, or a lib of another scope, must fail lint. Each probe
# file is written, linted with the project's own ESLint config, and removed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

passed=0
failed=0
probe() {
  local label=$1 project=$2 file=$3 source=$4 rule=$5
  printf '%s\n' "$source" >"$project/$file"
  local out
  out=$(cd "$project" && npx eslint "$file" 2>&1)
  local status=$?
  rm -f "$project/$file"
  if [ "$status" -ne 0 ] && grep -q "$rule" <<<"$out"; then
    echo "ok: $label"
    passed=$((passed + 1))
  else
    echo "FAILED: $label (eslint exit $status)"
    echo "$out" | tail -n 5
    failed=$((failed + 1))
  fi
}

probe "apps/web cannot import fastify" apps/web src/boundary-probe.ts \
  "import Fastify from 'fastify'; export const app = Fastify;" '@nx/enforce-module-boundaries'
probe "apps/web cannot import prom-client" apps/web src/boundary-probe.ts \
  "import { Registry } from 'prom-client'; export const r = Registry;" '@nx/enforce-module-boundaries'
probe "apps/web cannot import the service kit" apps/web src/boundary-probe.ts \
  "import { createServer } from '@flotilla/service-kit'; export const s = createServer;" '@nx/enforce-module-boundaries'
probe "libs/contracts cannot import winston" libs/contracts src/boundary-probe.ts \
  "import winston from 'winston'; export const w = winston;" '@nx/enforce-module-boundaries'

echo "boundary-checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
