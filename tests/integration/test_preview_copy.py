"""The workers' copy of the resource registries and their read grants (issue 18;
src/db/previews.c, sql/016): the access previews are answered from it, and every
worker reads it again when the resources' version changes. A resource or grant added,
changed or removed by usherctl, and a membership changed through the API, are seen by both
workers at their next request; rows written by hand are seen after `usherctl recount`. The
copy answers as the query does (checked against it and against a brute-force reading of
the tables, ids that differ only by trailing spaces included: the copy answers the id a
resource was registered with), and with more rows than a
worker holds the previews still answer, from SQL.
"""
import random
import uuid

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    add_user, auth_env, auth_module, expect, sql_quote, sql_text,
)
from callerlib import callers  # noqa: F401  (the fixture)
from grouplib import (  # noqa: F401  (grants_wiped: fixture)
    GROUPS, USERS, add_members, create_group, ctl, grants_wiped, wipe_grants,
)
from test_group_cache import on_every_worker, same

TYPES = ("model", "knowledge", "tool")
LISTS = {"model": "models", "knowledge": "knowledge", "tool": "tools"}


def lists(preview):
    """{type: ([item ids], total)} of a preview answer."""
    return {t: ([i["id"] for i in preview[LISTS[t]]["items"]], preview[LISTS[t]]["total"])
            for t in TYPES}


def user_preview(stack, admin, uid):
    return same(on_every_worker(stack, admin, f"{USERS}/{uid}/preview"))


def group_preview(stack, admin, gid):
    return same(on_every_worker(stack, admin, f"{GROUPS}/id/{gid}/preview"))


def test_every_write_reaches_both_workers(callers, stack):
    admin, user = callers.admin, callers.user
    g = create_group(admin, "Readers")
    add_members(admin, g["id"], user.id)
    seen = lambda: lists(user_preview(stack, admin, user.id))   # noqa: E731
    assert seen() == {"model": ([], 0), "knowledge": ([], 0), "tool": ([], 0)}

    ctl(stack, "resource", "add", "model", "m1", "Model one")
    assert seen()["model"] == ([], 1)
    ctl(stack, "grant", "add", "model", "m1", f"group:{g['id']}")
    assert seen()["model"] == (["m1"], 1)
    assert lists(group_preview(stack, admin, g["id"]))["model"] == (["m1"], 1)
    ctl(stack, "resource", "add", "model", "m1", "Model one", "--inactive")
    assert seen()["model"] == ([], 0)
    ctl(stack, "resource", "add", "model", "m1", "Renamed")
    got = user_preview(stack, admin, user.id)
    assert got["models"]["items"] == [{"id": "m1", "name": "Renamed"}]
    ctl(stack, "grant", "rm", "model", "m1", f"group:{g['id']}")
    assert seen()["model"] == ([], 1)
    assert lists(group_preview(stack, admin, g["id"]))["model"] == ([], 1)

    ctl(stack, "resource", "add", "knowledge", "k1", "Owned", "--owner", user.id)
    assert seen()["knowledge"] == (["k1"], 1)
    ctl(stack, "resource", "rm", "knowledge", "k1")
    assert seen()["knowledge"] == ([], 0)

    # a grant to another group counts once the user joins it, and stops when it leaves
    other = create_group(admin, "Tool users")
    ctl(stack, "resource", "add", "tool", "t1", "Tool")
    ctl(stack, "grant", "add", "tool", "t1", f"group:{other['id']}")
    assert seen()["tool"] == ([], 1)
    add_members(admin, other["id"], user.id)
    assert seen()["tool"] == (["t1"], 1)
    expect(admin.post(f"{GROUPS}/id/{other['id']}/users/remove",
                      json={"user_ids": [user.id]}), 200)
    assert seen()["tool"] == ([], 1)
    ctl(stack, "grant", "add", "tool", "t1", "anyone")
    assert seen()["tool"] == (["t1"], 1)


def test_rows_written_by_hand_count_after_recount(callers, stack):
    admin, user = callers.admin, callers.user
    ctl(stack, "resource", "add", "tool", "t-hand", "By hand")
    assert lists(user_preview(stack, admin, user.id))["tool"] == ([], 1)
    stack.sql("INSERT INTO access_grant (id, resource_type, resource_id, principal_type, "
              f"principal_id, permission, created_at) VALUES ('{uuid.uuid4()}', 'tool', "
              f"'t-hand', 'user', {sql_quote(user.id)}, 'read', 0); "
              "UPDATE tool SET name = 'Renamed by hand' WHERE id = 't-hand'")
    ctl(stack, "recount")
    got = user_preview(stack, admin, user.id)
    assert got["tools"] == {"items": [{"id": "t-hand", "name": "Renamed by hand"}], "total": 1}


def pad(s):
    """An id as MariaDB's utf8mb4_bin compares it (PAD SPACE): trailing spaces ignored."""
    return s.rstrip(" ")


def as_compared(preview):
    """A preview with every listed id as MariaDB compares it."""
    rest = {m: v for m, v in preview.items() if m not in LISTS.values()}
    return rest, {t: ([pad(i) for i in ids], total) for t, (ids, total) in lists(preview).items()}


