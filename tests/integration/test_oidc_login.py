"""Sign-in through a real OpenID provider (issue 20; openwebui-oauth.md §1-§7): the login
redirect and its parameters (PKCE S256 always), the account made, found again and merged by
e-mail, the `oauth` link, the cookies of the callback, roles, groups and the picture. The
provider is oidc-provider on a loopback port (oidclib.py, tests/oidc/); every login goes
through its own login and consent forms.

Every test starts from an empty database; classes set OIDC_ENV for the pool's environment.
"""
import base64
import http.server
import json
import re
import threading
import urllib.parse

import pytest
import requests

from authlib import (ACCESS_PROHIBITED, EMAIL_TAKEN, ME, Client, expect, first_admin,
                     jwt_claims, make_group, add_member, sql_one)
from oidclib import (CALLBACK, INVALID_CRED, assert_refused, login,
                     new_caches, oidc_env, oidc_module, provider, walk)  # noqa: F401  (fixtures)
from authlib import cookie_headers

B64URL = re.compile(r"^[A-Za-z0-9_-]+$")


def me(stack, token):
    return expect(Client(stack, token).get(ME), 200)


def user_by_email(stack, email):
    rows = stack.sql(f"SELECT id, role, name, oauth, profile_image_url FROM `user` "
                     f"WHERE email = '{email}'")
    return rows[0] if rows else None


def n_users(stack):
    return int(sql_one(stack, "SELECT COUNT(*) FROM `user`"))


# ---------------------------------------------------------------- the redirect
def test_login_redirects_to_the_provider_with_pkce_state_and_nonce(stack, provider):
    s = requests.Session()
    r = s.get(stack.url("/oauth/oidc/login"), allow_redirects=False)
    assert r.status_code == 302, r.text
    loc = r.headers["Location"]
    assert loc.startswith(provider.issuer + "/auth?"), loc
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(loc).query))
    assert q["response_type"] == "code"
    assert q["client_id"] == "usher-basic"
    assert q["redirect_uri"] == stack.base_url + CALLBACK
    assert q["scope"].split() == ["openid", "email", "profile"]
    assert q["code_challenge_method"] == "S256"
    # S256 of a verifier: 32 bytes of SHA-256 in base64url without padding
    assert len(q["code_challenge"]) == 43 and B64URL.match(q["code_challenge"])
    # at least 128 bits each: 22 characters of base64url/alphanumerics, 32 of hex
    for k in ("state", "nonce"):
        assert len(q[k]) >= 22 and B64URL.match(q[k]), (k, q[k])
    assert q["state"] != q["nonce"]
    # the pending login is bound to this browser by an HttpOnly, SameSite=Lax cookie
    lines = r.raw.headers.getlist("Set-Cookie")
    assert lines, "no binding cookie"
    for line in lines:
        low = line.lower()
        assert "httponly" in low and "samesite=lax" in low, line
    # another login: everything random is new
    r2 = requests.get(stack.url("/oauth/oidc/login"), allow_redirects=False)
    q2 = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r2.headers["Location"]).query))
    for k in ("state", "nonce", "code_challenge"):
        assert q2[k] != q[k]


def test_login_callback_alias_and_unknown_providers(stack, provider):
    # /oauth/oidc/login/callback is the same handler: without a code it refuses, not 404
    r = stack.get("/oauth/oidc/login/callback")
    assert_refused(stack, r)
    for name in ("google", "microsoft", "github", "feishu", "nope"):
        r = stack.get(f"/oauth/{name}/login")
        assert r.status_code == 404, (name, r.status_code)
        assert r.json() == {"detail": "Not Found"}


class TestOAuthOff:
    OIDC_ENV = {"ENABLE_OAUTH": "false"}

    def test_login_and_callback_are_404(self, stack, provider):
        for path in ("/oauth/oidc/login", "/oauth/oidc/callback", "/oauth/oidc/login/callback"):
            r = stack.get(path)
            assert r.status_code == 404, (path, r.status_code, r.text)
            assert r.json() == {"detail": "Not Found"}


class TestOAuthSwitchedAtRuntime:
    def test_stored_enable_oauth_false_wins_on_every_worker(self, stack, provider):
        admin = first_admin(stack)
        assert expect(admin.get("admin/config/oauth"), 200).get("ENABLE_OAUTH") is True
        expect(admin.post("admin/config/oauth", json={"ENABLE_OAUTH": False}), 200)
        for _ in range(3 * stack.max_children()):
            r = stack.get("/oauth/oidc/login")
            assert r.status_code == 404, r.text


