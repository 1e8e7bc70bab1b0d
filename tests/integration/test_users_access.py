"""Who may call which /api/v1/users route (issue 7; contract §0 roles, §1a, §4.1; deltas §2),
which route answers a path (literal paths beat /{user_id}), and what malformed or unknown
user ids get (the contract's errors, never a 500, nothing written).

Callers: anonymous (401 "Not authenticated"), pending (401 ACCESS_PROHIBITED on verified
and admin routes), user, admin, API keys (an admin's, by Bearer and by x-api-key; a user's
with features.api_keys), a signed-out token (401 "Invalid token") and an expired one made
by hand (401 "401 Unauthorized").
"""
import hashlib
import json
import time
import uuid
from urllib.parse import quote

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, ME, USER_NOT_FOUND, Client, add_user, auth_env, auth_module, expect,
    first_admin, grant_group_permission, row_counts, set_admin_config, sql_one,
)
from callerlib import KINDS, callers  # noqa: F401  (callers: the fixture)
from userlib import (
    USERS, assert_no_hidden, assert_user_info, assert_user_model, json_column, seed_users, u,
    user_row,
)

# Every route of the users router with its access level (contract §1a, deltas §2) and what
# a caller that passes the level gets for an empty JSON body (POST) or no parameters: the
# handler's own answer, never an authentication 401. "{id}" is a seeded user, "{victim}" a
# fresh seeded user per request (DELETE really deletes).
ROUTES = [
    ("GET", "/", "admin", 200),
    ("GET", "/all", "admin", 200),
    ("GET", "/search", "verified", 200),
    ("GET", "/groups", "verified", 200),
    ("GET", "/permissions", "verified", 200),
    ("GET", "/default/permissions", "admin", 200),
    ("POST", "/default/permissions", "admin", 422),
    ("GET", "/default/permissions/defaults", "admin", 200),
    ("GET", "/user/settings", "verified", 200),
    ("POST", "/user/settings/update", "verified", 200),
    ("GET", "/user/status", "verified", 200),
    ("POST", "/user/status/update", "verified", 200),
    ("GET", "/user/info", "verified", 200),
    ("POST", "/user/info/update", "verified", 200),
    ("GET", "/user/variables", "verified", 200),
    ("POST", "/user/variables/update", "verified", 200),
    ("GET", "/usage", "verified", 200),
    ("GET", "/{id}", "admin", 200),
    ("GET", "/{id}/info", "verified", 200),
    ("GET", "/{id}/oauth/sessions", "admin", 400),
    ("GET", "/{id}/profile/image", "verified", 200),
    ("GET", "/{id}/active", "verified", 200),
    ("GET", "/{id}/groups", "admin", 200),
    ("GET", "/{id}/preview", "admin", 200),
    ("POST", "/{id}/update", "admin", 200),
    ("DELETE", "/{victim}", "admin", 200),
]

# The kinds of caller this router tells apart (callerlib.KINDS).
CALLERS = {kind: KINDS[kind] for kind in ("anonymous", "pending", "user", "admin", "admin-cookie",
                                          "api-key", "api-key-header", "user-api-key", "revoked",
                                          "expired")}


def target(callers):
    """The seeded user the "{id}" routes read, once per install."""
    return callers.once("target", lambda: seed_users(callers.stack, [
        {"name": "Target Tom", "email": "target@example.com"}])[0])


def route_path(callers, template):
    """The URL for a route template, and the id of the victim it deletes (or None): "{id}"
    is the target, "{victim}" a fresh seeded user per request (DELETE really deletes)."""
    if "{victim}" in template:
        [v] = seed_users(callers.stack, [{"name": "Victim",
                                          "email": f"v-{uuid.uuid4().hex[:10]}@example.com"}])
        return u(template.replace("{victim}", v["id"])), v["id"]
    return u(template.replace("{id}", target(callers)["id"])), None


# The token cookie alone is how a browser fetches GETs (the profile image in an <img>); the
# v0.11 client sends every write with a Bearer header, and how a cookie-only DELETE meets
# usher's CSRF rule is not this module's question: cookie callers try the GET routes.
MATRIX = [pytest.param(caller, *route, id=f"{route[0]} {route[1]}-{caller}")
          for route in ROUTES for caller in CALLERS
          if not (caller.endswith("-cookie") and route[0] != "GET")]


