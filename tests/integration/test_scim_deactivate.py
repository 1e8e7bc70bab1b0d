"""Deactivation instead of deletion (spec openwebui-scim.md B.6, open-webui #24501):
`active: false` through SCIM (PATCH, PUT, POST) refuses the password and trusted-header
sign-ins, every JWT issued before and the API key, on every worker at once, and deletes
nothing; `active: true` restores the password and the key (earlier JWTs stay refused);
DELETE deletes as DELETE /api/v1/users/{id}; the primary admin is never deactivated or
deleted through SCIM."""
import uuid

from authlib import (AUTHS, INVALID_CRED, ME, PASSWORD, Client, add_user, auth_env,  # noqa: F401
                     auth_module, expect, first_admin, grant_group_permission,
                     set_admin_config, signin, sql_one, sql_quote)
from scimlib import SCIM_ENV, Scim, ok, okta_user, scim_error

ROUNDS = 8   # requests per check: the pool has two workers, each gets its share


def each_worker(fn, status):
    for _ in range(ROUNDS):
        r = fn()
        assert r.status_code == status, r.text[:300]


class Account:
    """A SCIM-made account with a password, a session token and an API key, in a group."""

    def __init__(self, stack, admin, s, role_admin=False):
        self.email = f"leaver-{uuid.uuid4().hex[:8]}@example.com"
        u = s.create_user(self.email, externalId="ext-" + self.email, password=PASSWORD,
                          displayName="Lee Ver")
        self.id = u["id"]
        if role_admin:
            expect(admin.post(f"/api/v1/users/{self.id}/update",
                              json={"role": "admin", "name": "Lee Ver", "email": self.email,
                                    "profile_image_url": "/user.png"}), 200)
        grant_group_permission(stack, self.id, {"features": {"api_keys": True}})
        me = expect(signin(stack, self.email), 200)
        self.jwt = Client(stack, me["token"])
        self.key = expect(self.jwt.post("api_key"), 200)["api_key"]
        self.keyc = Client(stack, self.key)
        self.group = s.create_group("Team " + self.email, [self.id])["id"]
        self.stack = stack

    def row(self):
        return self.stack.sql("SELECT u.email, u.role, u.name, a.password, "
                              "(SELECT COUNT(*) FROM api_key k WHERE k.user_id = u.id), "
                              "(SELECT COUNT(*) FROM group_member m WHERE m.user_id = u.id) "
                              f"FROM `user` u JOIN auth a ON a.id = u.id WHERE u.id = "
                              f"{sql_quote(self.id)}")


def make_world(stack):
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_API_KEYS=True)
    return admin, Scim(stack)


