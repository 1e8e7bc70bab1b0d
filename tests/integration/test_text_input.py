"""Text from outside (issue 15, items 3 and 4): `usherctl user import` reads CSV records,
not lines, so no row hidden in a quoted cell or past a buffer becomes an account; usherctl
prints no raw control byte of what it stored; addresses with control, invisible or markup
characters are refused at every door; names with control characters are a 422 (or a
refusal) wherever a person types one, and become spaces from a trusted proxy."""
import json
import re
import subprocess

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    AUTHS, INVALID_CRED, INVALID_EMAIL_FORMAT, ME, PASSWORD, Client, add_user, auth_env,
    auth_module, expect, first_admin, restart_pool_now, set_admin_config, signin, signup, sql_one,
    sql_quote,
    unique_email,
)
from harness import BUILD, TIME_SCALE, wait_for
from pagelib import PREFIX, PageClient, form_values

USERS = "/api/v1/users"

# One of each kind the rule names: C0 (ESC, TAB, CR, LF), DEL, C1, the invisible format
# characters (soft hyphen, zero-width space and joiners, bidi marks and overrides, word
# joiner and invisible operators, BOM), and markup.
BAD_ADDRESSES = [
    "eve\x1b[2J@example.org", "eve\tx@example.org", "eve\rx@example.org", "eve\nx@example.org",
    "eve\x7f@example.org", "eve\u0085@example.org", "eve\u009b@example.org",
    "e\u00adve@example.org", "e\u200bve@example.org", "e\u200dve@example.org",
    "e\u200eve@example.org", "e\u200fve@example.org", "e\u202ave@example.org",
    "e\u202eve@example.org", "e\u2060ve@example.org", "e\u2064ve@example.org",
    "e\ufeffve@example.org", "<eve>@example.org", "eve@exa<mple.org", "eve@example.org>",
]
GOOD_ADDRESSES = ["ann+tag@example.org", "j\u00fcrgen@ex\u00e4mple.de", "\u7528\u6237@\u4f8b\u5b50.cn"]
BAD_NAMES = ["Eve\tTab", "Eve\rCR", "Eve\nLF", "Eve\x1b[31mRed", "Eve\x7f", "Eve\u0085",
             "Eve\u009b2J", "\x01"]
GOOD_NAMES = ["<b>Ann</b> & \"Co\"", "Zo\u00eb \u5c71\u7530"]


def user_count(stack):
    return int(sql_one(stack, "SELECT COUNT(*) FROM `user`"))


def emails(stack):
    return sorted(r[0] for r in stack.sql("SELECT email FROM `user`"))


def usherctl(stack, *args, stdin=b""):
    return subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), *args],
                          input=stdin, capture_output=True, timeout=120)


def is_name_422(r):
    """A 422 in FastAPI's shape whose items are about the name field."""
    if r.status_code != 422:
        return False
    items = r.json()["detail"]
    return bool(items) and all(i["loc"][-1] == "name" for i in items)


# ================================================================ CSV records, not lines

def import_csv(stack, tmp_path, data):
    f = tmp_path / "users.csv"
    f.write_bytes(data.encode() if isinstance(data, str) else data)
    r = usherctl(stack, "user", "import", str(f))
    return r.returncode, r.stdout.decode(), r.stderr.decode()


def test_a_row_inside_a_quoted_cell_is_no_account(stack, tmp_path):
    first_admin(stack)
    # a line-based reader sees line 3 as a row of its own
    rc, out, err = import_csv(stack, tmp_path,
                              'Name,Email,Password,Role\n'
                              '"Mallory\nEve,eve@example.org,Evil-pw1!,admin\n",'
                              'mallory@example.org,Mallory-pw1!,user\n'
                              'Ok,ok@example.org,Ok-pw1!x,user\n')
    assert rc == 1 and out.strip() == "1 added, 1 skipped"
    assert ":2: skipped: the name must not contain control characters" in err
    assert "eve@example.org" not in emails(stack)
    assert "mallory@example.org" not in emails(stack)
    assert "ok@example.org" in emails(stack)