class TestAccessMatrix:
    KEEP_DB = True

    @pytest.mark.parametrize("caller,method,path,level,ok", MATRIX)
    def test_route_access(self, stack, callers, caller, method, path, level, ok):
        c = callers.client(caller)
        url, victim = route_path(callers, path)
        kw = {"json": {}} if method == "POST" else {}
        r = c.request(method, url, **kw)
        outcome = CALLERS[caller]
        role = outcome if outcome in ("pending", "user", "admin") else None
        where = f"{method} {path} as {caller}"
        if role is None:
            expect(r, 401, outcome)
        elif (level == "verified" and role == "pending") or (level == "admin" and role != "admin"):
            expect(r, 401, ACCESS_PROHIBITED)
        else:
            assert r.status_code == ok, f"{where}: {r.status_code} {r.text[:300]}"
            if path.startswith("/user/variables"):
                assert set(r.json()) == {"variables"}, where     # the one place they show
            elif r.headers.get("Content-Type", "").startswith("application/json"):
                assert_no_hidden(r.json(), where)
        if victim:
            left = sql_one(stack, f"SELECT COUNT(*) FROM `user` WHERE id = '{victim}'")
            assert left == ("0" if r.status_code == 200 else "1"), where


# ================================================================ route order

ODD_IDS = ["usage", "groups", "all", "search", "permissions", "user", "default"]


def test_literal_paths_beat_user_id(stack):
    admin = first_admin(stack)
    member = add_user(admin, role="user")
    later = int(time.time()) + 5           # none of them is the primary admin
    seed_users(stack, [{"id": i, "name": f"Odd {i}", "email": f"odd-{i}@example.com", "created_at": later}
                       for i in ODD_IDS])
    # the literal routes answer, although users with those ids exist
    usage = expect(admin.get(u("/usage")), 200)
    assert "totals" in usage and "heatmap" in usage
    assert isinstance(expect(admin.get(u("/groups")), 200), list)
    listing = expect(admin.get(u("/all")), 200)
    assert listing["total"] == 2 + len(ODD_IDS)
    found = expect(member.get(u("/search"), params={"query": "odd-usage"}), 200)
    assert [x["id"] for x in found["users"]] == ["usage"]
    # /user/... are the caller's own
    expect(member.post(u("/user/info/update"), json={"mine": True}), 200)
    assert json_column(stack, member.id, "info") == {"mine": True}
    assert json_column(stack, "user", "info") is None
    # /user/info is the literal route too, though a user has the id "user"
    assert expect(member.get(u("/user/info")), 200) == {"mine": True}
    # one segment more, and they are users again
    for i in ODD_IDS:
        if i != "user":
            info = expect(member.get(u(f"/{i}/info")), 200)
            assert_user_info(info, f"/{i}/info")
            assert (info["id"], info["name"], info["is_active"]) == (i, f"Odd {i}", True)
        # seeded as active (last_active_at = created_at, just now)
        assert expect(member.get(u(f"/{i}/active")), 200) == {"active": True}, i
        assert expect(admin.get(u(f"/{i}/groups")), 200) == [], i
    for i in ("user", "default"):
        got = expect(admin.get(u(f"/{i}")), 200)
        assert_user_model(got, f"/{i}")
        assert got["id"] == i
    assert expect(admin.post(u("/user/update"), json={"name": "Odd renamed"}), 200)["name"] == "Odd renamed"
    assert expect(admin.delete(u("/default")), 200) is True
    assert sql_one(stack, "SELECT COUNT(*) FROM `user` WHERE id = 'default'") == "0"


def test_permission_paths_beat_user_id(stack):
    admin = first_admin(stack)
    member = add_user(admin, role="user")
    later = int(time.time()) + 5
    seed_users(stack, [{"id": "permissions", "name": "Odd permissions", "email": "odd-p@example.com",
                        "created_at": later},
                       {"id": "default", "name": "Odd default", "email": "odd-d@example.com",
                        "created_at": later}])
    perms = expect(member.get(u("/permissions")), 200)
    assert "chat" in perms and "features" in perms and "id" not in perms
    defaults = expect(admin.get(u("/default/permissions")), 200)
    assert "chat" in defaults and "id" not in defaults
    assert "chat" in expect(admin.get(u("/default/permissions/defaults")), 200)
    assert expect(member.get(u("/permissions/info")), 200)["id"] == "permissions"


