#!/usr/bin/python3
"""Figures of issue 15's edge items, for one build, on a private stack of its own:

  bench/edge_figures.py [--build DIR] [--web nginx|apache] [--rounds N] [--seconds S]

- two simultaneous sign-ins (cost-12 hashes, no bcrypt.max_running) at pm.max_children 2
  and 4: the share answered 503, over N rounds;
- /health p50 and max while 8 connections flood sign-ins of unknown addresses at
  pm.max_children 4 (the flood in a process of its own), and idle beforehand;
- with --web apache: the wait of a /health probe every 0.5 s while 4 clients send bodies at
  1 byte/s (reconnecting when cut).

Before/after: run it with the old build (and the old snippets: the stack includes the
nginx/ and Apache snippets of the tree the script is run from). Figures only; no verdict.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("USHER_BUILD", str(REPO / ".build")))
    ap.add_argument("--web", default="nginx", choices=("nginx", "apache"))
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10)
    a = ap.parse_args()
    os.environ["USHER_BUILD"] = a.build
    os.environ["STACK_WEB"] = a.web
    sys.path.insert(0, str(REPO / "tests" / "integration"))
    import requests
    from harness import Stack, free_port

    state = tempfile.mkdtemp(prefix="usher-edge-bench-")
    s = Stack(state, free_port())
    s.start()
    try:
        s.wait_workers()

        def user():
            s.sql("DELETE FROM signin_attempt; DELETE FROM auth; DELETE FROM `user`;")
            email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
            r = requests.post(s.url("/api/v1/auths/signup"), timeout=30,
                              json={"name": "b", "email": email, "password": "Secret-pw1!"})
            assert r.status_code == 200, r.text
            return email

        def pair(email):
            barrier = threading.Barrier(2)
            out = []

            def one():
                barrier.wait()
                out.append(requests.post(s.url("/api/v1/auths/signin"), timeout=30,
                                         json={"email": email, "password": "Secret-pw1!"}
                                         ).status_code)
            ts = [threading.Thread(target=one) for _ in range(2)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            return out

        for n in (2, 4):
            s.restart_pool(pm_max_children=n)
            email = user()
            codes = []
            for _ in range(a.rounds):
                codes += pair(email)
                s.sql("DELETE FROM signin_attempt")
            print(f"two simultaneous sign-ins, pm.max_children {n}: "
                  f"{codes.count(503)}/{len(codes)} answered 503 "
                  f"({100.0 * codes.count(503) / len(codes):.0f} %), others {sorted(set(codes))}")

        s.restart_pool(pm_max_children=4)
        user()

        def probe(seconds, every):
            waits = []
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                t0 = time.monotonic()
                requests.get(s.url("/health"), timeout=60)
                waits.append(time.monotonic() - t0)
                time.sleep(max(0.0, every - waits[-1]))
            return waits
        idle = probe(3, 0.05)
        sys.path.insert(0, str(REPO / "tests" / "integration"))
        from test_bcrypt_gate import FLOOD
        flood = subprocess.Popen([sys.executable, "-c", FLOOD, s.url("/api/v1/auths/signin"),
                                  str(a.seconds + 1)], stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        waits = probe(a.seconds - 1, 0.05)
        counts = json.loads(flood.communicate(timeout=120)[0])
        print(f"/health idle: p50 {statistics.median(idle) * 1000:.1f} ms; under the flood "
              f"(4 workers, 8 connections): p50 {statistics.median(waits) * 1000:.1f} ms, "
              f"max {max(waits) * 1000:.0f} ms; sign-ins {counts}")

        if a.web == "apache":
            stop = threading.Event()

            def slow():
                while not stop.is_set():
                    c = None
                    try:
                        c = socket.create_connection(("127.0.0.1", s.port), timeout=30)
                        c.sendall(b"POST /api/v1/auths/signin HTTP/1.1\r\nHost: localhost\r\n"
                                  b"Content-Type: application/json\r\nContent-Length: 600\r\n\r\n")
                        while not stop.wait(1.0):
                            c.sendall(b" ")
                    except OSError:
                        stop.wait(0.05)
                    finally:
                        if c:
                            c.close()
            ts = [threading.Thread(target=slow, daemon=True) for _ in range(4)]
            for t in ts:
                t.start()
            time.sleep(1.5)
            waits = probe(max(a.seconds, 15), 0.5)
            stop.set()
            print(f"Apache, 4 bodies at 1 byte/s: probe every 0.5 s, p50 "
                  f"{statistics.median(waits) * 1000:.1f} ms, max {max(waits) * 1000:.0f} ms "
                  f"({len(waits)} probes)")
    finally:
        s.stop()
        subprocess.run(["rm", "-rf", state])


if __name__ == "__main__":
    main()
