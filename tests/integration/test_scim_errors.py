"""SCIM's refusals (spec openwebui-scim.md B.2): every row of the error table, each in RFC
7644 §3.12's shape with application/scim+json, none a 5xx, none writing anything; the
credentials (only SCIM_TOKEN opens SCIM, and it opens nothing else); SCIM off (the ordinary
404) and SCIM on with an empty token (401 for every Users and Groups request)."""
import os
import uuid

import pytest

from authlib import (ME, PASSWORD, Client, add_user, auth_env, auth_module,  # noqa: F401
                     ensure_pool_env, expect, first_admin, set_admin_config, sql_one)
from scimlib import (PREFIX, SCIM_ENV, TOKEN, URN_GROUP, Scim, ok, okta_user, scim_error)

TABLES = ("user", "auth", "user_external_id", "group", "group_member", "group_external_id",
          "api_key")
POLICY = {"ENABLE_PASSWORD_VALIDATION": "True"}


def snapshot(stack):
    """Every row SCIM could write, with the versions (a refused request changes none)."""
    return {t: stack.sql(f"SELECT * FROM `{t}` ORDER BY 1") for t in TABLES}


class World:
    def __init__(self, stack):
        self.stack = stack
        self.admin = first_admin(stack)
        self.s = Scim(stack)
        self.a = self.s.create_user(f"a-{uuid.uuid4().hex[:6]}@example.com", externalId="ext-a")
        self.b = self.s.create_user(f"b-{uuid.uuid4().hex[:6]}@example.com", externalId="ext-b")
        self.g = self.s.create_group("Alpha", [self.a["id"]], externalId="gext-a")
        self.h = self.s.create_group("Beta", [])
        self.primary = expect(self.admin.get(ME), 200)["id"]


@pytest.fixture
def world(stack):
    return World(stack)


def user_path(w):
    return f"Users/{w.a['id']}"


def group_path(w):
    return f"Groups/{w.g['id']}"


def patch(w, path, ops):
    return w.s.patch(path, ops)


