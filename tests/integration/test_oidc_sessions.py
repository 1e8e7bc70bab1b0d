"""What a login through the real provider leaves behind and what ends it (issue 20;
openwebui-oauth.md §8-§11 and §12): the oauth_session rows and their admin list (never a
token), the cap per user, no token readable in a mariadb-dump or the log, sign-out's
redirect_url (checked by the provider itself), DELETE of the caller's session, token exchange
and back-channel logout (both off by default) with a logout token the provider signs.
"""
import subprocess
import time

import pytest
import requests

from authlib import (ME, NO_OAUTH_SESSION, TOKEN_EXCHANGE_DISABLED, USER_NOT_FOUND, Client,
                     add_user, cookie_deleted, expect, first_admin, sql_one)
from oidclib import (jwt_parts, login, oidc_env, oidc_module, provider)  # noqa: F401

SESSION_KEYS = {"id", "user_id", "provider", "expires_at", "created_at", "updated_at"}


def me_status(stack, token):
    return Client(stack, token).get(ME).status_code


def sign_in(stack, provider, account="zoe", **claims):
    claims.setdefault("email", f"{account}@example.com")
    provider.set_account(account, **claims)
    w, token = login(stack, provider, account)
    return w, token, Client(stack, token).get(ME).json()["id"]


@pytest.fixture
def admin(stack):
    return first_admin(stack)


# ---------------------------------------------------------------- the stored sessions (§8)
def test_admin_list_never_shows_tokens(stack, provider, admin):
    w, token, uid = sign_in(stack, provider)
    answer = provider.last_token()
    rows = expect(admin.get(f"/api/v1/users/{uid}/oauth/sessions"), 200)
    assert len(rows) == 1
    (row,) = rows
    assert set(row) == SESSION_KEYS, row
    assert row["user_id"] == uid and row["provider"] == "oidc"
    assert row["id"] == w.callback.cookies.get("oauth_session_id")
    assert row["expires_at"] > row["created_at"]
    # capped at the ID token's exp, never the 9999-12-31 of a session without expiry
    assert row["expires_at"] <= jwt_parts(answer["id_token"])[1]["exp"]
    text = str(rows)
    for secret in (answer["access_token"], answer["id_token"],
                   answer["id_token"].split(".")[2]):
        assert secret not in text


@pytest.mark.parametrize("answer", [{}, {"unset": ["expires_in"]},
                                    {"set": {"expires_in": 86400}}],
                         ids=["expires_in-3600", "no-expires_in", "expires_in-a-day"])
def test_expires_at_is_capped_at_the_id_tokens_exp(stack, provider, admin, answer):
    """Contract §8: from expires_in (else 9999-12-31 without a refresh token), capped at the ID
    token's exp; here the ID token lives 10 minutes."""
    provider.set_account("zoe", email="zoe@example.com")
    provider.next_id_token(shift={"exp": -3000})          # 3600 - 3000 s from issue
    provider.control("next-token-answer", answer)
    w, token = login(stack, provider, "zoe")
    id_exp = jwt_parts(provider.last_token()["id_token"])[1]["exp"]
    uid = Client(stack, token).get(ME).json()["id"]
    (row,) = expect(admin.get(f"/api/v1/users/{uid}/oauth/sessions"), 200)
    if "unset" in answer:
        assert row["expires_at"] == id_exp, (row, id_exp)
    else:
        assert row["created_at"] < row["expires_at"] <= id_exp, (row, id_exp)


def test_admin_list_of_a_user_without_sessions_is_user_not_found(stack, provider, admin):
    expect(admin.get(f"/api/v1/users/{admin.id}/oauth/sessions"), 400, USER_NOT_FOUND)
    member = add_user(admin)
    assert member.get(f"/api/v1/users/{admin.id}/oauth/sessions").status_code in (401, 403)


