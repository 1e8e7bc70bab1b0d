"""The environment's modes (contract §7.3; usher's difference #4): trusted-header sign-in,
WEBUI_AUTH=false, what happens at worker start (the headless admin, the secret from the
environment), last_active_at and its throttle, and the password policy in the modes that
create accounts themselves.
"""
import hashlib
import hmac
import time
import uuid


from harness import TIME_SCALE, wait_for

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, ACTION_PROHIBITED, AUTHS, EXISTING_USERS, INVALID_TRUSTED_HEADER, ME,
    PASSWORD, UNAUTHORIZED, USER_MISMATCH, Client, add_user, admin_config, auth_env,
    auth_module, b64url_decode, cookie_headers, expect, first_admin, jwt_encode, make_group,
    restart_pool_now, server_secret, signin, signup, sql_one,
)


def user_count(stack):
    return int(sql_one(stack, "SELECT COUNT(*) FROM `user`"))


# ================================================================ trusted header auth

class TestTrustedHeader:
    POOL_ENV = {"WEBUI_AUTH_TRUSTED_EMAIL_HEADER": "X-User-Email",
                "WEBUI_AUTH_TRUSTED_NAME_HEADER": "X-User-Name",
                "WEBUI_AUTH_TRUSTED_GROUPS_HEADER": "X-User-Groups",
                "WEBUI_AUTH_TRUSTED_ROLE_HEADER": "X-User-Role"}
    BODY = {"email": "ignored@example.com", "password": "ignored"}

    def sso(self, stack, headers):
        return stack.post(AUTHS + "/signin", json=self.BODY, headers=headers)

    def members(self, stack, uid):
        rows = stack.sql("SELECT g.name FROM group_member m JOIN `group` g ON g.id = m.group_id "
                         f"WHERE m.user_id = '{uid}' ORDER BY g.name")
        return [r[0] for r in rows]

    def test_missing_header(self, stack):
        expect(self.sso(stack, {}), 400, INVALID_TRUSTED_HEADER)
        expect(self.sso(stack, {"X-User-Email": ""}), 400, INVALID_TRUSTED_HEADER)
        assert user_count(stack) == 0

    def open_signup(self, stack):
        # by hand, as an operator would: the version tells every worker to read it again
        stack.sql("UPDATE config SET value = 'true' WHERE `key` = 'ui.enable_signup'; "
                  "UPDATE config SET value = value + 1 WHERE `key` = 'usher.settings_version'")

    def test_auto_created_users(self, stack):
        r = self.sso(stack, {"X-User-Email": "Boss@Example.com",
                             "X-User-Name": "J%C3%BCrgen%20M%C3%BCller"})
        boss = expect(r, 200)
        self.open_signup(stack)
        assert (boss["email"], boss["name"], boss["role"]) == ("boss@example.com", "Jürgen Müller", "admin")
        assert cookie_headers(r, "token")
        # the same person again: the same account
        assert expect(self.sso(stack, {"X-User-Email": "boss@example.com"}), 200)["id"] == boss["id"]
        # the next one gets the default role; without a name header the name is the address
        eve = expect(self.sso(stack, {"X-User-Email": "eve@example.com"}), 200)
        assert (eve["name"], eve["role"]) == ("eve@example.com", "pending")
        assert user_count(stack) == 2
        # the password the account got is random: the body's password signs in nobody
        assert sql_one(stack, f"SELECT LENGTH(password) > 50 FROM auth WHERE id = '{eve['id']}'") == "1"

    def test_closed_signup_stops_new_accounts(self, stack):
        # the reference creates SSO accounts through signup(), whose gate applies
        expect(self.sso(stack, {"X-User-Email": "admin@example.com"}), 200)
        expect(self.sso(stack, {"X-User-Email": "newbie@example.com"}), 403, ACCESS_PROHIBITED)
        assert user_count(stack) == 1
        expect(self.sso(stack, {"X-User-Email": "admin@example.com"}), 200)   # known: fine

    def test_role_header_change_ends_older_sessions(self, stack):
        expect(self.sso(stack, {"X-User-Email": "admin@example.com"}), 200)
        self.open_signup(stack)
        h = {"X-User-Email": "dev@example.com"}
        old = Client(stack, expect(self.sso(stack, h), 200)["token"])
        expect(old.get(ME), 200)
        new = Client(stack, expect(self.sso(stack, dict(h, **{"X-User-Role": "admin"})), 200)["token"])
        expect(old.get(ME), 401, "Invalid token")
        assert expect(new.get(ME), 200)["role"] == "admin"
        # signing in again with the same role changes nothing and revives nothing
        expect(self.sso(stack, dict(h, **{"X-User-Role": "admin"})), 200)
        expect(old.get(ME), 401, "Invalid token")
        expect(new.get(ME), 200)

    def test_groups_and_role_headers(self, stack):
        expect(self.sso(stack, {"X-User-Email": "admin@example.com"}), 200)
        self.open_signup(stack)
        for g in ("eng", "ops", "sales"):
            make_group(stack, g)
        h = {"X-User-Email": "dev@example.com", "X-User-Groups": "eng, ops,missing"}
        dev = expect(self.sso(stack, h), 200)
        assert self.members(stack, dev["id"]) == ["eng", "ops"]
        assert not stack.sql("SELECT 1 FROM `group` WHERE name = 'missing'")
        expect(self.sso(stack, dict(h, **{"X-User-Groups": "sales"})), 200)
        assert self.members(stack, dev["id"]) == ["sales"]
        assert expect(self.sso(stack, dict(h, **{"X-User-Role": "user"})), 200)["role"] == "user"
        assert expect(self.sso(stack, dict(h, **{"X-User-Role": "superuser"})), 200)["role"] == "user"
        assert expect(self.sso(stack, dict(h, **{"X-User-Role": "admin"})), 200)["role"] == "admin"
        assert sql_one(stack, f"SELECT role FROM `user` WHERE id = '{dev['id']}'") == "admin"
        # the value is lowercased and stripped, as the reference does
        assert expect(self.sso(stack, dict(h, **{"X-User-Role": "USER "})), 200)["role"] == "user"
        # an empty list of names leaves the memberships alone
        for empty in ("", ", ,"):
            expect(self.sso(stack, dict(h, **{"X-User-Groups": empty})), 200)
            assert self.members(stack, dev["id"]) == ["eng", "ops"], repr(empty)

    def test_jwt_requests_must_match_the_header(self, stack):
        u = expect(self.sso(stack, {"X-User-Email": "boss@example.com"}), 200)
        c = Client(stack, u["token"])
        expect(c.get(ME, headers={"X-User-Email": "BOSS@example.com"}), 200)
        expect(c.get(ME), 200)                  # no header: nothing to compare
        expect(c.get(ME, headers={"X-User-Email": "mallory@example.com"}), 401, USER_MISMATCH)

    def test_password_change_is_refused(self, stack):
        u = expect(self.sso(stack, {"X-User-Email": "boss@example.com"}), 200)
        r = Client(stack, u["token"]).post("update/password",
                                           json={"password": "x", "new_password": "Other-pw2!"})
        expect(r, 400, ACTION_PROHIBITED)


