"""Permissions (contract §4, deltas §2.2, §2.5, §5) and the user preview (§1a, deltas §2.6):
the caller's effective tree with several groups against a tree written out by hand, the
default-permission round trip and its 422s, the compiled defaults and their environment
variables, changes reaching every worker at the next request (sessions and API keys), and
the preview against grants set up with usherctl.

Every test starts from an empty database (authlib.auth_env, grouplib.grants_wiped).
"""
import json

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    API_KEY_NOT_ALLOWED, ME, Client, add_user, auth_env, auth_module, ensure_pool_env, expect,
    first_admin, sql_one,
)
from callerlib import callers  # noqa: F401  (the fixture)
from grouplib import (  # noqa: F401  (grants_wiped: fixture)
    GROUPS, NOT_FOUND, USERS, add_members, create_group, ctl, grants_wiped,
)

PERMS = USERS + "/permissions"
DEFAULTS = USERS + "/default/permissions"
COMPILED = USERS + "/default/permissions/defaults"

# The v0.11.0 compiled defaults (deltas §5), as /users/permissions shows them on a fresh
# install (nothing stored: the compiled tree, open_chats included).
COMPILED_TREE = {
    "workspace": {"models": False, "knowledge": False, "prompts": False, "tools": False,
                  "skills": False, "models_import": False, "models_export": False,
                  "prompts_import": False, "prompts_export": False, "tools_import": False,
                  "tools_export": False, "skills_import": False, "skills_export": False},
    "sharing": {"models": False, "public_models": False, "knowledge": False,
                "public_knowledge": False, "prompts": False, "public_prompts": False,
                "tools": False, "public_tools": False, "skills": False, "public_skills": False,
                "notes": False, "public_notes": False, "folders": False, "public_chats": False,
                "open_chats": False, "public_calendars": False},
    "access_grants": {"allow_users": True, "allow_groups": True},
    "chat": {"controls": True, "valves": True, "system_prompt": True, "params": True,
             "file_upload": True, "web_upload": True, "delete": True, "delete_message": True,
             "continue_response": True, "regenerate_response": True, "rate_response": True,
             "edit": True, "share": True, "export": True, "import": True, "stt": True,
             "tts": True, "call": True, "multiple_models": True, "temporary": True,
             "temporary_enforced": False},
    "features": {"api_keys": False, "notes": True, "folders": True, "channels": True,
                 "direct_tool_servers": False, "web_search": True, "image_generation": True,
                 "code_interpreter": True, "memories": True, "automations": False,
                 "calendar": True, "webhooks": False},
    "settings": {"interface": True},
}

# The router's view of it (GET /default/permissions and /defaults): no open_chats. (The
# router's own defaults, public_tools and public_notes true, only fill keys a tree lacks.)
ROUTER_TREE = {
    "workspace": COMPILED_TREE["workspace"],
    "sharing": {"models": False, "public_models": False, "knowledge": False,
                "public_knowledge": False, "prompts": False, "public_prompts": False,
                "tools": False, "public_tools": False, "skills": False, "public_skills": False,
                "notes": False, "public_notes": False, "folders": False, "public_chats": False,
                "public_calendars": False},
    "access_grants": COMPILED_TREE["access_grants"],
    "chat": COMPILED_TREE["chat"],
    "features": COMPILED_TREE["features"],
    "settings": COMPILED_TREE["settings"],
}

# Two groups over the compiled defaults, and the tree §4.2 gives, written out by hand: a
# group turns false into true, never true into false; nested sections merge; keys only a
# group has are copied in; keys only the defaults have stay.
GROUP_A = {"workspace": {"models": True}, "chat": {"edit": False, "share": False},
           "features": {"api_keys": True}}
GROUP_B = {"workspace": {"models": False, "knowledge": True},
           "sharing": {"open_chats": True}, "chat": {"temporary_enforced": True},
           "custom": {"nested": {"deep": True}}}