def test_quoted_commas_quotes_and_crlf(stack, tmp_path):
    first_admin(stack)
    rc, out, err = import_csv(stack, tmp_path,
                              '\ufeffname,email,password,role\r\n'
                              '"Hopper, ""Amazing"" Grace",grace@example.org,"Co,bol-pw1!",\r\n'
                              '"Ada",ada@example.org,Engine-pw1!,admin')
    assert (rc, out.strip()) == (0, "2 added, 0 skipped"), err
    u = expect(signin(stack, "grace@example.org", "Co,bol-pw1!"), 200)
    assert (u["name"], u["role"]) == ('Hopper, "Amazing" Grace', "user")
    assert expect(signin(stack, "ada@example.org", "Engine-pw1!"), 200)["role"] == "admin"


def test_an_unclosed_quote_hides_nothing(stack, tmp_path):
    first_admin(stack)
    rc, out, err = import_csv(stack, tmp_path,
                              'Ok,ok@example.org,Ok-pw1!x,user\n'
                              '"Open,x@example.org,X-pw1!xx,user\n'
                              'Eve,eve@example.org,Evil-pw1!,admin\n')
    assert rc == 1 and out.strip() == "1 added, 1 skipped"
    assert ":2: skipped: a quote is not closed at the end of the input" in err
    assert "eve@example.org" not in emails(stack)
    # text after a closing quote: the record is refused up to where its quotes end
    rc, out, err = import_csv(stack, tmp_path,
                              '"A"x,"b\nEve,eve@example.org,Evil-pw1!,admin\n",c,d\n'
                              'Two,two@example.org,Two-pw1!x,user\n')
    assert rc == 1 and out.strip() == "1 added, 1 skipped"
    assert ":1: skipped: text follows a closing quote" in err
    assert "eve@example.org" not in emails(stack) and "two@example.org" in emails(stack)


def test_a_long_record_is_never_split(stack, tmp_path):
    first_admin(stack)
    # the old reader's 4096-byte buffer cut this line, and its tail was a row
    tail = "Eve,eve@example.org,Evil-pw1!,admin"
    rc, out, err = import_csv(stack, tmp_path, "A" * 4095 + tail + "\n")
    assert rc == 1 and out.strip() == "0 added, 1 skipped"
    assert ":1: skipped: expected name,email,password[,role], got 4 fields" not in err
    assert ":1: skipped: the name must have at most 255 characters" in err
    assert "eve@example.org" not in emails(stack)
    # an absurd record is refused whole with its line; the next one is read
    rc, out, err = import_csv(stack, tmp_path,
                              "Ok,ok@example.org,Ok-pw1!x,user\n"
                              '"' + "B" * 70000 + '\nEve,eve@example.org,Evil-pw1!,admin\n",x\n'
                              "Two,two@example.org,Two-pw1!x,user\n")
    assert rc == 1 and out.strip() == "2 added, 1 skipped"
    assert ":2: skipped: the record is too long" in err
    assert "eve@example.org" not in emails(stack)
    # a record over 4095 bytes but within reason is one record
    name = "C" * 200
    rc, out, err = import_csv(stack, tmp_path, f'{name},long@example.org,"{"p" * 4000}",user\n')
    assert rc == 1 and "long@example.org" not in emails(stack)   # the password is too long
    assert "password" in err and "p" * 100 not in err


def test_wrong_field_counts_are_refused_with_their_line(stack, tmp_path):
    first_admin(stack)
    rc, out, err = import_csv(stack, tmp_path,
                              "name,email,password\n"
                              "One,one@example.org\n"
                              "\n"
                              "Five,five@example.org,Five-pw1!,user,extra\n"
                              "Ok,ok@example.org,Ok-pw1!x\n")
    assert rc == 1 and out.strip() == "1 added, 2 skipped"
    assert ":2: skipped: expected name,email,password[,role], got 2 fields" in err
    assert ":4: skipped: expected name,email,password[,role], got 5 fields" in err
    assert emails(stack) == sorted(emails(stack)) and "ok@example.org" in emails(stack)


# ================================================================ no raw control byte out

C0 = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")
HOSTILE = "Evil\x1b]0;owned\x07\x1b[2J\tTab\r\nFORGED LINE\x7f\u0085\u009b31m"


def assert_clean(out, allow_tab=False):
    bad = C0.findall(out.replace(b"\t", b"") if allow_tab else out)
    assert not bad, (bad, out[:300])


