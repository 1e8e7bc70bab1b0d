"""usherctl user: the admin's shell tools, against the running stack's database, with the
API's rules (password policy, unique e-mails, the primary admin) and revocation (a role or
password change by CLI ends that user's sessions on every worker)."""
import json
import subprocess

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    INVALID_TOKEN_SHORT, ME, PASSWORD, add_user, auth_env, auth_module, expect, first_admin,
    signin, sql_one,
)
from harness import BUILD


def ctl(stack, *args, stdin=""):
    return subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), "user", *args],
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_add_list_show(stack):
    admin = first_admin(stack)
    r = ctl(stack, "add", "Grace@Example.org", "Grace Hopper", "user", stdin="Cobol-pw1!\n")
    assert r.returncode == 0, r.stderr
    gid = r.stdout.strip()
    u = expect(signin(stack, "grace@example.org", "Cobol-pw1!"), 200)
    assert (u["id"], u["role"], u["name"]) == (gid, "user", "Grace Hopper")
    listed = ctl(stack, "list").stdout.splitlines()
    # (two accounts made in the same second may list either way round)
    assert sorted(line.split("\t")[1] for line in listed) == sorted([admin.email,
                                                                      "grace@example.org"])
    assert ctl(stack, "list", "hopper").stdout.count("\n") == 1
    shown = json.loads(ctl(stack, "show", "GRACE@example.org").stdout)
    assert shown["id"] == gid and "password" not in json.dumps(shown)
    # the API's rules: a taken address, a bad role, a bad address, no password
    r = ctl(stack, "add", "grace@example.org", "Again", stdin="Cobol-pw1!\n")
    assert r.returncode == 1 and "already registered" in r.stderr   # the API's text
    assert ctl(stack, "add", "x@example.org", "X", "root", stdin="pw-long-1\n").returncode == 1
    assert ctl(stack, "add", "not-an-address", "X", stdin="pw-long-1\n").returncode == 1
    assert ctl(stack, "add", "y@example.org", "Y", stdin="").returncode == 1
    assert ctl(stack, "show", "nobody@example.org").returncode == 1
    assert ctl(stack, "frobnicate").returncode == 2


def test_set_role_ends_sessions(stack):
    admin = first_admin(stack)
    member = add_user(admin, role="user")
    expect(member.get(ME), 200)
    r = ctl(stack, "set-role", member.email, "admin")
    assert r.returncode == 0, r.stderr
    for _ in range(6):   # every worker
        expect(member.get(ME), 401, INVALID_TOKEN_SHORT)
    assert expect(signin(stack, member.email), 200)["role"] == "admin"
    assert ctl(stack, "set-role", member.id, "superuser").returncode == 2
    # the primary admin keeps its role
    r = ctl(stack, "set-role", admin.email, "user")
    assert r.returncode == 1 and "primary admin" in r.stderr
    expect(admin.get(ME), 200)


def test_set_password_and_delete(stack):
    admin = first_admin(stack)
    member = add_user(admin, role="user")
    r = ctl(stack, "set-password", member.email, stdin="Fresh-pw7!\n")
    assert r.returncode == 0, r.stderr
    expect(member.get(ME), 401, INVALID_TOKEN_SHORT)
    expect(signin(stack, member.email, PASSWORD), 400)
    expect(signin(stack, member.email, "Fresh-pw7!"), 200)
    assert ctl(stack, "set-password", member.email, stdin="x" * 80 + "\n").returncode == 1
    r = ctl(stack, "delete", member.id)
    assert r.returncode == 0, r.stderr
    assert sql_one(stack, f"SELECT COUNT(*) FROM auth WHERE id = '{member.id}'") == "0"
    r = ctl(stack, "delete", admin.email)
    assert r.returncode == 1 and "primary admin" in r.stderr


def test_import_csv(stack, tmp_path):
    first_admin(stack)
    csv = tmp_path / "users.csv"
    csv.write_text("Name,Email,Password,Role\n"
                   "Ada Lovelace,ada@example.org,Engine-pw1!,admin\n"
                   '"Hopper, Grace",grace@example.org,Cobol-pw1!,\n'
                   "Bad Row,not-an-address,pw-long-enough\n"
                   "Too,few\n"
                   "Dup,ada@example.org,Other-pw2!,user\n"
                   "Secret Person,secret@example.org,Hush-pw3!,pending\n"
                   # a quote left open takes the rest of the file (RFC 4180): last here
                   'Broken,"quote@example.org,pw,user\n')
    r = ctl(stack, "import", str(csv))
    assert r.returncode == 1   # some rows were skipped
    assert r.stdout.strip() == "3 added, 4 skipped"
    skipped = [line for line in r.stderr.splitlines() if "skipped" in line]
    assert [line.split(":")[1] for line in skipped] == ["4", "5", "6", "8"]
    assert "Hush-pw3!" not in r.stderr and "pw-long-enough" not in r.stderr
    assert expect(signin(stack, "grace@example.org", "Cobol-pw1!"), 200)["name"] == "Hopper, Grace"
    assert expect(signin(stack, "ada@example.org", "Engine-pw1!"), 200)["role"] == "admin"
    assert expect(signin(stack, "secret@example.org", "Hush-pw3!"), 200)["role"] == "pending"
