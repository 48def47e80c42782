#!/usr/bin/env bash
# Generates the secrets the compose stack mounts as files (compose `secrets:`)
# into ./secrets (or $SECRETS_DIR). Run once per checkout, before the first
# `docker compose up`:
#   bash tools/gen-secrets.sh           # keeps files that exist
#   bash tools/gen-secrets.sh --force   # rotates everything (then: docker compose down -v)
# The directory is 0700 and git-ignored. The files are 0644: compose (v1 and v2)
# bind-mounts them with their host mode, and the services read them as
# non-root users with different uids; the directory keeps other host users out.
# Needs only bash and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${SECRETS_DIR:-./secrets}
force=false
case "${1:-}" in
  --force) force=true ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 64 ;;
esac

mkdir -p "$dir"
chmod 700 "$dir"
umask 022

created=()
# put NAME: writes stdin to $dir/NAME unless it exists (or --force).
put() {
  local file="$dir/$1"
  if [ -s "$file" ] && [ "$force" = false ]; then cat >/dev/null; return 0; fi
  cat >"$file.tmp"
  chmod 644 "$file.tmp"
  mv "$file.tmp" "$file"
  created+=("$1")
}
# Hex: URL-, shell- and YAML-safe, so it can sit inside a connection URL as is.
random() { openssl rand -hex "${1:-24}"; }
get() { cat "$dir/$1"; }

# --- PostgreSQL: superuser, one role per service database, the exporter ---------
put postgres_password < <(random)
put postgres_auth_password < <(random)
put postgres_ledger_password < <(random)
put postgres_exporter_password < <(random)
put auth_database_url < <(printf 'postgresql://auth:%s@postgres:5432/auth\n' "$(get postgres_auth_password)")
put ledger_database_url < <(printf 'postgresql://ledger:%s@postgres:5432/ledger\n' "$(get postgres_ledger_password)")

# --- RabbitMQ: the services' user and an administrator, loaded from definitions --
put rabbitmq_password < <(random)
put rabbitmq_admin_password < <(random)
put amqp_url < <(printf 'amqp://flotilla:%s@rabbitmq:5672/flotilla\n' "$(get rabbitmq_password)")

