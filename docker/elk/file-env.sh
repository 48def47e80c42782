#!/bin/sh
# Entrypoint wrapper for images that read secrets only from environment
# variables (Logstash, Kibana). For each NAME listed in FILE_ENV_VARS it
# exports NAME with the content of the file named by NAME_FILE, then execs
# the image's own entrypoint:
#   environment:
#     FILE_ENV_VARS: LOGSTASH_WRITER_PASSWORD
#     LOGSTASH_WRITER_PASSWORD_FILE: /run/secrets/logstash_writer_password
#   entrypoint: ["/bin/sh", "/usr/local/bin/file-env.sh", "/usr/local/bin/docker-entrypoint"]
# The list is explicit because other *_FILE variables (SSL_CERT_FILE, …) are
# not secrets and must stay as they are.
set -eu
for var in ${FILE_ENV_VARS:-}; do
  case $var in
    *[!A-Za-z0-9_]* | '') echo "file-env: bad variable name '$var'" >&2; exit 1 ;;
  esac
  eval "file=\${${var}_FILE:-}"
  if [ -z "$file" ] || [ ! -r "$file" ]; then
    echo "file-env: ${var}_FILE='$file' is not a readable file" >&2
    exit 1
  fi
  # $(...) drops the trailing newline an editor adds to a secrets file.
  value=$(cat "$file")
  export "$var=$value"
  unset "${var}_FILE"
done
unset FILE_ENV_VARS
exec "$@"
