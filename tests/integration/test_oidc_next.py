"""`next=` of /oauth/oidc/login (issue 20, an addition of usher's): a local path under the
pages prefix ends the login on that page, with the token cookie HttpOnly as the pages' sign-in
sets it; anything else (//host, /\\host, a URL with a scheme, a path outside /usher/) is
ignored and the login ends on /auth as Open WebUI's does. Logins through the real provider
(oidclib.py)."""
import html

import pytest

from authlib import ACCESS_PROHIBITED, cookie_headers
from oidclib import (assert_refused, assert_signed_in, error_of, login, oidc_env,  # noqa: F401
                     oidc_module, provider, walk)


def token_line(r):
    (line,) = cookie_headers(r, "token")
    return line.lower()


@pytest.mark.parametrize("next_path", ["/usher/account", "/usher/security"])
def test_next_under_the_pages_prefix(stack, provider, next_path):
    provider.set_account("nia", email="nia@example.com")
    w, _ = login(stack, provider, "nia", next_path=next_path)
    assert "httponly" in token_line(w.callback)


@pytest.mark.parametrize("bad", [
    "//evil.example/usher/account", "/\\evil.example/usher/account", "\\\\evil.example/",
    "https://evil.example/usher/account", "http:/usher/account", "javascript:alert(1)",
    "/api/v1/auths/", "/auth", "usher/account", "/usher/../api/v1/users/",
    "/usher/account\r\nSet-Cookie: x=1", "//", "",
    "/usher/%2e%2e/api/v1/users/", "/usher/..%2f..%2fauth", "%2F%2Fevil.example/usher/",
    "/usher/\\evil.example", "https:/\\evil.example/usher/",
    "/usher/..", "/usher/account/../..", "/usherevil/account", "/usher-x/",
])
def test_other_next_values_are_ignored(stack, provider, bad):
    provider.set_account("nia", email="nia@example.com")
    w = walk(stack, provider, "nia", next_path=bad)
    assert_signed_in(stack, w.callback)          # ends on /auth, as without next
    assert "evil" not in w.callback.headers["Location"]
    assert "httponly" not in token_line(w.callback)


class TestRefusedFromThePages:
    OIDC_ENV = {"ENABLE_OAUTH_SIGNUP": "false"}

    def test_error_shown_on_the_login_page_or_auth(self, stack, provider):
        """A login that started from an /usher/ page may show its error on /usher/login."""
        provider.set_account("noa", email="noa@example.com")
        w = walk(stack, provider, "noa", next_path="/usher/account")
        assert_refused(stack, w.callback, text=None)
        loc = w.callback.headers["Location"]
        if "/usher/login" in loc:
            page = w.session.get(stack.url(loc) if loc.startswith("/") else loc,
                                 allow_redirects=False, timeout=30)
            assert page.status_code == 200
            assert html.unescape(ACCESS_PROHIBITED) in html.unescape(page.text)
        else:
            assert error_of(w.callback) == ACCESS_PROHIBITED