def test_no_token_in_a_dump_or_the_log(stack, provider, admin):
    mark = stack.log_mark()
    _, token, uid = sign_in(stack, provider)
    answer = provider.last_token()
    dump = subprocess.run(["mariadb-dump", "--no-defaults", f"--socket={stack.db_socket}",
                           "-uroot", "--skip-extended-insert", "usher"],
                          capture_output=True, timeout=120)
    assert dump.returncode == 0, dump.stderr
    text = dump.stdout
    assert b"INSERT INTO `oauth_session`" in text       # the row is there...
    secrets = [answer["access_token"], answer["id_token"], answer["id_token"].split(".")[2],
               answer["id_token"].split(".")[1]]
    for s in secrets:
        assert s.encode() not in text                    # ...but sealed
    log = stack.log_since(mark)
    for s in secrets + [provider.clients["usher-basic"]]:
        assert s not in log


class TestSessionCap:
    OIDC_ENV = {"OAUTH_MAX_SESSIONS_PER_USER": "2"}

    def test_at_most_the_cap_per_user(self, stack, provider, admin):
        ids = []
        for _ in range(4):
            w, _, uid = sign_in(stack, provider)
            ids.append(w.callback.cookies.get("oauth_session_id"))
        rows = expect(admin.get(f"/api/v1/users/{uid}/oauth/sessions"), 200)
        assert len(rows) == 2, rows
        # the login's own session is always kept (which older one stays depends on
        # created_at, which may be the same second for all four)
        assert ids[-1] in {r["id"] for r in rows}, (ids, rows)
        assert len(set(ids)) == 4


class TestDeleteMySession:
    OIDC_ENV = {"DEFAULT_USER_ROLE": "user"}      # the route is for verified users

    def test_delete_my_session(self, stack, provider, admin):
        w, token, uid = sign_in(stack, provider)
        me = Client(stack, token)
        assert me.get(ME).json()["role"] == "user"
        r = me.delete("/api/v1/auths/oauth/sessions/oidc")
        assert expect(r, 200) is True
        assert int(sql_one(stack, "SELECT COUNT(*) FROM oauth_session")) == 0
        expect(me.delete("/api/v1/auths/oauth/sessions/oidc"), 404, NO_OAUTH_SESSION)
        # the admin's own: none
        expect(admin.delete("/api/v1/auths/oauth/sessions/oidc"), 404, NO_OAUTH_SESSION)


# ---------------------------------------------------------------- sign-out (§9)
def signout(stack, w, token):
    cookies = {"token": token,
               "oauth_session_id": w.callback.cookies.get("oauth_session_id")}
    return stack.post("/api/v1/auths/signout", cookies=cookies)


def test_signout_redirects_to_the_providers_end_session_with_the_id_token(stack, provider,
                                                                          admin):
    w, token, uid = sign_in(stack, provider)
    id_token = provider.last_token()["id_token"]
    r = signout(stack, w, token)
    body = expect(r, 200)
    assert body["status"] is True
    end = requests.get(provider.discovery).json()["end_session_endpoint"]
    assert body["redirect_url"] == f"{end}?id_token_hint={id_token}"
    assert cookie_deleted(r, "oauth_session_id")
    assert me_status(stack, token) == 401               # the token is revoked as today
    # the session row stays (contract §9)
    assert int(sql_one(stack, "SELECT COUNT(*) FROM oauth_session")) == 1
    # the provider itself accepts the hint: its logout confirmation, not an error page
    p = requests.get(body["redirect_url"], allow_redirects=False)
    assert p.status_code == 200 and "logout" in p.text.lower(), p.text[:500]


class TestSignoutFixedEndpoint:
    OIDC_ENV = {"OPENID_END_SESSION_ENDPOINT": "https://sso.example.com/logout?x=1"}

    def test_fixed_url(self, stack, provider, admin):
        w, token, _ = sign_in(stack, provider)
        body = expect(signout(stack, w, token), 200)
        assert body == {"status": True, "redirect_url": "https://sso.example.com/logout?x=1"}


