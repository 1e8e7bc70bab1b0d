"""The sign-in lockout (usher-account-security.md §4) with small thresholds and locks of
seconds set through the USHER_LOCKOUT_* environment: identical locked answers, an unknown
address locked alike, a second lock twice as long, wrong second-factor codes counted,
unlock by API and usherctl, spraying from one address, and the audit rows."""
import subprocess
import time

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, INVALID_CRED, PASSWORD, USER_NOT_FOUND, add_user, auth_env, auth_module,
    expect, first_admin, signin, unique_email,
)
from harness import BUILD
from securitylib import ACCOUNT_LOCKED, ADDRESS_LOCKED, MFA_CODE_INVALID, enrol, first_step

SIGNIN_MFA = "/api/v1/auths/signin/mfa"


def ctl(stack, *args):
    return subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), "user", *args],
                          capture_output=True, text=True, timeout=120)


def clear(stack):
    stack.sql("DELETE FROM signin_lockout; DELETE FROM signin_address_failure; "
              "DELETE FROM audit_log")


def answer(r):
    """What a caller sees of a locked answer, but the Date header and Retry-After's value."""
    headers = {k.lower(): v for k, v in r.headers.items() if k.lower() not in ("date", "retry-after")}
    return r.status_code, r.content, headers


def fail(stack, email, n, **kw):
    for _ in range(n):
        expect(signin(stack, email, "wrong-password", **kw), 400, INVALID_CRED)


class TestAccountLockout:
    POOL_ENV = {"USHER_LOCKOUT_THRESHOLD": "3", "USHER_LOCKOUT_DURATION": "2s",
                "USHER_LOCKOUT_MAX_DURATION": "1h"}

    def test_locked_answers_are_identical_and_a_second_lock_is_twice_as_long(self, stack):
        clear(stack)
        admin = first_admin(stack)
        user = add_user(admin)
        fail(stack, user.email, 3)
        right, wrong = signin(stack, user.email), signin(stack, user.email, "wrong-password")
        expect(right, 429, ACCOUNT_LOCKED)
        assert answer(right) == answer(wrong)
        first = int(right.headers["Retry-After"])
        assert 1 <= first <= 2
        rows = stack.sql("SELECT target_type, target_id FROM audit_log WHERE action = 'auth.lockout'")
        assert rows == [["user", user.id]]
        time.sleep(first + 0.3)
        # locked attempts did not count: two more failures do not lock, the third does
        fail(stack, user.email, 2)
        expect(signin(stack, user.email, "wrong-password"), 400, INVALID_CRED)
        second = signin(stack, user.email)
        expect(second, 429, ACCOUNT_LOCKED)
        assert 3 <= int(second.headers["Retry-After"]) <= 4   # twice the first lock
        time.sleep(2.2)
        expect(signin(stack, user.email), 429, ACCOUNT_LOCKED)
        time.sleep(2.2)
        expect(signin(stack, user.email), 200)
        # a completed sign-in starts the count again
        fail(stack, user.email, 2)
        expect(signin(stack, user.email), 200)

    def test_unknown_address_is_locked_alike(self, stack):
        clear(stack)
        admin = first_admin(stack)
        user = add_user(admin)
        ghost = unique_email("ghost")
        fail(stack, ghost, 3)
        fail(stack, user.email, 3)
        a, b = signin(stack, ghost, "wrong-password"), signin(stack, user.email, "wrong-password")
        expect(a, 429, ACCOUNT_LOCKED)
        assert answer(a) == answer(b)
        rows = stack.sql("SELECT target_id FROM audit_log WHERE action = 'auth.lockout'")
        assert rows == [[user.id]]   # none for an address no account has

    def test_wrong_second_factor_codes_count(self, stack):
        clear(stack)
        admin = first_admin(stack)
        user = add_user(admin)
        app, _, _ = enrol(user)
        token = first_step(stack, user.email)
        for _ in range(3):
            expect(stack.post(SIGNIN_MFA, json={"mfa_token": token, "code": "000000"}), 400,
                   MFA_CODE_INVALID)
        r = stack.post(SIGNIN_MFA, json={"mfa_token": token, "code": app.code()})
        expect(r, 429, ACCOUNT_LOCKED)
        assert int(r.headers["Retry-After"]) >= 1
        expect(signin(stack, user.email), 429, ACCOUNT_LOCKED)

    def test_unlock_by_api_and_usherctl(self, stack):
        clear(stack)
        admin = first_admin(stack)
        user = add_user(admin)
        other = add_user(admin)
        stack.sql("UPDATE signin_lockout SET locked_until = 0")
        fail(stack, user.email, 3)
        expect(signin(stack, user.email), 429, ACCOUNT_LOCKED)
        expect(other.post(f"/api/v1/users/{user.id}/unlock"), 401, ACCESS_PROHIBITED)
        expect(admin.post("/api/v1/users/nobody/unlock"), 400, USER_NOT_FOUND)
        assert expect(admin.post(f"/api/v1/users/{user.id}/unlock"), 200) is True
        expect(signin(stack, user.email), 200)
        fail(stack, user.email, 3)
        expect(signin(stack, user.email), 429, ACCOUNT_LOCKED)
        r = ctl(stack, "unlock", user.email)
        assert r.returncode == 0, r.stderr
        expect(signin(stack, user.email), 200)
        assert ctl(stack, "unlock", "nobody@example.org").returncode == 1
        rows = stack.sql("SELECT target_id FROM audit_log WHERE action = 'user.unlock'")
        assert rows == [[user.id], [user.id]]


class TestAddressLockout:
    POOL_ENV = {"USHER_LOCKOUT_IP_THRESHOLD": "5", "USHER_TRUSTED_PROXIES": "127.0.0.1"}

    def test_spraying_from_one_address(self, stack):
        clear(stack)
        admin = first_admin(stack)
        user = add_user(admin)
        sprayer = {"X-Forwarded-For": "203.0.113.77"}
        for _ in range(5):   # five accounts, one wrong password each
            fail(stack, unique_email("spray"), 1, headers=sprayer)
        r = signin(stack, user.email, headers=sprayer)
        expect(r, 429, ADDRESS_LOCKED)
        assert int(r.headers["Retry-After"]) >= 1
        expect(signin(stack, user.email, "wrong-password", headers=sprayer), 429, ADDRESS_LOCKED)
        # another address, and the loopback (exempt by default), are not limited
        expect(signin(stack, user.email, headers={"X-Forwarded-For": "198.51.100.4"}), 200)
        expect(signin(stack, user.email), 200)
        rows = stack.sql("SELECT target_type, target_id FROM audit_log "
                         "WHERE action = 'auth.address_lockout'")
        assert rows == [["address", "203.0.113.77"]]
