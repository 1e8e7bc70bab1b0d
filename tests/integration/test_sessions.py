"""Sessions and authentication across the pool: who may call which auths route (a matrix of
callers x routes against the access levels), tokens made elsewhere (Open WebUI, forgers),
revocation seen by every worker, races, the sign-in rate limit, request bodies in every
encoding, trusted-header and no-auth modes, last_active_at, and CSRF for browser forms
(contract §0 roles, §3, §7.3-7.4; deltas §4; usher's differences #1, #3, #4, #7).
"""
import concurrent.futures
import hashlib
import hmac
import json
import threading
import time
import uuid
import warnings

import requests

import pytest

from harness import TIME_SCALE, wait_for

# Open WebUI's bcrypt hashes are made with the standard library's crypt (libxcrypt), as
# Python 3.11 still has it; where it is gone the test that needs it is skipped.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import crypt
    except ImportError:
        crypt = None

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, ACTION_PROHIBITED, AUTHS, EMAIL_TAKEN, EXISTING_USERS, INVALID_CRED,
    INVALID_TOKEN, INVALID_TOKEN_SHORT, INVALID_TRUSTED_HEADER, ME, NOT_AUTHENTICATED, PASSWORD,
    RATE_LIMIT_EXCEEDED, SESSION_USER_KEYS, UNAUTHORIZED, USER_MISMATCH, Client, add_user,
    admin_config, auth_env, auth_module, b64url, b64url_decode, cookie_headers, detail,
    ensure_pool_env, expect, first_admin, jwt_claims, jwt_encode, make_group, openwebui_token,
    restart_pool_now, row_counts, server_secret, set_admin_config, signin, signin_client, signup, sql_one,
    sql_quote, unique_email, wipe_db,
)


def parallel(fn, args_list, workers=8):
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, args_list))


def user_count(stack):
    return int(sql_one(stack, "SELECT COUNT(*) FROM `user`"))


# ================================================================ the access matrix
# Every auths route with its access level (contract §1b; deltas §1) and what a caller that
# passes the level gets for an empty JSON body: the handler runs, so the answer is the
# handler's own (validation 422, a permission 403, ...), never an authentication 401.
# Sign-out is public but revokes what it is given: it has tests of its own.
ROUTES = [
    ("GET", "", "any", 200),
    ("POST", "update/timezone", "any", 422),
    ("POST", "update/password", "any", 422),
    ("GET", "admin/details", "any", 200),
    ("POST", "api_key", "any", {"admin": 200, "user": 403, "pending": 403}),
    ("GET", "api_key", "any", {"admin": (200, 404), "user": 403, "pending": 403}),
    ("DELETE", "api_key", "any", {"admin": 200, "user": 403, "pending": 403}),
    ("POST", "update/profile", "verified", 422),
    ("DELETE", "oauth/sessions/google", "verified", 404),
    ("POST", "add", "admin", 422),
    ("GET", "admin/config", "admin", 200),
    ("POST", "admin/config", "admin", 422),
    ("GET", "admin/config/ldap", "admin", 200),
    ("POST", "admin/config/ldap", "admin", 200),
    ("GET", "admin/config/ldap/server", "admin", 200),
    ("POST", "admin/config/ldap/server", "admin", 422),
    ("GET", "admin/config/oauth", "admin", 200),
    ("POST", "admin/config/oauth", "admin", 200),
    ("POST", "signin", "public", 422),
    ("POST", "signup", "public", 422),
    ("POST", "ldap", "public", 422),
    ("POST", "oauth/google/token/exchange", "public", 403),
]

# caller -> the role it authenticates as, or the 401 text it must get
CALLERS = {
    "anonymous": NOT_AUTHENTICATED,
    "pending": "pending",
    "user": "user",
    "user-cookie": "user",
    "admin": "admin",
    "admin-cookie": "admin",
    "api-key": "admin",
    "api-key-header": "admin",
    "revoked": INVALID_TOKEN_SHORT,
    "expired": UNAUTHORIZED,
    "forged": UNAUTHORIZED,
    "alg-none": UNAUTHORIZED,
    "wrong-alg": UNAUTHORIZED,
    "garbage": UNAUTHORIZED,
    "deleted-user": INVALID_TOKEN,
    "unknown-key": INVALID_TOKEN,
}