class TestSignoutPostLogoutRedirect:
    OIDC_ENV = {"WEBUI_AUTH_SIGNOUT_REDIRECT_URL": "https://chat.example.com/bye"}

    def test_post_logout_redirect_uri(self, stack, provider, admin):
        w, token, _ = sign_in(stack, provider)
        body = expect(signout(stack, w, token), 200)
        assert body["redirect_url"].endswith(
            "&post_logout_redirect_uri=https://chat.example.com/bye") or body["redirect_url"].endswith(
            "&post_logout_redirect_uri=https%3A%2F%2Fchat.example.com%2Fbye"), body


def test_signout_with_another_users_session_id(stack, provider, admin):
    """The oauth_session_id cookie names somebody else's session: their ID token must not
    come back in redirect_url."""
    w_b, token_b, _ = sign_in(stack, provider, "bea")
    victim_id_token = provider.last_token()["id_token"]
    w_a, token_a, _ = sign_in(stack, provider, "abe")
    r = stack.post("/api/v1/auths/signout",
                   cookies={"token": token_a,
                            "oauth_session_id": w_b.callback.cookies.get("oauth_session_id")})
    assert r.status_code < 500, r.text
    assert victim_id_token not in r.text
    assert me_status(stack, token_b) == 200


@pytest.mark.parametrize("sid", ["no-such-session", "'; DROP TABLE user; --", "x" * 2000, ""])
def test_signout_with_a_junk_session_id(stack, provider, admin, sid):
    _, token, _ = sign_in(stack, provider)
    r = stack.post("/api/v1/auths/signout", cookies={"token": token, "oauth_session_id": sid})
    assert r.status_code == 200, r.text
    assert r.json()["status"] is True
    assert me_status(stack, token) == 401


def test_signout_without_the_session_cookie_is_plain(stack, provider, admin):
    _, token, _ = sign_in(stack, provider)
    body = expect(stack.post("/api/v1/auths/signout", cookies={"token": token}), 200)
    assert "redirect_url" not in body or body["redirect_url"] in (None, "")


# ---------------------------------------------------------------- token exchange (§10)
EXCHANGE = "/api/v1/auths/oauth/oidc/token/exchange"


def test_token_exchange_is_off_by_default(stack, provider, admin):
    sign_in(stack, provider)
    at = provider.last_token()["access_token"]
    expect(stack.post(EXCHANGE, json={"token": at}), 403, TOKEN_EXCHANGE_DISABLED)


class TestTokenExchange:
    OIDC_ENV = {"ENABLE_OAUTH_TOKEN_EXCHANGE": "true"}

    def test_exchange_for_a_known_user(self, stack, provider, admin):
        _, _, uid = sign_in(stack, provider)
        at = provider.rp_tokens("zoe")["access_token"]
        r = stack.post(EXCHANGE, json={"token": at})
        u = expect(r, 200)
        assert u["id"] == uid and u["email"] == "zoe@example.com" and u["token"]
        assert "token" not in r.cookies
        assert me_status(stack, u["token"]) == 200
        assert int(sql_one(stack, "SELECT COUNT(*) FROM `user`")) == 2   # nothing created

    def test_refusals(self, stack, provider, admin):
        provider.set_account("yan", email="yan@example.com")
        at = provider.rp_tokens("yan")["access_token"]
        expect(stack.post(EXCHANGE, json={"token": at}), 403,
               "User not found. Please sign in via the web interface first.")
        expect(stack.post(EXCHANGE, json={"token": "not-a-token"}), 400,
               "Invalid token or unable to validate with provider")
        expect(stack.post("/api/v1/auths/oauth/google/token/exchange", json={"token": at}), 404,
               "Provider 'google' is not configured")
        provider.set_account("nomail", name="No Mail")
        at = provider.rp_tokens("nomail")["access_token"]
        expect(stack.post(EXCHANGE, json={"token": at}), 400,
               "Token missing required email claim")
        at = provider.rp_tokens("yan")["access_token"]
        provider.next_userinfo(unset=["sub"])
        expect(stack.post(EXCHANGE, json={"token": at}), 400,
               "Token missing required 'sub' claim")
        assert int(sql_one(stack, "SELECT COUNT(*) FROM `user`")) == 1


