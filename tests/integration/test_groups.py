"""The /api/v1/groups endpoints (contract §1c and §5, deltas §3 where v0.11.0 wins): each
success as a client sees it, each role's answer, the share visibility rules, the error
table for unknown ids, bad input, what is stored (checked in SQL), and the group preview.

Every test starts from an empty database (authlib.auth_env, grouplib.grants_wiped).
"""
import time

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, ME, auth_env, auth_module, ensure_pool_env, expect, first_admin, sql_one,
    sql_quote, wipe_db,
)
from callerlib import callers  # noqa: F401  (the fixture)
from grouplib import (  # noqa: F401  (grants_wiped: fixture)
    GROUP_ADD_USERS, GROUP_CREATE, GROUP_DELETE, GROUP_INFO_KEYS, GROUP_KEYS, GROUP_REMOVE_USERS,
    GROUP_UPDATE, GROUPS, NOT_FOUND, USER_INFO_KEYS, add_members, create_group, ctl,
    grants_wiped, member_ids,
)

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def wait_next_second():
    """updated_at has whole seconds: wait for the next one so a bump is visible."""
    now = int(time.time())
    while int(time.time()) == now:
        time.sleep(0.02)


# ---------------------------------------------------------------- POST /create

def test_create_answers_the_group_with_defaults(callers, stack):
    g = create_group(callers.admin, "Engineering", "Builds things",
                     permissions={"workspace": {"models": True}})
    assert set(g) == GROUP_KEYS
    assert g["name"] == "Engineering" and g["description"] == "Builds things"
    assert g["user_id"] == callers.admin.id
    assert g["data"] == {"config": {"share": "members"}}
    assert g["meta"] is None
    assert g["permissions"] == {"workspace": {"models": True}}
    assert g["member_count"] == 0
    assert g["created_at"] == g["updated_at"] and abs(g["created_at"] - time.time()) < 5
    assert sql_one(stack, f"SELECT name FROM `group` WHERE id = '{g['id']}'") == "Engineering"


def test_create_keeps_a_given_share_and_other_data(callers):
    g = create_group(callers.admin, "a", data={"config": {"share": False}, "x": 1})
    assert g["data"] == {"config": {"share": False}, "x": 1}
    g = create_group(callers.admin, "b", data={"other": "y"})
    assert g["data"] == {"other": "y", "config": {"share": "members"}}
    g = create_group(callers.admin, "c", permissions=None, data=None)
    assert g["permissions"] is None and g["data"] == {"config": {"share": "members"}}


def test_create_roles(callers):
    for i, c in enumerate(callers.allowed("admin")):
        expect(c.post(GROUPS + "/create", json={"name": f"g{i}", "description": ""}), 200)
    for c, status, text in callers.refused("admin"):
        expect(c.post(GROUPS + "/create", json={"name": "x", "description": ""}), status, text)


def test_create_refuses_a_taken_name(callers, stack):
    create_group(callers.admin, "Staff")
    expect(callers.admin.post(GROUPS + "/create", json={"name": "Staff", "description": ""}),
           400, GROUP_CREATE)
    # the sync by name treats names case-insensitively, and so does the uniqueness
    expect(callers.admin.post(GROUPS + "/create", json={"name": "staff", "description": ""}),
           400, GROUP_CREATE)
    assert sql_one(stack, "SELECT COUNT(*) FROM `group`") == "1"


@pytest.mark.parametrize("body,loc,kind", [
    ({"description": "d"}, ["body", "name"], "missing"),
    ({"name": "n"}, ["body", "description"], "missing"),
    ({"name": 5, "description": "d"}, ["body", "name"], "string_type"),
    ({"name": "n", "description": None}, ["body", "description"], "string_type"),
    ({"name": "n", "description": "d", "permissions": []}, ["body", "permissions"], "dict_type"),
    ({"name": "n", "description": "d", "data": "x"}, ["body", "data"], "dict_type"),
    ({"name": "x" * 10000, "description": "d"}, ["body", "name"], "string_too_long"),
])
def test_create_validates_the_form(callers, stack, body, loc, kind):
    r = callers.admin.post(GROUPS + "/create", json=body)
    errs = expect(r, 422)["detail"]
    assert any(e["loc"] == loc and e["type"] == kind for e in errs), errs
    assert sql_one(stack, "SELECT COUNT(*) FROM `group`") == "0"


