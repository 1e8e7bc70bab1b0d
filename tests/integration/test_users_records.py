"""The /api/v1/users reads of other users (issue 7): what the admin's listing, /all, /search
and the group lists carry; one user's record, info, activity, OAuth sessions and profile
image; each success as a client sees it and each error the contract lists, with the exact
text (openwebui-users.md §1a, §4, §6, §7; openwebui-v0.11-deltas.md §2, where v0.11.0 wins).
Listing order and paging are in test_users_listing.py; who may call which route in
test_users_access.py; the caller's own data in test_users_self.py; the admin's writes in
test_users_admin.py.

Every test starts from an empty database (authlib.auth_env). Users that only need to exist
are seeded in SQL (userlib.seed_users); users that sign in are made over HTTP.
"""
import base64
import time

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    USER_NOT_FOUND, add_user, auth_env, auth_module, expect,
)
from userlib import (
    GIF_1PX, GROUP_MODEL_KEYS, PNG_1PX, add_oauth_session, assert_user_info, assert_user_model,
    make_group, seed_users, setup_pair, sql_text, u,
)

PNG_DATA_URI = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()


# ================================================================ GET / (admin list)

def test_admin_list_gives_full_records_with_group_ids(stack):
    admin, user = setup_pair(stack)
    now = int(time.time())
    [seeded] = seed_users(stack, [{
        "name": "Seeded Sam", "email": "sam@example.com", "created_at": now - 500,
        "profile_image_url": "", "info": {"location": "Oslo"},
        "settings": {"ui": {"theme": "dark"}, "extra": [1, 2]},
        "oauth": {"oidc": {"sub": "abc-123"}}, "scim": {"okta": {"external_id": "ext-9"}},
        "variables": {"secret_var": "s3cr3t-variable-value"},
        "status_emoji": "🌴", "status_message": "Away", "status_expires_at": 1900000000,
        "timezone": "Europe/Oslo", "bio": "Hello",
    }])
    g1 = make_group(stack, "Readers", [seeded["id"]])
    g2 = make_group(stack, "Writers", [seeded["id"], admin.id])
    r = admin.get(u())
    body = expect(r, 200)
    assert set(body) == {"users", "total"}
    assert body["total"] == 3 and len(body["users"]) == 3
    assert "s3cr3t-variable-value" not in r.text
    by_id = {x["id"]: x for x in body["users"]}
    assert set(by_id) == {admin.id, user.id, seeded["id"]}
    for x in body["users"]:
        assert_user_model(x, "GET /users/")
        assert isinstance(x["group_ids"], list)
    s = by_id[seeded["id"]]
    assert sorted(s["group_ids"]) == sorted([g1, g2])
    assert sorted(by_id[admin.id]["group_ids"]) == [g2]
    assert by_id[user.id]["group_ids"] == []
    assert (s["name"], s["email"], s["role"]) == ("Seeded Sam", "sam@example.com", "user")
    assert s["info"] == {"location": "Oslo"}
    assert s["settings"]["ui"] == {"theme": "dark"} and s["settings"]["extra"] == [1, 2]
    assert s["oauth"] == {"oidc": {"sub": "abc-123"}}
    assert s["scim"] == {"okta": {"external_id": "ext-9"}}
    assert (s["status_emoji"], s["status_message"], s["status_expires_at"]) == ("🌴", "Away", 1900000000)
    assert (s["timezone"], s["bio"], s["created_at"]) == ("Europe/Oslo", "Hello", now - 500)
    # an empty stored image is shown as the image route (contract §6)
    assert s["profile_image_url"] == f"/api/v1/users/{seeded['id']}/profile/image"
    assert by_id[user.id]["profile_image_url"] == "/user.png"


def test_admin_list_total_counts_before_paging(stack):
    admin, _ = setup_pair(stack)
    now = int(time.time())
    seed_users(stack, [{"name": f"Bulk {i:02d}", "email": f"bulk{i:02d}@example.com",
                        "created_at": now - 1000 + i} for i in range(33)])
    p1 = expect(admin.get(u(), params={"page": 1}), 200)
    p2 = expect(admin.get(u(), params={"page": 2}), 200)
    assert p1["total"] == p2["total"] == 35
    assert len(p1["users"]) == 30 and len(p2["users"]) == 5
    assert not {x["id"] for x in p1["users"]} & {x["id"] for x in p2["users"]}


