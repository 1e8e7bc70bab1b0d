"""A deactivated account (SCIM `active: false`, openwebui-scim.md B.6) signs in by no door:
through the OpenID provider either. Its login ends with the reference's ACCESS_PROHIBITED
text and no token cookie; after reactivation the same provider login works again."""
from authlib import ACCESS_PROHIBITED, ME, Client, expect
from oidclib import (assert_refused, login, oidc_env, oidc_module, provider,  # noqa: F401
                     walk)
from scimlib import SCIM_ENV, Scim


class TestDeactivatedThroughScim:
    OIDC_ENV = dict(SCIM_ENV)

    def test_deactivated_account_is_refused_and_reactivated_one_signs_in(self, stack, provider):
        provider.set_account("alice", email="alice@example.com", email_verified=True,
                             name="Alice")
        provider.set_account("bob", email="bob@example.com", email_verified=True, name="Bob")
        login(stack, provider, "alice")                 # the first account: the admin
        _, token = login(stack, provider, "bob")
        bob = expect(Client(stack, token).get(ME), 200)
        scim = Scim(stack)
        off = [{"op": "replace", "path": "active", "value": False}]
        assert scim.patch(f"Users/{bob['id']}", off).status_code == 200

        w = walk(stack, provider, "bob")
        assert_refused(stack, w.callback, ACCESS_PROHIBITED)
        assert Client(stack, token).get(ME).status_code == 401   # and the old token is dead

        on = [{"op": "replace", "path": "active", "value": True}]
        assert scim.patch(f"Users/{bob['id']}", on).status_code == 200
        _, again = login(stack, provider, "bob")
        assert expect(Client(stack, again).get(ME), 200)["id"] == bob["id"]