def test_sql_metacharacters_are_data(callers, stack):
    name = "x'); DROP TABLE `group`; -- \" \\ %_"
    g = create_group(callers.admin, name, "'; DELETE FROM user; --")
    assert g["name"] == name
    assert expect(callers.admin.get(f"{GROUPS}/id/{g['id']}"), 200)["name"] == name
    assert sql_one(stack, f"SELECT COUNT(*) FROM `group` WHERE name = {sql_quote(name)}") == "1"
    assert int(sql_one(stack, "SELECT COUNT(*) FROM `user`")) == 3


def test_share_default_from_the_environment(stack):
    for value, want in (("true", True), ("FALSE", False), (" Members ", "members"),
                        ("junk", False)):
        ensure_pool_env(stack, {"DEFAULT_GROUP_SHARE_PERMISSION": value})
        wipe_db(stack)
        admin = first_admin(stack)
        assert create_group(admin, "g")["data"] == {"config": {"share": want}}, value
    ensure_pool_env(stack)


# ---------------------------------------------------------------- GET /

def test_list_roles_and_order(callers):
    a = create_group(callers.admin, "a")
    wait_next_second()
    b = create_group(callers.admin, "b")
    wait_next_second()
    add_members(callers.admin, a["id"], callers.user.id)   # bumps a: newest now
    for c in (callers.admin, callers.admin_key):
        got = expect(c.get(GROUPS + "/"), 200)
        assert [g["id"] for g in got] == [a["id"], b["id"]]
        assert all(set(g) == GROUP_KEYS for g in got)
        assert [g["member_count"] for g in got] == [1, 0]
    assert [g["id"] for g in expect(callers.user.get(GROUPS + "/"), 200)] == [a["id"]]
    for c, status, text in callers.refused("verified"):
        expect(c.get(GROUPS + "/"), status, text)


def test_list_visibility_with_share(callers, stack):
    admin, user = callers.admin, callers.user
    made = {}
    for name, share in (("open", True), ("one", "1"), ("closed", False),
                        ("members_in", "members"), ("members_out", "members")):
        made[name] = create_group(admin, name, data={"config": {"share": share}})["id"]
    made["unset"] = create_group(admin, "unset", data={"config": {}})["id"]
    stack.sql(f"UPDATE `group` SET data = NULL WHERE id = '{made['unset']}'")
    made["nodata"] = create_group(admin, "nodata", data={"config": {"x": 1}})["id"]
    stack.sql(f"UPDATE `group` SET data = JSON_REMOVE(data, '$.config.share') "
              f"WHERE id = '{made['nodata']}'")
    add_members(admin, made["members_in"], user.id)
    add_members(admin, made["closed"], user.id)

    def names(query):
        got = expect(user.get(GROUPS + "/" + query), 200)
        inv = {v: k for k, v in made.items()}
        return sorted(inv[g["id"]] for g in got)

    # no share: the groups the user is a member of, whatever their share
    assert names("") == ["closed", "members_in"]
    # share=true: unset/true/"1" for anyone, "members" only where a member
    want_true = ["members_in", "nodata", "one", "open", "unset"]
    assert names("?share=true") == want_true
    assert names("?share=1") == want_true
    assert names("?share=false") == ["closed"]
    assert names("?share=no") == ["closed"]
    # admins see everything whatever share says
    assert len(expect(admin.get(GROUPS + "/?share=false"), 200)) == len(made)
    # a share that is no boolean is FastAPI's 422 on the query
    errs = expect(user.get(GROUPS + "/?share=maybe"), 422)["detail"]
    assert errs[0]["loc"] == ["query", "share"] and errs[0]["type"] == "bool_parsing"


# ---------------------------------------------------------------- GET /id/{id}, /info, /export

def test_get_info_export(callers):
    g = create_group(callers.admin, "g", "desc")
    add_members(callers.admin, g["id"], callers.user.id, callers.pending.id)
    for c in callers.allowed("admin"):
        got = expect(c.get(f"{GROUPS}/id/{g['id']}"), 200)
        assert set(got) == GROUP_KEYS and got["member_count"] == 2
        exp = expect(c.get(f"{GROUPS}/id/{g['id']}/export"), 200)
        assert set(exp) == GROUP_KEYS | {"user_ids"}
        assert sorted(exp["user_ids"]) == sorted([callers.user.id, callers.pending.id])
    for c in callers.allowed("verified"):
        info = expect(c.get(f"{GROUPS}/id/{g['id']}/info"), 200)
        assert set(info) == GROUP_INFO_KEYS
        assert info["member_count"] == 2 and info["description"] == "desc"
    for path in ("", "/export"):
        for c, status, text in callers.refused("admin"):
            expect(c.get(f"{GROUPS}/id/{g['id']}{path}"), status, text)
    for c, status, text in callers.refused("verified"):
        expect(c.get(f"{GROUPS}/id/{g['id']}/info"), status, text)


