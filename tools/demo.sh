#!/usr/bin/env bash
# Demo data on request, for a first look at the app: registers three demo
# people through the auth service's real sign-up API and gives them 30 days of
# deposits and transfers through the ledger's own use cases (apps/api/src/demo,
# run as the compose job `api-demo`). Prints each new person's passphrase once.
# Running it again changes nothing. Refused when APP_ENV=production, and when
# the auth service it reaches has an issuer that is not on localhost.
#   bash tools/demo.sh                  # against the stack `docker compose up` started
#   DEMO_COMPOSE="docker compose -p NAME -f docker-compose.yml" bash tools/demo.sh
# Arguments go to `docker compose run` (e.g. -e APP_ENV=staging).
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a compose <<<"${DEMO_COMPOSE:-docker compose}"
# --no-deps: the job never starts or re-creates the services; it needs the stack up.
exec "${compose[@]}" --profile demo run --rm --no-deps --no-TTY "$@" api-demo
