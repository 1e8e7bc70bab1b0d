"""The OIDC settings (issue 20, "Settings" and the last line of "Bad input"): the admin's
GET /auths/admin/config/oauth shows the effective values (stored, else the environment, else
the default; the three list keys as comma strings), a stored value wins on every worker from
the next request on, and a bad OAUTH_CODE_CHALLENGE_METHOD or a non-http(s)
OPENID_PROVIDER_URL is named by `usher-fcgi -t` and `usherctl check-config`."""
import os
import subprocess

import pytest

from authlib import ACCESS_PROHIBITED, expect, first_admin
from harness import BUILD
from oidclib import (PROVIDER_NAME, assert_refused, login, oidc_env, oidc_module,  # noqa: F401
                     provider, walk)

CONFIG = "admin/config/oauth"


class TestEffectiveValues:
    OIDC_ENV = {"OAUTH_ALLOWED_DOMAINS": "example.com,example.org", "OAUTH_TIMEOUT": "7"}

    def test_get_shows_env_and_defaults(self, stack, provider):
        admin = first_admin(stack)
        cfg = expect(admin.get(CONFIG), 200)
        assert cfg["ENABLE_OAUTH"] is True
        assert cfg["ENABLE_OAUTH_SIGNUP"] is True                        # from the environment
        assert cfg["OAUTH_MERGE_ACCOUNTS_BY_EMAIL"] is False             # the default
        assert cfg["OAUTH_PROVIDER_NAME"] == PROVIDER_NAME
        assert cfg["OPENID_PROVIDER_URL"] == provider.discovery
        assert cfg["OAUTH_CLIENT_ID"] == "usher-basic"
        assert cfg["OAUTH_ALLOWED_DOMAINS"] == "example.com,example.org"  # comma strings
        assert cfg["OAUTH_ALLOWED_ROLES"] == "user,admin"
        assert cfg["OAUTH_ADMIN_ROLES"] == "admin"
        assert cfg["OAUTH_SCOPES"] == "openid email profile"
        assert cfg["OAUTH_ROLES_CLAIM"] == "roles"
        assert cfg["OAUTH_GROUP_CLAIM"] == "groups"

    def test_stored_signup_off_wins_on_every_worker(self, stack, provider):
        admin = first_admin(stack)
        provider.set_account("sue", email="sue@example.com")
        expect(admin.post(CONFIG, json={"ENABLE_OAUTH_SIGNUP": False}), 200)
        assert expect(admin.get(CONFIG), 200)["ENABLE_OAUTH_SIGNUP"] is False
        for _ in range(stack.max_children() + 1):
            w = walk(stack, provider, "sue")
            assert_refused(stack, w.callback, ACCESS_PROHIBITED)
        expect(admin.post(CONFIG, json={"ENABLE_OAUTH_SIGNUP": True}), 200)
        login(stack, provider, "sue")

    def test_stored_allowed_domains_as_a_comma_string(self, stack, provider):
        admin = first_admin(stack)
        expect(admin.post(CONFIG, json={"OAUTH_ALLOWED_DOMAINS": "corp.example, other.example"}),
               200)
        provider.set_account("sid", email="sid@example.com")
        assert_refused(stack, walk(stack, provider, "sid").callback)
        provider.set_account("sid", email="sid@corp.example")
        login(stack, provider, "sid")


def check(stack, env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OAUTH_", "OPENID_"))}
    env.update(env_extra)
    t = subprocess.run([str(BUILD / "usher-fcgi"), "-t", "-c", str(stack.conf)],
                       capture_output=True, text=True, env=env, timeout=30)
    c = subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), "check-config", "-n"],
                       capture_output=True, text=True, env=env, timeout=30)
    return t, c


@pytest.mark.parametrize("var,value", [
    ("OAUTH_CODE_CHALLENGE_METHOD", "plain"),
    ("OAUTH_CODE_CHALLENGE_METHOD", "s256x"),
    ("OPENID_PROVIDER_URL", "ftp://127.0.0.1/.well-known/openid-configuration"),
    ("OPENID_PROVIDER_URL", "file:///etc/passwd"),
])
def test_check_config_names_the_bad_variable(stack, provider, var, value):
    env = provider.env()
    env[var] = value
    for r in check(stack, env):
        assert r.returncode != 0, r.args
        assert var in r.stdout + r.stderr, (r.args, r.stdout, r.stderr)


def test_check_config_accepts_the_good_ones(stack, provider):
    env = provider.env(OAUTH_CODE_CHALLENGE_METHOD="S256")
    for r in check(stack, env):
        assert r.returncode == 0, (r.args, r.stdout, r.stderr)
