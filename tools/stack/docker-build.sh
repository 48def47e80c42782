#!/usr/bin/env bash
# Builds one app's image(s) with the classic builder; the `docker-build` Nx
# target of api, auth and web runs it (`npx nx run-many -t docker-build`).
#   bash tools/stack/docker-build.sh api|auth|web|mailcatcher
# Tags flotilla/<app>:$FLOTILLA_TAG (default dev), and for api and auth also
# flotilla/<app>-migrate:$FLOTILLA_TAG (the migrate/seed job image). Base
# images come from NODE_IMAGE / NGINX_IMAGE (offline stand-ins in CI). Writes
# dist/docker/<app>.json (the image ids) as the Nx target's output.
set -euo pipefail
cd "$(dirname "$0")/../.."

app=${1:?usage: docker-build.sh api|auth|web|mailcatcher}
dockerfile=apps/$app/Dockerfile
case $app in
  # The Node services share docker/node/Dockerfile; the app is a build argument.
  api | auth) targets=(runtime migrate) dockerfile=docker/node/Dockerfile ;;
  web) targets=(runtime) ;;
  # MailDev for dev and CI (docker/mailcatcher): not an app, same flow.
  mailcatcher) targets=(runtime) dockerfile=docker/mailcatcher/Dockerfile ;;
  # A service from `nx g @flotilla/tools:service` is a Node service too.
  *) if [ -f "apps/$app/prisma/schema.prisma" ] && [ ! -f "apps/$app/Dockerfile" ]; then
       targets=(runtime migrate) dockerfile=docker/node/Dockerfile
     else
       echo "docker-build: unknown app '$app'" >&2; exit 64
     fi ;;
esac
tag=${FLOTILLA_TAG:-dev}
node_image=${NODE_IMAGE:-node:24-bookworm-slim}
nginx_image=${NGINX_IMAGE:-nginx:stable}

docker info >/dev/null 2>&1 || {
  echo "docker-build: no Docker engine answers (in CI: source <(bash ../shared/offline-images/build.sh --env))" >&2
  exit 69
}

# Behind a TLS-inspecting proxy, npm ci inside the build needs its CA
# (docker/build-ca/README.md). Rewritten only when it changed, so the layer
# cache holds.
ca=${BUILD_CA_BUNDLE:-${NODE_EXTRA_CA_CERTS:-}}
if [ -n "$ca" ] && [ -r "$ca" ] && ! cmp -s "$ca" docker/build-ca/extra-ca.crt; then
  cp "$ca" docker/build-ca/extra-ca.crt
fi

manifest=apps/$app/package.json
[ -f "$manifest" ] || manifest=$(dirname "$dockerfile")/package.json
# A field of the manifest as plain text: `node -p` colours numbers when Nx
# sets FORCE_COLOR, and "PORT=\e[33m3000\e[39m" fails the build (EXPOSE).
field() { node -e 'process.stdout.write(String(require(process.argv[1])[process.argv[2]] ?? ""))' "./$manifest" "$1"; }
version=$(field version 2>/dev/null || echo 0.0.0)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- "apps/$app" libs 2>/dev/null)" ]; then revision="$revision-dirty"; fi
# Credentials in a remote URL (https://user:token@host/...) must not end up in a label.
source_url=${FLOTILLA_SOURCE:-$(git remote get-url origin 2>/dev/null | sed -E 's#://[^/@]+@#://#' || true)}
source_url=${source_url:-unknown}

mkdir -p dist/docker
ids=()
for target in "${targets[@]}"; do
  image=flotilla/$app:$tag
  [ "$target" = runtime ] || image=flotilla/$app-$target:$tag
  echo "docker-build: $image (target $target)"
  start=$SECONDS
  args=(--build-arg "NODE_IMAGE=$node_image" --build-arg "VERSION=$version" --build-arg "REVISION=$revision"
    --build-arg "SOURCE=$source_url")
  [ "$app" != web ] || args+=(--build-arg "NGINX_IMAGE=$nginx_image")
  if [ "$dockerfile" = docker/node/Dockerfile ]; then
    args+=(--build-arg "APP=$app"
      --build-arg "PORT=$(node -e 'process.stdout.write(String(require(process.argv[1]).config.port))' "./$manifest")"
      --build-arg "DESCRIPTION=$(field description)")
  fi
  # The classic builder: CI has no buildx (../shared/offline-images/README.md).
  # Its per-layer noise is filtered out; every step and RUN output stays.
  set +e
  DOCKER_BUILDKIT=0 docker build --file "$dockerfile" --target "$target" --tag "$image" "${args[@]}" . 2>&1 |
    grep --line-buffered -v -E '^( ---> |Removing intermediate container|DEPRECATED:|            (BuildKit|environment-variable))'
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then
    echo "docker-build: building $image failed (exit $status)" >&2
    exit "$status"
  fi
  ids+=("\"$target\": \"$(docker image inspect --format '{{.Id}}' "$image")\"")
  echo "docker-build: $image built in $((SECONDS - start))s"
done
printf '{%s}\n' "$(IFS=,; echo "${ids[*]}")" > "dist/docker/$app.json"
