#!/usr/bin/env bash
# Installs the test OpenID provider's npm packages (package.json, pinned by package-lock.json)
# into a cache dir OUTSIDE the source tree, once per lockfile, and prints the node_modules
# path. Used by tests/integration/oidclib.py (so by scripts/test.sh) before it starts
# tests/oidc/provider.mjs.
#
#   tests/oidc/install.sh         prints DIR/node_modules
#
# The cache dir: $USHER_TEST_CACHE, else $XDG_CACHE_HOME/usher-test, else /var/cache/usher-test
# as root and ~/.cache/usher-test otherwise; the subdir is named after the pinned version and
# the lockfile's hash, so a changed pin installs anew. Needs node and npm (scripts/deps.sh
# installs Debian's nodejs and npm when there are none).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ $(id -u) == 0 ]]; then def=/var/cache/usher-test; else def=${HOME:-/tmp}/.cache/usher-test; fi
root=${USHER_TEST_CACHE:-${XDG_CACHE_HOME:+$XDG_CACHE_HOME/usher-test}}
root=${root:-$def}
for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "oidc install: $tool not found (scripts/deps.sh installs it)" >&2; exit 1; }
done
version=$(sed -n 's/.*"oidc-provider": *"\([^"]*\)".*/\1/p' "$HERE/package.json" | head -1)
hash=$(cat "$HERE/package.json" "$HERE/package-lock.json" | sha256sum | cut -c1-12)
dir=$root/oidc-provider-$version-$hash
if [[ ! -f $dir/.installed ]]; then
    mkdir -p "$root"
    tmp=$(mktemp -d "$root/.install.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    cp "$HERE/package.json" "$HERE/package-lock.json" "$tmp/"
    (cd "$tmp" && npm ci --no-audit --no-fund --loglevel=error >&2)
    touch "$tmp/.installed"
    # Another run may have finished first: keep whichever is there.
    mv -T "$tmp" "$dir" 2>/dev/null || true
fi
[[ -f $dir/node_modules/oidc-provider/package.json ]] || { echo "oidc install: $dir is incomplete" >&2; exit 1; }
echo "$dir/node_modules"
