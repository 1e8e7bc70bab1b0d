"""Helpers of the users-router tests (test_users*.py), on top of authlib.py.

- Paths, the response shapes of the contract (UserModel, UserInfo, GroupModel) and the keys
  that must never leave the server (variables, password hashes, usher's internal columns).
- Seeding users fast in SQL (no bcrypt per account): seed_users() inserts `user` + `auth`
  rows directly, with names written as utf8mb4 hex literals so non-ASCII text survives the
  mariadb command line whatever its character set. A seeded user can sign in when its hash
  is copied from an account made over HTTP (hash_from=).
- Snapshots of rows (user_row) to prove that a refused request wrote nothing.
- Groups, memberships, access grants and OAuth sessions made in SQL (the groups API is
  another issue's), and the stored default permission tree changed in SQL.
- The name order a person expects from usher's utf8mb4_unicode_ci `name` column
  (case- and accent-insensitive), as a Python sort key.
"""
import concurrent.futures
import json
import time
import unicodedata
import uuid

from authlib import (  # noqa: F401  (re-exported: the users tests import them from here)
    ACCESS_PROHIBITED, GROUPS_CHANGED_SQL, Client, add_member, add_user, expect, first_admin,
    make_group, sql_json, sql_one, sql_quote, sql_text,
)

USERS = "/api/v1/users"

# UserModel (seed doc; contract §2, deltas §6): what GET /users/, GET /users/{id},
# /user/status and /{id}/update answer for a user.
USER_MODEL_KEYS = {
    "id", "name", "email", "username", "role", "profile_image_url", "profile_banner_image_url",
    "bio", "gender", "date_of_birth", "timezone", "presence_state", "status_emoji",
    "status_message", "status_expires_at", "info", "settings", "oauth", "scim",
    "last_active_at", "updated_at", "created_at",
}
# UserInfoResponse: /search, /all, /{id}/info items. Nothing else: these are readable by
# every verified user, so settings/info/oauth/timestamps of others must not leak.
USER_INFO_KEYS = {"id", "name", "email", "role", "bio", "groups", "is_active", "status_emoji",
                  "status_message", "status_expires_at"}
GROUP_MODEL_KEYS = {"id", "user_id", "name", "description", "permissions", "data", "meta",
                    "created_at", "updated_at"}
# Never part of any answer (deltas §2.1 for variables; the rest are usher's own columns or
# secrets).
HIDDEN_KEYS = {"variables", "password", "tokens_valid_after_ms", "seq", "email_lower",
               "key_digest", "key_sealed"}

PAGE_SIZE = 30

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da"
    "63646060f80f00010401005f0ea8a60000000049454e44ae426082")
GIF_1PX = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c0000000001"
                        "0001000002024401003b")


def u(path=""):
    """A users-router URL: u("/search") -> /api/v1/users/search; u() -> /api/v1/users/."""
    return USERS + (path if path else "/")


# ---------------------------------------------------------------- shapes
def assert_no_hidden(obj, where=""):
    """Recursively: no hidden key anywhere in an answer."""
    if isinstance(obj, dict):
        bad = HIDDEN_KEYS & set(obj)
        assert not bad, f"{where}: hidden keys {sorted(bad)} in {str(obj)[:300]}"
        for v in obj.values():
            assert_no_hidden(v, where)
    elif isinstance(obj, list):
        for v in obj:
            assert_no_hidden(v, where)


def assert_user_model(d, where=""):
    assert isinstance(d, dict), f"{where}: {d!r}"
    missing = USER_MODEL_KEYS - set(d)
    assert not missing, f"{where}: UserModel lacks {sorted(missing)}: {str(d)[:300]}"
    assert_no_hidden(d, where)
    if "api_key" in d:                  # an old UserModel field: never the key itself
        assert d["api_key"] is None, where
    for k in ("last_active_at", "updated_at", "created_at"):
        assert isinstance(d[k], int) and not isinstance(d[k], bool), f"{where}: {k}={d[k]!r}"
    assert d["status_expires_at"] is None or isinstance(d["status_expires_at"], int), where


