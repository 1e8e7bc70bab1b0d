"""Two-factor sign-in (usher-account-security.md §1): enrolment, confirmation, the two-step
sign-in over every body encoding, codes once each on every worker, recovery codes, disabling,
the admin's and usherctl's reset, the mfa_token never a credential, nothing secret at rest."""
import re
import subprocess
import threading
import time
import urllib.parse

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, INCORRECT_PASSWORD, INVALID_CRED, INVALID_TOKEN, ME, PASSWORD,
    UNAUTHORIZED, USER_NOT_FOUND, Client, add_user, auth_env, auth_module, cookie_headers,
    expect, first_admin, set_admin_config, signin,
)
from harness import BUILD
from securitylib import (
    MFA_ALREADY_ENABLED, MFA_CODE_INVALID, MFA_NO_ENROLMENT, MFA_NOT_ENABLED, MFA_REQUIRED,
    MFA_TOKEN_INVALID, SESSION_REQUIRED, Totp, enrol, first_step, now_step, totp_at,
)

SIGNIN_MFA = "/api/v1/auths/signin/mfa"
RECOVERY_RE = re.compile(r"^[a-z0-9]{5}-[a-z0-9]{5}$")


def ctl(stack, *args):
    return subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), "user", *args],
                          capture_output=True, text=True, timeout=120)


def audit_actions(stack):
    return [r[0] for r in stack.sql("SELECT action FROM audit_log ORDER BY id")]


def test_enrol_confirm_and_the_two_step_signin(stack):
    admin = first_admin(stack)
    user = add_user(admin)
    off = {"enabled": False, "enabled_at": None, "pending": False, "recovery_codes_remaining": 0}
    assert expect(user.get("mfa"), 200) == off
    expect(user.post("mfa/totp/enroll", json={"password": "wrong-pw"}), 400, INCORRECT_PASSWORD)
    expect(user.post("mfa/totp/confirm", json={"code": "123456"}), 400, MFA_NO_ENROLMENT)
    e = expect(user.post("mfa/totp/enroll", json={"password": PASSWORD}), 200)
    assert re.fullmatch(r"[A-Z2-7]{32}", e["secret"])
    email = urllib.parse.quote(user.email, safe="")
    assert e["otpauth_uri"] == (f"otpauth://totp/usher:{email}?secret={e['secret']}&issuer=usher"
                                "&algorithm=SHA1&digits=6&period=30")
    assert expect(user.get("mfa"), 200)["pending"] is True
    # a restart of the enrolment replaces the secret; the old one no longer confirms
    e2 = expect(user.post("mfa/totp/enroll", json={"password": PASSWORD}), 200)
    assert e2["secret"] != e["secret"]
    expect(user.post("mfa/totp/confirm", json={"code": totp_at(e["secret"], now_step())}), 400,
           MFA_CODE_INVALID)
    expect(user.post("mfa/totp/confirm", json={"code": "12345"}), 400, MFA_CODE_INVALID)
    assert expect(user.get("mfa"), 200)["enabled"] is False
    app = Totp(e2["secret"])
    r = expect(user.post("mfa/totp/confirm", json={"code": app.code()}), 200)
    assert r["enabled"] is True and len(set(r["recovery_codes"])) == 10
    assert all(RECOVERY_RE.match(c) for c in r["recovery_codes"])
    st = expect(user.get("mfa"), 200)
    assert st["enabled"] is True and st["pending"] is False
    assert st["recovery_codes_remaining"] == 10 and abs(st["enabled_at"] - time.time()) < 60
    expect(user.post("mfa/totp/enroll", json={"password": PASSWORD}), 400, MFA_ALREADY_ENABLED)

    # the first step: 401 with the mfa_token, nothing that signs in
    expect(signin(stack, user.email, "wrong-pw"), 400, INVALID_CRED)
    r = signin(stack, user.email)
    body = expect(r, 401, MFA_REQUIRED)
    assert body["mfa_required"] is True and body["methods"] == ["totp", "recovery_code"]
    assert body["expires_in"] == 300 and len(body["mfa_token"]) >= 22 and "token" not in body
    assert not cookie_headers(r, "token") and not cookie_headers(r, "csrf_token")
    token = body["mfa_token"]
    # the confirmation's code was used; a wrong code keeps the mfa_token usable
    expect(stack.post(SIGNIN_MFA, json={"mfa_token": token, "code": totp_at(app.secret, app.last)}),
           400, MFA_CODE_INVALID)
    expect(stack.post(SIGNIN_MFA, json={"mfa_token": token, "code": "000000x"}), 400,
           MFA_CODE_INVALID)
    expect(stack.post(SIGNIN_MFA, json={"mfa_token": "forged", "code": app.code()}), 401,
           MFA_TOKEN_INVALID)
    code = app.code()
    r = stack.post(SIGNIN_MFA, json={"mfa_token": token, "code": code})
    s = expect(r, 200)
    assert s["id"] == user.id and s["token_type"] == "Bearer" and s["token"]
    assert cookie_headers(r, "token") and cookie_headers(r, "csrf_token")
    assert expect(Client(stack, s["token"]).get(ME), 200)["id"] == user.id
    # the code is spent, and the mfa_token was good for one sign-in
    t2 = first_step(stack, user.email)
    expect(stack.post(SIGNIN_MFA, json={"mfa_token": t2, "code": code}), 400, MFA_CODE_INVALID)
    expect(stack.post(SIGNIN_MFA, json={"mfa_token": token, "code": app.code()}), 401,
           MFA_TOKEN_INVALID)
    # a form without its fields is FastAPI's 422
    assert stack.post(SIGNIN_MFA, json={"mfa_token": t2}).status_code == 422
    acts = audit_actions(stack)
    assert "auth.mfa_enable" in acts and "auth.signin_mfa" in acts