class TestDeactivation:
    POOL_ENV = SCIM_ENV

    def test_deactivate_and_reactivate_on_every_worker(self, stack):
        admin, s = make_world(stack)
        acc = Account(stack, admin, s)
        each_worker(lambda: acc.jwt.get(ME), 200)
        each_worker(lambda: acc.keyc.get(ME), 200)
        kept = acc.row()
        d = ok(s.patch(f"Users/{acc.id}", [{"op": "replace", "value": {"active": False}}]))
        assert d["active"] is False
        # refused everywhere, at once
        each_worker(lambda: acc.jwt.get(ME), 401)
        each_worker(lambda: acc.keyc.get(ME), 401)
        each_worker(lambda: acc.keyc.as_("x-api-key").get(ME), 401)
        for _ in range(3):
            expect(signin(stack, acc.email), 400, INVALID_CRED)
        # nothing deleted; the users API and SCIM still show it
        assert acc.row() == kept
        rec = expect(admin.get(f"/api/v1/users/{acc.id}"), 200)
        assert rec["email"] == acc.email and rec["role"] == "user"
        assert ok(s.get(f"Users/{acc.id}"))["active"] is False
        assert [r["id"] for r in s.users("active eq false")["Resources"]] == [acc.id]
        assert acc.id not in [r["id"] for r in s.users("active eq true", count=200)["Resources"]]
        ug = ok(s.get(f"Groups/{acc.group}"))
        assert [m["value"] for m in ug["members"]] == [acc.id]
        # reactivation: the password and the key work again; the old JWT stays refused
        a = ok(s.patch(f"Users/{acc.id}", [{"op": "replace", "path": "active", "value": True}]))
        assert a["active"] is True
        each_worker(lambda: acc.keyc.get(ME), 200)
        each_worker(lambda: acc.jwt.get(ME), 401)
        fresh = Client(stack, expect(signin(stack, acc.email), 200)["token"])
        each_worker(lambda: fresh.get(ME), 200)
        assert acc.row() == kept

    def test_put_and_post_deactivate_too(self, stack):
        admin, s = make_world(stack)
        acc = Account(stack, admin, s)
        ok(s.put(f"Users/{acc.id}", okta_user(acc.email, active=False)))
        each_worker(lambda: acc.keyc.get(ME), 401)
        expect(signin(stack, acc.email), 400, INVALID_CRED)
        # a PUT without active leaves the state alone
        body = okta_user(acc.email)
        del body["active"]
        assert ok(s.put(f"Users/{acc.id}", body))["active"] is False
        # POST with active false: made deactivated
        mail = f"born-off-{uuid.uuid4().hex[:6]}@example.com"
        u = s.create_user(mail, password=PASSWORD, active="False")
        assert u["active"] is False
        expect(signin(stack, mail), 400, INVALID_CRED)
        ok(s.patch(f"Users/{u['id']}", [{"op": "Replace", "path": "active", "value": "True"}]))
        expect(signin(stack, mail), 200)

    def test_another_admin_may_be_deactivated_the_primary_not(self, stack):
        admin, s = make_world(stack)
        other = Account(stack, admin, s, role_admin=True)
        ok(s.patch(f"Users/{other.id}", [{"op": "replace", "value": {"active": False}}]))
        each_worker(lambda: other.keyc.get(ME), 401)
        assert sql_one(stack, f"SELECT role FROM `user` WHERE id = {sql_quote(other.id)}") == "admin"
        primary = expect(admin.get(ME), 200)["id"]
        scim_error(s.patch(f"Users/{primary}", [{"op": "replace", "value": {"active": False}}]),
                   403)
        scim_error(s.delete(f"Users/{primary}"), 403)
        each_worker(lambda: admin.get(ME), 200)
        assert sql_one(stack, f"SELECT active FROM auth WHERE id = {sql_quote(primary)}") == "1"

    def test_a_user_without_a_password_cannot_sign_in(self, stack):
        admin, s = make_world(stack)
        mail = f"nopw-{uuid.uuid4().hex[:6]}@example.com"
        s.create_user(mail)
        for pw in (PASSWORD, "", "!"):
            assert signin(stack, mail, pw).status_code == 400
        # an admin gives one: it signs in
        uid = s.users(f'userName eq "{mail}"')["Resources"][0]["id"]
        expect(admin.post(f"/api/v1/users/{uid}/update", json={
            "role": "user", "name": "N P", "email": mail, "profile_image_url": "/user.png",
            "password": PASSWORD}), 200)
        expect(signin(stack, mail), 200)


class TestDelete:
    POOL_ENV = SCIM_ENV

    def test_delete_as_the_users_api(self, stack):
        admin, s = make_world(stack)
        acc = Account(stack, admin, s)
        ok(s.delete(f"Users/{acc.id}"), 204)
        scim_error(s.get(f"Users/{acc.id}"), 404)
        scim_error(s.delete(f"Users/{acc.id}"), 404)
        each_worker(lambda: acc.keyc.get(ME), 401)
        each_worker(lambda: acc.jwt.get(ME), 401)
        for table, col in (("user", "id"), ("auth", "id"), ("api_key", "user_id"),
                           ("group_member", "user_id"), ("user_external_id", "user_id")):
            assert sql_one(stack, f"SELECT COUNT(*) FROM `{table}` WHERE {col} = "
                                  f"{sql_quote(acc.id)}") == "0", table
        expect(admin.get(f"/api/v1/users/{acc.id}"), 400)
        # the group stays, without the member (its count too)
        g = ok(s.get(f"Groups/{acc.group}"))
        assert g["members"] == []
        assert expect(admin.get(f"/api/v1/groups/id/{acc.group}/info"), 200)["member_count"] == 0
        # the externalId is free again
        s.create_user(f"again-{uuid.uuid4().hex[:6]}@example.com", externalId="ext-" + acc.email)


class TestTrustedHeader:
    POOL_ENV = {**SCIM_ENV, "WEBUI_AUTH_TRUSTED_EMAIL_HEADER": "X-User-Email"}

    def test_deactivated_account_gets_no_token_from_the_proxy(self, stack):
        admin = first_admin(stack)   # the proxy lets the first one through too
        s = Scim(stack)
        mail = f"sso-{uuid.uuid4().hex[:6]}@example.com"
        u = s.create_user(mail)

        def sso():
            return stack.post(AUTHS + "/signin", json={"email": "x", "password": "y"},
                              headers={"X-User-Email": mail})
        expect(sso(), 200)
        ok(s.patch(f"Users/{u['id']}", [{"op": "replace", "value": {"active": False}}]))
        for _ in range(4):
            r = sso()
            assert r.status_code == 403 and "token" not in r.json()
        ok(s.patch(f"Users/{u['id']}", [{"op": "replace", "value": {"active": True}}]))
        expect(sso(), 200)
        expect(admin.get(ME), 200)