class Callers:
    """One of each caller, built once on a fresh database for the whole matrix."""

    def __init__(self, stack):
        self.stack = stack
        wipe_db(stack)
        admin = first_admin(stack)
        set_admin_config(admin, ENABLE_API_KEYS=True)
        self.admin = admin
        self.key_owner = add_user(admin, role="admin")
        self.key = None
        user = add_user(admin, role="user")
        now = int(time.time())
        secret = server_secret(stack)
        good = {"id": admin.id, "jti": str(uuid.uuid4()), "iat": now, "exp": now + 3600}
        revoked = signin_client(stack, user.email)
        expect(revoked.post("signout"), 200)
        gone = add_user(admin, role="user")
        stack.sql(f"DELETE FROM `user` WHERE id = '{gone.id}'")
        self.fixed = {
            "anonymous": Client(stack, None, "none"),
            "pending": add_user(admin, role="pending"),
            "user": user,
            "user-cookie": user.as_("cookie"),
            "admin": admin,
            "admin-cookie": admin.as_("cookie"),
            "revoked": revoked,
            "expired": Client(stack, jwt_encode(dict(good, iat=now - 7200, exp=now - 3600), secret)),
            "forged": Client(stack, jwt_encode(good, b"not-the-secret")),
            "alg-none": Client(stack, jwt_encode(good, None, alg="none")),
            "wrong-alg": Client(stack, self._hs512(good, secret)),
            "garbage": Client(stack, "definitely-not-a-jwt"),
            "deleted-user": gone,
            "unknown-key": Client(stack, "sk-" + "f" * 32),
        }

    @staticmethod
    def _hs512(claims, secret):
        head = b64url(json.dumps({"alg": "HS512", "typ": "JWT"}).encode())
        body = b64url(json.dumps(claims).encode())
        sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha512).digest()
        return f"{head}.{body}.{b64url(sig)}"

    def client(self, name):
        if name.startswith("api-key"):
            # the matrix itself regenerates and deletes this key: make sure it exists
            digest = hashlib.sha256(self.key.encode()).hexdigest() if self.key else ""
            if not self.key or sql_one(self.stack, "SELECT COUNT(*) FROM api_key WHERE "
                                                   f"key_digest = '{digest}'") != "1":
                self.key = expect(self.key_owner.post("api_key"), 200)["api_key"]
            return Client(self.stack, self.key, "bearer" if name == "api-key" else "x-api-key")
        return self.fixed[name]


@pytest.fixture(scope="class")
def callers(stack, auth_module):
    ensure_pool_env(stack)
    return Callers(stack)


class TestAccessMatrix:
    KEEP_DB = True

    @pytest.mark.parametrize("caller", list(CALLERS))
    @pytest.mark.parametrize("method,path,level,ok", ROUTES,
                             ids=[f"{m} {p or '/'}" for m, p, _, _ in ROUTES])
    def test_route_access(self, stack, callers, caller, method, path, level, ok):
        c = callers.client(caller)
        kw = {"json": {}} if method == "POST" else {}
        r = c.request(method, AUTHS + "/" + path, **kw)
        outcome = CALLERS[caller]
        role = outcome if outcome in ("pending", "user", "admin") else None
        if level == "public":
            expect(r, ok)
            return
        if role is None:
            expect(r, 401, outcome)
            return
        if (level == "verified" and role == "pending") or (level == "admin" and role != "admin"):
            expect(r, 401, ACCESS_PROHIBITED)
            return
        want = ok[role] if isinstance(ok, dict) else ok
        want = want if isinstance(want, tuple) else (want,)
        assert r.status_code in want, f"{method} {path} as {caller}: {r.status_code} {r.text[:300]}"


# ================================================================ tokens from elsewhere

def test_openwebui_signed_tokens_are_accepted(stack):
    admin = first_admin(stack)
    for kind in ({}, {"iat": False}, {"exp_in": None}, {"iat": False, "exp_in": None, "jti": False}):
        token = openwebui_token(stack, admin.id, **kind)
        r = Client(stack, token).get(ME)
        u = expect(r, 200)
        assert u["id"] == admin.id and u["token"] == token, kind
        assert u["expires_at"] == jwt_claims(token).get("exp"), kind
        assert cookie_headers(r, "token")[0].startswith("token=" + token + ";")


def test_fresh_openwebui_tokens_across_second_boundaries(stack):
    # A token signed this very second (iat = now, from a precise clock, as PyJWT does) is
    # good at once, also in the first milliseconds of a second, where a server that reads a
    # coarse clock still sees the previous second and calls the iat "in the future".
    admin = first_admin(stack)
    secret = server_secret(stack)
    session = requests.Session()
    bad = []
    n = 0
    for _ in range(3):
        # from 20 ms before a second boundary to 80 ms after it
        time.sleep(max(0.0, 0.98 - time.time() % 1))
        boundary = int(time.time()) + 1
        while time.time() < boundary + 0.08:
            now = int(time.time())
            token = jwt_encode({"id": admin.id, "jti": str(uuid.uuid4()), "iat": now,
                                "exp": now + 60}, secret)
            r = session.get(stack.url(ME), headers={"Authorization": "Bearer " + token}, timeout=15)
            n += 1
            if r.status_code != 200:
                bad.append((round(time.time() % 1, 4), r.status_code, detail(r)))
    assert not bad, f"{len(bad)} of {n} refused: {bad[:5]}"


