"""The admin's users table on a 375-px phone (issue 14, item 6), in headless Chromium with
the viewport emulated at 375 CSS px: the page does not scroll sideways (the document's
scrollWidth stays within the viewport), the table's own box does not scroll either, and no
short word (a role, an ordinary e-mail address, a column header) is broken across lines,
which is how the squeezed three columns used to "fit". At 1280 px it is still a table with
its header row."""
import os

import pytest

from authlib import PASSWORD, add_user, ensure_pool_env, first_admin, restore_default_pool, wipe_db
from pagelib import PREFIX, Browser, output_dir

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

PHONE = 375
# Words up to this many characters fit a 375-px line whole; longer ones (a 60-letter name,
# a 70-character address) may have to break.
SHORT_WORD = 25

PEOPLE = [
    ("Maximiliane Wilhelmina von Hohenzollern-Sigmaringen",
     "maximiliane.wilhelmina.hohenzollern-sigmaringen@verwaltung.example.org", "pending"),
    ("X" * 60, "averyveryveryverylongaddresswithoutanybreaks@example.org", "user"),
    ("Bob", "bob@example.org", "user"),
    ("Eve Admin", "eve.admin@example.org", "admin"),
]

# Every whole word (split at white space and hyphens) of SHORT_WORD characters or fewer in a
# visible cell of the users table that the browser laid out on more than one line.
BROKEN_WORDS_JS = """
const bad = [];
for (const cell of document.querySelectorAll('main table th, main table td')) {
  if (cell.getBoundingClientRect().width <= 1) continue;      // visually hidden
  const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walk.nextNode())) {
    const re = /[^\\s-]+/g;
    let m;
    while ((m = re.exec(node.data))) {
      if (m[0].length > arguments[0]) continue;
      const r = document.createRange();
      r.setStart(node, m.index);
      r.setEnd(node, m.index + m[0].length);
      const tops = new Set(Array.from(r.getClientRects()).filter(x => x.width > 0)
                             .map(x => Math.round(x.top)));
      if (tops.size > 1) bad.push(m[0]);
    }
  }
}
return bad;
"""


@pytest.fixture(scope="module")
def admin_browser(stack):
    ensure_pool_env(stack)
    wipe_db(stack)
    admin = first_admin(stack, email="ada.admin@example.org", name="Ada Admin")
    for name, email, role in PEOPLE:
        add_user(admin, role=role, email=email, name=name)
    b = Browser()
    try:
        b.d.get(stack.url(PREFIX + "/login"))
        b.d.find_element(By.ID, "f-email").send_keys("ada.admin@example.org")
        b.d.find_element(By.ID, "f-password").send_keys(PASSWORD)
        b.d.find_element(By.XPATH, '//button[normalize-space()="Sign in"]').click()
        WebDriverWait(b.d, 20).until(lambda d: "/account" in d.current_url)
        yield b
    finally:
        b.quit()
        restore_default_pool(stack)


def viewport(b, width, height=812):
    b.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                        {"width": width, "height": height, "deviceScaleFactor": 1,
                         "mobile": width < 600})


def test_users_table_reads_at_375_px(stack, admin_browser):
    b = admin_browser
    viewport(b, PHONE)
    b.d.get(stack.url(PREFIX + "/admin/users"))
    assert b.d.execute_script("return window.innerWidth") == PHONE
    body = b.d.find_element(By.TAG_NAME, "body").text
    assert "bob@example.org" in body and "eve.admin@example.org" in body, body
    b.d.save_screenshot(os.path.join(output_dir(), "admin-users-narrow-375.png"))

    width = b.d.execute_script("return document.scrollingElement.scrollWidth")
    assert width <= PHONE, f"the page scrolls sideways: {width} px wide"
    boxes = b.d.execute_script(
        "return Array.from(document.querySelectorAll('.table, main table'))"
        ".map(e => [e.scrollWidth, e.clientWidth])")
    assert boxes, "no users table"
    for scroll, client in boxes:
        assert scroll <= client, f"the table scrolls sideways inside its box: {scroll} > {client}"
    broken = b.d.execute_script(BROKEN_WORDS_JS, SHORT_WORD)
    assert broken == [], f"words broken across lines at {PHONE} px: {broken}"


def test_users_table_is_a_table_on_a_desktop(stack, admin_browser):
    b = admin_browser
    viewport(b, 1280, 900)
    try:
        b.d.get(stack.url(PREFIX + "/admin/users"))
        heads = [th.text for th in b.d.find_elements(By.CSS_SELECTOR, "main table th")]
        assert heads == ["Name", "Email", "Role"], heads
        assert b.d.execute_script("return document.scrollingElement.scrollWidth") <= 1280
        assert b.d.execute_script(BROKEN_WORDS_JS, SHORT_WORD) == []
    finally:
        b.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
