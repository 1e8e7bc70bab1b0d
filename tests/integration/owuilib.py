"""Open WebUI databases for the import tests (test_import_openwebui*.py), built with Python's
sqlite3 in the shapes those versions define (eoxssecondbrain/OV2-Frontend at f9590b80:
backend/open_webui/models/*.py for v0.11.0, the alembic migrations for the older ones):

- "v0.11": head revision f0bd01a18a3d: the api_key table, group_member, per-key config rows
  (key/value/updated_at), access_grant, user.variables/oauth/scim.
- "0.8": revision 38d63c18f30f (after 3af16a1c9fb6: username, bio, gender, date_of_birth;
  before 37f288994c47 and b10670c03dd5): user.api_key, group.user_ids, TEXT settings/info,
  oauth_sub, one config blob id/data, access_control on model/knowledge/tool.
- "0.6": revision 922e7a387820 (the group table's first version): the init migration's user
  table only (no username/bio/...), otherwise as 0.8.

The same people, keys, groups, settings and grants in every shape (SCENARIO), passwords
hashed with bcrypt by libxcrypt through the crypt module ($2b$, and one rewritten to $2a$,
which libxcrypt checks alike for ASCII passwords).
"""
import json
import sqlite3
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # noqa: E402  (deprecated in 3.11, still the libxcrypt binding)

REVISIONS = {"v0.11": "f0bd01a18a3d", "0.8": "38d63c18f30f", "0.6": "922e7a387820"}
SHAPES = tuple(REVISIONS)


def bcrypt(password, prefix="$2b$"):
    h = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 4))
    assert h.startswith("$2b$04$") and len(h) == 60
    return prefix + h[4:]


# ---- the tables as each version creates them -------------------------------------------------

_USER_INIT = """CREATE TABLE user (
    id VARCHAR NOT NULL, name VARCHAR, email VARCHAR, role VARCHAR, profile_image_url TEXT,
    last_active_at BIGINT, updated_at BIGINT, created_at BIGINT, api_key VARCHAR,
    settings TEXT, info TEXT, oauth_sub TEXT,
    PRIMARY KEY (id), UNIQUE (api_key), UNIQUE (oauth_sub))"""
_USER_V011 = """CREATE TABLE user (
    id VARCHAR NOT NULL, email VARCHAR, username VARCHAR(50), role VARCHAR, name VARCHAR NOT NULL,
    profile_image_url TEXT, profile_banner_image_url TEXT, bio TEXT, gender TEXT, date_of_birth DATE,
    timezone VARCHAR, presence_state VARCHAR, status_emoji VARCHAR, status_message TEXT,
    status_expires_at BIGINT, info JSON, variables JSON, settings JSON, oauth JSON, scim JSON,
    last_active_at BIGINT, updated_at BIGINT, created_at BIGINT,
    PRIMARY KEY (id), UNIQUE (email))"""
_AUTH = """CREATE TABLE auth (id VARCHAR NOT NULL, email VARCHAR, password TEXT, active BOOLEAN,
    PRIMARY KEY (id))"""
_GROUP_OLD = """CREATE TABLE "group" (id TEXT NOT NULL, user_id TEXT, name TEXT, description TEXT,
    data JSON, meta JSON, permissions JSON, user_ids JSON, created_at BIGINT, updated_at BIGINT,
    PRIMARY KEY (id), UNIQUE (id))"""
_GROUP_NEW = """CREATE TABLE "group" (id TEXT NOT NULL, user_id TEXT, name TEXT, description TEXT,
    data JSON, meta JSON, permissions JSON, created_at BIGINT, updated_at BIGINT,
    PRIMARY KEY (id), UNIQUE (id))"""
_GROUP_MEMBER = """CREATE TABLE group_member (id TEXT NOT NULL,
    group_id TEXT NOT NULL REFERENCES "group" (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES user (id) ON DELETE CASCADE,
    created_at BIGINT, updated_at BIGINT, PRIMARY KEY (id), UNIQUE (id),
    CONSTRAINT uq_group_member_group_user UNIQUE (group_id, user_id))"""
_API_KEY = """CREATE TABLE api_key (id TEXT NOT NULL, user_id TEXT REFERENCES user (id) ON DELETE CASCADE,
    key TEXT NOT NULL, data JSON, expires_at BIGINT, last_used_at BIGINT,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (id), UNIQUE (id), UNIQUE (key))"""
_CONFIG_BLOB = """CREATE TABLE config (id INTEGER NOT NULL, data JSON NOT NULL, version INTEGER NOT NULL,
    created_at DATETIME DEFAULT (CURRENT_TIMESTAMP) NOT NULL, updated_at DATETIME DEFAULT (CURRENT_TIMESTAMP),
    PRIMARY KEY (id))"""
_CONFIG_ROWS = """CREATE TABLE config (key TEXT NOT NULL, value JSON NOT NULL, updated_at BIGINT,
    PRIMARY KEY (key))"""
