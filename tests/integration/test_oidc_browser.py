"""The sign-in button of the pages in headless Chromium (issue 20, "Page"): /usher/login shows
"Continue with <OAUTH_PROVIDER_NAME>"; one click leads through the real provider's own login
and consent forms (oidclib.py) and ends on /usher/account, signed in. Selenium with Debian's
chromium and chromium-driver as in test_pages_browser.py; a missing browser is a failure."""
import os

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from authlib import ACCESS_PROHIBITED, first_admin
from oidclib import PROVIDER_NAME, oidc_env, oidc_module, provider  # noqa: F401
from pagelib import PREFIX, Browser, output_dir


@pytest.fixture
def browser():
    b = Browser()
    yield b
    b.quit()


def through_the_button(stack, provider, browser, account):
    """/usher/login, one click on the button, the provider's forms; returns when the browser
    is back on usher's pages."""
    d = browser.d
    d.get(stack.url(PREFIX + "/login"))
    label = f"Continue with {PROVIDER_NAME}"
    buttons = d.find_elements(By.XPATH, f'//a[normalize-space()="{label}"] | '
                                        f'//button[normalize-space()="{label}"]')
    assert len(buttons) == 1, d.page_source[:3000]
    buttons[0].click()
    # the provider's own login form
    WebDriverWait(d, 20).until(lambda d: d.find_elements(By.NAME, "login"))
    assert d.current_url.startswith(provider.issuer)
    d.find_element(By.NAME, "login").send_keys(account)
    d.find_element(By.NAME, "password").send_keys("any-password")
    d.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # its consent form
    WebDriverWait(d, 20).until(
        lambda d: d.current_url.startswith(stack.base_url)
        or d.find_elements(By.XPATH, '//button[normalize-space()="Continue"]'))
    if not d.current_url.startswith(stack.base_url):
        d.find_element(By.XPATH, '//button[normalize-space()="Continue"]').click()
    WebDriverWait(d, 20).until(lambda d: d.current_url.startswith(stack.base_url + PREFIX))


def test_continue_with_the_provider_ends_on_the_account_page(stack, provider, browser):
    provider.set_account("bea", email="bea@example.com", name="Bea Browser")
    through_the_button(stack, provider, browser, "bea")
    d = browser.d
    d.save_screenshot(os.path.join(output_dir(), "oidc-account.png"))
    assert d.current_url.split("?")[0] == stack.base_url + PREFIX + "/account", d.current_url
    body = d.find_element(By.TAG_NAME, "body").text
    assert "bea@example.com" in body or "Bea Browser" in body, body[:1000]
    token = d.get_cookie("token")
    assert token and token.get("httpOnly") is True


class TestRefusedInTheBrowser:
    OIDC_ENV = {"ENABLE_OAUTH_SIGNUP": "false"}

    def test_the_error_is_shown_and_nobody_is_signed_in(self, stack, provider, browser):
        first_admin(stack)
        provider.set_account("nob", email="nob@example.com")
        through_the_button(stack, provider, browser, "nob")
        d = browser.d
        d.save_screenshot(os.path.join(output_dir(), "oidc-refused.png"))
        assert d.current_url.split("?")[0] == stack.base_url + PREFIX + "/login", d.current_url
        assert ACCESS_PROHIBITED in d.find_element(By.TAG_NAME, "body").text
        assert d.get_cookie("token") is None


class TestNoButtonWhenOff:
    OIDC_ENV = {"ENABLE_OAUTH": "false"}

    def test_no_button(self, stack, provider, browser):
        browser.d.get(stack.url(PREFIX + "/login"))
        assert "Continue with" not in browser.d.find_element(By.TAG_NAME, "body").text
