"""usherctl import-openwebui (issue 16): Open WebUI databases of each supported shape, built
by owuilib, imported into the test stack's usher; then the people sign in over HTTP with the
passwords they had, their API keys work, and groups, memberships, a member's effective
permissions, settings, the admin config and the grants are where they were. Plus the dry run,
the second run, --only and the conflict policy. Bad input: test_import_openwebui_bad.py."""
import json
import subprocess

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    AUTHS, auth_env, auth_module, expect, first_admin, signin, signin_client, sql_one,
)
from grouplib import member_ids, wipe_grants
from harness import BUILD
import owuilib

USERS = "/api/v1/users"
GROUPS = "/api/v1/groups"
TABLES = ("user", "auth", "api_key", "`group`", "group_member", "config", "access_grant",
          "model", "knowledge", "tool")


@pytest.fixture(autouse=True)
def clean(stack, auth_env):
    wipe_grants(stack)


def run_import(stack, path, *opts):
    return subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), "import-openwebui",
                           *opts, str(path)], capture_output=True, text=True, timeout=300)


def counts(stack):
    return {t: sql_one(stack, f"SELECT COUNT(*) FROM {t}") for t in TABLES}


def summary(out):
    """The summary table: {table: (read, imported, unchanged, skipped, errors)}."""
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[0] in ("users", "api_keys", "groups", "members", "config",
                                            "resources", "grants") and parts[1].isdigit():
            rows[parts[0]] = tuple(int(p) for p in parts[1:6])
    return rows


