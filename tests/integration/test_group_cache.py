"""The workers' copy of the groups (issue 18; src/db/group_cache.c, sql/011): every worker
answers GET /api/v1/groups/ (with and without share), GET /api/v1/users/permissions and the
session's permission tree from the groups it holds, and reads them again when the groups'
version changes. A change of share, permissions, name or members made through the API (on
either worker) is seen by both workers at their next request; rows written by hand are seen
after `usherctl recount`; a membership written by hand counts at once (the caller's group ids
are read with its row), and a group the copy does not have yet is read from SQL.

Each check asks many requests at once on separate connections, so several workers answer
(the scoreboard's request counts say at least two did), after they were warmed with the old
state.
"""
import concurrent.futures

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ME, Client, add_user, auth_env, auth_module, expect,
)
from callerlib import callers  # noqa: F401  (the fixture)
from grouplib import (  # noqa: F401  (grants_wiped: fixture)
    GROUPS, USERS, add_members, create_group, ctl, grants_wiped,
)

N = 24   # requests at once: more than the workers, so several answer


def worker_requests(stack):
    r = stack.get("/status?json&full")
    r.raise_for_status()
    return {p["pid"]: p["requests"] for p in r.json()["processes"]}


def on_every_worker(stack, client, path):
    """path asked N times at once by client: the answers (all 200), after checking that
    at least two workers answered some."""
    before = worker_requests(stack)
    with concurrent.futures.ThreadPoolExecutor(N) as pool:
        answers = list(pool.map(lambda _: Client(stack, client.token).get(path), range(N)))
    after = worker_requests(stack)
    assert all(r.status_code == 200 for r in answers), [r.status_code for r in answers]
    served = [pid for pid, n in after.items() if n > before.get(pid, 0)]
    assert len(served) >= 2, (before, after)
    return [r.json() for r in answers]


def listing(stack, client, query=""):
    """The group names each of N requests of GET /groups/<query> saw (one sorted list each)."""
    return [sorted(g["name"] for g in got)
            for got in on_every_worker(stack, client, GROUPS + "/" + query)]


def same(answers):
    assert all(a == answers[0] for a in answers), answers
    return answers[0]


def test_share_change_reaches_both_workers(callers, stack):
    admin, user = callers.admin, callers.user
    g = create_group(admin, "Shared later", data={"config": {"share": "members"}})
    assert same(listing(stack, user, "?share=true")) == []
    expect(admin.post(f"{GROUPS}/id/{g['id']}/update",
                      json={"name": "Shared later", "description": "",
                            "data": {"config": {"share": True}}}), 200)
    assert same(listing(stack, user, "?share=true")) == ["Shared later"]
    expect(admin.post(f"{GROUPS}/id/{g['id']}/update",
                      json={"name": "Shared later", "description": "",
                            "data": {"config": {"share": False}}}), 200)
    assert same(listing(stack, user, "?share=true")) == []
    # a member sees it under share=false, not under share=true
    add_members(admin, g["id"], user.id)
    assert same(listing(stack, user, "?share=false")) == ["Shared later"]
    assert same(listing(stack, user, "?share=true")) == []


def test_name_change_reaches_both_workers(callers, stack):
    admin, user = callers.admin, callers.user
    g = create_group(admin, "Before")
    add_members(admin, g["id"], user.id)
    assert same(listing(stack, user)) == ["Before"]
    assert same(listing(stack, admin)) == ["Before"]
    expect(admin.post(f"{GROUPS}/id/{g['id']}/update",
                      json={"name": "After", "description": "changed"}), 200)
    assert same(listing(stack, user)) == ["After"]
    got = same(on_every_worker(stack, admin, GROUPS + "/"))
    assert [(x["name"], x["description"], x["member_count"]) for x in got] == \
        [("After", "changed", 1)]


def test_permission_change_reaches_both_workers(callers, stack):
    admin, user = callers.admin, callers.user
    g = create_group(admin, "Tools", permissions={"workspace": {"tools": True}})
    add_members(admin, g["id"], user.id)
    trees = on_every_worker(stack, user, USERS + "/permissions")
    assert all(t["workspace"]["tools"] is True for t in trees)
    expect(admin.post(f"{GROUPS}/id/{g['id']}/update",
                      json={"name": "Tools", "description": "",
                            "permissions": {"workspace": {"tools": False}}}), 200)
    trees = on_every_worker(stack, user, USERS + "/permissions")
    assert all(t["workspace"]["tools"] is False for t in trees), trees
    sessions = on_every_worker(stack, user, ME)
    assert all(s["permissions"]["workspace"]["tools"] is False for s in sessions)
    # the group's own listing shows the new tree too
    got = same(on_every_worker(stack, user, GROUPS + "/"))
    assert got[0]["permissions"] == {"workspace": {"tools": False}}


