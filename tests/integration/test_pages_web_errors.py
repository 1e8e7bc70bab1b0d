"""The web server's own refusals under the pages' prefix are HTML pages, while the API's
stay in usher's {"detail": ...} JSON (issue 14, item 6): a body over client_max_body_size
(413) and usher not answering (502). Under Apache (scripts/test-apache.sh) the server's own
pages are HTML already, it answers 503 for a pool that is down, and its snippet does not
make API refusals JSON: only the page half is checked there."""
import os

import pytest

from pagelib import PREFIX, page_text, validate

APACHE = os.environ.get("STACK_WEB") == "apache"
TOO_BIG = b"name=" + b"a" * (2 * 1024 * 1024)     # over the snippets' 1 MB


def assert_html_page(r, status):
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("text/html"), r.headers
    assert "detail" not in r.text
    if not APACHE:              # Apache's own pages are HTML 2.0, not this project's
        validate(r.text)
    return page_text(r.text)


def assert_api_json(r, status):
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    assert isinstance(r.json()["detail"], str)


# /usher/account goes through the prefix's own location, /usher/login, /usher/signup and
# /usher/account/password through the rate-limited ones.
@pytest.mark.parametrize("path", ["/account", "/login", "/signup", "/account/password"])
def test_body_too_large_is_an_html_page_under_the_prefix(stack, path):
    r = stack.post(PREFIX + path, data=TOO_BIG, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"})
    text = assert_html_page(r, 413)
    if not APACHE:
        assert "larger than this site accepts" in text, text
        assert f'href="{PREFIX}/"' in r.text


@pytest.mark.skipif(APACHE, reason="Apache's snippet leaves the API's refusals to Apache")
@pytest.mark.parametrize("path", ["/api/v1/auths/signin", "/api/v1/users/user/settings/update"])
def test_body_too_large_stays_json_on_the_api(stack, path):
    r = stack.post(path, data=TOO_BIG, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                "Accept": "text/html"})
    assert_api_json(r, 413)


def test_usher_down_is_an_html_page_under_the_prefix_and_json_on_the_api(stack, fresh_pool):
    stack.run("pool-stop")
    for path in ("/login", "/account", "/admin/users"):
        r = stack.get(PREFIX + path, headers={"Accept": "text/html"})
        text = assert_html_page(r, 503 if APACHE else 502)
        if not APACHE:
            assert "not answering right now" in text, text
    if not APACHE:
        for path in ("/api/v1/auths/", "/health"):
            assert_api_json(stack.get(path, headers={"Accept": "text/html"}), 502)
