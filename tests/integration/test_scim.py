"""SCIM 2.0 provisioning (issue 21, spec openwebui-scim.md part B) on the private stack with
ENABLE_SCIM, SCIM_TOKEN and SCIM_AUTH_PROVIDER in the pool's environment: discovery, the
sequences Okta and Microsoft Entra ID send (B.9), SCIM and /api/v1/users agreeing both
ways, ETag / If-Match, paging, a group PATCH reaching /api/v1/auths/'s permissions, groups
made through /api/v1/groups, and the audit entries. Errors: test_scim_errors.py;
deactivation: test_scim_deactivate.py; filters: test_scim_filters.py."""
import uuid

from authlib import (ME, PASSWORD, Client, add_user, auth_env, auth_module,  # noqa: F401
                     expect, first_admin, signin, sql_one, sql_quote)
from scimlib import (PREFIX, PROVIDER, SCIM_ENV, TOKEN, URN_ENTERPRISE, URN_GROUP, URN_LIST,
                     URN_USER, Scim, ok, okta_user, scim_error)

USERS = "/api/v1/users"
NEW_PW = "Another-pw2!"


def uniq(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class TestDiscovery:
    POOL_ENV = SCIM_ENV

    def test_service_provider_config_tells_the_truth(self, stack):
        for token in (None, TOKEN):
            spc = ok(Scim(stack, token).get("ServiceProviderConfig"))
            assert spc["patch"]["supported"] is True
            assert spc["bulk"]["supported"] is False
            assert spc["filter"] == {"supported": True, "maxResults": 200}
            assert spc["etag"]["supported"] is True
            assert spc["changePassword"]["supported"] is True
            assert spc["authenticationSchemes"][0]["type"] == "oauthbearertoken"
        # maxResults is the cap count really gets
        first_admin(stack)
        s = Scim(stack)
        for i in range(3):
            s.create_user(f"cap{i}-{uuid.uuid4().hex[:6]}@example.com")
        lst = s.users(count=100000)
        assert lst["itemsPerPage"] == 4 and lst["totalResults"] == 4

    def test_resource_types_and_schemas(self, stack):
        s = Scim(stack, None)
        rts = ok(s.get("ResourceTypes"))
        assert rts["schemas"] == [URN_LIST] and rts["totalResults"] == 2
        ids = {r["id"] for r in rts["Resources"]}
        assert ids == {"User", "Group"}
        user = ok(s.get("ResourceTypes/User"))
        assert user["endpoint"] == "/Users" and user["schema"] == URN_USER
        assert user["meta"]["location"] == stack.base_url + PREFIX + "/ResourceTypes/User"
        assert ok(s.get("ResourceTypes/Group"))["schema"] == URN_GROUP
        scim_error(s.get("ResourceTypes/Nope"), 404)
        schemas = ok(s.get("Schemas"))
        assert {x["id"] for x in schemas["Resources"]} == {URN_USER, URN_GROUP}
        us = ok(s.get("Schemas/" + URN_USER))
        attrs = {a["name"]: a for a in us["attributes"]}
        assert attrs["userName"]["uniqueness"] == "server"
        assert attrs["active"]["type"] == "boolean"
        assert attrs["password"]["returned"] == "never"
        for name in ("name", "displayName", "emails", "externalId"):
            assert name in attrs
        assert ok(s.get("Schemas/" + URN_GROUP))["id"] == URN_GROUP
        scim_error(s.get("Schemas/urn:nope"), 404)

    def test_locations_follow_webui_url(self, stack):
        from authlib import set_admin_config
        admin = first_admin(stack)
        set_admin_config(admin, WEBUI_URL="https://chat.example.com/")
        r = Scim(stack).post("Users", {"userName": uniq("loc") + "@example.com"})
        u = ok(r, 201)
        want = f"https://chat.example.com{PREFIX}/Users/{u['id']}"
        assert u["meta"]["location"] == want and r.headers["Location"] == want

    def test_bulk_and_me_are_501(self, stack):
        s = Scim(stack)
        scim_error(s.post("Bulk", {"Operations": []}), 501)
        scim_error(s.get("Me"), 501)


class TestOkta:
    """Okta's SCIM 2.0 guide, in order."""
    POOL_ENV = SCIM_ENV

    def test_okta_user_lifecycle(self, stack):
        first_admin(stack)
        s = Scim(stack)
        login = uniq("ada") + "@Example.com"
        # 1. is the user there? an empty ListResponse
        lst = s.users(f'userName eq "{login}"', startIndex=1, count=100)
        assert lst == {"schemas": [URN_LIST], "totalResults": 0, "itemsPerPage": 0,
                       "startIndex": 1, "Resources": []}
        # 2. create, with a password (sync on)
        r = s.post("Users", okta_user(login, external_id="00u1okta", password=PASSWORD))
        u = ok(r, 201)
        uid = u["id"]
        assert u["userName"] == login.lower() and u["active"] is True
        assert u["externalId"] == "00u1okta"
        assert u["name"] == {"formatted": "Ada Lovelace", "givenName": "Ada",
                             "familyName": "Lovelace"}
        assert u["emails"] == [{"value": login.lower(), "type": "work", "primary": True}]
        assert "password" not in u and "locale" not in u
        assert r.headers["Location"] == u["meta"]["location"]
        assert u["meta"]["location"] == f"{stack.base_url}{PREFIX}/Users/{uid}"
        assert r.headers["ETag"] == u["meta"]["version"] and u["meta"]["version"].startswith('W/"')
        assert u["meta"]["created"].endswith("Z")
        # the password signs in; the role is user
        me = expect(signin(stack, login.lower(), PASSWORD), 200)
        assert me["role"] == "user" and me["id"] == uid
        # now found by userName (any case)
        assert s.users(f'userName eq "{login.upper()}"')["totalResults"] == 1
        # 3. PUT the whole object with a new password: it signs in, the old one does not,
        #    and the earlier session ends
        old = Client(stack, me["token"])
        expect(old.get(ME), 200)
        body = okta_user(login, given="Ada", family="King", external_id="00u1okta",
                         password=NEW_PW)
        u2 = ok(s.put(f"Users/{uid}", body))
        assert u2["name"]["familyName"] == "King" and u2["displayName"] == "Ada King"
        assert u2["meta"]["version"] != u["meta"]["version"]
        expect(signin(stack, login.lower(), PASSWORD), 400)
        expect(signin(stack, login.lower(), NEW_PW), 200)
        expect(old.get(ME), 401)
        # 4. deactivation: a valueless replace
        d = ok(s.patch(f"Users/{uid}", [{"op": "replace", "value": {"active": False}}]))
        assert d["active"] is False
        expect(signin(stack, login.lower(), NEW_PW), 400)
        assert s.users("active eq false")["Resources"][0]["id"] == uid
        # 5. reactivation
        a = ok(s.patch(f"Users/{uid}", [{"op": "replace", "value": {"active": True}}]))
        assert a["active"] is True
        expect(signin(stack, login.lower(), NEW_PW), 200)
        # the role never moved
        assert sql_one(stack, f"SELECT role FROM `user` WHERE id = {sql_quote(uid)}") == "user"

    def test_okta_groups(self, stack):
        admin = first_admin(stack)
        s = Scim(stack)
        a = s.create_user(uniq("a") + "@example.com", displayName="Ann A")
        b = s.create_user(uniq("b") + "@example.com", displayName="Bob B")
        g = s.create_group("Engineering", [])
        gid = g["id"]
        assert g["members"] == [] and g["displayName"] == "Engineering"
        # rename, Okta's way
        r = ok(s.patch(f"Groups/{gid}", [{"op": "replace",
                                          "value": {"id": gid, "displayName": "Eng"}}]))
        assert r["displayName"] == "Eng"
        # add members with display
        r = ok(s.patch(f"Groups/{gid}", [{"op": "add", "path": "members", "value": [
            {"value": a["id"], "display": "Ann A"}, {"value": b["id"], "display": "Bob B"}]}]))
        assert {m["value"] for m in r["members"]} == {a["id"], b["id"]}
        m = next(m for m in r["members"] if m["value"] == a["id"])
        assert m == {"value": a["id"], "display": "Ann A", "type": "User",
                     "$ref": f"{stack.base_url}{PREFIX}/Users/{a['id']}"}
        # the users API sees the membership, its count too
        grp = expect(admin.get(f"/api/v1/groups/id/{gid}"), 200)
        assert grp["name"] == "Eng"
        info = expect(admin.get(f"/api/v1/groups/id/{gid}/info"), 200)
        assert info["member_count"] == 2
        # remove one, Okta's way
        r = ok(s.patch(f"Groups/{gid}", [{"op": "remove",
                                          "path": f'members[value eq "{a["id"]}"]'}]))
        assert [m["value"] for m in r["members"]] == [b["id"]]
        # the user shows its groups
        ub = ok(s.get(f"Users/{b['id']}"))
        assert ub["groups"][0]["value"] == gid and ub["groups"][0]["display"] == "Eng"
        # PUT with the whole member list
        r = ok(s.put(f"Groups/{gid}", {"schemas": [URN_GROUP], "displayName": "Eng",
                                      "members": [{"value": a["id"]}]}))
        assert [m["value"] for m in r["members"]] == [a["id"]]
        assert expect(admin.get(f"/api/v1/groups/id/{gid}/info"), 200)["member_count"] == 1
        # delete
        ok(s.delete(f"Groups/{gid}"), 204)
        scim_error(s.get(f"Groups/{gid}"), 404)
        assert sql_one(stack, f"SELECT COUNT(*) FROM group_member WHERE group_id = "
                              f"{sql_quote(gid)}") == "0"


class TestEntra:
    """Microsoft Entra ID's SCIM tutorial and known issues."""
    POOL_ENV = SCIM_ENV

    def test_entra_user_lifecycle(self, stack):
        first_admin(stack)
        s = Scim(stack)
        upn = uniq("grace") + "@contoso.example"
        r = s.stack.request("GET", PREFIX + "/Users?filter=userName+eq+%22" + upn + "%22",
                            headers={"Authorization": "Bearer " + TOKEN})
        assert ok(r)["totalResults"] == 0
        body = {
            "schemas": [URN_USER, URN_ENTERPRISE], "externalId": "e-123", "userName": upn,
            "active": True, "emails": [{"primary": True, "type": "work", "value": upn}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Grace Hopper", "familyName": "Hopper", "givenName": "Grace"},
            "roles": [], "title": "Rear Admiral", "preferredLanguage": "en",
            URN_ENTERPRISE: {"department": "Navy", "manager": {"value": "x"}},
        }
        u = ok(s.post("Users", body, headers={"Content-Type": "application/scim+json"}), 201)
        uid = u["id"]
        assert u["name"]["formatted"] == "Grace Hopper" and u["externalId"] == "e-123"
        assert "title" not in u and URN_ENTERPRISE not in u
        # Replace by path, as Entra sends them
        new_mail = uniq("grace.h") + "@contoso.example"
        u = ok(s.patch(f"Users/{uid}", [
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": new_mail},
            {"op": "Replace", "path": "name.familyName", "value": "Murray Hopper"},
        ]))
        assert u["userName"] == new_mail and u["name"]["familyName"] == "Murray Hopper"
        assert u["displayName"] == "Grace Murray Hopper"
        u = ok(s.patch(f"Users/{uid}", [{"op": "Replace", "path": "externalId",
                                         "value": "e-456"}]))
        assert u["externalId"] == "e-456"
        assert s.users('externalId eq "e-123"')["totalResults"] == 0
        assert s.users('externalId eq "e-456"')["Resources"][0]["id"] == uid
        # deactivation with the string "False" (not read as true)
        u = ok(s.patch(f"Users/{uid}", [{"op": "Replace", "path": "active", "value": "False"}]))
        assert u["active"] is False
        # aadOptscim062020: a boolean, and valueless replaces keyed by paths
        u = ok(s.patch(f"Users/{uid}", [{"op": "replace", "value": {
            "active": True, "name.givenName": "Amazing",
            'emails[type eq "work"].value': upn}}]))
        assert u["active"] is True and u["name"]["givenName"] == "Amazing"
        assert u["userName"] == upn
        ok(s.delete(f"Users/{uid}"), 204)
        scim_error(s.get(f"Users/{uid}"), 404)

    def test_entra_groups(self, stack):
        first_admin(stack)
        s = Scim(stack)
        a = s.create_user(uniq("a") + "@contoso.example")
        b = s.create_user(uniq("b") + "@contoso.example")
        g = ok(s.post("Groups", {
            "schemas": [URN_GROUP,
                        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": "grp-ext-1", "displayName": "Sales", "meta": {"resourceType": "Group"},
            "members": []}), 201)
        gid = g["id"]
        assert g["externalId"] == "grp-ext-1"
        found = ok(s.get("Groups", params={"excludedAttributes": "members",
                                           "filter": 'displayName eq "sales"'}))
        assert found["totalResults"] == 1 and "members" not in found["Resources"][0]
        assert found["Resources"][0]["externalId"] == "grp-ext-1"
        ok(s.patch(f"Groups/{gid}", [{"op": "Add", "path": "members", "value": [
            {"$ref": None, "value": a["id"]}, {"$ref": None, "value": b["id"]}]}]))
        r = ok(s.patch(f"Groups/{gid}", [{"op": "Remove", "path": "members", "value": [
            {"$ref": None, "value": a["id"]}]}]))
        assert [m["value"] for m in r["members"]] == [b["id"]]
        r = ok(s.patch(f"Groups/{gid}", [{"op": "Replace", "path": "displayName",
                                          "value": "Sales EMEA"}]))
        assert r["displayName"] == "Sales EMEA"
        assert ok(s.get("Groups", params={"filter": 'externalId eq "grp-ext-1"'}))[
            "Resources"][0]["id"] == gid
        ok(s.delete(f"Groups/{gid}"), 204)
        scim_error(s.delete(f"Groups/{gid}"), 404)


class TestAgreement:
    POOL_ENV = SCIM_ENV

    def test_scim_and_users_api_agree_both_ways(self, stack):
        admin = first_admin(stack)
        s = Scim(stack)
        u = s.create_user(uniq("x") + "@example.com", name={"formatted": "Xa Yb"},
                          externalId="ext-agree")
        uid = u["id"]
        rec = expect(admin.get(f"{USERS}/{uid}"), 200)
        assert rec["email"] == u["userName"] and rec["name"] == "Xa Yb"
        assert rec["scim"] == {PROVIDER: {"external_id": "ext-agree"}}
        assert rec["role"] == "user"
        # the users API writes; SCIM shows it
        mail = uniq("y") + "@example.com"
        expect(admin.post(f"{USERS}/{uid}/update", json={"name": "Zed Q", "email": mail,
                                                           "role": "user",
                                                           "profile_image_url": "/user.png"}),
               200)
        v = ok(s.get(f"Users/{uid}"))
        assert v["userName"] == mail and v["name"]["givenName"] == "Zed"
        assert v["meta"]["version"] != u["meta"]["version"]
        # removing the externalId leaves the scim document without the provider's entry
        ok(s.patch(f"Users/{uid}", [{"op": "remove", "path": "externalId"}]))
        rec = expect(admin.get(f"{USERS}/{uid}"), 200)
        assert rec["scim"] is None
        assert "externalId" not in ok(s.get(f"Users/{uid}"))
        # deleted through the users API: gone for SCIM
        expect(admin.delete(f"{USERS}/{uid}"), 200)
        scim_error(s.get(f"Users/{uid}"), 404)

    def test_groups_of_the_groups_api_are_scim_groups(self, stack):
        admin = first_admin(stack)
        s = Scim(stack)
        g = expect(admin.post("/api/v1/groups/create", json={"name": "Made by API",
                                                             "description": "d"}), 200)
        u = s.create_user(uniq("m") + "@example.com")
        lst = ok(s.get("Groups", params={"filter": 'displayName eq "made by api"'}))
        assert lst["Resources"][0]["id"] == g["id"]
        ok(s.patch(f"Groups/{g['id']}", [{"op": "add", "path": "members",
                                           "value": [{"value": u["id"]}]}]))
        ids = expect(admin.post(f"/api/v1/groups/id/{g['id']}/users"), 200)
        assert [x["id"] if isinstance(x, dict) else x for x in ids] == [u["id"]]

    def test_group_patch_changes_effective_permissions(self, stack):
        admin = first_admin(stack)
        s = Scim(stack)
        member = add_user(admin)
        before = expect(member.get(ME), 200)["permissions"]
        assert before["workspace"]["models"] is False
        g = expect(admin.post("/api/v1/groups/create", json={
            "name": "Modelers", "description": "",
            "permissions": {"workspace": {"models": True}}}), 200)
        ok(s.patch(f"Groups/{g['id']}", [{"op": "add", "path": "members",
                                           "value": [{"value": member.id}]}]))
        for _ in range(6):   # every worker, at once
            assert expect(member.get(ME), 200)["permissions"]["workspace"]["models"] is True
        ok(s.patch(f"Groups/{g['id']}", [{"op": "remove",
                                           "path": f'members[value eq "{member.id}"]'}]))
        for _ in range(6):
            assert expect(member.get(ME), 200)["permissions"]["workspace"]["models"] is False


class TestVersionsAndPaging:
    POOL_ENV = SCIM_ENV

    def test_etag_changes_on_every_write_and_if_match(self, stack):
        first_admin(stack)
        s = Scim(stack)
        u = s.create_user(uniq("e") + "@example.com")
        uid, v0 = u["id"], u["meta"]["version"]
        r1 = s.patch(f"Users/{uid}", [{"op": "replace", "path": "displayName", "value": "A B"}])
        r2 = s.patch(f"Users/{uid}", [{"op": "replace", "path": "displayName", "value": "A B"}])
        v1, v2 = ok(r1)["meta"]["version"], ok(r2)["meta"]["version"]
        assert len({v0, v1, v2}) == 3        # two writes in the same second: two versions
        assert r2.headers["ETag"] == v2
        assert s.get(f"Users/{uid}").headers["ETag"] == v2
        # a stale If-Match: 412, nothing changed
        scim_error(s.patch(f"Users/{uid}", [{"op": "replace", "path": "displayName",
                                             "value": "Changed"}], headers={"If-Match": v1}),
                   412)
        assert ok(s.get(f"Users/{uid}"))["displayName"] == "A B"
        scim_error(s.delete(f"Users/{uid}", headers={"If-Match": v0}), 412)
        ok(s.patch(f"Users/{uid}", [{"op": "replace", "path": "displayName", "value": "C D"}],
                   headers={"If-Match": v2}))
        # groups too
        g = s.create_group(uniq("g"))
        gv = g["meta"]["version"]
        ok(s.patch(f"Groups/{g['id']}", [{"op": "replace", "path": "displayName",
                                          "value": uniq("h")}]))
        scim_error(s.put(f"Groups/{g['id']}", {"displayName": uniq("i")},
                         headers={"If-Match": gv}), 412)
        ok(s.delete(f"Groups/{g['id']}", headers={"If-Match": "*"}), 204)

    def test_paging_oldest_first_clamped(self, stack):
        first_admin(stack)
        s = Scim(stack)
        made = [s.create_user(f"p{i:02d}-{uuid.uuid4().hex[:6]}@example.com")["id"]
                for i in range(7)]
        # created within the same second: the order is (created_at, id) all the same
        everyone = [r["id"] for r in s.users(count=200)["Resources"]]
        assert set(made) <= set(everyone) and len(everyone) == 8
        rows = stack.sql("SELECT id FROM `user` ORDER BY created_at, id")
        assert everyone == [r[0] for r in rows]
        page = s.users(startIndex=3, count=2)
        assert page["startIndex"] == 3 and page["itemsPerPage"] == 2
        assert page["totalResults"] == 8
        assert [r["id"] for r in page["Resources"]] == everyone[2:4]
        assert s.users(startIndex=-5, count=1)["Resources"][0]["id"] == everyone[0]
        assert s.users(startIndex=1, count=-3) == {"schemas": [URN_LIST], "totalResults": 8,
                                                   "itemsPerPage": 0, "startIndex": 1,
                                                   "Resources": []}
        assert s.users(startIndex=100)["Resources"] == []
        assert s.users(startIndex=99999999999999999999)["Resources"] == []
        assert len(s.users()["Resources"]) == 8     # 20 by default


class TestAudit:
    POOL_ENV = SCIM_ENV

    def test_one_entry_per_write_with_names_never_values(self, stack):
        first_admin(stack)
        s = Scim(stack)
        mark = int(sql_one(stack, "SELECT COALESCE(MAX(id), 0) FROM audit_log"))
        u = s.create_user(uniq("au") + "@example.com", externalId="aud-ext-1",
                          password=PASSWORD)
        uid = u["id"]
        ok(s.patch(f"Users/{uid}", [{"op": "replace", "path": "name.givenName",
                                     "value": "Secretname"}]))
        ok(s.patch(f"Users/{uid}", [{"op": "replace", "value": {"active": False}}]))
        ok(s.patch(f"Users/{uid}", [{"op": "replace", "value": {"active": True}}]))
        ok(s.put(f"Users/{uid}", okta_user(u["userName"], password=NEW_PW)))
        g = s.create_group(uniq("ag"), [uid])
        ok(s.patch(f"Groups/{g['id']}", [{"op": "remove", "path": "members"}]))
        ok(s.delete(f"Groups/{g['id']}"), 204)
        ok(s.delete(f"Users/{uid}"), 204)
        scim_error(s.post("Users", {"userName": "not-an-address"}), 400, "invalidValue")
        rows = stack.sql("SELECT action, status, COALESCE(actor_id, 'NULL'), "
                         "COALESCE(actor_email, ''), COALESCE(target_id, ''), "
                         f"COALESCE(detail, '') FROM audit_log WHERE id > {mark} ORDER BY id")
        actions = [r[0] for r in rows]
        assert actions == ["scim.user.create", "scim.user.patch", "scim.user.deactivate",
                           "scim.user.reactivate", "scim.user.replace", "scim.group.create",
                           "scim.group.patch", "scim.group.delete", "scim.user.delete",
                           "scim.user.create"]
        for action, status, actor, actor_name, target, det in rows:
            assert actor == "NULL" and actor_name == "scim"
            assert TOKEN not in det and PASSWORD not in det and NEW_PW not in det
            assert "Secretname" not in det and "aud-ext-1" not in det
        assert rows[0][4] == uid and rows[0][1] == "201"
        assert "externalId" in rows[0][5] and "password" in rows[0][5]
        assert rows[1][5] == "name.givenName"
        assert rows[5][4] == g["id"] and rows[8][4] == uid and rows[8][1] == "204"
        assert rows[9][1] == "400"
        # the token is nowhere in the database or the log
        dump = stack.sql("SELECT CONCAT_WS(' ', action, detail, actor_email, user_agent) "
                         "FROM audit_log")
        assert all(TOKEN not in (r[0] or "") for r in dump)
        assert TOKEN not in stack.log_since(0)


class TestMigration:
    POOL_ENV = SCIM_ENV

    def test_externalids_in_scim_json_are_indexed_by_the_migration(self, stack):
        """Migration 013's last statement: externalIds written into `scim` JSON before it
        (an Open WebUI import) become index rows, found by `externalId eq`."""
        import pathlib
        first_admin(stack)
        s = Scim(stack)
        u = s.create_user(uniq("imp") + "@example.com")
        stack.sql("UPDATE `user` SET scim = JSON_OBJECT('okta', JSON_OBJECT('external_id', "
                  "'imp-1'), 'microsoft', JSON_OBJECT('external_id', 'ms-9'), 'odd', "
                  f"JSON_OBJECT('external_id', 5)) WHERE id = {sql_quote(u['id'])}")
        assert s.users('externalId eq "imp-1"')["totalResults"] == 0
        sql = (pathlib.Path(__file__).resolve().parents[2] / "sql" / "013_scim.sql").read_text()
        last = sql[sql.index("INSERT IGNORE INTO user_external_id"):]
        stack.sql(last)
        stack.sql(last)   # re-runnable
        assert s.users('externalId eq "imp-1"')["Resources"][0]["id"] == u["id"]
        rows = stack.sql("SELECT provider, external_id FROM user_external_id WHERE user_id = "
                         f"{sql_quote(u['id'])} ORDER BY provider")
        assert rows == [["microsoft", "ms-9"], ["okta", "imp-1"]]


class TestReplace:
    POOL_ENV = SCIM_ENV

    def test_put_replaces_what_it_does_not_send(self, stack):
        first_admin(stack)
        s = Scim(stack)
        mail = uniq("put") + "@example.com"
        u = s.create_user(mail, displayName="Pat Put", externalId="put-ext",
                          photos=[{"value": "https://img.example.com/p.png", "primary": True}])
        assert u["photos"][0]["value"] == "https://img.example.com/p.png"
        v = ok(s.put(f"Users/{u['id']}", {"schemas": [URN_USER], "userName": mail}))
        assert v["displayName"] == mail.split("@")[0]
        assert "photos" not in v and "externalId" not in v
        assert v["active"] is True
        # the users API's image rules hold
        scim_error(s.put(f"Users/{u['id']}", {"userName": mail, "photos": [
            {"value": "data:text/html;base64,PGgxPg=="}]}), 400, "invalidValue")
