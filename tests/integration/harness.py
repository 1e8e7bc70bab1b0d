"""The integration harness's library: the Stack object the fixtures in conftest.py hand
to tests, and small helpers tests import (wait_for, background, alive, children_of,
TIME_SCALE).

Stack wraps scripts/stack.sh (the same script the quick start uses) for one state dir and
port: HTTP helpers that never follow redirects and always time out, the pool's pids, the
usher log, SQL as MariaDB's root, MariaDB restart/pause, signals to the master.
"""
import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
STACK_SH = REPO / "scripts" / "stack.sh"
BUILD = Path(os.environ.get("USHER_BUILD", REPO / ".build")).resolve()
# Under a wrapper such as valgrind (scripts/test.sh --valgrind) everything the pool does is
# several times slower, under AddressSanitizer (--asan, which sets ASAN_OPTIONS) about twice:
# tests multiply their time bounds by this.
TIME_SCALE = 4 if os.environ.get("USHER_WRAPPER") else 2 if os.environ.get("ASAN_OPTIONS") else 1
HTTP_TIMEOUT = 15 * TIME_SCALE


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def children_of(ppid):
    """Live child pids of ppid, from /proc."""
    pids = set()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == ppid and fields[0] not in ("Z", "X"):
            pids.add(int(d.name))
    return pids


