"""API keys: creating, showing, regenerating and deleting them (POST/GET/DELETE
/api/v1/auths/api_key) and authenticating with them (contract §3.3, deltas §1.2 and §4.4),
plus usher's difference #2: a key is never stored in plaintext.
"""
import hashlib
import http.client
import re
import time

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, API_KEY_CREATION_NOT_ALLOWED, API_KEY_NOT_ALLOWED, API_KEY_NOT_FOUND,
    INVALID_TOKEN, INVALID_TOKEN_SHORT, ME, PASSWORD, Client, add_user, auth_env, auth_module,
    GROUPS_CHANGED_SQL, cookie_headers, expect, first_admin, grant_group_permission,
    group_ids_kept_sql, set_admin_config, signin_client, sql_one,
)

KEY_RE = re.compile(r"^sk-[0-9a-f]{32}$")


def enable_keys(admin, **more):
    return set_admin_config(admin, ENABLE_API_KEYS=True, **more)


def create_key(c):
    key = expect(c.post("api_key"), 200)["api_key"]
    assert KEY_RE.match(key), key
    return key


def test_disabled_by_default_even_for_admins(stack):
    admin = first_admin(stack)
    expect(admin.post("api_key"), 403, API_KEY_CREATION_NOT_ALLOWED)
    expect(admin.get("api_key"), 403, API_KEY_CREATION_NOT_ALLOWED)
    expect(admin.delete("api_key"), 403, API_KEY_CREATION_NOT_ALLOWED)
    assert sql_one(stack, "SELECT COUNT(*) FROM api_key") == "0"


def test_admin_creates_shows_and_uses_a_key(stack):
    admin = first_admin(stack)
    enable_keys(admin)
    expect(admin.get("api_key"), 404, API_KEY_NOT_FOUND)
    key = create_key(admin)
    assert expect(admin.get("api_key"), 200) == {"api_key": key}
    # via Bearer, via the x-api-key header: the key's owner
    for how in ("bearer", "x-api-key"):
        me = expect(Client(stack, key, how).get(ME), 200)
        assert me["id"] == admin.id and me["role"] == "admin"
        assert me["token"] == key
        assert me["expires_at"] is None


def test_key_is_never_stored_in_plaintext(stack):
    admin = first_admin(stack)
    enable_keys(admin)
    key = create_key(admin)
    rows = stack.sql("SELECT id, user_id, key_digest, COALESCE(key_sealed, ''), "
                     "COALESCE(data, ''), created_at, updated_at FROM api_key")
    assert len(rows) == 1
    flat = "\t".join(rows[0])
    # (a bare "sk-" may occur by chance in the base64url ciphertext; a key may not)
    assert not re.search(r"sk-[0-9a-f]{32}", flat) and key[3:] not in flat
    assert rows[0][0] == "key_" + admin.id and rows[0][1] == admin.id
    assert rows[0][2] == hashlib.sha256(key.encode()).hexdigest()
    # nowhere else either
    for table, cols in (("api_key", "id, user_id, key_digest, key_sealed, data"),
                        ("config", "`key`, value"), ("user", "id, email, name, settings, info")):
        assert sql_one(stack, f"SELECT COUNT(*) FROM `{table}` WHERE CONCAT_WS(' ', {cols}) "
                              "REGEXP 'sk-[0-9a-f]{32}'") == "0", table


def test_regenerate_replaces_the_key(stack):
    admin = first_admin(stack)
    enable_keys(admin)
    old = create_key(admin)
    new = create_key(admin)
    assert new != old
    assert expect(admin.get("api_key"), 200) == {"api_key": new}
    expect(Client(stack, old).get(ME), 401, INVALID_TOKEN)
    expect(Client(stack, new).get(ME), 200)
    assert sql_one(stack, "SELECT COUNT(*) FROM api_key") == "1"


def test_delete_key(stack):
    admin = first_admin(stack)
    enable_keys(admin)
    key = create_key(admin)
    assert expect(admin.delete("api_key"), 200) is True
    expect(admin.get("api_key"), 404, API_KEY_NOT_FOUND)
    expect(Client(stack, key).get(ME), 401, INVALID_TOKEN)
    # deleting when there is no key is still true
    assert expect(admin.delete("api_key"), 200) is True


