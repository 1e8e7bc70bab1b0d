"""Cookies over HTTPS (issue 15, item 6): nginx with a TLS listener, a self-signed
certificate made now by `openssl req`, and nginx/usher.conf included as shipped, in front of
the stack's pool. Every cookie usher sets with a value (token, csrf_token, usher_form)
carries Secure there, with no setting; over the stack's plain HTTP it does not. This nginx
is the test's own (the stack's stays as it is), started and stopped here.
"""
import os
import signal
import subprocess
import time
import warnings

import pytest
import requests

from harness import REPO, alive, free_port, wait_for

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    AUTHS, PASSWORD, add_user, auth_env, auth_module, cookie_headers, expect, first_admin,
)


def secure(lines):
    return [any(p.strip().lower() == "secure" for p in h.split(";")[1:]) for h in lines]


@pytest.fixture(scope="module")
def tls(stack, tmp_path_factory):
    d = tmp_path_factory.mktemp("tls-nginx")
    for sub in ("tmp", "logs"):
        (d / sub).mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(d / "key.pem"),
                    "-out", str(d / "cert.pem")], check=True, capture_output=True)
    (d / "fastcgi_params").symlink_to("/etc/nginx/fastcgi_params")
    limits = [line.replace("rate=5r/s", "rate=10000r/s").replace("rate=1r/s", "rate=10000r/s")
              for line in (REPO / "nginx" / "usher-upstream.conf").read_text().splitlines()
              if line.startswith("limit_req")]
    port = free_port()
    (d / "nginx.conf").write_text(f"""
user root;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    fastcgi_temp_path {d}/tmp/fastcgi;
    proxy_temp_path {d}/tmp/proxy;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    upstream usher {{ server unix:{stack.socket}; }}
    {chr(10).join(limits)}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {d}/cert.pem;
        ssl_certificate_key {d}/key.pem;
        include {REPO}/nginx/usher.conf;
    }}
}}
""")
    subprocess.run(["nginx", "-c", str(d / "nginx.conf"), "-p", f"{d}/"], check=True,
                   capture_output=True)
    base = f"https://127.0.0.1:{port}"

    def answers():
        try:
            return requests.get(base + "/health", verify=False, timeout=2).status_code == 200
        except requests.RequestException:
            return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wait_for(answers, timeout=10, what="the TLS nginx to answer")
            yield base
        finally:
            pid = int((d / "nginx.pid").read_text())
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)


def test_every_cookie_is_secure_over_https_and_not_over_http(stack, tls):
    admin = first_admin(stack)
    user = add_user(admin)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = requests.post(tls + AUTHS + "/signin", json={"email": user.email,
                                                          "password": PASSWORD}, verify=False)
        expect(r, 200)
        lines = cookie_headers(r, "token") + cookie_headers(r, "csrf_token")
        assert len(lines) == 2 and all(secure(lines)), lines
        # the session's cookies re-sent by GET /auths/ and the pages' form cookie
        r = requests.get(tls + AUTHS + "/", cookies={"token": r.json()["token"]}, verify=False)
        expect(r, 200)
        lines = cookie_headers(r, "token") + cookie_headers(r, "csrf_token")
        assert len(lines) == 2 and all(secure(lines)), lines
        r = requests.get(tls + "/usher/login", headers={"Accept": "text/html"}, verify=False)
        assert r.status_code == 200 and all(secure(cookie_headers(r, "usher_form"))), r.headers
        assert cookie_headers(r, "usher_form")
        # nginx names no version over TLS either
        assert r.headers.get("Server") == "nginx", r.headers
    # the same pool over the stack's plain HTTP: no Secure
    r = stack.post(AUTHS + "/signin", json={"email": user.email, "password": PASSWORD})
    expect(r, 200)
    lines = cookie_headers(r, "token") + cookie_headers(r, "csrf_token")
    assert len(lines) == 2 and not any(secure(lines)), lines
