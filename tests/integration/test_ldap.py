"""POST /api/v1/auths/ldap against a real private slapd (ldaplib.py): the settings (environment,
then the admin routes), the flow and the account it signs in (created through the account
service), every bad-input row of issue 19, group sync, LDAPS and StartTLS, the deadline with a
silent directory, the rate limit and the audit row."""
import concurrent.futures
import re
import time

import pytest
import requests

from authlib import (AUTHS, add_member, INVALID_CRED, LDAP_NOT_ENABLED, RATE_LIMIT_EXCEEDED, Client,
                     ensure_pool_env, expect, first_admin, make_group, restore_default_pool,
                     row_counts, set_admin_config, sql_one, sql_quote, wipe_db)
from harness import free_port
import ldaplib
from ldaplib import APP_DN, APP_PW, BASE, PEOPLE, PEOPLE_ROWS, server_config

from ldaplib import (FAILED, TIMEOUT_S, TLS_CONFIG, World,  # noqa: F401 (fixtures)
                     directory, ldap_pool, world)



def pw(uid):
    return PEOPLE_ROWS[uid][2]


# ---------------------------------------------------------------- settings

def test_fresh_install_answers_open_webui_defaults(ldap_pool):
    wipe_db(ldap_pool)
    admin = first_admin(ldap_pool)
    assert expect(admin.get("admin/config/ldap"), 200) == {"ENABLE_LDAP": False}
    got = expect(admin.get("admin/config/ldap/server"), 200)
    assert got == {"label": "LDAP Server", "host": "localhost", "port": 389,
                   "attribute_for_mail": "mail", "attribute_for_username": "uid",
                   "app_dn": "", "app_dn_password": "", "search_base": "", "search_filters": "",
                   "use_tls": True, "certificate_path": "", "validate_cert": True,
                   "ciphers": "ALL", "enable_group_management": False,
                   "enable_group_creation": False, "attribute_for_groups": "memberOf"}


def test_environment_settings_first_account_admin_then_admin_routes_win(stack, directory):
    env = {"USHER_LDAP_TIMEOUT": str(TIMEOUT_S), "ENABLE_LDAP": "True",
           "LDAP_SERVER_HOST": "127.0.0.1", "LDAP_SERVER_PORT": str(directory.port),
           "LDAP_USE_TLS": "false", "LDAP_APP_DN": APP_DN, "LDAP_APP_PASSWORD": APP_PW,
           "LDAP_SEARCH_BASE": PEOPLE, "LDAP_SERVER_LABEL": "Corp"}
    try:
        ensure_pool_env(stack, env)
        wipe_db(stack)
        # The first account, made by the directory, is the admin; sign-up stays as it was.
        u = expect(stack.post(AUTHS + "/ldap", json={"user": "Alice", "password": pw("alice")}), 200)
        assert u["email"] == "alice@example.org" and u["name"] == "Alice Liddell"
        assert u["role"] == "admin" and u["token_type"] == "Bearer"
        admin = Client(stack, u["token"], user=u)
        got = expect(admin.get("admin/config/ldap/server"), 200)
        assert (got["host"], got["port"], got["label"], got["use_tls"]) == \
            ("127.0.0.1", directory.port, "Corp", False)
        assert expect(admin.get("admin/config/ldap"), 200) == {"ENABLE_LDAP": True}
        # A second account is the default role (pending).
        u2 = expect(stack.post(AUTHS + "/ldap", json={"user": "bob", "password": pw("bob")}), 200)
        assert u2["role"] == "pending"
        # The admin routes win over the environment at the next sign-in, on every worker.
        expect(admin.post("admin/config/ldap/server",
                          json=server_config(directory, search_base="ou=nowhere," + BASE)), 200)
        for _ in range(4):
            expect(stack.post(AUTHS + "/ldap", json={"user": "bob", "password": pw("bob")}), 400, FAILED)
        expect(admin.post("admin/config/ldap", json={"enable_ldap": False}), 200)
        expect(stack.post(AUTHS + "/ldap", json={"user": "bob", "password": pw("bob")}), 400,
               LDAP_NOT_ENABLED)
    finally:
        restore_default_pool(stack)


# ---------------------------------------------------------------- the flow

