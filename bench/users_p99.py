#!/usr/bin/env python3
"""One-client latency of the admin listing and user search at 1,000,000 users seeded by
bench/seed/users.sh (issue 18, "How it is measured"): one keep-alive connection, N requests
a run (default 150), median of 3 runs; pages vary per request (page 10,000 means pages
10,000-10,099) and so do the needles, so a cache of a few answers does not help.

    bench/users_p99.py PORT TOKEN_FILE [N] [all|list|search]

TOKEN_FILE holds an admin's token. Prints one line per case: p50 and p99 in ms."""
import http.client, json, random, statistics, sys, time, urllib.parse

PORT = int(sys.argv[1]); TOKEN = open(sys.argv[2]).read().strip()
N = int(sys.argv[3]) if len(sys.argv) > 3 else 150
TOTAL = 1000001
LAST = (TOTAL + 29) // 30
rng = random.Random(5)

def run(paths):
    c = http.client.HTTPConnection("127.0.0.1", PORT)
    lat = []
    for p in paths:
        t = time.perf_counter()
        c.request("GET", p, headers={"Authorization": "Bearer " + TOKEN})
        r = c.getresponse(); body = r.read()
        lat.append((time.perf_counter() - t) * 1000)
        assert r.status == 200, (p, r.status, body[:200])
    c.close()
    lat.sort()
    return lat[int(len(lat) * 0.99) - 1 if len(lat) >= 100 else -1], statistics.median(lat)

def case(name, gen):
    p99s, p50s = [], []
    for _ in range(3):
        a, b = run([gen(i) for i in range(N)])
        p99s.append(a); p50s.append(b)
    print(f"{name:44s} p50 {statistics.median(p50s):7.1f} ms  p99 {statistics.median(p99s):7.1f} ms", flush=True)

q = urllib.parse.quote
which = sys.argv[4] if len(sys.argv) > 4 else "all"
if which in ("all", "list"):
    for order in [None, "name", "email", "created_at", "last_active_at", "role"]:
        for d in (["desc"] if order is None else ["asc", "desc"]):
            for depth, start in (("1", 1), ("100", 100), ("10000", 10000), ("last", LAST - 99)):
                def gen(i, order=order, d=d, start=start):
                    pg = start + (i % 100)
                    s = f"/api/v1/users/?page={pg}"
                    if order: s += f"&order_by={order}&direction={d}"
                    return s
                case(f"list {order or 'default'} {d} page {depth}", gen)
if which in ("all", "search"):
    FIRST = ['Émile', 'Zoë', 'Łukasz', 'anna', 'BJÖRN', 'Chloé', 'Dmitri', 'eva', 'François', 'Gül', 'Hana']
    LASTN = ['Müller', 'Ñúñez', "O'Brien", 'smith', 'Østergaard', 'DUBOIS', 'Kowalski', 'Nakamura', 'rossi', 'García', 'Schröder', 'Yılmaz', 'Öztürk']
    def code(seq):
        v = seq * 7919 % 1679609; s = ""
        for _ in range(4): s = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36] + s; v //= 36
        return s
    fams = {
        "search one (name code, other case)": lambda i: "x" + code(rng.randint(1, 1000000)),
        "search one (email fragment)": lambda i: f"u{rng.randint(100000, 999999)}@",
        "search none (8 chars)": lambda i: "".join(rng.choice("qwzjkvxy") for _ in range(8)),
        "search none (200 chars)": lambda i: "".join(rng.choice("abcdefghij") for _ in range(200)),
        "search domain (~1,000)": lambda i: f"@d{rng.randint(0, 999)}.example.org",
        "search first+last (~7,000)": lambda i: f"{rng.choice(FIRST)} {rng.choice(LASTN)}".upper(),
    }
    for name, f in fams.items():
        case(name, lambda i, f=f: "/api/v1/users/?query=" + q(f(i)))