# ================================================================ WEBUI_AUTH=false

class TestNoAuth:
    POOL_ENV = {"WEBUI_AUTH": "false"}

    def test_signin_as_the_default_admin(self, stack):
        r = stack.post(AUTHS + "/signin", json={"email": "someone@example.com", "password": "x"})
        u = expect(r, 200)
        assert (u["email"], u["name"], u["role"]) == ("admin@localhost", "User", "admin")
        again = expect(stack.post(AUTHS + "/signin", json={"email": "", "password": ""}), 200)
        assert again["id"] == u["id"]
        assert user_count(stack) == 1
        assert admin_config(Client(stack, u["token"]))["ENABLE_SIGNUP"] is False
        expect(signup(stack), 403, ACCESS_PROHIBITED)

    def test_existing_users_block_it(self, stack):
        first = expect(signup(stack), 200)      # a fresh install may still sign up once
        assert first["role"] == "admin"
        r = stack.post(AUTHS + "/signin", json={"email": first["email"], "password": PASSWORD})
        expect(r, 400, EXISTING_USERS)
        assert user_count(stack) == 1


# ================================================================ environment at worker start

class TestHeadlessAdmin:
    POOL_ENV = {"WEBUI_ADMIN_EMAIL": "Root@Example.com", "WEBUI_ADMIN_PASSWORD": "Root-pw1!",
                "WEBUI_ADMIN_NAME": "Root"}

    def test_admin_from_env_on_an_empty_database(self, stack):
        restart_pool_now(stack)                  # every worker starts on the empty database
        # a worker creates it while starting (a bcrypt hash: slow under valgrind)
        wait_for(lambda: user_count(stack) >= 1, 10 * TIME_SCALE, what="the admin from the env")
        assert user_count(stack) == 1
        u = expect(signin(stack, "root@example.com", "Root-pw1!"), 200)
        assert (u["email"], u["name"], u["role"]) == ("root@example.com", "Root", "admin")
        assert admin_config(Client(stack, u["token"]))["ENABLE_SIGNUP"] is False
        expect(signup(stack), 403, ACCESS_PROHIBITED)
        # with users present a restart changes nothing
        r = Client(stack, u["token"]).post("update/password",
                                           json={"password": "Root-pw1!", "new_password": "Changed-1!"})
        assert expect(r, 200) is True
        restart_pool_now(stack)
        assert user_count(stack) == 1
        expect(signin(stack, "root@example.com", "Changed-1!"), 200)