def test_new_account_default_role_and_group_session_cookie(world):
    gid = make_group(world.stack, "Everyone")
    set_admin_config(world.admin, DEFAULT_USER_ROLE="user", DEFAULT_GROUP_ID=gid)
    r = world.ldap("BOB", pw("bob"))
    u = expect(r, 200)
    assert u["email"] == "bob.builder@example.org"
    assert u["role"] == "user" and u["name"] == "Bob Builder"
    assert u["profile_image_url"] == f"/api/v1/users/{u['id']}/profile/image"
    assert r.cookies.get("token") == u["token"]
    assert set(u) >= {"token", "token_type", "expires_at", "id", "email", "name", "role",
                      "permissions"}
    me = expect(Client(world.stack, u["token"]).get(""), 200)
    assert me["id"] == u["id"]
    assert sql_one(world.stack, f"SELECT COUNT(*) FROM group_member WHERE user_id = '{u['id']}' "
                                f"AND group_id = '{gid}'") == "1"
    # No usable local password: the e-mail sign-in with the directory password fails.
    expect(world.stack.post(AUTHS + "/signin", json={"email": u["email"], "password": pw("bob")}),
           400, INVALID_CRED)
    # The second sign-in finds the same account.
    assert world.ok("bob")["id"] == u["id"]


def test_existing_account_found_by_email_in_another_case(world):
    r = world.admin.post("add", json={"name": "Local Bob", "email": "BOB.builder@example.org",
                                      "password": "Local-pw-1", "role": "user"})
    existing = expect(r, 200)
    u = world.ok("bob")
    assert u["id"] == existing["id"] and u["name"] == "Local Bob" and u["role"] == "user"


def test_non_ascii_name_and_password(world):
    u = world.ok("jose")
    assert u["name"] == "José Ñúñez" and u["email"] == "jose@example.org"


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("body", [{}, {"user": "alice"}, {"password": "x"},
                                  {"user": 5, "password": "x"}, {"user": "alice", "password": None}])
def test_missing_or_ill_typed_fields_are_422(world, body):
    expect(world.stack.post(AUTHS + "/ldap", json=body), 422)


def test_ldap_off(world):
    expect(world.admin.post("admin/config/ldap", json={"enable_ldap": False}), 200)
    expect(world.ldap("alice", pw("alice")), 400, LDAP_NOT_ENABLED)


@pytest.mark.parametrize("password", ["", " ", " \t\n "])
def test_blank_password_never_reaches_the_directory(world, password):
    mark = world.directory.log_mark()
    before = row_counts(world.stack)
    expect(world.ldap("alice", password), 400, INVALID_CRED)
    assert "ACCEPT" not in world.directory.log_since(mark)
    assert row_counts(world.stack) == before


@pytest.mark.parametrize("user,password", [
    ("nobody", "whatever-1"),                       # unknown user
    ("alice", "wrong-password"),                    # wrong password
    ("outsider", pw("outsider")),                   # outside the search base
    ("contractor", pw("contractor")),               # excluded by the filter
    ("nomail", pw("nomail")),                       # no mail attribute
    ("alice ", pw("alice")),                        # the directory matches, the name does not
    ("a*", pw("alice")),                            # a wildcard matches nobody
    ("*", pw("alice")),
    ("alice)(uid=*", pw("alice")),
    ("(uid=alice)", pw("alice")),
    ("ali\\63e", pw("alice")),                      # a backslash is a backslash
])
def test_every_failure_is_one_answer_and_writes_nothing(world, user, password):
    before = row_counts(world.stack)
    expect(world.ldap(user, password), 400, FAILED)
    assert row_counts(world.stack) == before


@pytest.mark.parametrize("user", ["alice\0", "alice\0bob", "\0"])
def test_a_nul_never_truncates_the_name(world, user):
    """usher's JSON reader refuses a NUL in a string (422); never a sign-in as alice."""
    before = row_counts(world.stack)
    r = world.ldap(user, pw("alice"))
    assert r.status_code in (400, 422), r.text
    assert row_counts(world.stack) == before


def test_application_bind_refused(world):
    world.configure(app_dn_password="not-the-app-password")
    expect(world.ldap("alice", pw("alice")), 400, FAILED)


