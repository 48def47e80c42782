#!/bin/bash
# Runs once, on the first start of an empty data volume (the official image's
# /docker-entrypoint-initdb.d contract), as the postgres superuser over the
# init-time socket. One database and one login role per service, so a service
# can neither read nor change another's data; passwords come from compose
# secrets. The exporter's role only gets pg_monitor.
set -euo pipefail

secret() {
  local file=/run/secrets/$1
  [ -r "$file" ] || { echo "initdb: missing secret $file" >&2; exit 1; }
  tr -d '\n' <"$file"
}

create_service_db() {
  local role=$1 password=$2
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set=role="$role" --set=password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role" ENCODING 'UTF8';
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
\connect :"role"
-- PostgreSQL 15 already keeps PUBLIC off the public schema; the owner gets it.
ALTER SCHEMA public OWNER TO :"role";
SQL
}

create_service_db auth "$(secret postgres_auth_password)"
create_service_db ledger "$(secret postgres_ledger_password)"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set=password="$(secret postgres_exporter_password)" <<'SQL'
CREATE ROLE postgres_exporter LOGIN PASSWORD :'password' CONNECTION LIMIT 3;
GRANT pg_monitor TO postgres_exporter;
GRANT CONNECT ON DATABASE auth, ledger TO postgres_exporter;
SQL
