"""`usherctl migrate` on a MariaDB with binary logging, as the README's database user (issue 15,
item 14).

Replicas, Galera and point-in-time backups run with log_bin on; there a user without SUPER may
create (or drop) no trigger or stored function (error 1419), and the README's install grants
only `ALL PRIVILEGES ON usher.*`. These tests run their own private MariaDB with --log-bin
(scripts/stack.sh db-start with STACK_LOG_BIN=1, which creates the `usher` user with exactly
the README's grant) and check:

- every migration applies from zero as that user, and leaves no trigger or routine;
- the counts usher keeps (users, a group's members) follow usherctl's writes, with no trigger;
- every migration cut after any of its statements (DDL commits at once in MariaDB, so a
  failure half-way leaves its first statements applied) re-runs to the same schema as a
  clean run;
- an install made with the old trigger-kept counts (004 and 007 before this issue) loses the
  triggers in 008 and gets its counts taken again: as the usher user on a server without
  binary logging, and, on a server with it, after root dropped them as 008's message says.
"""
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from harness import BUILD, REPO, Stack, free_port

SQL_DIR = REPO / "sql"
MIGRATIONS = sorted(p for p in SQL_DIR.glob("[0-9]*_*.sql"))
LATEST = int(MIGRATIONS[-1].name.split("_")[0])
README_GRANT = "GRANT ALL PRIVILEGES ON `usher`.* TO `usher`@`localhost`"

# The trigger statements of 004 and 007 as they were before this issue (git show
# 0ff0d04:sql/004_user_count.sql and 007): what an existing install has.
OLD_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS user_count_insert AFTER INSERT ON `user` FOR EACH ROW "
    "UPDATE user_count SET n = n + 1 WHERE id = 1",
    "CREATE TRIGGER IF NOT EXISTS user_count_delete AFTER DELETE ON `user` FOR EACH ROW "
    "UPDATE user_count SET n = n - 1 WHERE id = 1",
    "CREATE TRIGGER IF NOT EXISTS group_member_count_insert AFTER INSERT ON group_member "
    "FOR EACH ROW UPDATE `group` SET member_count = member_count + 1 WHERE id = NEW.group_id",
    "CREATE TRIGGER IF NOT EXISTS group_member_count_delete AFTER DELETE ON group_member "
    "FOR EACH ROW UPDATE `group` SET member_count = member_count - 1 WHERE id = OLD.group_id",
]


