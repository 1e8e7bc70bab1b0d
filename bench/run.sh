#!/usr/bin/env bash
# usher's benchmarks: each usher endpoint against a bare libfcgi baseline that does the least
# the same answer needs, behind the same nginx, with the same worker count, in the same run.
# Figures and ratios only; nothing here passes or fails on a time.
#
#   bench/run.sh [-w WORKERS] [-d SECONDS] [-c CONNECTIONS] [-t THREADS] [-n RSS_REQUESTS]
#                [-r RUNS] [-u USERS] [-k DIR]
#
#   -w  workers of usher-fcgi and of each baseline (default 2)
#   -d  seconds per measurement (default 10; 5 with -u)
#   -c  wrk connections (default 16)      -t  wrk threads (default 2; 1 with -u)
#   -n  requests to send before the second RSS reading (default 100000; with -u, as many
#       as bring the run to 1,000,000 requests)
#   -r  runs of each side per case, alternating, the median reported (default 1; 3 with -u)
#   -u  the large data set (issue 18): USERS users (e.g. 1000000), 1,000 groups of 2,000
#       members, 400 resources with grants, MariaDB with a 2 GiB buffer pool; runs the cases
#       of bench/cases/million/ instead of bench/cases/ (see bench/cases/README), with one
#       client's p50/p99 (bench/p99.py) beside each ratio. BENCH_ONLY=REGEX runs only the
#       cases whose name matches.
#   -k  keep the stack in DIR (made if missing) instead of a temp dir, and leave it running:
#       a second run with the same DIR and -u restarts usher-fcgi from the new build and skips
#       the seeding (to measure a change at a million users without a 2-minute load each
#       time). Stop it with scripts/stack.sh stop DIR.
#
# As root on Debian 12 from the repo: installs wrk if missing, builds in .build/ (as the quick
# start does) with the baselines (make bench-programs), starts a private stack in a temp dir
# with hello-fcgi and select-fcgi beside it (nginx locations /bench/hello and
# /bench/select), and prints one line per case: req/s, p50 and p99 of each side and the ratio.
#
# Cases: `compare NAME USHER_PATH BASELINE_PATH [wrk options]` below runs one, `measure NAME
# PATH [wrk options]` measures one side alone. More cases go
# in bench/cases/*.sh, sourced after the built-in ones with the stack running; they can use
# compare, $BASE (http://127.0.0.1:PORT), $STATE (the stack's dir), `sql "..."` (as MariaDB's
# root) and `api METHOD PATH [JSON]` (prints the response body). See bench/cases/README.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
workers=2 duration= connections=16 threads= rss_requests= runs= users=0 keep=
while getopts "w:d:c:t:n:r:u:k:" opt; do
    case $opt in
    w) workers=$OPTARG ;; d) duration=$OPTARG ;; c) connections=$OPTARG ;;
    t) threads=$OPTARG ;; n) rss_requests=$OPTARG ;; r) runs=$OPTARG ;; u) users=$OPTARG ;; k) keep=$OPTARG ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
if ((users > 0)); then
    : "${duration:=5}" "${threads:=1}" "${runs:=3}"
    export STACK_BUFFER_POOL=${STACK_BUFFER_POOL:-2G}
else
    : "${duration:=10}" "${threads:=2}" "${runs:=1}" "${rss_requests:=100000}"
fi

[[ $(id -u) == 0 ]] || { echo "bench: run as root" >&2; exit 1; }
scripts/deps.sh --bench
if [[ ! -x configure || configure.ac -nt configure || Makefile.am -nt Makefile.in ]]; then
    ./autogen.sh
fi
BUILD=${USHER_BUILD:-$REPO/.build}
mkdir -p "$BUILD"
[[ -f $BUILD/Makefile ]] || (cd "$BUILD" && "$REPO/configure" -q)
make -C "$BUILD" -j"$(nproc)" -s all bench-programs

if [[ -n $keep ]]; then
    mkdir -p "$keep"
    STATE=$(cd "$keep" && pwd)
    PORT=$(cat "$STATE/port" 2>/dev/null || true)
else
    STATE=$(mktemp -d /tmp/usher-bench.XXXXXX)
fi
[[ -n ${PORT:-} ]] ||
    PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
baseline_pids=()
cleanup() {
    for pid in "${baseline_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    [[ -n $keep ]] && return 0
    USHER_BUILD=$BUILD scripts/stack.sh stop "$STATE" >/dev/null 2>&1 || true
    rm -rf "$STATE"
}
trap cleanup EXIT
# A kept stack: this build's usher-fcgi, the seeded data of the last run.
if [[ -n $keep ]]; then
    USHER_BUILD=$BUILD scripts/stack.sh pool-stop "$STATE" >/dev/null 2>&1 || true
    rm -f "$STATE/site.d/bench.conf"
fi

# The baselines sit behind the same server block, with the same FastCGI settings as usher's
# own locations (nginx/usher.conf).
mkdir -p "$STATE/site.d"
for name in hello select selectc; do
    cat >>"$STATE/site.d/bench.conf" <<EOF