def test_path_without_trailing_slash_redirects(stack):
    admin = first_admin(stack)
    r = admin.get(USERS)
    assert r.status_code == 307, r.text[:200]
    assert r.headers["Location"].endswith("/api/v1/users/")


# ================================================================ malformed and unknown ids

BAD_IDS = [
    "nonexistent", str(uuid.uuid4()), "x' OR '1'='1", 'x" OR "1"="1', "1; DROP TABLE `user`; --",
    "%", "_", "%25", "%%", "\\", "\\%", "*", "a" * 300, "ünïcödé", "😀", "NULL", " ", "...", "a b",
    "<script>", "{id}",
]
# (method, path template, expected): the contract's answer for an id that is nobody
UNKNOWN_ANSWERS = [
    ("GET", "/{}", (400, USER_NOT_FOUND)),
    ("GET", "/{}/info", (400, USER_NOT_FOUND)),
    ("GET", "/{}/oauth/sessions", (400, USER_NOT_FOUND)),
    ("GET", "/{}/profile/image", (400, USER_NOT_FOUND)),
    ("GET", "/{}/active", (200, {"active": False})),
    ("GET", "/{}/groups", (200, [])),
    ("POST", "/{}/update", (400, USER_NOT_FOUND)),
    ("DELETE", "/{}", None),
]


def fingerprint(stack):
    rows = stack.sql("SELECT id, email, HEX(name), role, updated_at, tokens_valid_after_ms FROM `user` ORDER BY id")
    return rows, row_counts(stack)


@pytest.mark.parametrize("user_id", BAD_IDS, ids=lambda s: s[:20].encode("unicode_escape").decode())
def test_unknown_or_odd_ids(stack, user_id):
    admin = first_admin(stack)
    seed_users(stack, [{"name": "Bystander", "email": "bystander@example.com"}])
    before = fingerprint(stack)
    seg = quote(user_id, safe="")
    for method, template, want in UNKNOWN_ANSWERS:
        kw = {"json": {"name": "Overwritten", "role": "pending"}} if method == "POST" else {}
        r = admin.request(method, u(template.format(seg)), **kw)
        where = f"{method} {template} {user_id[:40]!r}"
        assert r.status_code < 500, f"{where}: {r.status_code} {r.text[:200]}"
        if want is None:
            # the reference answers true (nothing to delete), usher may say it is nobody
            assert (r.status_code, r.json()) in ((200, True), (400, {"detail": USER_NOT_FOUND})), \
                f"{where}: {r.status_code} {r.text[:200]}"
        elif isinstance(want[1], str):
            expect(r, want[0], want[1])
        else:
            assert (r.status_code, r.json()) == want, f"{where}: {r.status_code} {r.text[:200]}"
    assert fingerprint(stack) == before
    assert sql_one(stack, "SELECT COUNT(*) FROM `user` WHERE name = 'Overwritten'") == "0"


@pytest.mark.parametrize("raw", ["%FF", "%C0%AF", "%ED%A0%80", "abc%FE%FF", "%F0%28%8C%BC", "%00", "a%00b"])
def test_ids_that_are_not_utf8_are_refused_by_the_path_decoder(stack, raw):
    admin = first_admin(stack)
    before = fingerprint(stack)
    for method, template in (("GET", "/{}"), ("GET", "/{}/info"), ("GET", "/{}/active"),
                             ("POST", "/{}/update"), ("DELETE", "/{}")):
        kw = {"json": {"name": "Overwritten"}} if method == "POST" else {}
        r = admin.request(method, u(template.format(raw)), **kw)
        if "%00" in raw:
            # the web server itself may refuse a NUL in the path, with its own page (nginx 400,
            # Apache 404): the request never reaches usher
            assert r.status_code in (400, 404), f"{method} {template} {raw}: {r.status_code}"
            continue
        assert r.status_code == 400, f"{method} {template} {raw}: {r.status_code} {r.text[:200]}"
        assert r.headers["Content-Type"].startswith("application/json")
        assert isinstance(r.json().get("detail"), str)
    assert fingerprint(stack) == before


