"""The /api/v1/auths endpoints, one by one: each success as a client sees it (fields,
cookies, what is stored) and each error the contract lists for it, with the exact text
(openwebui-users.md §1b, §3, §4.1, §7; openwebui-v0.11-deltas.md §1, where v0.11.0 wins).

Every test starts from an empty database (authlib.auth_env); classes with POOL_ENV run the
pool with those environment variables, as an Open WebUI operator would set them.
"""
import concurrent.futures
import time
from email.utils import parsedate_to_datetime

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, ACTION_PROHIBITED, ADMIN_CONFIG_DEFAULTS, AUTHS, EMAIL_TAKEN,
    INCORRECT_PASSWORD, INVALID_CRED, INVALID_EMAIL_FORMAT, INVALID_PASSWORD_DEFAULT,
    INVALID_TOKEN_SHORT, LDAP_NOT_ENABLED, ME, NO_OAUTH_SESSION, PASSWORD, PASSWORD_TOO_LONG,
    SESSION_USER_INFO_KEYS, SESSION_USER_KEYS, TOKEN_EXCHANGE_DISABLED, UNAUTHORIZED, Client,
    add_user, admin_config, auth_env, auth_module, cookie_deleted, cookie_headers, expect,
    first_admin, jwt_claims, make_group, set_admin_config, signin, signin_client, signup,
    sql_one, unique_email,
)

PNG_DATA_URI = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42"
                "mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def token_cookie(r):
    lines = cookie_headers(r, "token")
    assert len(lines) == 1, r.headers.get("Set-Cookie")
    attrs = {}
    parts = [p.strip() for p in lines[0].split(";")]
    value = parts[0].split("=", 1)[1]
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.lower()] = v
    return value, attrs


def assert_session_cookie(r, token, expires_at, same_site="Lax"):
    value, attrs = token_cookie(r)
    assert value == token
    assert "httponly" in attrs
    assert attrs.get("samesite") == same_site
    assert attrs.get("path") == "/"
    if expires_at is None:
        assert "expires" not in attrs and "max-age" not in attrs
    else:
        assert int(parsedate_to_datetime(attrs["expires"]).timestamp()) == expires_at
        assert abs(int(attrs["max-age"]) - (expires_at - time.time())) <= 5


# ---------------------------------------------------------------- POST /signup

def test_first_signup_becomes_admin_and_closes_signup(stack):
    r = signup(stack, "First.Admin@Example.COM", name="First Admin")
    u = expect(r, 200)
    assert set(u) == SESSION_USER_KEYS
    assert u["role"] == "admin"
    assert u["email"] == "first.admin@example.com"
    assert u["name"] == "First Admin"
    assert u["token_type"] == "Bearer"
    assert u["profile_image_url"] == f"/api/v1/users/{u['id']}/profile/image"
    assert isinstance(u["permissions"], dict) and u["permissions"]["chat"]["controls"] is True
    claims = jwt_claims(u["token"])
    assert claims["id"] == u["id"] and claims["jti"] and isinstance(claims["iat"], int)
    assert u["expires_at"] == claims["exp"]
    # the default JWT_EXPIRES_IN is 4w
    assert abs(u["expires_at"] - (time.time() + 28 * 86400)) < 30
    assert_session_cookie(r, u["token"], u["expires_at"])
    admin = Client(stack, u["token"], user=u)
    assert admin_config(admin)["ENABLE_SIGNUP"] is False
    assert sql_one(stack, f"SELECT role FROM `user` WHERE id = '{u['id']}'") == "admin"
    assert sql_one(stack, "SELECT value FROM config WHERE `key` = 'ui.enable_signup'") == "false"


def test_signup_is_refused_once_closed(stack):
    first_admin(stack)
    expect(signup(stack), 403, ACCESS_PROHIBITED)
    assert sql_one(stack, "SELECT COUNT(*) FROM `user`") == "1"


def test_second_signup_gets_default_user_role(stack):
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_SIGNUP=True)
    u = expect(signup(stack), 200)
    assert u["role"] == "pending"
    set_admin_config(admin, DEFAULT_USER_ROLE="user")
    u = expect(signup(stack), 200)
    assert u["role"] == "user"
    # signup stays open: only the first account closes it
    assert admin_config(admin)["ENABLE_SIGNUP"] is True


def test_signup_email_rules(stack):
    admin = first_admin(stack, "taken@example.com")
    set_admin_config(admin, ENABLE_SIGNUP=True)
    for bad in ("not-an-email", "a@b", "@example.com", "two@@example.com", ""):
        expect(signup(stack, bad), 400, INVALID_EMAIL_FORMAT)
    expect(signup(stack, "TAKEN@Example.com"), 400, EMAIL_TAKEN)
    # anything @localhost is a valid address
    assert expect(signup(stack, "Local@LOCALHOST"), 200)["email"] == "local@localhost"
    assert sql_one(stack, "SELECT COUNT(*) FROM `user`") == "2"