def test_usherctl_prints_no_raw_control_bytes(stack):
    admin = first_admin(stack)
    stack.sql("DELETE FROM audit_log")
    # a failed sign-in whose typed address and user agent hold controls: both are stored
    forged = "nobody\x1b[2J\r\n2026-01-01T00:00:00Z  auth.signin 200 admin\u009b@example.org"
    r = stack.post(AUTHS + "/signin", json={"email": forged, "password": "x"},
                   headers={"User-Agent": "ua\x1b[31m\u0085\u009b".encode()})
    expect(r, 400, INVALID_CRED)
    assert sql_one(stack, "SELECT COUNT(*) FROM audit_log WHERE actor_email LIKE 'nobody%'") == "1"
    # names and addresses stored before usher refused them (an old import, SQL by hand)
    member = add_user(admin, name="Member")
    stack.sql(f"UPDATE `user` SET name = {sql_quote(HOSTILE)}, "
              f"email = {sql_quote('m' + HOSTILE[4:20] + '@example.org')} WHERE id = '{member.id}'")

    audit = usherctl(stack, "audit")
    assert audit.returncode == 0, audit.stderr
    assert_clean(audit.stdout)
    rows = int(sql_one(stack, "SELECT COUNT(*) FROM audit_log"))
    assert audit.stdout.count(b"\n") == rows
    assert b"nobody\\x1b[2J\\x0d\\x0a2026" in audit.stdout and b"\\x9b@example.org" in audit.stdout

    audit_json = usherctl(stack, "audit", "--json")
    assert_clean(audit_json.stdout)
    lines = audit_json.stdout.decode().splitlines()
    assert len(lines) == rows
    got = [json.loads(line) for line in lines]
    assert any(g["actor_email"] == forged.lower() or g["actor_email"] == forged for g in got)
    assert any(g["user_agent"] == "ua\x1b[31m\u0085\u009b" for g in got)
    assert b"\\u009b" in audit_json.stdout

    listing = usherctl(stack, "user", "list")
    assert listing.returncode == 0
    assert_clean(listing.stdout, allow_tab=True)
    lines = listing.stdout.split(b"\n")[:-1]
    assert len(lines) == user_count(stack)
    assert all(line.count(b"\t") == 4 for line in lines)
    assert b"Evil\\x1b]0;owned\\x07\\x1b[2J\\x09Tab\\x0d\\x0aFORGED LINE\\x7f\\x85\\x9b31m" in listing.stdout

    shown = usherctl(stack, "user", "show", member.id)
    assert shown.returncode == 0
    assert_clean(shown.stdout.replace(b"\n", b""))
    assert json.loads(shown.stdout)["name"] == HOSTILE
    assert b"\\u0085\\u009b" in shown.stdout
    # the messages that name a stored address are escaped too
    r = usherctl(stack, "user", "set-role", member.id, "pending")
    assert r.returncode == 0
    assert_clean(r.stdout.replace(b"\n", b""))


# ================================================================ bad addresses, every door

def test_signup_api_and_page_refuse_bad_addresses(stack):
    for bad in BAD_ADDRESSES:
        expect(signup(stack, email=bad), 400, INVALID_EMAIL_FORMAT)
    p = PageClient(stack)
    for bad in BAD_ADDRESSES[:4] + BAD_ADDRESSES[8:10] + BAD_ADDRESSES[-3:]:
        r = p.signup("Eve", bad, PASSWORD)
        assert r.status_code == 400 and p.token() is None, (bad, r.status_code)
    assert user_count(stack) == 0
    # + tags and non-ASCII letters stay valid (the first one is the admin, who opens sign-up)
    u = expect(signup(stack, email=GOOD_ADDRESSES[0]), 200)
    set_admin_config(Client(stack, u["token"]), ENABLE_SIGNUP=True)
    for good in GOOD_ADDRESSES[1:]:
        assert expect(signup(stack, email=good), 200)["email"] == good
    r = PageClient(stack).signup("Zo\u00eb", "zo\u00eb+page@example.org", PASSWORD)
    assert r.status_code == 303


