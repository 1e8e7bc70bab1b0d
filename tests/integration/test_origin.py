"""One Origin check (auth/csrf.c) for the API and the pages: a form posted by a page of the
same host on another port is another site (the port is part of an origin) and changes
nothing, on the API's cookie form post, its form sign-in and a page's post; the same origin
still works on all three."""
import pytest

from authlib import (AUTHS, PASSWORD, cookie_headers, ensure_pool_env, expect, first_admin,
                     restore_default_pool, signin, sql_one, wipe_db)
from pagelib import PREFIX, PageClient

CSRF_TEXT = "CSRF token missing or invalid"


def origins(stack):
    """(this site's origin, the same host on another port)."""
    here = stack.base_url
    port = int(here.rsplit(":", 1)[1])
    return here, here.rsplit(":", 1)[0] + ":" + str(port + 1 if port < 65535 else port - 1)


@pytest.fixture(scope="module")
def admin(stack):
    ensure_pool_env(stack)
    wipe_db(stack)
    return first_admin(stack)


def timezone(stack, uid):
    return sql_one(stack, f"SELECT timezone FROM `user` WHERE id = '{uid}'")


def test_api_cookie_form_post_refuses_another_port(stack, admin):
    here, other = origins(stack)
    r = signin(stack, admin.email)
    token = expect(r, 200)["token"]
    csrf = cookie_headers(r, "csrf_token")[0].split(";")[0].split("=", 1)[1]
    cookies = {"token": token, "csrf_token": csrf}
    before = timezone(stack, admin.id)
    r = stack.post(AUTHS + "/update/timezone", data={"timezone": "Asia/Dubai", "csrf_token": csrf},
                   cookies=cookies, headers={"Origin": other})
    assert r.status_code == 403 and CSRF_TEXT in r.text, r.text
    assert timezone(stack, admin.id) == before
    r = stack.post(AUTHS + "/update/timezone", data={"timezone": "Asia/Dubai", "csrf_token": csrf},
                   cookies=cookies, headers={"Origin": here, "Sec-Fetch-Site": "same-origin"})
    assert expect(r, 200) == {"status": True}
    assert timezone(stack, admin.id) == "Asia/Dubai"


def test_api_form_signin_refuses_another_port(stack, admin):
    here, other = origins(stack)
    form = {"email": admin.email, "password": PASSWORD}
    r = stack.post(AUTHS + "/signin", data=form, headers={"Origin": other})
    assert r.status_code == 403 and not cookie_headers(r, "token"), r.text
    expect(stack.post(AUTHS + "/signin", data=form, headers={"Origin": here}), 200)


def test_page_post_refuses_another_port(stack, admin):
    here, other = origins(stack)
    p = PageClient(stack)
    r = p.signin(admin.email, PASSWORD)
    assert r.status_code == 303 and p.token(), r.text
    before = timezone(stack, admin.id)
    r = p.form_post("/account", "/account/timezone", {"timezone": "Africa/Lagos"},
                    headers={"Origin": other})
    assert r.status_code == 403, r.text
    assert timezone(stack, admin.id) == before
    r = p.form_post("/account", "/account/timezone", {"timezone": "Africa/Lagos"},
                    headers={"Origin": here, "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 303 and r.headers["Location"].startswith(PREFIX + "/account"), r.text
    assert timezone(stack, admin.id) == "Africa/Lagos"
    # the sign-in page is the same check: another port cannot sign a browser in
    q = PageClient(stack)
    r = q.form_post("/login", "/login", {"email": admin.email, "password": PASSWORD},
                    headers={"Origin": other})
    assert r.status_code == 403 and q.token() is None


class TestBehindATlsProxy:
    """A proxy in front of nginx ends TLS and says so with X-Forwarded-Proto (and the port
    the browser used with X-Forwarded-Port): the browser's Origin is https://host[:port],
    while nginx itself was reached over plain HTTP on another port. The proxy passes the
    browser's Host on (nginx passes its $host, without a port: a proxy on another port than
    443 says which with X-Forwarded-Port). From a trusted_proxies
    address that is the same origin; from anyone else the headers mean nothing."""
    POOL_ENV = {"USHER_TRUSTED_PROXIES": "127.0.0.1"}

    @pytest.fixture(autouse=True)
    def pool(self, stack):
        ensure_pool_env(stack, self.POOL_ENV)
        yield
        restore_default_pool(stack)

    @staticmethod
    def post(stack, admin, origin, host, headers):
        r = signin(stack, admin.email)
        token = expect(r, 200)["token"]
        csrf = cookie_headers(r, "csrf_token")[0].split(";")[0].split("=", 1)[1]
        return stack.post(AUTHS + "/update/timezone",
                          data={"timezone": "Asia/Tokyo", "csrf_token": csrf},
                          cookies={"token": token, "csrf_token": csrf},
                          headers={"Origin": origin, "Host": host, **headers})

    def test_forwarded_https_origin_is_this_site(self, stack):
        wipe_db(stack)
        admin = first_admin(stack)
        h = "usher.example"
        https = {"X-Forwarded-Proto": "https"}
        for origin, host, headers in (
                ("https://" + h, h, https),
                (f"https://{h}:8443", h, {**https, "X-Forwarded-Port": "8443"})):
            r = self.post(stack, admin, origin, host, headers)
            assert r.status_code == 200, (origin, host, headers, r.text)
        assert timezone(stack, admin.id) == "Asia/Tokyo"

    def test_forwarded_https_origin_elsewhere_is_refused(self, stack):
        wipe_db(stack)
        admin = first_admin(stack)
        h = "usher.example"
        https = {"X-Forwarded-Proto": "https"}
        before = timezone(stack, admin.id)
        for origin, host, headers in (
                (f"https://{h}:8443", h, https),                              # port 443 meant
                ("https://" + h, h, {**https, "X-Forwarded-Port": "8443"}),
                ("https://" + h, h, {}),            # nobody said https: a plain-HTTP site
                ("http://" + h, h, https)):         # the browser was on https
            r = self.post(stack, admin, origin, host, headers)
            assert r.status_code == 403 and CSRF_TEXT in r.text, (origin, host, headers, r.text)
        assert timezone(stack, admin.id) == before


class TestForwardedHeadersFromAnyone:
    POOL_ENV = {"USHER_TRUSTED_PROXIES": "10.9.9.9"}
    pool = TestBehindATlsProxy.pool

    def test_untrusted_forwarded_proto_is_ignored(self, stack):
        wipe_db(stack)
        admin = first_admin(stack)
        before = timezone(stack, admin.id)
        r = TestBehindATlsProxy.post(stack, admin, "https://usher.example", "usher.example",
                                     {"X-Forwarded-Proto": "https"})
        assert r.status_code == 403 and CSRF_TEXT in r.text, r.text
        assert timezone(stack, admin.id) == before
