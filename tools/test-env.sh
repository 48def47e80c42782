# shellcheck shell=bash
# Connection settings for tests run on this machine against tools/dev-services.sh.
# Sourced by tools/test.sh; any value already in the environment wins.
export AUTH_DATABASE_URL=${AUTH_DATABASE_URL:-postgresql://auth:auth@127.0.0.1:5432/auth}
export LEDGER_DATABASE_URL=${LEDGER_DATABASE_URL:-postgresql://ledger:ledger@127.0.0.1:5432/ledger}
export MESSAGING_DATABASE_URL=${MESSAGING_DATABASE_URL:-postgresql://messaging:messaging@127.0.0.1:5432/messaging}
export AMQP_URL=${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}