def test_usher_tokens_verify_as_pyjwt_would(stack):
    admin = first_admin(stack)
    head, body, sig = admin.token.split(".")
    assert json.loads(b64url_decode(head)) == {"alg": "HS256", "typ": "JWT"}
    want = hmac.new(server_secret(stack), f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert b64url_decode(sig) == want
    claims = jwt_claims(admin.token)
    assert set(claims) == {"id", "jti", "iat", "exp"}
    assert uuid.UUID(claims["jti"])
    assert claims["iat"] <= time.time()


def test_bad_tokens(stack):
    admin = first_admin(stack)
    secret = server_secret(stack)
    now = int(time.time())
    cases = {
        "future iat": ({"id": admin.id, "jti": "j", "iat": now + 600, "exp": now + 3600}, UNAUTHORIZED),
        "no id": ({"jti": "j", "iat": now, "exp": now + 3600}, UNAUTHORIZED),
        "numeric id": ({"id": 7, "iat": now, "exp": now + 3600}, UNAUTHORIZED),
        "string exp": ({"id": admin.id, "exp": "tomorrow"}, UNAUTHORIZED),
        "unknown user": ({"id": str(uuid.uuid4()), "jti": "j", "exp": now + 60}, INVALID_TOKEN),
    }
    for name, (claims, text) in cases.items():
        r = Client(stack, jwt_encode(claims, secret)).get(ME)
        assert (r.status_code, detail(r)) == (401, text), name
    # a failed token expires the cookie that carried it
    r = Client(stack, jwt_encode(cases["no id"][0], secret), "cookie").get(ME)
    expect(r, 401, UNAUTHORIZED)
    assert any("Max-Age=0" in h for h in cookie_headers(r, "token"))
    # a token that was good one second ago
    expired = jwt_encode({"id": admin.id, "jti": "j", "iat": now - 10, "exp": now - 1}, secret)
    expect(Client(stack, expired).get(ME), 401, UNAUTHORIZED)


def test_password_change_rejects_older_openwebui_tokens(stack):
    admin = first_admin(stack)
    before_no_iat = openwebui_token(stack, admin.id, iat=False)
    before = openwebui_token(stack, admin.id)
    r = admin.post("update/password", json={"password": PASSWORD, "new_password": "Next-pw9!"})
    assert expect(r, 200) is True
    expect(Client(stack, before).get(ME), 401, INVALID_TOKEN_SHORT)
    expect(Client(stack, before_no_iat).get(ME), 401, INVALID_TOKEN_SHORT)


def test_signout_is_seen_by_every_worker(stack):
    admin = first_admin(stack)
    c = signin_client(stack, admin.email)
    # concurrent rounds, so every worker of the pool answers some of them
    statuses = parallel(lambda _: c.get(ME).status_code, range(24))
    assert statuses == [200] * 24
    r = c.as_("cookie").post("signout", headers={"Content-Type": "application/json"})
    assert expect(r, 200) == {"status": True}
    answers = parallel(lambda _: (lambda r: (r.status_code, detail(r)))(c.get(ME)), range(24))
    assert answers == [(401, INVALID_TOKEN_SHORT)] * 24
    for _ in range(10):
        expect(c.as_("cookie").get(ME), 401, INVALID_TOKEN_SHORT)
    expect(admin.get(ME), 200)


def test_credential_order(stack):
    # deltas §4.1: Bearer, then the token cookie, then any other "scheme value"
    # Authorization header, then the API-key header (which may carry a JWT too)
    admin = first_admin(stack)
    other = add_user(admin, role="user")
    who = lambda r: expect(r, 200)["id"]  # noqa: E731
    assert who(stack.get(ME, headers={"x-api-key": other.token})) == other.id
    assert who(stack.get(ME, headers={"Authorization": "Token " + other.token})) == other.id
    assert who(stack.get(ME, headers={"Authorization": "Token " + other.token},
                         cookies={"token": admin.token})) == admin.id
    assert who(stack.get(ME, headers={"Authorization": "bearer " + other.token},
                         cookies={"token": admin.token})) == other.id
    assert who(stack.get(ME, headers={"x-api-key": other.token},
                         cookies={"token": admin.token})) == admin.id
    # a bad Bearer token is not rescued by a good cookie
    r = stack.get(ME, headers={"Authorization": "Bearer nonsense"}, cookies={"token": admin.token})
    expect(r, 401, UNAUTHORIZED)
    expect(stack.get(ME, headers={"Authorization": "Bearer"}), 401, NOT_AUTHENTICATED)


def test_deleted_user_token(stack):
    admin = first_admin(stack)
    other = add_user(admin, role="admin")
    stack.sql(f"DELETE FROM `user` WHERE id = '{other.id}'")
    expect(other.get(ME), 401, INVALID_TOKEN)
    expect(other.as_("cookie").get(ME), 401, INVALID_TOKEN)


# ================================================================ races

@pytest.mark.parametrize("round_", range(3))
def test_concurrent_first_signups_make_one_admin(stack, round_):
    emails = [unique_email("racer") for _ in range(6)]
    barrier = threading.Barrier(len(emails))

    def go(email):
        barrier.wait()
        return signup(stack, email)
    results = parallel(go, emails, workers=len(emails))
    roles = [r.json()["role"] for r in results if r.status_code == 200]
    others = [(r.status_code, detail(r)) for r in results if r.status_code != 200]
    assert roles.count("admin") == 1, [r.text for r in results]
    assert set(roles) <= {"admin", "pending"}
    assert all(o == (403, ACCESS_PROHIBITED) for o in others), others
    assert sql_one(stack, "SELECT COUNT(*) FROM `user` WHERE role = 'admin'") == "1"
    assert user_count(stack) == len(roles)
    # the first sign-up closed sign-up inside the same lock: the racers behind it are refused
    assert roles == ["admin"], roles
    admin = next(Client(stack, r.json()["token"]) for r in results
                 if r.status_code == 200 and r.json()["role"] == "admin")
    assert admin_config(admin)["ENABLE_SIGNUP"] is False


def test_concurrent_signups_with_one_email(stack):
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_SIGNUP=True)
    barrier = threading.Barrier(6)
    email = unique_email("dup")

    def go(i):
        barrier.wait()
        return signup(stack, email.upper() if i % 2 else email)
    results = parallel(go, range(6), workers=6)
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 400, 400, 400, 400, 400], [r.text for r in results]
    assert all(detail(r) == EMAIL_TAKEN for r in results if r.status_code == 400)
    assert sql_one(stack, f"SELECT COUNT(*) FROM `user` WHERE email = '{email}'") == "1"


