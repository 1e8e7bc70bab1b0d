#!/usr/bin/env bash
# usher's whole test run, the README's test command and what .ci/run calls. As root on
# Debian 12, from anywhere:
#
#   scripts/test.sh [--asan] [--valgrind] [--keep] [--unit-only | --integration-only]
#                   [-- PYTEST_ARGS...]
#
# 1. installs what is missing (scripts/deps.sh), regenerates configure when needed;
# 1b. checks every #include of src/ against src/README.md's layer table
#    (scripts/check-layers.py; each wrong include counts as one failure);
# 2. configures with --enable-werror in a fresh build dir and builds everything, the
#    benchmark baselines included (warnings are errors);
# 3. `make check`: the C TAP unit tests, counted per assertion from their .trs files;
# 3b. the libFuzzer harnesses (tests/fuzz) a few seconds each, when clang is there;
# 4. the integration tests (tests/integration, pytest on /usr/bin/python3; the OIDC ones install
#    their npm provider into a cache dir themselves: tests/oidc/install.sh) against a private
#    stack (MariaDB, usher-fcgi, nginx) in a temp dir on a free loopback port, always torn
#    down at the end; usher's database user has exactly the README's grants, and MariaDB
#    runs with binary logging on (as replicas and servers with point-in-time backups do),
#    except in the --asan leg, so that CI's two legs cover both kinds of server;
# 5. prints a last line "N passed, N failed" over both, and exits non-zero when anything
#    failed (or nothing ran).
#
# --asan      build with --enable-asan (without -Werror: GCC's warnings are unreliable on
#             instrumented code); any sanitizer report from the pool counts as a failure
# --valgrind  run usher-fcgi under valgrind (memcheck); any error it reports counts as a
#             failure (slow: timing-sensitive tests may need a larger pool)
# --keep      keep the build dir and the stack's state dir (their paths are printed)
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

asan=0 valgrind=0 keep=0 unit=1 integration=1
pytest_args=()
while (($#)); do
    case $1 in
    --asan) asan=1 ;;
    --valgrind) valgrind=1 ;;
    --keep) keep=1 ;;
    --unit-only) integration=0 ;;
    --integration-only) unit=0 ;;
    --) shift; pytest_args=("$@"); break ;;
    *) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
    esac
    shift
done

step() { printf '\n=== %s\n' "$*"; }
fail_setup() { printf '\n%s\n0 passed, 1 failed\n' "$*"; exit 1; }

step "dependencies"
deps_args=()
((valgrind)) && deps_args+=(--valgrind)
scripts/deps.sh "${deps_args[@]}" || fail_setup "test: installing dependencies failed"

if [[ ! -x configure || configure.ac -nt configure || Makefile.am -nt Makefile.in ]]; then
    step "autogen"
    ./autogen.sh || fail_setup "test: autogen.sh failed"
fi

# The layer table of src/README.md, checked before anything is built (one pass, or one
# failure per wrong include, loop or config-key literal it names).
step "layers (scripts/check-layers.py)"
layer_pass=0 layer_fail=0
layers_out=$(python3 scripts/check-layers.py 2>&1)
layers_rc=$?
echo "$layers_out"
if ((layers_rc == 0)); then
    layer_pass=1
else
    layer_fail=$(grep -c '^FAIL: ' <<<"$layers_out")
    ((layer_fail == 0)) && layer_fail=1
fi

BUILD=$(mktemp -d /tmp/usher-test-build.XXXXXX)
STATE=$(mktemp -d /tmp/usher-test-state.XXXXXX)
cleanup() {
    # The stack is normally stopped by the tests' own teardown; this catches a killed run.
    USHER_BUILD=$BUILD scripts/stack.sh stop "$STATE" >/dev/null 2>&1 || true
    if ((keep)); then
        echo "kept: build $BUILD, state $STATE"
    else
        rm -rf "$BUILD" "$STATE"
    fi
}
trap cleanup EXIT

step "configure and build in $BUILD"
# With the sanitizers GCC warns falsely (-Wformat-truncation, -Wnull-dereference on
# instrumented code), so --asan builds without -Werror: the plain build checks warnings.
if ((asan)); then
    configure_args=(--enable-asan -q)
else
    configure_args=(--enable-werror -q)
fi
(cd "$BUILD" && "$REPO/configure" "${configure_args[@]}") || fail_setup "test: configure failed"
make -C "$BUILD" -j2 -s all bench-programs || fail_setup "test: build failed"