# ---------------------------------------------------------------- accounts
def test_first_login_creates_the_admin_with_the_link_and_cookies(stack, provider):
    provider.set_account("alice", email="Alice@Example.COM", email_verified=True,
                         name="Alice Liddell")
    w, token = login(stack, provider, "alice")
    assert w.callback.status_code == 307
    assert w.callback.headers["Location"] == stack.base_url + "/auth"
    # the provider itself checked PKCE: the code was redeemed with the right verifier
    assert provider.counts().get("token") == 1
    u = me(stack, token)
    assert u["email"] == "alice@example.com"          # lowercased
    assert u["name"] == "Alice Liddell"
    assert u["role"] == "admin"                        # the only account
    row = user_by_email(stack, "alice@example.com")
    assert row[3].replace(" ", "") == '{"oidc":{"sub":"alice"}}'
    assert row[4] == "/user.png"
    c = jwt_claims(token)
    assert c["id"] == u["id"] and c.get("jti") and c.get("iat") and c.get("exp")
    # cookies: token not HttpOnly, SameSite=Lax, path /, Max-Age = the JWT lifetime (4w)
    (line,) = cookie_headers(w.callback, "token")
    low = line.lower()
    assert "httponly" not in low
    assert "samesite=lax" in low and "path=/" in low
    assert "max-age=2419200" in low, line
    (sid_line,) = cookie_headers(w.callback, "oauth_session_id")
    assert "httponly" in sid_line.lower()
    assert w.callback.cookies.get("oauth_session_id") == \
        sql_one(stack, "SELECT id FROM oauth_session")
    # the audit log records the account made through the OIDC door
    uid = u["id"]
    n = sql_one(stack, "SELECT COUNT(*) FROM audit_log WHERE (target_id = '%s' OR actor_id = '%s') "
                       "AND CONCAT(action, ' ', COALESCE(detail, ''), ' ', COALESCE(user_agent, '')) "
                       "LIKE '%%oidc%%'" % (uid, uid))
    assert int(n) >= 1, stack.sql("SELECT action, detail, user_agent FROM audit_log")


class TestCookieSettings:
    OIDC_ENV = {"WEBUI_AUTH_COOKIE_SAME_SITE": "strict", "WEBUI_AUTH_COOKIE_SECURE": "true",
                "JWT_EXPIRES_IN": "-1"}

    def test_same_site_secure_and_no_max_age_for_a_token_that_never_expires(self, stack,
                                                                            provider):
        provider.set_account("cy", email="cy@example.com")
        s = requests.Session()
        w = walk(stack, provider, "cy", session=s, call_back=False)
        # The binding cookie stays SameSite=Lax whatever the sign-in cookie's setting: the
        # callback is a navigation from the provider's site, which a Strict cookie misses.
        for line in w.login_answer.raw.headers.getlist("Set-Cookie"):
            assert "samesite=lax" in line.lower(), line
        # The stack speaks plain HTTP; behind TLS the browser would send its Secure cookies
        # back, so the jar is told to do so here.
        for c in s.cookies:
            c.secure = False
        r = s.get(w.callback_url, allow_redirects=False, timeout=30)
        lines = cookie_headers(r, "token")
        assert len(lines) == 1, (r.status_code, r.headers.get("Location"))
        low = lines[0].lower()
        assert "samesite=strict" in low and "secure" in low, lines[0]
        assert "max-age" not in low and "expires" not in low, lines[0]
        assert "exp" not in jwt_claims(lines[0].split("=", 1)[1].split(";", 1)[0])


def test_second_login_finds_the_same_account_by_sub(stack, provider):
    provider.set_account("bob", email="bob@example.com", name="Bob")
    _, t1 = login(stack, provider, "bob")
    # the e-mail at the provider changes: the account is found by sub, and kept as it was
    provider.set_account("bob", email="robert@example.com", name="Robert")
    _, t2 = login(stack, provider, "bob")
    assert me(stack, t1)["id"] == me(stack, t2)["id"]
    assert n_users(stack) == 1
    assert me(stack, t2)["email"] == "bob@example.com"
    assert me(stack, t2)["name"] == "Bob"