# ================================================================ Open WebUI password hashes

def insert_openwebui_user(stack, email, hash_, role="user", active=1):
    uid = str(uuid.uuid4())
    now = int(time.time())
    stack.sql("INSERT INTO `user` (id, email, role, name, profile_image_url, last_active_at, "
              f"updated_at, created_at) VALUES ('{uid}', {sql_quote(email)}, '{role}', 'Imported', "
              f"'/user.png', {now}, {now}, {now}); INSERT INTO auth (id, email, password, active) "
              f"VALUES ('{uid}', {sql_quote(email)}, {sql_quote(hash_)}, {active})")
    return uid


@pytest.mark.skipif(crypt is None, reason="no crypt module to make a bcrypt hash with")
def test_openwebui_bcrypt_hashes_are_accepted(stack):
    first_admin(stack)
    h = crypt.crypt("owui-pass", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=4096))
    assert h.startswith("$2b$12$")
    for prefix in ("$2b$", "$2y$", "$2a$"):
        email = unique_email("owui")
        uid = insert_openwebui_user(stack, email, prefix + h[4:])
        u = expect(signin(stack, email.upper(), "owui-pass"), 200)
        assert u["id"] == uid and u["role"] == "user"
        expect(signin(stack, email, "owui-pass!"), 400, INVALID_CRED)
    # sign-in cuts the password to 72 bytes, dropping a UTF-8 sequence split by the cut
    email = unique_email("cut")
    insert_openwebui_user(stack, email, crypt.crypt("a" * 71, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))
    expect(signin(stack, email, "a" * 71 + "é"), 200)
    expect(signin(stack, email, "a" * 71 + "éé"), 200)
    expect(signin(stack, email, "a" * 71 + "b"), 400, INVALID_CRED)
    # an inactive credential row signs in nobody
    email = unique_email("inactive")
    insert_openwebui_user(stack, email, h, active=0)
    expect(signin(stack, email, "owui-pass"), 400, INVALID_CRED)
    # a hash usher cannot read is a wrong password, not a crash
    email = unique_email("broken")
    insert_openwebui_user(stack, email, "$2b$12$short")
    expect(signin(stack, email, "owui-pass"), 400, INVALID_CRED)


# ================================================================ the sign-in rate limit

def test_sixteenth_signin_is_rate_limited_across_workers(stack):
    admin = first_admin(stack, "limited@example.com")
    # 15 attempts at once, spread over the pool's workers
    results = parallel(lambda _: signin(stack, "limited@example.com", "wrong"), range(15))
    assert [(r.status_code, detail(r)) for r in results] == [(400, INVALID_CRED)] * 15
    r = signin(stack, "LIMITED@example.com", PASSWORD)       # the right password, another case
    expect(r, 429, RATE_LIMIT_EXCEEDED)
    assert not cookie_headers(r, "token")
    for _ in range(4):
        expect(signin(stack, "limited@example.com", PASSWORD), 429, RATE_LIMIT_EXCEEDED)
    # another address is not affected; the existing session neither
    other = add_user(admin, role="user")
    expect(signin(stack, other.email), 200)
    expect(admin.get(ME), 200)


# ================================================================ request bodies

def post_as(stack, path, fields, encoding, **kw):
    if encoding == "json":
        return stack.post(path, json=fields, **kw)
    if encoding == "urlencoded":
        return stack.post(path, data=fields, **kw)
    return stack.post(path, files={k: (None, v) for k, v in fields.items()}, **kw)


@pytest.mark.parametrize("encoding", ["json", "urlencoded", "multipart"])
def test_signup_and_signin_in_every_body_encoding(stack, encoding):
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_SIGNUP=True)
    email = unique_email(encoding)
    r = post_as(stack, AUTHS + "/signup", {"name": "Enc Ödön", "email": email.upper(),
                                           "password": PASSWORD}, encoding)
    u = expect(r, 200)
    assert set(u) == SESSION_USER_KEYS
    assert (u["email"], u["name"], u["role"]) == (email, "Enc Ödön", "pending")
    assert cookie_headers(r, "token")
    r = post_as(stack, AUTHS + "/signin", {"email": email, "password": PASSWORD}, encoding)
    assert expect(r, 200)["id"] == u["id"]
    r = post_as(stack, AUTHS + "/signin", {"email": email, "password": "nope"}, encoding)
    expect(r, 400, INVALID_CRED)
    r = post_as(stack, AUTHS + "/signin", {"email": email}, encoding)
    assert expect(r, 422)["detail"][0]["loc"] == ["body", "password"]
    r = post_as(stack, AUTHS + "/signup", {"name": "X", "email": email, "password": PASSWORD}, encoding)
    expect(r, 400, EMAIL_TAKEN)
    assert user_count(stack) == 2


def test_unknown_fields_are_ignored_as_pydantic_does(stack):
    # Open WebUI's forms are plain pydantic models: scripts that send more still work
    admin = first_admin(stack)
    r = stack.post(AUTHS + "/signin", json={"email": admin.email, "password": PASSWORD, "remember": True})
    assert expect(r, 200)["id"] == admin.id
    r = admin.post("update/timezone", json={"timezone": "Europe/Paris", "extra": [1, 2]})
    expect(r, 200)