# RabbitMQ stores salted hashes, not passwords: base64(salt ‖ sha256(salt ‖ password))
# with a 32-bit salt (rabbit_password_hashing_sha256,
# https://www.rabbitmq.com/docs/passwords#computing-password-hash).
rabbit_hash() {
  local salt_hex escaped i
  salt_hex=$(openssl rand -hex 4)
  escaped=''
  for ((i = 0; i < 8; i += 2)); do escaped+="\\x${salt_hex:i:2}"; done
  # shellcheck disable=SC2059 # the format is the salt's bytes
  { printf "$escaped"; { printf "$escaped"; printf '%s' "$1"; } | openssl dgst -sha256 -binary; } | openssl base64 -A
}
# The policies follow the code: delivery-limit is libs/messaging's
# DEFAULT_DELIVERY_LIMIT, and parking queues are named <queue>.parking
# (apps/api/test/integration/messaging/topology-config.test.ts holds them to it).
# A newer copy of this script rewrites the file, so a changed policy reaches
# existing checkouts.
if [ ! -s "$dir/rabbitmq_definitions.json" ] || [ "$force" = true ] ||
  [ "${BASH_SOURCE[0]}" -nt "$dir/rabbitmq_definitions.json" ] ||
  [ "$dir/rabbitmq_password" -nt "$dir/rabbitmq_definitions.json" ] ||
  [ "$dir/rabbitmq_admin_password" -nt "$dir/rabbitmq_definitions.json" ]; then
  app_hash=$(rabbit_hash "$(get rabbitmq_password)")
  admin_hash=$(rabbit_hash "$(get rabbitmq_admin_password)")
  force=true put rabbitmq_definitions.json <<JSON
{
  "users": [
    {"name": "flotilla", "password_hash": "$app_hash", "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []},
    {"name": "admin", "password_hash": "$admin_hash", "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ["administrator"]}
  ],
  "vhosts": [{"name": "flotilla"}],
  "permissions": [
    {"user": "flotilla", "vhost": "flotilla", "configure": ".*", "write": ".*", "read": ".*"},
    {"user": "admin", "vhost": "flotilla", "configure": ".*", "write": ".*", "read": ".*"}
  ],
  "policies": [
    {
      "vhost": "flotilla", "name": "poison-message-limit", "pattern": ".*", "apply-to": "queues", "priority": 0,
      "definition": {"delivery-limit": 20}
    },
    {
      "vhost": "flotilla", "name": "bounded-dead-letters", "pattern": "\\\\.parking\$", "apply-to": "queues", "priority": 1,
      "definition": {"max-length": 100000, "overflow": "reject-publish"}
    }
  ]
}
JSON
fi

# --- auth: token signing keys and secrets -----------------------------------------
# SIGNING_KEYS is a JWK Set of EC P-256 private keys (ES256, RFC 7518 §3.4;
# JWK members per RFC 7518 §6.2). openssl prints the key's numbers in hex;
# they become base64url here, so no tool beyond openssl is needed.
hex_b64url() {
  local hex=$1 escaped='' i
  for ((i = 0; i < ${#hex}; i += 2)); do escaped+="\\x${hex:i:2}"; done
  # shellcheck disable=SC2059 # the format is the bytes
  printf "$escaped" | openssl base64 -A | tr '+/' '-_' | tr -d '='
}
es256_jwks() {
  local text priv pub kid
  text=$(openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 | openssl ec -text -noout 2>/dev/null)
  priv=$(printf '%s\n' "$text" | sed -n '/^priv:/,/^pub:/p' | sed '1d;$d' | tr -d ' :\n')
  pub=$(printf '%s\n' "$text" | sed -n '/^pub:/,/^ASN1 OID/p' | sed '1d;$d' | tr -d ' :\n')
  # d is exactly 32 bytes: openssl may print a leading 00 or drop leading zeros.
  priv=$(printf '%064s' "${priv: -64}" | tr ' ' 0)
  [ "${#pub}" -eq 130 ] && [ "${pub:0:2}" = 04 ] || { echo "gen-secrets: unexpected EC public key" >&2; return 1; }
  kid="es256-$(date -u +%Y%m%d)-$(openssl rand -hex 4)"
  printf '{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"%s","x":"%s","y":"%s","d":"%s"}]}\n' \
    "$kid" "$(hex_b64url "${pub:2:64}")" "$(hex_b64url "${pub:66:64}")" "$(hex_b64url "$priv")"
}
if [ ! -s "$dir/auth_signing_keys.json" ] || [ "$force" = true ]; then
  put auth_signing_keys.json < <(es256_jwks)
fi
put auth_cookie_secret < <(random 32)
# The API is the browser's backend-for-frontend, a confidential OAuth client of
# auth; auth-seed registers it (and the client_credentials service client) with
# these secrets.
put bff_client_secret < <(random 32)
put service_client_secret < <(random 32)
# 32 random bytes, base64url (43 characters): the API's session encryption key.
put api_session_encryption_key < <(openssl rand 32 | openssl base64 -A | tr '+/' '-_' | tr -d '=')

# --- observability profile -------------------------------------------------------
put grafana_admin_password < <(random)
put grafana_reader_password < <(random)
put elastic_password < <(random)
put kibana_system_password < <(random)
put kibana_encryption_key < <(random 32)
put logstash_writer_password < <(random)

if [ "${#created[@]}" -gt 0 ]; then
  printf 'gen-secrets: wrote %s in %s\n' "${created[*]}" "$dir" >&2
else
  printf 'gen-secrets: every secret already exists in %s (--force rotates them)\n' "$dir" >&2
fi
