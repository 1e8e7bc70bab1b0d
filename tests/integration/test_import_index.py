"""usherctl import-openwebui keeps the listing's fences and the search index in bulk (per
batch of 500 users one read and one write per order and one insert into the search index:
db_user_index_join_many, src/db/user_index.c). A webui.db of a few thousand users imported
into a stack that already has users (fences made by `usherctl reindex`, several runs per
order): every fence then holds exactly the users of its run (their sum the user count, also
at every commit while the import runs), every order's pages equal a brute-force
`ORDER BY column, id LIMIT 30 OFFSET n`, and search finds the imported users with the
exact text. Edge keys: users whose key equals a fence's key (the same name, a name equal
only in the collation, the same created_at, with an id below and above the fence's), and a
deleted user imported again under its old id and keys. A batch the database refuses
mid-way (rolled back, retried row by row) leaves fences and search index as committed."""
import contextlib
import random
import subprocess
import time

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    auth_env, auth_module, expect, first_admin,
)
from harness import BUILD
import indexlib
from indexlib import (
    ORDERS, all_users, api_page, brute_search, check_page, fence_snapshot, has_search,
    user_count,
)
import owuilib
from test_import_openwebui import summary
from userlib import PAGE_SIZE, u

SEEDED = 8000          # by SQL + reindex: 8 or 9 fences per order
IMPORTED = 4000        # 8 batches of 500
FENCES = {"name": "user_fence_name", "email": "user_fence_email",
          "created_at": "user_fence_created_at", "last_active_at": "user_fence_last_active_at",
          "role": "user_fence_role"}
FIRST = ["Émile", "Zoë", "Łukasz", "anna", "BJÖRN", "Chloé", "eva", "Gül", "Hana", "ingrid"]
LAST = ["Müller", "O'Brien", "smith", "Østergaard", "DUBOIS", "rossi", "Yılmaz", "Öztürk"]


def seed(stack):
    return indexlib.seed(stack, SEEDED, name="Import Index Admin", pool_env=None)


@contextlib.contextmanager
def refusing(stack, trigger_sql):
    """A trigger (named import_index_refuse) that makes the database refuse some write,
    dropped afterwards whatever happens."""
    stack.sql(trigger_sql)
    try:
        yield
    finally:
        stack.sql("DROP TRIGGER IF EXISTS import_index_refuse")


def import_refused(stack, path, trigger_sql):
    """The import of path while trigger_sql's trigger refuses some write: the user count
    before, the exit status, stdout and stderr."""
    with refusing(stack, trigger_sql):
        before = user_count(stack)
        p = import_users(stack, path)
        out, err = p.communicate()
    return before, p.returncode, out, err


def fence_keys(stack, table):
    """(key, id) of every fence but the sentinel, in key order."""
    return [(r[0], r[1]) for r in stack.sql(f"SELECT k, id FROM {table} ORDER BY k, id")[1:]]


def check_fences(stack, runs=3):
    """Every fence's n is the number of users from its key up to the next fence's (the
    brute force: one range count per fence), none is NULL, their sum is the user count;
    each order has at least `runs` fences."""
    total = user_count(stack)
    for col, t in FENCES.items():
        rows = stack.sql(
            f"SELECT HEX(k), id, COALESCE(n, 'NULL'), (SELECT COUNT(*) FROM `user` x WHERE "
            f"(x.{col} > r.k OR (x.{col} = r.k AND x.id >= r.id)) AND (r.nid IS NULL OR "
            f"x.{col} < r.nk OR (x.{col} = r.nk AND x.id < r.nid))) FROM (SELECT k, id, n, "
            f"LEAD(k) OVER (ORDER BY k, id) AS nk, LEAD(id) OVER (ORDER BY k, id) AS nid "
            f"FROM {t}) r")
        assert len(rows) >= runs, (col, rows)
        for hk, fid, n, want in rows:
            assert n == want, (col, bytes.fromhex(hk).decode(), fid, n, want)
        assert sum(int(r[2]) for r in rows) == total, col