def key_client(stack, key):
    return lambda path: stack.get(path, headers={"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize("shape", owuilib.SHAPES)
def test_everything_comes_over(stack, tmp_path, shape):
    path = tmp_path / "webui.db"
    sc = owuilib.build(path, shape)
    alice, bob, carol = sc["users"]
    eng, empty = sc["groups"]
    r = run_import(stack, path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"shape {'v0.11.0' if shape == 'v0.11' else '0.6-0.8'}" in r.stdout
    assert owuilib.REVISIONS[shape] in r.stdout
    s = summary(r.stdout)
    assert s["users"] == (3, 3, 0, 0, 0) and s["api_keys"] == (2, 2, 0, 0, 0)
    assert s["groups"] == (2, 2, 0, 0, 0) and s["members"] == (2, 2, 0, 0, 0)
    assert s["grants"][1] == 3 and s["resources"] == (4, 4, 0, 0, 0)

    # every person signs in with the password they had ($2b$ and $2a$), e-mail lowercased
    a = signin_client(stack, "alice@example.org", alice["password"])
    assert (a.user["id"], a.user["role"], a.user["name"]) == (alice["id"], "admin", "Alice Admin")
    b = signin_client(stack, "BOB@example.org", bob["password"])
    assert b.user["id"] == bob["id"] and b.user["name"] == "Bob Builder"   # tab became a space
    assert expect(signin(stack, "carol@example.org", carol["password"]), 200)["role"] == "pending"
    expect(signin(stack, "bob@example.org", "wrong-Pw1!"), 400)
    assert sql_one(stack, f"SELECT password FROM auth WHERE id = '{bob['id']}'").startswith("$2a$")

    # the old sk-... keys: Bob's through his group's features.api_keys; Alice sees hers again
    me = expect(key_client(stack, bob["key"])(AUTHS + "/"), 200)
    assert me["id"] == bob["id"]
    assert expect(a.get("api_key"), 200) == {"api_key": alice["key"]}

    # groups with permissions and data, memberships, Bob's effective permissions
    groups = {g["name"]: g for g in expect(a.request("GET", GROUPS + "/"), 200)}
    assert set(groups) == {"Engineering", "Empty"}
    g = groups["Engineering"]
    assert g["id"] == eng["id"] and g["permissions"] == eng["permissions"]
    assert g["data"] == eng["data"] and g["description"] == "builders"
    assert member_ids(stack, eng["id"]) == sorted([bob["id"], carol["id"]])
    # the counts every listing shows (kept by usher, not by triggers) follow the import
    assert g["member_count"] == 2 and groups["Empty"]["member_count"] == 0
    assert sql_one(stack, "SELECT n FROM user_count") == sql_one(stack, "SELECT COUNT(*) FROM user")
    listing = expect(a.request("GET", USERS + "/"), 200)
    assert listing["total"] == 3
    perms = expect(b.request("GET", USERS + "/permissions"), 200)
    assert perms["features"]["api_keys"] is True        # the group's
    assert perms["chat"]["delete"] is False             # the imported defaults'
    assert perms["workspace"]["models"] is True

    # settings and profile columns
    assert expect(b.request("GET", USERS + "/user/settings"), 200) == bob["settings"]
    row = stack.sql(f"SELECT username, date_of_birth, oauth FROM user WHERE id = '{alice['id']}'")[0]
    assert json.loads(row[2]) == {"google": {"sub": "1234"}}
    if shape != "0.6":
        assert row[:2] == ["alice", "1980-02-29"]

    # the account-related admin config and the default permissions
    cfg = expect(a.request("GET", AUTHS + "/admin/config"), 200)
    assert cfg["ENABLE_API_KEYS"] is True and cfg["DEFAULT_USER_ROLE"] == "user"
    assert cfg["WEBUI_URL"] == "https://chat.example.org" and cfg["ENABLE_SIGNUP"] is False
    assert cfg["PENDING_USER_OVERLAY_TITLE"] == "Wait for it"
    assert sql_one(stack, "SELECT COUNT(*) FROM config WHERE `key` LIKE 'audio.%'") == "0"

    # grants and the resources they name
    grants = {tuple(r) for r in stack.sql(
        "SELECT resource_type, resource_id, principal_type, principal_id, permission "
        "FROM access_grant")}
    assert grants == set(sc["grants"])
    assert stack.sql("SELECT id, name, user_id, is_active FROM model ORDER BY id") == [
        ["gpt-x", "GPT X", alice["id"], "1"], ["old-model", "Old", alice["id"], "0"]]
    assert sql_one(stack, "SELECT user_id FROM knowledge WHERE id = 'kb-1'") == bob["id"]

    # the audit log names the door
    assert sql_one(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'user.add' AND "
                          f"user_agent = 'usher import' AND target_id = '{carol['id']}'") != "0"
    assert sql_one(stack, "SELECT COUNT(*) FROM audit_log WHERE action = 'user.import'") != "0"


def test_dry_run_writes_nothing(stack, tmp_path):
    path = tmp_path / "webui.db"
    owuilib.build(path, "v0.11")
    before = counts(stack)
    r = run_import(stack, path, "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "Dry run: nothing was written" in r.stdout
    assert summary(r.stdout)["users"] == (3, 3, 0, 0, 0)   # "to import"
    assert counts(stack) == before


def test_second_run_changes_nothing(stack, tmp_path):
    path = tmp_path / "webui.db"
    owuilib.build(path, "0.8")
    assert run_import(stack, path).returncode == 0
    after_first = counts(stack)
    r = run_import(stack, path)
    assert r.returncode == 0, r.stdout
    assert "Nothing to do" in r.stdout
    assert all(row[1] == 0 for row in summary(r.stdout).values())
    assert summary(r.stdout)["users"] == (3, 0, 3, 0, 0)
    assert counts(stack) == after_first


def test_only_some_tables(stack, tmp_path):
    path = tmp_path / "webui.db"
    sc = owuilib.build(path, "v0.11")
    r = run_import(stack, path, "--only", "users,groups")
    assert r.returncode == 0, r.stdout
    assert set(summary(r.stdout)) == {"users", "groups"}
    assert counts(stack)["group_member"] == "0" and counts(stack)["api_key"] == "0"
    # later, the rest: the users are found in usher by id
    r = run_import(stack, path, "--only", "members,api_keys")
    assert summary(r.stdout)["members"] == (2, 2, 0, 0, 0)
    assert member_ids(stack, sc["groups"][0]["id"]) == sorted(u["id"] for u in sc["users"][1:])
    assert run_import(stack, path, "--only", "users,nonsense").returncode == 2


def test_conflicts_are_reported_per_row(stack, tmp_path):
    admin = first_admin(stack, email="boss@example.org")
    taken = expect(admin.post("add", json={"name": "Other Bob", "email": "Bob@Example.org",
                                           "password": "Other-pw1!", "role": "user"}), 200)
    existing_group = expect(admin.request("POST", GROUPS + "/create",
                                          json={"name": "Empty", "description": "mine"}), 200)
    path = tmp_path / "webui.db"
    sc = owuilib.scenario()
    # an Open WebUI account with the id of usher's admin, but another address
    sc["users"].append(dict(sc["users"][2], id=admin.user["id"], email="imposter@example.org",
                            key=None, created=owuilib.T0 + 30))
    owuilib.build(path, "v0.11", sc)
    r = run_import(stack, path)
    out = r.stdout
    assert r.returncode == 0, out            # conflicts are the policy, not errors
    assert f"user {sc['users'][1]['id']} (bob@example.org): the e-mail belongs to usher " \
           f"account {taken['id']}" in out
    assert f"user {admin.user['id']} (imposter@example.org): the id is another usher " \
           "account's (boss@example.org)" in out
    assert "group 22222222-bbbb-4bbb-8bbb-000000000002 (Empty): the name is taken by usher " \
           f"group {existing_group['id']}" in out
    s = summary(out)
    assert s["users"] == (4, 2, 0, 2, 0)
    # Bob's key and membership stay out; usher's own Bob and admin are untouched
    assert s["api_keys"][3] == 1 and s["members"] == (2, 1, 0, 1, 0)
    expect(signin(stack, "bob@example.org", "Other-pw1!"), 200)
    expect(signin(stack, "boss@example.org"), 200)

    # --merge-by-email maps Bob onto usher's Bob: his membership and key come over
    r = run_import(stack, path, "--merge-by-email")
    assert f"merged with usher account {taken['id']}" in r.stdout
    assert taken["id"] in member_ids(stack, sc["groups"][0]["id"])
    me = expect(key_client(stack, sc["users"][1]["key"])(AUTHS + "/"), 200)
    assert me["id"] == taken["id"]
    expect(signin(stack, "bob@example.org", "Other-pw1!"), 200)   # usher's password kept
