#!/usr/bin/env bash
# The Galera tests (tests/galera): usher on a private 3-node MariaDB Galera cluster with two
# pools behind one nginx upstream (scripts/galera.sh). Too slow for every CI run (about
# 5 minutes: a cluster start with two SSTs, a database reset per test, 12 rounds of racing
# sign-ups, a 20 s node kill under wrk); run it before a release and after changes to
# src/db/. Needs root and scripts/deps.sh --galera.
#
#   scripts/test-galera.sh [pytest args]     e.g. -k node_killed
#
# Environment: USHER_BUILD (default REPO/.build: built first if missing), GALERA_DIR (reuse a
# running harness; default a new temporary one, stopped afterwards), GALERA_PORT (8090:
# nginx uses it and the next three).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export USHER_BUILD=${USHER_BUILD:-$REPO/.build}
if [[ ! -x $USHER_BUILD/usher-fcgi || ! -x $USHER_BUILD/usherctl ]]; then
    mkdir -p "$USHER_BUILD"
    (cd "$REPO" && [[ -x configure ]] || ./autogen.sh)
    (cd "$USHER_BUILD" && "$REPO/configure" -q && make -j2 -s usher-fcgi usherctl)
fi
command -v wrk >/dev/null || { echo "test-galera: wrk is missing: scripts/deps.sh --galera" >&2; exit 1; }
cd "$REPO/tests/galera"
exec /usr/bin/python3 -m pytest -p no:cacheprovider -v "$@"
