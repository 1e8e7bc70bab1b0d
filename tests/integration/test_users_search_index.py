"""Search at 100,000 users from the search index (issue 18, item 2; sql/010: Mroonga's
n-gram index, each candidate checked with the exact predicate): random needles (mixed
case, non-ASCII, `%`, `_`, `\\`, `"`, 1, 2, 3 and 200 characters) answer what a
brute-force lowercase substring match over every user answers (totals, order, pages), on
GET /users/ and /users/search, also after renames, e-mail changes, deletions,
`usherctl user import`, an import of a webui.db and a bulk SQL load + `usherctl reindex`;
a 300-character query answers [] at once; a failed write leaves the index's answers as
they were."""
import random
import subprocess

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    PASSWORD, add_user, auth_env, auth_module, expect, unique_email,
)
from harness import BUILD
from indexlib import POOL_ENV, all_users, api_page, brute_search, has_search, reindex, seed
from owuilib import build as build_webui_db, scenario
from userlib import PAGE_SIZE, u

SPECIAL_NAMES = ["Per%cent Pat", "Under_Score Uma", "Back\\slash Bea", "Quo\"te Quinn",
                 "100% Über_Ü\\x", "  Spaced  Out  "]
LONG_NAME = "".join(random.Random(7).choice("abcdefghijklmnopqrstuvwxyzäöüß ") for _ in range(250))


@pytest.fixture(scope="module")
def world(stack, auth_module):
    admin = seed(stack)
    for name in SPECIAL_NAMES + [LONG_NAME]:
        add_user(admin, name=name, email=unique_email("special"))
    return {"admin": admin, "rng": random.Random(1818)}


def check(stack, admin, needle, users=None, path=""):
    users = users if users is not None else all_users(stack)
    want = brute_search(users, needle)
    last = max(1, (len(want) + PAGE_SIZE - 1) // PAGE_SIZE)
    for page in sorted({1, 2, last, last + 1}):
        total, ids = api_page(admin, None, None, page, path=path, query=needle)
        assert total == len(want), (needle, page, total, len(want))
        off = (page - 1) * PAGE_SIZE
        assert ids == want[off:off + PAGE_SIZE], (needle, page)
    return len(want)


def random_case(rng, s):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)


def random_needles(rng, users, k):
    out = []
    for _ in range(k):
        uid, name, email, _ = rng.choice(users)
        text = rng.choice([name, email])
        n = rng.choice([1, 2, 3, 3, 4, 5, 6, 8, 11])
        i = rng.randint(0, max(0, len(text) - n))
        out.append(random_case(rng, text[i:i + n]))
    return out