def fence_sums_match(stack):
    """In one statement (one snapshot): each order's fence total equals COUNT(*)."""
    sums = ", ".join(f"(SELECT SUM(n) FROM {t})" for t in FENCES.values())
    row = stack.sql(f"SELECT (SELECT COUNT(*) FROM `user`), {sums}")[0]
    return all(x == row[0] for x in row[1:]), row


def check_search_index(stack):
    """The search index holds exactly each user's text (lowercased name, e-mail)."""
    if not has_search(stack):
        return
    rows = stack.sql(
        "SELECT (SELECT COUNT(*) FROM `user`), (SELECT COUNT(*) FROM user_search), "
        "(SELECT COUNT(*) FROM user_search s JOIN `user` x ON x.id = s.id WHERE s.body = "
        "CONCAT(LOWER(x.name) COLLATE utf8mb4_bin, '\\n', x.email))")
    n, indexed, exact = rows[0]
    assert n == indexed == exact, rows


def check_pages(stack, admin, rng):
    n = user_count(stack)
    last = (n + PAGE_SIZE - 1) // PAGE_SIZE
    for order in ORDERS:
        for direction in ("asc", "desc") if order else ("asc",):
            for page in sorted({1, 2, rng.randint(3, last - 2), last // 2, last - 1, last,
                                last + 1}):
                check_page(stack, admin, order, direction, page)