def test_unknown_ids_per_the_error_table(callers):
    admin = callers.admin
    for path in ("", "/info", "/export"):
        expect(admin.get(f"{GROUPS}/id/{UNKNOWN}{path}"), 401, NOT_FOUND)
    expect(callers.user.get(f"{GROUPS}/id/{UNKNOWN}/info"), 401, NOT_FOUND)
    # a non-admin learns nothing about ids on admin routes
    expect(callers.user.get(f"{GROUPS}/id/{UNKNOWN}"), 401, ACCESS_PROHIBITED)
    expect(admin.get(f"{GROUPS}/id/{UNKNOWN}/preview"), 404, NOT_FOUND)
    assert expect(admin.post(f"{GROUPS}/id/{UNKNOWN}/users"), 200) == []
    expect(admin.post(f"{GROUPS}/id/{UNKNOWN}/update", json={"name": "n", "description": ""}),
           400, GROUP_UPDATE)
    expect(admin.post(f"{GROUPS}/id/{UNKNOWN}/users/add", json={"user_ids": [admin.id]}),
           400, GROUP_ADD_USERS)
    expect(admin.post(f"{GROUPS}/id/{UNKNOWN}/users/remove", json={"user_ids": [admin.id]}),
           400, GROUP_REMOVE_USERS)
    assert expect(admin.delete(f"{GROUPS}/id/{UNKNOWN}/delete"), 200) is True


# ---------------------------------------------------------------- POST /id/{id}/users

def test_members_as_user_info(callers):
    g = create_group(callers.admin, "g")
    add_members(callers.admin, g["id"], callers.user.id)
    for c in callers.allowed("admin"):
        got = expect(c.post(f"{GROUPS}/id/{g['id']}/users"), 200)
        assert len(got) == 1 and set(got[0]) == USER_INFO_KEYS
        assert got[0]["id"] == callers.user.id
        assert got[0]["groups"] == [] and got[0]["is_active"] is False
    for c, status, text in callers.refused("admin"):
        expect(c.post(f"{GROUPS}/id/{g['id']}/users"), status, text)


# ---------------------------------------------------------------- POST /id/{id}/update

def test_update_writes_only_non_null_fields(callers, stack):
    g = create_group(callers.admin, "g", "d", permissions={"chat": {"edit": False}},
                     data={"config": {"share": True}})
    wait_next_second()
    got = expect(callers.admin.post(f"{GROUPS}/id/{g['id']}/update",
                                  json={"name": "g2", "description": "d2", "permissions": None}),
                 200)
    assert got["name"] == "g2" and got["description"] == "d2"
    assert got["permissions"] == {"chat": {"edit": False}}       # null: kept
    assert got["data"] == {"config": {"share": True}}
    assert got["updated_at"] > g["updated_at"] and got["created_at"] == g["created_at"]
    got = expect(callers.admin.post(f"{GROUPS}/id/{g['id']}/update",
                                  json={"name": "g2", "description": "d2",
                                        "permissions": {"features": {"notes": True}},
                                        "data": {"config": {"share": False}}}), 200)
    assert got["permissions"] == {"features": {"notes": True}}
    assert got["data"] == {"config": {"share": False}}
    assert set(got) == GROUP_KEYS
    for c, status, text in callers.refused("admin"):
        expect(c.post(f"{GROUPS}/id/{g['id']}/update", json={"name": "x", "description": ""}),
               status, text)


def test_update_to_a_taken_name(callers):
    create_group(callers.admin, "one")
    two = create_group(callers.admin, "two")
    expect(callers.admin.post(f"{GROUPS}/id/{two['id']}/update",
                            json={"name": "one", "description": ""}), 400, GROUP_UPDATE)
    expect(callers.admin.post(f"{GROUPS}/id/{two['id']}/update", json={"name": 1}), 422)


# ---------------------------------------------------------------- members add/remove

