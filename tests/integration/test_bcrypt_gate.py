"""The bcrypt cap on small pools (issue 15, item 13), with real cost-12 hashes and no
bcrypt.max_running: the default cap is the CPU count (at most pm.max_children), and a check
that finds every slot taken waits about one hash before its 503. Two people signing in in
the same second on a pool of two both get in (the old default, half the pool, gave one of
them a 503); a flood of sign-ins for unknown addresses still leaves /health fast.
"""
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid

import requests

from harness import TIME_SCALE

from authlib import AUTHS, PASSWORD, signin, signup, wipe_db


def cost12_user(stack):
    """A fresh install's first account, hashed at the pool's cost (12 unless set)."""
    wipe_db(stack)
    email = f"gate-{uuid.uuid4().hex[:8]}@example.com"
    r = signup(stack, email=email)
    assert r.status_code == 200, r.text
    return email


def together(fn, n):
    """Runs fn(i) for i < n in n threads released at the same instant."""
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        return fn(i)
    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        return list(ex.map(run, range(n)))


def test_two_simultaneous_signins_on_a_pool_of_two_both_succeed(stack, fresh_pool):
    fresh_pool(pm_max_children=2)            # no bcrypt.max_running, bcrypt.cost 12
    email = cost12_user(stack)
    statuses = []
    for _ in range(5):
        results = together(lambda i: signin(stack, email, PASSWORD), 2)
        statuses += [r.status_code for r in results]
        for r in results:
            assert r.status_code == 200, (r.status_code, r.headers.get("Retry-After"), r.text)
    assert statuses == [200] * 10


def test_a_check_beyond_the_cap_waits_for_the_slot_while_the_pool_is_idle(stack, fresh_pool):
    # one slot; cost 10 (a hash of some 60 ms, well inside the wait even on a busy machine):
    # the second of two simultaneous sign-ins waits for the first one's slot
    fresh_pool(pm_max_children=4, bcrypt_max_running=1, bcrypt_cost=10)
    email = cost12_user(stack)
    for _ in range(5):
        results = together(lambda i: signin(stack, email, PASSWORD), 2)
        assert [r.status_code for r in results] == [200, 200], [r.text for r in results]


def test_beyond_the_cap_with_the_pool_busy_a_check_answers_503_with_retry_after(stack,
                                                                             fresh_pool):
    # one slot, three workers all signing in: no worker is idle, so nobody waits
    fresh_pool(pm_max_children=3, bcrypt_max_running=1)
    email = cost12_user(stack)
    results = together(lambda i: signin(stack, email, PASSWORD), 3)
    for r in results:
        assert r.status_code in (200, 503), r.text
        if r.status_code == 503:
            assert r.headers.get("Retry-After"), r.headers
    assert 200 in [r.status_code for r in results]


# The flood runs in a process of its own: eight busy threads in the probing process would
# make the probe wait for Python's GIL, not for usher.
FLOOD = r"""
import json, sys, threading, time, uuid, requests
url, seconds = sys.argv[1], float(sys.argv[2])
counts, lock, end = {}, threading.Lock(), time.monotonic() + seconds
def flood():
    s = requests.Session()
    while time.monotonic() < end:
        email = "nobody-%s@example.com" % uuid.uuid4().hex
        try:
            code = s.post(url, json={"email": email, "password": "Wrong-pw1!"}, timeout=30).status_code
        except requests.RequestException:
            code = "error"
        with lock:
            counts[code] = counts.get(code, 0) + 1
threads = [threading.Thread(target=flood) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(counts))
"""


def probe_health(stack, seconds):
    """/health every 50 ms for that long: the wait of each answer, in seconds."""
    waits = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        r = requests.get(stack.url("/health"), timeout=30)
        waits.append(time.monotonic() - t0)
        assert r.status_code == 200
        time.sleep(0.05)
    return waits


def test_a_flood_of_unknown_addresses_leaves_health_fast(stack, fresh_pool):
    fresh_pool(pm_max_children=4)            # no bcrypt.max_running, bcrypt.cost 12
    cost12_user(stack)
    # The limits (p50 <= 50 ms, max <= 1 s) are for a machine doing nothing else;
    # when other jobs share its cores, they grow by the machine's own slowdown: the idle
    # /health p50 measured now against the 2 ms it takes on an idle machine.
    idle = statistics.median(probe_health(stack, 2))
    slowdown = max(1.0, idle / 0.002) * TIME_SCALE
    flood = subprocess.Popen([sys.executable, "-c", FLOOD, stack.url(AUTHS + "/signin"), "10"],
                             stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)
        waits = probe_health(stack, 8)
    finally:
        out, _ = flood.communicate(timeout=60)
    statuses = {int(k) if k.isdigit() else k: n for k, n in json.loads(out).items()}
    p50 = statistics.median(waits)
    print(f"/health under the flood: p50 {p50 * 1000:.1f} ms, max {max(waits) * 1000:.0f} ms "
          f"({len(waits)} probes; idle p50 {idle * 1000:.1f} ms); sign-ins {statuses}; "
          f"{os.cpu_count()} CPUs")
    assert set(statuses) <= {400, 503}, statuses          # no error, no hang
    assert statuses.get(400), statuses                    # hashes did run
    assert p50 <= 0.050 * slowdown, (p50, idle)
    assert max(waits) <= 1.0 * slowdown, (max(waits), idle)