def test_bad_bodies_change_nothing(stack):
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_SIGNUP=True)
    before = row_counts(stack)
    email = unique_email("bad")
    good = json.dumps({"name": "N", "email": email, "password": PASSWORD})
    js = {"Content-Type": "application/json"}
    bodies = [
        # over 1 MiB: refused before anything is parsed
        ("json", json.dumps({"name": "N" * (1024 * 1024 + 100), "email": email, "password": "p"}).encode(), js),
        ("truncated json", good[:-5].encode(), js),
        ("not an object", b"[1, 2, 3]", js),
        ("trailing garbage", good.encode() + b"xyz", js),
        ("nul in string", good.replace('"N"', '"N\\u0000x"').encode(), js),
        ("bad utf-8 in json", good.replace('"N"', '"N\xff"').encode("latin-1"), js),
        ("overlong utf-8", good.encode().replace(b'"N"', b'"N\xc0\xaf"'), js),
        ("bad utf-8 urlencoded", f"name=%FF%FE&email={email}&password=x".encode(),
         {"Content-Type": "application/x-www-form-urlencoded"}),
        ("bad percent escape", f"name=%zz&email={email}&password=x".encode(),
         {"Content-Type": "application/x-www-form-urlencoded"}),
        ("unterminated multipart", b"--B\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nN\r\n",
         {"Content-Type": "multipart/form-data; boundary=B"}),
        ("multipart without boundary", b"--B\r\n\r\n--B--\r\n", {"Content-Type": "multipart/form-data"}),
        ("name too long", json.dumps({"name": "N" * 300, "email": email, "password": "p"}).encode(), js),
    ]
    for name, body, headers in bodies:
        r = stack.post(AUTHS + "/signup", data=body, headers=headers)
        assert 400 <= r.status_code < 500, f"{name}: {r.status_code} {r.text[:200]}"
        assert r.headers["Content-Type"].startswith("application/json"), name
        assert row_counts(stack) == before, name
    # and after all that, the same signup goes through
    expect(stack.post(AUTHS + "/signup", data=good, headers=js), 200)


def test_sql_metacharacters_are_stored_literally(stack):
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_SIGNUP=True)
    name = "Robert'); DROP TABLE `user`;-- \\ \" % _ \N{SNOWMAN}"
    email = "o'hara+%_x\\y@example.com"
    u = expect(signup(stack, email, name=name), 200)
    assert (u["email"], u["name"]) == (email, name)
    row = stack.sql(f"SELECT HEX(email), HEX(name) FROM `user` WHERE id = '{u['id']}'")[0]
    assert bytes.fromhex(row[0]).decode() == email and bytes.fromhex(row[1]).decode() == name
    assert expect(signin(stack, email), 200)["id"] == u["id"]
    # % and _ are no wildcards: a look-alike address is someone else
    expect(signin(stack, "o'hara+ab_x\\y@example.com"), 400, INVALID_CRED)
    expect(signin(stack, "o'hara+%%x\\y@example.com"), 400, INVALID_CRED)
    assert user_count(stack) == 2


# ================================================================ trusted header auth

