"""The account security page and the two-step /usher/login (usher-account-security.md §7)
over plain HTTP: enrolment with the QR code read back by zbar to the same otpauth URI,
confirmation with the recovery codes shown once, the code form of the sign-in, the session
list with its revoke forms, and the API keys (shown once, deleted); valid HTML, CSRF."""
import html as htmlmod
import re
import urllib.parse

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ME, PASSWORD, Client, add_user, auth_env, auth_module, expect, first_admin, set_admin_config,
)
from pagelib import PREFIX, PageClient, hidden, page_text, validate
from qrlib import decode_qr
from securitylib import Totp


def text(r):
    return htmlmod.unescape(r.text)


def test_enrol_with_the_qr_code_and_sign_in_in_two_steps(stack):
    admin = first_admin(stack)
    user = add_user(admin)
    p = PageClient(stack)
    assert p.signin(user.email, PASSWORD).status_code == 303
    r = p.get("/account/security")
    assert r.status_code == 200
    validate(r.text)
    assert 'action="%s/account/security/mfa/enroll"' % PREFIX in r.text
    # a post without the CSRF field is refused
    assert p.post("/account/security/mfa/enroll", {"password": PASSWORD}).status_code == 403
    r = p.form_post("/account/security", "/account/security/mfa/enroll", {"password": "wrong"})
    assert r.status_code == 400 and "The password provided is incorrect" in text(r)
    r = p.form_post("/account/security", "/account/security/mfa/enroll", {"password": PASSWORD})
    assert r.status_code == 200, r.text[:500]
    validate(r.text)
    assert "data:" not in r.text
    uri = decode_qr(r.text)
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
    shown = re.search(r'class="secret">([A-Z2-7 ]+)<', r.text).group(1)
    assert shown.replace(" ", "") == secret
    assert uri == (f"otpauth://totp/usher:{urllib.parse.quote(user.email, safe='')}?secret={secret}"
                   "&issuer=usher&algorithm=SHA1&digits=6&period=30")
    app = Totp(secret)
    r = p.form_post("/account/security", "/account/security/mfa/confirm", {"code": "000000"})
    assert r.status_code == 400 and "Invalid two-factor authentication code." in text(r)
    r = p.form_post("/account/security", "/account/security/mfa/confirm", {"code": app.code()})
    assert r.status_code == 200
    codes = re.findall(r'<li class="code">([a-z0-9]{5}-[a-z0-9]{5})</li>', r.text)
    assert len(set(codes)) == 10
    again = p.get("/account/security").text
    assert not any(c in again for c in codes)             # shown once
    assert "10 recovery codes left" in page_text(again)

    # the two-step sign-in of /usher/login
    q = PageClient(stack)
    r = q.signin(user.email, PASSWORD)
    assert r.status_code == 200 and not q.token()
    validate(r.text)
    assert re.search(r'<input[^>]*autocomplete="one-time-code"', r.text)
    assert 'name="code"' in r.text and hidden(r.text, "mfa_token")
    form = {"mfa_token": hidden(r.text, "mfa_token"), "form_token": hidden(r.text, "form_token")}
    r = q.post("/login/mfa", dict(form, code="000000"))
    assert r.status_code == 400 and "Invalid two-factor authentication code." in text(r)
    r = q.post("/login/mfa", dict(form, code=app.code()))
    assert r.status_code == 303 and r.headers["Location"] == PREFIX + "/account"
    assert expect(Client(stack, q.token()).get(ME), 200)["id"] == user.id
    # a recovery code works as well, once
    z = PageClient(stack)
    r = z.signin(user.email, PASSWORD)
    form = {"mfa_token": hidden(r.text, "mfa_token"), "form_token": hidden(r.text, "form_token")}
    assert z.post("/login/mfa", dict(form, code=codes[0])).status_code == 303

    # sessions: the list marks this one; a revoke form per other; sign out everywhere else
    r = p.get("/account/security")
    assert "This session" in page_text(r.text)
    ids = re.findall(r'action="%s/account/security/sessions/([^/"]+)/revoke"' % PREFIX, r.text)
    assert len(ids) >= 2
    r = p.form_post("/account/security", f"/account/security/sessions/{ids[0]}/revoke", {})
    assert r.status_code == 303
    r = p.form_post("/account/security", "/account/security/sessions/revoke_others", {})
    assert r.status_code == 303
    assert Client(stack, q.token()).get(ME).status_code == 401
    assert Client(stack, z.token()).get(ME).status_code == 401
    assert Client(stack, p.token()).get(ME).status_code == 200


def test_api_keys_on_the_page(stack):
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_API_KEYS=True)
    p = PageClient(stack)
    assert p.signin(admin.email, PASSWORD).status_code == 303
    r = p.form_post("/account/security", "/account/security/api-keys",
                    {"name": "<b>report</b>", "expires_in_days": "7"})
    assert r.status_code == 200
    validate(r.text)
    key = re.search(r'value="(sk-[0-9a-f]{32})"', r.text).group(1)
    assert "<b>report</b>" not in r.text and "&lt;b&gt;report&lt;/b&gt;" in r.text
    assert expect(Client(stack, key, "x-api-key").get(ME), 200)["id"] == admin.id
    page = p.get("/account/security").text
    assert key not in page and key[:7] in page
    kid = re.search(r'action="%s/account/security/api-keys/([^/"]+)/delete"' % PREFIX, page).group(1)
    r = p.form_post("/account/security", f"/account/security/api-keys/{kid}/delete", {})
    assert r.status_code == 303
    assert Client(stack, key, "x-api-key").get(ME).status_code == 401


def test_admin_user_page_resets_unlocks_and_signs_out(stack):
    admin = first_admin(stack)
    user = add_user(admin)
    from securitylib import enrol, first_step
    enrol(user)
    first_step(stack, user.email)
    stack.sql("INSERT INTO signin_lockout (subject_key, failures, last_failure_at, locked_until) "
              f"VALUES (SHA2(CONCAT('user:', '{user.id}'), 256), 20, UNIX_TIMESTAMP(), "
              "UNIX_TIMESTAMP() + 600)")
    p = PageClient(stack)
    assert p.signin(admin.email, PASSWORD).status_code == 303
    page = f"/admin/users/{user.id}"
    r = p.get(page)
    validate(r.text)
    assert "Two-factor sign-in: on" in page_text(r.text)
    for action in ("/mfa/reset", "/unlock", "/sessions/revoke"):
        r = p.form_post(page, page + action, {})
        assert r.status_code == 303, (action, r.text[:300])
    assert expect(admin.get(f"/api/v1/users/{user.id}/mfa"), 200)["enabled"] is False
    assert Client(stack, user.token).get(ME).status_code == 401
    expect(stack.post("/api/v1/auths/signin", json={"email": user.email, "password": PASSWORD}),
           200)
