#!/usr/bin/env bash
# Installs the Compose v2 and buildx CLI plugins when `docker compose version`
# (or `docker buildx version`) fails. tools/stack/lib.sh runs it before every
# stack run; it does nothing (a few ms) when both answer.
#   bash tools/stack/install-compose-v2.sh
# Debian 13 (trixie) and later: the distribution's own `docker-compose` (v2)
# and `docker-buildx` packages, with apt-get install (Ubuntu: docker-compose-v2).
# Debian 12 (bookworm): trixie's packages are, in effect, static Go binaries
# that need only libc6 >= 2.34 (../shared/ENVIRONMENT.md, measured December
# 2026), so they are fetched from the same Debian mirror with suite trixie,
# through a separate apt source list and state dir (the machine's own sources
# stay bookworm, nothing is installed through dpkg), unpacked with dpkg-deb -x,
# and their usr/libexec/docker/cli-plugins/* copied to
# /usr/libexec/docker/cli-plugins/, where every docker CLI looks for plugins.
# Needs root (it writes to /usr/libexec). DEBIAN_MIRROR overrides the mirror
# (default: the one the machine's sources use, else deb.debian.org).
set -euo pipefail

log() { printf '[compose-v2] %s\n' "$*" >&2; }
have_plugins() { docker compose version >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; }

if have_plugins; then
  exit 0
fi
[ "$(id -u)" = 0 ] || { log "Compose v2 is missing and installing it needs root"; exit 77; }
export DEBIAN_FRONTEND=noninteractive
lock=(-o DPkg::Lock::Timeout=600)

# shellcheck disable=SC1091 # the machine's own
os=$(. /etc/os-release && echo "${ID:-}:${VERSION_CODENAME:-}")
native() { # native PKG...: the distribution's own packages
  log "installing $* from ${os%%:*} ${os#*:}"
  apt-get "${lock[@]}" update -qq
  apt-get "${lock[@]}" install -y -qq --no-install-recommends "$@" >/dev/null
  have_plugins || { log "docker compose still fails after apt-get install $*"; exit 1; }
  docker compose version >&2
  exit 0
}
case $os in
  debian:bookworm | debian:bullseye) ;;
  # Debian 13 (trixie) and later: docker-compose is v2 there.
  debian:*) native docker-compose docker-buildx ;;
  # Ubuntu 22.04+ packages v2 under its own name (its docker-compose is 1.29).
  ubuntu:*) native docker-compose-v2 docker-buildx ;;
  *) log "Compose v2 is missing; install the docker compose plugin (https://docs.docker.com/compose/install/)"; exit 1 ;;
esac

mirror=${DEBIAN_MIRROR:-$(grep -rhoE 'https?://[^ ]+/debian/?$' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -n1 || true)}
mirror=${mirror:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
# Bookworm's keyring (2023.3+deb12u1 and later) carries the trixie signing keys.
state=${COMPOSE_V2_STATE_DIR:-/var/cache/flotilla/trixie-apt}
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/debs"
echo "deb [signed-by=$keyring] $mirror trixie main" >"$state/trixie.list"
apt_trixie=(apt-get "${lock[@]}"
  -o "Dir::Etc::SourceList=$state/trixie.list" -o Dir::Etc::SourceParts=-
  -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache"
  -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)

log "fetching docker-compose and docker-buildx from $mirror (suite trixie, lists in $state)"
"${apt_trixie[@]}" update -qq
(cd "$state/debs" && rm -f ./*.deb && "${apt_trixie[@]}" download docker-compose docker-buildx)

unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
for deb in "$state"/debs/*.deb; do
  log "unpacking $(basename "$deb")"
  dpkg-deb -x "$deb" "$unpacked"
done
mkdir -p /usr/libexec/docker/cli-plugins
install -m 0755 "$unpacked"/usr/libexec/docker/cli-plugins/* /usr/libexec/docker/cli-plugins/
have_plugins || { log "docker compose still fails after unpacking the plugins"; exit 1; }
log "installed into /usr/libexec/docker/cli-plugins: $(docker compose version --short), buildx $(docker buildx version | awk '{print $2}')"