class TestTrustedHeader:
    POOL_ENV = {"WEBUI_AUTH_TRUSTED_EMAIL_HEADER": "X-User-Email",
                "WEBUI_AUTH_TRUSTED_NAME_HEADER": "X-User-Name",
                "WEBUI_AUTH_TRUSTED_GROUPS_HEADER": "X-User-Groups",
                "WEBUI_AUTH_TRUSTED_ROLE_HEADER": "X-User-Role"}
    BODY = {"email": "ignored@example.com", "password": "ignored"}

    def sso(self, stack, headers):
        return stack.post(AUTHS + "/signin", json=self.BODY, headers=headers)

    def members(self, stack, uid):
        rows = stack.sql("SELECT g.name FROM group_member m JOIN `group` g ON g.id = m.group_id "
                         f"WHERE m.user_id = '{uid}' ORDER BY g.name")
        return [r[0] for r in rows]

    def test_missing_header(self, stack):
        expect(self.sso(stack, {}), 400, INVALID_TRUSTED_HEADER)
        expect(self.sso(stack, {"X-User-Email": ""}), 400, INVALID_TRUSTED_HEADER)
        assert user_count(stack) == 0

    def open_signup(self, stack):
        # by hand, as an operator would: the version tells every worker to read it again
        stack.sql("UPDATE config SET value = 'true' WHERE `key` = 'ui.enable_signup'; "
                  "UPDATE config SET value = value + 1 WHERE `key` = 'usher.settings_version'")

    def test_auto_created_users(self, stack):
        r = self.sso(stack, {"X-User-Email": "Boss@Example.com",
                             "X-User-Name": "J%C3%BCrgen%20M%C3%BCller"})
        boss = expect(r, 200)
        self.open_signup(stack)
        assert (boss["email"], boss["name"], boss["role"]) == ("boss@example.com", "Jürgen Müller", "admin")
        assert cookie_headers(r, "token")
        # the same person again: the same account
        assert expect(self.sso(stack, {"X-User-Email": "boss@example.com"}), 200)["id"] == boss["id"]
        # the next one gets the default role; without a name header the name is the address
        eve = expect(self.sso(stack, {"X-User-Email": "eve@example.com"}), 200)
        assert (eve["name"], eve["role"]) == ("eve@example.com", "pending")
        assert user_count(stack) == 2
        # the password the account got is random: the body's password signs in nobody
        assert sql_one(stack, f"SELECT LENGTH(password) > 50 FROM auth WHERE id = '{eve['id']}'") == "1"

    def test_closed_signup_stops_new_accounts(self, stack):
        # the reference creates SSO accounts through signup(), whose gate applies
        expect(self.sso(stack, {"X-User-Email": "admin@example.com"}), 200)
        expect(self.sso(stack, {"X-User-Email": "newbie@example.com"}), 403, ACCESS_PROHIBITED)
        assert user_count(stack) == 1
        expect(self.sso(stack, {"X-User-Email": "admin@example.com"}), 200)   # known: fine

    def test_role_header_change_ends_older_sessions(self, stack):
        expect(self.sso(stack, {"X-User-Email": "admin@example.com"}), 200)
        self.open_signup(stack)
        h = {"X-User-Email": "dev@example.com"}
        old = Client(stack, expect(self.sso(stack, h), 200)["token"])
        expect(old.get(ME), 200)
        new = Client(stack, expect(self.sso(stack, dict(h, **{"X-User-Role": "admin"})), 200)["token"])
        expect(old.get(ME), 401, "Invalid token")
        assert expect(new.get(ME), 200)["role"] == "admin"
        # signing in again with the same role changes nothing and revives nothing
        expect(self.sso(stack, dict(h, **{"X-User-Role": "admin"})), 200)
        expect(old.get(ME), 401, "Invalid token")
        expect(new.get(ME), 200)

    def test_groups_and_role_headers(self, stack):
        expect(self.sso(stack, {"X-User-Email": "admin@example.com"}), 200)
        self.open_signup(stack)
        for g in ("eng", "ops", "sales"):
            make_group(stack, g)
        h = {"X-User-Email": "dev@example.com", "X-User-Groups": "eng, ops,missing"}
        dev = expect(self.sso(stack, h), 200)
        assert self.members(stack, dev["id"]) == ["eng", "ops"]
        assert not stack.sql("SELECT 1 FROM `group` WHERE name = 'missing'")
        expect(self.sso(stack, dict(h, **{"X-User-Groups": "sales"})), 200)
        assert self.members(stack, dev["id"]) == ["sales"]
        assert expect(self.sso(stack, dict(h, **{"X-User-Role": "user"})), 200)["role"] == "user"
        assert expect(self.sso(stack, dict(h, **{"X-User-Role": "superuser"})), 200)["role"] == "user"
        assert expect(self.sso(stack, dict(h, **{"X-User-Role": "admin"})), 200)["role"] == "admin"
        assert sql_one(stack, f"SELECT role FROM `user` WHERE id = '{dev['id']}'") == "admin"
        # the value is lowercased and stripped, as the reference does
        assert expect(self.sso(stack, dict(h, **{"X-User-Role": "USER "})), 200)["role"] == "user"
        # an empty list of names leaves the memberships alone
        for empty in ("", ", ,"):
            expect(self.sso(stack, dict(h, **{"X-User-Groups": empty})), 200)
            assert self.members(stack, dev["id"]) == ["eng", "ops"], repr(empty)

    def test_jwt_requests_must_match_the_header(self, stack):
        u = expect(self.sso(stack, {"X-User-Email": "boss@example.com"}), 200)
        c = Client(stack, u["token"])
        expect(c.get(ME, headers={"X-User-Email": "BOSS@example.com"}), 200)
        expect(c.get(ME), 200)                  # no header: nothing to compare
        expect(c.get(ME, headers={"X-User-Email": "mallory@example.com"}), 401, USER_MISMATCH)

    def test_password_change_is_refused(self, stack):
        u = expect(self.sso(stack, {"X-User-Email": "boss@example.com"}), 200)
        r = Client(stack, u["token"]).post("update/password",
                                           json={"password": "x", "new_password": "Other-pw2!"})
        expect(r, 400, ACTION_PROHIBITED)


# ================================================================ WEBUI_AUTH=false

class TestNoAuth:
    POOL_ENV = {"WEBUI_AUTH": "false"}

    def test_signin_as_the_default_admin(self, stack):
        r = stack.post(AUTHS + "/signin", json={"email": "someone@example.com", "password": "x"})
        u = expect(r, 200)
        assert (u["email"], u["name"], u["role"]) == ("admin@localhost", "User", "admin")
        again = expect(stack.post(AUTHS + "/signin", json={"email": "", "password": ""}), 200)
        assert again["id"] == u["id"]
        assert user_count(stack) == 1
        assert admin_config(Client(stack, u["token"]))["ENABLE_SIGNUP"] is False
        expect(signup(stack), 403, ACCESS_PROHIBITED)

    def test_existing_users_block_it(self, stack):
        first = expect(signup(stack), 200)      # a fresh install may still sign up once
        assert first["role"] == "admin"
        r = stack.post(AUTHS + "/signin", json={"email": first["email"], "password": PASSWORD})
        expect(r, 400, EXISTING_USERS)
        assert user_count(stack) == 1


# ================================================================ environment at worker start

