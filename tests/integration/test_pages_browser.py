"""A person's paths through the browser pages, typed and clicked in headless Chromium
(Selenium, Debian's chromium and chromium-driver) through the real nginx and MariaDB.
The tests run in order and share one install: the first signs up the admin. Screenshots
of each page at 375 and 1280 px go to the test output folder (pagelib.OUTPUT). A missing
browser is a failure: scripts/deps.sh installs it."""
import http.server
import os
import threading

import pytest
import requests

from authlib import (ACCESS_PROHIBITED, INVALID_CRED, PASSWORD, ensure_pool_env,
                     restore_default_pool, unique_email, wipe_db)
from harness import free_port
from pagelib import PREFIX, Browser, output_dir

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ADMIN = {"name": "Ada Admin", "email": unique_email("ada"), "password": PASSWORD}
STATE = {}


@pytest.fixture(scope="module")
def env(stack):
    ensure_pool_env(stack)
    wipe_db(stack)
    yield stack
    restore_default_pool(stack)


@pytest.fixture(scope="module")
def browser(env):
    b = Browser()
    yield b
    b.quit()


@pytest.fixture
def other_browser(env):
    b = Browser()
    yield b
    b.quit()


def go(b, stack, path):
    b.d.get(stack.url(PREFIX + path))


def typ(b, field_id, text, clear=True):
    el = b.d.find_element(By.ID, field_id)
    if clear:
        el.clear()
    el.send_keys(text)
    return el


def click(b, text):
    """Clicks the submit button (or link) whose text is text and waits for the next page."""
    old = b.d.find_element(By.TAG_NAME, "html")
    els = b.d.find_elements(By.XPATH, f'//button[normalize-space()="{text}"] | '
                                      f'//input[@type="submit" and @value="{text}"] | '
                                      f'//a[normalize-space()="{text}"]')
    assert els, "no button " + text
    els[0].click()
    WebDriverWait(b.d, 20).until(lambda d: _stale(old))


def _stale(el):
    try:
        el.is_enabled()
        return False
    except Exception:
        return True


def body(b):
    return b.d.find_element(By.TAG_NAME, "body").text


def path_of(b):
    return b.d.current_url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def token_of(b):
    c = b.d.get_cookie("token")
    return c["value"] if c else None


def api_get(stack, path, token):
    return requests.get(stack.url(path), headers={"Authorization": "Bearer " + token})


def shoot(b, name):
    for w, h in ((375, 812), (1280, 900)):
        b.d.set_window_size(w, h)
        b.d.save_screenshot(os.path.join(output_dir(), f"{name}-{w}.png"))
    b.d.set_window_size(1280, 900)


def test_sign_up_the_first_admin(env, browser):
    go(browser, env, "/signup")
    shoot(browser, "signup")
    typ(browser, "f-name", ADMIN["name"])
    typ(browser, "f-email", ADMIN["email"])
    typ(browser, "f-password", ADMIN["password"])
    click(browser, "Create account")
    assert path_of(browser).startswith(PREFIX + "/account")
    assert "(admin)" in body(browser)
    shoot(browser, "account")


def test_sign_out_and_in_by_keyboard_and_a_wrong_password(env, browser):
    click(browser, "Sign out")
    assert path_of(browser).startswith(PREFIX + "/login")
    assert token_of(browser) is None
    shoot(browser, "login")
    typ(browser, "f-email", ADMIN["email"])
    typ(browser, "f-password", "not-the-password")
    old = browser.d.find_element(By.TAG_NAME, "html")
    browser.d.find_element(By.ID, "f-password").send_keys(Keys.ENTER)
    WebDriverWait(browser.d, 20).until(lambda d: _stale(old))
    assert INVALID_CRED in body(browser)
    assert browser.d.find_element(By.ID, "f-email").get_attribute("value") == ADMIN["email"]
    assert browser.d.find_element(By.ID, "f-password").get_attribute("value") == ""
    shoot(browser, "login-error")
    # keyboard only: Tab from the e-mail to the password, Enter submits
    browser.d.find_element(By.ID, "f-email").click()
    active = browser.d.switch_to.active_element
    active.send_keys(Keys.TAB)
    active = browser.d.switch_to.active_element
    assert active.get_attribute("id") == "f-password"
    old = browser.d.find_element(By.TAG_NAME, "html")
    active.send_keys(ADMIN["password"], Keys.ENTER)
    WebDriverWait(browser.d, 20).until(lambda d: _stale(old))
    assert path_of(browser).startswith(PREFIX + "/account")
    assert token_of(browser)