unit_pass=0 unit_fail=0
if ((unit)); then
    step "unit tests (make check)"
    timeout 900 make -C "$BUILD" -j2 -s check >"$BUILD/check.out" 2>&1
    check_rc=$?
    # Automake's own summary is not what CI reads: count every TAP result instead. A test
    # program that did not build or never ran has no .trs and counts as one failure.
    tests=$(sed -n '/^UNIT_TESTS *=/,/[^\\]$/p' Makefile.am | tr -d '\\' | sed 's/^UNIT_TESTS *=//')
    for t in $tests; do
        trs=$BUILD/$t.trs
        if [[ ! -f $trs ]]; then
            echo "FAIL: $t (did not run)"
            unit_fail=$((unit_fail + 1))
            continue
        fi
        p=$(grep -cE '^:test-result: (PASS|XFAIL)' "$trs")
        f=$(grep -cE '^:test-result: (FAIL|XPASS|ERROR)' "$trs")
        unit_pass=$((unit_pass + p))
        unit_fail=$((unit_fail + f))
        if ((f)); then
            echo "FAIL: $t ($f of $((p + f)))"
            grep -E '^(not ok|Bail out|#)' "$BUILD/$t.log" | head -20 | sed 's/^/    /'
        fi
    done
    if ((check_rc != 0 && unit_fail == 0)); then
        echo "make check failed without a failing test:"; tail -30 "$BUILD/check.out"
        unit_fail=1
    fi
    echo "unit: $unit_pass passed, $unit_fail failed"
fi

# The libFuzzer harnesses, a few seconds each (one pass or failure per fuzzer), when clang
# is there (scripts/deps.sh installs it; the --asan build is left out: the fuzzers carry
# their own sanitizers).
fuzz_pass=0 fuzz_fail=0
if ((unit)) && command -v clang >/dev/null; then
    step "fuzzers (scripts/fuzz.sh, ${FUZZ_SECONDS:-3} s each)"
    if make -C "$BUILD" -s fuzz >"$BUILD/fuzz-build.out" 2>&1; then
        while read -r line; do
            echo "$line"
            case $line in
            "fuzz: "*" ok "*) fuzz_pass=$((fuzz_pass + 1)) ;;
            "fuzz: "*" FAILED "*) fuzz_fail=$((fuzz_fail + 1)) ;;
            esac
        done < <(scripts/fuzz.sh run "$BUILD" "${FUZZ_SECONDS:-3}")
    else
        echo "FAIL: building the fuzzers:"; tail -20 "$BUILD/fuzz-build.out"
        fuzz_fail=1
    fi
    echo "fuzz: $fuzz_pass passed, $fuzz_fail failed"
fi

int_pass=0 int_fail=0 int_skip=0
if ((integration)); then
    step "integration tests (pytest, private stack in $STATE)"
    export USHER_BUILD=$BUILD USHER_TEST_STATE_DIR=$STATE
    ((asan)) || export STACK_LOG_BIN=1
    if ((asan)); then
        # log_path: one report file per process, checked below; workers must not abort the
        # run, the tests' own failures should show first.
        export ASAN_OPTIONS="log_path=$STATE/asan:detect_leaks=1:abort_on_error=0"
        export UBSAN_OPTIONS="print_stacktrace=1:log_path=$STATE/ubsan"
    fi
    if ((valgrind)); then
        export USHER_WRAPPER="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --log-file=$STATE/valgrind.%p"
    fi
    junit=$BUILD/integration.xml
    # The whole directory unless the arguments name test files or node ids themselves.
    paths=(tests/integration)
    for a in "${pytest_args[@]}"; do
        [[ -e ${a%%::*} ]] && paths=()
    done
    timeout 1800 /usr/bin/python3 -m pytest -p no:cacheprovider -q -rfEs \
        --junitxml="$junit" "${paths[@]}" "${pytest_args[@]}"
    pytest_rc=$?
    if [[ -s $junit ]]; then
        read -r int_pass int_fail int_skip < <(/usr/bin/python3 - "$junit" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
n = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
k = sum(int(s.get("skipped", 0)) for s in suites)
print(n - f - k, f, k)
EOF
        )
    fi
    if ((pytest_rc != 0 && int_fail == 0 && pytest_rc != 5)); then
        echo "pytest exited with $pytest_rc without a failing test (timeout or collection error)"
        int_fail=$((int_fail + 1))
    fi
    for report in "$STATE"/asan.* "$STATE"/ubsan.*; do
        [[ -s $report ]] || continue
        echo "FAIL: sanitizer report $report:"; head -40 "$report"
        int_fail=$((int_fail + 1))
    done
    for report in "$STATE"/valgrind.*; do
        [[ -s $report ]] || continue
        grep -qE 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]' "$report" || continue
        echo "FAIL: valgrind report $report:"; head -60 "$report"
        int_fail=$((int_fail + 1))
    done
    echo "integration: $int_pass passed, $int_fail failed, $int_skip skipped"
fi

passed=$((layer_pass + unit_pass + fuzz_pass + int_pass))
failed=$((layer_fail + unit_fail + fuzz_fail + int_fail))
# Nothing ran at all (the layer check aside) is a failure too, not a green run.
((passed + failed == layer_pass + layer_fail)) && failed=$((failed + 1))
echo
echo "$passed passed, $failed failed"
((failed == 0))
