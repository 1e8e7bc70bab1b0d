"""The admin listing at 100,000 users from the fences (issue 18, item 1; sql/010,
src/db/user_index.c): every order and direction, first, random, last and past-the-last
pages equal a brute-force `ORDER BY column, id LIMIT 30 OFFSET n` on the same table, also
after sign-ups, deletions, renames, e-mail and role changes and activity updates made
between requests; bad page numbers; `usherctl reindex` (twice changes nothing, an older
schema is refused); a failed write leaves the fences as they were."""
import random

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    PASSWORD, add_user, auth_env, auth_module, expect, signin_client, unique_email,
)
from indexlib import (
    LAST_PAGE_MAX, ORDERS, POOL_ENV, api_page, check_page, fence_snapshot, reindex, seed,
    user_count,
)
from userlib import PAGE_SIZE, u

DIRECTIONS = ["asc", "desc"]


@pytest.fixture(scope="module")
def world(stack, auth_module):
    return {"admin": seed(stack), "rng": random.Random(18)}


class TestListingIndex:
    KEEP_DB = True
    POOL_ENV = POOL_ENV

    def pages_of(self, stack, rng):
        last = (user_count(stack) + PAGE_SIZE - 1) // PAGE_SIZE
        picks = {1, 2, last - 1, last, last + 1, rng.randint(3, last - 2), rng.randint(3, last - 2)}
        return sorted(picks)

    @pytest.mark.parametrize("order", ORDERS)
    def test_every_order_and_direction(self, stack, world, order):
        admin, rng = world["admin"], world["rng"]
        for direction in DIRECTIONS if order else ["asc"]:
            for page in self.pages_of(stack, rng):
                check_page(stack, admin, order, direction, page)

    def mutate(self, stack, world):
        """Sign-ups, deletions, renames, e-mail and role changes, activity updates."""
        admin, rng = world["admin"], world["rng"]
        made = world.setdefault("made", [])
        for _ in range(3):
            made.append(add_user(admin, role=rng.choice(["user", "pending", "admin"]),
                                 name=rng.choice(["Zoë Neu", "aaron early", "ÅSA Mitte", "Émile X"])))
        seeded = [f"00000000-0000-4000-8000-{rng.randint(1, 100000):012d}" for _ in range(6)]
        for uid in seeded[:2]:
            r = admin.delete(u(f"/{uid}"))
            assert r.status_code in (200, 400, 404), r.text   # 400/404: gone already
        for uid in seeded[2:4]:
            r = admin.post(u(f"/{uid}/update"), json={
                "name": rng.choice(["Aaaa First", "zzzz last", "Mid Müller"]),
                "email": unique_email("moved"), "role": rng.choice(["user", "admin", "pending"])})
            assert r.status_code in (200, 400), r.text
        for uid in seeded[4:]:
            r = admin.post(u(f"/{uid}/update"), json={"role": rng.choice(["admin", "pending"])})
            assert r.status_code in (200, 400), r.text
        # activity: each request of a signed-in user writes its last_active_at (interval 0)
        for c in made[-3:]:
            again = signin_client(stack, c.email, PASSWORD)
            expect(again.get("/api/v1/auths/"), 200)

    def test_after_writes_between_requests(self, stack, world):
        admin, rng = world["admin"], world["rng"]
        for _ in range(4):
            self.mutate(stack, world)
            for order in ORDERS:
                direction = rng.choice(DIRECTIONS)
                for page in (1, rng.randint(2, 3000), (user_count(stack) + 29) // 30):
                    check_page(stack, admin, order, direction, page)
        # the users made and moved land where the brute force has them, both ends of
        # every order
        for order in ORDERS:
            for direction in DIRECTIONS if order else ["asc"]:
                check_page(stack, admin, order, direction, 1)
                check_page(stack, admin, order, direction, (user_count(stack) + 29) // 30)

    def test_bad_pages(self, stack, world):
        admin = world["admin"]
        n = user_count(stack)
        for order in ORDERS:
            first = api_page(admin, order, "asc", 1)
            assert api_page(admin, order, "asc", 0) == first
            assert api_page(admin, order, "asc", -5) == first
            assert api_page(admin, order, "desc", LAST_PAGE_MAX) == (n, [])
            assert api_page(admin, order, "asc", LAST_PAGE_MAX - 1) == (n, [])
        r = admin.get(u(), params={"page": "abc"})
        assert r.status_code == 422, r.text
        r = admin.get(u(), params={"page": str(2 ** 64)})
        assert r.status_code == 422, r.text

    def test_failed_write_changes_no_fence(self, stack, world):
        admin = world["admin"]
        victim = "00000000-0000-4000-8000-000000050001"
        taken = "u50002@d2.example.org"
        before = fence_snapshot(stack)
        r = admin.post(u(f"/{victim}/update"), json={"email": taken, "name": "Clash"})
        assert r.status_code == 400, r.text
        r = admin.post("/api/v1/auths/add", json={"name": "Dup", "email": taken,
                                                  "password": PASSWORD, "role": "user"})
        assert r.status_code == 400, r.text
        assert fence_snapshot(stack) == before
        check_page(stack, admin, "email", "asc", 1 + 50000 // PAGE_SIZE)

    def test_reindex_twice_changes_nothing(self, stack, world):
        admin = world["admin"]
        r = reindex(stack)
        assert r.returncode == 0, r.stderr
        once = fence_snapshot(stack)
        r = reindex(stack)
        assert r.returncode == 0, r.stderr
        assert fence_snapshot(stack) == once
        assert "listing fences" in r.stdout
        for order in ORDERS:
            check_page(stack, admin, order, "desc", 1700)

    def test_rows_written_by_hand_then_reindex(self, stack, world):
        """A bulk load in SQL: the listing stays exact (it walks while the fences do not add
        up to the count), and reindex makes the fences whole again."""
        admin = world["admin"]
        stack.sql("INSERT INTO `user` (id, email, role, name, last_active_at, updated_at, "
                  "created_at) SELECT CONCAT('bulk-', seq), CONCAT('bulk', seq, '@bulk.test'), "
                  "'user', CONCAT('Bulk ', seq), seq, seq, seq FROM seq_1_to_2000; "
                  "UPDATE user_count SET n = (SELECT COUNT(*) FROM `user`) WHERE id = 1")
        check_page(stack, admin, "created_at", "asc", 3)
        check_page(stack, admin, None, None, (user_count(stack) + 29) // 30)
        assert reindex(stack).returncode == 0
        for order in ORDERS:
            check_page(stack, admin, order, "asc", 40)
            check_page(stack, admin, order, "desc", (user_count(stack) + 29) // 30 - 40)

    def test_reindex_on_an_older_schema(self, stack, world):
        stack.sql("RENAME TABLE user_fence_role TO user_fence_role_away")
        try:
            r = reindex(stack)
            assert r.returncode != 0
            assert "migrate first" in r.stderr
        finally:
            stack.sql("RENAME TABLE user_fence_role_away TO user_fence_role")
        assert reindex(stack).returncode == 0