def test_signup_password_length_limit(stack):
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_SIGNUP=True)
    expect(signup(stack, password="x" * 73), 400, PASSWORD_TOO_LONG)
    expect(signup(stack, password="é" * 37), 400, PASSWORD_TOO_LONG)   # 74 bytes
    email = unique_email()
    expect(signup(stack, email, password="y" * 72), 200)
    expect(signin(stack, email, "y" * 72), 200)


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "file:///etc/passwd", "data:image/svg+xml;base64,PHN2Zz4=",
    "//evil.example/x.png", "/etc/passwd", "http://",
])
def test_signup_rejects_bad_profile_image_url(stack, url):
    r = signup(stack, profile_image_url=url)
    body = expect(r, 422)
    assert isinstance(body["detail"], list)
    assert body["detail"][0]["loc"] == ["body", "profile_image_url"]
    assert sql_one(stack, "SELECT COUNT(*) FROM `user`") == "0"


def test_signup_accepts_good_profile_image_urls(stack):
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_SIGNUP=True)
    for url in ("https://img.example.com/a.png", PNG_DATA_URI, "/user.png", "/favicon.png",
                "/static/favicon.png", "/api/v1/users/abc/profile/image"):
        u = expect(signup(stack, profile_image_url=url), 200)
        # sign-in answers always show the API path; the stored value is what was given
        assert u["profile_image_url"] == f"/api/v1/users/{u['id']}/profile/image"
        assert sql_one(stack, f"SELECT profile_image_url FROM `user` WHERE id = '{u['id']}'") == url
        assert expect(Client(stack, u["token"]).get(ME), 200)["profile_image_url"] == url


def test_signup_missing_fields_is_422(stack):
    r = stack.post(AUTHS + "/signup", json={"email": unique_email(), "password": PASSWORD})
    body = expect(r, 422)
    assert body["detail"][0]["type"] == "missing"
    assert body["detail"][0]["loc"] == ["body", "name"]


class TestFirstSignupIgnoresEnableSignupEnv:
    POOL_ENV = {"ENABLE_SIGNUP": "false"}

    def test_first_account_ignores_enable_signup_false(self, stack):
        admin = first_admin(stack)
        assert admin_config(admin)["ENABLE_SIGNUP"] is False
        expect(signup(stack), 403, ACCESS_PROHIBITED)


class TestLoginFormOffInitialAdmin:
    POOL_ENV = {"ENABLE_LOGIN_FORM": "false", "ENABLE_INITIAL_ADMIN_SIGNUP": "true"}

    def test_initial_admin_signup_then_closed(self, stack):
        admin = first_admin(stack)
        set_admin_config(admin, ENABLE_SIGNUP=True)
        # the login form is off: nobody else signs up, whatever ENABLE_SIGNUP says
        expect(signup(stack), 403, ACCESS_PROHIBITED)


class TestLoginFormOff:
    POOL_ENV = {"ENABLE_LOGIN_FORM": "false"}

    def test_no_first_signup_without_initial_admin_signup(self, stack):
        expect(signup(stack), 403, ACCESS_PROHIBITED)
        assert sql_one(stack, "SELECT COUNT(*) FROM `user`") == "0"


HINT = "At least 8 characters, with upper and lower case, a digit and a symbol."


class TestPasswordPolicyWithHint:
    POOL_ENV = {"ENABLE_PASSWORD_VALIDATION": "true", "PASSWORD_VALIDATION_HINT": HINT}

    def test_policy_applies_to_signup_add_and_new_password(self, stack):
        expect(signup(stack, password="weakpassword"), 400, HINT)
        admin = first_admin(stack)             # PASSWORD is Secret-pw1!: compliant
        r = admin.post("add", json={"name": "N", "email": unique_email(), "password": "short"})
        expect(r, 400, HINT)
        r = admin.post("update/password", json={"password": PASSWORD, "new_password": "nodigits!Aa"})
        expect(r, 400, HINT)
        # not applied on sign-in, and 72 bytes still come first
        expect(signin(stack, admin.email, "whatever"), 400, INVALID_CRED)
        r = admin.post("add", json={"name": "N", "email": unique_email(), "password": "Aa1!" + "x" * 70})
        expect(r, 400, PASSWORD_TOO_LONG)


class TestPasswordPolicyWithoutHint:
    POOL_ENV = {"ENABLE_PASSWORD_VALIDATION": "true"}

    def test_default_policy_text(self, stack):
        expect(signup(stack, password="alllowercase"), 400, INVALID_PASSWORD_DEFAULT)
        expect(signup(stack, password="Good-pass9"), 200)


# ---------------------------------------------------------------- POST /signin

