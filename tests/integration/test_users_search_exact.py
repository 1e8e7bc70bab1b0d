"""The search index's exact rows (sql/015: user_search.exact and created_at; issue 18, a
first and last name pair): a page in the created_at order (also the default) reads a row
marked exact without `user`, so after every kind of write the index must hold, for every
user, one row, and every row marked exact must hold the committed user's lowercased name
and e-mail and created_at (a row of a deleted user must not be exact). Checked against the
user table after sign-up, /auths/add, admin updates of name and e-mail, deletion,
`usherctl user add|import`, `usherctl import-openwebui`, a bulk SQL load + `usherctl
reindex`, and writes the database refuses after the index was written (rolled back: the
row back to the committed text). Search answers (totals, order in both created_at
directions and the default, pages) equal a brute-force lowercase substring match
throughout, also while a row is not exact and holds text its user does not have (a write
under way), and for a needle holding a line feed."""
import random
import subprocess

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    add_user, auth_env, auth_module, expect, set_admin_config, signup, unique_email,
)
from harness import BUILD
import indexlib
from indexlib import all_users, api_page, has_search, reindex
from owuilib import build as build_webui_db, scenario
from userlib import PAGE_SIZE, u

SEEDED = 3000


@pytest.fixture(scope="module")
def world(stack, auth_module):
    admin = indexlib.seed(stack, SEEDED, name="Exact Admin", pool_env=None)
    if not has_search(stack):
        pytest.skip("MariaDB without Mroonga: search reads the user table")
    return {"admin": admin, "rng": random.Random(1515)}


def check_index(stack):
    """One row per user; every exact row holds its committed user's text and created_at;
    no exact row of a user that is gone; after the writes settled, every row exact."""
    row = stack.sql(
        "SELECT (SELECT COUNT(*) FROM `user`), (SELECT COUNT(*) FROM user_search), "
        "(SELECT COUNT(DISTINCT id) FROM user_search), "
        "(SELECT COUNT(*) FROM `user` x LEFT JOIN user_search s ON s.id = x.id "
        " WHERE s.id IS NULL), "
        "(SELECT COUNT(*) FROM user_search s LEFT JOIN `user` x ON x.id = s.id "
        " WHERE s.exact = 1 AND (x.id IS NULL OR s.created_at <> x.created_at OR "
        " CAST(s.body AS BINARY) <> "
        " CAST(CONCAT(LOWER(x.name) COLLATE utf8mb4_bin, '\\n', x.email) AS BINARY))), "
        "(SELECT COUNT(*) FROM user_search WHERE exact <> 1)")[0]
    users, rows, ids, missing, wrong, not_exact = (int(x) for x in row)
    assert rows == ids == users and missing == 0, row
    assert wrong == 0, row
    assert not_exact == 0, row


def brute(users, needle, ascending):
    n = needle.lower()
    hits = [x for x in users if n in x[1].lower() or n in x[2]]
    hits.sort(key=lambda x: (x[3], x[0]), reverse=not ascending)
    return [x[0] for x in hits]


def check(stack, admin, needle, users=None):
    """The needle's pages in the default order and created_at both ways equal brute force;
    returns the number of matches."""
    users = users if users is not None else all_users(stack)
    for order, direction in ((None, None), ("created_at", "asc"), ("created_at", "desc")):
        want = brute(users, needle, direction == "asc")
        last = max(1, (len(want) + PAGE_SIZE - 1) // PAGE_SIZE)
        for page in sorted({1, 2, last, last + 1}):
            total, ids = api_page(admin, order, direction, page, query=needle)
            assert total == len(want), (needle, order, direction, page, total, len(want))
            off = (page - 1) * PAGE_SIZE
            assert ids == want[off:off + PAGE_SIZE], (needle, order, direction, page)
    return len(want)


def plain_users(stack, n):
    """(id, name, email, created_at) of n seeded users of role user (an admin of the seed
    may be the primary one, which no other admin may change)."""
    ids = {r[0] for r in stack.sql("SELECT id FROM `user` WHERE role = 'user' AND id LIKE "
                                   f"'00000000-%' ORDER BY id LIMIT {n}")}
    return sorted((x for x in all_users(stack) if x[0] in ids), key=lambda x: x[0])


def usherctl(stack, *args, stdin=None):
    return subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), *args],
                          input=stdin, capture_output=True, text=True, timeout=300)


def refused(stack, trigger_sql):
    """Adds a trigger (named search_exact_refuse) that makes the database refuse a write."""
    stack.sql("DROP TRIGGER IF EXISTS search_exact_refuse")
    stack.sql(trigger_sql)


def allowed(stack):
    stack.sql("DROP TRIGGER IF EXISTS search_exact_refuse")


