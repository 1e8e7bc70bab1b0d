#!/usr/bin/env bash
# The private Galera harness: a 3-node MariaDB Galera cluster on loopback, two usher pools
# (A and B, as on two usher hosts) on it, and one nginx whose upstream holds both pools.
# For doc/galera.md's tests (scripts/test-galera.sh) and trying several hosts by hand. Must
# run as root (mariadbd, mariabackup's SST and nginx run as root: everything is private).
#
#   scripts/galera.sh start   DIR [PORT]  start what is not running (PORT default 8090): the
#                                         nodes (node 1 bootstraps a new cluster, 2 and 3 join
#                                         by SST), the `usher` DB user, migrations, pools, nginx
#   scripts/galera.sh stop    DIR         nginx, the pools, the nodes (3, 2, 1)
#   scripts/galera.sh status  DIR         one line per node and pool; exit 0 when all are up
#   scripts/galera.sh kill    N DIR       SIGKILL node N (1..3)
#   scripts/galera.sh restart N DIR       start node N again as a joiner (after a crash its
#                                         position is recovered first, so it rejoins by IST);
#                                         waits until Synced
#   scripts/galera.sh isolate N DIR       cut node N off the group (gmcast.isolate=1): it
#                                         becomes non-Primary, wsrep_ready=OFF
#   scripts/galera.sh rejoin  N DIR       undo isolate; waits until Synced
#   scripts/galera.sh sql     N DIR [mariadb args]   a root client on node N
#   scripts/galera.sh pools   DIR         restart the pools (after a rebuild)
#   scripts/galera.sh reset   DIR         an empty database (dropped, migrated again), pools
#                                         restarted
#
# Layout of DIR: nodeN/ (my.cnf data/ mysqld.sock mysqld.pid error.log), sst.password,
# db.password (the `usher` DB user's, who has only GRANT ALL ON usher.* as in the README),
# poolA/ poolB/ poolC/ (each a scripts/stack.sh pool dir: usher.conf usher.sock usher.log ...),
# secret_key (both pools'), nginx.conf nginx.pid nginx-error.log port. nginx listens on PORT
# (upstream: pools A and B), PORT+1 (pool A only), PORT+2 (pool B only) and PORT+3 (pool C:
# two workers on node 2 alone, outside the upstream).
#
# Ports on 127.0.0.1, node N = 1..3: client CLIENT_BASE+N-1 (default 23306..23308), Galera
# GALERA_BASE+N-1 (24567..), IST IST_BASE+N-1 (24577..), SST SST_BASE+N-1 (24587..).
#
# Environment:
#   USHER_BUILD          build dir holding usher-fcgi and usherctl (default: the one of the
#                        last start in DIR, else REPO/.build)
#   GALERA_POOL_HOSTS=list|one   list (default): pool A's db.host is nodes 1,2,3 and pool B's
#                        2,3,1; one: pool A uses node 1 only, pool B node 2 only
#   GALERA_MAX_CHILDREN  pm.max_children of each pool (default 4)
#   WAIT_S               how long to wait for a node to be Synced (default 180)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${USHER_BUILD:-$REPO/.build}
CLIENT_BASE=${CLIENT_BASE:-23306}
GALERA_BASE=${GALERA_BASE:-24567}
IST_BASE=${IST_BASE:-24577}
SST_BASE=${SST_BASE:-24587}
WAIT_S=${WAIT_S:-180}
PROVIDER=/usr/lib/galera/libgalera_smm.so

