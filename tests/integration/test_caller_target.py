"""The user a GET route is about comes with its caller (issue 18; src/db/callers.c,
session.h, app.c): GET /users/{id}, /users/{id}/info, /users/{id}/preview and the other GET
routes with a {user_id} read the target's row (and, where the answer shows them, its group
ids) in the caller lookup's statement, so such a request is one statement. The answers are
those of a separate read: by token or by API key, for a user that exists or not, with
memberships made through the API or written by hand, and for a row of megabytes (which also
leaves the worker as FastCGI records of 64 KB, src/worker.c).
"""
import uuid

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, auth_env, auth_module, expect, sql_quote,
)
from callerlib import callers  # noqa: F401  (the fixture)
from grouplib import GROUPS, USERS, add_members, create_group, ctl
from userlib import seed_users


def statements(stack):
    return int(stack.sql("SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'")[0][1])


def test_one_user_is_one_statement(callers, stack):
    admin, user = callers.admin, callers.user
    g = create_group(admin, "Target's group")
    add_members(admin, g["id"], user.user["id"])
    path = f"{USERS}/{user.user['id']}"
    for _ in range(8):   # every worker past its first request (settings, groups' copy)
        expect(admin.get(path), 200)
    before = statements(stack)
    for _ in range(20):
        got = expect(admin.get(path), 200)
        assert [x["name"] for x in got["groups"]] == ["Target's group"], got["groups"]
    assert statements(stack) - before <= 20


def test_a_preview_is_two_statements(callers, stack):
    """The target's row and group ids with the caller, then the readable resources and
    their totals in one more: two, also for a user no worker has seen as a caller."""
    admin = callers.admin
    g = create_group(admin, "Previewed's group")
    seen = seed_users(stack, [{"name": "Previewed", "email": f"p-{uuid.uuid4().hex}@example.org"}])
    add_members(admin, g["id"], seen[0]["id"])
    path = f"{USERS}/{seen[0]['id']}/preview"
    for _ in range(8):
        expect(admin.get(path), 200)
    before = statements(stack)
    for _ in range(20):
        got = expect(admin.get(path), 200)
        assert [x["name"] for x in got["groups"]] == ["Previewed's group"], got
    assert statements(stack) - before <= 40


def test_answers_by_token_and_by_key_agree(callers, stack):
    admin, key = callers.admin, callers.client("admin-key")
    uid = callers.user.user["id"]
    missing = str(uuid.uuid4())
    for path in (f"{USERS}/{uid}", f"{USERS}/{uid}/info", f"{USERS}/{uid}/preview",
                 f"{USERS}/{uid}/api_keys", f"{USERS}/{uid}/sessions", f"{USERS}/{missing}",
                 f"{USERS}/{missing}/info", f"{USERS}/{missing}/preview",
                 f"{USERS}/{missing}/sessions"):
        by_token, by_key = admin.get(path), key.get(path)
        assert by_token.status_code == by_key.status_code, path
        if path.endswith("/sessions") and by_token.status_code == 200:
            continue   # the key's own request is no session: the lists agree in length only
        assert by_token.json() == by_key.json(), path
    assert admin.get(f"{USERS}/{missing}").status_code == 400
    assert admin.get(f"{USERS}/{missing}/preview").status_code == 404


def test_a_target_read_for_a_caller_not_allowed_is_not_shown(callers, stack):
    user, admin = callers.user, callers.admin
    r = user.get(f"{USERS}/{admin.user['id']}")
    expect(r, 401, ACCESS_PROHIBITED)
    assert admin.user["email"] not in r.text


def test_memberships_written_by_hand_count_after_recount(callers, stack):
    admin, uid = callers.admin, callers.user.user["id"]
    g = create_group(admin, "By API")
    path = f"{USERS}/{uid}"
    for _ in range(6):
        assert expect(admin.get(path), 200)["groups"] == []
    stack.sql(f"INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) "
              f"VALUES ({sql_quote(str(uuid.uuid4()))}, {sql_quote(g['id'])}, {sql_quote(uid)}, "
              f"1, 1)")
    gid = str(uuid.uuid4())
    stack.sql(f"INSERT INTO `group` (id, user_id, name, description, created_at, updated_at) "
              f"VALUES ({sql_quote(gid)}, {sql_quote(admin.user['id'])}, 'By hand', '', 2, 2)")
    stack.sql(f"INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) "
              f"VALUES ({sql_quote(str(uuid.uuid4()))}, {sql_quote(gid)}, {sql_quote(uid)}, "
              f"1, 1)")
    # the group ids come from the user's row (sql/017), which rows written by hand leave as
    # they were until usherctl recount (documented in usherctl(8))
    for _ in range(4):
        assert expect(admin.get(path), 200)["groups"] == []
    ctl(stack, "recount")
    for _ in range(6):
        got = expect(admin.get(path), 200)
        assert sorted(x["name"] for x in got["groups"]) == ["By API", "By hand"], got
        info = expect(callers.user.get(path + "/info"), 200)
        assert sorted(x["name"] for x in info["groups"]) == ["By API", "By hand"], info
    # and a group written by hand whose member's row names it before the workers' copy of
    # the groups has it (no recount since): its name is read from SQL
    gid2 = str(uuid.uuid4())
    stack.sql(f"INSERT INTO `group` (id, user_id, name, description, created_at, updated_at) "
              f"VALUES ({sql_quote(gid2)}, {sql_quote(admin.user['id'])}, 'Later', '', 3, 3); "
              f"INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) "
              f"VALUES ({sql_quote(str(uuid.uuid4()))}, {sql_quote(gid2)}, {sql_quote(uid)}, "
              f"1, 1); UPDATE `user` SET group_ids = CONCAT(group_ids, ',', {sql_quote(gid2)}) "
              f"WHERE id = {sql_quote(uid)}")
    for _ in range(6):
        got = expect(admin.get(path), 200)
        assert sorted(x["name"] for x in got["groups"]) == ["By API", "By hand", "Later"], got


def test_a_row_of_megabytes_comes_whole(callers, stack):
    admin = callers.admin
    big = {"notes": "x" * 1_500_000, "tail": "é" * 1000}
    row = seed_users(stack, [{"name": "Big Row", "email": f"big-{uuid.uuid4().hex}@example.org",
                              "info": {}}])[0]
    stack.sql("UPDATE `user` SET info = JSON_OBJECT('notes', REPEAT('x', 1500000), "
              f"'tail', REPEAT('é', 1000)) WHERE id = {sql_quote(row['id'])}")
    for _ in range(4):   # both workers
        r = admin.get(f"{USERS}/{row['id']}")
        got = expect(r, 200)
        assert len(r.content) > 1_500_000
        assert got["info"] == big and got["name"] == "Big Row"
    # and the group listing (over 8 KB) after it, on the same connection
    for i in range(40):
        create_group(admin, f"Listed {i:02d} " + "d" * 200)
    r = admin.get(GROUPS + "/")
    names = sorted(x["name"] for x in expect(r, 200) if x["name"].startswith("Listed "))
    assert names == sorted(f"Listed {i:02d} " + "d" * 200 for i in range(40))
    assert len(r.content) > 8192
