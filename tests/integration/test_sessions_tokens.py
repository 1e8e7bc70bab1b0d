"""Tokens and passwords from elsewhere, and what the pool must agree on across workers
(contract §3, §7.4; deltas §4; usher's differences #1, #3): tokens signed by Open WebUI or
forged, revocation seen by every worker, the credential order, races of first sign-ups,
Open WebUI's bcrypt hashes, the sign-in rate limit across workers, and request bodies in
every encoding (bad ones change nothing).
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


# Open WebUI's bcrypt hashes are made with the standard library's crypt (libxcrypt), as
# Python 3.11 still has it; where it is gone the test that needs it is skipped.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import crypt
    except ImportError:
        crypt = None

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, AUTHS, EMAIL_TAKEN, INVALID_CRED, INVALID_TOKEN, INVALID_TOKEN_SHORT, ME,
    NOT_AUTHENTICATED, PASSWORD, RATE_LIMIT_EXCEEDED, SESSION_USER_KEYS, UNAUTHORIZED, Client,
    add_user, admin_config, auth_env, auth_module, b64url_decode, cookie_headers, detail,
    expect, first_admin, jwt_claims, jwt_encode, openwebui_token, row_counts, server_secret,
    set_admin_config, signin, signin_client, signup, sql_one, sql_quote, unique_email,
)


def parallel(fn, args_list, workers=8):
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, args_list))


def user_count(stack):
    return int(sql_one(stack, "SELECT COUNT(*) FROM `user`"))


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
