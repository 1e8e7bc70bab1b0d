"""What test_users_listing_index.py and test_users_search_index.py share: 100,000 users
seeded by SQL from the Sequence engine (bench/seed/users.sh: bench/seed/users.sql, then
`usherctl reindex`), an admin made through the API, and the brute-force answers the API's
pages are compared with (plain SQL `ORDER BY column, id LIMIT 30 OFFSET n` for the listing,
a lowercase substring match in Python for search).

The pool runs with active_interval = 0: every request of a signed-in user writes its
last_active_at, so the activity updates move users between requests too."""
import subprocess

from authlib import ensure_pool_env, expect, first_admin, sql_quote, wipe_db
from harness import BUILD, REPO
from userlib import PAGE_SIZE, u

SEEDED = 100_000
POOL_ENV = {"USHER_ACTIVE_INTERVAL": "0"}
ORDERS = [None, "name", "email", "created_at", "last_active_at", "role"]
LAST_PAGE_MAX = 2 ** 63 - 1


def seed(stack, n=SEEDED, name="Index Admin", pool_env=POOL_ENV):
    """A fresh database: the admin (first sign-up, named name), then n users by SQL, with
    the pool run with pool_env (None: as it is). Returns the admin's client."""
    if pool_env is not None:
        ensure_pool_env(stack, pool_env)
    wipe_db(stack)
    admin = first_admin(stack, name=name)
    r = subprocess.run([str(REPO / "bench/seed/users.sh"), str(stack.dir), str(n)],
                       env={"USHER_BUILD": str(BUILD), "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"},
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return admin


def reindex(stack):
    r = subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), "reindex"],
                       capture_output=True, text=True, timeout=600)
    return r


def user_count(stack):
    return int(stack.sql("SELECT COUNT(*) FROM `user`")[0][0])


def listing_sql(order, direction, offset, limit=PAGE_SIZE):
    col = order or "created_at"
    d = "DESC" if order is None or direction == "desc" else "ASC"
    return (f"SELECT id FROM `user` ORDER BY {col} {d}, id {d} "
            f"LIMIT {limit} OFFSET {offset}")


def brute_page(stack, order, direction, offset):
    return [r[0] for r in stack.sql(listing_sql(order, direction, offset))]


def api_page(client, order, direction, page, path="", query=None):
    params = {"page": page}
    if order:
        params["order_by"] = order
        params["direction"] = direction
    if query is not None:
        params["query"] = query
    body = expect(client.get(u(path), params=params), 200)
    return body["total"], [x["id"] for x in body["users"]]


def check_page(stack, admin, order, direction, page):
    """One page of the API against the brute force; returns the total."""
    total, ids = api_page(admin, order, direction, page)
    n = user_count(stack)
    assert total == n, (order, direction, page, total, n)
    offset = (max(page, 1) - 1) * PAGE_SIZE
    want = brute_page(stack, order, direction, offset) if offset < n else []
    assert ids == want, (order, direction, page)
    return total


def fence_snapshot(stack):
    """Every fence of every order (to see that something changed nothing)."""
    out = {}
    for t in ("user_fence_name", "user_fence_email", "user_fence_created_at",
              "user_fence_last_active_at", "user_fence_role"):
        out[t] = stack.sql(f"SELECT HEX(k), id, COALESCE(n, 'NULL') FROM {t} ORDER BY k, id")
    return out


def has_search(stack):
    return bool(stack.sql("SELECT 1 FROM information_schema.tables WHERE table_schema = 'usher' "
                          "AND table_name = 'user_search'"))


def all_users(stack):
    """id, name, email, created_at of every user (names through HEX: any byte survives)."""
    rows = stack.sql("SELECT id, HEX(name), email, created_at FROM `user`")
    return [(r[0], bytes.fromhex(r[1]).decode(), r[2], int(r[3])) for r in rows]


def brute_search(users, needle):
    """The ids matching needle (lowercase substring of name or email), newest first."""
    n = needle.lower()
    hits = [x for x in users if n in x[1].lower() or n in x[2]]
    hits.sort(key=lambda x: (x[3], x[0]), reverse=True)
    return [x[0] for x in hits]


def set_name_sql(stack, uid, name):
    stack.sql(f"UPDATE `user` SET name = {sql_quote(name)} WHERE id = {sql_quote(uid)}")
