"""Helpers of the auths tests (test_auths.py, test_sessions_*.py, test_apikeys.py).

- The contract's error texts, copied verbatim (openwebui-users.md §0).
- Running the pool with contract environment variables (WEBUI_AUTH=false, trusted headers,
  ...): ensure_pool_env() restarts usher-fcgi with a raw environment only when it differs
  from the one running. The `auth_pool` fixture of each test module puts the auths tests'
  base environment in place (cost-4 bcrypt, so hashing is cheap) plus what the test
  class asks for in POOL_ENV, and restore_default_pool() brings back the default pool at
  the end of the module.
- wipe_db(): empties every table the accounts API writes, for tests that need a fresh
  install (the first sign-up becomes admin, and so on).
- Sessions and users: signup/signin/add helpers, a small Client that sends a credential
  the way a given caller does (Bearer header, token cookie, x-api-key header).
- JWTs made by hand (HS256 with hmac/hashlib/base64, alg none, expired, forged), with the
  server secret read from the stack's data dir, as Open WebUI/PyJWT would sign them.
"""
import base64
import hashlib
import hmac
import json
import time
import uuid

# ---------------------------------------------------------------- the contract's texts
USER_NOT_FOUND = "We could not find what you're looking for :/"
ACTION_PROHIBITED = "The requested action has been restricted as a security measure."
ACCESS_PROHIBITED = ("You do not have permission to access this resource. Please contact your "
                     "administrator for assistance.")
EMAIL_TAKEN = ("Uh-oh! This email is already registered. Sign in with your existing account or "
               "choose another email to start anew.")
INVALID_CRED = ("The email or password provided is incorrect. Please check for typos and try "
                "logging in again.")
INVALID_EMAIL_FORMAT = ("The email format you entered is invalid. Please double-check and make "
                        "sure you're using a valid email address (e.g., yourname@example.com).")
INCORRECT_PASSWORD = "The password provided is incorrect. Please check for typos and try again."
INVALID_PASSWORD_DEFAULT = "The password does not meet the required validation criteria."
PASSWORD_TOO_LONG = ("Uh-oh! The password you entered is too long. Please make sure your "
                     "password is less than 72 bytes long.")
INVALID_TOKEN = "Your session has expired or the token is invalid. Please sign in again."
UNAUTHORIZED = "401 Unauthorized"
INVALID_TRUSTED_HEADER = ("Your provider has not provided a trusted header. Please contact your "
                          "administrator for assistance.")
EXISTING_USERS = ("You can't turn off authentication because there are existing users. If you "
                  "want to disable WEBUI_AUTH, make sure your web interface doesn't have any "
                  "existing users and is a fresh installation.")
API_KEY_NOT_FOUND = ("Oops! It looks like there's a hiccup. The API key is missing. Please make "
                     "sure to provide a valid API key to access this feature.")
API_KEY_NOT_ALLOWED = "Use of API key is not enabled in the environment."
API_KEY_CREATION_NOT_ALLOWED = "API key creation is not allowed in the environment."
RATE_LIMIT_EXCEEDED = "API rate limit exceeded"
NOT_AUTHENTICATED = "Not authenticated"
INVALID_TOKEN_SHORT = "Invalid token"
USER_MISMATCH = "User mismatch. Please sign in again."
LDAP_NOT_ENABLED = "LDAP authentication is not enabled"
TOKEN_EXCHANGE_DISABLED = "Token exchange is disabled"
NO_OAUTH_SESSION = "No OAuth session found for this provider"

AUTHS = "/api/v1/auths"
ME = AUTHS + "/"            # GET /api/v1/auths/: the session user
PASSWORD = "Secret-pw1!"