location = /bench/$name {
    include fastcgi_params;
    fastcgi_param REQUEST_URI  \$request_uri;
    fastcgi_param QUERY_STRING \$query_string;
    fastcgi_buffer_size 16k;
    fastcgi_buffers 8 16k;
    fastcgi_pass unix:$STATE/$name.sock;
}
EOF
done

echo "bench: starting the stack in $STATE ($workers workers each, nginx on $BASE)"
# Every worker may hash at once: the sign-in cases measure bcrypt against its ceiling. (The
# default cap, half the workers, keeps some free for other requests in production: with it,
# the excess sign-ins here would be fast 503s, not hashes.)
USHER_BUILD=$BUILD STACK_MAX_CHILDREN=$workers STACK_NGINX_ACCESS_LOG=off \
    USHER_BCRYPT_MAX_RUNNING=$workers \
    scripts/stack.sh start "$STATE" "$PORT" >/dev/null

sql() { mariadb --no-defaults --socket="$STATE/mysql.sock" -uroot -N -B usher -e "$1"; }
# api METHOD PATH [JSON]: prints the response body; sends "Authorization: Bearer $API_TOKEN"
# when API_TOKEN is set.
api() {
    /usr/bin/python3 -c '
import os, sys, requests
method, url, body = sys.argv[1:4]
headers = {"Content-Type": "application/json"}
if os.environ.get("API_TOKEN"):
    headers["Authorization"] = "Bearer " + os.environ["API_TOKEN"]
sys.stdout.write(requests.request(method, url, data=body or None, headers=headers, timeout=30).text)
' "$1" "$BASE$2" "${3:-}"
}

# A row for select-fcgi's default id, so the baseline does a real lookup.
sql "INSERT IGNORE INTO user (id, email, role, name, last_active_at, updated_at, created_at)
     VALUES ('bench-user', 'bench@example.invalid', 'user', 'Bench', UNIX_TIMESTAMP(),
             UNIX_TIMESTAMP(), UNIX_TIMESTAMP())" || echo "bench: could not insert the bench user"

setsid "$BUILD/bench/hello-fcgi" -n "$workers" -s "$STATE/hello.sock" </dev/null >>"$STATE/bench.out" 2>&1 &
baseline_pids+=($!)
setsid "$BUILD/bench/select-fcgi" -n "$workers" -s "$STATE/select.sock" -d "$STATE/mysql.sock" \
    -u usher -p "$STATE/db.password" </dev/null >>"$STATE/bench.out" 2>&1 &
baseline_pids+=($!)
# The floor again with usher's plain close on a unix socket (select-fcgi -c), printed for
# reference: the ratios stay against the floor above.
setsid "$BUILD/bench/select-fcgi" -c -n "$workers" -s "$STATE/selectc.sock" \
    -d "$STATE/mysql.sock" -u usher -p "$STATE/db.password" </dev/null >>"$STATE/bench.out" 2>&1 &
baseline_pids+=($!)
for name in hello select selectc; do
    for _ in $(seq 50); do [[ -S $STATE/$name.sock ]] && break; sleep 0.1; done
done

