"""Every account rule through every door that has it: the HTTP API, the page forms and
usherctl (with its CSV import). One table of doors, one test per rule: the default group,
the first account becoming admin, the primary admin's protections, the password policy,
the empty password, revocation after a role or password change, and refusals that leave
the row as it was. Each door must refuse with the same reason (the API's text)."""
import html as htmlmod
import subprocess
import uuid
import warnings

import pytest

from authlib import (ACTION_PROHIBITED, EMAIL_TAKEN, INVALID_CRED, INVALID_PASSWORD_DEFAULT,
                     INVALID_TOKEN_SHORT, ME, PASSWORD, Client, ensure_pool_env, expect,
                     make_group, restore_default_pool, set_admin_config, signin, sql_one,
                     sql_quote, unique_email, wipe_db)
from harness import BUILD
from pagelib import PageClient

EMPTY_PASSWORD = "The password must not be empty."
BAD_ROLE = "role must be one of pending, user, admin"
POLICY_ENV = {"ENABLE_PASSWORD_VALIDATION": "True"}
WEAK = "weakpassword"


def page_text(r):
    return htmlmod.unescape(r.text)


class World:
    """A fresh install with a primary admin signed in both as an API client and a browser,
    and a second admin (the API and page doors act as them, so the primary admin's
    protections are tested against another admin)."""

    def __init__(self, stack, env=None):
        self.stack, self.env = stack, env or {}
        ensure_pool_env(stack, env)
        wipe_db(stack)
        self.primary_page = PageClient(stack)
        r = self.primary_page.signup("Primary", unique_email("primary"), PASSWORD)
        assert r.status_code == 303, r.text
        self.primary = Client(stack, self.primary_page.token())
        self.primary_id = expect(self.primary.get(ME), 200)["id"]
        email = unique_email("second")
        u = expect(self.primary.post("add", json={"name": "Second", "email": email,
                                                  "password": PASSWORD, "role": "admin"}), 200)
        self.admin = Client(stack, u["token"], user=u)
        self.page = PageClient(stack)
        assert self.page.signin(email, PASSWORD).status_code == 303

    def ctl(self, *args, stdin=""):
        env = {"PATH": "/usr/bin:/bin", **self.env}
        return subprocess.run([str(BUILD / "usherctl"), "-c", str(self.stack.conf), "user",
                               *args], input=stdin, capture_output=True, text=True,
                              timeout=120, env=env)

    def row(self, uid):
        return self.stack.sql("SELECT u.email, u.role, u.name, u.tokens_valid_after_ms, "
                              f"a.password FROM `user` u JOIN auth a ON a.id = u.id "
                              f"WHERE u.id = {sql_quote(uid)}")

    def member(self, role="user"):
        email = unique_email(role)
        u = expect(self.primary.post("add", json={"name": "Member", "email": email,
                                                  "password": PASSWORD, "role": role}), 200)
        return Client(self.stack, u["token"], user=u)


# ---- the doors: each returns (ok, reason) where reason is the text the caller was shown ----

def api_result(r, ok_status=200):
    if r.status_code == ok_status:
        return True, None
    d = r.json().get("detail")
    return False, d if isinstance(d, str) else str(d)


def page_result(r):
    if r.status_code == 303:
        return True, None
    return False, page_text(r)


def cli_result(r):
    return r.returncode == 0, r.stderr


class Api:
    name = "api"

    def create(self, w, email, password, role="user", name="New"):
        return api_result(w.admin.post("add", json={"name": name, "email": email,
                                                    "password": password, "role": role}))

    def set_role(self, w, uid, role):
        return api_result(w.admin.post(f"/api/v1/users/{uid}/update", json={"role": role}))

    def set_password(self, w, uid, password):
        return api_result(w.admin.post(f"/api/v1/users/{uid}/update",
                                       json={"password": password}))

    def own_password(self, w, client, password):
        return api_result(client.post("update/password", json={"password": PASSWORD,
                                                               "new_password": password}))

    def delete(self, w, uid):
        return api_result(w.admin.delete(f"/api/v1/users/{uid}"))


