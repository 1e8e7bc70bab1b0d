"""The audit trail: each audited action writes exactly one row with who, what, the outcome,
from where and when; no password, token or key ever reaches the table or the logs; usherctl
audit reads it back with its filters; X-Forwarded-For counts only from a trusted proxy."""
import json

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    PASSWORD, Client, add_user, auth_env, auth_module, expect, first_admin, set_admin_config,
    signin, signin_client, unique_email,
)
from grouplib import ctl

USERS = "/api/v1/users"
GROUPS = "/api/v1/groups"


def rows(stack):
    out = stack.sql("SELECT action, status, COALESCE(actor_id, ''), COALESCE(actor_email, ''), "
                    "COALESCE(target_id, ''), COALESCE(detail, ''), COALESCE(client_addr, ''), "
                    "COALESCE(user_agent, '') FROM audit_log ORDER BY id")
    return [dict(zip(("action", "status", "actor", "email", "target", "detail", "addr", "ua"),
                     r)) for r in out]


def test_each_action_writes_one_row_and_no_secret(stack):
    mark = stack.log_mark()
    stack.sql("DELETE FROM audit_log")
    admin = first_admin(stack)
    secrets = [PASSWORD, admin.token]
    bad = expect(signin(stack, admin.email.upper(), "Wrong-pw9!"), 400)
    assert bad
    other = signin_client(stack, admin.email)
    secrets.append(other.token)
    member = add_user(admin, role="user", name="Member")
    secrets.append(member.token)
    r = admin.post(f"{USERS}/{member.id}/update", json={"role": "admin", "password": "New-pw3!x"})
    expect(r, 200)
    secrets.append("New-pw3!x")
    expect(member.post("update/password", json={"password": "x", "new_password": "Other-pw4!"}),
           401)   # its session ended with the role change: refused before the handler
    set_admin_config(admin, ENABLE_API_KEYS=True)
    key = expect(admin.post("api_key"), 200)["api_key"]
    secrets.append(key)
    expect(admin.delete("api_key"), 200)
    g = expect(admin.post(f"{GROUPS}/create", json={"name": "Auditors", "description": ""}), 200)
    expect(admin.post(f"{GROUPS}/id/{g['id']}/users/add", json={"user_ids": [member.id]}), 200)
    expect(admin.post(f"{GROUPS}/id/{g['id']}/users/remove", json={"user_ids": [member.id]}),
           200)
    expect(admin.post(f"{GROUPS}/id/{g['id']}/update", json={"name": "Auditors 2",
                                                            "description": "d"}), 200)
    expect(admin.delete(f"{GROUPS}/id/{g['id']}/delete"), 200)
    tree = expect(admin.get(f"{USERS}/default/permissions"), 200)
    expect(admin.post(f"{USERS}/default/permissions", json=tree), 200)
    expect(admin.delete(f"{USERS}/{member.id}"), 200)
    expect(admin.post("update/password", json={"password": PASSWORD, "new_password": "Admin-pw5!"}),
           200)
    secrets.append("Admin-pw5!")
    expect(stack.post("/api/v1/auths/signout", headers={"Authorization": "Bearer " + other.token}),
           200)
    got = [(r["action"], int(r["status"])) for r in rows(stack)]
    assert got == [
        ("auth.signup", 200), ("auth.signin", 400), ("auth.signin", 200), ("user.add", 200),
        ("user.update", 200), ("admin.config_update", 200), ("auth.api_key_create", 200),
        ("auth.api_key_delete", 200), ("group.create", 200), ("group.users_add", 200),
        ("group.users_remove", 200), ("group.update", 200), ("group.delete", 200),
        ("permissions.defaults_update", 200), ("user.delete", 200),
        ("auth.password_change", 200), ("auth.signout", 200),
    ]
    by = {(r["action"], r["status"]): r for r in rows(stack)}
    failed = by[("auth.signin", "400")]
    assert failed["email"] == admin.email.upper() and failed["actor"] == ""   # as typed
    assert by[("auth.signin", "200")]["actor"] == admin.id
    assert by[("auth.signup", "200")]["actor"] == admin.id
    upd = by[("user.update", "200")]
    assert (upd["actor"], upd["target"]) == (admin.id, member.id)
    assert upd["detail"].split() == ["role", "password"]   # the fields, never the values
    assert by[("user.add", "200")]["target"] == member.id
    assert by[("auth.signout", "200")]["actor"] == admin.id
    assert all(r["addr"] == "127.0.0.1" for r in rows(stack))
    assert all(r["ua"].startswith("python-requests") for r in rows(stack))
    table = json.dumps(rows(stack))
    logs = stack.log_since(mark)
    for s in secrets:
        assert s not in table and s not in logs, "a secret reached the audit trail or the log"


def test_forwarded_for_only_from_a_trusted_proxy(stack):
    stack.sql("DELETE FROM audit_log")
    email = unique_email("fwd")
    stack.post("/api/v1/auths/signin", json={"email": email, "password": "x"},
               headers={"X-Forwarded-For": "203.0.113.9"})
    assert rows(stack)[-1]["addr"] == "127.0.0.1"
    stack.restart_pool(bcrypt_cost=4, trusted_proxies="127.0.0.1")
    try:
        stack.post("/api/v1/auths/signin", json={"email": email, "password": "x"},
                   headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"})
        assert rows(stack)[-1]["addr"] == "203.0.113.9"   # what the proxy saw, not the claim
    finally:
        stack.restart_pool(bcrypt_cost=4)


def test_usherctl_audit_filters(stack):
    stack.sql("DELETE FROM audit_log")
    admin = first_admin(stack)
    expect(signin(stack, "nobody@example.org", "x"), 400)
    out = ctl(stack, "audit", "--json")
    lines = [json.loads(l) for l in out.splitlines()]
    assert [l["action"] for l in lines] == ["auth.signin", "auth.signup"]   # newest first
    only = ctl(stack, "audit", "--action", "auth.signup", "--json").splitlines()
    assert len(only) == 1 and json.loads(only[0])["actor_id"] == admin.id
    mine = ctl(stack, "audit", "--actor", "nobody@example.org").splitlines()
    assert len(mine) == 1 and "auth.signin" in mine[0] and "400" in mine[0]
    assert ctl(stack, "audit", "--since", "2099-01-01") == ""
    assert len(ctl(stack, "audit", "--since", "1h").splitlines()) == 2
    from grouplib import usherctl
    assert usherctl(stack, "audit", "--since", "yesterday").returncode == 2


def test_retention_prunes_old_rows(stack):
    stack.sql("DELETE FROM audit_log; INSERT INTO audit_log (at, action, status) "
              "VALUES (UNIX_TIMESTAMP() - 400 * 86400, 'auth.signin', 400)")
    stack.restart_pool(bcrypt_cost=4, audit_retention="30d")
    try:
        expect(signin(stack, "someone@example.org", "x"), 400)
        got = stack.sql("SELECT action FROM audit_log")
        assert [r[0] for r in got] == ["auth.signin"]   # the old row went, the new one stays
        assert int(stack.sql("SELECT COUNT(*) FROM audit_log WHERE at < UNIX_TIMESTAMP() - 86400")[0][0]) == 0
    finally:
        stack.restart_pool(bcrypt_cost=4)
