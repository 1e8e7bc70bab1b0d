"""CSRF for browser forms (usher's difference #7): a form post authenticated by the session
cookie needs the csrf_token bound to that session; a browser's successful form post is sent
on to its `next` page; the browser's sign-up and sign-in forms.
"""


import pytest


from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    AUTHS, INVALID_CRED, ME, PASSWORD, Client, auth_env, auth_module, cookie_headers, expect,
    first_admin, set_admin_config, signin, sql_one,
)


# ================================================================ CSRF for browser forms

def browser_session(stack):
    admin = first_admin(stack)
    r = signin(stack, admin.email)
    u = expect(r, 200)
    csrf = cookie_headers(r, "csrf_token")[0].split(";")[0].split("=", 1)[1]
    return admin, u["token"], csrf


def timezone(stack, uid):
    return sql_one(stack, f"SELECT timezone FROM `user` WHERE id = '{uid}'")


def test_cookie_form_post_needs_csrf_token(stack):
    admin, token, csrf = browser_session(stack)
    url = AUTHS + "/update/timezone"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = stack.post(url, data={"timezone": "Asia/Tokyo"}, cookies={"token": token})
    assert r.status_code == 403, r.text
    r = stack.post(url, data={"timezone": "Asia/Tokyo"}, cookies={"token": token, "csrf_token": csrf})
    assert r.status_code == 403, r.text
    r = stack.post(url, data={"timezone": "Asia/Tokyo", "csrf_token": csrf[:-1] + ("1" if csrf[-1] == "0" else "0")},
                   cookies={"token": token, "csrf_token": csrf})
    assert r.status_code == 403, r.text
    assert timezone(stack, admin.id) == "NULL"
    r = stack.post(url, data={"timezone": "Asia/Tokyo", "csrf_token": csrf},
                   cookies={"token": token, "csrf_token": csrf})
    assert expect(r, 200) == {"status": True}
    assert timezone(stack, admin.id) == "Asia/Tokyo"
    r = stack.post(url, files={"timezone": (None, "Europe/Oslo"), "csrf_token": (None, csrf)},
                   cookies={"token": token, "csrf_token": csrf})
    assert expect(r, 200) == {"status": True}
    assert timezone(stack, admin.id) == "Europe/Oslo"
    # Bearer callers and JSON bodies need no CSRF token (a page on another site can send neither)
    expect(stack.post(url, data={"timezone": "UTC"}, headers=dict(form, Authorization="Bearer " + token)), 200)
    expect(stack.post(url, json={"timezone": "Etc/GMT"}, cookies={"token": token}), 200)
    assert timezone(stack, admin.id) == "Etc/GMT"


def test_empty_cookie_form_post_needs_csrf_token(stack):
    admin, token, csrf = browser_session(stack)
    set_admin_config(admin, ENABLE_API_KEYS=True)
    key = expect(admin.post("api_key"), 200)["api_key"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    r = stack.post(AUTHS + "/api_key", data=b"", headers=form, cookies={"token": token})
    assert r.status_code == 403, r.text
    assert expect(admin.get("api_key"), 200) == {"api_key": key}


def test_cookie_post_without_content_type_needs_csrf_token(stack):
    # a cross-site fetch(no-cors) can send a body without Content-Type and no preflight
    admin, token, csrf = browser_session(stack)
    url = AUTHS + "/update/timezone"
    r = stack.post(url, data=b'{"timezone": "Pacific/Fiji"}', cookies={"token": token})
    expect(r, 403, "CSRF token missing or invalid")
    assert timezone(stack, admin.id) != "Pacific/Fiji"


def test_csrf_token_is_bound_to_the_session(stack):
    # a token from another session (say, a cookie planted by a sibling site) does not pass
    admin, token, csrf = browser_session(stack)
    # a second sign-in of the same user is another session, with another CSRF token
    r = signin(stack, admin.email)
    expect(r, 200)
    other_csrf = cookie_headers(r, "csrf_token")[0].split(";")[0].split("=", 1)[1]
    assert other_csrf != csrf
    r = stack.post(AUTHS + "/update/timezone", data={"timezone": "Asia/Dubai", "csrf_token": other_csrf},
                   cookies={"token": token, "csrf_token": other_csrf})
    expect(r, 403, "CSRF token missing or invalid")


@pytest.mark.parametrize("next_,location", [
    ("/somewhere", "/somewhere"), ("/a/b?c=d", "/a/b?c=d"), ("//evil.example", "/"),
    ("https://evil.example/", "/"), ("/\\evil.example", "/"), ("", "/"), (None, "/"),
    ("/\t/evil.example/", "/"), ("/ /evil.example", "/"), ("/caf\u00e9", "/"),
])
def test_browser_form_post_redirects_to_next(stack, next_, location):
    admin, token, csrf = browser_session(stack)
    fields = {"timezone": "America/Lima", "csrf_token": csrf}
    if next_ is not None:
        fields["next"] = next_
    r = stack.post(AUTHS + "/update/timezone", data=fields, headers={"Accept": "text/html"},
                   cookies={"token": token, "csrf_token": csrf})
    assert r.status_code == 303, r.text
    assert r.headers["Location"] == location
    assert timezone(stack, admin.id) == "America/Lima"


def test_browser_form_errors_stay_errors(stack):
    admin, token, csrf = browser_session(stack)
    html = {"Accept": "text/html,application/xhtml+xml"}
    r = stack.post(AUTHS + "/update/timezone", data={"timezone": "X", "next": "/ok"}, headers=html,
                   cookies={"token": token, "csrf_token": csrf})
    assert r.status_code == 403 and "Location" not in r.headers
    r = stack.post(AUTHS + "/signin", data={"email": admin.email, "password": "bad", "next": "/ok"},
                   headers=html)
    expect(r, 400, INVALID_CRED)


def test_browser_signup_and_signin_forms(stack):
    html = {"Accept": "text/html"}
    r = stack.post(AUTHS + "/signup", data={"name": "Web", "email": "web@example.com",
                                            "password": PASSWORD, "next": "/welcome"}, headers=html)
    assert r.status_code == 303 and r.headers["Location"] == "/welcome"
    token = cookie_headers(r, "token")[0].split(";")[0].split("=", 1)[1]
    assert expect(Client(stack, token, "cookie").get(ME), 200)["email"] == "web@example.com"
    r = stack.post(AUTHS + "/signin", files={"email": (None, "web@example.com"),
                                             "password": (None, PASSWORD), "next": (None, "/home")},
                   headers=html)
    assert r.status_code == 303 and r.headers["Location"] == "/home"
    assert cookie_headers(r, "token") and cookie_headers(r, "csrf_token")