# (name, request maker, status, scimType)
CASES = [
    # invalidSyntax
    ("body not JSON", lambda w: w.s.post("Users", "{not json"), 400, "invalidSyntax"),
    ("body a list", lambda w: w.s.post("Users", "[]"), 400, "invalidSyntax"),
    ("body a string", lambda w: w.s.put(user_path(w), '"x"'), 400, "invalidSyntax"),
    ("patch body not an object", lambda w: w.s.patch(user_path(w), "[1]"), 400,
     "invalidSyntax"),
    ("Operations not a list", lambda w: w.s.patch(user_path(w), {"Operations": {}}), 400,
     "invalidSyntax"),
    ("unknown op", lambda w: patch(w, user_path(w), [{"op": "merge", "path": "displayName",
                                                      "value": "x"}]), 400, "invalidSyntax"),
    ("group body not JSON", lambda w: w.s.post("Groups", "{"), 400, "invalidSyntax"),
    # invalidFilter
    ("filter unknown attribute", lambda w: w.s.get("Users", params={"filter": 'title eq "x"'}),
     400, "invalidFilter"),
    ("filter unknown operator",
     lambda w: w.s.get("Users", params={"filter": 'userName xx "x"'}), 400, "invalidFilter"),
    ("filter bad syntax", lambda w: w.s.get("Users", params={"filter": "userName eq"}), 400,
     "invalidFilter"),
    ("filter unterminated string",
     lambda w: w.s.get("Users", params={"filter": 'userName eq "abc'}), 400, "invalidFilter"),
    ("group filter on a user attribute",
     lambda w: w.s.get("Groups", params={"filter": 'userName eq "x"'}), 400, "invalidFilter"),
    ("filter: active with a string",
     lambda w: w.s.get("Users", params={"filter": 'active eq "yes"'}), 400, "invalidFilter"),
    # invalidPath
    ("path unbalanced", lambda w: patch(w, user_path(w), [
        {"op": "replace", "path": 'emails[type eq "work".value', "value": "x@y.z"}]), 400,
     "invalidPath"),
    ("path bad value filter", lambda w: patch(w, group_path(w), [
        {"op": "remove", "path": 'members[value xx "1"]'}]), 400, "invalidPath"),
    # invalidValue
    ("missing userName", lambda w: w.s.post("Users", {"displayName": "No Name"}), 400,
     "invalidValue"),
    ("userName not an address", lambda w: w.s.post("Users", {"userName": "ada"}), 400,
     "invalidValue"),
    ("PUT userName not an address",
     lambda w: w.s.put(user_path(w), {"userName": "nope@"}), 400, "invalidValue"),
    ("PATCH userName not an address", lambda w: patch(w, user_path(w), [
        {"op": "replace", "path": "userName", "value": "still nope"}]), 400, "invalidValue"),
    ("active not a boolean", lambda w: patch(w, user_path(w), [
        {"op": "replace", "path": "active", "value": "yes"}]), 400, "invalidValue"),
    ("active a number", lambda w: w.s.post("Users", {"userName": "n@example.com",
                                                      "active": 1}), 400, "invalidValue"),
    ("externalId not a string", lambda w: w.s.post("Users", {"userName": "m@example.com",
                                                              "externalId": 12}), 400,
     "invalidValue"),
    ("bad photo URL", lambda w: w.s.post("Users", {
        "userName": "p@example.com", "photos": [{"value": "javascript:alert(1)"}]}), 400,
     "invalidValue"),
    ("password over 72 bytes", lambda w: w.s.post("Users", {"userName": "q@example.com",
                                                             "password": "Aa1!" * 19}), 400,
     "invalidValue"),
    ("password refused by the policy", lambda w: patch(w, user_path(w), [
        {"op": "replace", "path": "password", "value": "weakpassword"}]), 400, "invalidValue"),
    ("unknown member (add)", lambda w: patch(w, group_path(w), [
        {"op": "add", "path": "members", "value": [{"value": w.b["id"]},
                                                   {"value": "no-such-user"}]}]), 400,
     "invalidValue"),
    ("unknown member (POST)", lambda w: w.s.post("Groups", {
        "displayName": "Gamma", "members": [{"value": w.b["id"]}, {"value": str(uuid.uuid4())}]}),
     400, "invalidValue"),
    ("unknown member (PUT)", lambda w: w.s.put(group_path(w), {
        "displayName": "Alpha", "members": [{"value": "x" * 300}]}), 400, "invalidValue"),
    ("startIndex not an integer", lambda w: w.s.get("Users", params={"startIndex": "one"}), 400,
     "invalidValue"),
    ("count not an integer", lambda w: w.s.get("Groups", params={"count": "1.5"}), 400,
     "invalidValue"),
    ("missing displayName", lambda w: w.s.post("Groups", {"members": []}), 400, "invalidValue"),
    # mutability
    ("PATCH id", lambda w: patch(w, user_path(w), [{"op": "replace", "path": "id",
                                                    "value": "other"}]), 400, "mutability"),
    ("PATCH meta", lambda w: patch(w, user_path(w), [{"op": "replace", "path": "meta.created",
                                                      "value": "2020-01-01T00:00:00Z"}]), 400,
     "mutability"),
    ("rename with another id", lambda w: patch(w, group_path(w), [
        {"op": "replace", "value": {"id": w.h["id"], "displayName": "Stolen"}}]), 400,
     "mutability"),
    # noTarget
    ("remove without a path", lambda w: patch(w, user_path(w), [{"op": "remove"}]), 400,
     "noTarget"),
    ("replace of a value filter matching nothing", lambda w: patch(w, user_path(w), [
        {"op": "replace", "path": 'emails[type eq "home"].value', "value": "h@example.com"}]),
     400, "noTarget"),
    # uniqueness
    ("userName taken (another case)",
     lambda w: w.s.post("Users", {"userName": w.b["userName"].upper()}), 409, "uniqueness"),
    ("userName taken by PATCH", lambda w: patch(w, user_path(w), [
        {"op": "replace", "path": "userName", "value": w.b["userName"]}]), 409, "uniqueness"),
    ("externalId taken", lambda w: w.s.post("Users", {"userName": "new@example.com",
                                                       "externalId": "ext-b"}), 409,
     "uniqueness"),
    ("externalId taken by PATCH", lambda w: patch(w, user_path(w), [
        {"op": "add", "path": "externalId", "value": "ext-b"}]), 409, "uniqueness"),
    ("displayName of another group", lambda w: w.s.post("Groups", {"displayName": "beta"}),
     409, "uniqueness"),
    ("rename to another group's name", lambda w: patch(w, group_path(w), [
        {"op": "replace", "path": "displayName", "value": "Beta"}]), 409, "uniqueness"),
    ("group externalId taken", lambda w: w.s.put(f"Groups/{w.h['id']}", {
        "displayName": "Beta", "externalId": "gext-a"}), 409, "uniqueness"),
    # 403
    ("primary admin deleted", lambda w: w.s.delete(f"Users/{w.primary}"), 403, None),
    ("primary admin deactivated", lambda w: patch(w, f"Users/{w.primary}", [
        {"op": "replace", "value": {"active": False}}]), 403, None),
    ("primary admin deactivated by PUT", lambda w: w.s.put(f"Users/{w.primary}", {
        "userName": sql_one(w.stack, "SELECT email FROM `user` ORDER BY created_at, seq LIMIT 1"),
        "active": False}), 403, None),
    # 404
    ("unknown user", lambda w: w.s.get(f"Users/{uuid.uuid4()}"), 404, None),
    ("unknown user PATCH", lambda w: patch(w, f"Users/{uuid.uuid4()}", [
        {"op": "replace", "path": "displayName", "value": "x"}]), 404, None),
    ("unknown user DELETE", lambda w: w.s.delete(f"Users/{uuid.uuid4()}"), 404, None),
    ("hostile id", lambda w: w.s.get("Users/%27%20OR%201%3D1%20--"), 404, None),
    ("300-character id", lambda w: w.s.put("Users/" + "a" * 300, {"userName": "z@example.com"}),
     404, None),
    ("unknown group", lambda w: w.s.get(f"Groups/{uuid.uuid4()}"), 404, None),
    ("unknown group PATCH", lambda w: patch(w, "Groups/x%3B%20DROP", [
        {"op": "replace", "path": "displayName", "value": "x"}]), 404, None),
    ("unknown path", lambda w: w.s.get("Widgets"), 404, None),
    # 412
    ("stale If-Match", lambda w: w.s.put(user_path(w), okta_user(w.a["userName"]),
                                         headers={"If-Match": 'W/"999999"'}), 412, None),
    ("stale If-Match on a group", lambda w: w.s.delete(group_path(w),
                                                       headers={"If-Match": 'W/"0"'}), 412,
     None),
    # 405 in the SCIM shape
    ("method not allowed", lambda w: w.s.delete("Users"), 405, None),
]


