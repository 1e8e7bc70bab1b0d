#!/usr/bin/env bash
# The integration suite behind Apache httpd 2.4 + mod_proxy_fcgi instead of nginx. As root
# on Debian 12, from anywhere:
#
#   scripts/test-apache.sh [test.sh options] [-- PYTEST_ARGS...]
#
# Installs apache2 if missing (scripts/deps.sh --apache), then runs
# `scripts/test.sh --integration-only` with STACK_WEB=apache: the private stack's web server
# is then Apache on a loopback port, started by scripts/stack.sh with a minimal config that
# includes nginx/apache-usher.conf exactly as shipped (only USHER_SOCKET is defined before
# it). Every test goes through Apache: health, sign-up, sign-in with Bearer and cookie,
# API keys by Authorization and x-api-key, CSRF form posts, 413, 404, the pool's signals.
# Ends with test.sh's "N passed, N failed".
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$REPO/scripts/deps.sh" --apache || { printf '\n0 passed, 1 failed\n'; exit 1; }
export STACK_WEB=apache
exec "$REPO/scripts/test.sh" --integration-only "$@"
