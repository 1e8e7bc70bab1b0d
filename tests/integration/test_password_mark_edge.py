"""A password change sets the revocation mark to the next millisecond
(db_user_mark_after_commit), which ends every token stamped before it, also one stamped in
the change's own millisecond that may have read the old hash. A sign-in sent after the
change's answer must never fall before it: the answer waits for the mark's millisecond to
begin (clock_wait_until_ms; so do a role change's and an admin's revoke-all, which set the
same kind of mark). On a fast machine the next sign-in otherwise stamped its token in the
mark's own millisecond, and the token it got back was refused at once (seen in CI,
test_auths.py; this test failed on every run without the wait)."""
from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    PASSWORD, add_user, auth_env, auth_module, expect, first_admin, signin_client,
)

ME = "/api/v1/auths/"
USERS = 30   # one sign-in per e-mail: the sign-in rate limit counts per e-mail


def test_a_signin_right_after_a_password_change_is_valid(stack):
    admin = first_admin(stack)
    for n in range(USERS):
        user = add_user(admin, name=f"Changer {n}")
        r = user.post("update/password", json={"password": PASSWORD, "new_password": "Other-pw2!"})
        assert expect(r, 200) is True
        fresh = signin_client(stack, user.user["email"], "Other-pw2!")
        expect(fresh.get(ME), 200)
        expect(user.get(ME), 200)   # the session that made the change is kept

