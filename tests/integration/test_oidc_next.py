"""`next=` of /oauth/oidc/login (issue 20, an addition of usher's): a local path under the
pages prefix ends the login on that page, with the token cookie HttpOnly as the pages' sign-in
sets it; anything else (//host, /\\host, a URL with a scheme, a path outside /usher/) is
ignored and the login ends on /auth as Open WebUI's does. Logins through the real provider
(oidclib.py)."""
import pytest

from authlib import cookie_headers
from oidclib import (login, oidc_env, oidc_module, provider, walk,  # noqa: F401
                     assert_signed_in)


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
])
def test_other_next_values_are_ignored(stack, provider, bad):
    provider.set_account("nia", email="nia@example.com")
    w = walk(stack, provider, "nia", next_path=bad)
    assert_signed_in(stack, w.callback)          # ends on /auth, as without next
    assert "evil" not in w.callback.headers["Location"]
    assert "httponly" not in token_line(w.callback)
