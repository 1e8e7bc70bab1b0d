"""Named API keys (usher-account-security.md §2): several keys with names and prefixes, shown
once and stored as digests, last use, expiry, endpoints that narrow (never widen) the admin's
restriction, the per-user limit, Open WebUI's single-key routes on the default key beside
them, the admin's list and delete, and a key from before the upgrade still working."""
import hashlib
import re
import subprocess
import time

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, API_KEY_NOT_FOUND, ME, USER_NOT_FOUND, Client, add_user, auth_env,
    auth_module, expect, first_admin, set_admin_config,
)
from securitylib import SESSION_REQUIRED

API_KEY_EXPIRED = "This API key has expired."
API_KEY_LIMIT = "You have reached the maximum number of API keys."
EXPIRY_INVALID = ("The expiry must be a future time (expires_at) or 1 to 3650 days "
                  "(expires_in_days), not both.")
ENDPOINTS_INVALID = "Endpoints must be a non-empty list of paths starting with /."
KEY_FIELDS = {"id", "name", "prefix", "created_at", "expires_at", "last_used_at", "endpoints",
              "default"}


def keys_on(admin, **more):
    set_admin_config(admin, ENABLE_API_KEYS=True, **more)


def make(c, name, **body):
    k = expect(c.post("api_keys", json=dict(name=name, **body)), 200)
    assert re.fullmatch(r"sk-[0-9a-f]{32}", k["api_key"]) and k["prefix"] == k["api_key"][:7]
    return k


def with_key(stack, k):
    return Client(stack, k["api_key"], "x-api-key")


def test_several_named_keys(stack):
    admin = first_admin(stack)
    keys_on(admin)
    a = make(admin, "laptop script")
    time.sleep(0.01)
    b = make(admin, "ci", expires_in_days=30)
    assert set(a) == KEY_FIELDS | {"api_key"} and a["default"] is False
    assert b["expires_at"] == b["created_at"] + 30 * 86400
    listed = expect(admin.get("api_keys"), 200)
    assert [k["id"] for k in listed] == [b["id"], a["id"]]          # newest first
    assert all(set(k) == KEY_FIELDS for k in listed)                # the key itself never again
    assert listed[1]["name"] == "laptop script" and listed[1]["last_used_at"] is None
    assert expect(with_key(stack, a).get(ME), 200)["id"] == admin.id
    used = [k for k in expect(admin.get("api_keys"), 200) if k["id"] == a["id"]][0]
    assert abs(used["last_used_at"] - time.time()) < 60
    # stored as its digest only
    rows = stack.sql(f"SELECT key_digest, COALESCE(key_sealed, 'NULL') FROM api_key "
                     f"WHERE id = '{a['id']}'")
    assert rows == [[hashlib.sha256(a["api_key"].encode()).hexdigest(), "NULL"]]
    dump = subprocess.run(["mariadb-dump", "--no-defaults", f"--socket={stack.db_socket}",
                           "-uroot", "usher"], capture_output=True, text=True, timeout=60).stdout
    assert a["api_key"] not in dump and b["api_key"] not in dump
    # delete one by one; another user's id or an unknown one is 404
    other = add_user(admin, role="admin")
    expect(other.delete(f"api_keys/{a['id']}"), 404, API_KEY_NOT_FOUND)
    assert expect(admin.delete(f"api_keys/{a['id']}"), 200) is True
    assert expect(with_key(stack, a).get(ME), 401)
    expect(admin.delete(f"api_keys/{a['id']}"), 404, API_KEY_NOT_FOUND)
    assert expect(with_key(stack, b).get(ME), 200)
    acts = [r[0] for r in stack.sql("SELECT action FROM audit_log ORDER BY id")]
    assert acts.count("auth.api_key_create") >= 2 and "auth.api_key_delete" in acts


def test_bad_input_changes_nothing(stack):
    admin = first_admin(stack)
    keys_on(admin)
    now = int(time.time())
    for body, text in (({"expires_at": now - 1}, EXPIRY_INVALID),
                       ({"expires_at": now + 60, "expires_in_days": 1}, EXPIRY_INVALID),
                       ({"expires_in_days": 0}, EXPIRY_INVALID),
                       ({"expires_in_days": 3651}, EXPIRY_INVALID),
                       ({"endpoints": []}, ENDPOINTS_INVALID),
                       ({"endpoints": ["api/v1"]}, ENDPOINTS_INVALID),
                       ({"endpoints": [1]}, ENDPOINTS_INVALID),
                       ({"endpoints": {"a": "/b"}}, ENDPOINTS_INVALID)):
        expect(admin.post("api_keys", json=dict(name="x", **body)), 400, text)
    assert admin.post("api_keys", json={"name": ""}).status_code == 422
    assert admin.post("api_keys", json={"name": "n" * 101}).status_code == 422
    assert admin.post("api_keys", json={}).status_code == 422
    assert expect(admin.get("api_keys"), 200) == []
    # the gate of POST /api_key, and no key may use these routes
    k = make(admin, "k")
    expect(with_key(stack, k).get("api_keys"), 403, SESSION_REQUIRED)
    expect(with_key(stack, k).post("api_keys", json={"name": "more"}), 403, SESSION_REQUIRED)
    expect(with_key(stack, k).delete(f"api_keys/{k['id']}"), 403, SESSION_REQUIRED)
    set_admin_config(admin, ENABLE_API_KEYS=False)
    assert admin.post("api_keys", json={"name": "off"}).status_code == 403