def test_add_and_remove_members(callers, stack):
    admin, user, pending = callers.admin, callers.user, callers.pending
    g = create_group(admin, "g")
    wait_next_second()
    got = expect(admin.post(f"{GROUPS}/id/{g['id']}/users/add",
                            json={"user_ids": [user.id, user.id, "nobody", pending.id]}), 200)
    assert got["member_count"] == 2 and got["updated_at"] > g["updated_at"]
    assert set(got) == GROUP_KEYS
    assert member_ids(stack, g["id"]) == sorted([user.id, pending.id])
    # adding present members again changes nothing but the time
    got = add_members(admin, g["id"], user.id)
    assert got["member_count"] == 2
    wait_next_second()
    before = expect(admin.get(f"{GROUPS}/id/{g['id']}"), 200)
    for body in ({"user_ids": []}, {"user_ids": None}, {}):
        same = expect(admin.post(f"{GROUPS}/id/{g['id']}/users/remove", json=body), 200)
        assert same == before, body       # unchanged, no bump
    got = expect(admin.post(f"{GROUPS}/id/{g['id']}/users/remove",
                            json={"user_ids": [user.id, "nobody"]}), 200)
    assert got["member_count"] == 1 and got["updated_at"] > before["updated_at"]
    assert member_ids(stack, g["id"]) == [pending.id]
    for path in ("add", "remove"):
        for c, status, text in callers.refused("admin"):
            expect(c.post(f"{GROUPS}/id/{g['id']}/users/{path}", json={"user_ids": [user.id]}),
                   status, text)
        for c in callers.allowed("admin"):
            expect(c.post(f"{GROUPS}/id/{g['id']}/users/{path}", json={"user_ids": []}), 200)


@pytest.mark.parametrize("body", [
    {"user_ids": "abc"}, {"user_ids": [1, 2]}, {"user_ids": [None]}, {"user_ids": {"a": 1}},
    {"user_ids": [["x"]]},
])
def test_membership_ids_must_be_strings(callers, stack, body):
    g = create_group(callers.admin, "g")
    for path in ("add", "remove"):
        r = callers.admin.post(f"{GROUPS}/id/{g['id']}/users/{path}", json=body)
        if body["user_ids"] == "abc":
            # a lone string is read as a one-element list (a form's repeated field)
            assert r.status_code == 200
        else:
            errs = expect(r, 422)["detail"]
            assert errs[0]["loc"][:2] == ["body", "user_ids"], errs
    assert member_ids(stack, g["id"]) == []


def test_thousands_of_ids_in_one_call(callers, stack):
    admin = callers.admin
    g = create_group(admin, "big")
    ids = [f"missing-{i}" for i in range(5000)] + [callers.user.id] * 1000 + ["x" * 300]
    t0 = time.time()
    got = add_members(admin, g["id"], *ids)
    assert time.time() - t0 < 10
    assert got["member_count"] == 1
    got = expect(admin.post(f"{GROUPS}/id/{g['id']}/users/remove", json={"user_ids": ids}), 200)
    assert got["member_count"] == 0


def test_membership_change_reaches_the_member_at_once(callers, stack):
    """A group's permissions apply at the member's next request, on whichever worker,
    and stop with the membership."""
    admin, user = callers.admin, callers.user
    g = create_group(admin, "keys", permissions={"features": {"api_keys": True}})
    for _ in range(8):
        assert expect(user.get(ME), 200)["permissions"]["features"]["api_keys"] is False
    add_members(admin, g["id"], user.id)
    for _ in range(8):
        assert expect(user.get(ME), 200)["permissions"]["features"]["api_keys"] is True
    expect(admin.post(f"{GROUPS}/id/{g['id']}/users/remove", json={"user_ids": [user.id]}), 200)
    for _ in range(8):
        assert expect(user.get(ME), 200)["permissions"]["features"]["api_keys"] is False


# ---------------------------------------------------------------- DELETE /id/{id}/delete

def test_delete_leaves_no_memberships_or_grants(callers, stack):
    admin = callers.admin
    g = create_group(admin, "doomed")
    keep = create_group(admin, "kept")
    add_members(admin, g["id"], callers.user.id, callers.pending.id)
    add_members(admin, keep["id"], callers.user.id)
    ctl(stack, "resource", "add", "model", "m1", "M1")
    ctl(stack, "grant", "add", "model", "m1", f"group:{g['id']}")
    ctl(stack, "grant", "add", "model", "m1", f"group:{keep['id']}")
    for c, status, text in callers.refused("admin"):
        expect(c.delete(f"{GROUPS}/id/{g['id']}/delete"), status, text)
    assert expect(admin.delete(f"{GROUPS}/id/{g['id']}/delete"), 200) is True
    assert sql_one(stack, f"SELECT COUNT(*) FROM `group` WHERE id = '{g['id']}'") == "0"
    assert sql_one(stack, f"SELECT COUNT(*) FROM group_member WHERE group_id = '{g['id']}'") == "0"
    assert sql_one(stack, "SELECT COUNT(*) FROM access_grant WHERE principal_type = 'group' "
                          f"AND principal_id = '{g['id']}'") == "0"
    # orphans of any kind: memberships or group grants without a group
    assert sql_one(stack, "SELECT COUNT(*) FROM group_member gm LEFT JOIN `group` g "
                          "ON g.id = gm.group_id WHERE g.id IS NULL") == "0"
    assert sql_one(stack, "SELECT COUNT(*) FROM access_grant ag LEFT JOIN `group` g ON "
                          "g.id = ag.principal_id WHERE ag.principal_type = 'group' "
                          "AND g.id IS NULL") == "0"
    assert member_ids(stack, keep["id"]) == [callers.user.id]
    expect(admin.get(f"{GROUPS}/id/{g['id']}"), 401, NOT_FOUND)
    # deleted twice: still true
    assert expect(callers.admin_key.delete(f"{GROUPS}/id/{g['id']}/delete"), 200) is True