class TestUpdateOnLogin:
    OIDC_ENV = {"OAUTH_UPDATE_NAME_ON_LOGIN": "true", "OAUTH_UPDATE_EMAIL_ON_LOGIN": "true"}

    def test_name_and_email_refreshed_unless_taken(self, stack, provider):
        first_admin(stack, "taken@example.com")
        provider.set_account("carl", email="carl@example.com", name="Carl")
        _, t = login(stack, provider, "carl")
        provider.set_account("carl", email="carl2@example.com", name="Carl Two")
        login(stack, provider, "carl")
        u = me(stack, t)
        assert (u["email"], u["name"]) == ("carl2@example.com", "Carl Two")
        # an e-mail another account has is left unchanged
        provider.set_account("carl", email="taken@example.com", name="Carl Three")
        login(stack, provider, "carl")
        u = me(stack, t)
        assert (u["email"], u["name"]) == ("carl2@example.com", "Carl Three")


def test_name_defaults_to_the_email(stack, provider):
    provider.set_account("dora", email="dora@example.com")
    _, t = login(stack, provider, "dora")
    assert me(stack, t)["name"] == "dora@example.com"


def test_email_of_a_password_account_is_email_taken_without_merge(stack, provider):
    first_admin(stack, "erin@example.com")
    provider.set_account("erin", email="Erin@example.com", name="Erin")
    w = walk(stack, provider, "erin")
    assert_refused(stack, w.callback, EMAIL_TAKEN)
    assert n_users(stack) == 1
    assert sql_one(stack, "SELECT oauth FROM `user`") in (None, "NULL")
    assert int(sql_one(stack, "SELECT COUNT(*) FROM oauth_session")) == 0


class TestMergeByEmail:
    OIDC_ENV = {"OAUTH_MERGE_ACCOUNTS_BY_EMAIL": "true"}

    def test_links_the_existing_account(self, stack, provider):
        admin = first_admin(stack, "fay@example.com")
        provider.set_account("fay-sub", email="FAY@example.com", name="Fay at the IdP")
        _, t = login(stack, provider, "fay-sub")
        u = me(stack, t)
        assert u["id"] == admin.id and u["role"] == "admin"
        assert n_users(stack) == 1
        oauth = sql_one(stack, f"SELECT oauth FROM `user` WHERE id = '{admin.id}'")
        assert oauth.replace(" ", "") == '{"oidc":{"sub":"fay-sub"}}'
        # from now on found by sub, whatever the e-mail says
        provider.set_account("fay-sub", email="other@example.com")
        _, t2 = login(stack, provider, "fay-sub")
        assert me(stack, t2)["id"] == admin.id


class TestSignupOff:
    OIDC_ENV = {"ENABLE_OAUTH_SIGNUP": "false"}

    def test_unknown_account_is_access_prohibited(self, stack, provider):
        first_admin(stack)
        provider.set_account("gus", email="gus@example.com")
        w = walk(stack, provider, "gus")
        assert_refused(stack, w.callback, ACCESS_PROHIBITED)
        assert n_users(stack) == 1
        assert int(sql_one(stack, "SELECT COUNT(*) FROM oauth_session")) == 0


class TestMergeWithSignupOff:
    OIDC_ENV = {"OAUTH_MERGE_ACCOUNTS_BY_EMAIL": "true", "ENABLE_OAUTH_SIGNUP": "false"}

    def test_an_existing_account_is_linked_all_the_same(self, stack, provider):
        admin = first_admin(stack, "gil@example.com")
        provider.set_account("gil-sub", email="gil@example.com")
        _, t = login(stack, provider, "gil-sub")
        assert me(stack, t)["id"] == admin.id


class TestNewUsersGetTheDefaultRole:
    def test_second_account_is_pending_and_joins_the_default_group(self, stack, provider):
        admin = first_admin(stack)
        gid = make_group(stack, "newcomers")
        cfg = expect(admin.get("admin/config"), 200)
        cfg["DEFAULT_GROUP_ID"] = gid
        expect(admin.post("admin/config", json=cfg), 200)
        provider.set_account("hal", email="hal@example.com", name="Hal")
        _, t = login(stack, provider, "hal")
        u = me(stack, t)
        assert u["role"] == "pending"
        assert stack.sql(f"SELECT COUNT(*) FROM group_member WHERE group_id = '{gid}' "
                         f"AND user_id = '{u['id']}'") == [["1"]]


class TestAllowedDomains:
    OIDC_ENV = {"OAUTH_ALLOWED_DOMAINS": "example.org, corp.example"}

    def test_outside_the_list_is_invalid_cred(self, stack, provider):
        provider.set_account("ivy", email="ivy@example.com")
        w = walk(stack, provider, "ivy")
        assert_refused(stack, w.callback, INVALID_CRED)
        assert n_users(stack) == 0
        provider.set_account("ivy", email="ivy@corp.example")
        login(stack, provider, "ivy")
        assert n_users(stack) == 1


