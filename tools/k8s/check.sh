#!/usr/bin/env bash
# The `k8s` stage: renders deploy/k8s's overlays with kubectl kustomize,
# validates them against the Kubernetes schemas, checks Pod Security and the
# parity with docker-compose.yml (tools/k8s/check.mjs). No cluster involved.
#   bash tools/k8s/check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v kubectl >/dev/null 2>&1; then
  # Debian's kubernetes-client package holds only docs: the official binary,
  # from the Kubernetes release site, where a machine can reach it.
  version=${KUBECTL_VERSION:-v1.32.4}
  echo "installing kubectl $version into ~/.cache/flotilla/bin"
  mkdir -p "$HOME/.cache/flotilla/bin"
  curl -fsSL -o "$HOME/.cache/flotilla/bin/kubectl" "https://dl.k8s.io/release/$version/bin/linux/amd64/kubectl"
  chmod +x "$HOME/.cache/flotilla/bin/kubectl"
  export PATH="$HOME/.cache/flotilla/bin:$PATH"
fi
kubectl version --client 2>/dev/null | sed 's/^/  /'
# The schema validators (kubernetes-models) live in tools/k8s's own package,
# out of the root one (the images' npm ci would carry them).
if [ ! -d tools/k8s/node_modules/kubernetes-models ] || [ tools/k8s/package-lock.json -nt tools/k8s/node_modules/.package-lock.json ]; then
  npm ci --prefix tools/k8s --no-audit --no-fund --loglevel=error
fi
# The dev overlay reads this checkout's secrets, as the compose stack does.
bash tools/gen-secrets.sh >/dev/null
exec node tools/k8s/check.mjs
