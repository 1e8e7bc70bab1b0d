"""usherctl against the running stack's database: create-admin for a headless first start,
with the sign-up rules, and the password never taken from the command line."""
import subprocess

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ME, Client, admin_config, auth_env, auth_module, expect, signin, signup, sql_one,
)
from harness import BUILD


def usherctl(stack, *args, stdin=""):
    return subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), *args],
                          input=stdin, capture_output=True, text=True, timeout=60)


def test_create_admin_on_an_empty_database(stack):
    r = usherctl(stack, "create-admin", "--email", "Root@Example.org", "--name", "Root",
                 stdin="a long enough secret\n")
    assert r.returncode == 0, r.stderr
    assert "created administrator" in r.stdout
    u = expect(signin(stack, "root@example.org", "a long enough secret"), 200)
    assert (u["role"], u["name"]) == ("admin", "Root")
    # the first account closed sign-up, as the first sign-up does
    assert admin_config(Client(stack, u["token"]))["ENABLE_SIGNUP"] is False
    expect(signup(stack, "late@example.org"), 403)


def test_create_admin_beside_existing_users(stack, tmp_path):
    first = expect(signup(stack, "first@example.org"), 200)
    pw = tmp_path / "pw"
    pw.write_text("another secret\n")
    r = usherctl(stack, "create-admin", "--email", "ops@example.org", "--name", "Ops",
                 "--password-file", str(pw))
    assert r.returncode == 0, r.stderr
    assert expect(signin(stack, "ops@example.org", "another secret"), 200)["role"] == "admin"
    assert sql_one(stack, "SELECT COUNT(*) FROM `user` WHERE role = 'admin'") == "2"
    assert expect(Client(stack, first["token"]).get(ME), 200)["role"] == "admin"


def test_create_admin_refusals_change_nothing(stack):
    expect(signup(stack, "taken@example.org"), 200)
    cases = [
        (("--email", "TAKEN@example.org", "--name", "X"), "pw-one-two\n", "already registered"),
        (("--email", "not-an-email", "--name", "X"), "pw-one-two\n", "email format you entered is invalid"),
        (("--email", "x@example.org", "--name", "X"), "\n", "no password"),
        (("--email", "y@example.org", "--name", "X"), "p" * 73 + "\n", "72 bytes"),
    ]
    for args, stdin, why in cases:
        r = usherctl(stack, "create-admin", *args, stdin=stdin)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert why in r.stderr, (why, r.stderr)
    r = usherctl(stack, "create-admin", "--email", "z@example.org")     # no --name
    assert r.returncode == 2 and "usage" in r.stderr
    assert sql_one(stack, "SELECT COUNT(*) FROM `user`") == "1"