def assert_user_info(d, where=""):
    assert isinstance(d, dict), f"{where}: {d!r}"
    assert set(d) == USER_INFO_KEYS, f"{where}: keys {sorted(d)}"
    assert isinstance(d["is_active"], bool), where
    assert isinstance(d["groups"], list), where


def assert_422(r, loc, type_=None, input_=None, msg=None):
    """FastAPI's validation answer: 422, detail a list of {type, loc, msg, input} with one item
    at loc (a list, e.g. ["query", "page"])."""
    body = expect(r, 422)
    assert isinstance(body, dict) and isinstance(body.get("detail"), list), r.text[:300]
    for item in body["detail"]:
        assert {"type", "loc", "msg", "input"} <= set(item), item
        assert isinstance(item["msg"], str) and isinstance(item["type"], str), item
    items = [i for i in body["detail"] if i["loc"] == loc]
    assert items, f"no 422 item at {loc}: {body['detail']}"
    if type_ is not None:
        assert items[0]["type"] == type_, items[0]
    if input_ is not None:
        assert items[0]["input"] == input_, items[0]
    if msg is not None:
        assert items[0]["msg"] == msg, items[0]
    return items[0]


def setup_pair(stack):
    """A fresh install's primary admin and one verified user, both made over HTTP."""
    admin = first_admin(stack)
    user = add_user(admin, role="user", name="Plain User")
    return admin, user


# ---------------------------------------------------------------- SQL
def seed_users(stack, rows, hash_from=None):
    """Inserts users (and their auth rows) in one statement each. rows: dicts with name,
    email and optionally id, role (user), created_at, last_active_at, updated_at (default
    now), profile_image_url ('/user.png'), info/settings/oauth/scim/variables (JSON values),
    status_* , timezone. With hash_from (a user id) the auth row gets that user's password
    hash, so the seeded user signs in with the same password. Returns the rows with ids."""
    now = int(time.time())
    values = []
    for r in rows:
        r.setdefault("id", str(uuid.uuid4()))
        r.setdefault("role", "user")
        r.setdefault("created_at", now)
        r.setdefault("last_active_at", r["created_at"])
        r.setdefault("updated_at", r["created_at"])
        r.setdefault("profile_image_url", "/user.png")
        values.append("(" + ", ".join([
            sql_text(r["id"]), sql_text(r["email"]), sql_text(r["role"]), sql_text(r["name"]),
            sql_text(r["profile_image_url"]), sql_json(r.get("info")), sql_json(r.get("settings")),
            sql_json(r.get("oauth")), sql_json(r.get("scim")), sql_json(r.get("variables")),
            sql_text(r.get("status_emoji")), sql_text(r.get("status_message")),
            "NULL" if r.get("status_expires_at") is None else str(int(r["status_expires_at"])),
            sql_text(r.get("timezone")), sql_text(r.get("bio")),
            str(int(r["last_active_at"])), str(int(r["updated_at"])), str(int(r["created_at"])),
        ]) + ")")
    stack.sql("INSERT INTO `user` (id, email, role, name, profile_image_url, info, settings, oauth, "
              "scim, variables, status_emoji, status_message, status_expires_at, timezone, bio, "
              "last_active_at, updated_at, created_at) VALUES " + ", ".join(values))
    ids = ", ".join(sql_text(r["id"]) for r in rows)
    pw = (f"(SELECT a.password FROM auth a WHERE a.id = {sql_quote(hash_from)})"
          if hash_from else "'!'")
    stack.sql(f"INSERT INTO auth (id, email, password, active) SELECT u.id, u.email, {pw}, 1 "
              f"FROM `user` u WHERE u.id IN ({ids})")
    stack.recount()
    return rows