def test_add_and_admin_update_refuse_bad_addresses(stack):
    admin = first_admin(stack)
    member = add_user(admin, name="Member")
    before = user_count(stack)
    for bad in BAD_ADDRESSES:
        expect(admin.post("add", json={"name": "Eve", "email": bad, "password": PASSWORD,
                                       "role": "user"}), 400, INVALID_EMAIL_FORMAT)
        expect(admin.post(f"{USERS}/{member.id}/update", json={"email": bad}), 400,
               INVALID_EMAIL_FORMAT)
    assert user_count(stack) == before
    assert sql_one(stack, f"SELECT email FROM `user` WHERE id = '{member.id}'") == member.email
    for good in GOOD_ADDRESSES:
        expect(admin.post("add", json={"name": "Ann", "email": good, "password": PASSWORD}), 200)
    expect(admin.post(f"{USERS}/{member.id}/update", json={"email": "member+x@example.org"}), 200)
    # the admin pages go through the same forms
    p = PageClient(stack)
    expect_page_signin(p, admin.email)
    for bad in BAD_ADDRESSES[:3] + BAD_ADDRESSES[-2:]:
        r = p.form_post("/admin/users", "/admin/users",
                        {"name": "Eve", "email": bad, "password": PASSWORD, "role": "user"})
        assert r.status_code == 400, bad
        page = "/admin/users/" + member.id
        data = form_values(p.get(page).text, PREFIX + page)
        data["email"] = bad
        r = p.form_post(page, page, data)
        assert r.status_code == 400, bad
    assert sql_one(stack, f"SELECT email FROM `user` WHERE id = '{member.id}'") == "member+x@example.org"


def expect_page_signin(p, email):
    r = p.signin(email, PASSWORD)
    assert r.status_code == 303, r.text[:300]


def test_usherctl_refuses_bad_addresses(stack, tmp_path):
    first_admin(stack)
    before = user_count(stack)
    for bad in BAD_ADDRESSES:
        r = usherctl(stack, "user", "add", bad, "Eve", stdin=b"Evil-pw1!\n")
        assert r.returncode == 1, bad
        assert_clean(r.stderr.replace(b"\n", b""))
        pw = tmp_path / "pw"
        pw.write_text("Evil-pw1!\n")
        r = usherctl(stack, "create-admin", "--email", bad, "--name", "Eve",
                     "--password-file", str(pw))
        assert r.returncode != 0, bad
        assert_clean(r.stderr.replace(b"\n", b""))
    rows = "".join('Eve,"%s",Evil-pw1!,user\r\n' % b.replace('"', '""') for b in BAD_ADDRESSES)
    rc, out, err = import_csv(stack, tmp_path, rows)
    assert rc == 1 and out.strip() == f"0 added, {len(BAD_ADDRESSES)} skipped"
    assert_clean(err.replace("\n", "").encode())
    assert user_count(stack) == before
    for i, good in enumerate(GOOD_ADDRESSES):
        r = usherctl(stack, "user", "add", good, "Ann", stdin=b"Good-pw1!\n")
        assert r.returncode == 0, r.stderr


class TestTrustedHeader:
    POOL_ENV = {"WEBUI_AUTH_TRUSTED_EMAIL_HEADER": "X-User-Email",
                "WEBUI_AUTH_TRUSTED_NAME_HEADER": "X-User-Name"}

    def sso(self, stack, headers):
        return stack.post(AUTHS + "/signin", json={"email": "x@example.org", "password": "x"},
                          headers={k: v.encode() for k, v in headers.items()})

    def test_bad_addresses_are_refused(self, stack):
        for bad in BAD_ADDRESSES:
            if "\r" in bad or "\n" in bad:
                continue    # no HTTP header can carry those
            expect(self.sso(stack, {"X-User-Email": bad}), 400, INVALID_EMAIL_FORMAT)
        assert user_count(stack) == 0
        u = expect(self.sso(stack, {"X-User-Email": "boss+sso@example.org"}), 200)
        assert u["email"] == "boss+sso@example.org"

    def test_control_characters_in_the_name_become_spaces(self, stack):
        u = expect(self.sso(stack, {"X-User-Email": "boss@example.org",
                                    "X-User-Name": "J%C3%BCrgen%09M%C3%BCller%0D%0A%1B[2J%C2%9B<b>"}),
                   200)
        assert u["name"] == "Jürgen M\u00fcller   [2J <b>"
        assert sql_one(stack, "SELECT name FROM `user`") == u["name"]
        set_admin_config(Client(stack, u["token"]), ENABLE_SIGNUP=True)
        u = expect(self.sso(stack, {"X-User-Email": "raw@example.org",
                                    "X-User-Name": "Raw\x1bName\x7f"}), 200)
        assert u["name"] == "Raw Name "


