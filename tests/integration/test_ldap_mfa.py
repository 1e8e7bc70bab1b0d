"""LDAP sign-in and usher's own account security together: an account with two-factor sign-in
on owes its second factor after the directory checked its password, as after a password
sign-in (the directory vouches for the password, not for the phone); the session it ends in
says how it began."""

from authlib import AUTHS, Client, expect
from ldaplib import PEOPLE_ROWS, directory, ldap_pool, world  # noqa: F401 (fixtures)
from securitylib import MFA_REQUIRED, enrol

SIGNIN_MFA = AUTHS + "/signin/mfa"



def test_ldap_signin_of_an_account_with_two_factor_asks_for_the_code(world):
    stack = world.stack
    # An account that exists locally (found by e-mail by the LDAP sign-in), with a local
    # password to enrol with.
    local = expect(world.admin.post("add", json={"name": "Bob", "email": "bob.builder@example.org",
                                                 "password": "Local-pw-1", "role": "user"}), 200)
    bob = Client(stack, local["token"])
    app, _, _ = enrol(bob, "Local-pw-1")

    r = world.ldap("bob", PEOPLE_ROWS["bob"][2])
    body = expect(r, 401, MFA_REQUIRED)
    assert "token" not in body and not r.cookies.get("token")
    s = expect(stack.post(SIGNIN_MFA, json={"mfa_token": body["mfa_token"], "code": app.code()}),
               200)
    assert s["id"] == local["id"]
    me = Client(stack, s["token"])
    sessions = expect(me.get("sessions"), 200)
    mine = [x for x in sessions if x["current"]]
    assert len(mine) == 1 and mine[0]["mfa"] is True, sessions


def test_ldap_session_says_ldap(world):
    u = world.ok("bob")
    sessions = expect(Client(world.stack, u["token"]).get("sessions"), 200)
    mine = [x for x in sessions if x["current"]]
    assert len(mine) == 1 and mine[0]["method"] == "ldap" and mine[0]["mfa"] is False, sessions
