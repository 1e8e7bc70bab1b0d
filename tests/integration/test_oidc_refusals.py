"""Every refusal of issue 20's "Bad input" list, against the real provider (oidclib.py): a
callback without a code or state, the provider's own error, an altered or replayed state,
another browser's callback, a code used twice, a tampered, expired or foreign ID token,
userinfo naming another sub, and broken provider answers (token, userinfo, JWKS). Each one is
a redirect to /auth?error=INVALID_CRED (the contract's text verbatim) with no token cookie, no
account and no session row, and never a 5xx; a refusal about the state spends neither the
code nor the pending login (contract §12).

The ID tokens are the provider's own, changed on the way out by its test-only switch and
signed again with its real key (or, where the test says so, with a key it never published).
"""
import concurrent.futures
import time
import urllib.parse

import pytest
import requests

from authlib import first_admin, sql_one
from oidclib import (INVALID_CRED, assert_refused, assert_signed_in, new_caches,  # noqa: F401
                     oidc_env, oidc_module, provider, start, through_provider, walk)


@pytest.fixture
def admin(stack):
    """One account before each test, so that a refused login must leave exactly one."""
    return first_admin(stack)


def nothing_left(stack):
    assert int(sql_one(stack, "SELECT COUNT(*) FROM `user`")) == 1
    assert int(sql_one(stack, "SELECT COUNT(*) FROM oauth_session")) == 0


def split(url):
    parts = urllib.parse.urlsplit(url)
    return parts, dict(urllib.parse.parse_qsl(parts.query))


def with_query(url, **q):
    parts, old = split(url)
    new = {k: v for k, v in dict(old, **q).items() if v is not None}
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(new)))


def to_callback(stack, provider, account="mia", session=None):
    """A login walked up to the provider's redirect back to usher: (session, callback URL)."""
    provider.set_account(account, email=f"{account}@example.com", name=account)
    w = walk(stack, provider, account, session, call_back=False)
    return w.session, w.callback_url


def get(session, url):
    return session.get(url, allow_redirects=False, timeout=30)


# ---------------------------------------------------------------- the callback's parameters
@pytest.mark.parametrize("change", [
    {"code": None}, {"state": None}, {"code": None, "state": None},
    {"code": ""}, {"state": ""},
    {"state": "x" * 3000}, {"code": "y" * 3000},
    {"state": "\u00e9'\"<>;&"}, {"code": "not-a-code"},
])
def test_callback_with_missing_or_junk_parameters(stack, provider, admin, change):
    s, url = to_callback(stack, provider)
    r = get(s, with_query(url, **change))
    assert_refused(stack, r)
    nothing_left(stack)
    if not change.get("code"):
        # refused before the code went to the provider: "every refused callback leaves both
        # the code and the pending login unspent" (contract §12), so the real one still works
        assert_signed_in(stack, get(s, url))


def test_callback_with_a_nul_byte(stack, provider, admin):
    """A NUL in the query may be refused by the request parser for every route (a JSON 400)
    or by the callback (its redirect); never a 5xx, a cookie, an account or a session."""
    s, url = to_callback(stack, provider)
    r = get(s, with_query(url, state="a\u0000b"))
    if r.status_code == 400:
        assert not r.cookies.get("token")
    else:
        assert_refused(stack, r)
    nothing_left(stack)
    assert_signed_in(stack, get(s, url))


def test_altered_state_spends_neither_code_nor_pending_login(stack, provider, admin):
    s, url = to_callback(stack, provider)
    _, q = split(url)
    tampered = q["state"][:-1] + ("A" if q["state"][-1] != "A" else "B")
    assert_refused(stack, get(s, with_query(url, state=tampered)))
    nothing_left(stack)
    # the real callback still works: the code was not redeemed, the login not spent
    assert_signed_in(stack, get(s, url))


def test_an_expired_pending_login(stack, provider, admin):
    """The pending login is kept at most ten minutes (issue 20). Its row (migration 012,
    oauth_pending) is aged by hand instead of waiting."""
    s, url = to_callback(stack, provider)
    _, q = split(url)
    (exp,) = stack.sql(f"SELECT expires_at FROM oauth_pending WHERE state = '{q['state']}'")[0]
    exp = int(exp)
    now = int(time.time())
    limit = 600 if exp < 10 ** 11 else 600 * 1000          # seconds or milliseconds
    base = now if exp < 10 ** 11 else now * 1000
    assert exp <= base + limit + limit // 60, (exp, base)   # at most ten minutes (+ skew)
    stack.sql(f"UPDATE oauth_pending SET expires_at = 1 WHERE state = '{q['state']}'")
    assert_refused(stack, get(s, url))
    nothing_left(stack)


def test_another_browsers_callback(stack, provider, admin):
    s, url = to_callback(stack, provider)
    thief = requests.Session()
    r = get(thief, url)
    assert_refused(stack, r)
    nothing_left(stack)
    # a browser with a pending login of its own cannot use this one's callback either
    start(stack, thief)
    assert_refused(stack, get(thief, url))
    nothing_left(stack)
    assert_signed_in(stack, get(s, url))