class TestClientSecretPost:
    CLIENT = "usher-post"

    def test_login_with_client_secret_post(self, stack, provider):
        provider.set_account("jan", email="jan@example.com")
        _, t = login(stack, provider, "jan")
        assert me(stack, t)["email"] == "jan@example.com"


class TestES256:
    CLIENT = "usher-es256"

    def test_login_with_es256_id_tokens(self, stack, provider):
        provider.set_account("kim", email="kim@example.com")
        _, t = login(stack, provider, "kim")
        assert me(stack, t)["email"] == "kim@example.com"


def test_a_rotated_key_is_fetched_again(stack, provider, new_caches):
    provider.set_account("lea", email="lea@example.com")
    login(stack, provider, "lea")              # discovery and JWKS cached now
    kid = provider.control("rotate-key")["kid"]
    before = provider.counts().get("jwks", 0)
    w, t = login(stack, provider, "lea")
    assert me(stack, t)["email"] == "lea@example.com"
    assert provider.counts().get("jwks", 0) > before, "the JWKS was not fetched again"
    assert kid


def test_claims_missing_from_the_id_token_come_from_userinfo(stack, provider):
    provider.set_account("max", email="Max@example.com", name="Max from userinfo")
    provider.next_id_token(unset=["email", "name", "email_verified", "picture"])
    before = provider.counts().get("userinfo", 0)
    _, t = login(stack, provider, "max")
    u = me(stack, t)
    assert (u["email"], u["name"]) == ("max@example.com", "Max from userinfo")
    assert provider.counts().get("userinfo", 0) == before + 1


# ---------------------------------------------------------------- roles (§5)
ROLES_ON = {"ENABLE_OAUTH_ROLE_MANAGEMENT": "true"}


class TestRoles:
    OIDC_ENV = ROLES_ON

    def test_roles_from_the_claim_at_every_login(self, stack, provider):
        admin = first_admin(stack)
        provider.set_account("ned", email="ned@example.com", roles=["user"])
        _, t = login(stack, provider, "ned")
        assert me(stack, t)["role"] == "user"
        provider.set_account("ned", email="ned@example.com", roles=["user", "admin"])
        _, t = login(stack, provider, "ned")
        assert me(stack, t)["role"] == "admin"
        # changed by hand: the next login sets it again from the claim
        uid = me(stack, t)["id"]
        expect(admin.post(f"/api/v1/users/{uid}/update", json={"role": "user"}), 200)
        assert sql_one(stack, f"SELECT role FROM `user` WHERE id = '{uid}'") == "user"
        _, t = login(stack, provider, "ned")
        assert me(stack, t)["role"] == "admin"

    def test_no_allowed_role_is_access_prohibited_and_nothing_changes(self, stack, provider):
        first_admin(stack)
        provider.set_account("oli", email="oli@example.com", roles=["guest"])
        w = walk(stack, provider, "oli")
        assert_refused(stack, w.callback, ACCESS_PROHIBITED)
        assert n_users(stack) == 1
        # a known user who loses the roles is refused too, and keeps the old role
        provider.set_account("oli", email="oli@example.com", roles="user")   # a string
        _, t = login(stack, provider, "oli")
        assert me(stack, t)["role"] == "user"
        provider.set_account("oli", email="oli@example.com", roles=["guest"])
        w = walk(stack, provider, "oli")
        assert_refused(stack, w.callback, ACCESS_PROHIBITED)
        assert sql_one(stack, "SELECT role FROM `user` WHERE email='oli@example.com'") == "user"

    def test_an_admin_role_alone_is_enough(self, stack, provider):
        first_admin(stack)
        provider.set_account("ada", email="ada@example.com", roles=["admin"])
        _, t = login(stack, provider, "ada")
        assert me(stack, t)["role"] == "admin"

    def test_the_only_account_is_admin_whatever_the_claim(self, stack, provider):
        provider.set_account("solo", email="solo@example.com", roles=["user"])
        _, t = login(stack, provider, "solo")
        assert me(stack, t)["role"] == "admin"
        _, t = login(stack, provider, "solo")        # a known user who is the only account
        assert me(stack, t)["role"] == "admin"

    def test_no_roles_in_the_token_is_the_default_role(self, stack, provider):
        first_admin(stack)
        provider.set_account("pat", email="pat@example.com")
        _, t = login(stack, provider, "pat")
        assert me(stack, t)["role"] == "pending"