def check_needle(stack, admin, needle, users):
    want = brute_search(users, needle)
    last = max(1, (len(want) + PAGE_SIZE - 1) // PAGE_SIZE)
    for page in sorted({1, last, last + 1}):
        total, ids = api_page(admin, None, None, page, query=needle)
        assert total == len(want), (needle, page, total, len(want))
        off = (page - 1) * PAGE_SIZE
        assert ids == want[off:off + PAGE_SIZE], (needle, page)
    return want


def import_users(stack, path):
    return subprocess.Popen([str(BUILD / "usherctl"), "-c", str(stack.conf), "import-openwebui",
                             str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def webui_db(path, users, pw):
    """A v0.11 webui.db of the scenario (3 users, 2 groups) plus users: dicts of id, email,
    name, role, created, active (last_active_at)."""
    def fill(con):
        con.executemany(
            "INSERT INTO user (id, email, name, role, profile_image_url, last_active_at, "
            "updated_at, created_at) VALUES (?, ?, ?, ?, '/user.png', ?, ?, ?)",
            ((x["id"], x["email"], x["name"], x["role"], x["active"], x["created"],
              x["created"]) for x in users))
        con.executemany("INSERT INTO auth VALUES (?, ?, ?, 1)",
                        ((x["id"], x["email"], pw) for x in users))
    owuilib.build(path, "v0.11", extra=fill)


def random_users(rng, count, id_prefix, email_tag, name_tag, domain, base, top):
    """count users for a webui.db, keys all over every order: created_at within 1,000 s of
    [base, top], ids id_prefix-<i>, e-mails and names made distinct by email_tag and name_tag."""
    users = []
    for i in range(count):
        created = rng.randint(base - 1000, top + 1000)
        users.append(dict(
            id=f"{id_prefix}-{i:012d}",
            email=f"{rng.choice('aemuvz')}{i}{email_tag}@{domain(i)}",
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {name_tag}{i:04d}",
            role=rng.choice(["user"] * 8 + ["pending", "admin"]),
            created=created, active=created + rng.randint(0, 5_000_000)))
    return users


@pytest.fixture(scope="module")
def world(stack, auth_module):
    admin = seed(stack)
    rng = random.Random(1616)
    base = int(stack.sql("SELECT MIN(created_at) FROM `user`")[0][0])
    top = int(stack.sql("SELECT MAX(created_at) FROM `user`")[0][0])
    users = random_users(rng, IMPORTED, "55555555-cccc-4ccc-8ccc", "x", "I",
                         lambda i: f"imp{i % 7}.example.org", base, top)
    # keys on the fences: a name equal to a fence's key (and one equal only in the
    # collation), with ids below and above the fence's; a created_at and last_active_at
    # equal to a fence's key
    j = IMPORTED
    for k, fid in fence_keys(stack, "user_fence_name")[:3]:
        for uid, name in ((fid[:-1] + "/", k), (fid + "z", k.upper()), (fid + "y", k)):
            users.append(dict(id=uid, email=f"fence{j}@fence.example.org", name=name,
                              role="user", created=base + j, active=base + j))
            j += 1
    for order in ("created_at", "last_active_at"):
        for k, fid in fence_keys(stack, FENCES[order])[:3]:
            for uid in (fid[:-1] + "/", fid + "z"):
                key = {"created": int(k), "active": int(k)}
                users.append(dict(id=uid, email=f"fence{j}@fence.example.org",
                                  name=f"Fence Key {j}", role="pending", **key))
                j += 1
    # a user that starts a run of created_at, deleted, then imported again as it was
    k, fid = fence_keys(stack, "user_fence_created_at")[1]
    back = stack.sql(f"SELECT id, email, name, role, created_at, last_active_at FROM `user` "
                     f"WHERE id = '{fid}'")[0]
    expect(admin.delete(u(f"/{fid}")), 200)
    users.append(dict(id=back[0], email=back[1], name=back[2], role=back[3],
                      created=int(back[4]), active=int(back[5])))
    return {"admin": admin, "rng": rng, "users": users, "pw": owuilib.bcrypt("Imp-pw1!")}


class TestImportKeepsTheIndex:
    KEEP_DB = True

    def test_before_the_import(self, stack, world):
        """The starting point is exact (seeded, reindexed, one deletion)."""
        check_fences(stack)
        check_search_index(stack)

    def test_import_exact_at_every_commit(self, stack, world, tmp_path):
        path = tmp_path / "webui.db"
        webui_db(path, world["users"], world["pw"])
        before = user_count(stack)
        p = import_users(stack, path)
        polls = []
        while p.poll() is None:
            polls.append(fence_sums_match(stack))
            time.sleep(0.05)
        out, err = p.communicate()
        assert p.returncode == 0, out + err
        assert all(ok for ok, _ in polls), [row for ok, row in polls if not ok]
        print(f"\n{len(polls)} checks of the fence totals while the import ran")
        assert summary(out)["users"][1] == len(world["users"]) + 3
        assert user_count(stack) == before + len(world["users"]) + 3
        check_fences(stack)
        check_search_index(stack)

    def test_pages_after_the_import(self, stack, world):
        check_pages(stack, world["admin"], world["rng"])

    def test_search_finds_the_imported(self, stack, world):
        admin, rng = world["admin"], world["rng"]
        users = all_users(stack)
        imported = world["users"]
        needles = ["I0042", "i3999", "x@imp3", "3999x@", "fence key", "@fence.example",
                   "zoë müller i0", "ÖZTÜRK I1"]
        for x in rng.sample(imported, 12):
            text = rng.choice([x["name"], x["email"]])
            i = rng.randint(0, max(0, len(text) - 6))
            needles.append(text[i:i + rng.choice([3, 4, 6])])
        for needle in needles:
            assert check_needle(stack, admin, needle, users), needle
        # each imported user found by its whole e-mail, alone
        for x in rng.sample(imported, 5):
            total, ids = api_page(admin, None, None, 1, query=x["email"])
            assert (total, ids) == (1, [x["id"]]), x

    def test_a_second_run_changes_nothing(self, stack, world, tmp_path):
        path = tmp_path / "webui.db"
        webui_db(path, world["users"], world["pw"])
        before = fence_snapshot(stack)
        p = import_users(stack, path)
        out, err = p.communicate()
        assert p.returncode == 0, out + err
        assert "Nothing to do" in out
        assert fence_snapshot(stack) == before

    def test_a_refused_row_mid_batch(self, stack, world, tmp_path):
        """A row usher's database refuses (here a trigger that nulls the id of one e-mail):
        its batch of 500 rolls back, the rows go one by one, only that one stays out; the
        fences count what was committed and the search index holds no text of the refused
        user (Mroonga kept what the rolled-back batch added: taken back)."""
        rng = world["rng"]
        more = [dict(id=f"66666666-dddd-4ddd-8ddd-{i:012d}", email=f"late{i}@late.example.org",
                     name=f"{rng.choice(FIRST)} Late {i}", role="user",
                     created=1_700_000_000 + i, active=1_700_000_000 + i) for i in range(1200)]
        bad = more[700]
        path = tmp_path / "webui.db"
        webui_db(path, more, world["pw"])
        before, status, out, err = import_refused(
            stack, path, "CREATE TRIGGER import_index_refuse BEFORE INSERT ON `user` "
            "FOR EACH ROW SET NEW.id = "
            f"IF(NEW.email = '{bad['email']}', NULL, NEW.id)")
        assert status == 1, out + err
        assert f"user {bad['id']} ({bad['email']}): usher's database refused it" in out, out
        assert summary(out)["users"][1] == user_count(stack) - before
        assert stack.sql("SELECT COUNT(*) FROM `user` WHERE email LIKE '%@late.example.org'") \
            == [[str(len(more) - 1)]]
        check_fences(stack)
        check_search_index(stack)
        if has_search(stack):
            stray = stack.sql(f"SELECT COUNT(*) FROM user_search WHERE id = '{bad['id']}'")
            assert stray == [["0"]]
        admin = world["admin"]
        users = all_users(stack)
        assert check_needle(stack, admin, "late.example", users)
        assert check_needle(stack, admin, "Late 70", users)
        total, ids = api_page(admin, None, None, 1, query=bad["email"])
        assert (total, ids) == (0, [])
        check_pages(stack, admin, rng)

    def test_a_batch_refused_after_its_search_rows(self, stack, world, tmp_path):
        """A batch refused at its last write (here a trigger on the user count that refuses
        a batch holding one e-mail; the same users alone pass): Mroonga kept the text the
        batch added, which is taken back after the rollback, so the users then imported one
        by one are in the index once, with their exact text, and the fences count each once."""
        more = [dict(id=f"77777777-eeee-4eee-8eee-{i:012d}", email=f"again{i}@again.example.org",
                     name=f"Again Agnes {i}", role="pending", created=1_600_000_000 + i,
                     active=1_600_000_000 + i) for i in range(800)]
        path = tmp_path / "webui.db"
        webui_db(path, more, world["pw"])
        before, status, out, err = import_refused(
            stack, path, "CREATE TRIGGER import_index_refuse BEFORE UPDATE ON user_count "
            "FOR EACH ROW SET NEW.n = IF(NEW.n - OLD.n > 1 AND EXISTS "
            "(SELECT 1 FROM `user` WHERE "
            f"email = '{more[600]['email']}'), NULL, NEW.n)")
        assert status == 0, out + err
        assert summary(out)["users"][1] == user_count(stack) - before
        assert stack.sql("SELECT COUNT(*) FROM `user` WHERE email LIKE '%@again.example.org'") \
            == [[str(len(more))]]
        check_fences(stack)
        check_search_index(stack)
        users = all_users(stack)
        assert len(check_needle(stack, world["admin"], "again agnes", users)) == len(more)
        check_pages(stack, world["admin"], world["rng"])


def test_into_a_new_install(stack, tmp_path):
    """A fresh database (every order's only fence the sentinel, as before any reindex): the
    batches join the one run without sorting their keys, and it counts them all."""
    admin = first_admin(stack, name="New Install Admin")
    rng = random.Random(77)
    users = [dict(id=f"88888888-ffff-4fff-8fff-{i:012d}", email=f"new{i}@new.example.org",
                  name=f"{rng.choice(FIRST)} {rng.choice(LAST)} N{i}",
                  role=rng.choice(["user", "pending", "admin"]), created=rng.randint(1, 10 ** 9),
                  active=rng.randint(1, 10 ** 9)) for i in range(1300)]
    path = tmp_path / "webui.db"
    webui_db(path, users, owuilib.bcrypt("New-pw1!"))
    p = import_users(stack, path)
    out, err = p.communicate()
    assert p.returncode == 0, out + err
    assert user_count(stack) == len(users) + 4
    check_fences(stack, runs=1)
    check_search_index(stack)
    check_pages(stack, admin, rng)
    assert check_needle(stack, admin, "new.example", all_users(stack))
