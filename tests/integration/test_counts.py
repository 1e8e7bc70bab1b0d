"""The counts every listing shows stay exact under concurrent writes (issue 15, item 14).

usher keeps the number of users (GET /api/v1/users/ "total") and each group's member_count
itself, in the transaction of each insert or delete (src/db/counts.c), since the triggers
that kept them cannot be created on a MariaDB with binary logging by the README's user. In
scripts/test.sh's plain leg this stack runs exactly that server (--log-bin, GRANT ALL ON
usher.*). Here sign-ups, admin adds, deletes, membership changes and default-group sign-ups
run at once from many clients; afterwards every count equals what COUNT(*) finds and what
the test expects.
"""
import concurrent.futures

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    add_user, auth_env, auth_module, expect, first_admin, set_admin_config, signup, sql_one,
    unique_email,
)
from grouplib import GROUPS, add_members, create_group

USERS = "/api/v1/users"


def run_all(jobs, workers=12):
    """Runs every callable of jobs at once (in a pool of threads); returns their results."""
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        return [f.result() for f in [ex.submit(j) for j in jobs]]


def total(admin):
    return expect(admin.get(USERS + "/", params={"page": 1}), 200)["total"]


def member_count(admin, gid):
    return expect(admin.get(f"{GROUPS}/id/{gid}"), 200)["member_count"]


def members_in_sql(stack, gid):
    return int(sql_one(stack, f"SELECT COUNT(*) FROM group_member WHERE group_id = '{gid}'"))


def users_in_sql(stack):
    return int(sql_one(stack, "SELECT COUNT(*) FROM `user`"))


def test_total_and_member_counts_stay_exact_under_concurrent_writes(stack):
    admin = first_admin(stack)
    a = create_group(admin, "alpha")["id"]
    b = create_group(admin, "beta")["id"]
    doomed = [add_user(admin).id for _ in range(12)]
    keep = [add_user(admin).id for _ in range(12)]
    add_members(admin, a, *doomed, *keep[:6])
    add_members(admin, b, *doomed[:6])
    assert total(admin) == 25 and member_count(admin, a) == 18 and member_count(admin, b) == 6
    # From now on sign-ups and the admin's adds land in group b too (the default group).
    set_admin_config(admin, ENABLE_SIGNUP=True, DEFAULT_USER_ROLE="user", DEFAULT_GROUP_ID=b)

    def delete(uid):
        return lambda: admin.delete(f"{USERS}/{uid}").status_code

    def signup_one():
        return lambda: signup(stack, unique_email("race")).status_code

    def admin_add():
        return lambda: admin.post("add", json={"name": "Racer", "email": unique_email("add"),
                                               "password": "a long password 1",
                                               "role": "user"}).status_code

    def change(gid, path, ids):
        return lambda: admin.post(f"{GROUPS}/id/{gid}/users/{path}",
                                  json={"user_ids": ids}).status_code

    jobs = [delete(uid) for uid in doomed]
    jobs += [signup_one() for _ in range(10)] + [admin_add() for _ in range(10)]
    # Memberships of users being deleted at the same moment, and of users who stay: the
    # same user added twice at once, removed while added elsewhere.
    jobs += [change(a, "remove", [uid]) for uid in doomed[:4]]
    jobs += [change(b, "add", [uid]) for uid in keep] + [change(b, "add", keep[:6])]
    jobs += [change(a, "add", [uid]) for uid in keep[6:]]
    jobs += [change(a, "remove", keep[:3])]
    statuses = run_all(jobs)
    # Every account change lands. A membership change racing the deletion of a member of
    # the same group can be MariaDB's deadlock victim (the deletion bumps the user's groups
    # while the change holds its group): it then answers the contract's 400 and changes
    # nothing, which the counts below must show too.
    users_done = statuses[:32]
    assert set(users_done) == {200}, ([(i, st) for i, st in enumerate(users_done) if st != 200],
                                      stack.log_tail())
    assert set(statuses[32:]) <= {200, 400}, statuses[32:]
    lost = [i for i, st in enumerate(statuses) if st == 400]

    # 25 - 12 deleted + 10 sign-ups + 10 added.
    assert users_in_sql(stack) == 33
    assert total(admin) == 33
    # a: the 12 keepers, less the 3 removed; b: every keeper, the 10 sign-ups and the 10
    # added (its 6 doomed members are gone).
    in_a, in_b = members_in_sql(stack, a), members_in_sql(stack, b)
    if not lost:
        assert (in_a, in_b) == (9, 32)
    assert member_count(admin, a) == in_a and member_count(admin, b) == in_b
    listed = {g["id"]: g["member_count"] for g in expect(admin.get(GROUPS + "/"), 200)}
    assert listed == {a: in_a, b: in_b}


def test_deleting_a_group_member_user_and_the_sync_keep_counts(stack):
    """Every other write path of users and memberships: a user in several groups deleted,
    a whole group's members removed, and the sum over groups checked against SQL."""
    admin = first_admin(stack)
    gids = [create_group(admin, f"g{i}")["id"] for i in range(3)]
    users = [add_user(admin).id for _ in range(5)]
    for gid in gids:
        add_members(admin, gid, *users)
    expect(admin.delete(f"{USERS}/{users[0]}"), 200)
    expect(admin.post(f"{GROUPS}/id/{gids[1]}/users/remove", json={"user_ids": users}), 200)
    assert [member_count(admin, g) for g in gids] == [4, 0, 4]
    assert [members_in_sql(stack, g) for g in gids] == [4, 0, 4]
    assert total(admin) == users_in_sql(stack) == 5
