#!/usr/bin/env bash
# Installs the Debian 12 packages usher needs to build, test and run its private stack,
# only those missing. Idempotent: when everything is there it only asks dpkg and never
# touches the network.
#
#   scripts/deps.sh           build + test dependencies
#   scripts/deps.sh --bench   also wrk (for bench/run.sh)
#   scripts/deps.sh --apache  also Apache httpd (for scripts/test-apache.sh)
#   scripts/deps.sh --package also the Debian packaging tools (for scripts/test-package.sh)
#   scripts/deps.sh --galera  also Galera, mariabackup (its state transfer), socat, rsync
#                             and wrk (for scripts/galera.sh and scripts/test-galera.sh)
#   scripts/deps.sh --check   list what is missing; exit 1 if anything is
set -euo pipefail

packages=(
    build-essential autoconf automake pkg-config
    libfcgi-dev libfcgi-bin libjson-c-dev libmariadb-dev libssl-dev libcrypt-dev libldap-dev
    liboath-dev libqrencode-dev libsqlite3-dev libcurl4-openssl-dev
    mariadb-server mariadb-client mariadb-plugin-mroonga nginx-light slapd ldap-utils
    python3-pytest python3-requests mandoc
    systemd clang libclang-rt-14-dev
    chromium chromium-driver python3-selenium python3-html5lib tidy fonts-dejavu-core
    python3-zbar librsvg2-bin openssl
)
# systemd: systemd-analyze verify and systemd-socket-activate for the service tests
# (tests/integration/test_service.py); it is not started. clang and libclang-rt-14-dev:
# the libFuzzer harnesses (make fuzz, scripts/fuzz.sh), run briefly by scripts/test.sh.
# chromium, chromium-driver, python3-selenium: the browser-page tests (test_pages_browser.py)
# drive headless Chromium; python3-html5lib and tidy validate the pages' HTML.
# python3-zbar, librsvg2-bin: the security page's QR code read back (test_pages_security.py).
# libcurl4-openssl-dev: the OpenID Connect sign-in's requests to the provider (src/webfetch.c).
# openssl: the tests' throwaway certificates (test_tls.py, ldaplib.py: openssl req).
# mariadb-plugin-mroonga: the users' search index (sql/010_user_index.sql), loaded by the
# private stack's MariaDB (scripts/stack.sh); without it search reads the user table.
# slapd and ldap-utils: a private directory for the LDAP tests (tests/integration/ldaplib.py;
# the system slapd is never started or touched).
# nodejs and npm: the OpenID provider of the OIDC tests (tests/oidc/, the npm package
# oidc-provider, which tests/oidc/install.sh puts in a cache dir). Only when the machine has no
# node or npm at all: a Node.js of its own (say NodeSource's 20, which carries npm) is used as
# it is, and Debian's npm would conflict with it.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    packages+=(nodejs npm)
fi
check_only=0
for arg in "$@"; do
    case $arg in
    --bench) packages+=(wrk) ;;
    --valgrind) packages+=(valgrind) ;;
    --apache) packages+=(apache2) ;;
    --galera) packages+=(galera-4 mariadb-backup socat rsync wrk) ;;
    --package) packages+=(debhelper dpkg-dev fakeroot lintian logrotate) ;;
    --check) check_only=1 ;;
    *) echo "usage: $0 [--bench] [--valgrind] [--apache] [--package] [--galera] [--check]" >&2; exit 2 ;;
    esac
done

# One dpkg-query for all: it prints "name status" for the known ones; unknown ones are missing.
declare -A installed=()
while read -r name status; do
    [[ $status == installed ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
    [[ -n ${installed[$p]:-} ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
    exit 0
fi
if ((check_only)); then
    echo "missing: ${missing[*]}"
    exit 1
fi
if [[ $(id -u) != 0 ]]; then
    echo "deps: missing ${missing[*]}; run as root: apt-get install ${missing[*]}" >&2
    exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Debian's packages start their services on install (policy-rc.d); the stack runs its own
# private instances, so keep the system's mariadb and nginx from starting here.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
fi
trap 'if ((created_policy)); then rm -f "$policy"; fi' EXIT
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
