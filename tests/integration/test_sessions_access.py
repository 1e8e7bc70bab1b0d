"""Who may call which auths route (contract §0 roles, §1b; deltas §1): a matrix of every kind
of caller (anonymous, each role by Bearer and cookie, API keys, revoked, expired, forged and
otherwise dead tokens) against every auths route's access level.
"""
import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, AUTHS, auth_env, auth_module, expect,
)
from callerlib import KINDS, callers  # noqa: F401  (callers: the fixture)


# ================================================================ the access matrix
# Every auths route with its access level (contract §1b; deltas §1) and what a caller that
# passes the level gets for an empty JSON body: the handler runs, so the answer is the
# handler's own (validation 422, a permission 403, ...), never an authentication 401.
# Sign-out is public but revokes what it is given: it has tests of its own.
ROUTES = [
    ("GET", "", "any", 200),
    ("POST", "update/timezone", "any", 422),
    ("POST", "update/password", "any", 422),
    ("GET", "admin/details", "any", 200),
    ("POST", "api_key", "any", {"admin": 200, "user": 403, "pending": 403}),
    ("GET", "api_key", "any", {"admin": (200, 404), "user": 403, "pending": 403}),
    ("DELETE", "api_key", "any", {"admin": 200, "user": 403, "pending": 403}),
    ("POST", "update/profile", "verified", 422),
    ("DELETE", "oauth/sessions/google", "verified", 404),
    ("POST", "add", "admin", 422),
    ("GET", "admin/config", "admin", 200),
    ("POST", "admin/config", "admin", 422),
    ("GET", "admin/config/ldap", "admin", 200),
    ("POST", "admin/config/ldap", "admin", 200),
    ("GET", "admin/config/ldap/server", "admin", 200),
    ("POST", "admin/config/ldap/server", "admin", 422),
    ("GET", "admin/config/oauth", "admin", 200),
    ("POST", "admin/config/oauth", "admin", 200),
    ("POST", "signin", "public", 422),
    ("POST", "signup", "public", 422),
    ("POST", "ldap", "public", 422),
    ("POST", "oauth/google/token/exchange", "public", 403),
]

# Every kind of caller but the ones this router cannot tell apart from another (a user's API
# key, the primary admin's own key: the auths routes see an API key of that role, as
# api-key does).
CALLERS = {kind: KINDS[kind] for kind in KINDS if kind not in ("user-api-key", "admin-key")}


class TestAccessMatrix:
    KEEP_DB = True

    @pytest.mark.parametrize("caller", list(CALLERS))
    @pytest.mark.parametrize("method,path,level,ok", ROUTES,
                             ids=[f"{m} {p or '/'}" for m, p, _, _ in ROUTES])
    def test_route_access(self, stack, callers, caller, method, path, level, ok):
        c = callers.client(caller)
        kw = {"json": {}} if method == "POST" else {}
        r = c.request(method, AUTHS + "/" + path, **kw)
        outcome = CALLERS[caller]
        role = outcome if outcome in ("pending", "user", "admin") else None
        if level == "public":
            expect(r, ok)
            return
        if role is None:
            expect(r, 401, outcome)
            return
        if (level == "verified" and role == "pending") or (level == "admin" and role != "admin"):
            expect(r, 401, ACCESS_PROHIBITED)
            return
        want = ok[role] if isinstance(ok, dict) else ok
        want = want if isinstance(want, tuple) else (want,)
        assert r.status_code in want, f"{method} {path} as {caller}: {r.status_code} {r.text[:300]}"