# The 28 AdminConfig fields of v0.11.0 (deltas §1.4) with their defaults.
ADMIN_CONFIG_DEFAULTS = {
    "SHOW_ADMIN_DETAILS": True,
    "ADMIN_EMAIL": None,
    "WEBUI_URL": "",
    "ENABLE_SIGNUP": True,
    "ENABLE_API_KEYS": False,
    "ENABLE_API_KEYS_ENDPOINT_RESTRICTIONS": False,
    "API_KEYS_ALLOWED_ENDPOINTS": "",
    "DEFAULT_USER_ROLE": "pending",
    "DEFAULT_GROUP_ID": "",
    "JWT_EXPIRES_IN": "4w",
    "ENABLE_COMMUNITY_SHARING": True,
    "ENABLE_MESSAGE_RATING": True,
    "ENABLE_FOLDERS": True,
    "FOLDER_MAX_FILE_COUNT": "",
    "AUTOMATION_MAX_COUNT": "",
    "AUTOMATION_MIN_INTERVAL": "",
    "ENABLE_AUTOMATIONS": True,
    "ENABLE_CHANNELS": False,
    "CHANNEL_MODEL_RESPONSE_MODE": "thread",
    "ENABLE_CALENDAR": True,
    "ENABLE_MEMORIES": True,
    "ENABLE_MEMORY_SYSTEM_CONTEXT": True,
    "ENABLE_NOTES": True,
    "ENABLE_USER_WEBHOOKS": False,
    "ENABLE_USER_STATUS": True,
    "PENDING_USER_OVERLAY_TITLE": "",
    "PENDING_USER_OVERLAY_CONTENT": "",
    "RESPONSE_WATERMARK": "",
}

SESSION_USER_KEYS = {"token", "token_type", "expires_at", "id", "email", "name", "role",
                     "profile_image_url", "permissions"}
SESSION_USER_INFO_KEYS = SESSION_USER_KEYS | {"bio", "gender", "date_of_birth", "status_emoji",
                                              "status_message", "status_expires_at"}

# ---------------------------------------------------------------- the pool's environment
# Cost-4 bcrypt: hashing at the default cost 12 would dominate the run time.
# No cap on bcrypt at once (bcrypt.max_running): tests that sign in in parallel check other
# things; test_hardening.py tests the cap.
BASE_ENV = {"USHER_BCRYPT_COST": "4", "USHER_BCRYPT_MAX_RUNNING": "64"}


def ensure_pool_env(stack, extra=None):
    """Runs the pool with BASE_ENV plus extra (raw variable names, as the reference's
    environment); restarts it only when that is not what already runs."""
    env = dict(BASE_ENV)
    env.update(extra or {})
    if stack.pool_env == env and stack.pool_running():
        return
    stack.run("pool-stop")
    stack.pool_env = env
    stack.run("pool-start", env=env)
    stack.wait_workers()


def restart_pool_now(stack):
    """Restarts the pool with the environment it runs with (for what happens at worker
    start, such as WEBUI_ADMIN_EMAIL on an empty database)."""
    stack.run("pool-stop")
    stack.run("pool-start", env=stack.pool_env)
    stack.wait_workers()


def restore_default_pool(stack):
    """Back to the pool every other test module expects (no extra environment)."""
    if stack.pool_env or not stack.pool_running():
        stack.restart_pool()


# ---------------------------------------------------------------- the database
# Groups, resources or grants written by hand get new versions, as `usherctl recount` gives
# them: the workers hold the groups until theirs changes (src/db/group_cache.c, sql/011),
# the registries and grants until theirs does (src/db/previews.c, sql/016).
GROUPS_CHANGED_SQL = ("UPDATE group_version SET v = v + 1, resources_v = resources_v + 1 "
                      "WHERE id = 1;")
WIPE_SQL = ("DELETE FROM revoked_token; DELETE FROM signin_attempt; DELETE FROM api_key; "
            "DELETE FROM group_member; DELETE FROM `group`; DELETE FROM oauth_session; "
            "DELETE FROM auth; DELETE FROM `user`; DELETE FROM config; "
            "UPDATE user_count SET n = 0 WHERE id = 1; " + GROUPS_CHANGED_SQL)
COUNTED_TABLES = ("user", "auth", "api_key", "config", "revoked_token", "group_member")

# Bumped by every wipe, so fixtures that built users can tell theirs are gone.
generation = [0]


def wipe_db(stack):
    stack.sql(WIPE_SQL + " " + stack.index_wipe_sql())
    generation[0] += 1


def row_counts(stack):
    q = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM `{t}`" for t in COUNTED_TABLES)
    return {name: int(n) for name, n in stack.sql(q)}


def sql_one(stack, query):
    rows = stack.sql(query)
    return rows[0][0] if rows else None


