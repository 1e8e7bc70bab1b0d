"""Helpers of the groups and permissions tests (test_groups.py, test_permissions.py).

- The group routes' paths and error texts (deltas §3, verbatim).
- usherctl resource/grant, to set up what the previews read.
- wipe_grants(): the resource registries and access grants, which authlib's wipe leaves.
"""
import subprocess

import pytest

from authlib import GROUPS_CHANGED_SQL, expect
from harness import BUILD

GROUPS = "/api/v1/groups"
USERS = "/api/v1/users"
NOT_FOUND = "We could not find what you're looking for :/"
GROUP_CREATE = "[ERROR: Error creating group]"
GROUP_UPDATE = "[ERROR: Error updating group]"
GROUP_ADD_USERS = "[ERROR: Error adding users to group]"
GROUP_REMOVE_USERS = "[ERROR: Error removing users from group]"
GROUP_DELETE = "[ERROR: Error deleting group]"

GROUP_KEYS = {"id", "user_id", "name", "description", "data", "meta", "permissions",
              "created_at", "updated_at", "member_count"}
GROUP_INFO_KEYS = {"id", "user_id", "name", "description", "member_count", "created_at",
                   "updated_at"}
USER_INFO_KEYS = {"id", "name", "email", "role", "bio", "groups", "is_active", "status_emoji",
                  "status_message", "status_expires_at"}


def wipe_grants(stack):
    stack.sql("DELETE FROM access_grant; DELETE FROM model; DELETE FROM knowledge; "
              "DELETE FROM tool; " + GROUPS_CHANGED_SQL)


@pytest.fixture(autouse=True)
def grants_wiped(stack, auth_env):
    """Each test starts without resources or grants either (after authlib's wipe)."""
    wipe_grants(stack)


def usherctl(stack, *args):
    r = subprocess.run([str(BUILD / "usherctl"), "-c", str(stack.conf), *args],
                       capture_output=True, text=True, timeout=60)
    return r


def ctl(stack, *args):
    r = usherctl(stack, *args)
    assert r.returncode == 0, (args, r.stdout, r.stderr)
    return r.stdout


def create_group(admin, name, description="", **extra):
    body = {"name": name, "description": description}
    body.update(extra)
    return expect(admin.post(GROUPS + "/create", json=body), 200)


def add_members(admin, gid, *user_ids):
    return expect(admin.post(f"{GROUPS}/id/{gid}/users/add", json={"user_ids": list(user_ids)}),
                  200)


def member_ids(stack, gid):
    return sorted(r[0] for r in stack.sql(
        f"SELECT user_id FROM group_member WHERE group_id = '{gid}'"))