class TestHeadlessAdmin:
    POOL_ENV = {"WEBUI_ADMIN_EMAIL": "Root@Example.com", "WEBUI_ADMIN_PASSWORD": "Root-pw1!",
                "WEBUI_ADMIN_NAME": "Root"}

    def test_admin_from_env_on_an_empty_database(self, stack):
        restart_pool_now(stack)                  # every worker starts on the empty database
        # a worker creates it while starting (a bcrypt hash: slow under valgrind)
        wait_for(lambda: user_count(stack) >= 1, 10 * TIME_SCALE, what="the admin from the env")
        assert user_count(stack) == 1
        u = expect(signin(stack, "root@example.com", "Root-pw1!"), 200)
        assert (u["email"], u["name"], u["role"]) == ("root@example.com", "Root", "admin")
        assert admin_config(Client(stack, u["token"]))["ENABLE_SIGNUP"] is False
        expect(signup(stack), 403, ACCESS_PROHIBITED)
        # with users present a restart changes nothing
        r = Client(stack, u["token"]).post("update/password",
                                           json={"password": "Root-pw1!", "new_password": "Changed-1!"})
        assert expect(r, 200) is True
        restart_pool_now(stack)
        assert user_count(stack) == 1
        expect(signin(stack, "root@example.com", "Changed-1!"), 200)


class TestSecretFromEnv:
    POOL_ENV = {"WEBUI_SECRET_KEY": "shared-with-open-webui"}

    def test_tokens_are_signed_with_webui_secret_key(self, stack):
        admin = first_admin(stack)
        head, body, sig = admin.token.split(".")
        want = hmac.new(b"shared-with-open-webui", f"{head}.{body}".encode(), hashlib.sha256).digest()
        assert b64url_decode(sig) == want
        now = int(time.time())
        claims = {"id": admin.id, "jti": str(uuid.uuid4()), "iat": now, "exp": now + 600}
        expect(Client(stack, jwt_encode(claims, b"shared-with-open-webui")).get(ME), 200)
        # the data-dir key file is not used while the variable is set
        expect(Client(stack, jwt_encode(claims, server_secret(stack))).get(ME), 401, UNAUTHORIZED)


# ================================================================ last_active_at

def last_active(stack, uid):
    return int(sql_one(stack, f"SELECT last_active_at FROM `user` WHERE id = '{uid}'"))


def test_last_active_at_is_throttled_by_default(stack):
    admin = first_admin(stack)
    now = int(time.time())
    stack.sql(f"UPDATE `user` SET last_active_at = {now - 5} WHERE id = '{admin.id}'")
    for _ in range(3):
        expect(admin.get(ME), 200)
    assert last_active(stack, admin.id) == now - 5     # within a minute: not written
    stack.sql(f"UPDATE `user` SET last_active_at = {now - 120} WHERE id = '{admin.id}'")
    expect(admin.get(ME), 200)
    assert abs(last_active(stack, admin.id) - time.time()) < 5


class TestActiveInterval:
    POOL_ENV = {"USHER_ACTIVE_INTERVAL": "1"}

    def test_last_active_at_refreshed(self, stack):
        admin = first_admin(stack)
        pending = add_user(admin, role="pending")
        for c in (admin, pending):
            stack.sql(f"UPDATE `user` SET last_active_at = {int(time.time()) - 2} WHERE id = '{c.id}'")
            before = int(time.time())
            expect(c.get(ME), 200)
            after = time.time()
            # bounded by the request itself, not by how long the SQL check takes to run
            assert before - 1 <= last_active(stack, c.id) <= after  # (time() may lag a tick)


# ================================================================ CSRF for browser forms

def browser_session(stack):
    admin = first_admin(stack)
    r = signin(stack, admin.email)
    u = expect(r, 200)
    csrf = cookie_headers(r, "csrf_token")[0].split(";")[0].split("=", 1)[1]
    return admin, u["token"], csrf


def timezone(stack, uid):
    return sql_one(stack, f"SELECT timezone FROM `user` WHERE id = '{uid}'")


def test_cookie_form_post_needs_csrf_token(stack):
    admin, token, csrf = browser_session(stack)
    url = AUTHS + "/update/timezone"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = stack.post(url, data={"timezone": "Asia/Tokyo"}, cookies={"token": token})
    assert r.status_code == 403, r.text
    r = stack.post(url, data={"timezone": "Asia/Tokyo"}, cookies={"token": token, "csrf_token": csrf})
    assert r.status_code == 403, r.text
    r = stack.post(url, data={"timezone": "Asia/Tokyo", "csrf_token": csrf[:-1] + ("1" if csrf[-1] == "0" else "0")},
                   cookies={"token": token, "csrf_token": csrf})
    assert r.status_code == 403, r.text
    assert timezone(stack, admin.id) == "NULL"
    r = stack.post(url, data={"timezone": "Asia/Tokyo", "csrf_token": csrf},
                   cookies={"token": token, "csrf_token": csrf})
    assert expect(r, 200) == {"status": True}
    assert timezone(stack, admin.id) == "Asia/Tokyo"
    r = stack.post(url, files={"timezone": (None, "Europe/Oslo"), "csrf_token": (None, csrf)},
                   cookies={"token": token, "csrf_token": csrf})
    assert expect(r, 200) == {"status": True}
    assert timezone(stack, admin.id) == "Europe/Oslo"
    # Bearer callers and JSON bodies need no CSRF token (a page on another site can send neither)
    expect(stack.post(url, data={"timezone": "UTC"}, headers=dict(form, Authorization="Bearer " + token)), 200)
    expect(stack.post(url, json={"timezone": "Etc/GMT"}, cookies={"token": token}), 200)
    assert timezone(stack, admin.id) == "Etc/GMT"


