#!/usr/bin/env python3
"""One client's latency: requests sent one after the other on one keep-alive connection.

    bench/p99.py URL_BASE PATHS_FILE [-H "Name: value"]... [-n 200] [-r 3] [-b SECONDS]

PATHS_FILE holds one path per line; request i asks line i (mod the count), so a file of
varying pages or needles varies every request. -n requests per run (default 200), -r runs
(default 3), -b a time budget per run in seconds (default 20): a run that reaches it stops
early and says how many it sent. Prints the median over the runs of each run's p50 and p99
in milliseconds, and the status codes seen. Nothing here passes or fails on a time.
"""
import argparse
import http.client
import statistics
import sys
import time
import urllib.parse


def one_run(base, paths, headers, n, budget):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=120)
    times, codes = [], {}
    start = time.monotonic()
    for i in range(n):
        t0 = time.perf_counter()
        conn.request("GET", paths[i % len(paths)], headers=headers)
        r = conn.getresponse()
        r.read()
        times.append((time.perf_counter() - t0) * 1000.0)
        codes[r.status] = codes.get(r.status, 0) + 1
        if time.monotonic() - start > budget:
            break
    conn.close()
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    return p(0.50), p(0.99), len(times), codes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("base")
    ap.add_argument("paths_file")
    ap.add_argument("-H", action="append", default=[])
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("-r", type=int, default=3)
    ap.add_argument("-b", type=float, default=20.0)
    a = ap.parse_args()
    paths = [line.strip() for line in open(a.paths_file) if line.strip()]
    headers = dict(h.split(": ", 1) for h in a.H)
    runs = [one_run(a.base, paths, headers, a.n, a.b) for _ in range(a.r)]
    p50 = statistics.median(r[0] for r in runs)
    p99 = statistics.median(r[1] for r in runs)
    sent = min(r[2] for r in runs)
    codes = {}
    for r in runs:
        for k, v in r[3].items():
            codes[k] = codes.get(k, 0) + v
    note = "" if sent >= a.n else f" (time budget: {sent} requests a run)"
    print(f"p50 {p50:.2f} ms p99 {p99:.2f} ms over {a.r} runs of {min(a.n, sent)}{note} "
          f"status {','.join(f'{k}x{v}' for k, v in sorted(codes.items()))}")


if __name__ == "__main__":
    sys.exit(main())
