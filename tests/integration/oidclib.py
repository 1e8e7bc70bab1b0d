"""Helpers of the OpenID Connect tests (test_oidc_*.py): a real OpenID provider and a browser-
like walk through its forms.

- The provider is the npm package oidc-provider (tests/oidc/: package.json pins it,
  provider.mjs configures it), installed by tests/oidc/install.sh into a cache dir outside the
  source tree and started with node on a free loopback port (issuer http://127.0.0.1:PORT).
  Its clients: usher-basic (client_secret_basic), usher-post (client_secret_post), usher-es256
  (ES256 ID tokens). Its test-only control API (/__test/...) sets accounts' claims and breaks
  the next ID token, userinfo or any answer on request; see provider.mjs. A missing node or
  npm is a failure, never a skip: scripts/deps.sh installs them.
- The pool runs with the OIDC environment (OPENID_PROVIDER_URL = the discovery URL,
  OAUTH_CLIENT_ID/SECRET, ENABLE_OAUTH_SIGNUP, ...): the `oidc_env` fixture of each test
  module puts POOL_BASE + the class's OIDC_ENV in place (authlib.ensure_pool_env restarts the
  pool only when it differs) and wipes the database unless the class says KEEP_DB.
- login(): /oauth/oidc/login -> the provider's login form -> consent -> back to usher's
  callback, with a requests.Session that keeps cookies and never follows a redirect to usher
  blindly: it returns the callback's own answer for the test to check.
"""
import base64
import hashlib
import html
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

from authlib import (BASE_ENV, cookie_headers, ensure_pool_env, restart_pool_now,  # noqa: F401
                     restore_default_pool, wipe_db)
from harness import HTTP_TIMEOUT, REPO, free_port

OIDC_DIR = REPO / "tests" / "oidc"
CALLBACK = "/oauth/oidc/callback"
LOGIN = "/oauth/oidc/login"
PROVIDER_NAME = "Test IdP"
# The texts the callback's error carries (openwebui-users.md §0, verbatim)
from authlib import ACCESS_PROHIBITED, EMAIL_TAKEN, INVALID_CRED  # noqa: E402,F401


def b64url_json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def jwt_parts(token):
    h, p = token.split(".")[:2]
    return b64url_json(h), b64url_json(p)


# ---------------------------------------------------------------- the provider process
_modules = []


def node_modules():
    """tests/oidc/install.sh once per run: the cached node_modules dir."""
    if not _modules:
        r = subprocess.run([str(OIDC_DIR / "install.sh")], capture_output=True, text=True,
                           timeout=600)
        assert r.returncode == 0, f"tests/oidc/install.sh failed:\n{r.stdout}{r.stderr}"
        _modules.append(r.stdout.strip().splitlines()[-1])
    return _modules[0]


