#!/usr/bin/env bash
# The private usher stack: MariaDB, the usher-fcgi pool and nginx, all kept in one state
# directory and listening on unix sockets there, nginx on a loopback port. Used by the quick
# start, the integration tests and the benchmarks. Must run as root (mariadbd and nginx's
# workers run as root here, which is only acceptable because everything is private).
#
#   scripts/stack.sh start  DIR [PORT]   start what is not running (PORT default: the last
#                                        one used in DIR, else 8080); reuses DIR's data and
#                                        applies pending migrations (usherctl migrate)
#   scripts/stack.sh stop   DIR          stop nginx, the pool and MariaDB
#   scripts/stack.sh status DIR          one line per part; exit 0 only when all three run
#   scripts/stack.sh {db,pool,nginx}-{start,stop} DIR [PORT]
#                                        one part alone (the tests restart parts)
#
# Layout of DIR:
#   mysql/ mysql.sock mysql.pid mysql.err   the private MariaDB (no TCP)
#   db.password                             the `usher` DB user's password (0600)
#   usher.conf usher.sock usher.pid usher.log usher.out
#   nginx.conf nginx.pid nginx-error.log nginx-access.log nginx-tmp/ port
#   site.d/*.conf                           extra locations for the server (benchmarks)
#
# Environment:
#   USHER_BUILD          build dir holding usher-fcgi and usherctl (default REPO/.build)
#   STACK_MAX_CHILDREN   pm.max_children written into a new usher.conf (default 4)
#   STACK_NGINX_WORKERS  nginx worker_processes (default 1)
#   STACK_WEB=apache     Apache httpd 2.4 + mod_proxy_fcgi with nginx/apache-usher.conf in
#                        place of nginx (apache.conf apache.pid apache-*.log in DIR; DIR is
#                        then 0711 so Apache's www-data workers reach usher.sock)
#   STACK_LOG_BIN=1      MariaDB with binary logging on (as on replicas, Galera and servers
#                        with point-in-time backups): the `usher` user's GRANT ALL ON usher.*
#                        may then create no trigger or stored routine (error 1419)
#   STACK_BUFFER_POOL    MariaDB's innodb_buffer_pool_size (default 64M; 2G for the
#                        million-user benchmark)
#   STACK_STANDIN=1      run bench/hello-fcgi from USHER_BUILD instead of usher-fcgi and
#                        skip the migrations (to work on the harness before the pool exists)
#   USHER_*              passed to usher-fcgi, where they override usher.conf keys
#                        (USHER_PM_MAX_REQUESTS=5, USHER_REQUEST_TERMINATE_TIMEOUT=2, ...)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${USHER_BUILD:-$REPO/.build}

