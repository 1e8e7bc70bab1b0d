#!/usr/bin/python3
"""The figures of issue 15's bounded user data and usage dates (run by bench/bounds.sh
against a running stack): what one row holding megabytes costs the requests that do not
show it, and what the extreme usage dates cost. Figures only; nothing passes or fails.

    bench/bounds.py BASE STATE [N]

BASE is http://127.0.0.1:PORT, STATE the stack's state dir (its MariaDB socket), N the
requests per latency figure (default 200). It signs up an admin, makes 9 groups, a user
"alpha big" whose settings and info are given 4 MB each in SQL (as an import or a row from
before the caps would), a small user "alpha small" in the same groups, and four more users
per name (alpha-1..4, beta-1..5), so that the search "alpha" lists the big user and "beta"
a page of the same size without it.
"""
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

BASE, STATE = sys.argv[1], Path(sys.argv[2])
N = int(sys.argv[3]) if len(sys.argv) > 3 else 200
API = BASE + "/api/v1"
PASSWORD = "bench-pass-1"


def sql(statement):
    return subprocess.run(["mariadb", "--no-defaults", f"--socket={STATE / 'mysql.sock'}",
                           "-uroot", "-N", "-B", "usher"], input=statement, text=True,
                          capture_output=True, check=True).stdout


def ok(r):
    if r.status_code != 200:
        raise SystemExit(f"bench: {r.request.method} {r.url}: {r.status_code} {r.text[:300]}")
    return r.json()


s = requests.Session()
admin = ok(s.post(API + "/auths/signup", json={"name": "Bench Admin", "email": "admin@bench.invalid",
                                              "password": PASSWORD}))
AH = {"Authorization": "Bearer " + admin["token"]}


def add_user(name, email):
    return ok(s.post(API + "/auths/add", headers=AH,
                     json={"name": name, "email": email, "password": PASSWORD, "role": "user"}))["id"]


big = add_user("alpha big", "alpha-big@bench.invalid")
small = add_user("alpha small", "alpha-small@bench.invalid")
others = [add_user(f"alpha-{i}", f"alpha-{i}@bench.invalid") for i in range(1, 5)]
others += [add_user(f"beta-{i}", f"beta-{i}@bench.invalid") for i in range(1, 7)]
for g in range(9):
    gid = ok(s.post(API + "/groups/create", headers=AH,
                    json={"name": f"bench group {g}", "description": ""}))["id"]
    ok(s.post(f"{API}/groups/id/{gid}/users/add", headers=AH, json={"user_ids": [big, small]}))

# 4 MB of settings and 4 MB of info, 4096 members of 1000 bytes each, written in SQL.
doc = json.dumps({"ui": {}, **{f"k{i:05d}": "x" * 1000 for i in range(4096)}},
                 separators=(",", ":"))
sql(f"SET @d = '{doc}'; UPDATE `user` SET settings = @d, info = @d WHERE id = '{big}'")
size = sql(f"SELECT OCTET_LENGTH(settings) + OCTET_LENGTH(info) FROM `user` WHERE id = '{big}'")
print(f"bench: big user's settings + info: {int(size.strip() or 0) / 1e6:.1f} MB, in 9 groups")


def token(email):
    return ok(s.post(API + "/auths/signin", json={"email": email, "password": PASSWORD}))["token"]


tok = {"big": token("alpha-big@bench.invalid"), "small": token("alpha-small@bench.invalid")}


def timed(url, headers, n=N, timeout=60):
    """p50, p99 and max in ms of n sequential GETs (after 5 to warm up), the statuses seen."""
    sess = requests.Session()
    times, statuses = [], set()
    for i in range(n + 5):
        t0 = time.perf_counter()
        r = sess.get(url, headers=headers, timeout=timeout)
        dt = (time.perf_counter() - t0) * 1000
        statuses.add(r.status_code)
        if i >= 5:
            times.append(dt)
    times.sort()
    return (statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))],
            times[-1], statuses)


def line(name, url, headers, n=N):
    p50, p99, mx, st = timed(url, headers, n)
    print(f"{name:44s} p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  max {mx:8.2f} ms  {sorted(st)}")
    return p50


def pair(name, url_big, url_small, h_big, h_small):
    b = line(name + " (big)", url_big, h_big)
    sm = line(name + " (small)", url_small, h_small)
    print(f"{'':44s} ratio of p50s big/small {b / sm:.2f}")


pair("GET /api/v1/auths/", API + "/auths/", API + "/auths/",
     {"Authorization": "Bearer " + tok["big"]}, {"Authorization": "Bearer " + tok["small"]})
pair("GET /api/v1/users/search?query=", API + "/users/search?query=alpha",
     API + "/users/search?query=beta", AH, AH)
pair("GET /usher/admin/users?query=", BASE + "/usher/admin/users?query=alpha",
     BASE + "/usher/admin/users?query=beta", {"Cookie": "token=" + admin["token"]},
     {"Cookie": "token=" + admin["token"]})
line("GET /api/v1/users/all (lists the big user)", API + "/users/all", AH, n=max(20, N // 10))


def pool_pids():
    master = int((STATE / "usher.pid").read_text().strip())
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                f = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(f[1]) == master:
                pids.append(int(d.name))
    return sorted(pids)


def rss_kb(pid, key="VmRSS"):
    try:
        for ln in Path(f"/proc/{pid}/status").read_text().splitlines():
            if ln.startswith(key + ":"):
                return int(ln.split()[1])
    except OSError:
        pass
    return 0


H = {"Authorization": "Bearer " + tok["small"]}
print("usage extremes (one request each, 30 s timeout; workers' largest VmHWM after it):")
for q in ["start_date=0&end_date=86399", "start_date=253402300799&end_date=253402300799",
          "start_date=250240204800&end_date=253402300799",
          "start_date=0&end_date=253402300799", "start_date=-1", "end_date=253402300800",
          "start_date=-9223372036854775808&end_date=9223372036854775807",
          "start_date=9223372036854775807", "end_date=-9223372036854775808"]:
    before = pool_pids()
    t0 = time.perf_counter()
    try:
        r = requests.get(API + "/users/usage?" + q, headers=H, timeout=30)
        what = f"{r.status_code} {len(r.content)} bytes"
    except requests.RequestException as e:
        what = f"no answer ({type(e).__name__})"
    dt = (time.perf_counter() - t0) * 1000
    time.sleep(0.2)
    after = pool_pids()
    hwm = max((rss_kb(p, "VmHWM") for p in after), default=0)
    changed = "" if before == after else "  WORKER REPLACED"
    print(f"  {q:62s} {dt:9.1f} ms  {what:24s} max VmHWM {hwm / 1024:6.1f} MB{changed}")