# ================================================================ GET /all

def test_all_lists_every_user_as_user_info_newest_first(stack):
    admin, user = setup_pair(stack)
    now = int(time.time())
    seeded = seed_users(stack, [{"name": f"Old {i:02d}", "email": f"old{i:02d}@example.com",
                                 "created_at": now - 10000 + 100 * i} for i in range(35)])
    r = admin.get(u("/all"))
    body = expect(r, 200)
    assert body["total"] == 37
    assert len(body["users"]) == 37          # no paging
    for x in body["users"]:
        assert_user_info(x, "GET /users/all")
    ids = [x["id"] for x in body["users"]]
    assert set(ids) == {admin.id, user.id} | {s["id"] for s in seeded}
    created = {row[0]: int(row[1]) for row in stack.sql("SELECT id, created_at FROM `user`")}
    times = [created[i] for i in ids]
    assert times == sorted(times, reverse=True)
    # the seeded ones have distinct times: exactly newest first
    assert [i for i in ids if i not in (admin.id, user.id)] == [s["id"] for s in reversed(seeded)]


# ================================================================ GET /search

def test_search_gives_reduced_items(stack):
    admin, user = setup_pair(stack)
    [s] = seed_users(stack, [{"name": "Findable Fay", "email": "fay@example.com",
                              "status_emoji": "🎧", "status_message": "Focus",
                              "status_expires_at": 1800000000, "bio": "Bio of Fay",
                              "settings": {"ui": {"private": True}}, "info": {"home": "Riga"},
                              "oauth": {"oidc": {"sub": "fay-sub"}},
                              "variables": {"fay_secret": "do-not-leak-fay"}}])
    make_group(stack, "Fay's group", [s["id"]])
    r = user.get(u("/search"), params={"query": "fay"})
    body = expect(r, 200)
    assert body["total"] == 1 and len(body["users"]) == 1
    item = body["users"][0]
    assert_user_info(item, "GET /users/search")
    assert item == {"id": s["id"], "name": "Findable Fay", "email": "fay@example.com",
                    "role": "user", "bio": "Bio of Fay", "groups": [], "is_active": False,
                    "status_emoji": "🎧", "status_message": "Focus",
                    "status_expires_at": 1800000000}
    for secret in ("do-not-leak-fay", "fay-sub", "Riga", "private"):
        assert secret not in r.text
    # is_active is never computed here, even for someone active this second
    body = expect(user.get(u("/search"), params={"query": user.email}), 200)
    assert [x["id"] for x in body["users"]] == [user.id]
    assert body["users"][0]["is_active"] is False


# ================================================================ GET /groups, /{id}/groups

def test_groups_lists_the_callers_groups_newest_update_first(stack):
    admin, user = setup_pair(stack)
    now = int(time.time())
    older = make_group(stack, "Older", [user.id], updated_at=now - 100,
                       permissions={"chat": {"share": True}}, description="old one")
    newer = make_group(stack, "Newer", [user.id, admin.id], updated_at=now - 10)
    not_mine = make_group(stack, "Not mine", [admin.id], updated_at=now)
    body = expect(user.get(u("/groups")), 200)
    assert isinstance(body, list)
    assert [g["id"] for g in body] == [newer, older]
    for g in body:
        assert GROUP_MODEL_KEYS <= set(g), g
        assert "member_count" not in g
    assert body[1]["name"] == "Older" and body[1]["description"] == "old one"
    assert body[1]["permissions"] == {"chat": {"share": True}}
    assert body[1]["updated_at"] == now - 100
    assert [g["id"] for g in expect(admin.get(u("/groups")), 200)] == [not_mine, newer]
    nobody = add_user(admin, role="user")
    assert expect(nobody.get(u("/groups")), 200) == []


def test_user_groups_by_id(stack):
    admin, user = setup_pair(stack)
    g1 = make_group(stack, "One", [user.id])
    g2 = make_group(stack, "Two", [user.id])
    make_group(stack, "Three", [admin.id])
    body = expect(admin.get(u(f"/{user.id}/groups")), 200)
    assert sorted(g["id"] for g in body) == sorted([g1, g2])
    for g in body:
        assert GROUP_MODEL_KEYS <= set(g), g
    # no membership, no such user: an empty list, not an error (contract §1a: no errors)
    assert expect(admin.get(u(f"/{add_user(admin).id}/groups")), 200) == []
    assert expect(admin.get(u("/no-such-user/groups")), 200) == []