def test_deleting_a_user_leaves_no_memberships_or_grants(callers, stack):
    admin, user = callers.admin, callers.user
    g = create_group(admin, "g")
    add_members(admin, g["id"], user.id, callers.pending.id)
    ctl(stack, "resource", "add", "model", "m1", "M1")
    ctl(stack, "grant", "add", "model", "m1", f"user:{user.id}")
    ctl(stack, "grant", "add", "model", "m1", "user:*")
    assert expect(admin.delete(f"/api/v1/users/{user.id}"), 200) is True
    assert sql_one(stack, f"SELECT COUNT(*) FROM group_member WHERE user_id = '{user.id}'") == "0"
    assert sql_one(stack, "SELECT COUNT(*) FROM access_grant WHERE principal_type = 'user' "
                          f"AND principal_id = '{user.id}'") == "0"
    assert sql_one(stack, "SELECT COUNT(*) FROM group_member gm LEFT JOIN `user` u "
                          "ON u.id = gm.user_id WHERE u.id IS NULL") == "0"
    assert ctl(stack, "grant", "list", "model") == "model\tm1\tuser:*\tread\n"
    assert expect(admin.get(f"{GROUPS}/id/{g['id']}"), 200)["member_count"] == 1


# ---------------------------------------------------------------- GET /id/{id}/preview

def test_group_preview(callers, stack):
    admin = callers.admin
    g = create_group(admin, "readers", permissions={"workspace": {"models": True}})
    other = create_group(admin, "others")
    ctl(stack, "resource", "add", "model", "m-public", "Public model")
    ctl(stack, "resource", "add", "model", "m-group", "Group model")
    ctl(stack, "resource", "add", "model", "m-off", "Inactive model", "--inactive")
    ctl(stack, "resource", "add", "model", "m-other", "Other group's model")
    ctl(stack, "resource", "add", "knowledge", "k-anyone", "Open KB")
    ctl(stack, "resource", "add", "knowledge", "k-user", "A user's KB")
    ctl(stack, "resource", "add", "tool", "t-write", "Write-only tool")
    ctl(stack, "grant", "add", "model", "m-public", "user:*")
    ctl(stack, "grant", "add", "model", "m-group", f"group:{g['id']}")
    ctl(stack, "grant", "add", "model", "m-off", f"group:{g['id']}")
    ctl(stack, "grant", "add", "model", "m-other", f"group:{other['id']}")
    ctl(stack, "grant", "add", "knowledge", "k-anyone", "anyone")
    ctl(stack, "grant", "add", "knowledge", "k-user", f"user:{callers.user.id}")
    ctl(stack, "grant", "add", "tool", "t-write", f"group:{g['id']}", "write")
    for c in callers.allowed("admin"):
        got = expect(c.get(f"{GROUPS}/id/{g['id']}/preview"), 200)
        assert got["group"] == {"id": g["id"], "name": "readers"}
        assert sorted(i["id"] for i in got["models"]["items"]) == ["m-group", "m-public"]
        assert got["models"]["total"] == 3            # active models only
        assert got["knowledge"] == {"items": [{"id": "k-anyone", "name": "Open KB"}],
                                    "total": 2}
        assert got["tools"] == {"items": [], "total": 1}
        assert got["permissions"] == {"workspace": {"models": True}}
    assert expect(admin.get(f"{GROUPS}/id/{other['id']}/preview"), 200)["permissions"] == {}
    for c, status, text in callers.refused("admin"):
        expect(c.get(f"{GROUPS}/id/{g['id']}/preview"), status, text)
