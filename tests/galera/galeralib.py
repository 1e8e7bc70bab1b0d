"""The Galera tests' library: the harness (scripts/galera.sh) as an object, HTTP on either
pool, SQL on any node."""
import os
import subprocess
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
GALERA_SH = REPO / "scripts" / "galera.sh"
PASSWORD = "Galera-test-pw1"
TIMEOUT = 30


class Cluster:
    def __init__(self, state_dir, port):
        self.dir = Path(state_dir)
        self.port = port
        # nginx: PORT = both pools (one upstream), +1 pool A, +2 pool B, +3 pool C (node 2 only)
        self.url = f"http://127.0.0.1:{port}"
        self.pool = {"A": f"http://127.0.0.1:{port + 1}", "B": f"http://127.0.0.1:{port + 2}",
                     "C": f"http://127.0.0.1:{port + 3}"}

    def run(self, *args, check=True):
        r = subprocess.run([str(GALERA_SH), *args], capture_output=True, text=True, timeout=600)
        if check and r.returncode != 0:
            raise RuntimeError(f"galera.sh {' '.join(args)}: {r.returncode}\n{r.stdout}{r.stderr}")
        return r

    def sql(self, node, query):
        r = subprocess.run(["mariadb", "--no-defaults", f"--socket={self.dir}/node{node}/mysqld.sock",
                            "-uroot", "-N", "-B", "usher", "-e", query],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"sql on node {node}: {r.stderr}")
        return [line.split("\t") for line in r.stdout.splitlines()]

    def node_up(self, n):
        pid = (self.dir / f"node{n}" / "mysqld.pid")
        try:
            return Path(f"/proc/{int(pid.read_text())}").exists()
        except (OSError, ValueError):
            return False

    def ensure_all_nodes(self):
        for n in (1, 2, 3):
            if not self.node_up(n):
                self.run("restart", str(n), str(self.dir))
            else:
                state = self.sql(n, "SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'")
                if state[0][1] != "Synced":
                    self.run("rejoin", str(n), str(self.dir))

    def conf(self, pool):
        return self.dir / f"pool{pool}" / "usher.conf"

    def build(self):
        return Path((self.dir / "build").read_text().strip()) if (self.dir / "build").exists() \
            else Path(os.environ.get("USHER_BUILD", REPO / ".build"))

    # ---- HTTP
    def req(self, method, where, path, token=None, **kw):
        base = self.pool.get(where, where if where.startswith("http") else self.url)
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        kw.setdefault("timeout", TIMEOUT)
        return requests.request(method, base + path, headers=headers, allow_redirects=False, **kw)


def email(prefix="u"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


def signup(c, where, mail, name="Someone"):
    return c.req("POST", where, "/api/v1/auths/signup",
                 json={"name": name, "email": mail, "password": PASSWORD})


def signin(c, where, mail, password=PASSWORD):
    return c.req("POST", where, "/api/v1/auths/signin", json={"email": mail, "password": password})


def admin_token(c):
    mail = email("admin")
    r = signup(c, "A", mail, "Admin")
    assert r.status_code == 200, r.text
    return r.json()["token"], mail


def wait_until(pred, timeout=60, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