def test_empty_cookie_form_post_needs_csrf_token(stack):
    admin, token, csrf = browser_session(stack)
    set_admin_config(admin, ENABLE_API_KEYS=True)
    key = expect(admin.post("api_key"), 200)["api_key"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = stack.post(AUTHS + "/api_key", data=b"", headers=form, cookies={"token": token})
    assert r.status_code == 403, r.text
    assert expect(admin.get("api_key"), 200) == {"api_key": key}


def test_cookie_post_without_content_type_needs_csrf_token(stack):
    # a cross-site fetch(no-cors) can send a body without Content-Type and no preflight
    admin, token, csrf = browser_session(stack)
    url = AUTHS + "/update/timezone"
    r = stack.post(url, data=b'{"timezone": "Pacific/Fiji"}', cookies={"token": token})
    expect(r, 403, "CSRF token missing or invalid")
    assert timezone(stack, admin.id) != "Pacific/Fiji"


def test_csrf_token_is_bound_to_the_session(stack):
    # a token from another session (say, a cookie planted by a sibling site) does not pass
    admin, token, csrf = browser_session(stack)
    # a second sign-in of the same user is another session, with another CSRF token
    r = signin(stack, admin.email)
    expect(r, 200)
    other_csrf = cookie_headers(r, "csrf_token")[0].split(";")[0].split("=", 1)[1]
    assert other_csrf != csrf
    r = stack.post(AUTHS + "/update/timezone", data={"timezone": "Asia/Dubai", "csrf_token": other_csrf},
                   cookies={"token": token, "csrf_token": other_csrf})
    expect(r, 403, "CSRF token missing or invalid")


@pytest.mark.parametrize("next_,location", [
    ("/somewhere", "/somewhere"), ("/a/b?c=d", "/a/b?c=d"), ("//evil.example", "/"),
    ("https://evil.example/", "/"), ("/\\evil.example", "/"), ("", "/"), (None, "/"),
    ("/\t/evil.example/", "/"), ("/ /evil.example", "/"), ("/caf\u00e9", "/"),
])
def test_browser_form_post_redirects_to_next(stack, next_, location):
    admin, token, csrf = browser_session(stack)
    fields = {"timezone": "America/Lima", "csrf_token": csrf}
    if next_ is not None:
        fields["next"] = next_
    r = stack.post(AUTHS + "/update/timezone", data=fields, headers={"Accept": "text/html"},
                   cookies={"token": token, "csrf_token": csrf})
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == location
    assert timezone(stack, admin.id) == "America/Lima"


def test_browser_form_errors_stay_errors(stack):
    admin, token, csrf = browser_session(stack)
    html = {"Accept": "text/html,application/xhtml+xml"}
    r = stack.post(AUTHS + "/update/timezone", data={"timezone": "X", "next": "/ok"}, headers=html,
                   cookies={"token": token, "csrf_token": csrf})
    assert r.status_code == 403 and "Location" not in r.headers
    r = stack.post(AUTHS + "/signin", data={"email": admin.email, "password": "bad", "next": "/ok"},
                   headers=html)
    expect(r, 400, INVALID_CRED)


def test_browser_signup_and_signin_forms(stack):
    html = {"Accept": "text/html"}
    r = stack.post(AUTHS + "/signup", data={"name": "Web", "email": "web@example.com",
                                            "password": PASSWORD, "next": "/welcome"}, headers=html)
    assert r.status_code == 303 and r.headers["Location"] == "/welcome"
    token = cookie_headers(r, "token")[0].split(";")[0].split("=", 1)[1]
    assert expect(Client(stack, token, "cookie").get(ME), 200)["email"] == "web@example.com"
    r = stack.post(AUTHS + "/signin", files={"email": (None, "web@example.com"),
                                             "password": (None, PASSWORD), "next": (None, "/home")},
                   headers=html)
    assert r.status_code == 303 and r.headers["Location"] == "/home"
    assert cookie_headers(r, "token") and cookie_headers(r, "csrf_token")


class TestTrustedHeaderWithPasswordPolicy:
    POOL_ENV = dict(TestTrustedHeader.POOL_ENV, ENABLE_PASSWORD_VALIDATION="true")

    def test_auto_created_accounts_skip_the_password_policy(self, stack):
        # the account's password is a random uuid nobody types: the reference creates it
        # without the policy (signup_handler does not validate), so SSO keeps working
        r = stack.post(AUTHS + "/signin", json=TestTrustedHeader.BODY,
                       headers={"X-User-Email": "sso@example.com"})
        assert expect(r, 200)["role"] == "admin"


class TestNoAuthWithPasswordPolicy:
    POOL_ENV = {"WEBUI_AUTH": "false", "ENABLE_PASSWORD_VALIDATION": "true"}

    def test_default_admin_skips_the_password_policy(self, stack):
        r = stack.post(AUTHS + "/signin", json={"email": "x@example.com", "password": "x"})
        assert expect(r, 200)["email"] == "admin@localhost"
