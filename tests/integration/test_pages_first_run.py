"""An empty install explains itself (issue 23): while no account exists, /usher/login says
that the first sign-up becomes the admin and links to sign-up, or, when sign-up is closed,
names `usherctl create-admin`; once an account exists the text is gone. The quick start's
own walk through it is test_quickstart.py; this one covers the closed sign-up too."""
import pytest

from authlib import ensure_pool_env, first_admin, restore_default_pool, wipe_db
from pagelib import PageClient, page_text, parse, validate

EMPTY_TEXT = "No account exists yet"
FIRST_BECOMES_ADMIN = "the first account to sign up becomes the admin"


def notice(html):
    """The text and links of the empty-install notice, or None."""
    for p in parse(html).iter("p"):
        if p.get("id") == "empty-install":
            return "".join(p.itertext()), [a.get("href") for a in p.iter("a")]
    return None


@pytest.fixture
def empty(stack):
    ensure_pool_env(stack)
    wipe_db(stack)
    yield stack
    restore_default_pool(stack)


def test_open_sign_up_links_to_it_until_the_first_account(empty):
    r = PageClient(empty).get("/login")
    assert r.status_code == 200
    validate(r.text)
    text, links = notice(r.text)
    assert FIRST_BECOMES_ADMIN in text, text
    assert links == ["/usher/signup"], links

    first_admin(empty)
    for who in (PageClient(empty), PageClient(empty)):
        r = who.get("/login")
        assert r.status_code == 200
        assert notice(r.text) is None
        assert EMPTY_TEXT not in page_text(r.text)


def test_closed_sign_up_names_usherctl_create_admin(empty):
    # v0.11.0: without the login form the first account cannot sign up either (unless
    # ENABLE_INITIAL_ADMIN_SIGNUP), so the shell is the way in.
    ensure_pool_env(empty, {"ENABLE_LOGIN_FORM": "false"})
    r = PageClient(empty).get("/login")
    assert r.status_code == 200
    validate(r.text)
    text, links = notice(r.text)
    assert "sign-up is closed" in text and "usherctl create-admin" in text, text
    assert FIRST_BECOMES_ADMIN not in text
    assert links == [], links

    # Open again by the initial-admin switch: the page follows sign-up's own gate.
    ensure_pool_env(empty, {"ENABLE_LOGIN_FORM": "false", "ENABLE_INITIAL_ADMIN_SIGNUP": "true"})
    text, links = notice(PageClient(empty).get("/login").text)
    assert FIRST_BECOMES_ADMIN in text and links == ["/usher/signup"], (text, links)


def test_a_signed_out_notice_and_the_form_stay(empty):
    """The notice is added to the page, nothing is taken away from it."""
    r = PageClient(empty).get("/login?signed_out=1")
    assert "You have signed out." in page_text(r.text)
    assert notice(r.text) is not None
    assert 'name="email"' in r.text and 'name="password"' in r.text