def test_signin_answers_session_user_with_cookie(stack):
    admin = first_admin(stack, "boss@example.com")
    r = signin(stack, "Boss@Example.com")
    u = expect(r, 200)
    assert set(u) == SESSION_USER_KEYS
    assert u["id"] == admin.id and u["role"] == "admin" and u["email"] == "boss@example.com"
    assert u["profile_image_url"] == f"/api/v1/users/{admin.id}/profile/image"
    assert u["token"] != admin.token
    assert_session_cookie(r, u["token"], u["expires_at"])
    # a CSRF cookie for browser forms rides along (usher's difference #7)
    assert cookie_headers(r, "csrf_token")
    expect(Client(stack, u["token"]).get(ME), 200)


def test_signin_wrong_password_and_unknown_email(stack):
    admin = first_admin(stack)
    r = signin(stack, admin.email, "wrong")
    expect(r, 400, INVALID_CRED)
    assert not cookie_headers(r, "token")
    expect(signin(stack, "nobody@example.com"), 400, INVALID_CRED)
    expect(signin(stack, admin.email, PASSWORD + "x"), 400, INVALID_CRED)
    expect(signin(stack, admin.email, ""), 400, INVALID_CRED)


def test_signin_truncates_password_to_72_bytes(stack):
    # bcrypt sees 72 bytes: the reference truncates on sign-in, so a longer password
    # with the same first 72 bytes signs in (and is not refused as too long)
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_SIGNUP=True)
    email = unique_email()
    expect(signup(stack, email, password="p" * 72), 200)
    expect(signin(stack, email, "p" * 72 + "extra"), 200)


def test_pending_user_can_sign_in(stack):
    admin = first_admin(stack)
    pending = add_user(admin, role="pending")
    u = expect(signin(stack, pending.email), 200)
    assert u["role"] == "pending"
    me = expect(Client(stack, u["token"]).get(ME), 200)
    assert me["role"] == "pending" and me["id"] == pending.id


def test_signin_missing_fields_is_422(stack):
    body = expect(stack.post(AUTHS + "/signin", json={"email": "a@example.com"}), 422)
    assert body["detail"][0]["loc"] == ["body", "password"]


class TestPasswordAuthOffAndCookieFlags:
    POOL_ENV = {"ENABLE_PASSWORD_AUTH": "false", "WEBUI_AUTH_COOKIE_SAME_SITE": "strict",
                "WEBUI_AUTH_COOKIE_SECURE": "true",
                "WEBUI_AUTH_SIGNOUT_REDIRECT_URL": "https://sso.example.com/logout"}

    def test_signin_refused_with_password_auth_off(self, stack):
        admin = first_admin(stack)
        expect(signin(stack, admin.email), 403, ACTION_PROHIBITED)
        expect(signin(stack, admin.email, "wrong"), 403, ACTION_PROHIBITED)

    def test_cookie_flags_from_env(self, stack):
        r = signup(stack)
        u = expect(r, 200)
        value, attrs = token_cookie(r)
        assert value == u["token"]
        assert attrs.get("samesite") == "Strict"
        assert "secure" in attrs and "httponly" in attrs

    def test_signout_answers_redirect_url(self, stack):
        admin = first_admin(stack)
        r = admin.as_("cookie").post("signout", headers={"Content-Type": "application/json"})
        assert expect(r, 200) == {"status": True, "redirect_url": "https://sso.example.com/logout"}
        expect(admin.get(ME), 401, INVALID_TOKEN_SHORT)


# ---------------------------------------------------------------- GET /

def test_session_user_info(stack):
    admin = first_admin(stack, name="Info Admin")
    r = admin.get(ME)
    u = expect(r, 200)
    assert set(u) == SESSION_USER_INFO_KEYS
    assert u["token"] == admin.token and u["token_type"] == "Bearer"
    assert u["expires_at"] == jwt_claims(admin.token)["exp"]
    assert (u["id"], u["email"], u["name"], u["role"]) == (admin.id, admin.email, "Info Admin", "admin")
    # GET / shows the stored image (the sign-up default), not the API path
    assert u["profile_image_url"] == "/user.png"
    for k in ("bio", "gender", "date_of_birth", "status_emoji", "status_message", "status_expires_at"):
        assert u[k] is None
    assert u["permissions"]["settings"]["interface"] is True
    # the cookie is re-sent for the token presented
    assert_session_cookie(r, admin.token, u["expires_at"])
    # the same with the token as cookie only
    r = admin.as_("cookie").get(ME)
    assert expect(r, 200)["id"] == admin.id
    assert token_cookie(r)[0] == admin.token


def test_session_user_info_empty_image_shows_api_path(stack):
    admin = first_admin(stack)
    stack.sql(f"UPDATE `user` SET profile_image_url = '' WHERE id = '{admin.id}'")
    u = expect(admin.get(ME), 200)
    assert u["profile_image_url"] == f"/api/v1/users/{admin.id}/profile/image"


def test_session_user_info_anonymous(stack):
    expect(stack.get(ME), 401, "Not authenticated")


# ---------------------------------------------------------------- sign-out

