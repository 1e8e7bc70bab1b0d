#!/usr/bin/env bash
# usher's libFuzzer harnesses (tests/fuzz/fuzz-*.c), built with clang
# (-fsanitize=fuzzer,address,undefined) against the library's sources.
#
#   scripts/fuzz.sh build BUILD_DIR            build every fuzzer into BUILD_DIR/fuzz/
#                                              (BUILD_DIR: a configured build, for config.h)
#   scripts/fuzz.sh run BUILD_DIR SECONDS [NAME...]
#                                              run each (default: all) for SECONDS on a copy
#                                              of its seed corpus (tests/fuzz/corpus/NAME);
#                                              prints "fuzz: NAME ok|FAILED (N runs)" per
#                                              fuzzer; a crash leaves its input in
#                                              BUILD_DIR/fuzz/NAME-artifacts/
#   scripts/fuzz.sh list                       the fuzzers' names
#
# Run one long (new inputs it finds are kept in the corpus directory you give it):
#   BUILD_DIR/fuzz/fuzz-jwt -max_len=4096 -jobs=4 my-corpus/ tests/fuzz/corpus/fuzz-jwt/
# Environment: FUZZ_CC (default clang).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CC=${FUZZ_CC:-clang}
names() { (cd "$REPO/tests/fuzz" && ls fuzz-*.c | sed 's/\.c$//'); }

build() {
    local build=$1 out=$1/fuzz
    mkdir -p "$out/obj"
    local flags=(-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
                 -fno-sanitize-recover=undefined -I"$build" -I"$REPO/include"
                 $(pkg-config --cflags json-c libmariadb libcrypto liboath libqrencode ldap libcurl))
    local libs=($(pkg-config --libs json-c libmariadb libcrypto liboath libqrencode ldap libcurl) -lcrypt -lfcgi -lm)
    # The library's sources, as Makefile.am lists them (the daemon's files included: the
    # route table links every handler).
    local srcs
    srcs=$(sed -n '/^libusher_a_SOURCES *=/,/[^\\]$/p' "$REPO/Makefile.am" | tr -d '\\' |
           sed 's/^libusher_a_SOURCES *=//' | tr ' \t' '\n\n' | grep '\.c$')
    local objs=() s o pids=()
    for s in $srcs; do
        o=$out/obj/$(echo "$s" | tr '/' '_' | sed 's/\.c$/.o/')
        objs+=("$o")
        if [[ ! -e $o || $REPO/$s -nt $o || -n $(find "$REPO/include" -newer "$o" -name '*.h' | head -1) ]]; then
            "$CC" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$REPO/$s" -o "$o" &
            pids+=($!)
            if ((${#pids[@]} >= 4)); then wait "${pids[0]}" || return 1; pids=("${pids[@]:1}"); fi
        fi
    done
    for p in "${pids[@]}"; do wait "$p" || return 1; done
    local n
    for n in $(names); do
        "$CC" "${flags[@]}" -fsanitize=fuzzer "$REPO/tests/fuzz/$n.c" "${objs[@]}" "${libs[@]}" \
            -o "$out/$n" || return 1
    done
}

run() {
    local build=$1 secs=$2; shift 2
    local list=("$@") failed=0 n
    ((${#list[@]})) || list=($(names))
    for n in "${list[@]}"; do
        local work=$build/fuzz/$n-corpus art=$build/fuzz/$n-artifacts
        rm -rf "$work"; mkdir -p "$work" "$art"
        cp "$REPO/tests/fuzz/corpus/$n/"* "$work/" 2>/dev/null || true
        local log=$build/fuzz/$n.log
        ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
            "$build/fuzz/$n" -max_total_time="$secs" -max_len=4096 -timeout=10 \
            -rss_limit_mb=2048 -artifact_prefix="$art/" "$work" >"$log" 2>&1
        local rc=$? runs
        runs=$(grep -oE 'Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' | tail -1)
        if ((rc == 0)); then
            echo "fuzz: $n ok (${runs:-?} runs in ${secs} s)"
        else
            echo "fuzz: $n FAILED (see $log)"; grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5
            failed=$((failed + 1))
        fi
    done
    ((failed == 0))
}

case ${1:-} in
build) build "${2:?build dir}" ;;
run) run "${2:?build dir}" "${3:?seconds}" "${@:4}" ;;
list) names ;;
*) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