def test_application_dn_with_empty_password_is_never_sent(world):
    world.configure(app_dn_password="")
    mark = world.directory.log_mark()
    expect(world.ldap("alice", pw("alice")), 400, FAILED)
    assert f'dn="{APP_DN}"' not in world.directory.log_since(mark)


def test_anonymous_application_sees_nobody(world):
    world.configure(app_dn="", app_dn_password="")
    expect(world.ldap("alice", pw("alice")), 400, FAILED)


def test_filter_as_slapd_received_it(world):
    mark = world.directory.log_mark()
    expect(world.ldap("A*)(x", pw("alice")), 400, FAILED)
    log = world.directory.log_since(mark)
    m = re.search(r'SRCH base="[^"]*" scope=2 deref=0 filter="([^"]*)"', log)
    assert m, log
    assert m.group(1).lower() == "(&(uid=a\\2a\\29\\28x)(!(employeetype=contractor)))"


def test_directory_unreachable(world):
    world.configure(port=free_port())
    t0 = time.monotonic()
    expect(world.ldap("alice", pw("alice")), 400, FAILED)
    assert time.monotonic() - t0 < TIMEOUT_S + 3


def test_tls_configuration_refused(world):
    world.configure(use_tls=True, port=world.directory.tls_port,
                    certificate_path="/nonexistent/ca.pem")
    expect(world.ldap("alice", pw("alice")), 400, TLS_CONFIG)
    world.configure(use_tls=True, port=world.directory.tls_port,
                    certificate_path=world.directory.ca_file, ciphers="NOT-A-PRIORITY:@@")
    expect(world.ldap("alice", pw("alice")), 400, TLS_CONFIG)


def test_rate_limit_per_lowercased_name_and_audit_row(world):
    world.stack.sql("DELETE FROM audit_log")
    for i in range(15):
        expect(world.ldap("Carol" if i % 2 else "carol", "wrong-password"), 400, FAILED)
    mark = world.directory.log_mark()
    expect(world.ldap("CAROL", pw("carol")), 429, RATE_LIMIT_EXCEEDED)
    assert "ACCEPT" not in world.directory.log_since(mark)
    # Another name is not limited.
    expect(world.ldap("alice", pw("alice")), 200)
    rows = world.stack.sql("SELECT action, status, COALESCE(actor_id, ''), COALESCE(actor_email, ''), "
                           "COALESCE(detail, '') FROM audit_log WHERE action = 'auth.ldap' ORDER BY id")
    assert len(rows) == 17
    assert [r[1] for r in rows] == ["400"] * 15 + ["429", "200"]
    assert rows[0][3] == "carol" and rows[-1][3] == "alice" and rows[-1][2]
    dump = str(world.stack.sql("SELECT * FROM audit_log"))
    for secret in ("wrong-password", pw("alice"), pw("carol"), APP_PW):
        assert secret not in dump
    log = world.stack.log_since(0)
    for secret in (pw("alice"), pw("carol"), APP_PW):
        assert secret not in log


# ---------------------------------------------------------------- group sync

def member_names(stack, uid):
    rows = stack.sql("SELECT g.name FROM group_member m JOIN `group` g ON g.id = m.group_id "
                     f"WHERE m.user_id = {sql_quote(uid)}")
    return sorted(r[0] for r in rows)


def test_group_sync_adds_removes_and_creates(world):
    staff = make_group(world.stack, "staff")
    make_group(world.stack, "Dev, Ops")
    by_hand = make_group(world.stack, "Added by hand")
    world.configure(enable_group_management=True, search_base=BASE)
    u = world.ok("alice")
    assert member_names(world.stack, u["id"]) == ["Dev, Ops", "staff"]
    add_member(world.stack, by_hand, u["id"])
    world.configure(enable_group_management=True, enable_group_creation=True, search_base=BASE)
    world.ok("alice")
    assert member_names(world.stack, u["id"]) == ["Dev, Ops", "Développeurs", "staff"]
    assert sql_one(world.stack, "SELECT user_id FROM `group` WHERE name = 'Développeurs'") == u["id"]
    # A membership removed in the directory disappears at the next sign-in.
    world.directory.modify(f"dn: {ldaplib.group_dn('staff')}\nchangetype: modify\n"
                           f"delete: member\nmember: {ldaplib.person_dn('alice')}\n")
    try:
        world.ok("alice")
        assert member_names(world.stack, u["id"]) == ["Dev, Ops", "Développeurs"]
        assert sql_one(world.stack, f"SELECT COUNT(*) FROM `group` WHERE id = '{staff}'") == "1"
    finally:
        world.directory.modify(f"dn: {ldaplib.group_dn('staff')}\nchangetype: modify\n"
                               f"add: member\nmember: {ldaplib.person_dn('alice')}\n")