class TestErrorTable:
    POOL_ENV = {**SCIM_ENV, **POLICY}

    @pytest.mark.parametrize("name,make,status,scim_type", CASES, ids=[c[0] for c in CASES])
    def test_refused_and_nothing_written(self, stack, world, name, make, status, scim_type):
        before = snapshot(stack)
        r = make(world)
        scim_error(r, status, scim_type)
        assert snapshot(stack) == before

    def test_a_patch_applies_all_or_nothing(self, stack, world):
        w = world
        before = snapshot(stack)
        # the first operation is fine, the second is refused: neither applies
        scim_error(patch(w, user_path(w), [
            {"op": "replace", "path": "displayName", "value": "Changed Name"},
            {"op": "replace", "path": "userName", "value": w.b["userName"]}]), 409,
            "uniqueness")
        scim_error(patch(w, user_path(w), [
            {"op": "replace", "value": {"active": False}},
            {"op": "replace", "path": "active", "value": "maybe"}]), 400, "invalidValue")
        scim_error(patch(w, group_path(w), [
            {"op": "replace", "path": "displayName", "value": "Renamed"},
            {"op": "add", "path": "members", "value": [{"value": "ghost"}]}]), 400,
            "invalidValue")
        assert snapshot(stack) == before

    def test_too_large_body(self, stack):
        ensure_pool_env(stack, {**SCIM_ENV, "USHER_REQUEST_BODY_MAX": "4096"})
        first_admin(stack)
        before = snapshot(stack)
        r = Scim(stack).post("Users", {"userName": "big@example.com", "title": "x" * 8000})
        scim_error(r, 413)
        assert snapshot(stack) == before

    def test_too_large_for_the_web_server(self, stack, world):
        """nginx refuses a body over its client_max_body_size (1m) itself: in SCIM's shape
        (Apache, scripts/test-apache.sh, answers its own page: only the status is ours)."""
        before = snapshot(stack)
        r = world.s.post("Users", {"userName": "huge@example.com", "title": "x" * 1100000})
        if os.environ.get("STACK_WEB") == "apache":
            assert r.status_code == 413
        else:
            scim_error(r, 413)
        assert snapshot(stack) == before

    def test_media_types(self, stack, world):
        for ct in ("application/json", "application/json; charset=utf-8",
                   "application/scim+json", "application/scim+json; charset=UTF-8"):
            r = world.s.post("Users", {"userName": f"{uuid.uuid4().hex[:8]}@example.com"},
                             headers={"Content-Type": ct})
            ok(r, 201)
        scim_error(world.s.post("Users", "userName=x", headers={
            "Content-Type": "application/x-www-form-urlencoded"}), 415)


