"""Regression tests of issue 15's edge findings, each failing on the code before its fix:
(6) cookies over HTTPS behind a trusted proxy, (7) profile images served from usher's origin,
(8) sign-out by a cross-site GET, (9) the web server's version in the Server header, and
(5) slow request bodies (the reason scripts/test-apache.sh runs this file: behind Apache's
mod_proxy_fcgi a body sent at 1 byte/s used to hold a worker; nginx reads bodies first).
The TLS listener is in test_tls.py, the bcrypt cap in test_bcrypt_gate.py.
"""
import base64
import re
import socket
import statistics
import threading
import time

import pytest
import requests

from harness import TIME_SCALE

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    AUTHS, INVALID_TOKEN_SHORT, ME, PASSWORD, Client, add_user, auth_env, auth_module,
    cookie_deleted, cookie_headers, expect, first_admin, signin, sql_quote,
)


def secure(lines):
    return [any(p.strip().lower() == "secure" for p in h.split(";")[1:]) for h in lines]


def signin_cookies(stack, email, headers=None):
    r = signin(stack, email, headers=headers or {})
    expect(r, 200)
    return r, cookie_headers(r, "token") + cookie_headers(r, "csrf_token")


def form_cookie(stack, headers=None):
    r = stack.get("/usher/login", headers=dict(headers or {}, Accept="text/html"))
    assert r.status_code == 200, r.text[:200]
    lines = cookie_headers(r, "usher_form")
    assert lines, r.headers
    return lines


# ================================================================ (6) Secure cookies

class TestCookiesBehindATrustedProxy:
    POOL_ENV = {"USHER_TRUSTED_PROXIES": "10.9.9.9, 127.0.0.1"}

    def test_forwarded_https_from_a_trusted_proxy_makes_every_cookie_secure(self, stack):
        admin = first_admin(stack)
        user = add_user(admin)
        https = {"X-Forwarded-Proto": "https"}
        _, lines = signin_cookies(stack, user.email, https)
        assert len(lines) == 2 and all(secure(lines)), lines
        assert all(secure(form_cookie(stack, https)))
        # GET /auths/ re-sends the session's cookies: Secure too
        r = stack.get(ME, cookies={"token": expect(signin(stack, user.email), 200)["token"]},
                      headers=https)
        expect(r, 200)
        lines = cookie_headers(r, "token") + cookie_headers(r, "csrf_token")
        assert len(lines) == 2 and all(secure(lines)), lines
        # a proxy that saw several hops: the last value is its own
        _, lines = signin_cookies(stack, user.email, {"X-Forwarded-Proto": "http, https"})
        assert all(secure(lines)), lines

    def test_plain_http_keeps_the_default(self, stack):
        admin = first_admin(stack)
        user = add_user(admin)
        for headers in ({}, {"X-Forwarded-Proto": "http"}, {"X-Forwarded-Proto": "https, http"},
                        {"X-Forwarded-Proto": "httpsx"}):
            _, lines = signin_cookies(stack, user.email, headers)
            assert len(lines) == 2 and not any(secure(lines)), (headers, lines)
        assert not any(secure(form_cookie(stack)))


class TestCookiesFromAnUntrustedAddress:
    POOL_ENV = {"USHER_TRUSTED_PROXIES": "10.9.9.9"}

    def test_forwarded_proto_from_anyone_else_is_ignored(self, stack):
        admin = first_admin(stack)
        user = add_user(admin)
        _, lines = signin_cookies(stack, user.email, {"X-Forwarded-Proto": "https"})
        assert len(lines) == 2 and not any(secure(lines)), lines
        assert not any(secure(form_cookie(stack, {"X-Forwarded-Proto": "https"})))


# ================================================================ (7) profile images

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
SVG = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(document.cookie)'/>"
CSP = "default-src 'none'; sandbox"


def data_uri(mime, data):
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def image_of(stack, viewer, owner_id, stored):
    stack.sql(f"UPDATE `user` SET profile_image_url = {sql_quote(stored)} WHERE id = '{owner_id}'")
    return viewer.get(f"/api/v1/users/{owner_id}/profile/image")


def assert_sandboxed(r):
    assert r.status_code == 200, r.text[:200]
    csp = r.headers.get("Content-Security-Policy", "")
    assert csp == CSP, r.headers
    assert "allow-scripts" not in csp
    assert r.headers.get("X-Content-Type-Options") == "nosniff", r.headers


class TestProfileImagesWithSvgAllowed:
    POOL_ENV = {"PROFILE_IMAGE_ALLOWED_MIME_TYPES":
                "image/png,image/jpeg,image/gif,image/webp,image/svg+xml,image/x-icon"}

    def test_svg_is_never_inline(self, stack):
        admin = first_admin(stack)
        user = add_user(admin)
        for mime in ("image/svg+xml", "image/SVG+XML", "image/x-icon"):
            r = image_of(stack, user, admin.id, data_uri(mime, SVG))
            assert_sandboxed(r)
            disposition = r.headers.get("Content-Disposition", "")
            # an attachment, or the default avatar: never the SVG rendered inline
            assert (disposition.startswith("attachment") or
                    (r.content.startswith(b"\x89PNG") and disposition != "inline")), r.headers
            assert not (r.content == SVG and not disposition.startswith("attachment"))

    def test_rasters_stay_inline(self, stack):
        admin = first_admin(stack)
        user = add_user(admin)
        r = image_of(stack, user, admin.id, data_uri("image/png", PNG_1PX))
        assert_sandboxed(r)
        assert r.content == PNG_1PX and r.headers["Content-Type"] == "image/png"
        assert r.headers.get("Content-Disposition") == "inline"