_ACCESS_GRANT = """CREATE TABLE access_grant (id TEXT NOT NULL, resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL, principal_type TEXT NOT NULL, principal_id TEXT NOT NULL,
    permission TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (id),
    CONSTRAINT uq_access_grant_grant UNIQUE (resource_type, resource_id, principal_type, principal_id, permission))"""
_MODEL = """CREATE TABLE model (id TEXT NOT NULL, user_id TEXT, base_model_id TEXT, name TEXT,
    params TEXT, meta TEXT, updated_at BIGINT, created_at BIGINT{ac},
    is_active BOOLEAN DEFAULT 1 NOT NULL, PRIMARY KEY (id))"""
_KNOWLEDGE = """CREATE TABLE knowledge (id TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT NOT NULL,
    description TEXT, data JSON, meta JSON, created_at BIGINT NOT NULL, updated_at BIGINT{ac},
    PRIMARY KEY (id), UNIQUE (id))"""
_TOOL = """CREATE TABLE tool (id VARCHAR NOT NULL, user_id VARCHAR, name TEXT, content TEXT,
    specs TEXT, meta TEXT, valves TEXT, updated_at BIGINT, created_at BIGINT{ac}, PRIMARY KEY (id))"""


def create_schema(con, shape):
    legacy = shape != "v0.11"
    ac = ", access_control JSON" if legacy else ""
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
    con.execute("INSERT INTO alembic_version VALUES (?)", (REVISIONS[shape],))
    if shape == "v0.11":
        con.execute(_USER_V011)
    else:
        con.execute(_USER_INIT)
        if shape == "0.8":   # 3af16a1c9fb6
            for col in ("username VARCHAR(50)", "bio TEXT", "gender TEXT", "date_of_birth DATE"):
                con.execute(f"ALTER TABLE user ADD COLUMN {col}")
    con.execute(_AUTH)
    con.execute(_GROUP_OLD if legacy else _GROUP_NEW)
    if not legacy:
        con.execute(_GROUP_MEMBER)
        con.execute(_API_KEY)
        con.execute(_ACCESS_GRANT)
    con.execute(_CONFIG_BLOB if legacy else _CONFIG_ROWS)
    con.execute(_MODEL.format(ac=ac))
    con.execute(_KNOWLEDGE.format(ac=ac))
    con.execute(_TOOL.format(ac=ac))
    # a table usher ignores, as a real file has many
    con.execute("CREATE TABLE chat (id VARCHAR NOT NULL, user_id VARCHAR, title TEXT, chat TEXT, "
                "PRIMARY KEY (id))")


# ---- the people and what they own --------------------------------------------------------------

T0 = 1_700_000_000


def scenario():
    """What every shape holds. Passwords and keys are the originals the tests use."""
    users = [
        dict(id="11111111-aaaa-4aaa-8aaa-000000000001", email="Alice@Example.org",
             name="Alice Admin", role="admin", password="Alice-pw1!", prefix="$2b$",
             key="sk-" + "a1" * 16, settings={"ui": {"theme": "dark", "notifications":
                                                      {"webhook_url": "https://hook.example/a"}}},
             info={"location": "Berlin"}, username="alice", bio="runs the place",
             date_of_birth="1980-02-29", oauth_sub="google@1234", created=T0),
        dict(id="11111111-aaaa-4aaa-8aaa-000000000002", email="bob@example.org",
             name="Bob\tBuilder", role="user", password="Bob-pw22!", prefix="$2a$",
             key="sk-" + "b2" * 16, settings={"ui": {"theme": "light"}}, info=None,
             username="bob", bio=None, date_of_birth=None, oauth_sub=None, created=T0 + 10),
        dict(id="11111111-aaaa-4aaa-8aaa-000000000003", email="carol@example.org",
             name="Carol", role="pending", password="Carol-pw3!", prefix="$2b$", key=None,
             settings=None, info=None, username=None, bio=None, date_of_birth=None,
             oauth_sub=None, created=T0 + 20),
    ]
    groups = [
        dict(id="22222222-bbbb-4bbb-8bbb-000000000001", name="Engineering",
             description="builders", owner=users[0]["id"],
             permissions={"features": {"api_keys": True}, "workspace": {"models": True}},
             data={"config": {"share": "members"}}, members=[users[1]["id"], users[2]["id"]]),
        dict(id="22222222-bbbb-4bbb-8bbb-000000000002", name="Empty", description="",
             owner=users[0]["id"], permissions={}, data=None, members=[]),
    ]
    config = {
        "auth.enable_api_keys": True,
        "ui.default_user_role": "user",
        "ui.enable_signup": False,
        "webui.url": "https://chat.example.org",
        "ui.pending_user_overlay_title": "Wait for it",
        "user.permissions": {"chat": {"delete": False}, "features": {"api_keys": False}},
        "audio.tts.engine": "openai",   # not an account setting: not imported
    }
    resources = dict(
        model=[dict(id="gpt-x", name="GPT X", owner=users[0]["id"], active=1),
               dict(id="old-model", name="Old", owner=users[0]["id"], active=0)],
        knowledge=[dict(id="kb-1", name="Handbook", owner=users[1]["id"])],
        tool=[dict(id="calc", name="Calculator", owner=users[0]["id"])],
    )
    # (resource type, resource id, principal type, principal id, permission)
    grants = [
        ("model", "gpt-x", "group", groups[0]["id"], "read"),
        ("knowledge", "kb-1", "user", users[1]["id"], "write"),
        ("tool", "calc", "user", "*", "read"),
    ]
    return dict(users=users, groups=groups, config=config, resources=resources, grants=grants)