def test_signout_post_with_cookie_only_revokes(stack):
    admin = first_admin(stack)
    c = signin_client(stack, admin.email)
    # as the v0.11 client: POST, JSON content type, no body, no Authorization header
    r = c.as_("cookie").post("signout", headers={"Content-Type": "application/json"})
    assert expect(r, 200) == {"status": True}
    for name in ("token", "oui-session", "oauth_id_token"):
        assert cookie_deleted(r, name), name
    expect(c.get(ME), 401, INVALID_TOKEN_SHORT)
    expect(c.as_("cookie").get(ME), 401, INVALID_TOKEN_SHORT)
    # other sessions of the same user live on
    expect(admin.get(ME), 200)
    jti = jwt_claims(c.token)["jti"]
    assert sql_one(stack, f"SELECT COUNT(*) FROM revoked_token WHERE jti = '{jti}'") == "1"


def test_signout_revokes_a_token_without_expiry(stack):
    # usher's difference #1: the reference cannot revoke a token without exp at all
    admin = first_admin(stack)
    set_admin_config(admin, JWT_EXPIRES_IN="-1")
    c = signin_client(stack, admin.email)
    assert "exp" not in jwt_claims(c.token)
    expect(c.post("signout"), 200)
    expect(c.get(ME), 401, INVALID_TOKEN_SHORT)
    jti = jwt_claims(c.token)["jti"]
    assert sql_one(stack, f"SELECT expires_at FROM revoked_token WHERE jti = '{jti}'") == "NULL"


def test_signout_get_with_bearer_revokes(stack):
    admin = first_admin(stack)
    c = signin_client(stack, admin.email)
    assert expect(c.get("signout"), 200) == {"status": True}
    expect(c.get(ME), 401, INVALID_TOKEN_SHORT)


def test_signout_without_a_token_or_with_garbage(stack):
    r = stack.post(AUTHS + "/signout")
    assert expect(r, 200) == {"status": True}
    assert cookie_deleted(r, "token")
    r = Client(stack, "not.a.token").post("signout")
    assert expect(r, 200) == {"status": True}
    r = stack.post(AUTHS + "/signout", cookies={"oauth_session_id": "x"})
    assert expect(r, 200) == {"status": True}
    assert cookie_deleted(r, "oauth_session_id")


# ---------------------------------------------------------------- profile, timezone, password

def test_update_profile_and_omitted_fields_become_null(stack):
    admin = first_admin(stack)
    body = {"name": "New Name", "profile_image_url": PNG_DATA_URI, "bio": "hello",
            "gender": "other", "date_of_birth": "1990-02-03"}
    r = admin.post("update/profile", json=body)
    assert expect(r, 200) == {"id": admin.id, "name": "New Name", "role": "admin",
                              "email": admin.email, "profile_image_url": PNG_DATA_URI}
    me = expect(admin.get(ME), 200)
    assert (me["name"], me["bio"], me["gender"], me["date_of_birth"]) == \
        ("New Name", "hello", "other", "1990-02-03")
    assert me["profile_image_url"] == PNG_DATA_URI
    r = admin.post("update/profile", json={"name": "Again", "profile_image_url": "/user.png"})
    expect(r, 200)
    me = expect(admin.get(ME), 200)
    assert me["name"] == "Again"
    assert (me["bio"], me["gender"], me["date_of_birth"]) == (None, None, None)


def test_update_profile_validation(stack):
    admin = first_admin(stack)
    r = admin.post("update/profile", json={"name": "X", "profile_image_url": "javascript:alert(1)"})
    assert expect(r, 422)["detail"][0]["loc"] == ["body", "profile_image_url"]
    r = admin.post("update/profile", json={"name": "X"})
    assert expect(r, 422)["detail"][0]["loc"] == ["body", "profile_image_url"]
    for dob in ("soon", "1990-02-30", "1990-2-3"):
        r = admin.post("update/profile", json={"name": "X", "profile_image_url": "", "date_of_birth": dob})
        assert expect(r, 422)["detail"][0]["loc"] == ["body", "date_of_birth"], dob
    r = admin.post("update/profile", json={"name": "X", "profile_image_url": "", "bio": 5})
    assert expect(r, 422)["detail"][0]["loc"] == ["body", "bio"]
    assert expect(admin.get(ME), 200)["name"] == "Admin"


def test_update_timezone(stack):
    admin = first_admin(stack)
    pending = add_user(admin, role="pending")
    for c in (admin, pending):    # pending users may set it too (§4.1)
        assert expect(c.post("update/timezone", json={"timezone": "Europe/Paris"}), 200) == {"status": True}
        assert sql_one(stack, f"SELECT timezone FROM `user` WHERE id = '{c.id}'") == "Europe/Paris"


def test_update_password_wrong_current(stack):
    admin = first_admin(stack)
    r = admin.post("update/password", json={"password": "wrong", "new_password": "Other-pw2!"})
    expect(r, 400, INCORRECT_PASSWORD)
    expect(admin.get(ME), 200)


def test_update_password_too_long(stack):
    admin = first_admin(stack)
    r = admin.post("update/password", json={"password": PASSWORD, "new_password": "z" * 73})
    expect(r, 400, PASSWORD_TOO_LONG)
    expect(signin(stack, admin.email), 200)