def wait_for(predicate, timeout=10.0, interval=0.05, what="condition"):
    """Polls predicate until it returns a truthy value; returns it, or fails the test.
    timeout is scaled by TIME_SCALE."""
    timeout *= TIME_SCALE
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Stack:
    def __init__(self, state_dir, port):
        self.dir = Path(state_dir)
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.api = self.base_url + "/api/v1"
        self.conf = self.dir / "usher.conf"
        self.socket = self.dir / "usher.sock"
        self.db_socket = self.dir / "mysql.sock"
        self.log_path = self.dir / "usher.log"
        self.pool_env = {}

    # ---- running scripts/stack.sh
    def run(self, action, env=None, check=True):
        full_env = dict(os.environ, USHER_BUILD=str(BUILD))
        full_env.update(env or {})
        r = subprocess.run([str(STACK_SH), action, str(self.dir), str(self.port)],
                           env=full_env, capture_output=True, text=True, timeout=120)
        if check and r.returncode != 0:
            raise RuntimeError(f"stack.sh {action} failed ({r.returncode}):\n{r.stdout}{r.stderr}"
                               f"\n--- usher log tail:\n{self.log_tail()}")
        return r

    def start(self):
        self.run("start")

    def stop(self):
        self.run("stop", check=False)

    # ---- HTTP
    def url(self, path):
        return path if path.startswith("http") else self.base_url + path

    def request(self, method, path, **kw):
        kw.setdefault("timeout", HTTP_TIMEOUT)
        kw.setdefault("allow_redirects", False)
        return requests.request(method, self.url(path), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def status_json(self):
        r = self.get("/status?json")
        r.raise_for_status()
        return r.json()

    # ---- the pool
    def master_pid(self):
        try:
            return int((self.dir / "usher.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def worker_pids(self):
        pid = self.master_pid()
        return children_of(pid) if pid else set()

    def wait_workers(self, n=None, exclude=(), timeout=10.0):
        """Waits until the master has n live workers (default: pm.max_children as configured),
        none of them in exclude; returns their pids."""
        n = n or self.max_children()
        exclude = set(exclude)

        def ready():
            pids = self.worker_pids()
            return pids if len(pids) == n and not pids & exclude else None
        return wait_for(ready, timeout, what=f"{n} workers (not {sorted(exclude)})")

    def max_children(self):
        if "USHER_PM_MAX_CHILDREN" in self.pool_env:
            return int(self.pool_env["USHER_PM_MAX_CHILDREN"])
        m = re.search(r"^pm\.max_children\s*=\s*(\d+)", self.conf.read_text(), re.M)
        return int(m.group(1)) if m else 5

    def signal_master(self, sig):
        os.kill(self.master_pid(), sig)

    def restart_pool(self, **overrides):
        """Restarts usher-fcgi; overrides are usher.conf keys in environment form
        (pm_max_requests=5 -> USHER_PM_MAX_REQUESTS=5). Waits for every worker."""
        self.run("pool-stop")
        self.pool_env = {"USHER_" + k.upper(): str(v) for k, v in overrides.items()}
        self.run("pool-start", env=self.pool_env)
        self.wait_workers()

    def pool_running(self):
        pid = self.master_pid()
        return bool(pid and alive(pid))

    # ---- the usher log (error_log) and the pool's stderr
    def log_mark(self):
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_since(self, mark=0):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(mark)
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, lines=30):
        out = []
        for name in ("usher.log", "usher.out", "nginx-error.log", "apache-error.log"):
            p = self.dir / name
            if p.exists():
                text = p.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"== {name}\n" + "\n".join(text))
        return "\n".join(out)

    # ---- MariaDB
    def sql(self, query, database="usher"):
        """Runs SQL as MariaDB's root over the private socket; returns rows as lists of
        strings (tab-separated batch output, NULL as "NULL"). The wipe after a module that
        seeded 100,000 users (indexlib.py) deletes them all: minutes on a loaded machine."""
        r = subprocess.run(["mariadb", "--no-defaults", f"--socket={self.db_socket}", "-uroot",
                            "-N", "-B", database, "-e", query],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError(f"SQL failed: {query!r}: {r.stderr.strip()}")
        return [line.split("\t") for line in r.stdout.splitlines()]

    # usher keeps the user count and each group's member count on its own writes (no
    # triggers: src/db/counts.c); rows a test writes by hand are counted by this, as
    # `usherctl recount` would.
    RECOUNT_SQL = ("UPDATE user_count SET n = (SELECT COUNT(*) FROM `user`) WHERE id = 1; "
                   "UPDATE `group` g SET member_count = "
                   "(SELECT COUNT(*) FROM group_member m WHERE m.group_id = g.id); "
                   # the group ids kept on the user rows, as sql/017 sets them
                   "UPDATE `user` u JOIN (SELECT user_id, GROUP_CONCAT(group_id ORDER BY "
                   "group_id SEPARATOR ',') AS ids FROM group_member GROUP BY user_id) m "
                   "ON m.user_id = u.id SET u.group_ids = m.ids "
                   "WHERE NOT (u.group_ids <=> m.ids); "
                   "UPDATE `user` u LEFT JOIN group_member m ON m.user_id = u.id "
                   "SET u.group_ids = NULL WHERE u.group_ids IS NOT NULL AND m.user_id IS NULL; "
                   "UPDATE group_version SET v = v + 1, resources_v = resources_v + 1 "
                   "WHERE id = 1")

    def recount(self):
        self.sql(self.RECOUNT_SQL)
        self.reindex()

    # The listing's fences and the search index (sql/010_user_index.sql) follow usher's own
    # writes; users a test writes by hand join them by `usherctl reindex`.
    def reindex(self):
        r = subprocess.run([str(BUILD / "usherctl"), "-c", str(self.conf), "reindex"],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError(f"usherctl reindex failed: {r.stdout}{r.stderr}")

    # After every user is deleted by hand: fences (and super-runs, sql/014) of an empty
    # table, an empty search index.
    FENCE_TABLES = (("user_fence_name", "''"), ("user_fence_email", "''"),
                    ("user_fence_created_at", "-9223372036854775808"),
                    ("user_fence_last_active_at", "-9223372036854775808"),
                    ("user_fence_role", "''"))
    _has_search = None

    def index_wipe_sql(self):
        if self._has_search is None:
            self._has_search = bool(self.sql(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = 'usher' "
                "AND table_name = 'user_search'"))
        sql = " ".join(f"DELETE FROM {t}; INSERT INTO {t} (k, id, n) VALUES ({k}, '', 0);"
                       for t0, k in self.FENCE_TABLES
                       for t in (t0, t0.replace("user_fence_", "user_fence2_")))
        return sql + (" DELETE FROM user_search;" if self._has_search else "")

    def db_pid(self):
        try:
            return int((self.dir / "mysql.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def db_answers(self):
        return subprocess.run(["mariadb-admin", "--no-defaults", f"--socket={self.db_socket}",
                               "-uroot", "--connect-timeout=2", "ping"],
                              capture_output=True, timeout=30).returncode == 0

    def db_restart(self):
        self.run("db-stop")
        self.run("db-start")

    def db_pause(self):
        """SIGSTOP mariadbd: connections stay open but nothing answers."""
        os.kill(self.db_pid(), signal.SIGSTOP)

    def db_resume(self):
        pid = self.db_pid()
        if pid and alive(pid):
            os.kill(pid, signal.SIGCONT)


@contextlib.contextmanager
def background(fn, *args, **kw):
    """Runs fn in a thread; yields a dict that gets 'result' or 'error' once it ends.
    Joined on exit."""
    box = {}

    def run():
        try:
            box["result"] = fn(*args, **kw)
        except BaseException as e:  # reported to the test, not lost in the thread
            box["error"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()
    try:
        yield box
    finally:
        t.join(HTTP_TIMEOUT + 5)