def test_user_needs_features_api_keys(stack):
    admin = first_admin(stack)
    enable_keys(admin)
    user = add_user(admin, role="user")
    pending = add_user(admin, role="pending")
    for c in (user, pending):
        expect(c.post("api_key"), 403, API_KEY_CREATION_NOT_ALLOWED)
        expect(c.get("api_key"), 403, API_KEY_CREATION_NOT_ALLOWED)
        expect(c.delete("api_key"), 403, API_KEY_CREATION_NOT_ALLOWED)
    # a group granting features.api_keys opens it for its members
    grant_group_permission(stack, user.id, {"features": {"api_keys": True}})
    key = create_key(user)
    assert expect(user.get("api_key"), 200) == {"api_key": key}
    me = expect(Client(stack, key, "x-api-key").get(ME), 200)
    assert me["id"] == user.id and me["role"] == "user"
    expect(pending.post("api_key"), 403, API_KEY_CREATION_NOT_ALLOWED)


def test_user_key_refused_when_permission_is_taken_away(stack):
    admin = first_admin(stack)
    enable_keys(admin)
    user = add_user(admin, role="user")
    gid = grant_group_permission(stack, user.id, {"features": {"api_keys": True}})
    key = create_key(user)
    expect(Client(stack, key).get(ME), 200)
    # by hand, with the new groups' version every membership write gives (as usherctl
    # recount does): workers remember their callers' groups per version
    stack.sql(f"DELETE FROM group_member WHERE group_id = '{gid}'; "
              + group_ids_kept_sql(f"u.id = '{user.id}'") + GROUPS_CHANGED_SQL)
    expect(Client(stack, key).get(ME), 403, API_KEY_NOT_ALLOWED)


def test_keys_refused_once_disabled(stack):
    admin = first_admin(stack)
    enable_keys(admin)
    key = create_key(admin)
    set_admin_config(admin, ENABLE_API_KEYS=False)
    for how in ("bearer", "x-api-key"):
        expect(Client(stack, key, how).get(ME), 403, API_KEY_NOT_ALLOWED)
    expect(admin.get("api_key"), 403, API_KEY_CREATION_NOT_ALLOWED)
    # back on: the same key works again
    enable_keys(admin)
    expect(Client(stack, key).get(ME), 200)


def test_unknown_key(stack):
    first_admin(stack)
    expect(Client(stack, "sk-" + "0" * 32).get(ME), 401, INVALID_TOKEN)
    expect(Client(stack, "sk-" + "0" * 32, "x-api-key").get(ME), 401, INVALID_TOKEN)


def test_endpoint_restrictions(stack):
    admin = first_admin(stack)
    enable_keys(admin, ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS=True,
                API_KEYS_ALLOWED_ENDPOINTS=" /api/v1/auths/admin , ,/api/v1/models")
    key = create_key(admin)
    for how in ("bearer", "x-api-key"):
        k = Client(stack, key, how)
        # an entry allows itself and what is below it
        expect(k.get("admin/details"), 200)
        expect(k.get("admin/config"), 200)
        expect(k.get(ME), 403, ACCESS_PROHIBITED)
        expect(k.get("api_key"), 403, ACCESS_PROHIBITED)
    # a prefix that is not a whole path segment does not match
    set_admin_config(admin, API_KEYS_ALLOWED_ENDPOINTS="/api/v1/auths/adm")
    expect(Client(stack, key).get("admin/details"), 403, ACCESS_PROHIBITED)
    # the session token is not restricted
    expect(admin.get(ME), 200)
    set_admin_config(admin, ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS=False)
    expect(Client(stack, key).get(ME), 200)


def test_key_of_a_deleted_user(stack):
    admin = first_admin(stack)
    enable_keys(admin)
    other = add_user(admin, role="admin")
    key = create_key(other)
    stack.sql(f"DELETE FROM `user` WHERE id = '{other.id}'")
    expect(Client(stack, key).get(ME), 401, INVALID_TOKEN)
    assert sql_one(stack, "SELECT COUNT(*) FROM api_key") == "0"