MERGED = {
    "workspace": {"models": True, "knowledge": True, "prompts": False, "tools": False,
                  "skills": False, "models_import": False, "models_export": False,
                  "prompts_import": False, "prompts_export": False, "tools_import": False,
                  "tools_export": False, "skills_import": False, "skills_export": False},
    "sharing": {"models": False, "public_models": False, "knowledge": False,
                "public_knowledge": False, "prompts": False, "public_prompts": False,
                "tools": False, "public_tools": False, "skills": False, "public_skills": False,
                "notes": False, "public_notes": False, "folders": False, "public_chats": False,
                "open_chats": True, "public_calendars": False},
    "access_grants": {"allow_users": True, "allow_groups": True},
    "chat": {"controls": True, "valves": True, "system_prompt": True, "params": True,
             "file_upload": True, "web_upload": True, "delete": True, "delete_message": True,
             "continue_response": True, "regenerate_response": True, "rate_response": True,
             "edit": True, "share": True, "export": True, "import": True, "stt": True,
             "tts": True, "call": True, "multiple_models": True, "temporary": True,
             "temporary_enforced": True},
    "features": {"api_keys": True, "notes": True, "folders": True, "channels": True,
                 "direct_tool_servers": False, "web_search": True, "image_generation": True,
                 "code_interpreter": True, "memories": True, "automations": False,
                 "calendar": True, "webhooks": False},
    "settings": {"interface": True},
    "custom": {"nested": {"deep": True}},
}


def full_post_body():
    return json.loads(json.dumps(ROUTER_TREE))


# ---------------------------------------------------------------- GET /users/permissions

def test_effective_tree_without_groups(callers):
    for c in (callers.user, callers.admin, callers.admin_key):
        assert expect(c.get(PERMS), 200) == COMPILED_TREE
        assert expect(c.get(ME), 200)["permissions"] == COMPILED_TREE
    expect(callers.pending.get(PERMS), 401)
    expect(callers.anonymous.get(PERMS), 401)


def test_merge_of_several_groups(callers):
    a = create_group(callers.admin, "a", permissions=GROUP_A)
    b = create_group(callers.admin, "b", permissions=GROUP_B)
    add_members(callers.admin, a["id"], callers.user.id)
    add_members(callers.admin, b["id"], callers.user.id)
    for _ in range(6):     # every worker
        assert expect(callers.user.get(PERMS), 200) == MERGED
        assert expect(callers.user.get(ME), 200)["permissions"] == MERGED
    # the admin is in neither group
    assert expect(callers.admin.get(PERMS), 200) == COMPILED_TREE


def test_merge_over_stored_defaults(callers):
    """After a save the stored tree has no open_chats (the router drops it); a group can
    still bring it, and a stored true stays true whatever a group says."""
    body = full_post_body()
    body["chat"]["edit"] = True
    body["features"]["notes"] = False
    expect(callers.admin.post(DEFAULTS, json=body), 200)
    g = create_group(callers.admin, "g", permissions={"sharing": {"open_chats": True},
                                                   "chat": {"edit": False}})
    got = expect(callers.user.get(PERMS), 200)
    assert "open_chats" not in got["sharing"] and got["features"]["notes"] is False
    add_members(callers.admin, g["id"], callers.user.id)
    got = expect(callers.user.get(PERMS), 200)
    assert got["sharing"]["open_chats"] is True and got["chat"]["edit"] is True
    assert got["features"]["notes"] is False


# ---------------------------------------------------------------- default permissions

def test_default_permission_roles(callers):
    for c in callers.allowed("admin"):
        assert expect(c.get(DEFAULTS), 200) == ROUTER_TREE
        assert expect(c.get(COMPILED), 200) == ROUTER_TREE
        expect(c.post(DEFAULTS, json=full_post_body()), 200)
    for c, status, text in callers.refused("admin"):
        expect(c.get(DEFAULTS), status, text)
        expect(c.get(COMPILED), status, text)
        expect(c.post(DEFAULTS, json=full_post_body()), status, text)


