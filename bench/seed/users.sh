#!/usr/bin/env bash
# Seeds the benchmark's users into a running private stack (scripts/stack.sh) and makes them
# listable and searchable: bench/seed/users.sql (INSERT ... SELECT from the Sequence engine,
# four statements, unique and foreign key checks off), then `usherctl reindex`. Prints the
# seconds of each step and of both ("seed users N s, reindex R s, total T s").
#
#   bench/seed/users.sh DIR [N]    DIR: the stack's state dir; N users (default 1000000,
#                                  a multiple of 4, at most 1000000)
# Environment: USHER_BUILD (usherctl's build dir, default REPO/.build).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${USHER_BUILD:-$REPO/.build}
DIR=${1:?usage: users.sh DIR [N]}
N=${2:-1000000}
[[ $N =~ ^[0-9]+$ ]] && ((N > 0 && N <= 1000000 && N % 4 == 0)) ||
    { echo "users.sh: N must be a multiple of 4 up to 1000000" >&2; exit 2; }
now() { date +%s.%N; }
t0=$(now)
{ echo "SET @n = $N;"; cat "$REPO/bench/seed/users.sql"; } |
    mariadb --no-defaults --socket="$DIR/mysql.sock" -uroot usher
t1=$(now)
"$BUILD/usherctl" -c "$DIR/usher.conf" reindex >/dev/null
t2=$(now)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$N" 'BEGIN {
    printf "seed users %d: %.1f s, reindex %.1f s, total %.1f s\n", n, b - a, c - b, c - a }'