def test_edit_the_profile_and_see_it_in_the_api(env, browser):
    go(browser, env, "/account")
    typ(browser, "f-name", "Ada Lovelace")
    typ(browser, "f-bio", "Analytical engines.")
    typ(browser, "f-gender", "female")
    click(browser, "Save profile")
    assert "Profile saved." in body(browser)
    me = api_get(env, "/api/v1/auths/", token_of(browser)).json()
    assert me["name"] == "Ada Lovelace" and me["bio"] == "Analytical engines."
    assert me["gender"] == "female"


def test_change_the_password_keeps_the_session(env, browser):
    go(browser, env, "/account")
    typ(browser, "f-password", ADMIN["password"])
    typ(browser, "f-new-password", "N3w-Secret-pw!")
    click(browser, "Change password")
    assert "Password changed." in body(browser)
    go(browser, env, "/account")
    assert path_of(browser).startswith(PREFIX + "/account")
    assert api_get(env, "/api/v1/auths/", token_of(browser)).status_code == 200
    old = requests.post(env.url("/api/v1/auths/signin"),
                        json={"email": ADMIN["email"], "password": ADMIN["password"]})
    assert old.status_code == 400
    new = requests.post(env.url("/api/v1/auths/signin"),
                        json={"email": ADMIN["email"], "password": "N3w-Secret-pw!"})
    assert new.status_code == 200
    ADMIN["password"] = "N3w-Secret-pw!"


def test_settings_enable_api_keys(env, browser):
    go(browser, env, "/admin/settings")
    shoot(browser, "admin-settings")
    box = browser.d.find_element(By.ID, "f-enable-api-keys")
    if not box.is_selected():
        box.click()
    click(browser, "Save settings")
    assert "Settings saved." in body(browser)
    assert browser.d.find_element(By.ID, "f-enable-api-keys").is_selected()


def test_create_copy_use_and_delete_an_api_key(env, browser):
    go(browser, env, "/account")
    click(browser, "Manage your API key")
    assert "You have no API key." in body(browser)
    click(browser, "Create API key")
    shoot(browser, "api-key")
    key = browser.d.find_element(By.ID, "api-key").get_attribute("value")
    assert key.startswith("sk-")
    r = api_get(env, "/api/v1/auths/", key)
    assert r.status_code == 200 and r.json()["email"] == ADMIN["email"]
    click(browser, "Delete API key")
    assert "API key deleted." in body(browser)
    assert api_get(env, "/api/v1/auths/", key).status_code == 401


def add_user_by_page(b, stack, name, email, role="user"):
    go(b, stack, "/admin/users")
    typ(b, "f-name", name)
    typ(b, "f-email", email)
    typ(b, "f-password", PASSWORD)
    Select(b.d.find_element(By.ID, "f-role")).select_by_value(role)
    click(b, "Add user")
    assert "User added." in body(b)


def test_admin_finds_a_user_changes_the_role_and_deletes_another(env, browser):
    STATE["bob"] = unique_email("bob")
    STATE["carol"] = unique_email("carol")
    add_user_by_page(browser, env, "Bob Builder", STATE["bob"])
    add_user_by_page(browser, env, "Carol <script>alert(1)</script>", STATE["carol"])
    shoot(browser, "admin-users")
    typ(browser, "f-query", "Bob")
    click(browser, "Search")
    assert STATE["bob"] in body(browser) and STATE["carol"] not in body(browser)
    click(browser, "Bob Builder")
    shoot(browser, "admin-user")
    Select(browser.d.find_element(By.ID, "f-role")).select_by_value("admin")
    click(browser, "Save user")
    assert "User saved." in body(browser)
    r = requests.post(env.url("/api/v1/auths/signin"),
                      json={"email": STATE["bob"], "password": PASSWORD})
    assert r.json()["role"] == "admin"
    Select(browser.d.find_element(By.ID, "f-role")).select_by_value("user")
    click(browser, "Save user")
    # delete Carol, through the confirmation step; her name shows as text, never runs
    go(browser, env, "/admin/users")
    typ(browser, "f-query", "Carol")
    click(browser, "Search")
    with pytest.raises(NoAlertPresentException):
        browser.d.switch_to.alert.text
    assert "Carol <script>alert(1)</script>" in body(browser)
    click(browser, "Carol <script>alert(1)</script>")
    click(browser, "Delete this user…")
    shoot(browser, "admin-user-delete")
    assert "This cannot be undone." in body(browser)
    click(browser, "Delete")
    assert "User deleted." in body(browser)
    r = requests.post(env.url("/api/v1/auths/signin"),
                      json={"email": STATE["carol"], "password": PASSWORD})
    assert r.status_code == 400


