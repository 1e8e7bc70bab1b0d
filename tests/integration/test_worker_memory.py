"""A worker's memory stays bounded (issue 18, item 5): each worker's VmRSS read once every
measured route has been asked (warm: libraries touched, statements prepared, the groups
read), then after 100,000 more requests of each route, grows by at most GROWTH_MAX_KB; and
the worker's own memory (RssAnon: heap, arenas, the copy of the groups) stays under
ANON_MAX_KB; and each worker's VmRSS stays within issue 18's 8 MiB (about 6.5 MiB here after the
900,000 requests). Part of it is the pages of libcrypto and libc (file-backed, shared with
every process using them): the master sets OpenSSL's HMAC up before it forks
(hmac_sha256_prepare), so the code that runs only then is resident in the master alone, not
in every worker; doc/benchmarks.md has the breakdown. glibc's malloc thresholds are fixed
in every worker and free heap pages go back every 1,000 requests (src/worker.c): with the
default dynamic thresholds, a large answer freed once moved later ones onto the heap, which
kept the pages.

Sent with wrk when it is installed (scripts/deps.sh --bench), else with a small keep-alive
client. Under ASan or valgrind (harness.TIME_SCALE > 1) 10,000 requests a route and no bound
is checked: the sanitizer's quarantine of freed blocks (up to 256 MB) is in VmRSS and grows
by design; what those legs check is every request's memory use itself.
"""
import http.client
import shutil
import subprocess
import threading

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ME, auth_env, auth_module, expect,
)
from callerlib import callers  # noqa: F401  (the fixture)
from grouplib import (  # noqa: F401  (grants_wiped: fixture)
    GROUPS, USERS, add_members, create_group, grants_wiped,
)
from harness import TIME_SCALE

REQUESTS = 100_000 if TIME_SCALE == 1 else 10_000
ANON_MAX_KB = 4 * 1024
GROWTH_MAX_KB = 512
RSS_MAX_KB = 8 * 1024   # issue 18: each worker within 8 MiB


def worker_rss(stack, field="VmRSS"):
    out = {}
    for pid in stack.worker_pids():
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    out[pid] = int(line.split()[1])
    return out


def send(stack, path, token, n):
    """n requests of path with token, 8 connections at once."""
    url = stack.url(path)
    if shutil.which("wrk"):
        sent = 0
        while sent < n:
            r = subprocess.run(["wrk", "-t1", "-c8", "-d2s", "-H", f"Authorization: Bearer {token}",
                                url], capture_output=True, text=True, timeout=60)
            done = [line for line in r.stdout.splitlines() if " requests in " in line]
            assert done and "Non-2xx" not in r.stdout, r.stdout
            sent += int(done[0].split()[0])
        return
    per = (n + 7) // 8
    errors = []

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
        for _ in range(per):
            conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                errors.append(resp.status)
                return
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:5]


def test_worker_memory_is_bounded(callers, stack):
    admin, user = callers.admin, callers.user
    for i in range(3):
        g = create_group(admin, f"Memory {i}", permissions={"workspace": {"models": i == 1}},
                         data={"config": {"share": [True, "members", False][i]}})
        add_members(admin, g["id"], user.id)
    routes = [
        (ME, user.token), (USERS + "/permissions", user.token), (GROUPS + "/", user.token),
        (GROUPS + "/?share=true", user.token), (f"{USERS}/{user.id}", admin.token),
        (f"{USERS}/{user.id}/preview", admin.token), (USERS + "/?page=1", admin.token),
        (USERS + "/?query=mem", admin.token), ("/health", user.token),
    ]
    for path, token in routes:
        send(stack, path, token, 2000)
    before = worker_rss(stack)
    for path, token in routes:
        send(stack, path, token, REQUESTS)
    after, anon = worker_rss(stack), worker_rss(stack, "RssAnon")
    assert set(after) == set(before), (before, after)   # the same workers throughout
    if TIME_SCALE > 1:
        return
    for pid, kb in after.items():
        assert kb - before[pid] <= GROWTH_MAX_KB, (pid, before, after)
        assert anon[pid] <= ANON_MAX_KB, (pid, anon, after)
        assert kb <= RSS_MAX_KB, (pid, before, after)
