"""Runs grown long between two `usherctl reindex` are split by the listing that finds them
(issue 18; db_user_index_split): the fences stay exact, no run keeps more than
UIX_RUN_MAX (4,000) users once listed, and every page still equals a brute-force
`ORDER BY column, id LIMIT 30 OFFSET n`.

Long runs are made by merging adjacent fences in SQL (exact: the merged run counts what the
runs did), as new accounts and activity updates grow the last runs of created_at and
last_active_at in a running system."""
import pytest

from authlib import auth_env, auth_module  # noqa: F401  (fixtures)
from indexlib import POOL_ENV, check_page, seed, user_count
from userlib import PAGE_SIZE

SEEDED = 20_000
RUN_MAX = 4000
TABLES = {"name": "user_fence_name", "email": "user_fence_email",
          "created_at": "user_fence_created_at", "last_active_at": "user_fence_last_active_at",
          "role": "user_fence_role"}


@pytest.fixture(scope="module")
def admin(stack, auth_module):
    return seed(stack, SEEDED)


def runs(stack, order):
    """[(hex key, id, n)] of the order's fences, in key order."""
    return [(k, i, int(n)) for k, i, n in
            stack.sql(f"SELECT HEX(k), id, n FROM {TABLES[order]} ORDER BY k, id")]


def merge(stack, order, first, count):
    """Merges `count` runs from position `first` into one (the first fence keeps them)."""
    fences = runs(stack, order)
    keep, gone = fences[first], fences[first + 1:first + count]
    total = keep[2] + sum(n for _, _, n in gone)
    stmts = [f"UPDATE {TABLES[order]} SET n = {total} WHERE HEX(k) = '{keep[0]}' "
             f"AND id = '{keep[1]}'"]
    stmts += [f"DELETE FROM {TABLES[order]} WHERE HEX(k) = '{k}' AND id = '{i}'"
              for k, i, _ in gone]
    stack.sql("; ".join(stmts))
    return total


def exact(stack, order):
    """Each fence's n against a count of its range (up to the next fence) in `user`."""
    c = order
    rows = stack.sql(
        f"SELECT f.n, (SELECT COUNT(*) FROM `user` u WHERE (u.{c} > f.k OR (u.{c} = f.k "
        f"AND u.id >= f.id)) AND (f.nid IS NULL OR u.{c} < f.nk OR (u.{c} = f.nk "
        f"AND u.id < f.nid))) FROM (SELECT k, id, n, LEAD(k) OVER (ORDER BY k, id) nk, "
        f"LEAD(id) OVER (ORDER BY k, id) nid FROM {TABLES[order]}) f")
    assert all(int(n) == int(got) for n, got in rows), [r for r in rows if r[0] != r[1]]


class TestRunSplit:
    KEEP_DB = True   # the seeded users stay between the tests
    POOL_ENV = POOL_ENV

    @pytest.mark.parametrize("order", list(TABLES))
    def test_a_long_run_is_split_by_the_listing(self, stack, admin, order):
        before = runs(stack, order)
        assert all(n <= RUN_MAX for _, _, n in before)
        # a long run in the middle and a long last run (where new accounts and activity go)
        middle = len(before) // 2
        merged = merge(stack, order, middle, 6)
        assert merged > RUN_MAX
        last = len(runs(stack, order)) - 6
        merge(stack, order, last, 6)
        n = user_count(stack)
        pos = sum(r[2] for r in runs(stack, order)[:middle])
        pages = {1, pos // PAGE_SIZE + 1, (pos + merged // 2) // PAGE_SIZE + 1,
                 (n - 1) // PAGE_SIZE + 1, (n - 1) // PAGE_SIZE}
        for direction in ("asc", "desc"):
            for page in sorted(pages):
                assert check_page(stack, admin, order, direction, page) == n
        after = runs(stack, order)
        assert all(r[2] <= RUN_MAX for r in after), [r[2] for r in after if r[2] > RUN_MAX]
        assert sum(r[2] for r in after) == n
        assert len(after) > len(before) - 10   # split again, not only walked
        exact(stack, order)
        # and once more from the fresh fences
        for page in sorted(pages):
            check_page(stack, admin, order, "asc", page)