def sql_quote(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


def sql_text(s):
    """A utf8mb4 string literal that survives any client character set."""
    if s is None:
        return "NULL"
    if s == "":
        return "''"
    return f"CONVERT(X'{s.encode().hex()}' USING utf8mb4)"


def sql_json(v):
    return "NULL" if v is None else sql_text(json.dumps(v))


# ---------------------------------------------------------------- HTTP as a caller
class Client:
    """A caller holding one credential, sent as `how`: "bearer" (Authorization: Bearer),
    "cookie" (the token cookie only, as the v0.11 browser client), "x-api-key" (the API-key
    header) or "none"."""

    def __init__(self, stack, token=None, how="bearer", user=None):
        self.stack = stack
        self.token = token
        self.how = how
        self.user = user or {}

    @property
    def id(self):
        return self.user.get("id")

    @property
    def email(self):
        return self.user.get("email")

    def _kw(self, kw):
        headers = dict(kw.pop("headers", None) or {})
        cookies = dict(kw.pop("cookies", None) or {})
        if self.token and self.how == "bearer":
            headers.setdefault("Authorization", "Bearer " + self.token)
        elif self.token and self.how == "cookie":
            cookies.setdefault("token", self.token)
        elif self.token and self.how == "x-api-key":
            headers.setdefault("x-api-key", self.token)
        kw["headers"] = headers
        if cookies:
            kw["cookies"] = cookies
        return kw

    def request(self, method, path, **kw):
        path = path if path.startswith(("/", "http")) else AUTHS + "/" + path
        return self.stack.request(method, path, **self._kw(kw))

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def as_(self, how):
        return Client(self.stack, self.token, how, self.user)


def detail(r):
    try:
        body = r.json()
    except ValueError:
        return None
    return body.get("detail") if isinstance(body, dict) else None


def expect(r, status, text=None):
    """Asserts the status (and the detail text); returns the JSON answer."""
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:500]}"
    if text is not None:
        assert detail(r) == text, r.text[:500]
    try:
        return r.json()
    except ValueError:
        return None


_counter = [0]


def unique_email(prefix="user"):
    _counter[0] += 1
    return f"{prefix}{_counter[0]}-{uuid.uuid4().hex[:8]}@example.com"


def signup(stack, email=None, password=PASSWORD, name=None, **extra):
    body = {"name": "Someone" if name is None else name,
            "email": unique_email() if email is None else email, "password": password}
    body.update(extra)
    return stack.post(AUTHS + "/signup", json=body)


def signin(stack, email, password=PASSWORD, **kw):
    return stack.post(AUTHS + "/signin", json={"email": email, "password": password}, **kw)


def signup_client(stack, email=None, password=PASSWORD, name=None):
    r = signup(stack, email, password, name)
    u = expect(r, 200)
    return Client(stack, u["token"], user=u)


def signin_client(stack, email, password=PASSWORD):
    u = expect(signin(stack, email, password), 200)
    return Client(stack, u["token"], user=u)


def first_admin(stack, email=None, name="Admin"):
    """The first sign-up of a fresh install: the admin."""
    c = signup_client(stack, email or unique_email("admin"), name=name)
    assert c.user["role"] == "admin"
    return c


def add_user(admin, role="user", email=None, password=PASSWORD, name="Member"):
    """A user created by an admin (POST /add); its answer carries a usable token."""
    r = admin.post("add", json={"name": name, "email": email or unique_email(role),
                                "password": password, "role": role})
    u = expect(r, 200)
    assert u["role"] == role
    return Client(admin.stack, u["token"], user=u)


def admin_config(admin):
    return expect(admin.get("admin/config"), 200)


def set_admin_config(admin, **changes):
    """Posts the admin config back with changes, as the admin pages do."""
    cfg = admin_config(admin)
    cfg.update(changes)
    return expect(admin.post("admin/config", json=cfg), 200)


def grant_group_permission(stack, user_id, permissions, name=None):
    """A group holding permissions with user_id in it, made in SQL."""
    return make_group(stack, name or "g-" + uuid.uuid4().hex[:8], [user_id],
                      permissions=permissions)


def make_group(stack, name, members=(), updated_at=None, permissions=None, description="",
               creator=None):
    """A group made in SQL (no API call, no audit row): its id. members are user ids;
    updated_at defaults to now; permissions is a tree (None: the column's NULL)."""
    gid = str(uuid.uuid4())
    now = int(time.time())
    upd = now if updated_at is None else int(updated_at)
    stack.sql("INSERT INTO `group` (id, user_id, name, description, data, meta, permissions, "
              f"created_at, updated_at) VALUES ('{gid}', {sql_text(creator)}, {sql_text(name)}, "
              f"{sql_text(description)}, NULL, NULL, {sql_json(permissions)}, {now}, {upd}); "
              + GROUPS_CHANGED_SQL)
    for uid in members:
        add_member(stack, gid, uid)
    return gid


