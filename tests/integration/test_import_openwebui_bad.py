"""usherctl import-openwebui with bad input (issue 16): files that are not an Open WebUI
database usher can read change nothing and say why; bad rows are named, skipped (or come
over without the bad cell), and the rest of the import is unharmed; a batch usher's database
refuses is rolled back and retried row by row. Plus the 100,000-user figure."""
import json
import os
import resource
import sqlite3
import subprocess
import time

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    auth_env, auth_module, expect, signin, sql_one,
)
from grouplib import wipe_grants
import owuilib
from test_import_openwebui import counts, run_import, summary


@pytest.fixture(autouse=True)
def clean(stack, auth_env):
    wipe_grants(stack)


def refused(stack, path, *texts, opts=()):
    before = counts(stack)
    r = run_import(stack, path, *opts)
    assert r.returncode == 1, r.stdout + r.stderr
    for t in texts:
        assert t in r.stderr, r.stderr
    assert counts(stack) == before
    return r


def test_not_sqlite(stack, tmp_path):
    path = tmp_path / "webui.db"
    path.write_text("id,email\n1,a@example.org\n")
    refused(stack, path, f"{path} is not an SQLite database")
    refused(stack, tmp_path / "missing.db", "No such file or directory")


def test_truncated_and_corrupt(stack, tmp_path):
    path = tmp_path / "webui.db"
    owuilib.build(path, "v0.11")
    data = path.read_bytes()
    cut = tmp_path / "cut.db"
    cut.write_bytes(data[: len(data) // 2])
    refused(stack, cut, "is truncated")
    bad = tmp_path / "bad.db"
    page = int.from_bytes(data[16:18], "big")
    # every page after the schema's first one overwritten with garbage
    bad.write_bytes(data[:page] + bytes([0x5A]) * (len(data) - page))
    refused(stack, bad, "reading")


def test_unrecognised_files_name_what_is_missing(stack, tmp_path):
    plain = tmp_path / "plain.db"
    con = sqlite3.connect(plain)
    con.execute("CREATE TABLE user (id TEXT, email TEXT)")
    con.commit()
    con.close()
    refused(stack, plain, "not an Open WebUI database usher knows: no table alembic_version")

    no_auth = tmp_path / "no_auth.db"
    owuilib.build(no_auth, "v0.11", extra=lambda con: con.execute("DROP TABLE auth"))
    refused(stack, no_auth, "no table auth")

    no_email = tmp_path / "no_email.db"
    owuilib.build(no_email, "0.6",
                  extra=lambda con: con.execute("ALTER TABLE user DROP COLUMN email"))
    refused(stack, no_email, "table user has no column email")


def test_locked_by_a_running_open_webui(stack, tmp_path):
    path = tmp_path / "webui.db"
    owuilib.build(path, "v0.11")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")      # a writer in the middle of a transaction
    try:
        refused(stack, path, "database is locked", "is Open WebUI running", opts=("--wait", "0"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # and once it lets go, the same file imports
    assert run_import(stack, path).returncode == 0


def test_bad_rows_are_named_and_the_rest_comes_over(stack, tmp_path):
    path = tmp_path / "webui.db"
    sc = owuilib.scenario()
    base = sc["users"][2]

    def user(n, **kw):
        return dict(base, id=f"44444444-dddd-4ddd-8ddd-{n:012d}", email=f"u{n}@example.org",
                    name=f"U{n}", key=None, created=owuilib.T0 + 100 + n, **kw)

    sc["users"] += [
        user(1, password=None),                                   # no auth row
        user(2, hash="pbkdf2_sha256$1000$salt$abc"),              # not bcrypt
        user(3, hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"),
        dict(user(4), email="Alice@EXAMPLE.org"),                 # duplicate in another case
        user(5, role="superuser"),
    ]

    def spoil(con):
        con.execute("INSERT INTO user (id, email, name, role, created_at) "
                    "VALUES ('55555555-eeee-4eee-8eee-000000000001', NULL, 'Nobody', 'user', 1)")
        con.execute("INSERT INTO auth VALUES ('55555555-eeee-4eee-8eee-000000000001', NULL, ?, 1)",
                    (owuilib.bcrypt("Nobody-pw1!"),))
        con.execute("UPDATE user SET settings = '{\"ui\": {broken' WHERE id = ?",
                    (sc["users"][2]["id"],))
        con.execute("UPDATE \"group\" SET permissions = 'not json' WHERE name = 'Empty'")
        # over user_data.max_keys (1000 top-level keys), as the API would refuse it
        con.execute("UPDATE user SET info = ? WHERE id = ?",
                    (json.dumps({f"k{i}": i for i in range(1001)}), sc["users"][1]["id"]))
    owuilib.build(path, "v0.11", sc, extra=spoil)
    r = run_import(stack, path)
    out = r.stdout
    assert r.returncode == 1, out
    assert "user 44444444-dddd-4ddd-8ddd-000000000001 (u1@example.org): no auth row" in out
    assert "44444444-dddd-4ddd-8ddd-000000000002 (u2@example.org): the password hash is not " \
           "bcrypt" in out
    assert "44444444-dddd-4ddd-8ddd-000000000003 (u3@example.org): the password hash is not " \
           "bcrypt" in out
    assert f"(Alice@EXAMPLE.org): the e-mail is also user {sc['users'][0]['id']}'s" in out
    assert "(u5@example.org): the role 'superuser' is not pending, user or admin" in out
    assert "user 55555555-eeee-4eee-8eee-000000000001 (e-mail NULL): the e-mail is NULL" in out
    assert f"user {sc['users'][2]['id']} (carol@example.org): imported without settings " \
           "(not valid JSON)" in out
    assert "(Empty): imported without its permissions (not valid JSON)" in out
    assert f"user {sc['users'][1]['id']} (bob@example.org): imported without info: " in out
    assert "user_data.max_keys" in out
    s = summary(out)
    assert s["users"] == (9, 3, 0, 0, 6)
    # the good ones are whole
    expect(signin(stack, "alice@example.org", "Alice-pw1!"), 200)
    expect(signin(stack, "carol@example.org", "Carol-pw3!"), 200)
    assert sql_one(stack, f"SELECT settings FROM user WHERE id = '{sc['users'][2]['id']}'") \
        == "NULL"
    assert sql_one(stack, "SELECT COUNT(*) FROM user WHERE email LIKE 'u%@example.org'") == "0"


def test_a_refused_batch_is_rolled_back_and_retried_row_by_row(stack, tmp_path):
    """Two groups whose names differ only in an accent pass every check of the file, but
    usher's unique name index (utf8mb4_unicode_ci: E equals \u00c9) refuses the second: its
    batch rolls back, then each row goes alone, and only the refused one stays out."""
    path = tmp_path / "webui.db"
    sc = owuilib.scenario()
    sc["groups"].append(dict(sc["groups"][1], id="22222222-bbbb-4bbb-8bbb-000000000003",
                             name="\u00c9mpty"))
    owuilib.build(path, "v0.11", sc)
    r = run_import(stack, path)
    assert r.returncode == 1
    assert "group 22222222-bbbb-4bbb-8bbb-000000000003 (\u00c9mpty): usher's database refused it" \
        in r.stdout
    assert summary(r.stdout)["groups"] == (3, 2, 0, 0, 1)
    assert sorted(x[0] for x in stack.sql("SELECT name FROM `group`")) == ["Empty", "Engineering"]


def cpu_seconds(stack):
    """CPU time of the finished children (usherctl) and of MariaDB so far."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(f"/proc/{stack.db_pid()}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return ru.ru_utime + ru.ru_stime + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drop_big_import(stack):
    """What the big import left, removed fast (the suite's per-row wipe of 100,000 users and
    their cascades and triggers would take minutes): the tables truncated with the foreign
    key checks off, the user count set to match, the import's audit rows deleted."""
    sql = ("SET FOREIGN_KEY_CHECKS = 0; TRUNCATE TABLE group_member; TRUNCATE TABLE api_key; "
           "TRUNCATE TABLE auth; TRUNCATE TABLE oauth_session; TRUNCATE TABLE `user`; "
           "SET FOREIGN_KEY_CHECKS = 1; DELETE FROM `group`; "
           "UPDATE user_count SET n = 0 WHERE id = 1; "
           "DELETE FROM audit_log WHERE user_agent = 'usher import';")
    subprocess.run(["mariadb", "--no-defaults", f"--socket={stack.db_socket}", "-uroot", "usher",
                    "-e", sql], check=True, timeout=600, capture_output=True)


@pytest.fixture
def big_cleanup(stack):
    yield
    drop_big_import(stack)


def test_100000_users_with_groups_and_keys(stack, tmp_path, big_cleanup):
    """The figure the issue asks for: 100,000 users, each with an API key and in two of 100
    groups: everything arrives and signs in. The wall time and the CPU time the import costs
    (usherctl's and MariaDB's) are printed, never asserted: tests assert no times."""
    path = tmp_path / "big.db"
    n = 100_000
    pw = owuilib.bcrypt("Big-pw1!")

    def fill(con):
        con.executemany(
            "INSERT INTO user (id, email, name, role, profile_image_url, last_active_at, "
            "updated_at, created_at, settings) VALUES (?, ?, ?, 'user', '/user.png', ?, ?, ?, ?)",
            ((f"big-{i:06d}", f"big{i}@example.org", f"Big {i}", owuilib.T0 + i, owuilib.T0 + i,
              owuilib.T0 + i, '{"ui": {}}') for i in range(n)))
        con.executemany("INSERT INTO auth VALUES (?, ?, ?, 1)",
                        ((f"big-{i:06d}", f"big{i}@example.org", pw) for i in range(n)))
        con.executemany("INSERT INTO api_key (id, user_id, key, created_at, updated_at) "
                        "VALUES (?, ?, ?, 1, 1)",
                        ((f"key_big-{i:06d}", f"big-{i:06d}", f"sk-{i:032x}") for i in range(n)))
        con.executemany('INSERT INTO "group" VALUES (?, NULL, ?, \'\', NULL, NULL, \'{}\', 1, 1)',
                        ((f"bg-{g:03d}", f"Big group {g}") for g in range(100)))
        con.executemany("INSERT INTO group_member VALUES (?, ?, ?, 1, 1)",
                        ((f"bm-{i:06d}-{k}", f"bg-{(i + k * 37) % 100:03d}", f"big-{i:06d}")
                         for i in range(n) for k in range(2)))
    owuilib.build(path, "v0.11", extra=fill)
    start, cpu0 = time.monotonic(), cpu_seconds(stack)
    r = run_import(stack, path)
    took, cpu = time.monotonic() - start, cpu_seconds(stack) - cpu0
    assert r.returncode == 0, r.stdout[-2000:]
    s = summary(r.stdout)
    assert s["users"][1] == n + 3 and s["api_keys"][1] == n + 2 and s["members"][1] == 2 * n + 2
    print(f"\nimport-openwebui: {n} users, {n} keys, {2 * n} memberships in {took:.1f} s "
          f"(CPU: {cpu:.1f} s, usherctl and MariaDB; load average {os.getloadavg()[0]:.1f})")
    expect(signin(stack, "big99999@example.org", "Big-pw1!"), 200)
    assert sql_one(stack, "SELECT COUNT(*) FROM api_key") == str(n + 2)