say() { printf 'galera: %s\n' "$*"; }
die() { printf 'galera: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

alive() {
    local pid=$1 state
    [[ -n $pid && -r /proc/$pid/stat ]] || return 1
    state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [[ -n $state && $state != Z && $state != X ]]
}

nd() { echo "$DIR/node$1"; }
port_of() { echo $((CLIENT_BASE + $1 - 1)); }
node_pid() { local f; for f in "$(nd "$1")/mysqld.pid" "$(nd "$1")/launcher.pid"; do
    [[ -s $f ]] && { tr -dc '0-9' <"$f"; return 0; }; done; return 0; }
sql() { local n=$1; shift; mariadb --no-defaults --socket="$(nd "$n")/mysqld.sock" -uroot "$@"; }
status_var() { sql "$1" -N -B --connect-timeout=2 -e "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | cut -f2; }
grastate() { sed -n "s/^$2:[[:space:]]*//p" "$(nd "$1")/data/grastate.dat" 2>/dev/null || true; }

command -v mariadbd >/dev/null && [[ -e $PROVIDER ]] && command -v mariadb-backup >/dev/null &&
    command -v socat >/dev/null || die "needs mariadb-server galera-4 mariadb-backup socat: scripts/deps.sh --galera"

write_cnf() {
    local n=$1 d; d=$(nd "$n")
    local peers="127.0.0.1:$GALERA_BASE,127.0.0.1:$((GALERA_BASE + 1)),127.0.0.1:$((GALERA_BASE + 2))"
    cat >"$d/my.cnf" <<EOF
# node $n of the Galera harness in $DIR (scripts/galera.sh)
[mysqld]
user = root
datadir = $d/data
tmpdir = $d/tmp
socket = $d/mysqld.sock
pid-file = $d/mysqld.pid
log-error = $d/error.log
port = $(port_of "$n")
bind-address = 127.0.0.1
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
innodb_buffer_pool_size = 64M
innodb_log_file_size = 32M
innodb_flush_log_at_trx_commit = 2
max_connections = 200
binlog_format = ROW
log_bin = $d/data/binlog
server_id = $n
default_storage_engine = InnoDB
innodb_autoinc_lock_mode = 2
wsrep_on = ON
wsrep_provider = $PROVIDER
wsrep_cluster_name = usher_harness
wsrep_cluster_address = gcomm://$peers
wsrep_node_name = node$n
wsrep_node_address = 127.0.0.1:$((GALERA_BASE + n - 1))
wsrep_provider_options = "gmcast.listen_addr=tcp://127.0.0.1:$((GALERA_BASE + n - 1));ist.recv_addr=127.0.0.1:$((IST_BASE + n - 1));gcache.size=128M"
wsrep_sst_receive_address = 127.0.0.1:$((SST_BASE + n - 1))
wsrep_sst_method = mariabackup
wsrep_sst_auth = sst:$(cat "$DIR/sst.password")
wsrep_slave_threads = 2

[sst]
sst-log-archive-dir = $d/sst-log-archive
EOF
}

init_dirs() {
    [[ -s $DIR/sst.password ]] || (umask 077 && od -An -tx1 -N12 /dev/urandom | tr -d ' \n' >"$DIR/sst.password")
    local n
    for n in 1 2 3; do
        mkdir -p "$(nd "$n")/data" "$(nd "$n")/tmp"
        [[ -e $(nd "$n")/my.cnf ]] || write_cnf "$n"
    done
}

# The position InnoDB holds (mariadbd --wsrep-recover), after a crash left seqno -1.
recover_position() {
    local d; d=$(nd "$1")
    rm -f "$d/recover.log"
    mariadbd --defaults-file="$d/my.cnf" --wsrep-recover --skip-networking --log-error="$d/recover.log" \
        --pid-file="$d/recover.pid" --socket="$d/recover.sock" >/dev/null 2>&1 || true
    rm -f "$d/recover.sock" "$d/recover.pid"
    sed -n 's/.*WSREP: Recovered position: \([0-9a-f-]*:-\{0,1\}[0-9]*\).*/\1/p' "$d/recover.log" | tail -1
}

start_node() {
    local n=$1 d; shift; d=$(nd "$n")
    alive "$(node_pid "$n")" && return 0
    rm -f "$d/mysqld.sock" "$d/mysqld.pid" "$d/launcher.pid"
    local extra=()
    if [[ -d $d/data/mysql && $(grastate "$n" seqno) == -1 ]]; then
        local pos; pos=$(recover_position "$n")
        [[ -n $pos && ${pos##*:} != -1 ]] && extra=(--wsrep_start_position="$pos")
    fi
    setsid mariadbd --defaults-file="$d/my.cnf" "${extra[@]}" "$@" </dev/null >>"$d/stdout.log" 2>&1 &
    echo $! >"$d/launcher.pid"
}

wait_synced() {
    local n=$1 t=$((WAIT_S * 5)) state=""
    while ((t-- > 0)); do
        state=$(status_var "$n" wsrep_local_state_comment || true)
        [[ $state == Synced ]] && return 0
        alive "$(cat "$(nd "$n")/launcher.pid" 2>/dev/null)" ||
            { tail -20 "$(nd "$n")/error.log" >&2; die "node $n exited"; }
        sleep 0.2
    done
    die "node $n not Synced after ${WAIT_S}s (${state:-no answer})"
}

bootstrap() {
    local n=$1
    if [[ ! -d $(nd "$n")/data/mysql ]]; then
        mariadb-install-db --no-defaults --user=root --datadir="$(nd "$n")/data" \
            --auth-root-authentication-method=socket --skip-test-db >"$(nd "$n")/install.log" 2>&1 ||
            { tail -20 "$(nd "$n")/install.log" >&2; die "mariadb-install-db failed"; }
    fi
    sed -i 's/^safe_to_bootstrap:.*/safe_to_bootstrap: 1/' "$(nd "$n")/data/grastate.dat" 2>/dev/null || true
    say "node $n bootstraps the cluster"
    start_node "$n" --wsrep-new-cluster
    wait_synced "$n"
    local pw; pw=$(cat "$DIR/sst.password")
    sql "$n" <<SQL
CREATE USER IF NOT EXISTS 'sst'@'localhost' IDENTIFIED BY '$pw';
GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO 'sst'@'localhost';
SQL
}

join() { say "node $1 joins"; start_node "$1"; wait_synced "$1"; }

any_node() { local n; for n in 1 2 3; do alive "$(node_pid "$n")" && return 0; done; return 1; }

nodes_start() {
    init_dirs
    local n first=""
    if any_node; then
        for n in 1 2 3; do alive "$(node_pid "$n")" || join "$n"; done
        return 0
    fi
    for n in 1 2 3; do [[ $(grastate "$n" safe_to_bootstrap) == 1 ]] && { first=$n; break; }; done
    if [[ -z $first ]]; then
        local best=-2 s
        for n in 1 2 3; do
            [[ -d $(nd "$n")/data/mysql ]] || continue
            s=$(grastate "$n" seqno); [[ -z $s || $s == -1 ]] && { s=$(recover_position "$n"); s=${s##*:}; }
            ((${s:--1} > best)) && { best=${s:--1}; first=$n; }
        done
    fi
    bootstrap "${first:-1}"
    for n in 1 2 3; do [[ $n == "${first:-1}" ]] || join "$n"; done
}

node_stop() {
    local n=$1 pid t=600; pid=$(node_pid "$n")
    if alive "$pid"; then
        kill -TERM "$pid"
        while alive "$pid" && ((t-- > 0)); do sleep 0.1; done
        alive "$pid" && kill -KILL "$pid"
    fi
    rm -f "$(nd "$n")/mysqld.pid" "$(nd "$n")/launcher.pid"
}

provision() {
    [[ -s $DIR/db.password ]] || (umask 077 && od -An -tx1 -N18 /dev/urandom | tr -d ' \n' >"$DIR/db.password")
    local pw; pw=$(cat "$DIR/db.password")
    # The README's setup: the `usher` user may do anything in its database and nothing else.
    sql 1 <<SQL
CREATE DATABASE IF NOT EXISTS usher CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'usher'@'127.0.0.1' IDENTIFIED BY '$pw';
ALTER USER 'usher'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON usher.* TO 'usher'@'127.0.0.1';
SQL
}

# pool_conf NAME HOSTS: HOSTS is db.host; one host is written as db.host + db.port
pool_conf() {
    local p=$1 hosts=$2 d="$DIR/pool$1" port=3306
    [[ $hosts == *,* ]] || { port=${hosts##*:}; hosts=${hosts%:*}; }
    mkdir -p "$d"
    cat >"$d/usher.conf" <<EOF
; pool $p of the Galera harness in $DIR (scripts/galera.sh, written on every start)
pool = usher$p
listen = $d/usher.sock
listen.mode = 0666
pm.max_children = ${GALERA_MAX_CHILDREN:-4}
; the tests make many accounts; a real install keeps the default (12)
bcrypt.cost = 4
; no 503 from the bcrypt gate when the tests race sign-ups (cost 4 costs little)
bcrypt.max_running = ${GALERA_MAX_CHILDREN:-4}
; last_active_at written once a second (default 60 s): one token under load then writes as
; often as many users would
active_interval = 1
ping.path = /ping
request_terminate_timeout = 60
error_log = $d/usher.log
data_dir = $d
; every pool signs and checks the same tokens
secret_key = $(cat "$DIR/secret_key")
db.host = $hosts
db.port = $port
db.user = usher
db.password_file = $DIR/db.password
db.name = usher
EOF
}

pools_start() {
    [[ -s $DIR/secret_key ]] || (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$DIR/secret_key")
    local h1="127.0.0.1:$(port_of 1)" h2="127.0.0.1:$(port_of 2)" h3="127.0.0.1:$(port_of 3)"
    if [[ ${GALERA_POOL_HOSTS:-list} == one ]]; then
        pool_conf A "$h1"; pool_conf B "$h2"
    else
        pool_conf A "$h1,$h2,$h3"; pool_conf B "$h2,$h3,$h1"
    fi
    GALERA_MAX_CHILDREN=2 pool_conf C "$h2"   # node 2 alone, outside the upstream: what /health/db says of it
    [[ -x $BUILD/usherctl ]] || die "$BUILD/usherctl not found: build first (or set USHER_BUILD)"
    "$BUILD/usherctl" -c "$DIR/poolA/usher.conf" migrate -m "$REPO/sql" >>"$DIR/migrate.log" 2>&1 ||
        { tail -20 "$DIR/migrate.log" >&2; die "usherctl migrate failed"; }
    local p
    for p in A B C; do USHER_BUILD=$BUILD "$REPO/scripts/stack.sh" pool-start "$DIR/pool$p"; done
}

pools_stop() { local p; for p in A B C; do
    [[ -d $DIR/pool$p ]] && "$REPO/scripts/stack.sh" pool-stop "$DIR/pool$p"; done; return 0; }

nginx_start() {
    alive "$(tr -dc 0-9 2>/dev/null <"$DIR/nginx.pid")" && return 0
    mkdir -p "$DIR/nginx-tmp"
    ln -sf /etc/nginx/fastcgi_params "$DIR/fastcgi_params"
    cat >"$DIR/nginx.conf" <<EOF
# nginx of the Galera harness in $DIR (scripts/galera.sh): one upstream, two pools.
user root;
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $DIR/nginx-tmp/body;
    fastcgi_temp_path $DIR/nginx-tmp/fastcgi;
    upstream usher {
        server unix:$DIR/poolA/usher.sock;
        server unix:$DIR/poolB/usher.sock;
    }
    # Both pools on their own too, so tests can aim at one host (with bursts raised: the
    # tests race sign-ups from one address).
    upstream usherA { server unix:$DIR/poolA/usher.sock; }
    upstream usherB { server unix:$DIR/poolB/usher.sock; }
    upstream usherC { server unix:$DIR/poolC/usher.sock; }
$(grep -E '^limit_req' "$REPO/nginx/usher-upstream.conf" | sed 's/rate=[0-9]*r\/[sm]/rate=10000r\/s/; s/^/    /')
    server {
        listen 127.0.0.1:$PORT;
        server_name localhost;
        include $REPO/nginx/usher.conf;
    }
    server {
        listen 127.0.0.1:$((PORT + 1));
        server_name localhost;
        include $DIR/usherA.conf;
    }
    server {
        listen 127.0.0.1:$((PORT + 2));
        server_name localhost;
        include $DIR/usherB.conf;
    }
    server {
        listen 127.0.0.1:$((PORT + 3));
        server_name localhost;
        include $DIR/usherC.conf;
    }
}
EOF
    sed 's/fastcgi_pass usher;/fastcgi_pass usherA;/; s/burst=[0-9]*/burst=1000/' "$REPO/nginx/usher.conf" >"$DIR/usherA.conf"
    sed 's/fastcgi_pass usher;/fastcgi_pass usherB;/; s/burst=[0-9]*/burst=1000/' "$REPO/nginx/usher.conf" >"$DIR/usherB.conf"
    sed 's/fastcgi_pass usher;/fastcgi_pass usherC;/; s/burst=[0-9]*/burst=1000/' "$REPO/nginx/usher.conf" >"$DIR/usherC.conf"
    nginx -c "$DIR/nginx.conf" -p "$DIR/" </dev/null || die "nginx did not start (port $PORT taken?)"
    echo "$PORT" >"$DIR/port"
}

nginx_stop() {
    local pid; pid=$(tr -dc 0-9 2>/dev/null <"$DIR/nginx.pid" || true)
    alive "$pid" && { kill -TERM "$pid"; local t=100; while alive "$pid" && ((t-- > 0)); do sleep 0.1; done; }
    rm -f "$DIR/nginx.pid"
}

status() {
    local n ok=0 pid
    for n in 1 2 3; do
        pid=$(node_pid "$n")
        if alive "$pid"; then
            printf 'node %s  pid %-7s port %s  %s %s size %s\n' "$n" "$pid" "$(port_of "$n")" \
                "$(status_var "$n" wsrep_cluster_status)" "$(status_var "$n" wsrep_local_state_comment)" \
                "$(status_var "$n" wsrep_cluster_size)"
            [[ $(status_var "$n" wsrep_local_state_comment) == Synced ]] || ok=1
        else printf 'node %s  down\n' "$n"; ok=1; fi
    done
    for n in A B C; do
        pid=$(tr -dc 0-9 2>/dev/null <"$DIR/pool$n/usher.pid" || true)
        if alive "$pid"; then printf 'pool %s  pid %s\n' "$n" "$pid"; else printf 'pool %s  down\n' "$n"; ok=1; fi
    done
    return $ok
}

[[ $# -ge 2 ]] || usage
[[ $(id -u) == 0 ]] || die "run as root"
action=$1; shift
case $action in
kill|restart|isolate|rejoin|sql) N=$1; DIR=${2:-}; [[ $N =~ ^[123]$ && -n $DIR ]] || usage; shift 2 ;;
start|stop|status|pools|reset) DIR=$1; PORT=${2:-}; shift; [[ $# -gt 0 ]] && shift ;;
*) usage ;;
esac
mkdir -p "$DIR"; chmod 700 "$DIR"; DIR=$(cd "$DIR" && pwd)
# The build of the last start, unless USHER_BUILD names another.
if [[ -n ${USHER_BUILD:-} ]]; then echo "$BUILD" >"$DIR/build"
elif [[ -s $DIR/build ]]; then BUILD=$(cat "$DIR/build"); fi
PORT=${PORT:-$(cat "$DIR/port" 2>/dev/null || echo 8090)}

case $action in
start) nodes_start; provision; pools_start; nginx_start; status ;;
stop) nginx_stop; pools_stop; for n in 3 2 1; do node_stop "$n"; done ;;
status) status ;;
pools) pools_stop; pools_start ;;
reset)
    pools_stop
    sql 1 -e "DROP DATABASE IF EXISTS usher"
    provision; pools_start ;;
kill)
    pid=$(node_pid "$N"); alive "$pid" || die "node $N is not running"
    kill -KILL "$pid"; while alive "$pid"; do sleep 0.02; done
    rm -f "$(nd "$N")/mysqld.pid" "$(nd "$N")/launcher.pid"; say "node $N SIGKILLed" ;;
restart) node_stop "$N"; if any_node; then join "$N"; else bootstrap "$N"; fi ;;
isolate) sql "$N" -e "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1'"; say "node $N isolated" ;;
rejoin) sql "$N" -e "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=0'"; wait_synced "$N"; say "node $N Synced" ;;
sql) sql "$N" "$@" ;;
esac