def test_codes_two_steps_away_and_an_expired_token_are_refused(stack):
    admin = first_admin(stack)
    user = add_user(admin)
    app, _, _ = enrol(user)
    token = first_step(stack, user.email)
    for off in (-2, 2, 3):
        expect(stack.post(SIGNIN_MFA, json={"mfa_token": token,
                                            "code": totp_at(app.secret, now_step() + off)}),
               400, MFA_CODE_INVALID)
    stack.sql("UPDATE mfa_challenge SET expires_at = UNIX_TIMESTAMP() - 1")
    expect(stack.post(SIGNIN_MFA, json={"mfa_token": token, "code": app.code()}), 401,
           MFA_TOKEN_INVALID)


def test_every_encoding_and_the_browser_form(stack):
    admin = first_admin(stack)
    user = add_user(admin)
    _, codes, _ = enrol(user)
    creds = {"email": user.email, "password": PASSWORD}
    # urlencoded, both steps; the recovery code typed in capitals without its hyphen
    t = first_step(stack, user.email, data=creds)
    s = expect(stack.post(SIGNIN_MFA, data={"mfa_token": t,
                                            "code": codes[0].replace("-", "").upper()}), 200)
    assert s["id"] == user.id
    # multipart, both steps
    files = {k: (None, v) for k, v in creds.items()}
    t = first_step(stack, user.email, files=files)
    s = expect(stack.post(SIGNIN_MFA, files={"mfa_token": (None, t), "code": (None, codes[1])}),
               200)
    assert s["id"] == user.id
    # a browser form post with next: the first step still 401 whatever Accept says, the
    # second a 303 with the cookie
    html = {"Accept": "text/html"}
    t = first_step(stack, user.email, data=dict(creds, next="/somewhere"), headers=html)
    r = stack.post(SIGNIN_MFA, data={"mfa_token": t, "code": codes[2], "next": "/somewhere"},
                   headers=html, allow_redirects=False)
    assert r.status_code in (200, 303), r.text
    assert cookie_headers(r, "token")
    # each recovery code once
    t = first_step(stack, user.email)
    expect(stack.post(SIGNIN_MFA, json={"mfa_token": t, "code": codes[0]}), 400, MFA_CODE_INVALID)
    assert expect(user.get("mfa"), 200)["recovery_codes_remaining"] == 7


def test_each_code_once_on_every_worker(stack):
    admin = first_admin(stack)
    user = add_user(admin)
    app, codes, _ = enrol(user)
    for code in (app.code(), codes[0]):
        tokens = [first_step(stack, user.email) for _ in range(4)]
        results = []
        barrier = threading.Barrier(len(tokens))

        def go(t, code=code):
            barrier.wait()
            results.append(stack.post(SIGNIN_MFA, json={"mfa_token": t, "code": code}).status_code)
        threads = [threading.Thread(target=go, args=(t,)) for t in tokens]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert sorted(results) == [200, 400, 400, 400], results