class TestTokenExchangeMerge:
    OIDC_ENV = {"ENABLE_OAUTH_TOKEN_EXCHANGE": "true", "OAUTH_MERGE_ACCOUNTS_BY_EMAIL": "true"}

    def test_merge_by_email_links(self, stack, provider, admin):
        provider.set_account("adm-sub", email=admin.email)
        at = provider.rp_tokens("adm-sub")["access_token"]
        u = expect(stack.post(EXCHANGE, json={"token": at}), 200)
        assert u["id"] == admin.id
        oauth = sql_one(stack, f"SELECT oauth FROM `user` WHERE id = '{admin.id}'")
        assert oauth.replace(" ", "") == '{"oidc":{"sub":"adm-sub"}}'


# ---------------------------------------------------------------- back-channel logout (§11)
BCL = "/oauth/backchannel-logout"
EVENT = "http://schemas.openid.net/event/backchannel-logout"


def test_backchannel_logout_is_off_by_default(stack, provider, admin):
    sign_in(stack, provider)
    lt = provider.control("logout-token", {"sub": "zoe"})["logout_token"]
    r = stack.post(BCL, data={"logout_token": lt})
    assert r.status_code == 404
    assert int(sql_one(stack, "SELECT COUNT(*) FROM oauth_session")) == 1


def bcl_error(r):
    assert r.status_code == 400, (r.status_code, r.text)
    body = r.json()
    assert body["error"] == "invalid_request"
    return body["error_description"]