class Page:
    name = "page"

    def create(self, w, email, password, role="user", name="New"):
        return page_result(w.page.form_post("/admin/users", "/admin/users",
                                            {"name": name, "email": email,
                                             "password": password, "role": role}))

    def set_role(self, w, uid, role):
        return page_result(w.page.form_post(f"/admin/users/{uid}", f"/admin/users/{uid}",
                                            {"role": role}))

    def set_password(self, w, uid, password):
        # an empty password in the edit form means "unchanged" (as the frontend's)
        return page_result(w.page.form_post(f"/admin/users/{uid}", f"/admin/users/{uid}",
                                            {"password": password}))

    def own_password(self, w, client, password):
        p = PageClient(w.stack)
        p.s.cookies.set("token", client.token)
        return page_result(p.form_post("/account", "/account/password",
                                       {"password": PASSWORD, "new_password": password}))

    def delete(self, w, uid):
        return page_result(w.page.form_post(f"/admin/users/{uid}/delete",
                                            f"/admin/users/{uid}/delete", {}))


class Cli:
    name = "cli"

    def create(self, w, email, password, role="user", name="New"):
        return cli_result(w.ctl("add", email, name, role, stdin=password + "\n"))

    def set_role(self, w, uid, role):
        return cli_result(w.ctl("set-role", uid, role))

    def set_password(self, w, uid, password):
        return cli_result(w.ctl("set-password", uid, stdin=password + "\n"))

    def delete(self, w, uid):
        return cli_result(w.ctl("delete", uid))


class Csv:
    name = "csv"

    def create(self, w, email, password, role="user", name="New"):
        path = w.stack.dir / f"import-{uuid.uuid4().hex[:8]}.csv"
        path.write_text(f"name,email,password,role\n{name},{email},{password},{role}\n")
        r = w.ctl("import", str(path))
        path.unlink()
        return r.returncode == 0 and r.stdout.strip() == "1 added, 0 skipped", r.stderr


CREATE = [Api(), Page(), Cli(), Csv()]
CHANGE = [Api(), Page(), Cli()]
OWN = [Api(), Page()]


def ids(doors):
    return [d.name for d in doors]


@pytest.fixture(scope="module", autouse=True)
def default_pool(stack):
    yield
    restore_default_pool(stack)


def user_id(stack, email):
    return sql_one(stack, f"SELECT id FROM `user` WHERE email = {sql_quote(email)}")


# ---- the rules ----------------------------------------------------------------------------

@pytest.mark.parametrize("door", CREATE, ids=ids(CREATE))
def test_new_accounts_join_the_default_group(stack, door):
    w = World(stack)
    gid = make_group(stack, "Everyone " + door.name)
    set_admin_config(w.primary, DEFAULT_GROUP_ID=gid)
    email = unique_email(door.name)
    ok, why = door.create(w, email, PASSWORD)
    assert ok, why
    uid = user_id(stack, email)
    assert sql_one(stack, "SELECT COUNT(*) FROM group_member WHERE "
                          f"group_id = '{gid}' AND user_id = '{uid}'") == "1"


@pytest.mark.parametrize("door", ["api", "page", "cli", "csv"])
def test_the_first_account_becomes_admin(stack, door):
    ensure_pool_env(stack)
    wipe_db(stack)
    email = unique_email("first")
    w = World.__new__(World)
    w.stack, w.env = stack, {}
    if door == "api":
        expect(stack.post("/api/v1/auths/signup", json={"name": "F", "email": email,
                                                        "password": PASSWORD}), 200)
    elif door == "page":
        assert PageClient(stack).signup("F", email, PASSWORD).status_code == 303
    elif door == "cli":
        assert Cli().create(w, email, PASSWORD, role="pending")[0]
    else:
        assert Csv().create(w, email, PASSWORD, role="pending")[0]
    assert sql_one(stack, f"SELECT role FROM `user` WHERE email = '{email}'") == "admin"
    # and sign-up is closed after it, as after the first sign-up
    assert sql_one(stack, "SELECT value FROM config WHERE `key` = 'ui.enable_signup'") == "false"


@pytest.mark.parametrize("door", CHANGE, ids=ids(CHANGE))
def test_the_primary_admin_is_protected(stack, door):
    w = World(stack)
    before = w.row(w.primary_id)
    ok, why = door.set_role(w, w.primary_id, "user")
    assert not ok and ACTION_PROHIBITED in why
    ok, why = door.delete(w, w.primary_id)
    assert not ok and ACTION_PROHIBITED in why
    assert w.row(w.primary_id) == before
    expect(w.primary.get(ME), 200)