def test_update_password_revokes_old_tokens_new_signin_works_at_once(stack):
    admin = first_admin(stack)
    other = signin_client(stack, admin.email)
    r = admin.post("update/password", json={"password": PASSWORD, "new_password": "Other-pw2!"})
    assert expect(r, 200) is True
    changed = time.time()
    # a sign-in right away (same second as the change) works, and so does its token
    fresh = signin_client(stack, admin.email, "Other-pw2!")
    expect(fresh.get(ME), 200)
    same_second = int(time.time()) == int(changed)
    # every other token from before the change is dead, on every worker; the session that
    # made the change keeps working (issue 7: the v0.11.0 frontend keeps sending it)
    for _ in range(6):
        expect(admin.get(ME), 200)
        expect(other.get(ME), 401, INVALID_TOKEN_SHORT)
        expect(fresh.get(ME), 200)
    expect(signin(stack, admin.email), 400, INVALID_CRED)
    # pending users may change their password
    pending = add_user(fresh, role="pending")
    r = pending.post("update/password", json={"password": PASSWORD, "new_password": "Pend-pw3!"})
    assert expect(r, 200) is True
    expect(signin(stack, pending.email, "Pend-pw3!"), 200)
    if not same_second:
        pytest.skip("the sign-in fell into the next second; the rest was checked")


# ---------------------------------------------------------------- POST /add

def test_add_user(stack):
    admin = first_admin(stack)
    r = admin.post("add", json={"name": "Added", "email": "Added@Example.com",
                                "password": PASSWORD, "role": "user"})
    u = expect(r, 200)
    assert set(u) == {"token", "token_type", "id", "email", "name", "role", "profile_image_url"}
    assert (u["email"], u["name"], u["role"], u["token_type"]) == \
        ("added@example.com", "Added", "user", "Bearer")
    assert u["profile_image_url"] == f"/api/v1/users/{u['id']}/profile/image"
    assert not cookie_headers(r, "token"), "no cookie for /add"
    me = expect(Client(stack, u["token"]).get(ME), 200)
    assert me["id"] == u["id"] and me["role"] == "user" and me["profile_image_url"] == "/user.png"
    expect(signin(stack, "added@example.com"), 200)
    # the role defaults to pending; an admin may add admins
    r = admin.post("add", json={"name": "P", "email": unique_email(), "password": PASSWORD})
    assert expect(r, 200)["role"] == "pending"
    assert add_user(admin, role="admin").user["role"] == "admin"


def test_add_user_errors(stack):
    admin = first_admin(stack, "boss@example.com")
    user = add_user(admin, role="user")
    body = {"name": "N", "email": "BOSS@example.com", "password": PASSWORD}
    expect(admin.post("add", json=body), 400, EMAIL_TAKEN)
    expect(admin.post("add", json=dict(body, email="bad-address")), 400, INVALID_EMAIL_FORMAT)
    expect(admin.post("add", json=dict(body, email=unique_email(), password="x" * 73)), 400,
           PASSWORD_TOO_LONG)
    r = admin.post("add", json=dict(body, email=unique_email(), profile_image_url="javascript:x"))
    expect(r, 422)
    expect(user.post("add", json=dict(body, email=unique_email())), 401, ACCESS_PROHIBITED)
    expect(stack.post(AUTHS + "/add", json=dict(body, email=unique_email())), 401, "Not authenticated")
    assert sql_one(stack, "SELECT COUNT(*) FROM `user`") == "2"


# ---------------------------------------------------------------- GET /admin/details

def test_admin_details(stack):
    admin = first_admin(stack, "first@example.com", name="First")
    pending = add_user(admin, role="pending")
    second = add_user(admin, role="admin", email="second@example.com", name="Second")
    assert expect(pending.get("admin/details"), 200) == {"name": "First", "email": "first@example.com"}
    set_admin_config(admin, ADMIN_EMAIL="Second@Example.com")
    # the configured address is shown as configured; the name comes from that account
    assert expect(pending.get("admin/details"), 200) == {"name": "Second", "email": "Second@Example.com"}
    set_admin_config(second, SHOW_ADMIN_DETAILS=False)
    expect(pending.get("admin/details"), 400, ACTION_PROHIBITED)


# ---------------------------------------------------------------- admin config

def test_admin_config_defaults(stack):
    admin = first_admin(stack)
    cfg = admin_config(admin)
    assert list(cfg) == list(ADMIN_CONFIG_DEFAULTS)
    assert cfg == dict(ADMIN_CONFIG_DEFAULTS, ENABLE_SIGNUP=False)


