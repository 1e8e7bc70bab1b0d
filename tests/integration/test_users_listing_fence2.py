"""The listing's super-runs (issue 18; sql/014_user_fence2.sql, src/db/user_index.c): every
32nd fence of an order, with the users from its key up to the next super-run's. They stay
exact (a range count per super-run, their sum the user count, every key a fence's) after
`usherctl reindex` (which makes them every 32nd fence again), after sign-ups, renames,
e-mail and role changes, deletions and activity updates through the API, after a long run
is split by the listing, and after an import; and pages at every super-run's edge equal a
brute-force `ORDER BY column, id LIMIT 30 OFFSET n`, also when a super-run's key is no
longer a fence (dropped by hand: the listing then reads every fence)."""
import random

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    PASSWORD, add_user, auth_env, auth_module, expect, signin_client, unique_email,
)
from indexlib import ORDERS, POOL_ENV, check_page, reindex, seed, user_count
from userlib import PAGE_SIZE, u

SEEDED = 70_000    # about 70 fences per order: 3 super-runs
SUPER = 32
RUN_MAX = 4000
TABLES = {"name": "user_fence_name", "email": "user_fence_email",
          "created_at": "user_fence_created_at", "last_active_at": "user_fence_last_active_at",
          "role": "user_fence_role"}


def super_table(order):
    return TABLES[order].replace("user_fence_", "user_fence2_")


def fences(stack, order, table=None):
    """[(hex key, id, n)] of the order's fences (or of table), in key order."""
    return [(k, i, int(n)) for k, i, n in
            stack.sql(f"SELECT HEX(k), id, n FROM {table or TABLES[order]} ORDER BY k, id")]


def check_supers(stack, made=False):
    """Each super-run's n against a count of its key range in `user`, their sum the user
    count, every key a fence's key; made (just after a reindex): every 32nd fence."""
    total = user_count(stack)
    for c in TABLES:
        rows = stack.sql(
            f"SELECT HEX(f.k), f.id, COALESCE(f.n, 'NULL'), (SELECT COUNT(*) FROM `user` x "
            f"WHERE (x.{c} > f.k OR (x.{c} = f.k AND x.id >= f.id)) AND (f.nid IS NULL OR "
            f"x.{c} < f.nk OR (x.{c} = f.nk AND x.id < f.nid))) FROM (SELECT k, id, n, "
            f"LEAD(k) OVER (ORDER BY k, id) nk, LEAD(id) OVER (ORDER BY k, id) nid "
            f"FROM {super_table(c)}) f")
        assert len(rows) >= 3, (c, rows)
        assert [r for r in rows if r[2] != r[3]] == [], c
        assert sum(int(r[2]) for r in rows) == total, c
        keys = [(r[0], r[1]) for r in rows]
        fence_keys = [(k, i) for k, i, _ in fences(stack, c)]
        if made:
            assert keys == fence_keys[::SUPER], c
        else:
            assert set(keys) <= set(fence_keys), c


def edges(stack, order):
    """The ascending position of each super-run's first user."""
    pos, out = 0, []
    for _, _, n in fences(stack, order, super_table(order)):
        out.append(pos)
        pos += n
    return out


