#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL server:
#   scripts/with-postgres.sh COMMAND...
# The server's URL is in OFFICINA_TEST_DATABASE_URL while COMMAND runs; the
# server is stopped and its files removed afterwards, whatever happens.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/officina-pg.XXXXXX)
chmod 755 "$dir"
cleanup() { "$here/postgres.sh" stop "$dir" || true; rm -rf "$dir"; }
trap cleanup EXIT
OFFICINA_TEST_DATABASE_URL=$("$here/postgres.sh" start "$dir")
export OFFICINA_TEST_DATABASE_URL
echo "PostgreSQL for the tests: $OFFICINA_TEST_DATABASE_URL" >&2
"$@"