class TestBootstrapAddress:
    POOL_ENV = {"WEBUI_ADMIN_EMAIL": "root\u200b@example.org", "WEBUI_ADMIN_PASSWORD": "Root-pw1!"}

    def test_a_bad_configured_address_makes_no_admin(self, stack):
        mark = stack.log_mark()
        restart_pool_now(stack)
        wait_for(lambda: "WEBUI_ADMIN_EMAIL: invalid email address" in stack.log_since(mark),
                 10 * TIME_SCALE, what="the refusal in the log")
        expect(stack.get("/health"), 200)
        assert user_count(stack) == 0
        assert "Root-pw1!" not in stack.log_since(mark)


# ================================================================ names

def test_names_with_controls_are_a_422_on_the_name(stack):
    for bad in BAD_NAMES:
        assert is_name_422(signup(stack, name=bad)), repr(bad)
    assert user_count(stack) == 0
    admin = first_admin(stack, name=GOOD_NAMES[0])
    assert admin.user["name"] == GOOD_NAMES[0]
    member = add_user(admin, name=GOOD_NAMES[1])
    assert member.user["name"] == GOOD_NAMES[1]
    before = user_count(stack)
    for bad in BAD_NAMES:
        r = admin.post("add", json={"name": bad, "email": unique_email(), "password": PASSWORD})
        assert is_name_422(r), repr(bad)
        r = admin.post("update/profile", json={"name": bad, "profile_image_url": "/user.png"})
        assert is_name_422(r), repr(bad)
        r = admin.post(f"{USERS}/{member.id}/update", json={"name": bad})
        assert is_name_422(r), repr(bad)
    assert user_count(stack) == before
    assert expect(admin.get(ME), 200)["name"] == GOOD_NAMES[0]
    assert sql_one(stack, f"SELECT name FROM `user` WHERE id = '{member.id}'") == GOOD_NAMES[1]
    expect(admin.post("update/profile", json={"name": "Zo\u00eb <i>", "profile_image_url": "/user.png"}),
           200)


def test_names_with_controls_are_refused_by_the_pages(stack):
    p = PageClient(stack)
    r = p.signup("Eve\tTab", unique_email(), PASSWORD)
    assert r.status_code == 422 and p.token() is None
    r = p.signup("Admin <b>", unique_email("admin"), PASSWORD)
    assert r.status_code == 303
    admin = Client(stack, p.token())
    me = expect(admin.get(ME), 200)
    for bad in ("Eve\x1bEsc", "Eve\u009b"):
        r = p.form_post("/account", "/account", {"name": bad, "profile_image_url": "/user.png"})
        assert r.status_code == 422, bad
        r = p.form_post("/admin/users", "/admin/users",
                        {"name": bad, "email": unique_email(), "password": PASSWORD, "role": "user"})
        assert r.status_code == 422, bad
        page = "/admin/users/" + me["id"]
        data = form_values(p.get(page).text, PREFIX + page)
        data["name"] = bad
        assert p.form_post(page, page, data).status_code == 422, bad
    assert user_count(stack) == 1 and expect(admin.get(ME), 200)["name"] == "Admin <b>"


def test_usherctl_refuses_names_with_controls(stack, tmp_path):
    first_admin(stack)
    for bad in BAD_NAMES:
        r = usherctl(stack, "user", "add", unique_email(), bad, stdin=b"Good-pw1!\n")
        assert r.returncode == 1 and b"control characters" in r.stderr, repr(bad)
    pw = tmp_path / "pw"
    pw.write_text("Good-pw1!\n")
    r = usherctl(stack, "create-admin", "--email", unique_email(), "--name", "Root\x1b",
                 "--password-file", str(pw))
    assert r.returncode != 0
    rc, out, err = import_csv(stack, tmp_path, "".join(
        '"%s",%s,Good-pw1!,user\n' % (b, unique_email()) for b in BAD_NAMES if b != "\x01"))
    assert rc == 1 and out.strip() == f"0 added, {len(BAD_NAMES) - 1} skipped"
    assert user_count(stack) == 1
    r = usherctl(stack, "user", "add", unique_email(), GOOD_NAMES[1], stdin=b"Good-pw1!\n")
    assert r.returncode == 0, r.stderr