say() { printf 'stack: %s\n' "$*"; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

# A pid counts as running when its process exists and is not a zombie (nothing may reap
# our daemons' zombies promptly here, and kill -0 succeeds on a zombie).
alive() {
    local pid=$1 state
    [[ -n $pid && -r /proc/$pid/stat ]] || return 1
    state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [[ -n $state && $state != Z && $state != X ]]
}

pid_of() { [[ -s $1 ]] && tr -dc '0-9' <"$1" || true; }

# wait_gone PID SECONDS: 0 once the process has ended.
wait_gone() {
    local pid=$1 tenths=$(($2 * 10))
    while alive "$pid" && ((tenths-- > 0)); do sleep 0.1; done
    ! alive "$pid"
}

# ---------------------------------------------------------------- MariaDB
mysql_root() { mariadb --no-defaults --socket="$DIR/mysql.sock" -uroot "$@"; }

db_answers() { mariadb-admin --no-defaults --socket="$DIR/mysql.sock" -uroot \
                   --connect-timeout=2 ping >/dev/null 2>&1; }

db_start() {
    if alive "$(pid_of "$DIR/mysql.pid")" && db_answers; then
        return 0
    fi
    if [[ ! -d $DIR/mysql/mysql ]]; then
        say "initialising MariaDB in $DIR/mysql"
        # Twice at most: on a loaded machine the bootstrap has been seen to fail once.
        local try
        for try in 1 2; do
            rm -rf "$DIR/mysql"
            if mariadb-install-db --no-defaults --user=root --datadir="$DIR/mysql" \
                --auth-root-authentication-method=socket --skip-test-db \
                >"$DIR/mysql-install.log" 2>&1; then
                break
            fi
            tail -20 "$DIR/mysql-install.log" >&2
            ((try == 1)) || die "mariadb-install-db failed"
            say "mariadb-install-db failed; trying once more"
        done
    fi
    rm -f "$DIR/mysql.sock"
    local binlog=(--skip-log-bin)
    [[ ${STACK_LOG_BIN:-0} == 1 ]] && binlog=(--log-bin="$DIR/mysql/binlog" --server-id=1)
    # Mroonga (mariadb-plugin-mroonga) holds the users' search index when the server has it.
    local plugins=()
    [[ -e $(mariadbd --no-defaults --verbose --help 2>/dev/null |
            awk '$1 == "plugin-dir" {print $2}')/ha_mroonga.so ]] &&
        plugins=(--plugin-load-add=ha_mroonga)
    # Small buffers and relaxed flushing: a private, throw-away-grade server that starts in
    # about a second. --no-defaults keeps /etc/mysql out of it.
    # Its own tmpdir: temporary tables (a sort of 100,000 rows) stay clear of whatever
    # cleans /tmp on a shared machine.
    mkdir -p "$DIR/tmp"
    setsid mariadbd --no-defaults --user=root --datadir="$DIR/mysql" --tmpdir="$DIR/tmp" \
        --socket="$DIR/mysql.sock" --skip-networking --pid-file="$DIR/mysql.pid" \
        --log-error="$DIR/mysql.err" --skip-name-resolve "${binlog[@]}" "${plugins[@]}" \
        --innodb-buffer-pool-size=${STACK_BUFFER_POOL:-64M} --innodb-log-file-size=16M \
        --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        </dev/null >/dev/null 2>&1 &
    local pid=$! tenths=600
    until db_answers; do
        alive "$pid" || { tail -20 "$DIR/mysql.err" >&2; die "mariadbd exited"; }
        ((tenths-- > 0)) || { tail -20 "$DIR/mysql.err" >&2; die "mariadbd did not answer in 60 s"; }
        sleep 0.1
    done
    echo "$pid" >"$DIR/mysql.pid"
}

db_provision() {
    if [[ ! -s $DIR/db.password ]]; then
        (umask 077 && od -An -tx1 -N18 /dev/urandom | tr -d ' \n' >"$DIR/db.password")
    fi
    chmod 600 "$DIR/db.password"
    local pw
    pw=$(cat "$DIR/db.password")
    # ALTER USER too, so the file and the server agree even after the file was replaced.
    mysql_root <<SQL
CREATE DATABASE IF NOT EXISTS usher CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'usher'@'localhost' IDENTIFIED BY '$pw';
ALTER USER 'usher'@'localhost' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON usher.* TO 'usher'@'localhost';
SQL
}

db_stop() {
    local pid
    pid=$(pid_of "$DIR/mysql.pid")
    if alive "$pid"; then
        kill -TERM "$pid"
        wait_gone "$pid" 60 || { kill -KILL "$pid" 2>/dev/null || true; wait_gone "$pid" 5 || true; }
    fi
    rm -f "$DIR/mysql.pid"
}

# ---------------------------------------------------------------- the pool
write_usher_conf() {
    [[ -e $DIR/usher.conf ]] && return 0
    cat >"$DIR/usher.conf" <<EOF
; usher.conf of the private stack in $DIR, written by scripts/stack.sh on the first start
; and kept afterwards (edit it, then: scripts/stack.sh pool-stop DIR && ... pool-start DIR).
; Every key can also be overridden by an environment variable: pm.max_requests ->
; USHER_PM_MAX_REQUESTS. See man/usher.conf.5.
pool = usher
listen = $DIR/usher.sock
; nginx's workers must reach the socket; the directory is private anyway.
listen.mode = 0666
pm.max_children = ${STACK_MAX_CHILDREN:-4}
ping.path = /ping
pm.status_path = /status
; below nginx's fastcgi_read_timeout (120 s in nginx/usher.conf)
request_terminate_timeout = 60
error_log = $DIR/usher.log
data_dir = $DIR
db.socket = $DIR/mysql.sock
db.user = usher
db.password_file = $DIR/db.password
db.name = usher
EOF
}

pool_migrate() {
    [[ ${STACK_STANDIN:-0} == 1 ]] && return 0
    [[ -x $BUILD/usherctl ]] || die "$BUILD/usherctl not found: build first (or set USHER_BUILD)"
    "$BUILD/usherctl" -c "$DIR/usher.conf" migrate -m "$REPO/sql" >>"$DIR/migrate.log" 2>&1 ||
        { tail -20 "$DIR/migrate.log" >&2; die "usherctl migrate failed"; }
}

pool_start() {
    if alive "$(pid_of "$DIR/usher.pid")"; then
        return 0
    fi
    write_usher_conf
    local cmd
    if [[ ${STACK_STANDIN:-0} == 1 ]]; then
        [[ -x $BUILD/bench/hello-fcgi ]] || die "$BUILD/bench/hello-fcgi not found: make bench-programs"
        cmd=("$BUILD/bench/hello-fcgi" -n "${STACK_MAX_CHILDREN:-4}" -s "$DIR/usher.sock")
    else
        [[ -x $BUILD/usher-fcgi ]] || die "$BUILD/usher-fcgi not found: build first (or set USHER_BUILD)"
        cmd=(${USHER_WRAPPER:-} "$BUILD/usher-fcgi" -c "$DIR/usher.conf")
        # valgrind's own mappings count in a worker's address space: no worker.memory_max.
        [[ -n ${USHER_WRAPPER:-} ]] && cmd=(env USHER_WORKER_MEMORY_MAX=0 "${cmd[@]}")
    fi
    rm -f "$DIR/usher.sock"
    # setsid: the master leads its own process group, so stop can reach every worker even if
    # the master died; not a group leader here, setsid execs in place and $! is the master.
    setsid "${cmd[@]}" </dev/null >>"$DIR/usher.out" 2>&1 &
    local pid=$! tenths=100
    echo "$pid" >"$DIR/usher.pid"
    until [[ -S $DIR/usher.sock ]]; do
        alive "$pid" || { tail -20 "$DIR/usher.out" "$DIR/usher.log" >&2 2>/dev/null; die "usher-fcgi exited"; }
        ((tenths-- > 0)) || die "usher-fcgi did not create $DIR/usher.sock in 10 s"
        sleep 0.1
    done
}

pool_stop() {
    local pid
    pid=$(pid_of "$DIR/usher.pid")
    if alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        wait_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true
    fi
    # Workers left behind by a master that was killed, if any, share its process group.
    if [[ -n $pid ]]; then
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$DIR/usher.pid" "$DIR/usher.sock"
}

# ---------------------------------------------------------------- nginx
write_nginx_conf() {
    mkdir -p "$DIR/nginx-tmp" "$DIR/site.d"
    # usher.conf includes `fastcgi_params` relative to nginx's conf dir, which is DIR here.
    ln -sf /etc/nginx/fastcgi_params "$DIR/fastcgi_params"
    cat >"$DIR/nginx.conf" <<EOF
# nginx of the private usher stack in $DIR, written by scripts/stack.sh on every start.
# Workers run as root ONLY because this is the harness's private instance: its state
# directory may be unreadable to www-data. A real deployment keeps Debian's user.
user root;
worker_processes ${STACK_NGINX_WORKERS:-1};
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
    default_type application/octet-stream;
    access_log ${STACK_NGINX_ACCESS_LOG:-$DIR/nginx-access.log};
    client_body_temp_path $DIR/nginx-tmp/body;
    fastcgi_temp_path $DIR/nginx-tmp/fastcgi;
    proxy_temp_path $DIR/nginx-tmp/proxy;
    uwsgi_temp_path $DIR/nginx-tmp/uwsgi;
    scgi_temp_path $DIR/nginx-tmp/scgi;

    # What nginx/usher-upstream.conf says for a real install, with this stack's socket.
    upstream usher {
        server unix:$DIR/usher.sock;
    }
    # Its limit_req zones too, keyed per request: the tests sign up and in far faster from
    # one address than the shipped rates allow (even 10,000 r/s refuses a sixth request in
    # the same millisecond, past burst=5); the snippet's syntax and placement are checked.
$(grep -E '^limit_req' "$REPO/nginx/usher-upstream.conf" | sed 's/\$binary_remote_addr/$binary_remote_addr$request_id/; s/^/    /')

    server {
        listen 127.0.0.1:$PORT;
        server_name localhost;
        include $REPO/nginx/usher.conf;
        include $DIR/site.d/*.conf;
    }
}
EOF
}

nginx_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

nginx_start() {
    if alive "$(pid_of "$DIR/nginx.pid")"; then
        return 0
    fi
    write_nginx_conf
    nginx -q -t -c "$DIR/nginx.conf" -p "$DIR/" 2>&1 | grep -v 'test is successful' >&2 || true
    nginx -c "$DIR/nginx.conf" -p "$DIR/" </dev/null ||
        { tail -5 "$DIR/nginx-error.log" >&2; die "nginx did not start (port $PORT taken?)"; }
    local tenths=50
    until nginx_answers; do
        ((tenths-- > 0)) || die "nginx does not answer on 127.0.0.1:$PORT"
        sleep 0.1
    done
    echo "$PORT" >"$DIR/port"
}

nginx_stop() {
    local pid
    pid=$(pid_of "$DIR/nginx.pid")
    if alive "$pid"; then
        kill -TERM "$pid"
        wait_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$DIR/nginx.pid"
}

# ---------------------------------------------------------------- Apache (STACK_WEB=apache)
write_apache_conf() {
    mkdir -p "$DIR/apache-run"
    local mods=/usr/lib/apache2/modules m
    {
        cat <<EOF
# Apache of the private usher stack in $DIR, written by scripts/stack.sh on every start.
# Only what the site snippet needs; the snippet is included exactly as shipped.
ServerRoot /etc/apache2
PidFile $DIR/apache.pid
DefaultRuntimeDir $DIR/apache-run
Mutex file:$DIR/apache-run default
Listen 127.0.0.1:$PORT
ServerName localhost
User www-data
Group www-data
ErrorLog $DIR/apache-error.log
LogLevel warn
EOF
        # Debian's default modules (what a fresh apache2 enables, with its .conf files:
        # reqtimeout's body=10,minrate=500 included), then those the snippet's a2enmod line
        # names, as an admin following it gets.
        local defaults="mpm_event access_compat alias auth_basic authn_core authn_file
            authz_core authz_host authz_user autoindex deflate dir env filter mime
            negotiation reqtimeout setenvif status"
        local named
        named=$(sed -n 's/^#[[:space:]]*a2enmod[[:space:]]//p' "$REPO/nginx/apache-usher.conf" | head -1)
        local seen=" "
        for m in $defaults $named; do
            [[ $seen == *" $m "* ]] && continue
            seen+="$m "
            echo "Include /etc/apache2/mods-available/$m.load"
            [[ -e /etc/apache2/mods-available/$m.conf ]] &&
                echo "Include /etc/apache2/mods-available/$m.conf"
        done
        # What the snippet's comments tell the admin to set in the server config.
        echo "ServerTokens Prod"
        cat <<EOF
LogFormat "%h %t \"%r\" %>s %b %D" usher
CustomLog ${STACK_NGINX_ACCESS_LOG:-$DIR/apache-access.log} usher
Define USHER_SOCKET $DIR/usher.sock
<VirtualHost 127.0.0.1:$PORT>
    Include $REPO/nginx/apache-usher.conf
</VirtualHost>
EOF
    } >"$DIR/apache.conf"
}

apache_start() {
    if alive "$(pid_of "$DIR/apache.pid")"; then
        return 0
    fi
    command -v apache2 >/dev/null || die "apache2 not installed: scripts/deps.sh --apache"
    write_apache_conf
    apache2 -t -f "$DIR/apache.conf" 2>&1 | grep -v 'Syntax OK' >&2 || true
    apache2 -f "$DIR/apache.conf" -k start </dev/null ||
        { tail -5 "$DIR/apache-error.log" >&2; die "apache2 did not start (port $PORT taken?)"; }
    local tenths=50
    until nginx_answers && alive "$(pid_of "$DIR/apache.pid")"; do
        ((tenths-- > 0)) || die "apache2 does not answer on 127.0.0.1:$PORT"
        sleep 0.1
    done
    echo "$PORT" >"$DIR/port"
}

apache_stop() {
    local pid
    pid=$(pid_of "$DIR/apache.pid")
    if alive "$pid"; then
        kill -TERM "$pid"
        wait_gone "$pid" 10 || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$DIR/apache.pid"
}

# The web server in front: nginx, or Apache with STACK_WEB=apache.
WEB=${STACK_WEB:-nginx}
web_start() { if [[ $WEB == apache ]]; then apache_start; else nginx_start; fi; }
web_stop() { if [[ $WEB == apache ]]; then apache_stop; else nginx_stop; fi; }

# ---------------------------------------------------------------- main
status() {
    local ok=0 pid
    pid=$(pid_of "$DIR/mysql.pid")
    if alive "$pid" && db_answers; then say "mariadbd   running (pid $pid, $DIR/mysql.sock)"
    else say "mariadbd   stopped"; ok=1; fi
    pid=$(pid_of "$DIR/usher.pid")
    if alive "$pid"; then say "usher-fcgi running (pid $pid, $DIR/usher.sock)"
    else say "usher-fcgi stopped"; ok=1; fi
    pid=$(pid_of "$DIR/$WEB.pid")
    if alive "$pid"; then say "$(printf '%-10s' "$WEB") running (pid $pid, http://127.0.0.1:$PORT/)"
    else say "$(printf '%-10s' "$WEB") stopped"; ok=1; fi
    return $ok
}

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

[[ $# -ge 2 ]] || usage
action=$1
DIR=$2
PORT=${3:-}
[[ $(id -u) == 0 ]] || die "run as root (mariadbd and nginx are started with --user=root)"
mkdir -p "$DIR"
if [[ $WEB == apache ]]; then chmod 711 "$DIR"; else chmod 700 "$DIR"; fi
DIR=$(cd "$DIR" && pwd)
[[ -n $PORT ]] || PORT=$(cat "$DIR/port" 2>/dev/null || echo 8080)
[[ $PORT =~ ^[0-9]+$ ]] || die "bad port: $PORT"

case $action in
start)
    if status >/dev/null; then
        say "already running in $DIR (http://127.0.0.1:$(cat "$DIR/port")/)"
        exit 0
    fi
    db_start
    db_provision
    write_usher_conf
    pool_migrate
    pool_start
    web_start
    say "running in $DIR: http://127.0.0.1:$PORT/"
    ;;
stop)
    web_stop
    pool_stop
    db_stop
    ;;
status) status ;;
db-start) db_start; db_provision ;;
db-stop) db_stop ;;
pool-start) pool_start ;;
pool-stop) pool_stop ;;
nginx-start|web-start) web_start ;;
nginx-stop|web-stop) web_stop ;;
*) usage ;;
esac