def brute_force(state, uid=None, group_ids=(), gid=None):
    """The preview's lists from the rows themselves (contract §1a/§1c, D19)."""
    res, grants = state
    principals = {("user", "*"), ("user", pad(uid or ""))}
    principals |= {("group", pad(gid or ""))} | {("group", pad(x)) for x in group_ids}
    keys = set()
    for rtype, rid, ptype, pid, perm in grants:
        if perm == "read" and ((ptype, pad(pid)) in principals or ptype == "anyone"):
            keys.add((rtype, pad(rid)))
    if uid:
        keys |= {(t, pad(i)) for (t, i), (_, owner, _, _) in res.items()
                 if owner is not None and pad(owner) == pad(uid)}
    out = {}
    for t in TYPES:
        listed = [(upd, pad(i), i) for (rt, i), (_, _, upd, active) in res.items()
                  if rt == t and active and (t, pad(i)) in keys]
        listed.sort(key=lambda x: (-x[0], x[1]))
        out[t] = ([i for _, _, i in listed],
                  sum(1 for (rt, _), v in res.items() if rt == t and v[3]))
    return out


def random_rows(stack, rnd, users, groups):
    """Resources (some inactive, some owned, ids with trailing spaces or non-ASCII) and
    grants of every kind (other types, write grants, grants to missing resources), written
    by SQL, then counted by `usherctl recount`."""
    res, grants, rows = {}, [], []
    for n in range(60):
        t = rnd.choice(TYPES)
        rid = rnd.choice(["r", "ŕ", "R"]) + str(n) + rnd.choice(["", "", " ", "  "])
        owner = rnd.choice([None, None] + users)
        upd = rnd.choice([100, 200, 300, 400])
        active = t != "model" or rnd.random() < 0.8
        res[(t, rid)] = (f"Name {n}", owner, upd, active)
        table = {"model": "model", "knowledge": "knowledge", "tool": "tool"}[t]
        cols = "id, user_id, name, created_at, updated_at" + (", is_active" if t == "model" else "")
        vals = (f"{sql_text(rid)}, {sql_text(owner)}, {sql_text(f'Name {n}')}, 0, {upd}" +
                (f", {int(active)}" if t == "model" else ""))
        rows.append(f"INSERT INTO {table} ({cols}) VALUES ({vals})")
    keys = list(res)
    for n in range(150):
        rtype, rid = rnd.choice(keys)
        rtype = rnd.choice([rtype] * 8 + ["prompt"])
        rid = rnd.choice([rid, pad(rid), pad(rid) + " ", "missing"])
        ptype, pid = rnd.choice([("user", "*"), ("anyone", "*")] +
                                [("user", u) for u in users] + [("group", g) for g in groups] +
                                [("group", g + " ") for g in groups])
        perm = rnd.choice(["read", "read", "read", "write"])
        if any((rtype, pad(rid), ptype, pad(pid), perm) ==
               (a, pad(b), c, pad(d), e) for a, b, c, d, e in grants):
            continue   # the unique key (PAD SPACE) would refuse it
        grants.append((rtype, rid, ptype, pid, perm))
        rows.append("INSERT INTO access_grant (id, resource_type, resource_id, principal_type, "
                    f"principal_id, permission, created_at) VALUES ('{uuid.uuid4()}', "
                    f"{sql_text(rtype)}, {sql_text(rid)}, {sql_text(ptype)}, "
                    f"{sql_text(pid)}, {sql_text(perm)}, 0)")
    stack.sql("; ".join(rows))
    ctl(stack, "recount")
    return res, grants


def test_copy_answers_as_the_query_does(callers, stack):
    admin = callers.admin
    rnd = random.Random(18)
    users = [add_user(admin).user["id"] for _ in range(4)]
    groups = [create_group(admin, f"G{i}")["id"] for i in range(4)]
    membership = {u: rnd.sample(groups, rnd.randint(0, 3)) for u in users}
    for u, gs in membership.items():
        for g in gs:
            add_members(admin, g, u)
    state = random_rows(stack, rnd, users, groups)

    def answers():
        got = {("user", u): user_preview(stack, admin, u) for u in users}
        got.update({("group", g): group_preview(stack, admin, g) for g in groups})
        return got

    from_copy = answers()
    for (kind, pid), got in from_copy.items():
        want = (brute_force(state, uid=pid, group_ids=membership[pid]) if kind == "user"
                else brute_force(state, gid=pid))
        assert lists(got) == want, (kind, pid)
    # without the versions' row, no worker holds a copy: the previews query
    stack.sql("UPDATE group_version SET id = 2 WHERE id = 1")
    try:
        from_sql = answers()
    finally:
        stack.sql("UPDATE group_version SET id = 1 WHERE id = 2")
    # the query answers a resource's id as the grant that reached it spells it (of two
    # spellings that differ in trailing spaces, whichever it met first); the copy answers
    # the id the resource was registered with
    assert {k: as_compared(a) for k, a in from_sql.items()} == \
        {k: as_compared(a) for k, a in from_copy.items()}


def test_more_rows_than_a_worker_holds_answer_from_sql(callers, stack):
    admin, user = callers.admin, callers.user
    try:
        stack.sql("INSERT INTO tool (id, user_id, name, created_at, updated_at) "
                  "SELECT CONCAT('bulk-', seq), NULL, CONCAT('Bulk ', seq), 0, seq "
                  "FROM seq_1_to_10001; "
                  "INSERT INTO access_grant (id, resource_type, resource_id, principal_type, "
                  "principal_id, permission, created_at) SELECT UUID(), 'tool', "
                  "CONCAT('bulk-', seq), 'user', '*', 'read', 0 FROM seq_1_to_3")
        ctl(stack, "recount")
        got = user_preview(stack, admin, user.id)
        assert lists(got)["tool"] == (["bulk-3", "bulk-2", "bulk-1"], 10001)
        ctl(stack, "grant", "add", "tool", "bulk-10001", f"user:{user.id}")
        got = user_preview(stack, admin, user.id)
        assert lists(got)["tool"] == (["bulk-10001", "bulk-3", "bulk-2", "bulk-1"], 10001)
    finally:
        wipe_grants(stack)