def test_group_sync_off_leaves_memberships(world):
    world.configure(search_base=BASE)
    u = world.ok("alice")
    gid = make_group(world.stack, "Manual", members=[u["id"]])
    world.ok("alice")
    assert member_names(world.stack, u["id"]) == ["Manual"]
    assert gid


# ---------------------------------------------------------------- TLS

def test_ldaps_with_the_right_ca(world):
    world.configure(use_tls=True, port=world.directory.tls_port,
                    certificate_path=world.directory.ca_file)
    assert world.ok("alice")["email"] == "alice@example.org"


@pytest.mark.parametrize("mode", ["ldaps", "starttls"])
@pytest.mark.parametrize("ca", ["wrong", "none"])
def test_tls_refusals_never_bind(world, stack, directory, mode, ca):
    ca_file = directory.wrong_ca_file if ca == "wrong" else None
    if mode == "ldaps":
        world.configure(use_tls=True, port=directory.tls_port, certificate_path=ca_file)
        mark = directory.log_mark()
        expect(world.ldap("alice", pw("alice")), 400, FAILED)
        assert "BIND" not in directory.log_since(mark)
        return
    env = {"USHER_LDAP_TIMEOUT": str(TIMEOUT_S), "LDAP_START_TLS": "true"}
    try:
        ensure_pool_env(stack, env)
        world.configure(use_tls=False, certificate_path=ca_file)
        mark = directory.log_mark()
        expect(world.ldap("alice", pw("alice")), 400, FAILED)
        log = directory.log_since(mark)
        assert "BIND" not in log and "EXT oid=1.3.6.1.4.1.1466.20037" in log
    finally:
        ensure_pool_env(stack, {"USHER_LDAP_TIMEOUT": str(TIMEOUT_S)})


def test_starttls_with_the_right_ca_and_validate_cert_false(world, stack, directory):
    env = {"USHER_LDAP_TIMEOUT": str(TIMEOUT_S), "LDAP_START_TLS": "true"}
    try:
        ensure_pool_env(stack, env)
        world.configure(use_tls=False, certificate_path=directory.ca_file)
        mark = directory.log_mark()
        world.ok("alice")
        assert "EXT oid=1.3.6.1.4.1.1466.20037" in directory.log_since(mark)
        world.configure(use_tls=False, certificate_path=directory.wrong_ca_file,
                        validate_cert=False)
        world.ok("alice")
    finally:
        ensure_pool_env(stack, {"USHER_LDAP_TIMEOUT": str(TIMEOUT_S)})
    world.configure(use_tls=True, port=directory.tls_port, validate_cert=False)
    world.ok("alice")


# ---------------------------------------------------------------- the deadline

@pytest.mark.parametrize("mode", ["ldap", "ldaps"])
def test_silent_directory_answers_within_the_deadline(world, directory, mode):
    if mode == "ldaps":
        world.configure(use_tls=True, port=directory.tls_port, certificate_path=directory.ca_file)
    directory.pause()
    try:
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            t0 = time.monotonic()
            fut = ex.submit(world.ldap, "alice", pw("alice"))
            time.sleep(0.3)
            h0 = time.monotonic()
            health = requests.get(world.stack.url("/health"), timeout=TIMEOUT_S)
            health_s = time.monotonic() - h0
            r = fut.result(timeout=TIMEOUT_S + 10)
            took = time.monotonic() - t0
        expect(r, 400, FAILED)
        assert health.status_code == 200 and health_s < TIMEOUT_S / 2
        assert took < TIMEOUT_S + 2.5, took
        assert took >= TIMEOUT_S * 0.8, took
    finally:
        directory.resume()
    world.ok("alice")