@pytest.mark.parametrize("door", CREATE, ids=ids(CREATE))
def test_refused_creations_write_nothing(stack, door):
    w = World(stack)
    taken = w.member().email
    count = sql_one(stack, "SELECT COUNT(*) FROM `user`")
    cases = [(taken.upper(), PASSWORD, "user", EMAIL_TAKEN),
             (unique_email("role"), PASSWORD, "superuser", BAD_ROLE),
             (unique_email("empty"), "", "user", None)]
    for email, password, role, text in cases:
        ok, why = door.create(w, email, password, role=role)
        assert not ok, (email, role)
        if text:
            assert text in why, (text, why)
        elif door.name != "cli":      # the CLI's reader refuses an empty line itself
            assert EMPTY_PASSWORD in why, why
    assert sql_one(stack, "SELECT COUNT(*) FROM `user`") == count


@pytest.mark.parametrize("door", CHANGE, ids=ids(CHANGE))
def test_refused_changes_leave_the_row_as_it_was(stack, door):
    w = World(stack)
    m = w.member()
    before = w.row(m.id)
    ok, why = door.set_role(w, m.id, "superuser")
    assert not ok and BAD_ROLE in why
    # an empty password: the admin's update form (API and page) reads it as "unchanged", as
    # the frontend sends it; usherctl refuses it; none stores it
    ok, why = door.set_password(w, m.id, "")
    assert ok == (door.name != "cli"), why
    assert w.row(m.id)[0][:4] == before[0][:4] and w.row(m.id)[0][4] == before[0][4]
    expect(m.get(ME), 200)


@pytest.mark.parametrize("door", CREATE + CHANGE + OWN,
                         ids=[f"create-{d}" for d in ids(CREATE)] +
                             [f"set-{d}" for d in ids(CHANGE)] +
                             [f"own-{d}" for d in ids(OWN)])
def test_the_password_policy(stack, door, request):
    w = World(stack, POLICY_ENV)
    kind = request.node.callspec.id.split("-")[0]
    if kind == "create":
        ok, why = door.create(w, unique_email("weak"), WEAK)
    elif kind == "set":
        m = w.member()
        before = w.row(m.id)
        ok, why = door.set_password(w, m.id, WEAK)
        assert w.row(m.id) == before
    else:
        m = w.member()
        ok, why = door.own_password(w, m, WEAK)
    assert not ok and INVALID_PASSWORD_DEFAULT in why, why


@pytest.mark.parametrize("door", OWN, ids=ids(OWN))
def test_an_empty_own_password_is_refused(stack, door):
    w = World(stack)
    m = w.member()
    before = w.row(m.id)
    ok, why = door.own_password(w, m, "")
    assert not ok and EMPTY_PASSWORD in why
    assert w.row(m.id) == before


def test_an_empty_password_never_signs_in(stack):
    w = World(stack)
    m = w.member()
    # a hash of the empty password, as another system might have stored it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
        h = crypt.crypt("", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
    stack.sql(f"UPDATE auth SET password = {sql_quote(h)} WHERE id = '{m.id}'")
    expect(signin(stack, m.email, ""), 400, INVALID_CRED)
    r = PageClient(stack).signin(m.email, "")
    assert r.status_code == 400 and INVALID_CRED in page_text(r)


@pytest.mark.parametrize("door", CHANGE, ids=ids(CHANGE))
@pytest.mark.parametrize("change", ["role", "password"])
def test_sessions_end_after_a_role_or_password_change(stack, door, change):
    w = World(stack)
    m = w.member()
    expect(m.get(ME), 200)
    if change == "role":
        ok, why = door.set_role(w, m.id, "admin")
    else:
        ok, why = door.set_password(w, m.id, "Fresh-pw7!")
    assert ok, why
    for _ in range(6):   # every worker
        expect(m.get(ME), 401, INVALID_TOKEN_SHORT)
    expect(signin(stack, m.email, "Fresh-pw7!" if change == "password" else PASSWORD), 200)


def test_usherctl_changes_land_in_the_audit_log_with_their_door(stack):
    w = World(stack)
    m = w.member()
    since = sql_one(stack, "SELECT COALESCE(MAX(id), 0) FROM audit_log")
    assert Cli().set_role(w, m.id, "admin")[0]
    assert not Cli().set_role(w, w.primary_id, "user")[0]
    email = unique_email("cli")
    assert Cli().create(w, email, PASSWORD)[0]
    rows = stack.sql("SELECT action, status, COALESCE(target_id, ''), detail FROM audit_log "
                     f"WHERE detail LIKE '%via cli' AND id > {since} ORDER BY id")
    assert [(a, s) for a, s, _, _ in rows] == [("user.update", "200"), ("user.update", "403"),
                                               ("user.add", "200")]
    assert rows[0][2] == m.id and rows[0][3] == "role via cli"
    assert rows[2][3] == "role user via cli"
