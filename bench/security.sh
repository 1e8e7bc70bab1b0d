#!/usr/bin/env bash
# The account-security figures (issue 17), this tree next to today's code (git ref main, or
# BASE_REF) in one run on one machine: each side gets its own private stack, seeded alike.
# Figures only; nothing passes or fails on a time.
#
#   bench/security.sh [-d SECONDS] [-c CONNECTIONS] [-u USERS]
#
# Per side: 100,000 users (-u) with 3 session rows each (this tree: the table exists only
# here), and one user with 1,000 live sessions and 50 API keys (api_key.max_per_user raised;
# today's code: its one key). Then:
#   GET /api/v1/auths/ with that user's session token and with a key: req/s, p50, p99;
#   statements per request of each (Com_select and writes over 2,000 requests, counted by
#   SHOW GLOBAL STATUS);
#   sign-ins per second, wrong passwords and unknown addresses (wrk, random e-mails; bcrypt
#   cost 4 so that the path around the hash shows), lockout on (the defaults) and off
#   (lockout.threshold = lockout.ip_threshold = 0), today's code beside;
#   the two-step sign-in (password, then a recovery code) against the one-step one, one
#   client in a loop;
#   GET /api/v1/auths/sessions for that user (1,000 sessions): req/s, p99;
#   then GET /api/v1/auths/ again, three rounds with the sides interleaved.
# As root, with wrk installed (scripts/deps.sh --bench). Builds both trees in temp dirs.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
duration=10 connections=16 users=100000
while getopts "d:c:u:" opt; do
    case $opt in
    d) duration=$OPTARG ;; c) connections=$OPTARG ;; u) users=$OPTARG ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
[[ $(id -u) == 0 ]] || { echo "bench: run as root" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench: wrk missing (scripts/deps.sh --bench)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/usher-bench-security.XXXXXX)
states=()
cleanup() {
    for s in "${states[@]}"; do
        USHER_BUILD=${s#*:} "${s%%:*}/src/scripts/stack.sh" stop "${s%%:*}/state" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# build SIDE REF|-: the tree of git REF (or this working tree) into $WORK/SIDE/{src,build}
build() {
    local side=$1 ref=$2
    mkdir -p "$WORK/$side/src" "$WORK/$side/build"
    if [[ $ref == - ]]; then
        (cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
            tar --null -T - -cf -) | tar -x -C "$WORK/$side/src"
    else
        git -C "$REPO" archive "$ref" | tar -x -C "$WORK/$side/src"
    fi
    (cd "$WORK/$side/src" && ./autogen.sh >/dev/null 2>&1)
    (cd "$WORK/$side/build" && "$WORK/$side/src/configure" -q && make -j"$(nproc)" -s all) >/dev/null
}
echo "bench: building ${BASE_REF:-main} and this tree"
build old "${BASE_REF:-main}"
build new -

port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start SIDE [VAR=VALUE...]: (re)starts SIDE's pool with the environment given
start_pool() {
    local side=$1
    shift
    env "$@" USHER_BUILD="$WORK/$side/build" "$WORK/$side/src/scripts/stack.sh" pool-stop "$WORK/$side/state" >/dev/null
    env "$@" USHER_BUILD="$WORK/$side/build" "$WORK/$side/src/scripts/stack.sh" pool-start "$WORK/$side/state" >/dev/null
    sleep 1
}

COMMON_ENV=(USHER_SIGNIN_RATE_LIMIT=1000000 USHER_API_KEY_MAX_PER_USER=100
            USHER_BCRYPT_COST=4 USHER_BCRYPT_MAX_RUNNING=2)

for side in old new; do
    p=$(port)
    mkdir -p "$WORK/$side/state"
    states+=("$WORK/$side:$WORK/$side/build")
    env "${COMMON_ENV[@]}" USHER_BUILD="$WORK/$side/build" STACK_MAX_CHILDREN=2 \
        STACK_NGINX_ACCESS_LOG=off "$WORK/$side/src/scripts/stack.sh" start "$WORK/$side/state" "$p" >/dev/null
    echo "$p" >"$WORK/$side/port"
done

SIDE_PY=$REPO/bench/security.py
export PYTHONWARNINGS=ignore
for side in old new; do
    if [[ $side == old ]]; then echo "== today's code (${BASE_REF:-main})"; else echo "== this tree"; fi
    label="lockout on (defaults)"
    [[ $side == old ]] && label="today (no lockout)"
    /usr/bin/python3 "$SIDE_PY" seed "$WORK/$side/state" "$(cat "$WORK/$side/port")" "$users"
    for what in me-token me-key sessions; do
        /usr/bin/python3 "$SIDE_PY" "$what" "$WORK/$side/state" "$(cat "$WORK/$side/port")" "$duration" "$connections"
    done
    /usr/bin/python3 "$SIDE_PY" statements "$WORK/$side/state" "$(cat "$WORK/$side/port")"
    /usr/bin/python3 "$SIDE_PY" signin "$WORK/$side/state" "$(cat "$WORK/$side/port")" "$duration" "$connections" "$label"
    if [[ $side == new ]]; then
        start_pool new "${COMMON_ENV[@]}" USHER_LOCKOUT_THRESHOLD=0 USHER_LOCKOUT_IP_THRESHOLD=0
        /usr/bin/python3 "$SIDE_PY" signin "$WORK/$side/state" "$(cat "$WORK/$side/port")" "$duration" "$connections" "lockout off"
        start_pool new "${COMMON_ENV[@]}"
    fi
    /usr/bin/python3 "$SIDE_PY" twostep "$WORK/$side/state" "$(cat "$WORK/$side/port")" "$duration"
done

# The hot path once more, the two sides interleaved (a shared machine drifts by tens of
# percent between minutes): compare each round's pair, not one side's minute to another's.
for round in 1 2 3; do
    for side in old new; do
        if [[ $side == old ]]; then echo "== round $round: today's code"; else echo "== round $round: this tree"; fi
        for what in me-token me-key; do
            /usr/bin/python3 "$SIDE_PY" "$what" "$WORK/$side/state" "$(cat "$WORK/$side/port")" "$duration" "$connections"
        done
    done
done
