"""One Origin check (auth/csrf.c) for the API and the pages: a form posted by a page of the
same host on another port is another site (the port is part of an origin) and changes
nothing, on the API's cookie form post, its form sign-in and a page's post; the same origin
still works on all three."""
import pytest

from authlib import (AUTHS, PASSWORD, cookie_headers, ensure_pool_env, expect, first_admin,
                     signin, sql_one, wipe_db)
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
