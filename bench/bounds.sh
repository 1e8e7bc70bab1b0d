#!/usr/bin/env bash
# Issue 15's figures for bounded user data and usage dates: starts a private stack from a
# build, runs bench/bounds.py against it (p50/p99 of GET /api/v1/auths/, the search and the
# admin page with and without a user holding 8 MB of settings and info in 9 groups, and the
# usage extremes' time and worker memory), stops it. Figures only.
#
#   bench/bounds.sh [BUILD_DIR] [N]     (default BUILD_DIR: REPO/.build, N: 200 requests)
#
# For a before/after pair, build the old commit in its own tree and pass its build dir:
# the stack script, the migrations and this script come from this checkout. As root.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$(cd "${1:-$REPO/.build}" && pwd)
N=${2:-200}
STATE=$(mktemp -d /tmp/usher-bounds.XXXXXX)
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { USHER_BUILD=$BUILD "$REPO/scripts/stack.sh" stop "$STATE" >/dev/null 2>&1 || true; rm -rf "$STATE"; }
trap cleanup EXIT
USHER_BUILD=$BUILD STACK_MAX_CHILDREN=${STACK_MAX_CHILDREN:-4} STACK_NGINX_ACCESS_LOG=off \
    "$REPO/scripts/stack.sh" start "$STATE" "$PORT" >/dev/null
echo "bench: $BUILD ($(git -C "$REPO" rev-parse --short HEAD) scripts), $(nproc) cores, 4 workers"
/usr/bin/python3 "$REPO/bench/bounds.py" "http://127.0.0.1:$PORT" "$STATE" "$N"
