"""The OIDC settings (issue 20, "Settings" and the last line of "Bad input"): the admin's
GET /auths/admin/config/oauth shows the effective values (stored, else the environment, else
the default; the three list keys as comma strings), a stored value wins on every worker from
the next request on, and a bad OAUTH_CODE_CHALLENGE_METHOD or a non-http(s)
OPENID_PROVIDER_URL is named by `usher-fcgi -t` and `usherctl check-config`."""
import concurrent.futures
import os
import subprocess
import urllib.parse

import pytest

from authlib import ACCESS_PROHIBITED, ME, Client, expect, first_admin, sql_one
from harness import BUILD
from oidclib import (PROVIDER_NAME, assert_refused, login, new_caches, oidc_env,  # noqa: F401
                     oidc_module, provider, walk)

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


# ---------------------------------------------------------------- request settings (§1, §3)
class TestAuthorizationRequestSettings:
    OIDC_ENV = {"OAUTH_SCOPES": "openid email profile offline_access",
                "OAUTH_AUDIENCE": "api://usher-test",
                "OAUTH_AUTHORIZE_PARAMS": '{"ui_locales": "fr", "prompt": "consent"}'}

    def test_scope_audience_and_extra_parameters(self, stack, provider):
        r = stack.get("/oauth/oidc/login")
        assert r.status_code == 302, r.text
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.headers["Location"]).query))
        assert q["scope"] == "openid email profile offline_access"
        assert q["audience"] == "api://usher-test"
        assert (q["ui_locales"], q["prompt"]) == ("fr", "consent")
        assert q["code_challenge_method"] == "S256"
        # and the provider takes it: a login goes through (with a refresh token)
        provider.set_account("ula", email="ula@example.com")
        login(stack, provider, "ula")
        assert provider.last_token().get("refresh_token")


class TestRedirectUriSetting:
    OIDC_ENV = staticmethod(lambda p: {
        "OPENID_REDIRECT_URI": p.stack.base_url + "/oauth/oidc/login/callback"})

    def test_the_alias_route_as_redirect_uri(self, stack, provider):
        provider.set_account("val", email="val@example.com")
        w, _ = login(stack, provider, "val")
        assert w.params["redirect_uri"] == stack.base_url + "/oauth/oidc/login/callback"
        assert w.callback_url.startswith(stack.base_url + "/oauth/oidc/login/callback?")


class TestWebuiUrl:
    OIDC_ENV = {"WEBUI_URL": "https://chat.example.com/"}

    def test_redirect_uri_and_auth_from_webui_url(self, stack, provider):
        r = stack.get("/oauth/oidc/login")
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r.headers["Location"]).query))
        assert q["redirect_uri"] == "https://chat.example.com/oauth/oidc/callback"
        r = stack.get("/oauth/oidc/callback")
        assert r.headers["Location"].startswith("https://chat.example.com/auth?error="), \
            r.headers["Location"]


class TestClaimNames:
    OIDC_ENV = {"OAUTH_SUB_CLAIM": "preferred_username",
                "OAUTH_USERNAME_CLAIM": "preferred_username"}

    def test_sub_and_name_from_other_claims(self, stack, provider):
        provider.set_account("wyn", email="wyn@example.com", name="Not This",
                             preferred_username="wyn.p")
        _, t = login(stack, provider, "wyn")
        u = expect(Client(stack, t).get(ME), 200)
        assert u["name"] == "wyn.p"
        oauth = sql_one(stack, f"SELECT oauth FROM `user` WHERE id = '{u['id']}'")
        assert oauth.replace(" ", "") == '{"oidc":{"sub":"wyn.p"}}'


class TestEmailFallback:
    OIDC_ENV = {"ENABLE_OAUTH_EMAIL_FALLBACK": "true"}

    def test_no_email_claim_uses_the_fallback(self, stack, provider):
        provider.set_account("xan", name="Xan")
        _, t = login(stack, provider, "xan")
        assert expect(Client(stack, t).get(ME), 200)["email"] == "oidc@xan.local"


# ---------------------------------------------------------------- caches (issue: "Cache the
# discovery document and the JWKS")
def test_discovery_and_jwks_are_cached(stack, provider, new_caches):
    provider.set_account("yoko", email="yoko@example.com", name="Yoko")
    n = 3 * stack.max_children()
    for _ in range(n):
        login(stack, provider, "yoko")
    counts = provider.counts()
    # at most once per worker, whatever worker each login met
    assert counts.get("discovery", 0) <= stack.max_children(), counts
    assert counts.get("jwks", 0) <= stack.max_children(), counts
    assert counts.get("token") == n
    assert counts.get("userinfo", 0) == 0     # the ID token has the e-mail and the name


def test_unknown_kid_refetches_at_most_once_per_token(stack, provider, new_caches):
    provider.set_account("yoko", email="yoko@example.com", name="Yoko")
    for _ in range(stack.max_children()):
        login(stack, provider, "yoko")        # every worker likely has the JWKS now
    provider.reset()
    for _ in range(3):
        provider.next_id_token(sign="foreign-new-kid")
        assert_refused(stack, walk(stack, provider, "yoko").callback)
    assert provider.counts().get("jwks", 0) <= 3 + stack.max_children()


@pytest.mark.parametrize("body", ["not json", '{"issuer": 5}', None])
def test_broken_discovery(stack, provider, new_caches, body):
    """A discovery answer that is not JSON, has the wrong shapes, or is oversized: the login
    does not crash; it is refused with a redirect and sets no token."""
    plan = {"body": body} if body is not None else {"size": 2 << 20}
    provider.next_response("discovery", **plan)
    r = stack.get("/oauth/oidc/login")
    assert r.status_code < 500, r.text
    assert r.status_code in (302, 303, 307), (r.status_code, r.text[:300])
    assert "/auth?error=" in r.headers["Location"], r.headers["Location"]
    assert not r.cookies.get("token")


# ---------------------------------------------------------------- the first account
def test_two_first_logins_at_once_make_one_admin(stack, provider):
    """Race-safe as in sign-up: two accounts' callbacks sent together on an empty install."""
    provider.set_account("ama", email="ama@example.com")
    provider.set_account("ben", email="ben@example.com")
    walks = [walk(stack, provider, name, call_back=False) for name in ("ama", "ben")]
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        answers = list(ex.map(lambda w: w.session.get(w.callback_url, allow_redirects=False,
                                                      timeout=30), walks))
    for r in answers:
        assert r.cookies.get("token"), (r.status_code, r.headers.get("Location"))
    roles = sorted(row[0] for row in stack.sql("SELECT role FROM `user`"))
    assert roles == ["admin", "pending"], roles