# ================================================================ GET /{id}, /{id}/info, /{id}/active

def test_get_user_by_id_for_admins(stack):
    admin, user = setup_pair(stack)
    g1 = make_group(stack, "Alpha team", [user.id])
    g2 = make_group(stack, "Beta team", [user.id])
    make_group(stack, "Other", [admin.id])
    stack.sql(f"UPDATE `user` SET oauth = '{{\"oidc\": {{\"sub\": \"s-1\"}}}}', "
              f"info = '{{\"k\": \"v\"}}', bio = 'about me' WHERE id = '{user.id}'")
    r = admin.get(u(f"/{user.id}"))
    got = expect(r, 200)
    assert_user_model(got, "GET /users/{id}")
    assert (got["id"], got["email"], got["name"], got["role"]) == (user.id, user.email, "Plain User", "user")
    assert got["oauth"] == {"oidc": {"sub": "s-1"}} and got["info"] == {"k": "v"} and got["bio"] == "about me"
    assert sorted(got["groups"], key=lambda g: g["id"]) == sorted(
        [{"id": g1, "name": "Alpha team"}, {"id": g2, "name": "Beta team"}], key=lambda g: g["id"])
    assert isinstance(got["is_active"], bool)
    expect(admin.get(u("/not-a-user")), 400, USER_NOT_FOUND)


def set_last_active(stack, uid, ago):
    stack.sql(f"UPDATE `user` SET last_active_at = {int(time.time()) - ago} WHERE id = '{uid}'")


def test_active_means_seen_in_the_last_three_minutes(stack):
    admin, user = setup_pair(stack)
    [quiet] = seed_users(stack, [{"name": "Quiet", "email": "quiet@example.com"}])
    for ago, active in ((0, True), (170, True), (190, False), (86400, False)):
        set_last_active(stack, quiet["id"], ago)
        assert expect(user.get(u(f"/{quiet['id']}/active")), 200) == {"active": active}, ago
        assert expect(user.get(u(f"/{quiet['id']}/info")), 200)["is_active"] is active, ago
        assert expect(admin.get(u(f"/{quiet['id']}")), 200)["is_active"] is active, ago
    # an unknown id is simply not active
    assert expect(user.get(u("/no-such-user/active")), 200) == {"active": False}


def test_user_info_by_id(stack):
    admin, user = setup_pair(stack)
    g = make_group(stack, "Crew", [admin.id])
    stack.sql(f"UPDATE `user` SET bio = 'The boss', status_emoji = 'X', settings = '{{\"ui\": {{\"s\": 1}}}}', "
              f"info = '{{\"private\": \"home address\"}}' WHERE id = '{admin.id}'")
    r = user.get(u(f"/{admin.id}/info"))
    got = expect(r, 200)
    assert_user_info(got, "GET /users/{id}/info")
    assert (got["id"], got["name"], got["email"], got["role"], got["bio"]) == \
        (admin.id, "Admin", admin.email, "admin", "The boss")
    assert got["groups"] == [{"id": g, "name": "Crew"}]
    assert got["status_emoji"] == "X"
    assert "home address" not in r.text
    expect(user.get(u("/nobody/info")), 400, USER_NOT_FOUND)


# ================================================================ /{id}/oauth/sessions

def test_oauth_sessions_none_is_user_not_found(stack):
    admin, user = setup_pair(stack)
    expect(admin.get(u(f"/{user.id}/oauth/sessions")), 400, USER_NOT_FOUND)
    expect(admin.get(u("/nobody/oauth/sessions")), 400, USER_NOT_FOUND)


def test_oauth_sessions_lists_stored_rows(stack):
    # usher makes none itself (OAuth is out of scope), but rows stored are the user's
    admin, user = setup_pair(stack)
    sid = add_oauth_session(stack, user.id, "google")
    add_oauth_session(stack, admin.id, "github")
    got = expect(admin.get(u(f"/{user.id}/oauth/sessions")), 200)
    assert isinstance(got, list) and [s["id"] for s in got] == [sid]
    assert got[0]["provider"] == "google" and got[0]["user_id"] == user.id


