"""Every route x every kind of caller, against the access level the route table gives it.

The routes come from the daemon's own table (`usherctl routes`), so the matrix grows with
every router and cannot drift from what is served. For each kind of caller the test knows
the answer the contract gives when access is refused (401 "Not authenticated" for no
credential, 401 ACCESS_PROHIBITED for a role too low, 401 for dead tokens, 403 for an API
key outside its allowed endpoints) and, where access is granted, checks that the answer is
none of those (and no 500): what the handler then says is the routers' tests' business.

Requests carry no body: a route that takes a form answers 422 before doing anything, and
the few that act without one (sign-out, API-key creation and deletion) run last, so the
credential under test stays alive for the others.
"""
import subprocess
import time
import uuid

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, INVALID_TOKEN, INVALID_TOKEN_SHORT, NOT_AUTHENTICATED, UNAUTHORIZED,
    Client, add_user, auth_env, auth_module, detail, expect, first_admin, jwt_encode,
    openwebui_token, server_secret, set_admin_config, signin_client,
)
from harness import BUILD

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
LEVELS = ("public", "any", "verified", "admin")
# Answers that mean "access refused" (status, detail): a granted route gives none of them.
REFUSALS = {
    (401, NOT_AUTHENTICATED), (401, ACCESS_PROHIBITED), (401, UNAUTHORIZED),
    (401, INVALID_TOKEN), (401, INVALID_TOKEN_SHORT), (403, ACCESS_PROHIBITED),
    (403, "Use of API key is not enabled in the environment."),
}
# Routes that change the credential itself: asked last.
LAST = ("/api/v1/auths/api_key", "/api/v1/auths/signout")


def routes():
    out = subprocess.run([str(BUILD / "usherctl"), "routes"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    rows = [line.split("\t") for line in out.splitlines() if line]
    assert rows and all(len(r) == 4 and r[2] in LEVELS for r in rows), out
    return sorted(rows, key=lambda r: (r[1] in LAST, r[1] == LAST[1], r[1], r[0]))


def concrete(pattern):
    """A path for the pattern: unknown ids for the parameters (no row is touched)."""
    return (pattern.replace("{user_id}", UNKNOWN_ID).replace("{id}", UNKNOWN_ID)
            .replace("{provider:path}", "nope").replace("{provider}", "nope"))


def run_as(stack, client, refused, renew=None):
    """renew() gives a fresh credential of the same kind before each route that can end
    the current one (an API key asking for, or deleting, its own replacement)."""
    bad = []
    for method, pattern, level, _target in routes():
        path = concrete(pattern)
        if renew and pattern in LAST:
            client = renew()
        r = client.request(method, path) if client else stack.request(method, path)
        want = refused(level, path)
        d = detail(r)
        got = (r.status_code, d if isinstance(d, str) else "(a 422 list)")
        if want is not None:
            if got != want:
                bad.append(f"{method} {pattern} [{level}]: want {want}, got {got}")
        elif got in REFUSALS or r.status_code >= 500:
            bad.append(f"{method} {pattern} [{level}]: want access, got {got}")
    assert not bad, "\n".join(bad)


def by_role(role):
    """Refusals for a live session of role."""
    def refused(level, _path):
        if level == "verified" and role == "pending":
            return (401, ACCESS_PROHIBITED)
        if level == "admin" and role != "admin":
            return (401, ACCESS_PROHIBITED)
        return None
    return refused


def dead(answer):
    """Refusals for a credential that no longer works: every non-public route."""
    return lambda level, _path: None if level == "public" else answer


def test_anonymous(stack):
    first_admin(stack)
    run_as(stack, None, dead((401, NOT_AUTHENTICATED)))


@pytest.mark.parametrize("role", ["pending", "user", "admin"])
def test_session_of_each_role(stack, role):
    admin = first_admin(stack)
    client = admin if role == "admin" else add_user(admin, role=role)
    run_as(stack, client, by_role(role))


@pytest.mark.parametrize("how", ["cookie", "x-api-key"])
def test_session_in_other_carriers(stack, how):
    admin = first_admin(stack)
    run_as(stack, add_user(admin, role="user").as_(how), by_role("user"))


def api_key_renewer(stack, restricted):
    """A function giving a fresh API key of an admin, who sets the endpoint restriction."""
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_API_KEYS=True,
                     ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS=restricted,
                     API_KEYS_ALLOWED_ENDPOINTS="/api/v1/auths" if restricted else "")
    return lambda: Client(stack, expect(admin.post("api_key"), 200)["api_key"])


def test_admin_api_key(stack):
    renew = api_key_renewer(stack, False)
    run_as(stack, renew(), by_role("admin"), renew)


def test_api_key_limited_to_the_auths_router(stack):
    def refused(level, path):
        if level == "public":
            return None
        if not (path == "/api/v1/auths" or path.startswith("/api/v1/auths/")):
            return (403, ACCESS_PROHIBITED)
        return None
    renew = api_key_renewer(stack, True)
    run_as(stack, renew(), refused, renew)


def test_signed_out_token(stack):
    admin = first_admin(stack)
    other = signin_client(stack, admin.email)
    expect(stack.post("/api/v1/auths/signout", headers={"Authorization": "Bearer " + other.token}), 200)
    run_as(stack, other, dead((401, INVALID_TOKEN_SHORT)))


def test_expired_token(stack):
    admin = first_admin(stack)
    run_as(stack, Client(stack, openwebui_token(stack, admin.id, exp_in=-10)),
           dead((401, UNAUTHORIZED)))


def test_forged_tokens(stack):
    admin = first_admin(stack)
    now = int(time.time())
    claims = {"id": admin.id, "jti": str(uuid.uuid4()), "iat": now, "exp": now + 3600}
    wrong_key = jwt_encode(claims, b"not the server secret")
    run_as(stack, Client(stack, wrong_key), dead((401, UNAUTHORIZED)))
    alg_none = jwt_encode(claims, server_secret(stack), alg="none")
    run_as(stack, Client(stack, alg_none), dead((401, UNAUTHORIZED)))


def test_token_of_a_deleted_user(stack):
    admin = first_admin(stack)
    gone = add_user(admin, role="admin")
    expect(admin.delete(f"/api/v1/users/{gone.id}"), 200)
    run_as(stack, gone, dead((401, INVALID_TOKEN)))


def test_token_issued_before_a_role_change(stack):
    admin = first_admin(stack)
    member = add_user(admin, role="admin")
    r = admin.post(f"/api/v1/users/{member.id}/update", json={"role": "user"})
    assert expect(r, 200)["role"] == "user"
    run_as(stack, member, dead((401, INVALID_TOKEN_SHORT)))
