#!/usr/bin/env bash
# The Debian package, built and exercised on this machine (slow: about 3 minutes). As root
# on Debian 12, from anywhere:
#
#   scripts/test-package.sh [--keep]
#
# 1. installs the build tools if missing (debhelper, lintian, ...);
# 2. builds usher_<version>_amd64.deb with `dpkg-buildpackage -us -uc -b` from a copy of
#    the working tree (tracked and untracked, not ignored files) in a temp dir;
# 3. lintian: any error fails; warnings are printed;
# 4. installs it with dpkg on this machine and checks: the usher user, modes of
#    /etc/usher/usher.conf and /var/lib/usher, units enabled but not started, man pages,
#    examples, `usher-fcgi -t` as the usher user; then an upgrade to a repacked
#    <version>+upgradetest whose sample usher.conf changed, with the admin's edit kept;
#    remove (config and state kept); purge (both gone).
# Ends with "N passed, N failed". Refuses to run when a usher package is installed already
# (it would be replaced and purged).
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
keep=0
[[ ${1:-} == --keep ]] && keep=1

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
ko() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else ko "$what"; fi; }
finish() { echo; echo "$passed passed, $failed failed"; ((failed == 0 && passed > 0)); exit; }
die() { ko "$*"; finish; }

[[ $(id -u) == 0 ]] || { echo "run as root" >&2; exit 2; }
if dpkg-query -W -f='${db:Status-Status}' usher 2>/dev/null | grep -qx installed; then
    echo "a usher package is installed already; remove it first (dpkg -P usher)" >&2
    exit 2
fi

"$REPO/scripts/deps.sh" --package || die "installing the build tools"