def test_admin_config_round_trip_seen_by_every_worker(stack):
    admin = first_admin(stack)
    changes = {
        "SHOW_ADMIN_DETAILS": False, "ADMIN_EMAIL": "ops@example.com",
        "WEBUI_URL": "https://chat.example.com", "ENABLE_SIGNUP": True, "ENABLE_API_KEYS": True,
        "ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS": True, "API_KEYS_ALLOWED_ENDPOINTS": "/api/v1/models",
        "DEFAULT_USER_ROLE": "user", "DEFAULT_GROUP_ID": "g1", "JWT_EXPIRES_IN": "12h",
        "ENABLE_COMMUNITY_SHARING": False, "ENABLE_MESSAGE_RATING": False, "ENABLE_FOLDERS": False,
        "FOLDER_MAX_FILE_COUNT": 5, "AUTOMATION_MAX_COUNT": "7", "AUTOMATION_MIN_INTERVAL": "",
        "ENABLE_AUTOMATIONS": False, "ENABLE_CHANNELS": True, "CHANNEL_MODEL_RESPONSE_MODE": "channel",
        "ENABLE_CALENDAR": False, "ENABLE_MEMORIES": False, "ENABLE_MEMORY_SYSTEM_CONTEXT": False,
        "ENABLE_NOTES": False, "ENABLE_USER_WEBHOOKS": True, "ENABLE_USER_STATUS": False,
        "PENDING_USER_OVERLAY_TITLE": "Wait", "PENDING_USER_OVERLAY_CONTENT": "An admin will look",
        "RESPONSE_WATERMARK": "made by AI",
    }
    assert set(changes) == set(ADMIN_CONFIG_DEFAULTS)
    want = dict(changes, AUTOMATION_MAX_COUNT=7)
    assert expect(admin.post("admin/config", json=changes), 200) == want
    # many at once on separate connections, so every worker answers some: all see it
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        seen = list(ex.map(lambda _: admin_config(admin), range(24)))
    assert seen == [want] * 24


def test_admin_config_requires_memory_system_context(stack):
    admin = first_admin(stack)
    cfg = admin_config(admin)
    del cfg["ENABLE_MEMORY_SYSTEM_CONTEXT"]
    cfg["ENABLE_SIGNUP"] = True
    body = expect(admin.post("admin/config", json=cfg), 422)
    assert body["detail"][0]["type"] == "missing"
    assert body["detail"][0]["loc"] == ["body", "ENABLE_MEMORY_SYSTEM_CONTEXT"]
    assert admin_config(admin)["ENABLE_SIGNUP"] is False


def test_admin_config_invalid_role_and_expiry_keep_old_value(stack):
    admin = first_admin(stack)
    set_admin_config(admin, DEFAULT_USER_ROLE="user", JWT_EXPIRES_IN="90m")
    for role, expiry in (("superuser", "forever"), ("", "10 minutes"), ("Admin", "1h30m"),
                         ("user ", "5x"), ("user", "-2d"), ("user", "250ms")):
        cfg = set_admin_config(admin, DEFAULT_USER_ROLE=role, JWT_EXPIRES_IN=expiry, ENABLE_NOTES=False)
        assert cfg["DEFAULT_USER_ROLE"] == "user"
        assert cfg["JWT_EXPIRES_IN"] == "90m"
        assert cfg["ENABLE_NOTES"] is False      # the rest of the form is stored
    for expiry in ("-1", "0", "1.5h", "1s", "3w"):
        assert set_admin_config(admin, JWT_EXPIRES_IN=expiry)["JWT_EXPIRES_IN"] == expiry
    for role in ("admin", "pending", "user"):
        assert set_admin_config(admin, DEFAULT_USER_ROLE=role)["DEFAULT_USER_ROLE"] == role


def test_admin_config_optional_fields_take_defaults_when_omitted(stack):
    admin = first_admin(stack)
    set_admin_config(admin, ADMIN_EMAIL="a@example.com", CHANNEL_MODEL_RESPONSE_MODE="channel",
                     PENDING_USER_OVERLAY_TITLE="T", RESPONSE_WATERMARK="W")
    cfg = admin_config(admin)
    for k in ("ADMIN_EMAIL", "CHANNEL_MODEL_RESPONSE_MODE", "PENDING_USER_OVERLAY_TITLE",
              "PENDING_USER_OVERLAY_CONTENT", "RESPONSE_WATERMARK", "FOLDER_MAX_FILE_COUNT",
              "AUTOMATION_MAX_COUNT", "AUTOMATION_MIN_INTERVAL"):
        del cfg[k]
    got = expect(admin.post("admin/config", json=cfg), 200)
    assert got["ADMIN_EMAIL"] is None
    assert got["CHANNEL_MODEL_RESPONSE_MODE"] == "thread"
    assert got["PENDING_USER_OVERLAY_TITLE"] is None and got["RESPONSE_WATERMARK"] is None
    # a mode other than thread/channel is not stored
    assert set_admin_config(admin, CHANNEL_MODEL_RESPONSE_MODE="channel")["CHANNEL_MODEL_RESPONSE_MODE"] == "channel"
    assert set_admin_config(admin, CHANNEL_MODEL_RESPONSE_MODE="popup")["CHANNEL_MODEL_RESPONSE_MODE"] == "channel"


