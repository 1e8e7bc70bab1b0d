"""Helpers of the SCIM tests (test_scim*.py): the pool's SCIM environment, a SCIM client
(the bearer token, application/scim+json), and checks of the SCIM shapes (spec
openwebui-scim.md part B)."""
import json

from authlib import ensure_pool_env

PREFIX = "/api/v1/scim/v2"
TOKEN = "scim-Token-0123456789abcdef"
PROVIDER = "okta"
SCIM_ENV = {"ENABLE_SCIM": "true", "SCIM_TOKEN": TOKEN, "SCIM_AUTH_PROVIDER": PROVIDER}
URN_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
URN_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
URN_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
URN_LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
URN_PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
URN_ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CT = "application/scim+json; charset=utf-8"


def scim_pool(stack, **extra):
    env = dict(SCIM_ENV)
    env.update(extra)
    ensure_pool_env(stack, env)


class Scim:
    """A SCIM client: every request carries the token (unless token=None) and sends JSON
    bodies as application/scim+json."""

    def __init__(self, stack, token=TOKEN):
        self.stack = stack
        self.token = token

    def request(self, method, path, body=None, headers=None, **kw):
        h = dict(headers or {})
        if self.token is not None:
            h.setdefault("Authorization", "Bearer " + self.token)
        if body is not None:
            h.setdefault("Content-Type", CT)
            kw["data"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
        url = path if path.startswith("/") else PREFIX + "/" + path
        return self.stack.request(method, url, headers=h, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, ops, **kw):
        body = ops if isinstance(ops, (dict, str, bytes)) else {"schemas": [URN_PATCH],
                                                               "Operations": ops}
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def users(self, filter=None, **params):
        if filter is not None:
            params["filter"] = filter
        return ok(self.get("Users", params=params))

    def create_user(self, user_name, **attrs):
        body = {"schemas": [URN_USER], "userName": user_name}
        body.update(attrs)
        r = self.post("Users", body)
        return ok(r, 201)

    def create_group(self, name, members=(), **attrs):
        body = {"schemas": [URN_GROUP], "displayName": name,
                "members": [{"value": m} for m in members]}
        body.update(attrs)
        return ok(self.post("Groups", body), 201)


def ok(r, status=200):
    """Asserts status and the SCIM media type; returns the JSON (None for 204)."""
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:600]}"
    if status == 204:
        assert r.text == ""
        return None
    assert r.headers.get("Content-Type", "").startswith("application/scim+json"), r.headers
    return r.json()


def scim_error(r, status, scim_type=None, detail=None):
    """Asserts a SCIM error of RFC 7644 §3.12; returns its body."""
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:600]}"
    assert r.headers.get("Content-Type", "").startswith("application/scim+json"), r.headers
    body = r.json()
    assert body["schemas"] == [URN_ERROR], body
    assert body["status"] == str(status), body
    if scim_type is None:
        assert "scimType" not in body, body
    else:
        assert body.get("scimType") == scim_type, body
    if detail is not None:
        assert body.get("detail") == detail, body
    if status == 401:
        assert r.headers.get("WWW-Authenticate") == "Bearer"
    return body


def okta_user(email, given="Ada", family="Lovelace", external_id=None, password=None,
              active=True):
    body = {"schemas": [URN_USER], "userName": email,
            "name": {"givenName": given, "familyName": family},
            "emails": [{"primary": True, "value": email, "type": "work"}],
            "displayName": f"{given} {family}", "locale": "en-US", "groups": [],
            "active": active}
    if external_id:
        body["externalId"] = external_id
    if password:
        body["password"] = password
    return body