def test_every_image_answer_with_a_body_is_sandboxed_and_the_redirect_stays(stack):
    admin = first_admin(stack)
    user = add_user(admin)
    for stored in (data_uri("image/png", PNG_1PX), data_uri("image/gif", b"GIF89a"),
                   data_uri("image/svg+xml", SVG), "/user.png", "",
                   "data:image/png;base64,!!!", "javascript:alert(1)"):
        r = image_of(stack, user, admin.id, stored)
        assert_sandboxed(r)
        if "svg" in stored:     # not allowed by default: the default avatar
            assert r.content.startswith(b"\x89PNG") and r.content != SVG
    r = image_of(stack, user, admin.id, "https://cdn.example.com/a.png")
    assert r.status_code == 302 and r.headers["Location"] == "https://cdn.example.com/a.png"


# ================================================================ (8) sign-out CSRF

def host_of(stack):
    return stack.base_url.split("://", 1)[1]


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "image"},
])
def test_cross_site_get_signout_changes_nothing(stack, headers):
    admin = first_admin(stack)
    user = add_user(admin)
    token = expect(signin(stack, user.email), 200)["token"]
    r = stack.get(AUTHS + "/signout", cookies={"token": token}, headers=headers)
    assert r.status_code == 403, r.text
    assert not cookie_headers(r, "token"), r.headers      # the cookie is not deleted
    expect(Client(stack, token, "cookie").get(ME), 200)   # nor the token revoked


def test_same_site_header_less_bearer_and_post_signouts_work_as_before(stack):
    admin = first_admin(stack)
    user = add_user(admin)
    host = host_of(stack)
    cases = [
        ("GET", "cookie", {"Sec-Fetch-Site": "same-origin", "Origin": "http://" + host}),
        ("GET", "cookie", {"Sec-Fetch-Site": "none"}),
        ("GET", "cookie", {}),
        ("GET", "bearer", {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}),
        ("POST", "bearer", {}),
        ("POST", "cookie", {"Content-Type": "application/json"}),
    ]
    for method, how, headers in cases:
        token = expect(signin(stack, user.email), 200)["token"]
        kw = {"headers": dict(headers)}
        if how == "cookie":
            kw["cookies"] = {"token": token}
        else:
            kw["headers"]["Authorization"] = "Bearer " + token
        if method == "POST" and how == "cookie":
            kw["data"] = "{}"
        r = stack.request(method, AUTHS + "/signout", **kw)
        assert r.status_code == 200 and r.json()["status"] is True, (method, how, r.text)
        assert cookie_deleted(r, "token"), (method, how, r.headers)
        expect(Client(stack, token).get(ME), 401, INVALID_TOKEN_SHORT)


# ================================================================ (9) server tokens

VERSION = re.compile(r"[0-9]|/")


def assert_no_version(r):
    server = r.headers.get("Server", "")
    assert server and not VERSION.search(server), r.headers
    assert not re.search(r"(nginx|Apache)/[0-9]", r.text), r.text[:300]


def test_server_header_names_no_version(stack):
    r = stack.get("/health")
    assert r.status_code == 200
    assert_no_version(r)
    assert_no_version(stack.get("/api/v1/users/"))                    # usher's 401
    r = stack.get("/not-usher-at-all")                                  # the web server's 404
    assert r.status_code == 404
    assert_no_version(r)
    r = stack.get("/api/v1/" + "a" * 20000)                             # the web server's 414
    assert r.status_code == 414, r.status_code
    assert_no_version(r)


# ================================================================ (5) slow request bodies

SLOW_CLIENTS = 4


def slow_client(port, stop, counts):
    """Sends a sign-in body one byte a second, reconnecting whenever the server cuts it or
    answers (a 408 from the web server, or usher's 400/422 once the body is complete)."""
    while not stop.is_set():
        s = None
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            s.sendall(b"POST /api/v1/auths/signin HTTP/1.1\r\nHost: localhost\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 600\r\n\r\n")
            counts["connections"] += 1
            while not stop.wait(1.0):
                s.sendall(b" ")
        except OSError:
            counts["cut"] += 1
            stop.wait(0.05)
        finally:
            if s:
                s.close()


def test_slow_bodies_keep_no_request_waiting(stack):
    stop = threading.Event()
    counts = {"connections": 0, "cut": 0}
    threads = [threading.Thread(target=slow_client, args=(stack.port, stop, counts), daemon=True)
               for _ in range(SLOW_CLIENTS)]
    for t in threads:
        t.start()
    waits = []
    try:
        time.sleep(1.5)      # every slow body under way (as many as the pool has workers)
        end = time.monotonic() + 8
        while time.monotonic() < end:
            t0 = time.monotonic()
            r = requests.get(stack.url("/health"), timeout=30)
            waits.append(time.monotonic() - t0)
            assert r.status_code == 200, r.text
            time.sleep(max(0.0, 0.5 - waits[-1]))
    finally:
        stop.set()
        for t in threads:
            t.join(5)
    assert counts["connections"] >= SLOW_CLIENTS
    print(f"probe wait with {SLOW_CLIENTS} slow bodies: p50 "
          f"{statistics.median(waits) * 1000:.0f} ms, max {max(waits) * 1000:.0f} ms, "
          f"{len(waits)} probes, {counts}")
    assert max(waits) <= 1.0 * TIME_SCALE, waits
