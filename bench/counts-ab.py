#!/usr/bin/python3
"""The listings' counts kept by triggers (before issue 15) or by usher (after): the same
requests against two checkouts, one after the other on this machine, at 100,000 users and
100 groups of 1,000 members. Figures only; nothing passes or fails.

    bench/counts-ab.py OLD_REPO OLD_BUILD NEW_REPO NEW_BUILD [REQUESTS]

Each REPO is a checkout (its scripts/stack.sh and sql/ are used), each BUILD a build dir of
it holding usher-fcgi and usherctl. For each: a private stack without binary logging (the
old migrations need that), an admin, the users and memberships seeded in SQL (the old
triggers count them; the new checkout is told by `usherctl recount`), then REQUESTS
(default 300) sequential requests per read case, and 100 adds and 100 deletions (bcrypt cost
4) for the write cases; medians and p99 in milliseconds.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import requests

USERS, GROUPS, MEMBERS = 100_000, 100, 1000


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_side(repo, build, n):
    state = tempfile.mkdtemp(prefix="usher-counts-ab-")
    port = free_port()
    env = dict(os.environ, USHER_BUILD=build, STACK_LOG_BIN="0", USHER_BCRYPT_COST="4",
               USHER_BCRYPT_MAX_RUNNING="8")
    stack = os.path.join(repo, "scripts", "stack.sh")
    subprocess.run([stack, "start", state, str(port)], env=env, check=True,
                   capture_output=True)
    base = f"http://127.0.0.1:{port}/api/v1"

    def sql(q):
        return subprocess.run(["mariadb", "--no-defaults", f"--socket={state}/mysql.sock",
                               "-uroot", "-N", "-B", "usher", "-e", q], check=True,
                              capture_output=True, text=True).stdout

    try:
        time.sleep(1)
        r = requests.post(base + "/auths/signup", json={"name": "Admin", "password": "bench-pass-1",
                                                         "email": "admin@bench.example"})
        r.raise_for_status()
        h = {"Authorization": "Bearer " + r.json()["token"]}
        sql("INSERT INTO `user` (id, email, role, name, profile_image_url, last_active_at, "
            "updated_at, created_at) SELECT CONCAT('bench-', seq), CONCAT('user', seq, "
            "'@bench.example'), 'user', CONCAT('Bench User ', seq), '', 1700000000 + seq, "
            f"1700000000 + seq, 1700000000 + seq FROM seq_1_to_{USERS}")
        sql("INSERT INTO `group` (id, user_id, name, description, data, created_at, updated_at) "
            "SELECT CONCAT('bg-', seq), NULL, CONCAT('bench group ', seq), '', "
            f"'{{\"config\":{{\"share\":true}}}}', seq, seq FROM seq_1_to_{GROUPS}")
        sql("INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) "
            "SELECT CONCAT(g.seq, '-', u.seq), CONCAT('bg-', g.seq), CONCAT('bench-', "
            f"(g.seq * {MEMBERS} + u.seq) % {USERS} + 1), 0, 0 FROM seq_1_to_{GROUPS} g "
            f"JOIN seq_1_to_{MEMBERS} u")
        recount = subprocess.run([os.path.join(build, "usherctl"), "-c", f"{state}/usher.conf",
                                  "recount"], capture_output=True, text=True)
        sql("ANALYZE TABLE `user`, group_member, `group`")
        total = requests.get(base + "/users/", headers=h).json()["total"]
        assert total == USERS + 1, (total, recount.stderr)

        out = {}

        def timed(name, fn, count):
            ms = []
            for i in range(count):
                t = time.perf_counter()
                r = fn(i)
                ms.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, (name, r.status_code, r.text[:200])
            ms.sort()
            out[name] = (statistics.median(ms), ms[int(len(ms) * 0.99) - 1])

        for _ in range(20):   # warm up
            requests.get(base + "/users/", headers=h)
        timed("GET /users/ (page 1)", lambda i: requests.get(base + "/users/", headers=h), n)
        timed("GET /users/?page=1000", lambda i: requests.get(
            base + "/users/", params={"page": 1000}, headers=h), n)
        timed("GET /groups/ (100 groups)", lambda i: requests.get(base + "/groups/", headers=h), n)
        added = []

        def add(i):
            r = requests.post(base + "/auths/add", headers=h, json={
                "name": "Added", "email": f"add{i}-{uuid.uuid4().hex[:6]}@bench.example",
                "password": "bench-pass-1", "role": "user"})
            if r.status_code == 200:
                added.append(r.json()["id"])
            return r
        timed("POST /auths/add", add, 100)
        timed("DELETE /users/{id}", lambda i: requests.delete(
            f"{base}/users/{added[i]}", headers=h), 100)
        timed("POST /groups/id/{id}/users/add (1)", lambda i: requests.post(
            f"{base}/groups/id/bg-1/users/add", headers=h,
            json={"user_ids": [f"bench-{USERS - i}"]}), 100)
        exact = sql("SELECT (SELECT n FROM user_count) = (SELECT COUNT(*) FROM `user`), "
                    "(SELECT COUNT(*) FROM `group` g WHERE g.member_count <> (SELECT COUNT(*) "
                    "FROM group_member m WHERE m.group_id = g.id))").split()
        out["counts exact"] = exact == ["1", "0"]
        return out
    finally:
        subprocess.run([stack, "stop", state], env=env, capture_output=True)
        subprocess.run(["rm", "-rf", state])


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    n = int(sys.argv[5]) if len(sys.argv) == 6 else 300
    old = run_side(sys.argv[1], sys.argv[2], n)
    new = run_side(sys.argv[3], sys.argv[4], n)
    print(f"{'case':40} {'old p50':>9} {'old p99':>9} {'new p50':>9} {'new p99':>9}")
    for k in old:
        if k == "counts exact":
            continue
        print(f"{k:40} {old[k][0]:9.2f} {old[k][1]:9.2f} {new[k][0]:9.2f} {new[k][1]:9.2f}")
    print(f"counts exact afterwards: old {old['counts exact']}, new {new['counts exact']}")
    print(json.dumps({"old": old, "new": new}))


if __name__ == "__main__":
    main()
