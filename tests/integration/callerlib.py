"""A caller of each kind, for the access tests (test_sessions_access.py,
test_users_access.py, test_groups.py, test_permissions.py): one `callers` fixture, one
Callers object per fresh install.

KINDS names every kind of caller with what it authenticates as: a role ("pending", "user",
"admin") for a live credential, else the 401 text it must get. Callers builds, on a fresh
database whose first sign-up is the primary admin, the admin, a user and a pending user at
once (and the admin's own API key, API keys being enabled); the others on first use, so a
test that asks for none of them stays small (no second admin, no group, no dead tokens):

  anonymous        no credential                       401 Not authenticated
  pending, user, admin                                 their role (Bearer)
  user-cookie, admin-cookie                            the token cookie alone
  admin-key        the primary admin's own API key, by x-api-key
  api-key          another admin's API key, by Bearer (the auths matrix regenerates and
                   deletes keys: client() makes a new one whenever it is gone)
  api-key-header   the same key by x-api-key
  user-api-key     a user's key (features.api_keys granted by a group)
  revoked          a signed-out token                  401 Invalid token
  expired, forged, alg-none, wrong-alg, garbage        401 "401 Unauthorized"
  deleted-user     a token of a deleted account        401 INVALID_TOKEN
  unknown-key      an sk- key nobody has               401 INVALID_TOKEN

The fixture hands the same object to every test of one class (or module) as long as the
database was not wiped in between (authlib.generation), so a matrix with KEEP_DB builds it
once, and a test on a freshly wiped database gets a fresh one.
"""
import hashlib
import hmac
import json
import time
import uuid

import pytest

import authlib
from authlib import (
    ACCESS_PROHIBITED, INVALID_TOKEN, INVALID_TOKEN_SHORT, NOT_AUTHENTICATED, UNAUTHORIZED,
    Client, add_user, b64url, expect, first_admin, grant_group_permission, jwt_encode,
    server_secret, set_admin_config, signin_client, sql_one, wipe_db,
)

KINDS = {
    "anonymous": NOT_AUTHENTICATED,
    "pending": "pending",
    "user": "user",
    "user-cookie": "user",
    "admin": "admin",
    "admin-cookie": "admin",
    "admin-key": "admin",
    "api-key": "admin",
    "api-key-header": "admin",
    "user-api-key": "user",
    "revoked": INVALID_TOKEN_SHORT,
    "expired": UNAUTHORIZED,
    "forged": UNAUTHORIZED,
    "alg-none": UNAUTHORIZED,
    "wrong-alg": UNAUTHORIZED,
    "garbage": UNAUTHORIZED,
    "deleted-user": INVALID_TOKEN,
    "unknown-key": INVALID_TOKEN,
}


def _hs512(claims, secret):
    head = b64url(json.dumps({"alg": "HS512", "typ": "JWT"}).encode())
    body = b64url(json.dumps(claims).encode())
    sig = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha512).digest()
    return f"{head}.{body}.{b64url(sig)}"


class Callers:
    """One caller of each kind (KINDS) on a fresh install; see the module's docstring."""

    def __init__(self, stack):
        self.stack = stack
        wipe_db(stack)
        self.admin = first_admin(stack)
        set_admin_config(self.admin, ENABLE_API_KEYS=True)
        self.user = add_user(self.admin, role="user")
        self.pending = add_user(self.admin, role="pending")
        self.anonymous = Client(stack, None, "none")
        key = expect(self.admin.post("api_key"), 200)["api_key"]
        self.admin_key = Client(stack, key, "x-api-key", self.admin.user)
        self._made = {}
        self._key = None

    def once(self, name, make):
        """make(), called once per Callers: what a test module adds to the install."""
        if name not in self._made:
            self._made[name] = make()
        return self._made[name]

    def _claims(self, **change):
        now = int(time.time())
        claims = {"id": self.admin.id, "jti": str(uuid.uuid4()), "iat": now, "exp": now + 3600}
        claims.update(change)
        return claims

    def _revoked(self):
        c = signin_client(self.stack, self.user.email)
        expect(c.post("signout"), 200)
        return c

    def _deleted(self):
        gone = add_user(self.admin, role="user")
        self.stack.sql(f"DELETE FROM `user` WHERE id = '{gone.id}'")
        return gone

    def _user_key(self):
        keyed = add_user(self.admin, role="user", name="Keyed User")
        grant_group_permission(self.stack, keyed.id, {"features": {"api_keys": True}})
        return Client(self.stack, expect(keyed.post("api_key"), 200)["api_key"], user=keyed.user)

    def _other_admins_key(self):
        """Another admin's key, made again whenever it is gone (the auths matrix
        regenerates and deletes the key of whoever calls it)."""
        owner = self.once("key-owner", lambda: add_user(self.admin, role="admin", name="Key Owner"))
        digest = hashlib.sha256(self._key.encode()).hexdigest() if self._key else ""
        if not self._key or sql_one(self.stack, "SELECT COUNT(*) FROM api_key WHERE "
                                                f"key_digest = '{digest}'") != "1":
            self._key = expect(owner.post("api_key"), 200)["api_key"]
        return self._key

    def client(self, kind):
        """The Client of a kind of KINDS."""
        now = int(time.time())
        builders = {
            "anonymous": lambda: self.anonymous,
            "pending": lambda: self.pending,
            "user": lambda: self.user,
            "user-cookie": lambda: self.user.as_("cookie"),
            "admin": lambda: self.admin,
            "admin-cookie": lambda: self.admin.as_("cookie"),
            "admin-key": lambda: self.admin_key,
            "user-api-key": lambda: self.once("user-api-key", self._user_key),
            "revoked": lambda: self.once("revoked", self._revoked),
            "expired": lambda: Client(self.stack, jwt_encode(
                self._claims(iat=now - 7200, exp=now - 3600), server_secret(self.stack))),
            "forged": lambda: Client(self.stack, jwt_encode(self._claims(), b"not-the-secret")),
            "alg-none": lambda: Client(self.stack, jwt_encode(self._claims(), None, alg="none")),
            "wrong-alg": lambda: Client(self.stack, _hs512(self._claims(),
                                                           server_secret(self.stack))),
            "garbage": lambda: Client(self.stack, "definitely-not-a-jwt"),
            "deleted-user": lambda: self.once("deleted-user", self._deleted),
            "unknown-key": lambda: Client(self.stack, "sk-" + "f" * 32),
            "api-key": lambda: Client(self.stack, self._other_admins_key(), "bearer"),
            "api-key-header": lambda: Client(self.stack, self._other_admins_key(), "x-api-key"),
        }
        assert set(builders) == set(KINDS)
        return builders[kind]()

    # The groups tests' view: by access level.
    def refused(self, level):
        """The callers a route of level ("verified" or "admin") refuses, with the answer
        each gets."""
        out = [(self.anonymous, 401, NOT_AUTHENTICATED), (self.pending, 401, ACCESS_PROHIBITED)]
        if level == "admin":
            out.append((self.user, 401, ACCESS_PROHIBITED))
        return out

    def allowed(self, level):
        out = [self.admin, self.admin_key]
        if level == "verified":
            out.append(self.user)
        return out


_built = {}


@pytest.fixture
def callers(request, stack, auth_env):
    """A Callers for this test: the one its class (or module) already has while the
    database was not wiped since, else a new one (on a freshly wiped database)."""
    owner = request.node.cls or request.module
    got = _built.get(owner)
    if got is None or got[0] != authlib.generation[0] or got[1].stack is not stack:
        c = Callers(stack)
        _built.clear()
        _built[owner] = (authlib.generation[0], c)
        return c
    return got[1]