def test_percent_id_is_not_a_wildcard(stack):
    # a lookup by LIKE would find (and update, or delete) somebody for "%" or "_"
    admin = first_admin(stack)
    [victim] = seed_users(stack, [{"id": "ab", "name": "Two Letters", "email": "ab@example.com"}])
    for pattern in ("%", "a%", "a_", "_b", "__"):
        seg = quote(pattern, safe="")
        expect(admin.get(u(f"/{seg}")), 400, USER_NOT_FOUND)
        expect(admin.post(u(f"/{seg}/update"), json={"name": "Hit"}), 400, USER_NOT_FOUND)
        assert expect(admin.get(u(f"/{seg}/active")), 200) == {"active": False}
    assert sql_one(stack, "SELECT name FROM `user` WHERE id = 'ab'") == "Two Letters"
    assert user_row(stack, victim["id"])[0] is not None


def test_id_of_exactly_the_column_width_and_beyond(stack):
    admin = first_admin(stack)
    long_id = "L" * 64
    seed_users(stack, [{"id": long_id, "name": "Long Id", "email": "long@example.com"}])
    assert expect(admin.get(u(f"/{long_id}")), 200)["id"] == long_id
    expect(admin.get(u(f"/{long_id}X")), 400, USER_NOT_FOUND)
    # far beyond any id: the contract's answer, or usher's documented 404 for paths over its
    # router's 1 KB of parameters (router.h) -- never a 5xx
    r = admin.get(u(f"/{'L' * 5000}"))
    assert (r.status_code, r.json()) in ((400, {"detail": USER_NOT_FOUND}), (404, {"detail": "Not Found"})), r.text[:200]


# ================================================================ wrong types everywhere

BAD_BODIES = [
    ("/user/settings/update", {"ui": 1}, ["body", "ui"]),
    ("/user/status/update", {"status_message": 1}, ["body", "status_message"]),
    ("/user/variables/update", {"variables": ["a"]}, ["body", "variables"]),
    ("/{id}/update", {"email": 1}, ["body", "email"]),
]


@pytest.mark.parametrize("path,body,loc", BAD_BODIES, ids=[p for p, _, _ in BAD_BODIES])
def test_wrong_types_are_fastapi_422_and_write_nothing(stack, path, body, loc):
    admin = first_admin(stack)
    user = add_user(admin, role="user")
    before = user_row(stack, user.id), user_row(stack, admin.id)
    c = admin if path.startswith("/{id}") else user
    r = c.post(u(path.replace("{id}", user.id)), json=body)
    b = expect(r, 422)
    assert isinstance(b["detail"], list) and b["detail"]
    item = b["detail"][0]
    assert {"type", "loc", "msg", "input"} <= set(item)
    assert item["loc"] == loc and item["input"] == json.loads(json.dumps(body))[loc[1]]
    # malformed JSON too
    r = c.post(u(path.replace("{id}", user.id)), data=b'{"ui": ', headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text[:200]
    assert (user_row(stack, user.id), user_row(stack, admin.id)) == before


def test_api_key_of_a_user_sees_only_user_routes(stack):
    # the key carries its owner's role, no more
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_API_KEYS=True)
    user = add_user(admin, role="user")
    grant_group_permission(stack, user.id, {"features": {"api_keys": True}})
    key = expect(user.post("api_key"), 200)["api_key"]
    k = Client(stack, key)
    assert hashlib.sha256(key.encode()).hexdigest() == sql_one(stack, "SELECT key_digest FROM api_key")
    expect(k.get(u()), 401, ACCESS_PROHIBITED)
    expect(k.post(u(f"/{admin.id}/update"), json={"role": "user"}), 401, ACCESS_PROHIBITED)
    expect(k.delete(u(f"/{admin.id}")), 401, ACCESS_PROHIBITED)
    assert expect(k.post(u("/user/info/update"), json={"via": "key"}), 200) == {"via": "key"}
    assert expect(k.get(ME), 200)["id"] == user.id


@pytest.mark.parametrize("raw", ["query=%FF", "query=%C0%AF", "order_by=%FE", "page=%FF", "query=a%00b"])
def test_query_strings_that_are_not_utf8_are_400_not_500(stack, raw):
    admin = first_admin(stack)
    for c, path in ((admin, "/"), (admin, "/search")):
        r = c.get(u(path) + "?" + raw)
        assert r.status_code in (400, 422), f"{path}?{raw}: {r.status_code} {r.text[:200]}"
        assert r.headers["Content-Type"].startswith("application/json")