class TestSearchExact:
    KEEP_DB = True

    def test_seeded(self, stack, world):
        check_index(stack)
        for needle in ["u12", "@d7.", "zoë", "ÖZTÜRK x"]:
            check(stack, world["admin"], needle)

    def test_api_writes(self, stack, world):
        admin = world["admin"]
        set_admin_config(admin, ENABLE_SIGNUP=True)
        r = signup(stack, name="Signed Sïgrid Qzvx", email=unique_email("qzvx"))
        assert r.status_code == 200, r.text
        added = add_user(admin, name="Added Ådne Qzvx")
        victims = [x[0] for x in plain_users(stack, 3)]
        expect(admin.post(u(f"/{victims[0]}/update"), json={"name": "Renamed Rüdiger Qzvx"}),
               200)
        expect(admin.post(u(f"/{victims[1]}/update"), json={"email": "moved.qzvx@new.example"}),
               200)
        expect(admin.post(u(f"/{victims[2]}/update"),
                          json={"name": "Both Bøb Qzvx", "email": "both.qzvx@new.example"}), 200)
        expect(admin.delete(u(f"/{added.user['id']}")), 200)
        check_index(stack)
        users = all_users(stack)
        assert check(stack, admin, "qzvx", users) == 4
        for needle in ["sïgrid", "ådne", "RÜDIGER", "moved.qzvx@", "new.example", "bøb q"]:
            check(stack, admin, needle, users)

    def test_usherctl_writes(self, stack, world, tmp_path):
        admin = world["admin"]
        r = usherctl(stack, "user", "add", "ctl.qwvj@ctl.example", "Ctl Çağla Qwvj",
                     stdin="a long password 1\n")
        assert r.returncode == 0, r.stdout + r.stderr
        csv = tmp_path / "users.csv"
        csv.write_text("Name,Email,Password,Role\n"
                       "Imported Ïda Qwvj,ida.qwvj@import.example,Import-pw1!,user\n"
                       "Imported Ørjan Qwvj,orjan.qwvj@import.example,Import-pw2!,pending\n")
        r = usherctl(stack, "user", "import", str(csv))
        assert r.returncode == 0, r.stdout + r.stderr
        db = tmp_path / "webui.db"
        sc = build_webui_db(str(db), "v0.11", scenario())
        r = usherctl(stack, "import-openwebui", str(db))
        assert r.returncode in (0, 1), r.stdout + r.stderr
        check_index(stack)
        users = all_users(stack)
        assert check(stack, admin, "qwvj", users) == 3
        for x in sc["users"][:5]:
            check(stack, admin, x["name"][:5], users)
            check(stack, admin, x["email"].lower()[:7], users)

    def test_refused_writes(self, stack, world):
        """The database refuses the write after the search row was written (the auth row of
        an e-mail change, the user row of a deletion): rolled back, the row holds the
        committed text again, exact."""
        admin = world["admin"]
        made = add_user(admin, name="Victim Vëra Qxkv").user   # a user with an auth row
        victim = (made["id"], made["name"], made["email"])
        try:
            refused(stack, "CREATE TRIGGER search_exact_refuse BEFORE UPDATE ON auth FOR EACH ROW "
                           "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'")
            r = admin.post(u(f"/{victim[0]}/update"),
                           json={"name": "Refused Rolf Qxkq", "email": "refused.qxkq@x.example"})
            assert r.status_code >= 400, r.text
            refused(stack, "CREATE TRIGGER search_exact_refuse BEFORE DELETE ON `user` FOR EACH "
                           "ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'")
            r = admin.delete(u(f"/{victim[0]}"))
            assert r.status_code >= 400, r.text
        finally:
            allowed(stack)
        check_index(stack)
        users = all_users(stack)
        assert check(stack, admin, "qxkq", users) == 0
        assert check(stack, admin, victim[2], users) >= 1

    def test_rows_not_exact(self, stack, world):
        """A row a write is changing (exact 0, the old and the new text) is checked against
        the user table: its extra text finds nothing, its user's text still finds it."""
        admin = world["admin"]
        victim = plain_users(stack, 21)[20]
        stack.sql("UPDATE user_search SET exact = 0, body = CONCAT(body, '\\nghost gwqz\\n"
                  f"ghost.gwqz@x.example') WHERE id = '{victim[0]}'")
        users = all_users(stack)
        assert check(stack, admin, "gwqz", users) == 0
        assert check(stack, admin, victim[1][-8:], users) >= 1
        assert check(stack, admin, victim[2], users) >= 1
        # its next write makes it exact again
        expect(admin.post(u(f"/{victim[0]}/update"), json={"name": victim[1] + " Gwqz"}), 200)
        check_index(stack)
        assert check(stack, admin, "gwqz") == 1

    def test_line_feed_needle(self, stack, world):
        """A needle with a line feed (the index's separator) is checked against `user`."""
        admin = world["admin"]
        x = plain_users(stack, 31)[30]
        needle = x[1][-3:].lower() + "\n" + x[2][:3]
        assert check(stack, admin, needle) == 0

    def test_bulk_load_and_reindex(self, stack, world):
        admin = world["admin"]
        stack.sql("INSERT INTO `user` (id, email, role, name, last_active_at, updated_at, "
                  "created_at) SELECT CONCAT('bulk-', seq), CONCAT('bulk', seq, '@bulk.test'), "
                  "'user', CONCAT('Bulk Bjørg ', seq), seq, seq, seq FROM seq_1_to_500; "
                  "UPDATE user_count SET n = (SELECT COUNT(*) FROM `user`) WHERE id = 1")
        assert reindex(stack).returncode == 0
        check_index(stack)
        assert reindex(stack).returncode == 0   # twice: the same
        check_index(stack)
        users = all_users(stack)
        assert check(stack, admin, "bulk bjø", users) == 500
        check(stack, admin, "g 49", users)
