#!/usr/bin/env bash
# Officina beside the hand-written Flask + SQLAlchemy app in the shared CRUD
# benchmark. Needs wrk and /tmp/peers/venv (see shared/bench/peers-setup.sh;
# only its first two steps matter for these two systems).
#   bench/crud/run.sh [--repeats 1] [--backend postgres] [other bench.py options]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
project=$(cd "$here/../.." && pwd)
shared=${SHARED_BENCH:-$project/../shared/bench}
scratch=$(mktemp -d /tmp/officina-crud.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cp -r "$shared/." "$scratch/"
chmod -R u+w "$scratch"
cp "$here/officina_adapter.py" "$scratch/adapters/officina.py"
sed -i 's|    # "officina": "adapters.officina",.*|    "officina": "adapters.officina",|' \
  "$scratch/bench.py"
cd "$scratch"
OFFICINA_PROJECT=$project python3 bench.py --systems baseline,officina \
  --out "$project/bench/crud/results-$(date +%Y-%m-%d).md" "$@"
