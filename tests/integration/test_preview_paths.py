"""The previews find readable resources from the grants, one index range per kind of grant
(src/db/resources.c): a resource reachable several ways (owned, granted to every user,
to the user, to anyone, to two of its groups) is listed once, in its type, newest first;
grants of other resource types or permissions, and grants to a resource that does not
exist, list nothing; a group's preview reads only what is granted to that group."""
from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    GROUPS_CHANGED_SQL, add_user, auth_env, auth_module, expect,
)
from callerlib import callers  # noqa: F401  (the fixture)
from grouplib import (  # noqa: F401  (grants_wiped: fixture)
    GROUPS, USERS, add_members, create_group, ctl, grants_wiped,
)


def test_every_way_to_a_resource_lists_it_once(callers, stack):
    admin, user = callers.admin, callers.user
    a, b = create_group(admin, "a"), create_group(admin, "b")
    add_members(admin, a["id"], user.id)
    add_members(admin, b["id"], user.id)
    for args in [
        ("resource", "add", "model", "m-many", "Many ways", "--owner", user.id),
        ("resource", "add", "model", "m-b", "Through b"),
        ("resource", "add", "tool", "t-same-id", "A tool"),
        ("grant", "add", "model", "m-many", "user:*"),
        ("grant", "add", "model", "m-many", f"user:{user.id}"),
        ("grant", "add", "model", "m-many", "anyone"),
        ("grant", "add", "model", "m-many", f"group:{a['id']}"),
        ("grant", "add", "model", "m-many", f"group:{b['id']}"),
        ("grant", "add", "model", "m-b", f"group:{b['id']}"),
    ]:
        ctl(stack, *args)
    # a grant of another type naming a model's id, one to a missing tool, a write grant:
    # none of them reads anything
    stack.sql("INSERT INTO access_grant (id, resource_type, resource_id, principal_type, "
              "principal_id, permission, created_at) VALUES "
              f"('g-prompt', 'prompt', 'm-b', 'user', '{user.id}', 'read', 0), "
              f"('g-gone', 'tool', 't-gone', 'user', '{user.id}', 'read', 0), "
              f"('g-write', 'tool', 't-same-id', 'user', '{user.id}', 'write', 0)")
    stack.sql("UPDATE model SET updated_at = 100 WHERE id = 'm-many'; "
              "UPDATE model SET updated_at = 200 WHERE id = 'm-b'; " + GROUPS_CHANGED_SQL)
    got = expect(admin.get(f"{USERS}/{user.id}/preview"), 200)
    assert [i["id"] for i in got["models"]["items"]] == ["m-b", "m-many"]   # newest first
    assert got["models"]["total"] == 2
    assert got["knowledge"]["items"] == []
    assert got["tools"] == {"items": [], "total": 1}
    assert sorted(g["id"] for g in got["groups"]) == sorted([a["id"], b["id"]])
    # another user sees what is granted to everyone only
    other = add_user(admin, role="user")
    got = expect(admin.get(f"{USERS}/{other.id}/preview"), 200)
    assert [i["id"] for i in got["models"]["items"]] == ["m-many"]
    # a group's preview: what is granted to that group (and to everyone), not its members'
    got = expect(admin.get(f"{GROUPS}/id/{a['id']}/preview"), 200)
    assert [i["id"] for i in got["models"]["items"]] == ["m-many"]
    got = expect(admin.get(f"{GROUPS}/id/{b['id']}/preview"), 200)
    assert [i["id"] for i in got["models"]["items"]] == ["m-b", "m-many"]