# paths_lua FILE: a wrk script (printed: its path) asking a random line of FILE (one path a
# line) on every request, so pages and needles vary per request.
paths_lua() {
    local lua=$1.lua
    cat >"$lua" <<LUA
local paths = {}
for line in io.lines("$1") do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function() return wrk.format(nil, paths[math.random(#paths)]) end
LUA
    echo "$lua"
}

# wrk_run PATH SECONDS [wrk options] -> prints "req/s p50 p99 requests" (latencies as wrk
# prints them, e.g. 2.31ms); non-2xx answers are reported on stderr. PATH "@FILE" asks a
# random path of FILE on every request (paths_lua).
wrk_run() {
    local path=$1 secs=$2 out
    shift 2
    if [[ $path == @* ]]; then
        set -- "$@" -s "$(paths_lua "${path#@}")"
        path=/
    fi
    out=$(wrk -t"$threads" -c"$connections" -d"${secs}s" --latency "$@" "$BASE$path")
    if grep -q 'Non-2xx' <<<"$out"; then
        echo "bench: $path: $(grep 'Non-2xx' <<<"$out" | xargs)" >&2
    fi
    awk '/Requests\/sec:/ {rps=$2}
         $1 == "50%" {p50=$2} $1 == "99%" {p99=$2}
         / requests in / {n=$1}
         END {printf "%s %s %s %s\n", rps, p50, p99, n}' <<<"$out"
}

total_requests=0
# median of the lines on stdin, by their first field (the middle one; the lower of two)
median_line() { sort -g -k1,1 | awk '{l[NR] = $0} END {print l[int((NR + 1) / 2)]}'; }

# compare NAME USHER_PATH BASELINE_PATH [wrk options]: warms both up, measures both one after
# the other ($runs times, alternating; each side's median run by req/s) and prints one line.
compare() {
    local name=$1 upath=$2 bpath=$3 u b i ulines= blines=
    shift 3
    if [[ -n ${BENCH_ONLY:-} && ! $name =~ $BENCH_ONLY ]]; then return 0; fi
    wrk_run "$upath" 1 "$@" >/dev/null
    wrk_run "$bpath" 1 "$@" >/dev/null
    for ((i = 0; i < runs; i++)); do
        ulines+=$(wrk_run "$upath" "$duration" "$@")$'\n'
        blines+=$(wrk_run "$bpath" "$duration" "$@")$'\n'
    done
    read -r u_rps u_p50 u_p99 u_n < <(printf '%s' "$ulines" | median_line)
    read -r b_rps b_p50 b_p99 b_n < <(printf '%s' "$blines" | median_line)
    total_requests=$((total_requests + $(printf '%s' "$ulines" | awk '{n += $4} END {print n + 0}')))
    printf '%-22s usher %9s req/s p50 %8s p99 %8s | baseline %9s req/s p50 %8s p99 %8s | %s\n' \
        "$name" "$u_rps" "$u_p50" "$u_p99" "$b_rps" "$b_p50" "$b_p99" \
        "$(awk -v u="$u_rps" -v b="$b_rps" 'BEGIN { if (b > 0) printf "usher = %.2f x baseline", u / b }')"
}

# one_client NAME PATH|@FILE [-H "Name: value"]...: one client's p50 and p99 (bench/p99.py:
# one keep-alive connection, 200 requests a run, median of $runs runs), printed under the
# case's line.
one_client() {
    local name=$1 path=$2 file
    shift 2
    if [[ -n ${BENCH_ONLY:-} && ! $name =~ $BENCH_ONLY ]]; then return 0; fi
    if [[ $path == @* ]]; then
        file=${path#@}
    else
        file=$(mktemp "$STATE/path.XXXXXX")
        echo "$path" >"$file"
    fi
    printf '%-22s one client: %s\n' "" "$(/usr/bin/python3 "$REPO/bench/p99.py" "$BASE" "$file" \
        -r "$runs" "$@")"
    total_requests=$((total_requests + 200 * runs))
}

# measure NAME PATH [wrk options]: one side alone (a floor to compare against by eye).
measure() {
    local name=$1 path=$2 rps p50 p99 n
    shift 2
    wrk_run "$path" 1 "$@" >/dev/null
    read -r rps p50 p99 n < <(wrk_run "$path" "$duration" "$@")
    printf '%-22s %9s req/s p50 %8s p99 %8s\n' "$name" "$rps" "$p50" "$p99"
}

worker_rss() {
    local master pids=() total=0 max=0 kb
    master=$(cat "$STATE/usher.pid")
    for p in /proc/[0-9]*; do
        [[ $(awk '{print $4}' "$p/stat" 2>/dev/null) == "$master" ]] && pids+=("${p#/proc/}")
    done
    for p in "${pids[@]}"; do
        kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
        total=$((total + kb)); ((kb > max)) && max=$kb
    done
    echo "${#pids[@]} workers, RSS total ${total} kB, largest ${max} kB"
}

echo "bench: wrk -t$threads -c$connections -d${duration}s, $(nproc) cores, nginx worker_processes ${STACK_NGINX_WORKERS:-1}"
[[ $(api GET /bench/select) == *bench-user* ]] || echo "bench: select-fcgi does not find the bench user (schema?)" >&2
rss_before=$(worker_rss)

compare "GET /health" /health /bench/hello
measure "select-fcgi (floor)" /bench/select
measure "select-fcgi -c (usher's close)" /bench/selectc

case_dir=$REPO/bench/cases
((users > 0)) && case_dir=$REPO/bench/cases/million
for case_file in "$case_dir"/*.sh; do
    [[ -e $case_file ]] || continue
    # shellcheck source=/dev/null
    source "$case_file"
done

# Memory: first touch (libraries, statement cache, arena chunks) grows a worker once; what
# matters is that it stops there. So: a reading after the cases (warm), then another
# rss_requests requests to usher (authenticated ones when a case left a token in me_token),
# then the last reading, which should equal the warm one.
rss_warm=$(worker_rss)
top_up=0
if [[ -z $rss_requests ]]; then   # -u: as many as bring the run to 1,000,000 requests
    rss_requests=$((1000000 - total_requests))
    ((rss_requests > 0)) || rss_requests=0
    unset me_token   # GET /health, as issue 18 measures it
fi
top_up_args=()
[[ -n ${me_token:-} ]] && top_up_args=(-H "Authorization: Bearer $me_token")
top_up_path=/health
[[ -n ${me_token:-} ]] && top_up_path=/api/v1/auths/
while ((top_up < rss_requests)); do
    read -r _ _ _ n < <(wrk_run "$top_up_path" 5 "${top_up_args[@]}")
    top_up=$((top_up + ${n:-0}))
    [[ ${n:-0} -gt 0 ]] || break
done
echo "worker RSS at start:  $rss_before"
echo "worker RSS warm:      $rss_warm (after $total_requests requests)"
echo "worker RSS after $top_up more to $top_up_path: $(worker_rss)"