def test_expiry(stack):
    admin = first_admin(stack)
    keys_on(admin)
    k = make(admin, "short", expires_at=int(time.time()) + 3)
    expect(with_key(stack, k).get(ME), 200)
    time.sleep(max(0, k["expires_at"] - time.time()) + 0.5)
    expect(with_key(stack, k).get(ME), 401, API_KEY_EXPIRED)


def test_endpoints_narrow_never_widen(stack):
    admin = first_admin(stack)
    keys_on(admin)
    auths_only = with_key(stack, make(admin, "auths", endpoints=["/api/v1/auths"]))
    anything = with_key(stack, make(admin, "all"))
    expect(auths_only.get(ME), 200)
    expect(auths_only.get("/api/v1/users/user/settings"), 403, ACCESS_PROHIBITED)
    expect(anything.get("/api/v1/users/user/settings"), 200)
    # with the admin's restriction on: a key's own list cannot widen it
    keys_on(admin, ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS=True,
            API_KEYS_ALLOWED_ENDPOINTS="/api/v1/users")
    expect(auths_only.get(ME), 403, ACCESS_PROHIBITED)
    expect(auths_only.get("/api/v1/users/user/settings"), 403, ACCESS_PROHIBITED)
    expect(anything.get("/api/v1/users/user/settings"), 200)
    expect(anything.get(ME), 403, ACCESS_PROHIBITED)
    both = with_key(stack, make(admin, "settings", endpoints=["/api/v1/users/user/settings"]))
    expect(both.get("/api/v1/users/user/settings"), 200)
    expect(both.get("/api/v1/users/groups"), 403, ACCESS_PROHIBITED)


class TestLimit:
    POOL_ENV = {"USHER_API_KEY_MAX_PER_USER": "3"}

    def test_limit_and_the_single_key_routes_on_the_default_key(self, stack):
        admin = first_admin(stack)
        keys_on(admin)
        named = [make(admin, f"k{i}") for i in range(3)]
        expect(admin.post("api_keys", json={"name": "k4"}), 400, API_KEY_LIMIT)
        expect(admin.post("api_key"), 400, API_KEY_LIMIT)   # at the limit, no default key
        expect(admin.delete(f"api_keys/{named[0]['id']}"), 200)
        default = expect(admin.post("api_key"), 200)["api_key"]
        assert expect(admin.get("api_key"), 200) == {"api_key": default}
        again = expect(admin.post("api_key"), 200)["api_key"]   # replacing never counts
        assert again != default
        expect(Client(stack, default, "x-api-key").get(ME), 401)
        listed = expect(admin.get("api_keys"), 200)
        assert sorted(k["default"] for k in listed) == [False, False, True]
        d = [k for k in listed if k["default"]][0]
        assert d["prefix"] == again[:7]
        expect(admin.post("api_keys", json={"name": "k5"}), 400, API_KEY_LIMIT)
        # DELETE /api_key deletes only the default key
        assert expect(admin.delete("api_key"), 200) is True
        assert [k["default"] for k in expect(admin.get("api_keys"), 200)] == [False, False]
        expect(with_key(stack, named[1]).get(ME), 200)
        expect(admin.get("api_key"), 404, API_KEY_NOT_FOUND)


def test_admin_list_and_delete(stack):
    admin = first_admin(stack)
    keys_on(admin)
    other = add_user(admin, role="admin")
    k = make(other, "theirs")
    user = add_user(admin)
    listed = expect(admin.get(f"/api/v1/users/{other.id}/api_keys"), 200)
    assert [x["id"] for x in listed] == [k["id"]]
    expect(user.get(f"/api/v1/users/{other.id}/api_keys"), 401, ACCESS_PROHIBITED)
    expect(admin.get("/api/v1/users/nobody/api_keys"), 400, USER_NOT_FOUND)
    expect(admin.delete(f"/api/v1/users/{user.id}/api_keys/{k['id']}"), 404, API_KEY_NOT_FOUND)
    expect(with_key(stack, k).get(ME), 200)
    assert expect(admin.delete(f"/api/v1/users/{other.id}/api_keys/{k['id']}"), 200) is True
    expect(with_key(stack, k).get(ME), 401)
    rows = stack.sql("SELECT target_id FROM audit_log WHERE action = 'user.api_key_delete'")
    assert [other.id] in rows


def test_a_key_from_before_the_upgrade_keeps_working(stack):
    admin = first_admin(stack)
    keys_on(admin)
    old = "sk-" + "0123456789abcdef" * 2
    digest = hashlib.sha256(old.encode()).hexdigest()
    now = int(time.time())
    # a row as the single-key schema wrote it: no name, prefix or endpoints
    stack.sql("INSERT INTO api_key (id, user_id, key_digest, key_sealed, created_at, updated_at) "
              f"VALUES ('key_{admin.id}', '{admin.id}', '{digest}', NULL, {now}, {now})")
    expect(Client(stack, old, "x-api-key").get(ME), 200)
    listed = expect(admin.get("api_keys"), 200)
    assert len(listed) == 1 and listed[0]["default"] is True and listed[0]["prefix"].startswith("sk-")
