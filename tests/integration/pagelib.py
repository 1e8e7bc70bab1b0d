"""Helpers of the browser-page tests (test_pages_http.py, test_pages_browser.py).

- PageClient: a requests session that behaves like a browser posting forms (Accept:
  text/html, urlencoded bodies), reads the hidden form_token / csrf_token of a page and
  posts them back.
- validate(html): the page must parse with html5lib in strict mode (any parse error fails)
  and `tidy -errors` must report no error.
- Chromium through Selenium (Debian's chromium, chromium-driver, python3-selenium), headless
  with the flags this machine needs; a missing browser is a failure, never a skip.
- The output folder for screenshots: $USHER_TEST_OUTPUT, else tests/integration/output
  (git-ignored).
"""
import os
import re
import shutil
import subprocess
import tempfile

import html5lib
import requests

PREFIX = "/usher"
OUTPUT = os.environ.get("USHER_TEST_OUTPUT") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "output")


def output_dir():
    os.makedirs(OUTPUT, exist_ok=True)
    return OUTPUT


def hidden(html, name):
    m = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), html)
    return m.group(1) if m else None


def validate(html):
    html5lib.HTMLParser(strict=True).parse(html)
    r = subprocess.run(["tidy", "-errors", "-q"], input=html.encode(), capture_output=True)
    assert r.returncode < 2, r.stderr.decode()


class PageClient:
    def __init__(self, stack):
        self.stack = stack
        self.s = requests.Session()
        self.s.headers["Accept"] = "text/html"

    def url(self, path):
        return self.stack.url(PREFIX + path)

    def get(self, path, **kw):
        kw.setdefault("allow_redirects", False)
        return self.s.get(self.url(path), **kw)

    def post(self, path, data, **kw):
        kw.setdefault("allow_redirects", False)
        return self.s.post(self.url(path), data=data, **kw)

    def form_post(self, page, path, data, **kw):
        """GETs page, then posts data to path with the page's tokens."""
        html = self.get(page).text
        data = dict(data)
        for tok in ("form_token", "csrf_token"):
            v = hidden(html, tok)
            if v is not None:
                data.setdefault(tok, v)
        return self.post(path, data, **kw)

    def signup(self, name, email, password):
        return self.form_post("/signup", "/signup",
                              {"name": name, "email": email, "password": password})

    def signin(self, email, password):
        return self.form_post("/login", "/login", {"email": email, "password": password})

    def token(self):
        return self.s.cookies.get("token")


CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


class Browser:
    """One headless Chromium with its own profile (its own cookies)."""

    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        self.profile = tempfile.mkdtemp(prefix="usher-chromium-")
        opts = webdriver.ChromeOptions()
        for f in CHROME_FLAGS:
            opts.add_argument(f)
        opts.add_argument("--user-data-dir=" + self.profile)
        opts.add_argument("--window-size=1280,900")
        opts.binary_location = "/usr/bin/chromium"
        self.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.d.set_page_load_timeout(30)

    def quit(self):
        try:
            self.d.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def parse(html):
    """The document as an ElementTree (html5lib, no namespaces)."""
    return html5lib.parse(html, namespaceHTMLElements=False)


def page_text(html):
    return "".join(parse(html).itertext())


def form_values(html, action):
    """What a browser would post from the form whose action is action (checked boxes,
    selected options, text and hidden inputs, textareas), as a dict."""
    doc = parse(html)
    for form in doc.iter("form"):
        if form.get("action") != action:
            continue
        out = {}
        for el in form.iter():
            name = el.get("name")
            if not name or el.get("disabled") is not None:
                continue
            if el.tag == "input":
                t = el.get("type", "text")
                if t in ("checkbox", "radio"):
                    if el.get("checked") is not None:
                        out[name] = el.get("value", "on")
                elif t not in ("submit", "button"):
                    out[name] = el.get("value", "")
            elif el.tag == "textarea":
                out[name] = el.text or ""
            elif el.tag == "select":
                opts = list(el.iter("option"))
                sel = [o for o in opts if o.get("selected") is not None] or opts[:1]
                if sel:
                    out[name] = sel[0].get("value", "")
        return out
    raise AssertionError("no form with action " + action)