def _nest(flat):
    blob = {}
    for key, value in flat.items():
        node = blob
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return blob


def _access_control(grants, rtype, rid):
    """The legacy column that the grants of one resource came from (f1e2d3c4b5a6)."""
    mine = [g for g in grants if g[0] == rtype and g[1] == rid]
    if any(g[2] == "user" and g[3] == "*" for g in mine):
        return None   # NULL: public read
    ac = {}
    for _, _, ptype, pid, perm in mine:
        ac.setdefault(perm, {"group_ids": [], "user_ids": []})[ptype + "_ids"].append(pid)
    return json.dumps(ac)


def build(path, shape, sc=None, extra=None):
    """Writes an Open WebUI database of shape at path, filled with scenario sc; extra(con) may
    add or spoil rows afterwards. Returns sc."""
    sc = sc or scenario()
    legacy = shape != "v0.11"
    con = sqlite3.connect(path)
    create_schema(con, shape)
    for u in sc["users"]:
        row = dict(id=u["id"], email=u["email"], name=u["name"], role=u["role"],
                   profile_image_url="/user.png", last_active_at=u["created"] + 5,
                   updated_at=u["created"], created_at=u["created"],
                   settings=json.dumps(u["settings"]) if u["settings"] is not None else None,
                   info=json.dumps(u["info"]) if u["info"] is not None else None)
        if shape != "0.6":
            row.update(username=u["username"], bio=u["bio"], date_of_birth=u["date_of_birth"])
        if legacy:
            row.update(api_key=u["key"], oauth_sub=u["oauth_sub"])
        else:
            row.update(variables=json.dumps({"team": "x"}), timezone="Europe/Berlin")
            if u["oauth_sub"]:
                provider, sub = u["oauth_sub"].split("@")
                row["oauth"] = json.dumps({provider: {"sub": sub}})
        cols = ", ".join(row)
        con.execute(f"INSERT INTO user ({cols}) VALUES ({', '.join('?' * len(row))})",
                    tuple(row.values()))
        if u.get("password") is not None:
            con.execute("INSERT INTO auth VALUES (?, ?, ?, 1)",
                        (u["id"], u["email"], u.get("hash") or bcrypt(u["password"], u["prefix"])))
        if not legacy and u["key"]:
            con.execute("INSERT INTO api_key (id, user_id, key, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?)", ("key_" + u["id"], u["id"], u["key"],
                                                   u["created"], u["created"]))
    for g in sc["groups"]:
        vals = [g["id"], g["owner"], g["name"], g["description"],
                json.dumps(g["data"]) if g["data"] is not None else None, None,
                json.dumps(g["permissions"]), T0, T0]
        if legacy:
            con.execute('INSERT INTO "group" (id, user_id, name, description, data, meta, '
                        'permissions, created_at, updated_at, user_ids) VALUES '
                        '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', vals + [json.dumps(g["members"])])
        else:
            con.execute('INSERT INTO "group" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', vals)
            for i, m in enumerate(g["members"]):
                con.execute("INSERT INTO group_member VALUES (?, ?, ?, ?, ?)",
                            (f"{g['id'][:-4]}m{i:03d}", g["id"], m, T0 + 1, T0 + 1))
    if legacy:
        con.execute("INSERT INTO config (id, data, version) VALUES (1, ?, 0)",
                    (json.dumps(_nest(sc["config"])),))
    else:
        for k, v in sc["config"].items():
            con.execute("INSERT INTO config VALUES (?, ?, ?)", (k, json.dumps(v), T0))
    for rtype, rows in sc["resources"].items():
        for r in rows:
            cols = dict(id=r["id"], user_id=r["owner"], name=r["name"], created_at=T0,
                        updated_at=T0)
            if rtype == "model":
                cols["is_active"] = r["active"]
            if legacy:
                granted = any(g[0] == rtype and g[1] == r["id"] for g in sc["grants"])
                cols["access_control"] = (_access_control(sc["grants"], rtype, r["id"])
                                          if granted else "{}")
            con.execute(f"INSERT INTO {rtype} ({', '.join(cols)}) VALUES "
                        f"({', '.join('?' * len(cols))})", tuple(cols.values()))
    if not legacy:
        for i, g in enumerate(sc["grants"]):
            con.execute("INSERT INTO access_grant VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (f"33333333-cccc-4ccc-8ccc-{i:012d}",) + g + (T0,))
    if extra:
        extra(con)
    con.commit()
    con.close()
    return sc
