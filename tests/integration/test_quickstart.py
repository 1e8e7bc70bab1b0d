"""The first five minutes (issue 23): a fresh clone, `PORT=<free port> scripts/quickstart.sh`,
and what a newcomer does next. The banner names the pages first (the empty install's "sign up:
the first account becomes the admin", later "N accounts; sign in at ..."); a browser's `/`
is redirected to the pages while API clients keep the old answer; /usher/login explains an
empty install until the first account exists; the first sign-up through the page's own form
lands signed in as admin; `scripts/quickstart.sh stop` stops it all.

The clone is the repository's HEAD with the working tree's changes laid over it (so an
uncommitted edit is what gets tested), in its own temp dir: the quick start's state lives in
the clone's .run/ on its own port, apart from the suite's stack. It builds the clone from
scratch (autogen, configure, make), so this test takes minutes; it needs no `stack` fixture.
"""
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import requests

from harness import REPO, free_port
from pagelib import PageClient, page_text

QUICKSTART_TIMEOUT = 1800     # a whole build on a shared two-core machine
EMPTY_TEXT = "the first account to sign up becomes the admin"
# The checkout may belong to another user than the one running the tests (root).
GIT_SAFE = ("-c", "safe.directory=*")


def overlay_working_tree(clone):
    """Lays the working tree's uncommitted state over the clone of HEAD: modified and new
    (untracked, not ignored) files copied, deleted ones removed."""
    def ls(*flags):
        out = subprocess.run(["git", *GIT_SAFE, "-C", str(REPO), "ls-files", "-z", *flags],
                             capture_output=True, check=True).stdout.decode()
        return [p for p in out.split("\0") if p]
    deleted = set(ls("-d"))
    for rel in ls("-m", "-o", "--exclude-standard"):
        if rel in deleted:
            continue
        dst = clone / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, dst)
    for rel in deleted:
        (clone / rel).unlink(missing_ok=True)


def quickstart_env():
    """The environment without the suite's own knobs (USHER_* would override the pool's
    usher.conf keys, STACK_* the stack's layout)."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("USHER_", "STACK_", "PORT"))}


def run_quickstart(clone, *args, port=None, timeout=120):
    env = quickstart_env()
    if port is not None:
        env["PORT"] = str(port)
    return subprocess.run(["scripts/quickstart.sh", *args], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=timeout)


class Site:
    """What PageClient needs of a stack: the URLs of the quick start's site."""

    def __init__(self, port):
        self.base_url = f"http://127.0.0.1:{port}"

    def url(self, path):
        return self.base_url + path


@pytest.fixture(scope="module")
def clone():
    # A short path: MariaDB's socket lands in CLONE/.run/ and unix socket paths are short.
    top = Path(tempfile.mkdtemp(prefix="usher-qs-"))
    clone = top / "usher"
    r = subprocess.run(["git", *GIT_SAFE, "clone", "-q", "--no-hardlinks", str(REPO), str(clone)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"git clone of {REPO} (this test needs a git checkout): {r.stderr}"
    overlay_working_tree(clone)
    try:
        yield clone
    finally:
        if (clone / ".run").exists():
            run_quickstart(clone, "stop", timeout=180)
        shutil.rmtree(top, ignore_errors=True)


def test_quickstart_leads_a_browser_to_the_pages(clone):
    port = free_port()
    site = Site(port)
    r = run_quickstart(clone, port=port, timeout=QUICKSTART_TIMEOUT)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert (clone / ".run/port").read_text().strip() == str(port)

    # The banner: the pages first, with the empty install's advice, then API, health, status.
    banner = r.stdout[r.stdout.rindex("usher is running"):]
    pages = f"{site.base_url}/usher/"
    assert pages in banner, banner
    assert "sign up there; the first account becomes the admin" in banner, banner
    order = [banner.index(s) for s in (pages, "first account becomes the admin",
                                       f"{site.base_url}/api/v1/", f"{site.base_url}/health",
                                       f"{site.base_url}/status")]
    assert order == sorted(order), banner
    assert "accounts;" not in banner and "sign in at" not in banner, banner

    # `/` for a browser goes to the pages; never off-site, whatever next or Referer say.
    html_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for path in ("/", "/?next=https://evil.example/", "/?next=//evil.example/x"):
        g = requests.get(site.url(path), headers={"Accept": html_accept,
                                                  "Referer": "https://evil.example/"},
                         allow_redirects=False, timeout=15)
        assert g.status_code in (301, 302, 303, 307, 308), (path, g.status_code)
        loc = requests.compat.urlparse(requests.compat.urljoin(site.url(path),
                                                               g.headers["Location"]))
        assert loc.netloc == f"127.0.0.1:{port}" and loc.path.startswith("/usher/"), g.headers
        assert "evil" not in g.headers["Location"], g.headers
    # ... and lands on the sign-in page.
    landed = requests.get(site.url("/"), headers={"Accept": html_accept}, timeout=15)
    assert landed.status_code == 200 and landed.url.startswith(site.url("/usher/login")), \
        landed.url
    # API clients keep what `/` answered before: the site has nothing there.
    for accept in ({"Accept": "application/json"}, {"Accept": "*/*"}, {}):
        s = requests.Session()
        s.headers.pop("Accept", None)
        g = s.get(site.url("/"), headers=accept, allow_redirects=False, timeout=15)
        assert g.status_code == 404 and "Location" not in g.headers, (accept, g.status_code)

    # The empty install explains itself on the sign-in page, with the sign-up link.
    browser = PageClient(site)
    login = browser.get("/login")
    assert login.status_code == 200
    text = page_text(login.text)
    assert EMPTY_TEXT in text, text
    assert re.search(r'<a href="/usher/signup">Sign up</a></p>', login.text.split(
        EMPTY_TEXT, 1)[1]), login.text

    # The first sign-up through the page's own form lands signed in, as admin.
    done = browser.signup("Ada", "ada@example.org", "correct horse battery")
    assert done.status_code == 303, (done.status_code, done.text[:500])
    assert done.headers["Location"].endswith("/usher/account"), done.headers
    account = browser.get("/account")
    assert account.status_code == 200 and "ada@example.org" in account.text
    assert 'href="/usher/admin/users"' in account.text, account.text
    me = requests.get(site.url("/api/v1/auths/"), cookies={"token": browser.token()},
                      timeout=15)
    assert me.status_code == 200 and me.json()["role"] == "admin", me.text

    # The text is gone now, for anyone.
    gone = PageClient(site).get("/login")
    assert gone.status_code == 200 and EMPTY_TEXT not in page_text(gone.text)
    assert "No account exists yet" not in gone.text

    # Run again: it is already up, and the banner counts the accounts instead.
    again = run_quickstart(clone, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"1 account; sign in at {site.base_url}/usher/login" in again.stdout, again.stdout
    assert "the first account becomes the admin" not in again.stdout, again.stdout

    # Stop: nothing answers any more, and status says so.
    stop = run_quickstart(clone, "stop", timeout=180)
    assert stop.returncode == 0, stop.stdout + stop.stderr
    status = run_quickstart(clone, "status")
    assert status.returncode != 0, status.stdout
    with pytest.raises(requests.ConnectionError):
        requests.get(site.url("/health"), timeout=5)