class Server(Stack):
    """A private MariaDB alone (no pool, no web server), binary logging on by default."""

    def __init__(self, state_dir):
        super().__init__(state_dir, free_port())
        self.log_bin = True

    def run(self, action, env=None, check=True):
        env = dict(env or {}, STACK_LOG_BIN="1" if self.log_bin else "0")
        return super().run(action, env, check)

    def restart(self, log_bin):
        self.log_bin = log_bin
        self.run("db-stop")
        self.run("db-start")
        assert self.variable("log_bin") == ("ON" if log_bin else "OFF")

    def variable(self, name):
        return self.sql(f"SHOW GLOBAL VARIABLES LIKE '{name}'", database="mysql")[0][1]

    def fresh_database(self):
        """An empty `usher` database; the user's grant (by name) stays."""
        self.sql("DROP DATABASE IF EXISTS usher; "
                 "CREATE DATABASE usher CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
                 database="mysql")

    def write_conf(self):
        self.conf.write_text(
            f"db.socket = {self.db_socket}\ndb.user = usher\n"
            f"db.password_file = {self.dir / 'db.password'}\ndb.name = usher\n"
            f"data_dir = {self.dir}\n")

    def usherctl(self, *args, stdin=None):
        return subprocess.run([str(BUILD / "usherctl"), "-c", str(self.conf), *args],
                              input=stdin, capture_output=True, text=True, timeout=120)

    def migrate(self, sql_dir=SQL_DIR):
        return self.usherctl("migrate", "-m", str(sql_dir))

    def version(self):
        return int(self.sql("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0])

    def schema(self):
        """Everything a migration makes: each table's definition (without the
        AUTO_INCREMENT counter), triggers, routines, the versions applied and the counts."""
        out = {}
        for (table,) in self.sql("SHOW TABLES"):
            ddl = self.sql(f"SHOW CREATE TABLE `{table}`")[0][1]
            out[table] = re.sub(r" AUTO_INCREMENT=\d+", "", ddl)
        out["triggers"] = self.sql("SELECT trigger_name FROM information_schema.triggers "
                                   "WHERE trigger_schema = 'usher' ORDER BY 1")
        out["routines"] = self.sql("SELECT routine_name FROM information_schema.routines "
                                   "WHERE routine_schema = 'usher' ORDER BY 1")
        out["versions"] = self.sql("SELECT version, name FROM schema_migrations ORDER BY 1")
        out["user_count"] = self.sql("SELECT id, n FROM user_count")
        return out

    def counts_exact(self):
        users = self.sql("SELECT (SELECT n FROM user_count WHERE id = 1), "
                         "(SELECT COUNT(*) FROM `user`)")[0]
        groups = self.sql("SELECT g.id, g.member_count, (SELECT COUNT(*) FROM group_member m "
                          "WHERE m.group_id = g.id) FROM `group` g")
        return users[0] == users[1] and all(g[1] == g[2] for g in groups), users, groups


@pytest.fixture(scope="module")
def server():
    d = tempfile.mkdtemp(prefix="usher-migrate-")
    s = Server(d)
    try:
        s.run("db-start")
        s.write_conf()
        yield s
    finally:
        s.run("db-stop", check=False)
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def logbin(server):
    """The server with binary logging on and an empty database."""
    if server.variable("log_bin") != "ON":
        server.restart(log_bin=True)
    server.fresh_database()
    return server


def add_user(server, email, name="Someone", role="user"):
    r = server.usherctl("user", "add", email, name, role, stdin="a long password 1\n")
    assert r.returncode == 0, r.stderr
    return email


def statements(text):
    """The statements of a migration, in order: ';' ends one at the end of a line, except
    inside a BEGIN NOT ATOMIC ... END; block. Comment lines are left out."""
    out, cur, in_block = [], [], False
    for line in text.splitlines():
        if not cur and (not line.strip() or line.lstrip().startswith("--")):
            continue
        cur.append(line)
        if line.strip().upper().startswith("BEGIN NOT ATOMIC"):
            in_block = True
        if in_block:
            if line.strip().upper() == "END;":
                in_block = False
                out.append("\n".join(cur))
                cur = []
        elif line.rstrip().endswith(";"):
            out.append("\n".join(cur))
            cur = []
    assert not cur, f"statement without its ';': {cur}"
    return out


# ---------------------------------------------------------------- from zero

def test_the_server_is_the_readme_setup(logbin):
    assert logbin.variable("log_bin") == "ON"
    assert logbin.variable("log_bin_trust_function_creators") == "OFF"
    grants = [g[0] for g in logbin.sql("SHOW GRANTS FOR 'usher'@'localhost'", database="mysql")]
    assert [g for g in grants if not g.startswith("GRANT USAGE ON *.*")] == [README_GRANT]


def test_migrate_from_zero_applies_everything_as_the_readme_user(logbin):
    r = logbin.migrate()
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"schema at version {LATEST}" in r.stdout
    assert logbin.version() == LATEST
    applied = [int(v) for v, _ in logbin.schema()["versions"]]
    assert applied == [int(p.name.split("_")[0]) for p in MIGRATIONS]
    schema = logbin.schema()
    assert schema["triggers"] == [] and schema["routines"] == []
    # A second run finds nothing to do.
    r = logbin.migrate()
    assert r.returncode == 0 and "0 migrations applied" in r.stdout


def test_counts_follow_usherctl_writes_without_triggers(logbin):
    assert logbin.migrate().returncode == 0
    assert logbin.sql("SELECT n FROM user_count WHERE id = 1") == [["0"]]
    emails = [add_user(logbin, f"count{i}-{uuid.uuid4().hex[:6]}@example.com")
              for i in range(3)]
    assert logbin.sql("SELECT n FROM user_count WHERE id = 1") == [["3"]]
    r = logbin.usherctl("user", "delete", emails[1])
    assert r.returncode == 0, r.stderr
    ok, users, groups = logbin.counts_exact()
    assert ok and users == ["2", "2"], (users, groups)


def test_recount_takes_rows_written_by_hand(logbin):
    assert logbin.migrate().returncode == 0
    add_user(logbin, f"hand-{uuid.uuid4().hex[:6]}@example.com")
    logbin.sql("INSERT INTO `user` (id, email, role, name, last_active_at, updated_at, "
               "created_at) VALUES ('by-hand', 'byhand@example.com', 'user', 'H', 0, 0, 0); "
               "INSERT INTO `group` (id, name, description, created_at, updated_at) VALUES "
               "('g-hand', 'hand', '', 0, 0); INSERT INTO group_member (id, group_id, user_id, "
               "created_at, updated_at) VALUES ('m-hand', 'g-hand', 'by-hand', 0, 0)")
    assert not logbin.counts_exact()[0]
    r = logbin.usherctl("recount")
    assert r.returncode == 0, r.stderr
    ok, users, groups = logbin.counts_exact()
    assert ok and users == ["2", "2"] and groups == [["g-hand", "1", "1"]]


# ---------------------------------------------------------------- interrupted half-way

def cut_cases():
    """(migration index, statements kept) for every migration and every cut after one of
    its statements but the last (a cut after the last one is a whole run)."""
    cases = []
    for i, path in enumerate(MIGRATIONS):
        n = len(statements(path.read_text()))
        cases += [(i, k) for k in range(n)]
    return cases


@pytest.fixture(scope="module")
def reference(server):
    """The schema of a clean run from zero on the log-bin server."""
    if server.variable("log_bin") != "ON":
        server.restart(log_bin=True)
    server.fresh_database()
    r = server.migrate()
    assert r.returncode == 0, r.stdout + r.stderr
    return server.schema()


@pytest.mark.parametrize("index,kept", cut_cases(),
                         ids=lambda v: str(v))
def test_a_migration_cut_half_way_reruns_to_the_same_schema(server, reference, index, kept,
                                                            tmp_path):
    if server.variable("log_bin") != "ON":
        server.restart(log_bin=True)
    server.fresh_database()
    # Everything before the migration, applied whole.
    before = tmp_path / "before"
    before.mkdir()
    for p in MIGRATIONS[:index]:
        shutil.copy(p, before / p.name)
    if index:
        assert server.migrate(before).returncode == 0
    # The migration's first `kept` statements, then one that fails: its record is not
    # written, what its DDL did stays.
    cut = tmp_path / "cut"
    shutil.copytree(before, cut)
    target = MIGRATIONS[index]
    stmts = statements(target.read_text())
    (cut / target.name).write_text("\n".join(stmts[:kept]) +
                                   "\nSELECT no_such_column FROM no_such_table;\n")
    r = server.migrate(cut)
    # It failed at the added statement (so the kept ones were whole statements and ran).
    assert r.returncode != 0 and target.name in r.stderr, r.stdout + r.stderr
    assert f"statement {kept + 1}: (1146)" in r.stderr and "no_such_table" in r.stderr
    assert server.version() == (int(MIGRATIONS[index - 1].name[:3]) if index else 0)
    # Run again with the real files: the same schema as the clean run.
    r = server.migrate()
    assert r.returncode == 0, r.stdout + r.stderr
    assert server.schema() == reference


# ---------------------------------------------------------------- installs with the old triggers

def old_install(server, users=3, members=2):
    """Migrations 1-7 and the triggers 004 and 007 made then (created as root: that is how
    such an install got them, on a server without binary logging or by a SUPER user), with
    users and memberships counted by those triggers."""
    seven = Path(tempfile.mkdtemp(prefix="usher-old-sql-"))
    try:
        for p in MIGRATIONS:
            if int(p.name[:3]) <= 7:
                shutil.copy(p, seven / p.name)
        r = server.migrate(seven)
        assert r.returncode == 0 and server.version() == 7, r.stderr
    finally:
        shutil.rmtree(seven, ignore_errors=True)
    for t in OLD_TRIGGERS:
        server.sql(t)
    server.sql("INSERT INTO `group` (id, name, description, created_at, updated_at) VALUES "
               "('g-old', 'old', '', 0, 0)")
    for i in range(users):
        server.sql("INSERT INTO `user` (id, email, role, name, last_active_at, updated_at, "
                   f"created_at) VALUES ('old-{i}', 'old{i}@example.com', 'user', 'O', 0, 0, 0)")
    for i in range(members):
        server.sql("INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) "
                   f"VALUES ('m-{i}', 'g-old', 'old-{i}', 0, 0)")
    assert server.sql("SELECT n FROM user_count WHERE id = 1") == [[str(users)]]
    assert server.sql("SELECT member_count FROM `group` WHERE id = 'g-old'") == [[str(members)]]
    assert len(server.sql("SELECT trigger_name FROM information_schema.triggers "
                          "WHERE trigger_schema = 'usher'")) == 4


def test_008_drops_the_old_triggers_as_the_readme_user_without_binary_logging(server):
    server.restart(log_bin=False)
    try:
        server.fresh_database()
        old_install(server)
        # Counts a trigger-era bug or a TRUNCATE left wrong are taken again by 008.
        server.sql("UPDATE user_count SET n = 42; UPDATE `group` SET member_count = 7")
        r = server.migrate()
        assert r.returncode == 0, r.stdout + r.stderr
        assert server.version() == LATEST
        assert server.schema()["triggers"] == []
        ok, users, groups = server.counts_exact()
        assert ok and users == ["3", "3"] and groups == [["g-old", "2", "2"]]
        # usher's own writes now count once each (the triggers would have made it twice).
        email = add_user(server, f"after-{uuid.uuid4().hex[:6]}@example.com")
        assert server.sql("SELECT n FROM user_count WHERE id = 1") == [["4"]]
        assert server.usherctl("user", "delete", email).returncode == 0
        assert server.usherctl("user", "delete", "old1@example.com").returncode == 0
        ok, users, groups = server.counts_exact()
        assert ok and users == ["2", "2"] and groups == [["g-old", "1", "1"]]
    finally:
        server.restart(log_bin=True)


def test_008_on_a_log_bin_server_with_the_old_triggers_says_what_root_must_do(logbin):
    old_install(logbin)
    r = logbin.migrate()
    assert r.returncode != 0
    assert "008_counts_without_triggers.sql" in r.stderr
    assert "drop the old count triggers as root" in r.stderr
    assert logbin.version() == 7
    # What 008's header and message say: root drops them, then migrate again.
    for name in ("user_count_insert", "user_count_delete", "group_member_count_insert",
                 "group_member_count_delete"):
        logbin.sql(f"DROP TRIGGER {name}")
    logbin.sql("INSERT INTO `user` (id, email, role, name, last_active_at, updated_at, "
               "created_at) VALUES ('old-x', 'oldx@example.com', 'user', 'O', 0, 0, 0)")
    r = logbin.migrate()
    assert r.returncode == 0, r.stdout + r.stderr
    ok, users, groups = logbin.counts_exact()
    assert ok and users == ["4", "4"] and groups == [["g-old", "2", "2"]]