WORK=$(mktemp -d /tmp/usher-pkg.XXXXXX)
cleanup() {
    dpkg -P usher >/dev/null 2>&1 || true
    if ((keep)); then echo "kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

echo "=== build in $WORK"
mkdir -p "$WORK/usher"
(cd "$REPO" && git ls-files -co --exclude-standard | tar -cf - -T -) | tar -xf - -C "$WORK/usher"
if (cd "$WORK/usher" && dpkg-buildpackage -us -uc -b >"$WORK/build.log" 2>&1); then
    ok "dpkg-buildpackage -us -uc -b"
else
    tail -40 "$WORK/build.log"
    die "dpkg-buildpackage -us -uc -b"
fi
version=$(cd "$WORK/usher" && dpkg-parsechangelog -S Version)
deb=$WORK/usher_${version}_amd64.deb
check "built $(basename "$deb")" test -s "$deb"

echo "=== lintian"
lintian --pedantic --display-info "$WORK/usher_${version}_amd64.changes" >"$WORK/lintian.out" 2>&1
grep -v 'running with root privileges' "$WORK/lintian.out" | sed 's/^/    /'
check "lintian: no errors" bash -c "! grep -q '^E:' '$WORK/lintian.out'"

echo "=== install"
dpkg -i "$deb" >"$WORK/install.out" 2>&1 || { cat "$WORK/install.out"; die "dpkg -i"; }
ok "dpkg -i"
check "postinst says the units are not started" grep -q "NOT started" "$WORK/install.out"
check "usher system user" bash -c "getent passwd usher | grep -q ':/var/lib/usher:'"
mode() { stat -c '%a %U:%G' "$1" 2>/dev/null; }
check "/etc/usher/usher.conf 640 root:usher" test "$(mode /etc/usher/usher.conf)" = "640 root:usher"
check "/var/lib/usher 750 usher:usher" test "$(mode /var/lib/usher)" = "750 usher:usher"
check "/var/log/usher 750 usher:usher" test "$(mode /var/log/usher)" = "750 usher:usher"
check "usher.conf is a conffile" grep -qx /etc/usher/usher.conf /var/lib/dpkg/info/usher.conffiles
for u in usher-fcgi.service usher-fcgi.socket; do
    check "unit $u installed" test -f "/lib/systemd/system/$u"
done
check "service enabled" test -L /etc/systemd/system/multi-user.target.wants/usher-fcgi.service
check "socket enabled" test -L /etc/systemd/system/sockets.target.wants/usher-fcgi.socket
check "not started (no pool running)" bash -c "! pgrep -f '^/usr/sbin/usher-fcgi' >/dev/null"
for f in /usr/share/man/man8/usher-fcgi.8.gz /usr/share/man/man8/usherctl.8.gz \
         /usr/share/man/man5/usher.conf.5.gz /usr/share/usher/sql/001_initial.sql \
         /usr/share/usher/static/user.png /usr/share/doc/usher/examples/nginx/usher.conf \
         /usr/share/doc/usher/examples/nginx/usher-upstream.conf \
         /usr/share/doc/usher/examples/apache/apache-usher.conf /etc/logrotate.d/usher; do
    check "file $f" test -s "$f"
done
check "usher-fcgi -t as the usher user" \
    runuser -u usher -- /usr/sbin/usher-fcgi -t -c /etc/usher/usher.conf
check "usherctl version" bash -c "usherctl version | grep -q '$version'"
if command -v logrotate >/dev/null; then
    check "logrotate -d accepts the snippet" logrotate -d /etc/logrotate.d/usher
fi

echo "=== upgrade with an edited usher.conf"
echo "; edited by the admin" >>/etc/usher/usher.conf
echo "secret" >/var/lib/usher/secret_key
# The next version, repacked: its sample usher.conf differs too, so dpkg must keep the
# admin's copy (--force-confold, what a non-interactive upgrade does) and not ask.
rm -rf "$WORK/up"
dpkg-deb -R "$deb" "$WORK/up"
sed -i "s/^Version: .*/Version: ${version}+upgradetest/" "$WORK/up/DEBIAN/control"
echo "; new in the next version" >>"$WORK/up/etc/usher/usher.conf"
(cd "$WORK/up" && find etc usr lib -type f -exec md5sum {} + >DEBIAN/md5sums)
dpkg-deb -b "$WORK/up" "$WORK/usher-upgrade.deb" >/dev/null || die "repack"
DEBIAN_FRONTEND=noninteractive dpkg -i --force-confdef --force-confold \
    "$WORK/usher-upgrade.deb" >"$WORK/upgrade.out" 2>&1 </dev/null ||
    { cat "$WORK/upgrade.out"; die "dpkg -i (upgrade)"; }
ok "upgrade"
check "edited usher.conf kept" grep -q "edited by the admin" /etc/usher/usher.conf
check "new sample beside it (.dpkg-dist)" grep -q "new in the next version" /etc/usher/usher.conf.dpkg-dist
check "usher.conf still 640 root:usher" test "$(mode /etc/usher/usher.conf)" = "640 root:usher"
check "state kept" test -s /var/lib/usher/secret_key
rm -f /etc/usher/usher.conf.dpkg-dist

echo "=== remove, then purge"
dpkg -r usher >"$WORK/remove.out" 2>&1 || { cat "$WORK/remove.out"; die "dpkg -r"; }
check "remove: binaries gone" test ! -e /usr/sbin/usher-fcgi
check "remove: usher.conf kept" grep -q "edited by the admin" /etc/usher/usher.conf
check "remove: state kept" test -s /var/lib/usher/secret_key
dpkg -P usher >"$WORK/purge.out" 2>&1 || { cat "$WORK/purge.out"; die "dpkg -P"; }
check "purge: /etc/usher gone" test ! -e /etc/usher
check "purge: /var/lib/usher gone" test ! -e /var/lib/usher
check "purge: /var/log/usher gone" test ! -e /var/log/usher
check "purge: logrotate snippet gone" test ! -e /etc/logrotate.d/usher
check "purge: units no longer enabled" \
    test ! -e /etc/systemd/system/multi-user.target.wants/usher-fcgi.service
finish