def test_default_permissions_round_trip(callers, stack):
    admin = callers.admin
    body = {"workspace": {"models": True, "unknown_key": True},
            "sharing": {"open_chats": True, "public_tools": False},
            "access_grants": {},
            "chat": {"import_": False, "edit": "false"},
            "features": {"api_keys": 1},
            "settings": {"interface": False},
            "extra_section": {"x": True}}
    want = json.loads(json.dumps(ROUTER_TREE))
    want["workspace"]["models"] = True
    want["sharing"]["public_notes"] = True       # missing: the router's default
    want["chat"]["import"] = False
    want["chat"]["edit"] = False
    want["features"]["api_keys"] = True
    want["settings"]["interface"] = False
    got = expect(admin.post(DEFAULTS, json=body), 200)
    assert got == want
    assert expect(admin.get(DEFAULTS), 200) == want
    stored = json.loads(sql_one(stack, "SELECT value FROM config WHERE `key` = 'user.permissions'"))
    assert stored == want
    # the compiled defaults do not move
    assert expect(admin.get(COMPILED), 200) == ROUTER_TREE
    # the effective tree is the stored one now, on every worker
    for _ in range(6):
        assert expect(callers.user.get(PERMS), 200) == want
    # "import" wins over "import_" when both are sent
    body2 = full_post_body()
    body2["chat"]["import_"] = False
    assert expect(admin.post(DEFAULTS, json=body2), 200)["chat"]["import"] is True


@pytest.mark.parametrize("mutate,loc", [
    (lambda b: b.pop("settings"), ["body", "settings"]),
    (lambda b: b.pop("workspace"), ["body", "workspace"]),
    (lambda b: b.update(chat=[]), ["body", "chat"]),
    (lambda b: b.update(sharing=None), ["body", "sharing"]),
    (lambda b: b["features"].update(notes="maybe"), ["body", "features", "notes"]),
    (lambda b: b["chat"].update(edit=[True]), ["body", "chat", "edit"]),
])
def test_default_permissions_422(callers, stack, mutate, loc):
    body = full_post_body()
    mutate(body)
    errs = expect(callers.admin.post(DEFAULTS, json=body), 422)["detail"]
    assert errs[0]["loc"] == loc, errs
    assert sql_one(stack, "SELECT COUNT(*) FROM config WHERE `key` = 'user.permissions'") == "0"


def test_default_permissions_422_for_a_body_that_is_no_object(callers):
    for body in ([], "x", 5):
        errs = expect(callers.admin.post(DEFAULTS, json=body), 422)["detail"]
        assert errs[0]["loc"] == ["body"]
    errs = expect(callers.admin.post(DEFAULTS), 422)["detail"]
    assert errs[0]["type"] == "missing"


class TestCompiledFromEnvironment:
    POOL_ENV = {"USER_PERMISSIONS_FEATURES_API_KEYS": "True",
                "USER_PERMISSIONS_FEATURES_USER_WEBHOOKS": "true",
                "USER_PERMISSIONS_CHAT_EDIT": "yes",        # only "true" counts
                "USER_PERMISSIONS_CHAT_ALLOW_OPEN_SHARING": "true",
                "USER_PERMISSIONS_NOTES_ALLOW_PUBLIC_SHARING": "false"}

    def test_environment_overrides(self, stack):
        admin = first_admin(stack)
        got = expect(admin.get(COMPILED), 200)
        assert got["features"]["api_keys"] is True and got["features"]["webhooks"] is True
        assert got["chat"]["edit"] is False
        assert got["sharing"]["public_notes"] is False and "open_chats" not in got["sharing"]
        eff = expect(admin.get(PERMS), 200)
        assert eff["sharing"]["open_chats"] is True and eff["features"]["api_keys"] is True


# ---------------------------------------------------------------- changes reach every worker

def test_group_permission_reaches_api_keys_at_once(callers):
    admin, user = callers.admin, callers.user
    g = create_group(admin, "keys", permissions={"features": {"api_keys": True}})
    add_members(admin, g["id"], user.id)
    key = expect(user.post("api_key"), 200)["api_key"]
    as_key = Client(user.stack, key, "x-api-key")
    for _ in range(8):
        assert expect(as_key.get(PERMS), 200)["features"]["api_keys"] is True
    # the group stops granting it: refused at the next request, on every worker
    expect(admin.post(f"{GROUPS}/id/{g['id']}/update",
                      json={"name": "keys", "description": "",
                            "permissions": {"features": {"api_keys": False}}}), 200)
    for _ in range(8):
        expect(as_key.get(PERMS), 403, API_KEY_NOT_ALLOWED)
        assert expect(user.get(ME), 200)["permissions"]["features"]["api_keys"] is False
    # and back through the defaults instead of a group
    body = full_post_body()
    body["features"]["api_keys"] = True
    expect(admin.post(DEFAULTS, json=body), 200)
    for _ in range(8):
        assert expect(as_key.get(ME), 200)["permissions"]["features"]["api_keys"] is True


