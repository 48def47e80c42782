#!/bin/sh
# Entrypoint of the migrate/seed job images (the Prisma CLI). Compose hands secrets over as files
# (/run/secrets/*); for every FOO_FILE in the environment this exports FOO with
# the file's content, the convention of the official postgres/mysql images, so
# the service reads plain environment variables and no secret sits in the
# container's config (`docker inspect`). Then it execs the command, so node
# stays the process that receives the signals.
set -eu

for assignment in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)_FILE=.*/\1/p'); do
  var=$assignment
  file='' # set by the eval (shellcheck cannot see through it)
  eval "file=\${${var}_FILE}"
  eval "already=\${${var}:-}"
  if [ -n "$already" ]; then
    echo "file-env: both $var and ${var}_FILE are set; set only one" >&2
    exit 64
  fi
  if [ ! -r "$file" ]; then
    echo "file-env: ${var}_FILE=$file is not a readable file" >&2
    exit 66
  fi
  # $(...) strips the trailing newline an editor may have added.
  value=$(cat "$file")
  export "$var=$value"
  unset "${var}_FILE"
done

exec "$@"
