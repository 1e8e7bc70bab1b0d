#!/usr/bin/env bash
# Quick start on Debian 12, as root, from a clone of the repository:
#
#   scripts/quickstart.sh          install what is missing, build in .build/, start MariaDB,
#                                  usher-fcgi and nginx with their state in .run/ and serve
#                                  http://127.0.0.1:8080/ (PORT=... to change; later runs keep
#                                  the last port); a second run rebuilds what changed and
#                                  keeps the data. A browser's / leads to the pages, /usher/.
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

# The closing banner: the pages first (what to do on an empty install, or how many accounts
# there are), then the API, health and status lines. Only this local banner counts accounts.
banner() {
    local port url accounts
    port=$(cat "$RUN/port")
    url=http://127.0.0.1:$port
    accounts=$(mariadb --no-defaults --socket="$RUN/mysql.sock" -uroot -N -B \
                   -e 'SELECT COUNT(*) FROM usher.user' 2>/dev/null || echo '?')
    echo
    echo "usher is $1 on $url/"
    echo "  pages:     $url/usher/   (a browser at $url/ lands there)"
    case $accounts in
    0) echo "             no accounts yet: sign up there; the first account becomes the admin" ;;
    1) echo "             1 account; sign in at $url/usher/login" ;;
    [0-9]*) echo "             $accounts accounts; sign in at $url/usher/login" ;;
    esac
    cat <<EOF
  API base:  $url/api/v1/    (auths/, users/, groups/)
  health:    $url/health     (database: $url/health/db)
  pool:      $url/status     (php-fpm style status, ?json; loopback only)
  state:     .run/ (logs: usher.log, nginx-error.log, mysql.err; config: usher.conf)
  snippet:   nginx/usher.conf (what nginx includes, as a real install does)
Stop with:   scripts/quickstart.sh stop
EOF
}

if scripts/stack.sh status "$RUN" >/dev/null 2>&1; then
    banner "already running"
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

# The quick start's own site also sends a browser's `/` to the pages: the commented
# location in nginx/usher.conf (a production site may not take `/`), uncommented here.
mkdir -p "$RUN/site.d"
sed -n '/^#location = \/ {/,/^#}/s/^#//p' nginx/usher.conf >"$RUN/site.d/browser-root.conf"
[[ -s $RUN/site.d/browser-root.conf ]] || { echo "quickstart: no / location in nginx/usher.conf" >&2; exit 1; }

# No PORT: stack.sh takes the one .run/ last used, else 8080.
USHER_BUILD=$BUILD scripts/stack.sh start "$RUN" ${PORT:-}
banner running