class TestCredentials:
    POOL_ENV = SCIM_ENV

    def test_the_refusals_keep_open_webui_texts(self, stack):
        first_admin(stack)
        for headers, text in (
                ({}, "Authorization header required"),
                ({"Authorization": "Bearer"}, "Invalid authorization format. Expected: Bearer <token>"),
                ({"Authorization": "Bearer a b"}, "Invalid authorization format. Expected: Bearer <token>"),
                ({"Authorization": "Basic " + TOKEN}, "Invalid authentication scheme"),
                ({"Authorization": "Bearer " + TOKEN + "x"}, "Invalid SCIM token"),
                ({"Authorization": "Bearer " + TOKEN[:-1]}, "Invalid SCIM token")):
            for path in ("Users", "Groups", f"Users/{uuid.uuid4()}"):
                scim_error(stack.get(PREFIX + "/" + path, headers=headers), 401, None, text)
            scim_error(stack.post(PREFIX + "/Users", headers=headers,
                                  json={"userName": "x@example.com"}), 401, None, text)
        ok(stack.get(PREFIX + "/Users", headers={"Authorization": "bEaReR " + TOKEN}))
        assert sql_one(stack, "SELECT COUNT(*) FROM `user`") == "1"
        assert TOKEN not in stack.log_since(0)

    def test_user_credentials_are_no_scim_credentials(self, stack):
        admin = first_admin(stack)
        set_admin_config(admin, ENABLE_API_KEYS=True)
        key = expect(admin.post("api_key"), 200)["api_key"]
        for headers in ({"Authorization": "Bearer " + admin.token},
                        {"Authorization": "Bearer " + key}):
            scim_error(stack.get(PREFIX + "/Users", headers=headers), 401, None,
                       "Invalid SCIM token")
        scim_error(stack.get(PREFIX + "/Users", headers={"x-api-key": key}), 401, None,
                   "Authorization header required")
        scim_error(stack.get(PREFIX + "/Users", cookies={"token": admin.token}), 401, None,
                   "Authorization header required")

    def test_the_scim_token_opens_nothing_else(self, stack):
        admin = first_admin(stack)
        scim = Client(stack, TOKEN)
        for path in (ME, "/api/v1/users/", "/api/v1/groups/", "/api/v1/auths/admin/config"):
            assert scim.get(path).status_code == 401, path
        assert scim.as_("x-api-key").get(ME).status_code == 401
        assert scim.as_("cookie").get(ME).status_code == 401
        expect(admin.get(ME), 200)


class TestOff:
    @pytest.mark.parametrize("env", [{}, {"ENABLE_SCIM": "false", "SCIM_TOKEN": TOKEN},
                                     {"ENABLE_SCIM": "false", "SCIM_ENABLED": "true",
                                      "SCIM_TOKEN": TOKEN},
                                     {"SCIM_ENABLED": "no", "SCIM_TOKEN": TOKEN}])
    def test_scim_off_is_the_ordinary_404(self, stack, env):
        ensure_pool_env(stack, env)
        first_admin(stack)
        h = {"Authorization": "Bearer " + TOKEN}
        for method, path in (("GET", ""), ("GET", "/"), ("GET", "/ServiceProviderConfig"),
                             ("GET", "/Users"), ("POST", "/Users"), ("DELETE", "/Users"),
                             ("PATCH", "/Groups/x"), ("GET", "/Schemas")):
            r = stack.request(method, PREFIX + path, headers=h, json={})
            assert r.status_code == 404, (method, path, r.status_code, r.text)
            assert r.json() == {"detail": "Not Found"}
            assert r.headers["Content-Type"].startswith("application/json")

    def test_scim_enabled_alone_turns_it_on(self, stack):
        ensure_pool_env(stack, {"SCIM_ENABLED": "True", "SCIM_TOKEN": TOKEN})
        first_admin(stack)
        ok(Scim(stack).get("Users"))


class TestEmptyToken:
    POOL_ENV = {"ENABLE_SCIM": "true", "SCIM_TOKEN": ""}

    def test_every_users_and_groups_request_refused(self, stack):
        first_admin(stack)
        for token in ("", "x", TOKEN):
            h = {"Authorization": "Bearer " + token}
            for method, path in (("GET", "/Users"), ("POST", "/Users"), ("GET", "/Groups"),
                                 ("POST", "/Groups"), ("DELETE", f"/Users/{uuid.uuid4()}")):
                r = stack.request(method, PREFIX + path, headers=h,
                                  json={"userName": "e@example.com", "displayName": "G"})
                assert r.status_code == 401, (method, path, token, r.text)
                assert r.headers["WWW-Authenticate"] == "Bearer"
        assert sql_one(stack, "SELECT COUNT(*) FROM `user`") == "1"
        assert sql_one(stack, "SELECT COUNT(*) FROM `group`") == "0"
        # the discovery routes answer
        ok(Scim(stack, None).get("ServiceProviderConfig"))
        assert "SCIM_TOKEN is empty" in stack.log_since(0)