@pytest.mark.parametrize("given,stored", [(5, 5), ("7", 7), ("", ""), (0, ""), (None, ""), ("0", "")])
def test_admin_config_count_fields_int_or_empty(stack, given, stored):
    admin = first_admin(stack)
    cfg = set_admin_config(admin, FOLDER_MAX_FILE_COUNT=given)
    assert cfg["FOLDER_MAX_FILE_COUNT"] == stored
    assert admin_config(admin)["FOLDER_MAX_FILE_COUNT"] == stored


def test_admin_config_count_field_not_a_number_changes_nothing(stack):
    admin = first_admin(stack)
    set_admin_config(admin, AUTOMATION_MAX_COUNT=3)
    cfg = admin_config(admin)
    cfg.update(AUTOMATION_MAX_COUNT="lots", ENABLE_NOTES=False)
    r = admin.post("admin/config", json=cfg)
    assert r.status_code in (422, 500), r.text
    after = admin_config(admin)
    assert after["AUTOMATION_MAX_COUNT"] == 3 and after["ENABLE_NOTES"] is True


def test_admin_config_needs_admin(stack):
    admin = first_admin(stack)
    user = add_user(admin, role="user")
    expect(user.get("admin/config"), 401, ACCESS_PROHIBITED)
    expect(user.post("admin/config", json=admin_config(admin)), 401, ACCESS_PROHIBITED)


def test_jwt_expires_in_applies_to_new_tokens(stack):
    admin = first_admin(stack)
    set_admin_config(admin, JWT_EXPIRES_IN="-1")
    r = signin(stack, admin.email)
    u = expect(r, 200)
    assert u["expires_at"] is None and "exp" not in jwt_claims(u["token"])
    assert_session_cookie(r, u["token"], None)
    assert expect(Client(stack, u["token"]).get(ME), 200)["expires_at"] is None
    set_admin_config(Client(stack, u["token"]), JWT_EXPIRES_IN="90m")
    r = signin(stack, admin.email)
    u = expect(r, 200)
    assert abs(u["expires_at"] - (time.time() + 5400)) < 10
    assert_session_cookie(r, u["token"], u["expires_at"])
    # a negative duration, which would make every token born expired, is refused (issue 9)
    assert set_admin_config(Client(stack, u["token"]), JWT_EXPIRES_IN="-1m")["JWT_EXPIRES_IN"] == "90m"
    alive = expect(signin(stack, admin.email), 200)
    expect(Client(stack, alive["token"]).get(ME), 200)


# ---------------------------------------------------------------- LDAP, OAuth, token exchange

def test_ldap_config_round_trip(stack):
    admin = first_admin(stack)
    assert expect(admin.get("admin/config/ldap"), 200) == {"ENABLE_LDAP": False}
    assert expect(admin.post("admin/config/ldap", json={"enable_ldap": True}), 200) == {"ENABLE_LDAP": True}
    assert expect(admin.get("admin/config/ldap"), 200) == {"ENABLE_LDAP": True}
    assert expect(admin.post("admin/config/ldap", json={"enable_ldap": False}), 200) == {"ENABLE_LDAP": False}


# Open WebUI's defaults as a fresh install resolves them (openwebui-ldap.md §1).
LDAP_SERVER_DEFAULTS = {
    "label": "LDAP Server", "host": "localhost", "port": 389, "attribute_for_mail": "mail",
    "attribute_for_username": "uid", "app_dn": "", "app_dn_password": "", "search_base": "",
    "search_filters": "", "use_tls": True, "certificate_path": "", "validate_cert": True,
    "ciphers": "ALL", "enable_group_management": False, "enable_group_creation": False,
    "attribute_for_groups": "memberOf",
}


def test_ldap_server_settings(stack):
    admin = first_admin(stack)
    assert expect(admin.get("admin/config/ldap/server"), 200) == LDAP_SERVER_DEFAULTS
    good = {"label": "Corp", "host": "ldap.example.com", "port": 636, "app_dn": "cn=app",
            "app_dn_password": "pw", "search_base": "dc=example,dc=com", "use_tls": True}
    for field in ("label", "host", "search_base", "attribute_for_mail", "attribute_for_username"):
        r = admin.post("admin/config/ldap/server", json=dict(good, **{field: ""}))
        expect(r, 400, f"Required field {field} is empty")
    r = admin.post("admin/config/ldap/server",
                   json=dict(good, enable_group_management=True, attribute_for_groups=""))
    expect(r, 400, "Required field attribute_for_groups is empty")
    assert expect(admin.get("admin/config/ldap/server"), 200) == LDAP_SERVER_DEFAULTS
    # An absent optional field takes the form's default (certificate_path: null).
    want = dict(LDAP_SERVER_DEFAULTS, certificate_path=None, **good)
    assert expect(admin.post("admin/config/ldap/server", json=good), 200) == want
    assert expect(admin.get("admin/config/ldap/server"), 200) == want