class TestBackchannelLogout:
    OIDC_ENV = {"ENABLE_OAUTH_BACKCHANNEL_LOGOUT": "true"}

    def test_a_real_logout_token_ends_the_users_sessions(self, stack, provider, admin):
        _, t1, uid = sign_in(stack, provider)
        _, t2, _ = sign_in(stack, provider)
        lt = provider.control("logout-token", {"sub": "zoe"})["logout_token"]
        r = stack.post(BCL, data={"logout_token": lt})
        assert r.status_code == 200 and r.json() == {}
        assert int(sql_one(stack, "SELECT COUNT(*) FROM oauth_session")) == 0
        assert me_status(stack, t1) == 401 and me_status(stack, t2) == 401
        assert me_status(stack, admin.token) == 200                 # nobody else
        # a new login a second later works (revocation marks may count in whole seconds)
        time.sleep(1.1)
        _, t3, uid3 = sign_in(stack, provider)
        assert uid3 == uid and me_status(stack, t3) == 200

    def test_the_provider_posts_it_itself(self, stack, provider, admin):
        _, t1, _ = sign_in(stack, provider)
        sent = provider.control("backchannel-logout", {"sub": "zoe"})
        assert sent["sent"] is True
        assert me_status(stack, t1) == 401

    def test_unknown_sub_or_sid_only_is_200_and_changes_nothing(self, stack, provider, admin):
        _, t1, _ = sign_in(stack, provider)
        for body in ({"sub": "nobody"}, {"sid": "some-session"}):
            lt = provider.control("sign", {"claims": self.claims(provider, **body)})["jws"]
            r = stack.post(BCL, data={"logout_token": lt})
            assert r.status_code == 200 and r.json() == {}, r.text
        assert me_status(stack, t1) == 200
        assert int(sql_one(stack, "SELECT COUNT(*) FROM oauth_session")) == 1

    INVALID = {
        "bad-signature": ("foreign-same-kid", {}),
        "key-not-in-jwks": ("foreign-new-kid", {}),
        "alg-none": ("none", {}),
        "hs256-with-the-public-key": ("hs256-pubkey", {}),
        "wrong-aud": ("good", {"aud": "someone-else"}),
        "no-aud": ("good", {"aud": None}),
        "no-events": ("good", {"events": None}),
        "no-iat": ("good", {"iat": None}),
        "expired": ("good", {"exp": "-3600"}),
        "issued-in-the-future": ("good", {"iat": "+3600", "exp": "+7200"}),
    }

    @pytest.mark.parametrize("case", sorted(INVALID))
    def test_invalid_logout_token(self, stack, provider, admin, case):
        """Contract §11 step 5: the signature, aud, and iss/aud/iat/events required."""
        _, t1, _ = sign_in(stack, provider)
        sign, over = self.INVALID[case]
        lt = provider.control("sign", {"claims": self.claims(provider, sub="zoe", **over),
                                       "sign": sign})["jws"]
        text = bcl_error(stack.post(BCL, data={"logout_token": lt}))
        assert text.startswith("Invalid logout_token: "), text
        assert me_status(stack, t1) == 200

    @staticmethod
    def claims(provider, **over):
        now = int(time.time())
        c = {"iss": provider.issuer, "aud": "usher-basic", "iat": now,
             "exp": now + 120, "jti": "j-" + str(time.time()),
             "events": {EVENT: {}}}
        for k, v in over.items():      # "+N" / "-N": seconds from now
            c[k] = now + int(v) if isinstance(v, str) and v[:1] in "+-" else v
        return {k: v for k, v in c.items() if v is not None}

    def test_refusals_with_the_contracts_texts(self, stack, provider, admin):
        _, t1, _ = sign_in(stack, provider)

        def signed(sign="good", **over):
            return provider.control("sign", {"claims": self.claims(provider, **over),
                                             "sign": sign})["jws"]
        assert bcl_error(stack.post(BCL, data={})) == "Missing logout_token parameter"
        assert bcl_error(stack.post(BCL, data={"logout_token": "abc"})) == "Malformed logout_token"
        assert bcl_error(stack.post(BCL, data={"logout_token": signed(sub="zoe", iss=None)})) \
            == "logout_token missing iss claim"
        assert bcl_error(stack.post(BCL, data={"logout_token": signed(
            sub="zoe", iss="http://127.0.0.1:9")})) == "No configured provider matches token issuer"
        assert bcl_error(stack.post(BCL, data={"logout_token": signed(
            sub="zoe", events={"http://example.com/other": {}})})) \
            == "Missing backchannel-logout event claim"
        assert bcl_error(stack.post(BCL, data={"logout_token": signed(sub="zoe", nonce="n")})) \
            == "logout_token must not contain nonce"
        assert bcl_error(stack.post(BCL, data={"logout_token": signed()})) \
            == "logout_token must contain sub or sid"
        # none of them logged anybody out
        assert me_status(stack, t1) == 200
        assert int(sql_one(stack, "SELECT COUNT(*) FROM oauth_session")) == 1


class TestBackchannelLogoutRevokesEveryToken:
    OIDC_ENV = {"ENABLE_OAUTH_BACKCHANNEL_LOGOUT": "true",
                "OAUTH_MERGE_ACCOUNTS_BY_EMAIL": "true"}

    def test_password_tokens_of_the_linked_account_too(self, stack, provider, admin):
        """"Revokes every token of theirs issued earlier, as a password change does": the
        account signs in with its password as well as through the provider."""
        _, oidc_token, uid = sign_in(stack, provider, "adm", email=admin.email)
        assert uid == admin.id
        lt = provider.control("logout-token", {"sub": "adm"})["logout_token"]
        assert stack.post(BCL, data={"logout_token": lt}).status_code == 200
        assert me_status(stack, oidc_token) == 401
        assert me_status(stack, admin.token) == 401