def test_key_use_refreshes_last_active_at(stack):
    admin = first_admin(stack)
    enable_keys(admin)
    key = create_key(admin)
    stack.sql(f"UPDATE `user` SET last_active_at = 1000 WHERE id = '{admin.id}'")
    expect(Client(stack, key).get(ME), 200)
    assert abs(int(sql_one(stack, f"SELECT last_active_at FROM `user` WHERE id = '{admin.id}'"))
               - time.time()) < 10


def test_cookie_beats_api_key_header(stack):
    # deltas §4.1: the token cookie comes before the API-key header
    admin = first_admin(stack)
    enable_keys(admin)
    other = add_user(admin, role="admin")
    key = create_key(other)
    r = stack.get(ME, cookies={"token": admin.token}, headers={"x-api-key": key})
    assert expect(r, 200)["id"] == admin.id


class TestShowOnce:
    POOL_ENV = {"USHER_API_KEY_RETRIEVAL": "false", "CUSTOM_API_KEY_HEADER": "X-Service-Key"}

    def test_show_once_key_and_custom_header(self, stack):
        admin = first_admin(stack)
        enable_keys(admin)
        key = create_key(admin)
        expect(admin.get("api_key"), 404, API_KEY_NOT_FOUND)
        assert sql_one(stack, "SELECT key_sealed FROM api_key") == "NULL"
        r = stack.get(ME, headers={"X-Service-Key": key})
        assert expect(r, 200)["id"] == admin.id
        # the default header name is not read when another is configured
        expect(stack.get(ME, headers={"x-api-key": key}), 401, "Not authenticated")


def test_key_survives_password_change_and_sign_out(stack):
    # revocation marks and sign-out are about session tokens; API keys are not affected
    admin = first_admin(stack)
    enable_keys(admin)
    key = create_key(admin)
    other = signin_client(stack, admin.email)
    r = other.post("update/password", json={"password": PASSWORD, "new_password": "Other-pw2!"})
    assert expect(r, 200) is True
    expect(admin.get(ME), 401, INVALID_TOKEN_SHORT)
    expect(Client(stack, key).get(ME), 200)
    r = stack.post("/api/v1/auths/signout", headers={"Authorization": "Bearer " + key})
    assert expect(r, 200) == {"status": True}
    expect(Client(stack, key).get(ME), 200)


def test_key_in_the_token_cookie(stack):
    # deltas §4.4: whatever carries the key, the same checks apply; a failed key does not
    # expire the cookie (only a failed JWT does)
    admin = first_admin(stack)
    enable_keys(admin)
    key = create_key(admin)
    assert expect(Client(stack, key, "cookie").get(ME), 200)["id"] == admin.id
    r = Client(stack, "sk-" + "1" * 32, "cookie").get(ME)
    expect(r, 401, INVALID_TOKEN)
    assert not cookie_headers(r, "token")
    set_admin_config(admin, ENABLE_API_KEYS=False)
    r = Client(stack, key, "cookie").get(ME)
    expect(r, 403, API_KEY_NOT_ALLOWED)
    assert not cookie_headers(r, "token")


def raw_get(stack, raw_path, headers):
    """A GET with the path sent byte for byte (no client-side normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=15)
    try:
        conn.request("GET", raw_path, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_endpoint_restriction_is_not_bypassed_by_path_tricks(stack):
    admin = first_admin(stack)
    enable_keys(admin, ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS=True,
                API_KEYS_ALLOWED_ENDPOINTS="/api/v1/auths/admin/details")
    key = create_key(admin)
    h = {"Authorization": "Bearer " + key}
    assert raw_get(stack, "/api/v1/auths/admin/details", h)[0] == 200
    assert raw_get(stack, "/api/v1/auths/admin/%64etails", h)[0] == 200
    for path in ("/api/v1/auths/admin/details/../config", "/api/v1/auths/admin/details/%2e%2e/config",
                 "/api/v1/auths/admin/details%2f..%2fconfig", "/api/v1/auths/admin/details/..%2fconfig",
                 "/api/v1/auths/admin/config?x=/api/v1/auths/admin/details",
                 "/api/v1/auths/admin/config#/api/v1/auths/admin/details"):
        status, body = raw_get(stack, path, h)
        assert status in (400, 403, 404), (path, status, body[:200])
        assert b"api_key" not in body and b"ENABLE_SIGNUP" not in body, path
