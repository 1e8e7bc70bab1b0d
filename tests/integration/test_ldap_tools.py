"""The LDAP sign-in's other doors: the form on /usher/login (shown only while LDAP is on,
through the API's handler, texts and form token) and `usherctl ldap test USER` (each step,
exit 0 only when the sign-in would succeed, never a password, nothing changed)."""
import html as htmlmod
import subprocess

import pytest

from authlib import Client, ensure_pool_env, restore_default_pool, row_counts
from harness import BUILD
from pagelib import PageClient, validate
import ldaplib
from ldaplib import APP_PW, PEOPLE_ROWS
from ldaplib import (FAILED, TIMEOUT_S, World,  # noqa: F401 (the fixtures)
                     directory, ldap_pool, world)



def pw(uid):
    return PEOPLE_ROWS[uid][2]


# ---------------------------------------------------------------- the page

def test_login_page_shows_the_ldap_form_only_while_on(world):
    page = PageClient(world.stack)
    r = page.get("/login")
    validate(r.text)
    assert "Example Directory" in r.text and 'action="/usher/login/ldap"' in r.text
    world.admin.post("admin/config/ldap", json={"enable_ldap": False})
    r = PageClient(world.stack).get("/login")
    assert "ldap" not in r.text.lower() and "Example Directory" not in r.text


def test_login_page_ldap_sign_in_and_failure(world):
    page = PageClient(world.stack)
    r = page.form_post("/login", "/login/ldap", {"user": "alice", "password": "wrong-pw"})
    assert r.status_code == 400 and FAILED in htmlmod.unescape(r.text)
    validate(r.text)
    assert page.token() is None
    r = page.form_post("/login?next=/usher/account", "/login/ldap",
                       {"user": "alice", "password": pw("alice")})
    assert r.status_code == 303, r.text[:300]
    assert r.headers["Location"].endswith("/usher/account")
    me = Client(world.stack, page.token()).get("")
    assert me.status_code == 200 and me.json()["email"] == "alice@example.org"


def test_login_page_ldap_form_needs_its_token(world):
    page = PageClient(world.stack)
    page.get("/login")
    r = page.post("/login/ldap", {"user": "alice", "password": pw("alice")})
    assert r.status_code == 403 and page.token() is None


# ---------------------------------------------------------------- usherctl ldap test

def usherctl(stack, *args, stdin=""):
    return subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), *args],
                          input=stdin, capture_output=True, text=True, timeout=60)


def test_usherctl_ldap_test_prints_each_step_and_changes_nothing(world):
    world.configure(enable_group_management=True, search_base=ldaplib.BASE)
    world.admin.post("admin/config/ldap", json={"enable_ldap": False})
    before = row_counts(world.stack)
    r = usherctl(world.stack, "ldap", "test", "alice", stdin=pw("alice") + "\n")
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "off" in out                                         # tested while LDAP is off
    assert f"ldap://127.0.0.1:{world.directory.port}/" in out and "TLS: none" in out
    assert f"application bind {ldaplib.APP_DN}: ok" in out
    assert "(&(uid=alice)(!(employeeType=contractor)))" in out
    assert f"found {ldaplib.person_dn('alice')}" in out
    assert "mail alice@example.org" in out and "cn Alice Liddell" in out
    assert '"Dev, Ops"' in out and '"Développeurs"' in out and '"staff"' in out
    assert "user bind" in out and "would be created (role pending)" in out
    assert pw("alice") not in out + r.stderr and APP_PW not in out + r.stderr
    assert row_counts(world.stack) == before


def test_usherctl_ldap_test_existing_account_and_failures(world):
    r = world.ldap("bob", pw("bob"))
    assert r.status_code == 200
    r = usherctl(world.stack, "ldap", "test", "bob", stdin=pw("bob") + "\n")
    assert r.returncode == 0 and "account " in r.stdout and "bob.builder@example.org" in r.stdout
    r = usherctl(world.stack, "ldap", "test", "bob", stdin="wrong-pw\n")
    assert r.returncode == 1 and "user bind" in r.stdout and "failed" in r.stdout
    assert "wrong-pw" not in r.stdout + r.stderr
    r = usherctl(world.stack, "ldap", "test", "a*", stdin=pw("alice") + "\n")
    assert r.returncode == 1 and "uid=a\\2a" in r.stdout
    r = usherctl(world.stack, "ldap", "test", "bob")
    assert r.returncode == 2
    r = usherctl(world.stack, "help")
    assert "ldap" in r.stdout