class TestSearchIndex:
    KEEP_DB = True
    POOL_ENV = POOL_ENV

    def test_the_index_is_there(self, stack, world):
        if not has_search(stack):
            pytest.skip("MariaDB without Mroonga: search reads the user table (still exact)")
        assert int(stack.sql("SELECT COUNT(*) FROM user_search")[0][0]) >= 100_000

    def test_random_needles(self, stack, world):
        admin, rng = world["admin"], world["rng"]
        users = all_users(stack)
        fixed = ["zoë müller", "ZOË MÜ", "@d123.example.org", "u77777", "ÖZTÜRK", "łuk", "ø",
                 "yılmaz x", "o'brien", "%", "_", "\\", "r%c", "r_s", "k\\s", "% Ü", "e\"q",
                 "\"", " mü", "ller ", "  ", "   ", "t\tt", "x063z", "zzqqxxjj", "e", "ä",
                 "chloé", "chloe", LONG_NAME[20:220], LONG_NAME[20:220].upper(),
                 "q" * 200, "a" * 200]
        for needle in fixed + random_needles(rng, users, 40):
            check(stack, admin, needle, users)
        for needle in ["zoë mü", "@d7.", "%"] + random_needles(rng, users, 5):
            check(stack, admin, needle, users, path="/search")

    def test_long_query(self, stack, world):
        admin = world["admin"]
        assert api_page(admin, None, None, 1, query="ab" * 150) == (0, [])
        assert api_page(admin, None, None, 1, query=LONG_NAME + "zz" * 30) == (0, [])

    def test_after_writes(self, stack, world, tmp_path):
        admin, rng = world["admin"], world["rng"]
        victims = [f"00000000-0000-4000-8000-{rng.randint(1, 100000):012d}" for _ in range(3)]
        old = {x[0]: x for x in all_users(stack) if x[0] in victims}
        # rename, e-mail change, deletion
        expect(admin.post(u(f"/{victims[0]}/update"), json={"name": "Renamed Ræbekka Qwxy"}), 200)
        expect(admin.post(u(f"/{victims[1]}/update"), json={"email": "moved.qwxz@new.example"}), 200)
        expect(admin.delete(u(f"/{victims[2]}")), 200)
        users = all_users(stack)
        for needle in ["ræbekka", "QWXY", old[victims[0]][1][:12], "moved.qwxz", "new.example",
                       old[victims[1]][2], old[victims[2]][1][-5:], old[victims[2]][2]]:
            check(stack, admin, needle, users)
        # usherctl user import
        csv = tmp_path / "users.csv"
        csv.write_text("Name,Email,Password,Role\n"
                       "Imported Ingrid Vqzx,ingrid.vqzx@import.example,Import-pw1!,user\n"
                       "Ímported Ölaf,olaf@import.example,Import-pw2!,pending\n")
        r = subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), "user", "import",
                            str(csv)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        users = all_users(stack)
        for needle in ["vqzx", "ÍMPORTED", "ölaf", "@import.ex"]:
            assert check(stack, admin, needle, users) >= 1
        # an import of Open WebUI's webui.db
        db = tmp_path / "webui.db"
        sc = build_webui_db(str(db), "v0.11", scenario())
        r = subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), "import-openwebui",
                            str(db)], capture_output=True, text=True, timeout=300)
        assert r.returncode in (0, 1), r.stdout + r.stderr
        users = all_users(stack)
        for x in sc["users"]:
            check(stack, admin, x["name"][:5], users)
            check(stack, admin, x["email"].lower()[:7], users)
        # a bulk load by SQL, then reindex
        stack.sql("INSERT INTO `user` (id, email, role, name, last_active_at, updated_at, "
                  "created_at) SELECT CONCAT('bulk-', seq), CONCAT('bulk', seq, '@bulk.test'), "
                  "'user', CONCAT('Bulk Bjørn ', seq), seq, seq, seq FROM seq_1_to_3000; "
                  "UPDATE user_count SET n = (SELECT COUNT(*) FROM `user`) WHERE id = 1")
        r = reindex(stack)
        assert r.returncode == 0, r.stderr
        users = all_users(stack)
        for needle in ["bulk bjø", "k bjørn 29", "@bulk.test", "bulk2999@"]:
            assert check(stack, admin, needle, users) >= 1
        for needle in random_needles(rng, users, 10):
            check(stack, admin, needle, users)

    def test_failed_write_keeps_answers(self, stack, world):
        admin = world["admin"]
        victim = "00000000-0000-4000-8000-000000060001"
        taken = "u60002@d2.example.org"
        users = all_users(stack)
        r = admin.post(u(f"/{victim}/update"), json={"email": taken, "name": "Clash Qqvv"})
        assert r.status_code == 400, r.text
        for needle in ["qqvv", "u60001@", "u60002@"]:
            check(stack, admin, needle, users)

    def test_reindex_twice_same_answers(self, stack, world):
        admin, rng = world["admin"], world["rng"]
        assert reindex(stack).returncode == 0
        users = all_users(stack)
        needles = random_needles(rng, users, 8)
        first = [api_page(admin, None, None, 1, query=n) for n in needles]
        assert reindex(stack).returncode == 0
        assert [api_page(admin, None, None, 1, query=n) for n in needles] == first
        for n in needles:
            check(stack, admin, n, users)
