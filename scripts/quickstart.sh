#!/usr/bin/env bash
# Quick start on Debian 12, as root, from a clone of the repository:
#
#   scripts/quickstart.sh          install what is missing, build in .build/, start MariaDB,
#                                  usher-fcgi and nginx with their state in .run/ and serve
#                                  http://127.0.0.1:8080/ (PORT=... to change; later runs keep
#                                  the last port); a second run rebuilds what changed and
#                                  keeps the data
#   scripts/quickstart.sh stop     stop all three (the data stays in .run/)
#   scripts/quickstart.sh status
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
RUN=$REPO/.run
BUILD=$REPO/.build

case ${1:-start} in
stop) exec scripts/stack.sh stop "$RUN" ;;
status) exec scripts/stack.sh status "$RUN" ;;
start) ;;
*) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac

[[ $(id -u) == 0 ]] || { echo "quickstart: run as root (it installs packages and starts MariaDB and nginx)" >&2; exit 1; }

if scripts/stack.sh status "$RUN" >/dev/null 2>&1; then
    echo "quickstart: usher is already running on http://127.0.0.1:$(cat "$RUN/port")/ (stop: scripts/quickstart.sh stop)"
    exit 0
fi

scripts/deps.sh
# autogen only when configure is missing or older than its sources; make re-runs the rest.
if [[ ! -x configure || configure.ac -nt configure || Makefile.am -nt Makefile.in ]]; then
    ./autogen.sh
fi
mkdir -p "$BUILD"
if [[ ! -f $BUILD/Makefile ]]; then
    (cd "$BUILD" && ../configure -q)
fi
make -C "$BUILD" -j"$(nproc)" -s

# No PORT: stack.sh takes the one .run/ last used, else 8080.
USHER_BUILD=$BUILD scripts/stack.sh start "$RUN" ${PORT:-}
PORT=$(cat "$RUN/port")

cat <<EOF

usher is running (state and logs in .run/: usher.log, nginx-error.log, mysql.err).
  health:    http://127.0.0.1:$PORT/health     (database: http://127.0.0.1:$PORT/health/db)
  API base:  http://127.0.0.1:$PORT/api/v1/    (auths/, users/, groups/)
  pool:      http://127.0.0.1:$PORT/status     (php-fpm style status, ?json; loopback only)
  config:    .run/usher.conf, nginx/usher.conf (the snippet nginx includes)
Stop with:   scripts/quickstart.sh stop
EOF