def test_regenerate_and_disable(stack):
    admin = first_admin(stack)
    user = add_user(admin)
    expect(user.post("mfa/recovery_codes/regenerate", json={"password": PASSWORD}), 400,
           MFA_NOT_ENABLED)
    expect(user.post("mfa/disable", json={"password": PASSWORD, "code": "123456"}), 400,
           MFA_NOT_ENABLED)
    app, old, _ = enrol(user)
    expect(user.post("mfa/recovery_codes/regenerate", json={"password": "nope"}), 400,
           INCORRECT_PASSWORD)
    new = expect(user.post("mfa/recovery_codes/regenerate", json={"password": PASSWORD}),
                 200)["recovery_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    t = first_step(stack, user.email)
    expect(stack.post(SIGNIN_MFA, json={"mfa_token": t, "code": old[3]}), 400, MFA_CODE_INVALID)
    expect(stack.post(SIGNIN_MFA, json={"mfa_token": t, "code": new[3]}), 200)
    # disable: the password, then a code
    expect(user.post("mfa/disable", json={"password": "nope", "code": new[0]}), 400,
           INCORRECT_PASSWORD)
    expect(user.post("mfa/disable", json={"password": PASSWORD, "code": "999999"}), 400,
           MFA_CODE_INVALID)
    assert expect(user.get("mfa"), 200)["enabled"] is True
    assert expect(user.post("mfa/disable", json={"password": PASSWORD, "code": app.code()}),
                  200) == {"enabled": False}
    assert expect(user.get("mfa"), 200) == {"enabled": False, "enabled_at": None,
                                           "pending": False, "recovery_codes_remaining": 0}
    assert stack.sql(f"SELECT COUNT(*) FROM user_mfa_recovery WHERE user_id = '{user.id}'") == [["0"]]
    expect(signin(stack, user.email), 200)
    acts = audit_actions(stack)
    assert "auth.mfa_recovery_codes" in acts and "auth.mfa_disable" in acts


def test_mfa_token_is_no_credential_and_keys_cannot_use_the_routes(stack):
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_API_KEYS=True)
    user = add_user(admin)
    enrol(user)
    t = first_step(stack, user.email)
    for how in ("bearer", "cookie", "x-api-key"):
        r = Client(stack, t, how).get(ME)
        assert r.status_code == 401, (how, r.text)
    key = expect(admin.post("api_key"), 200)["api_key"]
    k = Client(stack, key, "x-api-key")
    for method, path, body in (("GET", "mfa", None),
                               ("POST", "mfa/totp/enroll", {"password": PASSWORD}),
                               ("POST", "mfa/disable", {"password": PASSWORD, "code": "1"}),
                               ("POST", "mfa/recovery_codes/regenerate", {"password": PASSWORD})):
        expect(k.request(method, path, json=body), 403, SESSION_REQUIRED)
    # a cookie session's form post needs its CSRF token, as every cookie form post
    cookie = user.as_("cookie")
    r = cookie.post("mfa/recovery_codes/regenerate", data={"password": PASSWORD})
    assert r.status_code == 403, r.text


def test_admin_reset_and_usherctl(stack):
    admin = first_admin(stack)
    user = add_user(admin)
    other = add_user(admin)
    enrol(user)
    assert expect(admin.get(f"/api/v1/users/{user.id}/mfa"), 200)["enabled"] is True
    expect(other.get(f"/api/v1/users/{user.id}/mfa"), 401, ACCESS_PROHIBITED)
    expect(other.delete(f"/api/v1/users/{user.id}/mfa"), 401, ACCESS_PROHIBITED)
    expect(admin.delete("/api/v1/users/no-such-user/mfa"), 400, USER_NOT_FOUND)
    expect(admin.get("/api/v1/users/no-such-user/mfa"), 400, USER_NOT_FOUND)
    assert expect(admin.delete(f"/api/v1/users/{user.id}/mfa"), 200) is True
    assert expect(admin.get(f"/api/v1/users/{user.id}/mfa"), 200)["enabled"] is False
    expect(signin(stack, user.email), 200)
    enrol(user)
    first_step(stack, user.email)
    r = ctl(stack, "reset-mfa", user.email.upper())
    assert r.returncode == 0, r.stderr
    expect(signin(stack, user.email), 200)
    assert ctl(stack, "reset-mfa", "nobody@example.org").returncode == 1
    rows = stack.sql("SELECT target_id FROM audit_log WHERE action = 'user.mfa_reset'")
    assert rows == [[user.id], [user.id]]


def test_no_secret_or_recovery_code_at_rest(stack):
    admin = first_admin(stack)
    user = add_user(admin)
    app, codes, e = enrol(user)
    first_step(stack, user.email)
    dump = subprocess.run(["mariadb-dump", "--no-defaults", f"--socket={stack.db_socket}",
                           "-uroot", "--hex-blob", "usher"], capture_output=True, timeout=60)
    assert dump.returncode == 0, dump.stderr
    text = dump.stdout.decode("utf-8", "replace")
    import base64
    raw = base64.b32decode(e["secret"])
    forms = [e["secret"], e["secret"].lower(), raw.hex(), raw.hex().upper(),
             base64.b64encode(raw).decode().rstrip("="),
             base64.urlsafe_b64encode(raw).decode().rstrip("=")]
    for c in codes:
        forms += [c, c.replace("-", ""), c.upper(), c.replace("-", "").upper()]
    for f in forms:
        assert f not in text, "a secret or recovery code is readable in the dump"
    assert raw not in dump.stdout