# The pool environment of a directory's trusted headers, and a sign-in through them (the
# group sync LDAP and OIDC share: db_group_sync_user_by_names).
TRUSTED_HEADERS_ENV = {"WEBUI_AUTH_TRUSTED_EMAIL_HEADER": "X-User-Email",
                       "WEBUI_AUTH_TRUSTED_GROUPS_HEADER": "X-User-Groups"}


def trusted_signin(stack, email, groups):
    """Signs email in through the trusted headers (TRUSTED_HEADERS_ENV) with groups (a
    comma-separated list of names); returns the answer."""
    return expect(stack.post(AUTHS + "/signin", json={"email": "x@example.com", "password": "x"},
                             headers={"X-User-Email": email, "X-User-Groups": groups}), 200)


def group_ids_kept_sql(where):
    """The group ids kept on the user rows `where` selects set again, as usher does with every
    membership it writes (sql/017; `usherctl recount` for all)."""
    return ("UPDATE `user` u SET u.group_ids = (SELECT GROUP_CONCAT(gm.group_id ORDER BY "
            "gm.group_id SEPARATOR ',') FROM group_member gm WHERE gm.user_id = u.id) "
            f"WHERE {where};")


def add_member(stack, gid, uid):
    now = int(time.time())
    stack.sql("INSERT INTO group_member (id, group_id, user_id, created_at, updated_at) VALUES "
              f"('{uuid.uuid4()}', '{gid}', {sql_quote(uid)}, {now}, {now}); "
              f"UPDATE `group` SET member_count = member_count + 1 WHERE id = '{gid}'; "
              + group_ids_kept_sql(f"u.id = {sql_quote(uid)}") + GROUPS_CHANGED_SQL)


def cookie_headers(r, name):
    """The Set-Cookie lines of r that set cookie `name`."""
    raw = r.raw.headers.getlist("Set-Cookie") if hasattr(r.raw.headers, "getlist") else []
    return [h for h in raw if h.split("=", 1)[0].strip() == name]


def cookie_deleted(r, name):
    lines = cookie_headers(r, name)
    return bool(lines) and all("Max-Age=0" in h or "1970" in h for h in lines)


# ---------------------------------------------------------------- JWTs by hand
def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def server_secret(stack):
    """The key usher signs with: the generated DATA_DIR/secret_key, as text without the
    trailing newline (what Open WebUI's start.sh would export as WEBUI_SECRET_KEY)."""
    return (stack.dir / "secret_key").read_bytes().rstrip(b"\r\n")


def jwt_encode(claims, secret, alg="HS256", header=None):
    """A token as PyJWT makes it: compact JSON, header {"alg","typ"} first."""
    head = header or {"alg": alg, "typ": "JWT"}
    signing_input = (b64url(json.dumps(head, separators=(",", ":")).encode()) + "." +
                     b64url(json.dumps(claims, separators=(",", ":")).encode()))
    if alg == "none":
        return signing_input + "."
    sig = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig)


def jwt_claims(token):
    return json.loads(b64url_decode(token.split(".")[1]))


def openwebui_token(stack, user_id, exp_in=3600, iat=True, jti=True):
    """A session token as Open WebUI signs it (create_token): id, jti uuid4, iat, exp."""
    now = int(time.time())
    claims = {"id": user_id}
    if exp_in is not None:
        claims["exp"] = now + exp_in
    if jti:
        claims["jti"] = str(uuid.uuid4())
    if iat:
        claims["iat"] = now
    return jwt_encode(claims, server_secret(stack))


# ---------------------------------------------------------------- fixtures
# Imported by the test modules (a fixture is found through the module's globals).
import pytest  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def auth_module(stack):
    """The auths tests' pool for the module; the default pool afterwards."""
    ensure_pool_env(stack)
    yield
    restore_default_pool(stack)


@pytest.fixture(autouse=True)
def auth_env(request, stack, auth_module):
    """Per test: the pool environment the test class asks for (POOL_ENV, raw variable
    names) and, unless the class sets KEEP_DB, a fresh database."""
    cls = request.cls
    ensure_pool_env(stack, getattr(cls, "POOL_ENV", None) if cls else None)
    if not (cls and getattr(cls, "KEEP_DB", False)):
        wipe_db(stack)
