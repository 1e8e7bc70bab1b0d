"""Helpers of the account-security tests (usher-account-security.md): TOTP computed here
from RFC 6238 with the standard library, the contract's texts, enrolment."""
import base64
import hashlib
import hmac
import struct
import time

from authlib import PASSWORD, expect

MFA_REQUIRED = "Two-factor authentication required."
MFA_TOKEN_INVALID = "Your two-factor sign-in has expired or is invalid. Please sign in again."
MFA_CODE_INVALID = "Invalid two-factor authentication code."
MFA_ALREADY_ENABLED = "Two-factor authentication is already enabled."
MFA_NOT_ENABLED = "Two-factor authentication is not enabled."
MFA_NO_ENROLMENT = "No two-factor enrolment is in progress."
SESSION_REQUIRED = "This action needs a signed-in session; API keys cannot use it."
ACCOUNT_LOCKED = "Too many failed sign-in attempts. Please try again later."
ADDRESS_LOCKED = ("Too many failed sign-in attempts from your network address. "
                  "Please try again later.")


def totp_at(secret_b32, step):
    """RFC 6238 (HOTP of RFC 4226 over 30-second steps), HMAC-SHA1, 6 digits."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def now_step():
    return int(time.time()) // 30


class Totp:
    """An authenticator app that never offers a step the server has taken: each code() is
    for a later step than the one before, within the server's window (it waits for the
    next step when the window is used up)."""

    def __init__(self, secret):
        self.secret = secret
        self.last = 0

    def code(self):
        step = max(now_step(), self.last + 1)
        while step > now_step() + 1:   # one step ahead is the most the server takes
            time.sleep(max(0.05, (step - 1) * 30 - time.time() + 0.2))
        self.last = step
        return totp_at(self.secret, step)


def enrol(client, password=PASSWORD):
    """Turns two-factor on for client; returns (Totp, recovery codes, enroll answer)."""
    e = expect(client.post("mfa/totp/enroll", json={"password": password}), 200)
    app = Totp(e["secret"])
    r = expect(client.post("mfa/totp/confirm", json={"code": app.code()}), 200)
    assert r["enabled"] is True and len(r["recovery_codes"]) == 10
    return app, r["recovery_codes"], e


def first_step(stack, email, password=PASSWORD, **kw):
    """The first step of a sign-in with two-factor on: the mfa_token."""
    if not kw:
        kw = {"json": {"email": email, "password": password}}
    body = expect(stack.post("/api/v1/auths/signin", **kw), 401, MFA_REQUIRED)
    return body["mfa_token"]
