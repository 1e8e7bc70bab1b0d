"""An Open WebUI import after migration 013 (usherctl import-openwebui): the externalIds in
the imported users' `scim` JSON are indexed in the import's own transaction, so an IdP's
`externalId eq` finds the imported account at once (no backfill by hand)."""
import json
import subprocess

from authlib import auth_env, auth_module, first_admin, sql_quote  # noqa: F401
from harness import BUILD
from scimlib import SCIM_ENV, Scim
import owuilib


class TestImportedExternalIds:
    POOL_ENV = SCIM_ENV

    def test_imported_scim_json_is_found_by_externalid(self, stack, tmp_path):
        first_admin(stack)
        path = tmp_path / "webui.db"
        sc = owuilib.scenario()
        for u in sc["users"]:   # ids and e-mails of their own, not those of other tests
            u["id"] = u["id"][:-6] + "5c1a" + u["id"][-2:]
            u["email"] = "scimimp-" + u["email"]
            u["key"] = None
        sc["groups"] = []
        sc["grants"] = []
        alice, bob, carol = sc["users"]

        def spoil(con):
            con.execute("UPDATE user SET scim = ? WHERE id = ?",
                        (json.dumps({"okta": {"external_id": "okta-alice-1"},
                                     "microsoft": {"external_id": "ms-alice"}}), alice["id"]))
            con.execute("UPDATE user SET scim = ? WHERE id = ?",
                        (json.dumps({"okta": {"external_id": 7}}), bob["id"]))

        owuilib.build(path, "v0.11", sc, extra=spoil)
        r = subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), "import-openwebui",
                            "--only", "users", str(path)], capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        s = Scim(stack)
        found = s.users('externalId eq "okta-alice-1"')
        assert found["totalResults"] == 1
        assert found["Resources"][0]["id"] == alice["id"]
        assert found["Resources"][0]["externalId"] == "okta-alice-1"
        # another provider's entry is indexed under its own key, a number is not an id
        rows = stack.sql("SELECT provider, external_id FROM user_external_id WHERE user_id IN ("
                         + ", ".join(sql_quote(u["id"]) for u in (alice, bob, carol))
                         + ") ORDER BY provider")
        assert rows == [["microsoft", "ms-alice"], ["okta", "okta-alice-1"]]
        assert s.users('externalId eq "7"')["totalResults"] == 0
