"""A worker closes the prepared statements it has not used in its last 10,000 requests
(db_forget_idle_statements, every 1,000 requests; issue 18, item 5): each holds about 17 KB
of the client library's memory, and an admin's listings in every order, or its searches,
would otherwise keep theirs in every worker for good. Checked on MariaDB's count of
prepared statements: those of listings and searches are open after them, gone once the
workers have answered enough requests that use none (GET /health), and the same listings
answer the same afterwards (prepared again)."""
from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    auth_env, auth_module, expect,
)
from callerlib import callers  # noqa: F401  (the fixture)
from grouplib import USERS
from test_worker_memory import send

ORDERS = ("name", "email", "created_at", "role")
BATCH = 5_000
BATCHES = 16   # each worker needs more than 10,000 requests; nginx may share them unevenly


def prepared(stack):
    return int(stack.sql("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'")[0][1])


def listings(admin):
    """(total, ids) of a listing page in each order and direction, and of two searches."""
    paths = [f"{USERS}/?page=1&order_by={o}&direction={d}" for o in ORDERS
             for d in ("asc", "desc")]
    paths += [f"{USERS}/?query=e&page=1&order_by=name", f"{USERS}/search?query=adm"]
    out = {}
    for path in paths:
        got = expect(admin.get(path), 200)
        out[path] = (got["total"], [x["id"] for x in got["users"]])
    return out


def test_unused_statements_are_closed(callers, stack):
    admin = callers.admin
    first = listings(admin)
    for _ in range(3):   # both workers prepare them
        assert listings(admin) == first
    before = prepared(stack)
    assert before >= 2 * len(first), before   # a listing prepares at least two
    after = before
    for _ in range(BATCHES):
        send(stack, "/health", admin.token, BATCH)
        after = prepared(stack)
        if after <= before // 4:
            break
    assert after <= before // 4, (before, after)
    assert listings(admin) == first
    assert prepared(stack) > after