# ---------------------------------------------------------------- GET /users/{id}/preview

def test_user_preview(callers, stack):
    admin, user = callers.admin, callers.user
    other = add_user(admin, role="user")
    team = create_group(admin, "team")
    add_members(admin, team["id"], user.id)
    setup = [
        ("resource", "add", "model", "m-public", "Public"),
        ("resource", "add", "model", "m-direct", "Direct"),
        ("resource", "add", "model", "m-team", "Team"),
        ("resource", "add", "model", "m-owned", "Owned", "--owner", user.id),
        ("resource", "add", "model", "m-owned-off", "Owned but inactive", "--owner", user.id,
         "--inactive"),
        ("resource", "add", "model", "m-off", "Inactive", "--inactive"),
        ("resource", "add", "model", "m-other", "Someone else's"),
        ("resource", "add", "knowledge", "k-anyone", "Open KB"),
        ("resource", "add", "knowledge", "k-write", "Write only"),
        ("resource", "add", "tool", "t-owned", "My tool", "--owner", user.id),
        ("resource", "add", "tool", "t-none", "Nobody's"),
        ("grant", "add", "model", "m-public", "user:*"),
        ("grant", "add", "model", "m-direct", f"user:{user.id}"),
        ("grant", "add", "model", "m-team", f"group:{team['id']}"),
        ("grant", "add", "model", "m-off", "user:*"),
        ("grant", "add", "model", "m-other", f"user:{other.id}"),
        ("grant", "add", "knowledge", "k-anyone", "anyone"),
        ("grant", "add", "knowledge", "k-write", f"user:{user.id}", "write"),
    ]
    for args in setup:
        ctl(stack, *args)
    assert "m-team\tuser" not in ctl(stack, "grant", "list", "model")
    for c in callers.allowed("admin"):
        got = expect(c.get(f"{USERS}/{user.id}/preview"), 200)
        assert set(got) == {"user", "groups", "models", "knowledge", "tools"}
        assert got["user"] == {"id": user.id, "name": user.user["name"]}
        assert got["groups"] == [{"id": team["id"], "name": "team"}]
        assert sorted(i["id"] for i in got["models"]["items"]) == \
            ["m-direct", "m-owned", "m-public", "m-team"]
        assert got["models"]["total"] == 5
        assert got["knowledge"] == {"items": [{"id": "k-anyone", "name": "Open KB"}], "total": 2}
        assert got["tools"] == {"items": [{"id": "t-owned", "name": "My tool"}], "total": 2}
    got = expect(admin.get(f"{USERS}/{other.id}/preview"), 200)
    assert sorted(i["id"] for i in got["models"]["items"]) == ["m-other", "m-public"]
    assert got["groups"] == []
    # removing a resource takes its grants with it
    ctl(stack, "resource", "rm", "model", "m-team")
    assert sql_one(stack, "SELECT COUNT(*) FROM access_grant WHERE resource_id = 'm-team'") == "0"
    got = expect(admin.get(f"{USERS}/{user.id}/preview"), 200)
    assert "m-team" not in [i["id"] for i in got["models"]["items"]]
    expect(admin.get(f"{USERS}/nobody/preview"), 404, NOT_FOUND)
    for c, status, text in callers.refused("admin"):
        expect(c.get(f"{USERS}/{user.id}/preview"), status, text)


def test_usherctl_refuses_bad_arguments(stack):
    from grouplib import usherctl
    for args in (("resource", "add", "prompt", "p", "P"), ("resource", "add", "model"),
                 ("resource", "add", "tool", "t", "T", "--inactive"),
                 ("grant", "add", "model", "m", "robot:1"),
                 ("grant", "add", "model", "m", "anyone", "write"),
                 ("grant", "add", "model", "m", "user:x", "admin"), ("grant", "frob")):
        assert usherctl(stack, *args).returncode == 2, args
    r = usherctl(stack, "grant", "rm", "model", "m", "user:x")
    assert r.returncode == 1
    r = usherctl(stack, "resource", "rm", "model", "nothing")
    assert r.returncode == 1
    ctl(stack, "grant", "add", "prompt", "p1", "user:*")
    assert "already" in ctl(stack, "grant", "add", "prompt", "p1", "user:*")
    assert ctl(stack, "grant", "list", "prompt") == "prompt\tp1\tuser:*\tread\n"