class TestSecretFromEnv:
    POOL_ENV = {"WEBUI_SECRET_KEY": "shared-with-open-webui"}

    def test_tokens_are_signed_with_webui_secret_key(self, stack):
        admin = first_admin(stack)
        head, body, sig = admin.token.split(".")
        want = hmac.new(b"shared-with-open-webui", f"{head}.{body}".encode(), hashlib.sha256).digest()
        assert b64url_decode(sig) == want
        now = int(time.time())
        claims = {"id": admin.id, "jti": str(uuid.uuid4()), "iat": now, "exp": now + 600}
        expect(Client(stack, jwt_encode(claims, b"shared-with-open-webui")).get(ME), 200)
        # the data-dir key file is not used while the variable is set
        expect(Client(stack, jwt_encode(claims, server_secret(stack))).get(ME), 401, UNAUTHORIZED)


# ================================================================ last_active_at

def last_active(stack, uid):
    return int(sql_one(stack, f"SELECT last_active_at FROM `user` WHERE id = '{uid}'"))


def test_last_active_at_is_throttled_by_default(stack):
    admin = first_admin(stack)
    now = int(time.time())
    stack.sql(f"UPDATE `user` SET last_active_at = {now - 5} WHERE id = '{admin.id}'")
    for _ in range(3):
        expect(admin.get(ME), 200)
    assert last_active(stack, admin.id) == now - 5     # within a minute: not written
    stack.sql(f"UPDATE `user` SET last_active_at = {now - 120} WHERE id = '{admin.id}'")
    expect(admin.get(ME), 200)
    assert abs(last_active(stack, admin.id) - time.time()) < 5


class TestActiveInterval:
    POOL_ENV = {"USHER_ACTIVE_INTERVAL": "1"}

    def test_last_active_at_refreshed(self, stack):
        admin = first_admin(stack)
        pending = add_user(admin, role="pending")
        for c in (admin, pending):
            stack.sql(f"UPDATE `user` SET last_active_at = {int(time.time()) - 2} WHERE id = '{c.id}'")
            before = int(time.time())
            expect(c.get(ME), 200)
            after = time.time()
            # bounded by the request itself, not by how long the SQL check takes to run
            assert before - 1 <= last_active(stack, c.id) <= after  # (time() may lag a tick)


class TestTrustedHeaderWithPasswordPolicy:
    POOL_ENV = dict(TestTrustedHeader.POOL_ENV, ENABLE_PASSWORD_VALIDATION="true")

    def test_auto_created_accounts_skip_the_password_policy(self, stack):
        # the account's password is a random uuid nobody types: the reference creates it
        # without the policy (signup_handler does not validate), so SSO keeps working
        r = stack.post(AUTHS + "/signin", json=TestTrustedHeader.BODY,
                       headers={"X-User-Email": "sso@example.com"})
        assert expect(r, 200)["role"] == "admin"


class TestNoAuthWithPasswordPolicy:
    POOL_ENV = {"WEBUI_AUTH": "false", "ENABLE_PASSWORD_VALIDATION": "true"}

    def test_default_admin_skips_the_password_policy(self, stack):
        r = stack.post(AUTHS + "/signin", json={"email": "x@example.com", "password": "x"})
        assert expect(r, 200)["email"] == "admin@localhost"