def test_group_permission_reaches_the_member(env, browser, other_browser):
    go(browser, env, "/admin/groups")
    typ(browser, "f-name", "Editors")
    typ(browser, "f-description", "Edit models")
    click(browser, "Create group")
    assert "Group created." in body(browser)
    box = browser.d.find_element(By.ID, "f-perm-workspace-models")
    assert not box.is_selected()
    box.click()
    click(browser, "Save group")
    assert "Group saved." in body(browser)
    assert browser.d.find_element(By.ID, "f-perm-workspace-models").is_selected()
    typ(browser, "f-query", "Bob")
    click(browser, "Find")
    click(browser, "Add")
    assert "Member added." in body(browser)
    assert STATE["bob"] in body(browser)
    shoot(browser, "admin-group")
    # Bob, in his own browser, sees the group and the permission in his session
    b = other_browser
    go(b, env, "/login")
    typ(b, "f-email", STATE["bob"])
    typ(b, "f-password", PASSWORD)
    click(b, "Sign in")
    text = body(b)
    assert "Editors" in text and "workspace.models" in text
    perms = api_get(env, "/api/v1/users/permissions", token_of(b)).json()
    assert perms["workspace"]["models"] is True
    # the admin pages are not his
    go(b, env, "/admin/users")
    assert ACCESS_PROHIBITED in body(b)


def test_flip_sign_up_off_and_the_signup_page_refuses(env, browser, other_browser):
    for on in (True, False):
        go(browser, env, "/admin/settings")
        box = browser.d.find_element(By.ID, "f-enable-signup")
        if box.is_selected() != on:
            box.click()
        click(browser, "Save settings")
        go(other_browser, env, "/signup")
        if on:
            assert other_browser.d.find_elements(By.ID, "f-password")
        else:
            assert ACCESS_PROHIBITED in body(other_browser)
            assert not other_browser.d.find_elements(By.ID, "f-password")
            shoot(other_browser, "signup-closed")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


def test_a_form_from_another_origin_is_refused(env, browser, tmp_path):
    go(browser, env, "/account")
    csrf = browser.d.find_element(By.NAME, "csrf_token").get_attribute("value")
    name_before = api_get(env, "/api/v1/auths/", token_of(browser)).json()["name"]
    target = env.url(PREFIX + "/account")
    (tmp_path / "plain.html").write_text(
        f'<!DOCTYPE html><title>x</title><form method="post" action="{target}">'
        '<input name="name" value="Pwned"><input name="profile_image_url" value="/user.png">'
        '<button>Go</button></form>')
    (tmp_path / "leaked.html").write_text(
        f'<!DOCTYPE html><title>x</title><form method="post" action="{target}">'
        f'<input name="csrf_token" value="{csrf}">'
        '<input name="name" value="Pwned"><input name="profile_image_url" value="/user.png">'
        '<button>Go</button></form>')
    port = free_port()
    handler = lambda *a, **k: _Quiet(*a, directory=str(tmp_path), **k)  # noqa: E731
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        for page in ("plain.html", "leaked.html"):
            browser.d.get(f"http://127.0.0.1:{port}/{page}")
            click(browser, "Go")
            assert "CSRF token missing or invalid" in body(browser), page
            me = api_get(env, "/api/v1/auths/", token_of(browser)).json()
            assert me["name"] == name_before, page
    finally:
        srv.shutdown()
        srv.server_close()


def test_screenshots_of_the_remaining_pages(env, browser):
    go(browser, env, "/admin/groups")
    shoot(browser, "admin-groups")
    go(browser, env, "/nope")
    shoot(browser, "not-found")
    files = os.listdir(output_dir())
    for name in ("signup", "login", "account", "api-key", "admin-users", "admin-user",
                 "admin-groups", "admin-group", "admin-settings"):
        for w in (375, 1280):
            assert f"{name}-{w}.png" in files
