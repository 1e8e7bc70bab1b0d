"""libcurl and libldap are loaded on first use (src/lazylib.c), never linked: neither binary
names them, the master and a worker that signs nobody in through LDAP or OpenID Connect never
map them (nor the GnuTLS, Kerberos, SASL ... they pull in), and the first LDAP sign-in or
request to the provider loads them in the worker that needs them. That the sign-ins work as
before is what test_ldap*.py and test_oidc_*.py check."""
import subprocess
from pathlib import Path

from authlib import AUTHS, ensure_pool_env, expect, restore_default_pool, wipe_db
from harness import BUILD, free_port
from ldaplib import FAILED

# What libcurl and libldap pull in: none of it is linked into usher.
LAZY = ("libcurl", "libldap", "liblber", "libgnutls", "libkrb5", "libgssapi", "libsasl2",
        "libnghttp2", "libssh2", "librtmp", "libp11-kit")


def needed(binary):
    out = subprocess.run(["objdump", "-p", str(BUILD / binary)], capture_output=True, text=True,
                         check=True).stdout
    return [line.split()[1] for line in out.splitlines() if line.strip().startswith("NEEDED")]


def mapped(pid):
    """The LAZY libraries mapped by pid, by their file names."""
    names = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 6 and Path(parts[5]).name.startswith(LAZY):
            names.add(Path(parts[5]).name.split(".so")[0])
    return names


def workers_mapping(stack, lib):
    return {pid for pid in stack.worker_pids() if any(n.startswith(lib) for n in mapped(pid))}


def test_neither_binary_links_them():
    for binary in ("usher-fcgi", "usherctl"):
        names = needed(binary)
        assert "libc.so.6" in names, names
        assert not [n for n in names if n.startswith(LAZY)], (binary, names)


def test_a_worker_loads_them_when_a_sign_in_first_needs_them(stack):
    closed = free_port()   # nothing listens there: both sign-ins fail as with a directory down
    env = {"ENABLE_LDAP": "true", "LDAP_SERVER_HOST": "127.0.0.1", "LDAP_SERVER_PORT": str(closed),
           "LDAP_USE_TLS": "false", "LDAP_SEARCH_BASE": "dc=example,dc=org",
           "OPENID_PROVIDER_URL": f"http://127.0.0.1:{closed}/.well-known/openid-configuration",
           "OAUTH_CLIENT_ID": "usher", "OAUTH_CLIENT_SECRET": "secret",
           "ENABLE_OAUTH_SIGNUP": "true", "OAUTH_TIMEOUT": "2"}
    try:
        ensure_pool_env(stack, env)
        wipe_db(stack)
        workers = stack.wait_workers()
        for _ in range(3 * len(workers)):
            assert stack.get("/health").status_code == 200
            assert stack.get(AUTHS + "/").status_code == 401
        assert not mapped(stack.master_pid())
        assert {pid: mapped(pid) for pid in workers} == {pid: set() for pid in workers}

        expect(stack.post(AUTHS + "/ldap", json={"user": "bob", "password": "not-empty"}), 400, FAILED)
        assert len(workers_mapping(stack, "libldap")) == 1
        assert not workers_mapping(stack, "libcurl")

        r = stack.get("/oauth/oidc/login", allow_redirects=False)
        assert r.status_code in (302, 303, 307), (r.status_code, r.text[:300])
        assert len(workers_mapping(stack, "libcurl")) == 1
        assert stack.worker_pids() == workers, "no worker restarted meanwhile"
        assert not mapped(stack.master_pid())
    finally:
        restore_default_pool(stack)