USER_ROW_COLUMNS = ("id, email, username, role, HEX(name), HEX(profile_image_url), bio, gender, "
                    "date_of_birth, timezone, presence_state, HEX(COALESCE(status_emoji, '')), "
                    "HEX(COALESCE(status_message, '')), status_expires_at, HEX(COALESCE(info, 'N')), "
                    "HEX(COALESCE(settings, 'N')), HEX(COALESCE(variables, 'N')), oauth, scim, "
                    "updated_at, created_at, tokens_valid_after_ms")


def user_row(stack, uid, with_updated_at=True):
    """Every stored column of a user plus its auth row (to compare before/after a request
    that must write nothing). last_active_at is left out: authentication may touch it."""
    rows = stack.sql(f"SELECT {USER_ROW_COLUMNS} FROM `user` WHERE id = {sql_quote(uid)}")
    auth = stack.sql(f"SELECT email, password, active FROM auth WHERE id = {sql_quote(uid)}")
    row = rows[0] if rows else None
    if row and not with_updated_at:
        row = row[:19] + row[20:]
    return row, auth


def column(stack, uid, col):
    return sql_one(stack, f"SELECT {col} FROM `user` WHERE id = {sql_quote(uid)}")


def json_column(stack, uid, col):
    v = sql_one(stack, f"SELECT HEX({col}) FROM `user` WHERE id = {sql_quote(uid)}")
    return None if v in (None, "NULL", "") else json.loads(bytes.fromhex(v).decode())


def set_updated_at(stack, uid, when):
    stack.sql(f"UPDATE `user` SET updated_at = {int(when)} WHERE id = {sql_quote(uid)}")


def add_grant(stack, principal_type, principal_id, resource_id=None):
    gid = str(uuid.uuid4())
    stack.sql("INSERT INTO access_grant (id, resource_type, resource_id, principal_type, "
              f"principal_id, permission, created_at) VALUES ('{gid}', 'model', "
              f"{sql_quote(resource_id or 'model-' + gid[:8])}, {sql_quote(principal_type)}, "
              f"{sql_quote(principal_id)}, 'read', {int(time.time())}); " + GROUPS_CHANGED_SQL)
    return gid


def add_oauth_session(stack, uid, provider="oidc"):
    sid = str(uuid.uuid4())
    now = int(time.time())
    stack.sql("INSERT INTO oauth_session (id, user_id, provider, token, expires_at, created_at, "
              f"updated_at) VALUES ('{sid}', {sql_quote(uid)}, {sql_quote(provider)}, "
              f"'{{\"access_token\": \"at-{sid[:8]}\"}}', {now + 3600}, {now}, {now})")
    return sid


def set_default_permissions(stack, admin, **section_changes):
    """Stores the default permission tree (config key user.permissions) with changes, e.g.
    settings={"interface": False}. Starts from the effective tree of a user in no group,
    which is the stored defaults (contract §4.2), as the admin's session user shows it."""
    tree = expect(admin.get("/api/v1/auths/"), 200)["permissions"]
    for section, changes in section_changes.items():
        tree.setdefault(section, {}).update(changes)
    now = int(time.time())
    # Workers re-read the config table when its version row changes (settings_store.h:
    # "whoever edits the table by hand changes the version too"), so bump it as well.
    version = uuid.uuid4().int % 10**15
    stack.sql("INSERT INTO config (`key`, value, updated_at) VALUES ('user.permissions', "
              f"{sql_json(tree)}, {now}), ('usher.settings_version', '{version}', {now}) "
              "ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)")
    return tree


# ---------------------------------------------------------------- order
def name_key(s):
    """The order of utf8mb4_unicode_ci at the primary level for the names the tests use:
    case- and accent-insensitive."""
    decomposed = unicodedata.normalize("NFKD", s)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def parallel(fn, args, workers=16):
    with concurrent.futures.ThreadPoolExecutor(workers) as ex:
        return list(ex.map(fn, args))