def test_members_change_reaches_both_workers(callers, stack):
    admin, user = callers.admin, callers.user
    a = create_group(admin, "A", permissions={"chat": {"x_cache_test": True}})
    b = create_group(admin, "B")
    assert same(listing(stack, user)) == []
    add_members(admin, a["id"], user.id)
    add_members(admin, b["id"], user.id)
    assert same(listing(stack, user)) == ["A", "B"]
    trees = on_every_worker(stack, user, USERS + "/permissions")
    assert all(t["chat"].get("x_cache_test") is True for t in trees)
    counts = same(on_every_worker(stack, admin, GROUPS + "/"))
    assert sorted((x["name"], x["member_count"]) for x in counts) == [("A", 1), ("B", 1)]
    expect(admin.post(f"{GROUPS}/id/{a['id']}/users/remove", json={"user_ids": [user.id]}),
           200)
    assert same(listing(stack, user)) == ["B"]
    trees = on_every_worker(stack, user, USERS + "/permissions")
    assert all("x_cache_test" not in t["chat"] for t in trees)
    expect(admin.delete(f"{GROUPS}/id/{b['id']}/delete"), 200)
    assert same(listing(stack, user)) == []
    assert same(listing(stack, admin)) == ["A"]


def test_the_order_is_the_most_recently_updated_first(callers, stack):
    admin, user = callers.admin, callers.user
    ids = [create_group(admin, name)["id"] for name in ("one", "two", "three")]
    for gid in ids:
        add_members(admin, gid, user.id)
    stack.sql("UPDATE `group` SET updated_at = CASE name WHEN 'one' THEN 3 WHEN 'two' THEN 1 "
              "ELSE 2 END")
    ctl(stack, "recount")   # rows written by hand: a new version
    for got in on_every_worker(stack, user, GROUPS + "/"):
        assert [x["name"] for x in got] == ["one", "three", "two"]


def test_rows_written_by_hand(callers, stack):
    admin, user = callers.admin, callers.user
    g = create_group(admin, "Hand", permissions={"features": {"x_hand": True}})
    add_members(admin, g["id"], user.id)
    assert same(listing(stack, user)) == ["Hand"]
    # a membership taken away by hand counts once the groups have a new version (workers
    # remember their callers' groups per version): before, the worker that served the
    # user goes on with what it read
    stack.sql(f"DELETE FROM group_member WHERE group_id = '{g['id']}'")
    ctl(stack, "recount")
    trees = on_every_worker(stack, user, USERS + "/permissions")
    assert all("x_hand" not in t["features"] for t in trees)
    assert same(listing(stack, user)) == []
    # a group and membership made by hand count after usherctl recount too
    stack.sql("INSERT INTO `group` (id, name, description, permissions, created_at, "
              "updated_at) VALUES ('hand-made', 'Hand made', '', "
              "'{\"features\": {\"x_made\": true}}', 1, 1); "
              "INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) "
              f"VALUES ('hm-1', 'hand-made', '{user.id}', 1, 1)")
    ctl(stack, "recount")
    trees = on_every_worker(stack, user, USERS + "/permissions")
    assert all(t["features"].get("x_made") is True for t in trees)
    # a change of a group's row by hand is seen after usherctl recount
    stack.sql(f"UPDATE `group` SET name = 'Renamed by hand' WHERE id = '{g['id']}'")
    ctl(stack, "recount")
    assert same(listing(stack, admin)) == ["Hand made", "Renamed by hand"]
    assert same(listing(stack, user)) == ["Hand made"]


def test_many_callers_each_see_their_own_groups(callers, stack):
    """More callers than a worker remembers memberships for (256 slots, by a hash of the
    id): evicted or not, each caller's permissions are those of its own groups, also after
    a membership change moves the version."""
    admin = callers.admin
    users = [add_user(admin, name=f"Memo {i}") for i in range(300)]
    groups = [create_group(admin, f"Memo group {k}",
                           permissions={"features": {f"x_memo_{k}": True}}) for k in range(3)]
    group_of = {}
    for i, u in enumerate(users):
        add_members(admin, groups[i % 3]["id"], u.id)
        group_of[u.id] = i % 3

    def check():
        for u in users:
            features = expect(Client(stack, u.token).get(USERS + "/permissions"), 200)["features"]
            mine = {k for k in features if k.startswith("x_memo_")}
            assert mine == {f"x_memo_{group_of[u.id]}"}, (u.id, mine)

    check()
    check()   # the second round is served from what the workers remember
    # move every user of group 0 to group 2: the version moves, workers read them again
    moved = [u.id for u in users if group_of[u.id] == 0]
    expect(admin.post(f"{GROUPS}/id/{groups[0]['id']}/users/remove",
                      json={"user_ids": moved}), 200)
    add_members(admin, groups[2]["id"], *moved)
    group_of.update({uid: 2 for uid in moved})
    check()
