"""Each worker's copy of the listing's fences (issue 18; sql/018_user_fence2_version.sql,
src/db/user_fence_copy.c): a page found in the copy is one statement besides the caller's,
and it still answers exactly what a brute-force `ORDER BY column, id LIMIT 30 OFFSET n`
does on both workers after every kind of write that moves users between runs of one
super-run (the counts stay, only the super-run's v tells): a rename, an e-mail or role
change, a sign-up, a deletion, activity, and users renamed by hand then `usherctl reindex`
(which writes new fence keys with the same counts)."""
import concurrent.futures

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    PASSWORD, Client, add_user, auth_env, auth_module, expect, signin_client, sql_quote,
)
from indexlib import ORDERS, brute_page, reindex, seed, user_count
from userlib import PAGE_SIZE, u

SEEDED = 6_000   # 6 runs of 1,000 users in one super-run per order
N = 8            # requests at once: both workers answer some


def worker_requests(stack):
    r = stack.get("/status?json&full")
    r.raise_for_status()
    return {p["pid"]: p["requests"] for p in r.json()["processes"]}


def pages_on_every_worker(stack, admin, order, direction, page):
    """The ids of one page asked N times at once, after checking that two workers answered."""
    params = {"page": page}
    if order:
        params.update(order_by=order, direction=direction)
    before = worker_requests(stack)
    with concurrent.futures.ThreadPoolExecutor(N) as pool:
        answers = list(pool.map(lambda _: Client(stack, admin.token).get(u(""), params=params),
                                range(N)))
    after = worker_requests(stack)
    assert len([p for p, n in after.items() if n > before.get(p, 0)]) >= 2, (before, after)
    return [(expect(r, 200)["total"], [x["id"] for x in r.json()["users"]]) for r in answers]


