#!/bin/sh
# The gateway follows the containers it routes to. nginx resolves the names in
# its `upstream` blocks (docker/nginx/nginx.conf) once, when it loads its
# configuration; a recreated or scaled service (a new address, Swarm tasks
# coming and going) would not be seen. nginx 1.22 (Debian's, the offline
# stand-in) has neither `resolve` on upstream servers (1.27.3+) nor a way to
# keep upstream keepalive with a variable in proxy_pass (a variable names no
# upstream block, so each request opens a new connection). So this script,
# run by the image's /docker-entrypoint.sh before nginx starts:
#   1. waits (up to GATEWAY_RESOLVE_WAIT seconds) until every upstream name
#      resolves, so nginx does not exit with "host not found in upstream" when
#      it starts before them (Swarm has no depends_on);
#   2. leaves a watcher in the background that asks Docker's resolver
#      (127.0.0.11, the container's /etc/resolv.conf, through getent) every
#      GATEWAY_RESOLVE_INTERVAL seconds for every address of each name, and
#      on a change checks the configuration and reloads nginx. A reload is
#      graceful: new workers get the new address set (every Swarm dnsrr task
#      becomes a server in the pool, balanced round-robin, with keepalive); the
#      old workers finish their requests and streams first.
# GATEWAY_UPSTREAM_HOSTS lists the names (default: web api auth).
set -eu

hosts=${GATEWAY_UPSTREAM_HOSTS:-web api auth}
interval=${GATEWAY_RESOLVE_INTERVAL:-1}
wait_s=${GATEWAY_RESOLVE_WAIT:-120}
pidfile=/tmp/nginx.pid

addresses() {
  for host in $hosts; do
    printf '%s=%s\n' "$host" "$(getent ahostsv4 "$host" | awk '{ print $1 }' | sort -u | tr '\n' ' ')"
  done
}
unresolved() {
  for host in $hosts; do
    getent ahostsv4 "$host" >/dev/null || printf '%s ' "$host"
  done
}
log() { echo "follow-upstreams: $*" >&2; }

waited=0
while missing=$(unresolved) && [ -n "$missing" ] && [ "$waited" -lt "$wait_s" ]; do
  [ $((waited % 10)) -ne 0 ] || log "waiting for ${missing}to resolve"
  sleep 1
  waited=$((waited + 1))
done

(
  # nginx resolves the names when it starts, just after this script returns.
  while [ ! -s "$pidfile" ]; do sleep 0.2; done
  last=$(addresses)
  while sleep "$interval"; do
    now=$(addresses)
    [ "$now" != "$last" ] || continue
    # -t resolves every upstream name too: while one resolves to nothing
    # (a service with no task), the running configuration stays.
    if nginx -t -q 2>/dev/null && nginx -s reload 2>/dev/null; then
      log "reloaded: $(echo "$now" | tr '\n' ' ')"
      last=$now
    fi
  done
) &