class Provider:
    """One oidc-provider process on a free loopback port."""

    def __init__(self, stack, port=None):
        self.stack = stack
        self.port = port or free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.discovery = self.issuer + "/.well-known/openid-configuration"
        self.proc = None
        self.clients = {}
        self.log = Path(stack.dir) / f"oidc-provider-{self.port}.log"

    def start(self):
        base = self.stack.base_url
        cmd = ["node", str(OIDC_DIR / "provider.mjs"), "--modules", node_modules(),
               "--port", str(self.port),
               "--redirect-uri", base + CALLBACK,
               "--redirect-uri", base + "/oauth/oidc/login/callback",
               "--backchannel-logout-uri", base + "/oauth/backchannel-logout",
               "--post-logout-redirect-uri", base + "/auth"]
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.logf)
        line = [None]

        def read():
            line[0] = self.proc.stdout.readline()
        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(60)
        if not line[0]:
            self.stop()
            pytest.fail(f"the OIDC provider did not start; its log:\n{self.log.read_text()}")
        info = json.loads(line[0])
        assert info["issuer"] == self.issuer
        self.clients = info["clients"]
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.resume()
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "logf", None):
            self.logf.close()

    def pause(self):
        """SIGSTOP: connections are accepted by the kernel but nothing answers."""
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGCONT)

    # ---- the test-only control API
    def control(self, path, body=None):
        r = requests.post(self.issuer + "/__test/" + path, json=body or {}, timeout=HTTP_TIMEOUT)
        assert r.status_code == 200, r.text
        return r.json()

    def counts(self):
        return requests.get(self.issuer + "/__test/counts", timeout=HTTP_TIMEOUT).json()

    def last_token(self):
        """The last answer of the provider's token endpoint (access_token, id_token, ...)."""
        return requests.get(self.issuer + "/__test/last-token", timeout=HTTP_TIMEOUT).json()

    def rp_tokens(self, account, client="usher-basic", scope="openid email profile"):
        """A code flow of the test's own with the client's credentials (its own PKCE, never
        touching usher): the token answer, for tests that need an access token of an account."""
        disc = requests.get(self.discovery, timeout=HTTP_TIMEOUT).json()
        verifier = base64.urlsafe_b64encode(os.urandom(40)).rstrip(b"=").decode()
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        redirect = self.stack.base_url + CALLBACK
        q = {"response_type": "code", "client_id": client, "redirect_uri": redirect,
             "scope": scope, "state": "rp" + os.urandom(16).hex(), "nonce": os.urandom(16).hex(),
             "code_challenge": challenge, "code_challenge_method": "S256"}
        back = through_provider(self, requests.Session(),
                                disc["authorization_endpoint"] + "?" + urllib.parse.urlencode(q),
                                account)
        code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))["code"]
        r = requests.post(disc["token_endpoint"], auth=(client, self.clients[client]),
                          data={"grant_type": "authorization_code", "code": code,
                                "redirect_uri": redirect, "code_verifier": verifier},
                          timeout=HTTP_TIMEOUT)
        assert r.status_code == 200, r.text
        return r.json()

    def reset(self):
        self.control("reset")

    def set_account(self, login, **claims):
        """The claims of the account that signs in with `login` (sub defaults to login)."""
        self.control("accounts", {login: claims})

    def next_id_token(self, **plan):
        """Changes the next ID token the token endpoint answers: sign=good|foreign-same-kid|
        foreign-new-kid|none|hs256-pubkey|ps256, set={claims}, unset=[names],
        shift={claim: seconds}."""
        self.control("next-id-token", plan)

    def next_userinfo(self, **plan):
        self.control("next-userinfo", plan)

    def next_response(self, route, **plan):
        self.control("next-response", dict(plan, route=route))

    def env(self, client="usher-basic", **extra):
        """The pool's environment for this provider and client."""
        e = {"OPENID_PROVIDER_URL": self.discovery, "OAUTH_CLIENT_ID": client,
             "OAUTH_CLIENT_SECRET": self.clients[client], "ENABLE_OAUTH_SIGNUP": "true",
             "OAUTH_PROVIDER_NAME": PROVIDER_NAME}
        if client == "usher-post":
            e["OAUTH_TOKEN_ENDPOINT_AUTH_METHOD"] = "client_secret_post"
        e.update({k: str(v) for k, v in extra.items()})
        return e


# ---------------------------------------------------------------- the browser-like walk
FORM_RE = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>(.*?)</form>', re.S | re.I)
INPUT_RE = re.compile(r'<input([^>]*)>', re.I)
ATTR_RE = re.compile(r'(\w+)="([^"]*)"')


def _form(page):
    m = FORM_RE.search(page)
    assert m, "no form on the provider's page:\n" + page[:2000]
    fields = {}
    for attrs in INPUT_RE.findall(m.group(2)):
        a = dict(ATTR_RE.findall(attrs))
        if "name" in a:
            fields[a["name"]] = html.unescape(a.get("value", ""))
    return html.unescape(m.group(1)), fields


class Walk:
    """What one login walk saw: the authorization request and the callback URL."""
    authorize = None        # the full authorization URL usher redirected to
    params = None           # its query, as a dict
    login_answer = None     # usher's answer to /oauth/oidc/login
    callback_url = None     # where the provider sends the browser back (code, state, iss)
    callback = None         # usher's answer to the callback (None when not called)


def start(stack, session, next_path=None, path=LOGIN):
    """GET /oauth/oidc/login (?next=): usher's answer."""
    params = {"next": next_path} if next_path is not None else None
    return session.get(stack.url(path), params=params, allow_redirects=False,
                       timeout=HTTP_TIMEOUT)


def through_provider(provider, session, url, account, password="any-password",
                     consent=True):
    """Follows the provider's redirects and fills its login and consent forms until it sends
    the browser elsewhere; returns that URL (usher's callback with code or error)."""
    for _ in range(20):
        if not url.startswith(provider.issuer):
            return url
        r = session.get(url, allow_redirects=False, timeout=HTTP_TIMEOUT)
        if r.status_code in (302, 303, 307):
            url = urllib.parse.urljoin(url, r.headers["Location"])
            continue
        assert r.status_code == 200, f"provider {url}: {r.status_code} {r.text[:1000]}"
        action, fields = _form(r.text)
        if fields.get("prompt") == "login":
            fields.update(login=account, password=password)
        elif fields.get("prompt") == "consent" and not consent:
            r = session.get(urllib.parse.urljoin(url, action.rstrip("/") + "/abort"),
                            allow_redirects=False,
                            timeout=HTTP_TIMEOUT)
            url = urllib.parse.urljoin(url, r.headers["Location"])
            continue
        r = session.post(urllib.parse.urljoin(url, action), data=fields,
                         allow_redirects=False, timeout=HTTP_TIMEOUT)
        assert r.status_code in (302, 303), f"provider form {action}: {r.status_code} {r.text[:1000]}"
        url = urllib.parse.urljoin(url, r.headers["Location"])
    raise AssertionError("the provider kept redirecting")