def check_edges(stack, admin, orders=ORDERS):
    """The pages just before, at and after each super-run's first user, both directions."""
    n = user_count(stack)
    for order in orders:
        for direction in ("asc", "desc") if order else (None,):
            pages = set()
            for pos in edges(stack, order or "created_at"):
                at = pos if direction == "asc" else n - 1 - pos
                pages |= {q // PAGE_SIZE + 1 for q in (at - 1, at, at + PAGE_SIZE) if q >= 0}
            for page in sorted(pages | {(n + PAGE_SIZE - 1) // PAGE_SIZE}):
                assert check_page(stack, admin, order, direction, page) == n


def merge(stack, order, first, count):
    """Merges `count` runs from position `first` into one (the first fence keeps them)."""
    rows = fences(stack, order)
    keep, gone = rows[first], rows[first + 1:first + count]
    t = TABLES[order]
    stmts = [f"UPDATE {t} SET n = {keep[2] + sum(r[2] for r in gone)} WHERE HEX(k) = "
             f"'{keep[0]}' AND id = '{keep[1]}'"]
    stmts += [f"DELETE FROM {t} WHERE HEX(k) = '{k}' AND id = '{i}'" for k, i, _ in gone]
    stack.sql("; ".join(stmts))


@pytest.fixture(scope="module")
def world(stack, auth_module):
    return {"admin": seed(stack, SEEDED), "rng": random.Random(2014)}


class TestSuperRuns:
    KEEP_DB = True
    POOL_ENV = POOL_ENV

    def test_made_by_reindex(self, stack, world):
        check_supers(stack, made=True)
        check_edges(stack, world["admin"])

    @pytest.mark.parametrize("order", ["name", "email", "created_at"])
    def test_every_page_of_a_run(self, stack, world, order):
        """Each page walks up from its run's fence or down from the next one, whichever
        skips fewer: every page across a run and into the next, both directions."""
        rows = fences(stack, order)
        n = user_count(stack)
        start = sum(r[2] for r in rows[:40])
        for at in range(start - PAGE_SIZE, start + rows[40][2] + PAGE_SIZE, 7 * PAGE_SIZE // 3):
            assert check_page(stack, world["admin"], order, "asc", at // PAGE_SIZE + 1) == n
            assert check_page(stack, world["admin"], order, "desc",
                              (n - 1 - at) // PAGE_SIZE + 1) == n

    def test_kept_by_writes(self, stack, world):
        admin, rng = world["admin"], world["rng"]
        made = [add_user(admin, role=rng.choice(["user", "pending", "admin"]),
                         name=rng.choice(["Zoë Neu", "aaron early", "ÅSA Mitte", "Émile X"]))
                for _ in range(6)]
        picked = [f"00000000-0000-4000-8000-{rng.randint(1, SEEDED):012d}" for _ in range(12)]
        for uid in picked[:3]:
            r = admin.delete(u(f"/{uid}"))
            assert r.status_code in (200, 400, 404), r.text
        for uid in picked[3:9]:   # across super-runs of name, email and role
            r = admin.post(u(f"/{uid}/update"), json={
                "name": rng.choice(["Aaaa First", "zzzz last", "Mid Müller"]),
                "email": unique_email(rng.choice(["aa", "mm", "zz"])),
                "role": rng.choice(["user", "admin", "pending"])})
            assert r.status_code in (200, 400), r.text
        for c in made[:3]:   # activity (interval 0): last_active_at moves
            expect(signin_client(stack, c.email, PASSWORD).get("/api/v1/auths/"), 200)
        check_supers(stack)
        check_edges(stack, admin)

    def test_kept_by_a_split(self, stack, world):
        """Runs merged inside one super-run (no super-run key touched) into one long run:
        the listing splits it, the super-runs keep their counts."""
        admin = world["admin"]
        rows = fences(stack, "name")
        first = SUPER + 2   # inside the second super-run
        merge(stack, "name", first, 6)
        pos = sum(r[2] for r in rows[:first])
        n = user_count(stack)
        for step in range(5):   # each listing that finds the long run splits it once
            page = (pos + step * 1000) // PAGE_SIZE + 1
            assert check_page(stack, admin, "name", "asc", page) == n
        assert [r for r in fences(stack, "name") if r[2] > RUN_MAX] == []
        check_supers(stack)
        check_edges(stack, admin, ["name"])

    def test_a_super_key_dropped_by_hand(self, stack, world):
        """A fence that starts a super-run merged into the run before: the listing reads
        every fence and stays exact; reindex makes the super-runs again."""
        admin = world["admin"]
        for order in ("email", "created_at"):
            merge(stack, order, SUPER - 1, 2)
        check_edges(stack, admin, ["email", "created_at", None])
        assert reindex(stack).returncode == 0
        check_supers(stack, made=True)
        check_edges(stack, admin)

    def test_kept_by_the_import(self, stack, world, tmp_path):
        import test_import_index as imp
        rng = world["rng"]
        base = int(stack.sql("SELECT MIN(created_at) FROM `user`")[0][0])
        top = int(stack.sql("SELECT MAX(created_at) FROM `user`")[0][0])
        users = []
        for i in range(1200):   # 3 batches, keys all over every order
            created = rng.randint(base - 1000, top + 1000)
            users.append(dict(
                id=f"66666666-dddd-4ddd-8ddd-{i:012d}",
                email=f"{rng.choice('aemuvz')}{i}y@imp.example.org",
                name=f"{rng.choice(imp.FIRST)} {rng.choice(imp.LAST)} J{i:04d}",
                role=rng.choice(["user"] * 8 + ["pending", "admin"]),
                created=created, active=created + rng.randint(0, 5_000_000)))
        path = tmp_path / "webui.db"
        imp.webui_db(path, users, imp.owuilib.bcrypt("Imp-pw1!"))
        p = imp.import_users(stack, path)
        out, err = p.communicate()
        assert p.returncode == 0, out + err
        check_supers(stack)
        check_edges(stack, world["admin"])