def run_edges(stack):
    """Pages across each run's edge (runs of 1,000: positions 1,000, 2,000, ...)."""
    n = user_count(stack)
    return sorted({p for edge in range(1000, n, 1000)
                   for p in ((edge - 1) // PAGE_SIZE + 1, edge // PAGE_SIZE + 1)})


def check_everywhere(stack, admin, orders=ORDERS, past=False):
    """Every order and direction, pages at every run edge and the last, on both workers,
    against the brute force; past: also the page after the last (which makes a worker read
    its fences again, since the total must be the committed one: so not before a write
    whose effect on the copies is tested)."""
    n = user_count(stack)
    last = (n + PAGE_SIZE - 1) // PAGE_SIZE
    for order in orders:
        for direction in ("asc", "desc") if order else (None,):
            for page in run_edges(stack) + [last] + ([last + 1] if past else []):
                offset = (page - 1) * PAGE_SIZE
                want = brute_page(stack, order, direction, offset) if offset < n else []
                for total, ids in pages_on_every_worker(stack, admin, order, direction, page):
                    assert (total, ids) == (n, want), (order, direction, page)


def position(stack, order, uid):
    """uid's 0-based position in order (column, then id, ascending)."""
    return int(stack.sql(f"SELECT COUNT(*) FROM `user` x JOIN `user` y ON y.id = {sql_quote(uid)} "
                         f"WHERE x.{order} < y.{order} OR (x.{order} = y.{order} AND x.id < y.id)")
               [0][0])


def at(stack, order, pos):
    """The id of the user at pos in order, skipping the primary admin (the first user by
    created_at, which no one may change) and the admins."""
    first = stack.sql("SELECT id FROM `user` ORDER BY created_at, id LIMIT 1")[0][0]
    for (uid,) in stack.sql(f"SELECT id FROM `user` WHERE role <> 'admin' ORDER BY {order}, id "
                            f"LIMIT 5 OFFSET {pos}"):
        if uid != first:
            return uid
    raise AssertionError((order, pos))


def at_name(stack, pos):
    """A name that sorts just after the name at pos."""
    return stack.sql(f"SELECT name FROM `user` ORDER BY name, id LIMIT 1 OFFSET {pos}")[0][0] + " z"


def at_email(stack, pos):
    """A free address that sorts just after the one at pos."""
    email = stack.sql(f"SELECT email FROM `user` ORDER BY email LIMIT 1 OFFSET {pos}")[0][0]
    local, domain = email.split("@", 1)
    return f"{local}0moved@{domain}"


def stmt_executes(stack):
    return int(stack.sql("SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'")[0][1])


@pytest.fixture(scope="module")
def world(stack, auth_module):
    return {"admin": seed(stack, SEEDED, pool_env={})}


class TestFenceCopy:
    KEEP_DB = True

    def test_a_page_from_the_copy_is_one_statement(self, stack, world):
        """Warm, a page costs the caller's statement and its own (4 without the copy:
        the super-runs and the fences are read too)."""
        admin = world["admin"]
        for order in ("name", "email", "role"):
            for _ in range(3):
                pages_on_every_worker(stack, admin, order, "asc", 70)
            before = stmt_executes(stack)
            for page in range(60, 90):
                expect(admin.get(u(""), params={"page": page, "order_by": order,
                                                "direction": "asc"}), 200)
            assert stmt_executes(stack) - before <= 2 * 30 + 2, order

    def test_writes_inside_a_super_run(self, stack, world):
        admin = world["admin"]
        check_everywhere(stack, admin)   # every worker holds a copy of every order
        # one user of the first run of name renamed into the fifth, one of the first run of
        # email given an address in the fourth, the last user of role made pending (into
        # the first run): every count of the super-run stays
        moves = [("name", at(stack, "name", 100), lambda: {"name": at_name(stack, 4500)}),
                 ("email", at(stack, "email", 200), lambda: {"email": at_email(stack, 3500)}),
                 ("role", at(stack, "role", SEEDED - 400), lambda: {"role": "pending"})]
        for order, uid, body in moves:
            before = position(stack, order, uid)
            expect(admin.post(u(f"/{uid}/update"), json=body()), 200)
            assert before // 1000 != position(stack, order, uid) // 1000, order
            check_everywhere(stack, admin, [order])
        # a sign-up and a deletion: counts change too
        made = add_user(admin, name="Aaaa Early")
        expect(admin.delete(u(f"/{at(stack, 'created_at', 300)}")), 200)
        check_everywhere(stack, admin)
        # activity: the new user, first by last_active_at, moves to the end of the order
        stack.sql(f"UPDATE `user` SET last_active_at = 0 WHERE id = {sql_quote(made.user['id'])}")
        assert reindex(stack).returncode == 0
        check_everywhere(stack, admin, ["last_active_at"])
        expect(signin_client(stack, made.user["email"], PASSWORD).get("/api/v1/auths/"), 200)
        assert position(stack, "last_active_at", made.user["id"]) >= SEEDED
        check_everywhere(stack, admin, ["last_active_at"])
        check_everywhere(stack, admin, past=True)

    def test_renamed_by_hand_then_reindexed(self, stack, world):
        """Users renamed by SQL (the fence keys gone, every count the same): after
        `usherctl reindex` both workers answer the new order."""
        admin = world["admin"]
        check_everywhere(stack, admin, ["name", "email"])
        fence_users = stack.sql("SELECT u.id FROM `user` u JOIN user_fence_name f ON f.id = u.id")
        for (uid,) in fence_users:
            stack.sql(f"UPDATE `user` SET name = CONCAT('~', name), email = CONCAT('~', email) "
                      f"WHERE id = {sql_quote(uid)}")
        assert reindex(stack).returncode == 0
        check_everywhere(stack, admin, ["name", "email"], past=True)

    def test_reindex_before_migration_018(self, stack, world):
        """Without the super-runs' v (a schema before sql/018) reindex changes nothing and
        says to migrate first."""
        before = stack.sql("SELECT HEX(k), id, n FROM user_fence_role ORDER BY k, id")
        stack.sql("ALTER TABLE user_fence2_role DROP COLUMN v")
        try:
            r = reindex(stack)
            assert r.returncode != 0
            assert "migrate first" in r.stderr
            assert stack.sql("SELECT HEX(k), id, n FROM user_fence_role ORDER BY k, id") == before
        finally:
            stack.sql("ALTER TABLE user_fence2_role ADD COLUMN IF NOT EXISTS v BIGINT NOT NULL "
                      "DEFAULT 0")
        assert reindex(stack).returncode == 0
        check_everywhere(stack, world["admin"], ["role"], past=True)