def test_replayed_callback(stack, provider, admin):
    s, url = to_callback(stack, provider)
    assert_signed_in(stack, get(s, url))
    rows = int(sql_one(stack, "SELECT COUNT(*) FROM oauth_session"))
    assert_refused(stack, get(s, url))
    assert int(sql_one(stack, "SELECT COUNT(*) FROM oauth_session")) == rows


def test_the_same_callback_sent_four_times_at_once(stack, provider, admin):
    """The state is used once, also under a race: one login, one token, one session."""
    s, url = to_callback(stack, provider)
    cookies = s.cookies.get_dict()
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        answers = list(ex.map(lambda _: requests.get(url, cookies=cookies, allow_redirects=False,
                                                     timeout=30), range(4)))
    assert all(r.status_code < 500 for r in answers), [r.status_code for r in answers]
    won = [r for r in answers if r.cookies.get("token")]
    assert len(won) == 1, [(r.status_code, r.headers.get("Location")) for r in answers]
    assert int(sql_one(stack, "SELECT COUNT(*) FROM oauth_session")) == 1
    assert int(sql_one(stack, "SELECT COUNT(*) FROM `user`")) == 2


def test_a_code_used_twice(stack, provider, admin):
    """A login done; a second login in the same browser comes back, and its callback carries
    the first one's code (already redeemed) under the second one's good state."""
    s, url_a = to_callback(stack, provider)
    assert_signed_in(stack, get(s, url_a))
    _, url_b = to_callback(stack, provider, session=s)
    _, qa = split(url_a)
    r = get(s, with_query(url_b, code=qa["code"]))
    assert_refused(stack, r)
    assert int(sql_one(stack, "SELECT COUNT(*) FROM oauth_session")) == 1


def test_the_providers_own_error(stack, provider, admin):
    """The person refuses consent: the provider sends error=access_denied with the state."""
    provider.set_account("ned", email="ned@example.com")
    s = requests.Session()
    r = start(stack, s)
    back = through_provider(provider, s, r.headers["Location"], "ned", consent=False)
    assert "error=access_denied" in back
    assert_refused(stack, get(s, back))
    nothing_left(stack)


def test_provider_error_parameter_with_a_good_code(stack, provider, admin):
    s, url = to_callback(stack, provider)
    assert_refused(stack, get(s, with_query(url, error="access_denied",
                                            error_description="nope")))
    nothing_left(stack)
    assert_signed_in(stack, get(s, url))


# ---------------------------------------------------------------- the ID token
BAD_ID_TOKENS = {
    "bad-signature": {"sign": "foreign-same-kid"},
    "key-not-in-jwks": {"sign": "foreign-new-kid"},
    "alg-none": {"sign": "none"},
    "rs256-under-the-ec-kid": {"sign": "rs256-under-ec-kid"},
    "es256-under-the-rsa-kid": {"sign": "es256-under-rsa-kid"},
    "hs256-with-the-public-key": {"sign": "hs256-pubkey"},
    "wrong-aud": {"set": {"aud": "someone-else"}},
    "aud-list-without-us": {"set": {"aud": ["a", "b"]}},
    "azp-not-us": {"set": {"aud": ["usher-basic", "other"], "azp": "other"}},
    "wrong-iss": {"set": {"iss": "http://127.0.0.1:9/"}},
    "iss-with-slash": {},   # the issuer + "/": filled in below
    "wrong-nonce": {"set": {"nonce": "N" * 32}},
    "no-nonce": {"unset": ["nonce"]},
    "expired": {"shift": {"exp": -7200, "iat": -10800}},
    "issued-in-the-future": {"shift": {"iat": 3600, "exp": 3600}},
    "no-exp": {"unset": ["exp"]},
    "exp-a-string": {"set": {"exp": "9999999999"}},
    "no-sub": {"unset": ["sub"]},
}


@pytest.mark.parametrize("case", sorted(BAD_ID_TOKENS))
def test_bad_id_token_is_invalid_cred(stack, provider, admin, case):
    plan = dict(BAD_ID_TOKENS[case])
    if case == "iss-with-slash":
        plan = {"set": {"iss": provider.issuer + "/"}}
    provider.set_account("mia", email="mia@example.com", name="mia")
    provider.next_id_token(**plan)
    w = walk(stack, provider, "mia")
    assert_refused(stack, w.callback)
    nothing_left(stack)


@pytest.mark.parametrize("plan", [{}, {"sign": "good"}, {"shift": {"iat": 30}},
                                  {"set": {"aud": ["usher-basic", "other"],
                                           "azp": "usher-basic"}},
                                  {"set": {"aud": ["usher-basic"]}}],
                         ids=["as-issued", "signed-again", "iat-within-skew", "azp-is-us",
                              "aud-list-of-one"])