def walk(stack, provider, account, session=None, next_path=None, call_back=True, **kw):
    """The whole login: usher's redirect, the provider's forms, and (unless call_back is
    false) usher's callback. Returns a Walk; session (a requests.Session) keeps the cookies."""
    s = session if session is not None else requests.Session()
    w = Walk()
    w.session = s
    w.login_answer = start(stack, s, next_path)
    assert w.login_answer.status_code in (302, 303, 307), \
        f"/oauth/oidc/login: {w.login_answer.status_code} {w.login_answer.text[:500]}"
    w.authorize = w.login_answer.headers["Location"]
    w.params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(w.authorize).query))
    w.callback_url = through_provider(provider, s, w.authorize, account, **kw)
    assert w.callback_url.startswith(stack.base_url), w.callback_url
    if call_back:
        w.callback = s.get(w.callback_url, allow_redirects=False, timeout=HTTP_TIMEOUT)
    return w


def login(stack, provider, account, session=None, next_path=None, **kw):
    """A login that must succeed: returns (walk, token)."""
    w = walk(stack, provider, account, session, next_path, **kw)
    token = assert_signed_in(stack, w.callback, next_path)
    return w, token


def error_of(r):
    """The `error` text of a redirect to .../auth?error=..., or None."""
    loc = r.headers.get("Location", "")
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
    return q.get("error")


def assert_signed_in(stack, r, next_path=None):
    """The callback's answer of a good login: a redirect to /auth (or next) with the token
    cookie; returns the token."""
    assert r.status_code in (302, 303, 307), f"callback: {r.status_code} {r.text[:500]}"
    loc = r.headers["Location"]
    want = stack.base_url + (next_path or "/auth")
    assert loc in (want, next_path or "/auth"), f"callback went to {loc}, want {want}"
    assert error_of(r) is None
    token = r.cookies.get("token")
    assert token, f"no token cookie: {r.headers.get('Set-Cookie')}"
    return token


def assert_refused(stack, r, text=INVALID_CRED):
    """A refused callback: a redirect to /auth?error=<text> (or /usher/login), no token
    cookie, never a 5xx."""
    assert r.status_code in (302, 303, 307), f"callback: {r.status_code} {r.text[:500]}"
    loc = r.headers["Location"]
    path = urllib.parse.urlsplit(loc).path
    assert path in ("/auth", "/usher/login"), loc
    if text is not None:
        assert error_of(r) == text, f"error {error_of(r)!r}, want {text!r}"
    set_token = [h for h in cookie_headers(r, "token") if "Max-Age=0" not in h]
    assert not set_token, set_token
    assert not r.cookies.get("oauth_session_id")


def user_rows(stack):
    return stack.sql("SELECT id, email, role, name, oauth FROM `user` ORDER BY created_at, email")


def session_rows(stack):
    return int(stack.sql("SELECT COUNT(*) FROM oauth_session")[0][0])


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def provider(stack):
    p = Provider(stack).start()
    yield p
    p.stop()


@pytest.fixture(scope="module")
def oidc_module(stack, provider):
    yield
    restore_default_pool(stack)


@pytest.fixture(autouse=True)
def oidc_env(request, stack, provider, oidc_module):
    """Per test: the pool with the provider's environment plus the class's OIDC_ENV (a dict,
    or a callable of the provider giving one), and a fresh database unless KEEP_DB."""
    cls = request.cls
    extra = getattr(cls, "OIDC_ENV", None) if cls else None
    if callable(extra):
        extra = extra(provider)
    client = getattr(cls, "CLIENT", "usher-basic") if cls else "usher-basic"
    provider.resume()
    provider.reset()
    ensure_pool_env(stack, provider.env(client, **(extra or {})))
    if not (cls and getattr(cls, "KEEP_DB", False)):
        wipe_db(stack)
    yield


@pytest.fixture
def new_caches(stack, oidc_env):
    """The pool restarted before and after the test: its discovery and JWKS caches (and the
    rate limit of JWKS refetches) start empty, and whatever the test left in them is gone."""
    restart_pool_now(stack)
    yield
    restart_pool_now(stack)


def fresh_session():
    return requests.Session()


def now():
    return int(time.time())