# ================================================================ /{id}/profile/image

def set_image(stack, uid, value):
    stack.sql(f"UPDATE `user` SET profile_image_url = {sql_text(value)} WHERE id = '{uid}'")


def default_image(c, uid, stack):
    set_image(stack, uid, "/user.png")
    r = c.get(u(f"/{uid}/profile/image"))
    assert r.status_code == 200, r.text[:200]
    assert r.headers["Content-Type"].split(";")[0] == "image/png"
    assert r.content.startswith(b"\x89PNG\r\n\x1a\n") and len(r.content) > 60
    return r.content


@pytest.mark.parametrize("url", ["https://cdn.example.com/a/b.png?size=64&x=%20y",
                                 "http://img.example.org/avatar.jpg"])
def test_profile_image_url_redirects(stack, url):
    admin, user = setup_pair(stack)
    set_image(stack, admin.id, url)
    r = user.get(u(f"/{admin.id}/profile/image"))
    assert r.status_code == 302, r.text[:200]
    assert r.headers["Location"] == url


@pytest.mark.parametrize("uri,ctype,data", [
    (PNG_DATA_URI, "image/png", PNG_1PX),
    ("data:image/gif;base64," + base64.b64encode(GIF_1PX).decode(), "image/gif", GIF_1PX),
    ("data:image/JPEG;base64," + base64.b64encode(b"\xff\xd8\xff\xe0fakejpeg").decode(), "image/jpeg",
     b"\xff\xd8\xff\xe0fakejpeg"),
    ("data:image/webp;base64," + base64.b64encode(b"RIFF\x00\x00\x00\x00WEBP").decode(), "image/webp",
     b"RIFF\x00\x00\x00\x00WEBP"),
])
def test_profile_image_data_uri_served_decoded(stack, uri, ctype, data):
    admin, user = setup_pair(stack)
    set_image(stack, user.id, uri)
    r = user.get(u(f"/{user.id}/profile/image"))
    assert r.status_code == 200, r.text[:200]
    assert r.headers["Content-Type"].split(";")[0].strip() == ctype
    assert r.content == data
    assert r.headers.get("Content-Disposition") == "inline"
    assert r.headers.get("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("stored", [
    "",
    "/user.png",
    "/favicon.png",
    "data:image/svg+xml;base64," + base64.b64encode(b"<svg onload='alert(1)'/>").decode(),
    "data:text/html;base64," + base64.b64encode(b"<script>alert(1)</script>").decode(),
    # IMPLEMENTATION BUG (dae1b55): "…;base64,abc" and "data:image/png,rawdata" are served
    # as image/png with the bytes a lenient decoder makes of them ("abc" -> b"i\xb7");
    # Python's b64decode refuses both (incorrect padding), so the reference serves user.png
    "data:image/png;base64,abc",
    "data:image/png;base64,!!!notbase64!!!",
    "data:image/png,rawdata",
    "javascript:alert(1)",
])
def test_profile_image_default_for_anything_else(stack, stored):
    admin, user = setup_pair(stack)
    default = default_image(user, admin.id, stack)
    set_image(stack, admin.id, stored)
    r = user.get(u(f"/{admin.id}/profile/image"))
    assert r.status_code == 200, r.text[:200]
    assert r.headers["Content-Type"].split(";")[0] == "image/png"
    assert r.content == default


class TestProfileImageForwardingOff:
    POOL_ENV = {"ENABLE_PROFILE_IMAGE_URL_FORWARDING": "false"}

    def test_url_images_get_the_default_image(self, stack):
        admin, user = setup_pair(stack)
        default = default_image(user, admin.id, stack)
        set_image(stack, admin.id, "https://cdn.example.com/a.png")
        r = user.get(u(f"/{admin.id}/profile/image"))
        assert r.status_code == 200 and "Location" not in r.headers, r.status_code
        assert r.content == default
        # data URIs are still served
        set_image(stack, admin.id, PNG_DATA_URI)
        assert user.get(u(f"/{admin.id}/profile/image")).content == PNG_1PX


def test_profile_image_of_nobody(stack):
    admin, user = setup_pair(stack)
    expect(user.get(u("/nobody/profile/image")), 400, USER_NOT_FOUND)