def test_good_id_tokens_through_the_same_switch(stack, provider, admin, plan):
    """The control of the test above: the switch itself does not break a good token."""
    provider.set_account("mia", email="mia@example.com", name="mia")
    provider.next_id_token(**plan)
    w = walk(stack, provider, "mia")
    assert_signed_in(stack, w.callback)


def test_userinfo_naming_another_sub(stack, provider, admin):
    provider.set_account("mia", email="mia@example.com", name="mia")
    provider.next_id_token(unset=["email", "name", "email_verified"])
    provider.next_userinfo(set={"sub": "somebody-else"})
    w = walk(stack, provider, "mia")
    assert_refused(stack, w.callback)
    nothing_left(stack)


def test_no_email_anywhere(stack, provider, admin):
    provider.set_account("nomail", name="No Mail")
    w = walk(stack, provider, "nomail")
    assert_refused(stack, w.callback)
    nothing_left(stack)


# ---------------------------------------------------------------- broken provider answers
BROKEN = {
    "token-not-json": ("token", {"body": "<html>oops</html>", "type": "text/html"}),
    "token-500": ("token", {"status": 500, "body": '{"error":"server_error"}'}),
    "token-json-without-id-token": ("token", {"body": '{"access_token":"x","token_type":"Bearer"}'}),
    "token-oversized": ("token", {"size": 2 << 20}),
    "token-array": ("token", {"body": "[1,2,3]"}),
    "userinfo-not-json": ("userinfo", {"body": "{\"sub\":", "type": "application/json"}),
    "userinfo-oversized": ("userinfo", {"size": 2 << 20}),
    "userinfo-401": ("userinfo", {"status": 401, "body": '{"error":"invalid_token"}'}),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_provider_answer_is_invalid_cred(stack, provider, admin, case):
    route, plan = BROKEN[case]
    provider.set_account("mia", email="mia@example.com", name="mia")
    if route == "userinfo":      # make usher ask userinfo
        provider.next_id_token(unset=["email", "name", "email_verified"])
    provider.next_response(route, **plan)
    w = walk(stack, provider, "mia")
    assert_refused(stack, w.callback)
    nothing_left(stack)


@pytest.mark.parametrize("body", ["not json", '{"keys": "nope"}', '{"keys":[{"kty":"RSA"}]}',
                                  None], ids=["not-json", "keys-string", "key-without-n-e",
                                              "oversized"])
def test_broken_jwks_after_a_key_rotation(stack, provider, new_caches, admin, body):
    """The JWKS is cached; a token under a new kid makes usher fetch it again, and that
    answer is broken."""
    provider.set_account("mia", email="mia@example.com", name="mia")
    provider.control("rotate-key")
    provider.next_response("jwks", **({"body": body} if body is not None else {"size": 2 << 20}))
    w = walk(stack, provider, "mia")
    assert_refused(stack, w.callback)
    nothing_left(stack)


def test_no_refusal_leaves_a_5xx_in_the_log(stack, provider, admin):
    s, url = to_callback(stack, provider)
    for change in ({"state": "%"}, {"code": "%zz"}, {"iss": "http://evil"}):
        r = get(s, with_query(url, **change))
        assert r.status_code < 500


# ---------------------------------------------------------------- odd claims
ODD_CLAIMS = {
    "long-name": {"name": "N" * 5000},
    "control-chars-in-name": {"name": "a\u0000b\u0007c\u202e"},
    "html-name": {"name": "<script>alert(1)</script>"},
    "email-not-an-email": {"email": "not-an-email"},
    "email-long": {"email": "e" * 300 + "@example.com"},
    "email-number": {"email": 12345},
    "email-list": {"email": ["a@example.com"]},
    "name-object": {"name": {"first": "x"}},
    "picture-long": {"picture": "https://example.com/" + "p" * 100000},
    "picture-number": {"picture": 7},
    "roles-object": {"roles": {"admin": True}},
    "groups-number": {"groups": 5},
    "big-token": {"pad": "x" * 300000},
}


@pytest.mark.parametrize("case", sorted(ODD_CLAIMS))
def test_odd_claims_never_crash(stack, provider, admin, case):
    """Claims of the wrong type or size: a redirect either way, a token only without an
    error, and an account only with a token; never a 5xx."""
    claims = {"email": "odd@example.com", "name": "Odd"}
    claims.update(ODD_CLAIMS[case])
    extra = claims.pop("pad", None)
    provider.set_account("odd", **claims)
    if extra:
        provider.next_id_token(set={"pad": extra})
    w = walk(stack, provider, "odd")
    r = w.callback
    assert r.status_code in (302, 303, 307), (r.status_code, r.text[:300])
    users = int(sql_one(stack, "SELECT COUNT(*) FROM `user`"))
    if r.cookies.get("token"):
        assert users == 2
        u = requests.get(stack.url("/api/v1/auths/"), timeout=30,
                         headers={"Authorization": "Bearer " + r.cookies["token"]})
        assert u.status_code == 200, u.text
    else:
        assert_refused(stack, r, text=None)
        nothing_left(stack)
