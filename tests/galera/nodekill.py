"""A Galera node SIGKILLed under load, measured (doc/galera.md's figures).

wrk (one thread, CONNS connections, SECONDS s) sends authenticated GET /api/v1/auths/ through
the upstream of both pools; at KILL_AT s node N is SIGKILLed and, a second later, started
again (it rejoins by IST). Meanwhile a writer adds accounts (POST /auths/add) through the
upstream and records each one answered 2xx, and a prober per pool sends the GET straight
to that pool. Figures: requests, non-2xx (wrk), the longest time no 2xx completed (wrk's
Lua, on CLOCK_MONOTONIC), the time from the kill until every pool serves again, the
writes acknowledged and how many of them every node holds afterwards.

Run by test_galera.py; also alone, on a running harness with a fresh database:
    python3 tests/galera/nodekill.py GALERA_DIR [PORT]"""
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from galeralib import Cluster, admin_token, email, PASSWORD  # noqa: E402

LUA = r"""
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } usher_ts; int clock_gettime(int, usher_ts *); ]]
local ts = ffi.new("usher_ts")
local function now_ms()
    ffi.C.clock_gettime(1, ts)
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end
wrk.headers["Authorization"] = "Bearer TOKEN"
last_ok = 0; max_gap = 0; gap_from = 0; non2xx = 0; first_ok = 0
function response(status, headers, body)
    if status >= 200 and status < 300 then
        local t = now_ms()
        if first_ok == 0 then first_ok = t end
        if last_ok > 0 and t - last_ok > max_gap then max_gap = t - last_ok; gap_from = last_ok end
        last_ok = t
    else
        non2xx = non2xx + 1
    end
end
threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
    local th = threads[1]
    io.write(string.format("RESULT %d %d %.1f %.1f %d %d %d\n", summary.requests,
        th:get("non2xx"), th:get("max_gap"), th:get("gap_from"), summary.errors.connect,
        summary.errors.read + summary.errors.write, summary.errors.timeout))
end
"""


def run(c, seconds=20, conns=16, kill_at=4.0, node=2, down_s=1.0):
    token, _ = admin_token(c)
    lua = Path(tempfile.mkstemp(prefix="usher-nodekill-", suffix=".lua")[1])
    lua.write_text(LUA.replace("TOKEN", token))
    stop = threading.Event()
    acked, write_fail = [], [0]
    probes = {"A": [], "B": []}

    def writer():
        s = requests.Session()
        while not stop.is_set():
            mail = email("w")
            try:
                r = s.post(c.url + "/api/v1/auths/add", headers={"Authorization": f"Bearer {token}"},
                           json={"name": "W", "email": mail, "password": PASSWORD}, timeout=30)
                ok = 200 <= r.status_code < 300
            except requests.RequestException:
                ok = False
            if ok:
                acked.append(mail)
            else:
                write_fail[0] += 1

    def prober(pool):
        s = requests.Session()
        while not stop.is_set():
            t = time.monotonic()
            try:
                ok = s.get(c.pool[pool] + "/api/v1/auths/",
                           headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200
            except requests.RequestException:
                ok = False
            probes[pool].append((t, ok))
            time.sleep(0.05)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=prober, args=(p,))
                                                   for p in ("A", "B")]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    wrk = subprocess.Popen(["wrk", "-t1", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s",
                            "-s", str(lua), c.url + "/api/v1/auths/"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(max(0.0, t0 + kill_at - time.monotonic()))
    c.run("kill", str(node), str(c.dir))
    t_kill = time.monotonic()
    time.sleep(down_s)
    restarted = threading.Thread(target=c.run, args=("restart", str(node), str(c.dir)))
    restarted.start()
    out, _ = wrk.communicate(timeout=seconds + 60)
    stop.set()
    for t in threads:
        t.join()
    restarted.join()
    lua.unlink()
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    req, non2xx, gap, gap_from, e_conn, e_rw, e_timeout = line.split()[1:]
    serve_again = 0.0
    for pool, ps in probes.items():
        after = [(t, ok) for t, ok in ps if t >= t_kill]
        failed = [t for t, ok in after if not ok]
        if failed:
            back = [t for t, ok in after if ok and t > failed[-1]]
            serve_again = max(serve_again, (back[0] if back else time.monotonic()) - t_kill)
    # every acknowledged write on every node (read causally)
    missing = {}
    quoted = ",".join("'" + m + "'" for m in acked) or "''"
    for n in (1, 2, 3):
        rows = c.sql(n, f"SET SESSION wsrep_sync_wait = 1; SELECT email FROM `user` WHERE email IN ({quoted})")
        missing[n] = len(set(acked) - {r[0] for r in rows})
    # wrk's socket errors are not responses: they count as failed requests too
    return {
        "requests": int(req), "non2xx": int(non2xx),
        "socket_errors": int(e_conn) + int(e_rw) + int(e_timeout),
        "longest_no_2xx_s": round(float(gap) / 1000, 2),
        "gap_started_after_kill_s": round(float(gap_from) / 1000 - t_kill, 2) if float(gap_from) else None,
        "every_pool_serves_again_s": round(serve_again, 2),
        "writes_acked": len(acked), "writes_failed": write_fail[0],
        "acked_missing_per_node": missing,
    }


if __name__ == "__main__":
    d = Path(sys.argv[1])
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 8090
    print(json.dumps(run(Cluster(d, port)), indent=1))