class TestAnyRoleAllowed:
    OIDC_ENV = dict(ROLES_ON, OAUTH_ALLOWED_ROLES="*")

    def test_star(self, stack, provider):
        first_admin(stack)
        provider.set_account("sty", email="sty@example.com", roles=["whatever"])
        _, t = login(stack, provider, "sty")
        assert me(stack, t)["role"] == "user"


class TestNestedRolesClaim:
    OIDC_ENV = dict(ROLES_ON, OAUTH_ROLES_CLAIM="realm_access.roles",
                    OAUTH_ALLOWED_ROLES="staff", OAUTH_ADMIN_ROLES="boss")

    def test_dotted_claim(self, stack, provider):
        first_admin(stack)
        provider.set_account("quin", email="quin@example.com",
                             realm_access={"roles": ["staff", "boss"]})
        _, t = login(stack, provider, "quin")
        assert me(stack, t)["role"] == "admin"


# ---------------------------------------------------------------- groups (§6)
GROUPS_ON = {"ENABLE_OAUTH_GROUP_MANAGEMENT": "true",
             "OAUTH_BLOCKED_GROUPS": '["locked", "keep-*", "^rx-[0-9]+$"]'}


def groups_of(stack, uid):
    rows = stack.sql("SELECT g.name FROM group_member m JOIN `group` g ON g.id = m.group_id "
                     f"WHERE m.user_id = '{uid}' ORDER BY g.name")
    return [r[0] for r in rows]


class TestGroupSync:
    OIDC_ENV = GROUPS_ON

    def test_join_leave_and_blocked(self, stack, provider):
        first_admin(stack)
        for name in ("eng", "ops", "sales", "locked", "keep-me", "rx-12"):
            make_group(stack, name)
        provider.set_account("rae", email="rae@example.com", groups=["eng", "ops", "nosuch"])
        _, t = login(stack, provider, "rae")
        uid = me(stack, t)["id"]
        assert groups_of(stack, uid) == ["eng", "ops"]          # no group is created
        assert int(sql_one(stack, "SELECT COUNT(*) FROM `group` WHERE name='nosuch'")) == 0
        # memberships given by hand: blocked ones stay, the others follow the claim
        for name in ("sales", "locked", "keep-me", "rx-12"):
            gid = sql_one(stack, f"SELECT id FROM `group` WHERE name = '{name}'")
            add_member(stack, gid, uid)
        provider.set_account("rae", email="rae@example.com", groups=["eng", "locked"])
        login(stack, provider, "rae")
        assert groups_of(stack, uid) == ["eng", "keep-me", "locked", "rx-12"]
        # the counts are kept
        assert sql_one(stack, "SELECT member_count FROM `group` WHERE name='ops'") == "0"
        # an empty claim removes nothing
        provider.set_account("rae", email="rae@example.com", groups=[])
        login(stack, provider, "rae")
        assert groups_of(stack, uid) == ["eng", "keep-me", "locked", "rx-12"]

    def test_a_blocked_group_is_not_joined(self, stack, provider):
        first_admin(stack)
        make_group(stack, "locked")
        make_group(stack, "rx-7")
        provider.set_account("sam", email="sam@example.com", groups=["locked", "rx-7"])
        _, t = login(stack, provider, "sam")
        assert groups_of(stack, me(stack, t)["id"]) == []


class TestGroupCreationNotShared:
    OIDC_ENV = dict(GROUPS_ON, ENABLE_OAUTH_GROUP_CREATION="true",
                    OAUTH_GROUP_DEFAULT_SHARE="false")

    def test_share_false(self, stack, provider):
        first_admin(stack)
        provider.set_account("una", email="una@example.com", groups=["quiet"])
        login(stack, provider, "una")
        data = sql_one(stack, "SELECT data FROM `group` WHERE name='quiet'")
        assert json.loads(data)["config"]["share"] is False, data


