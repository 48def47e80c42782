#!/usr/bin/env bash
# Gives the integration tests a real PostgreSQL and a real RabbitMQ on a bare
# Debian machine: installs them with apt when missing, starts them, waits until
# they answer, and creates the roles and databases the services use.
# Idempotent: when both already run it only checks them (about a second).
#
# The credentials are local development values, the same ones the tests use
# as defaults (see tools/test-env.sh). Never use them outside this machine.
set -euo pipefail

log() { printf '[dev-services] %s\n' "$*" >&2; }

need_pkgs=()
command -v pg_ctlcluster >/dev/null 2>&1 || need_pkgs+=(postgresql)
command -v rabbitmq-server >/dev/null 2>&1 || need_pkgs+=(rabbitmq-server)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  log "installing ${need_pkgs[*]} with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# --- PostgreSQL -------------------------------------------------------------
pg_version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_version" ]; then
  log "no PostgreSQL cluster found; creating one"
  pg_version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  pg_createcluster "$pg_version" main >/dev/null
fi
if ! pg_ctlcluster "$pg_version" main status >/dev/null 2>&1; then
  log "starting PostgreSQL $pg_version"
  pg_ctlcluster "$pg_version" main start
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p 5432 || { log "PostgreSQL did not answer on 127.0.0.1:5432"; exit 1; }

psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -qAt $*"; }
# role:password:database. CREATEDB lets `prisma migrate dev` make its shadow database.
for spec in auth:auth:auth ledger:ledger:ledger messaging:messaging:messaging; do
  IFS=: read -r role password db <<<"$spec"
  if [ "$(psql_admin "-c \"SELECT 1 FROM pg_roles WHERE rolname='$role'\"")" != "1" ]; then
    log "creating role $role"
    psql_admin "-c \"CREATE ROLE $role LOGIN CREATEDB PASSWORD '$password'\""
  fi
  if [ "$(psql_admin "-c \"SELECT 1 FROM pg_database WHERE datname='$db'\"")" != "1" ]; then
    log "creating database $db"
    psql_admin "-c \"CREATE DATABASE $db OWNER $role\""
  fi
done

# --- RabbitMQ ---------------------------------------------------------------
if ! rabbitmqctl -q status >/dev/null 2>&1; then
  log "enabling RabbitMQ plugins and starting the broker"
  rabbitmq-plugins enable --offline rabbitmq_management rabbitmq_prometheus >/dev/null
  rabbitmq-server -detached
fi
until rabbitmqctl -q await_startup --timeout 60 >/dev/null 2>&1; do sleep 0.5; done

log "PostgreSQL $pg_version on 127.0.0.1:5432 and RabbitMQ on 127.0.0.1:5672 are up"