def test_ldap_signin_not_enabled(stack):
    r = stack.post(AUTHS + "/ldap", json={"user": "jdoe", "password": "pw"})
    expect(r, 400, LDAP_NOT_ENABLED)
    # the body is validated first, as FastAPI does with the LdapForm
    r = stack.post(AUTHS + "/ldap", json={"user": "jdoe"})
    assert expect(r, 422)["detail"][0]["loc"] == ["body", "password"]


def test_oauth_config_and_sessions(stack):
    admin = first_admin(stack)
    # the effective value: nothing stored, no environment, Open WebUI's default (true); the
    # sign-in itself needs a configured provider (test_oidc_*.py)
    assert expect(admin.get("admin/config/oauth"), 200)["ENABLE_OAUTH"] is True
    expect(admin.delete("oauth/sessions/google"), 404, NO_OAUTH_SESSION)


def test_token_exchange_disabled(stack):
    r = stack.post(AUTHS + "/oauth/google/token/exchange", json={"token": "abc"})
    expect(r, 403, TOKEN_EXCHANGE_DISABLED)


# ---------------------------------------------------------------- admin settings from the environment

class TestAdminConfigEnvDefaults:
    POOL_ENV = {"JWT_EXPIRES_IN": "2h", "DEFAULT_USER_ROLE": "user", "ENABLE_API_KEYS": "true",
                "SHOW_ADMIN_DETAILS": "false", "FOLDER_MAX_FILE_COUNT": "12",
                "WEBUI_URL": "https://chat.example.com", "ENABLE_CHANNELS": "True"}

    def test_environment_gives_the_defaults_until_an_admin_stores_one(self, stack):
        admin = first_admin(stack)
        assert abs(admin.user["expires_at"] - (time.time() + 7200)) < 10
        cfg = admin_config(admin)
        assert cfg == dict(ADMIN_CONFIG_DEFAULTS, ENABLE_SIGNUP=False, JWT_EXPIRES_IN="2h",
                           DEFAULT_USER_ROLE="user", ENABLE_API_KEYS=True, SHOW_ADMIN_DETAILS=False,
                           FOLDER_MAX_FILE_COUNT=12, WEBUI_URL="https://chat.example.com",
                           ENABLE_CHANNELS=True)
        expect(admin.post("api_key"), 200)
        expect(admin.get("admin/details"), 400, ACTION_PROHIBITED)
        set_admin_config(admin, ENABLE_SIGNUP=True)
        assert expect(signup(stack), 200)["role"] == "user"
        # a stored value wins over the environment
        set_admin_config(admin, JWT_EXPIRES_IN="30m", DEFAULT_USER_ROLE="pending")
        u = expect(signup(stack), 200)
        assert u["role"] == "pending" and abs(u["expires_at"] - (time.time() + 1800)) < 10


class TestUnparsableExpiryEnv:
    POOL_ENV = {"JWT_EXPIRES_IN": "forever"}

    def test_a_typo_does_not_make_tokens_immortal(self, stack):
        admin = first_admin(stack)
        assert admin.user["expires_at"] is not None
        assert abs(admin.user["expires_at"] - (time.time() + 28 * 86400)) < 30
        assert admin_config(admin)["JWT_EXPIRES_IN"] == "4w"


def test_non_ascii_email_is_lowercased_like_python(stack):
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_SIGNUP=True)
    u = expect(signup(stack, "ÄNNE@Example.com"), 200)
    assert u["email"] == "änne@example.com"
    assert expect(signin(stack, "änne@example.com"), 200)["id"] == u["id"]


def test_new_accounts_join_the_default_group(stack):
    admin = first_admin(stack)
    gid = make_group(stack, "Everyone")
    stack.sql(f"UPDATE `group` SET permissions = '{{\"features\": {{\"api_keys\": true}}}}', "
              f"updated_at = 1000 WHERE id = '{gid}'")
    set_admin_config(admin, ENABLE_SIGNUP=True, DEFAULT_GROUP_ID=gid)
    signed_up = expect(signup(stack), 200)
    added = add_user(admin, role="user")
    for uid in (signed_up["id"], added.id):
        assert sql_one(stack, f"SELECT COUNT(*) FROM group_member WHERE group_id = '{gid}' "
                              f"AND user_id = '{uid}'") == "1"
    assert int(sql_one(stack, f"SELECT updated_at FROM `group` WHERE id = '{gid}'")) > 1000
    # the group's permissions count in the session user's tree (most permissive wins)
    assert signed_up["permissions"]["features"]["api_keys"] is True
    assert expect(added.get(ME), 200)["permissions"]["features"]["api_keys"] is True
    assert admin.user["permissions"]["features"]["api_keys"] is False
    # an id that names no group adds nobody and fails nothing
    set_admin_config(admin, DEFAULT_GROUP_ID="no-such-group")
    expect(signup(stack), 200)
    assert sql_one(stack, "SELECT COUNT(*) FROM group_member") == "2"