class TestGroupCreation:
    OIDC_ENV = dict(GROUPS_ON, ENABLE_OAUTH_GROUP_CREATION="true",
                    OAUTH_GROUP_CLAIM="groups")

    def test_created_with_the_reference_description(self, stack, provider):
        admin = first_admin(stack)
        provider.set_account("tia", email="tia@example.com", groups="new-a;new-b")  # string
        _, t = login(stack, provider, "tia")
        uid = me(stack, t)["id"]
        assert groups_of(stack, uid) == ["new-a", "new-b"]
        rows = stack.sql("SELECT description, user_id, data FROM `group` WHERE name='new-a'")
        assert rows[0][0] == "Group 'new-a' created automatically via OAuth."
        assert rows[0][1] == admin.id                  # the first admin is the creator
        assert '"share"' in rows[0][2] and "true" in rows[0][2]

    def test_the_same_name_twice_makes_one_group(self, stack, provider):
        first_admin(stack)
        provider.set_account("two", email="two@example.com", groups=["dup", "dup", "solo"])
        _, t = login(stack, provider, "two")
        assert groups_of(stack, me(stack, t)["id"]) == ["dup", "solo"]
        assert stack.sql("SELECT COUNT(*), MAX(member_count) FROM `group` WHERE name='dup'") \
            == [["1", "1"]]


# ---------------------------------------------------------------- picture (§7)
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6364f8cf000000030101005d1d5b7a"
                    "0000000049454e44ae426082")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def pictures():
    """A local web server for picture claims: /p.png, /p.svg, /big.png (2 MiB), /moved (a
    redirect to /p.png). Each request's Authorization header lands in pictures.seen."""
    seen = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers.get("Authorization")))
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/p.png")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body, ctype = {"/p.png": (PNG, "image/png"), "/p.svg": (SVG, "image/svg+xml"),
                           "/big.png": (PNG + b"\0" * (2 << 20), "image/png")}.get(
                self.path, (b"no", "text/plain"))
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield Pictures(f"http://127.0.0.1:{srv.server_address[1]}", seen)
    srv.shutdown()
    srv.server_close()


class Pictures(str):
    def __new__(cls, url, seen):
        o = super().__new__(cls, url)
        o.seen = seen
        return o


def picture_after_login(stack, provider, login_name, url):
    provider.set_account(login_name, email=f"{login_name}@example.com", picture=url)
    _, t = login(stack, provider, login_name)
    return me(stack, t)["profile_image_url"]


def test_loopback_picture_is_not_fetched_without_local_web_fetch(stack, provider, pictures):
    port = pictures.rsplit(":", 1)[1]
    for i, url in enumerate((pictures + "/p.png", f"http://localhost:{port}/p.png",
                             f"http://[::1]:{port}/p.png", f"http://127.1:{port}/p.png")):
        assert picture_after_login(stack, provider, f"uma{i}", url) == "/user.png", url
    assert pictures.seen == [], "a loopback address was fetched"


class TestPictureUpdateOnLogin:
    OIDC_ENV = {"ENABLE_LOCAL_WEB_FETCH": "true", "OAUTH_UPDATE_PICTURE_ON_LOGIN": "true"}

    def test_refreshed(self, stack, provider, pictures):
        assert picture_after_login(stack, provider, "vik", pictures + "/p.svg") == "/user.png"
        pic = picture_after_login(stack, provider, "vik", pictures + "/p.png")
        assert pic.startswith("data:image/png;base64,"), pic[:80]


class TestLocalPictures:
    OIDC_ENV = {"ENABLE_LOCAL_WEB_FETCH": "true"}

    def test_png_is_stored_as_data_uri(self, stack, provider, pictures):
        pic = picture_after_login(stack, provider, "vic", pictures + "/p.png")
        assert pic.startswith("data:image/png;base64,"), pic[:80]
        assert base64.b64decode(pic.split(",", 1)[1]) == PNG
        # fetched with the access token as Bearer (contract §7)
        at = provider.last_token()["access_token"]
        assert pictures.seen == [("/p.png", "Bearer " + at)], pictures.seen

    def test_a_redirect_is_not_followed(self, stack, provider, pictures):
        assert picture_after_login(stack, provider, "vin", pictures + "/moved") == "/user.png"
        assert [p for p, _ in pictures.seen] == ["/moved"]

    def test_a_known_user_keeps_the_picture_without_the_flag(self, stack, provider, pictures):
        first = picture_after_login(stack, provider, "vera", pictures + "/p.svg")
        assert first == "/user.png"
        assert picture_after_login(stack, provider, "vera", pictures + "/p.png") == "/user.png"

    def test_svg_too_large_and_non_http_are_the_default(self, stack, provider, pictures):
        for i, url in enumerate((pictures + "/p.svg", pictures + "/big.png",
                                 "file:///etc/passwd", "javascript:alert(1)")):
            assert picture_after_login(stack, provider, f"wes{i}", url) == "/user.png", url
