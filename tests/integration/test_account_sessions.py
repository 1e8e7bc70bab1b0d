"""Sessions (usher-account-security.md §3): a row per token usher issues, listed with its
user agent, address (X-Forwarded-For through trusted_proxies), method and times; revoke one,
revoke the others, the admin's list and revoke-all, each ended token refused at once on
every worker; and the hot path: one SELECT and no write per authenticated request."""
import concurrent.futures
import time

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, ME, PASSWORD, USER_NOT_FOUND, Client, add_user, auth_env, auth_module,
    expect, first_admin, openwebui_token, set_admin_config, signin,
)
from securitylib import SESSION_REQUIRED, enrol, first_step

SESSION_KEYS = {"id", "created_at", "last_seen_at", "expires_at", "ip", "user_agent", "method",
                "mfa", "current"}
SESSION_NOT_FOUND = "Session not found."


def sign_in(stack, email, agent, addr):
    u = expect(signin(stack, email, headers={"User-Agent": agent, "X-Forwarded-For": addr}), 200)
    return Client(stack, u["token"], user=u)


def all_refused(stack, token, n=8):
    """token tried by n requests at once (so on both workers): every one answers 401."""
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        codes = list(pool.map(lambda _: Client(stack, token).get(ME).status_code, range(n)))
    return codes == [401] * n


def all_accepted(stack, token, n=8):
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        codes = list(pool.map(lambda _: Client(stack, token).get(ME).status_code, range(n)))
    return codes == [200] * n


def status(stack, name):
    return int(stack.sql(f"SHOW GLOBAL STATUS LIKE '{name}'")[0][1])


class TestSessions:
    POOL_ENV = {"USHER_TRUSTED_PROXIES": "127.0.0.1"}

    def test_list_revoke_one_and_revoke_the_others(self, stack):
        admin = first_admin(stack)
        user = add_user(admin)
        a = sign_in(stack, user.email, "Firefox/128 on Linux", "198.51.100.10")
        time.sleep(0.01)
        b = sign_in(stack, user.email, "Safari/17 on iPhone", "203.0.113.20")
        listed = expect(a.get("sessions"), 200)
        assert [s["method"] for s in listed] == ["password", "password", "add"]   # newest first
        assert all(set(s) == SESSION_KEYS for s in listed)
        sb, sa, sadd = listed
        assert (sb["user_agent"], sb["ip"], sb["current"]) == ("Safari/17 on iPhone",
                                                               "203.0.113.20", False)
        assert (sa["user_agent"], sa["ip"], sa["current"]) == ("Firefox/128 on Linux",
                                                               "198.51.100.10", True)
        assert sa["mfa"] is False and sa["expires_at"] > time.time()
        assert abs(sa["created_at"] - time.time()) < 60 and sa["last_seen_at"] >= sa["created_at"]
        # another user's session is not found, and stays
        other = add_user(admin)
        expect(other.delete(f"sessions/{sb['id']}"), 404, SESSION_NOT_FOUND)
        assert all_accepted(stack, b.token)
        # revoke one: refused at once on every worker, gone from the list
        assert expect(a.delete(f"sessions/{sb['id']}"), 200) is True
        assert all_refused(stack, b.token)
        assert [s["id"] for s in expect(a.get("sessions"), 200)] == [sa["id"], sadd["id"]]
        expect(a.delete(f"sessions/{sb['id']}"), 404, SESSION_NOT_FOUND)
        # revoke the others: the /add token and a hand-made one (no row) end too
        handmade = openwebui_token(stack, user.id)
        assert all_accepted(stack, handmade)
        c = sign_in(stack, user.email, "curl/8", "192.0.2.3")
        assert expect(a.post("sessions/revoke_others"), 200) == {"revoked": 2}
        for t in (c.token, user.token, handmade):
            assert all_refused(stack, t)
        assert all_accepted(stack, a.token)
        assert [s["id"] for s in expect(a.get("sessions"), 200)] == [sa["id"]]
        # signing out ends it in the list too
        d = sign_in(stack, user.email, "curl/8", "192.0.2.3")
        expect(d.post("signout"), 200)
        assert [s["id"] for s in expect(a.get("sessions"), 200)] == [sa["id"]]
        acts = [r[0] for r in stack.sql("SELECT action FROM audit_log ORDER BY id")]
        assert "auth.session_revoke" in acts and "auth.sessions_revoke_others" in acts

    def test_admin_list_and_revoke_all(self, stack):
        admin = first_admin(stack)
        user = add_user(admin)
        a = sign_in(stack, user.email, "A", "198.51.100.1")
        handmade = openwebui_token(stack, user.id)
        listed = expect(admin.get(f"/api/v1/users/{user.id}/sessions"), 200)
        assert len(listed) == 2 and not any(s["current"] for s in listed)
        expect(a.get(f"/api/v1/users/{user.id}/sessions"), 401, ACCESS_PROHIBITED)
        expect(a.delete(f"/api/v1/users/{user.id}/sessions"), 401, ACCESS_PROHIBITED)
        expect(admin.get("/api/v1/users/nobody/sessions"), 400, USER_NOT_FOUND)
        expect(admin.delete("/api/v1/users/nobody/sessions"), 400, USER_NOT_FOUND)
        assert expect(admin.delete(f"/api/v1/users/{user.id}/sessions"), 200) == {"revoked": 2}
        for t in (a.token, user.token, handmade):
            assert all_refused(stack, t)
        assert expect(admin.get(f"/api/v1/users/{user.id}/sessions"), 200) == []
        assert all_accepted(stack, admin.token)
        rows = stack.sql("SELECT target_id FROM audit_log WHERE action = 'user.sessions_revoke'")
        assert rows == [[user.id]]

    def test_password_change_and_two_factor(self, stack):
        admin = first_admin(stack)
        user = add_user(admin)
        a = sign_in(stack, user.email, "A", "198.51.100.1")
        expect(a.post("update/password", json={"password": PASSWORD, "new_password": "Other-pw2!"}),
               200)
        # the change ends every other session (the /add token's); the changing one stays
        left = expect(a.get("sessions"), 200)
        assert len(left) == 1 and left[0]["current"] is True
        app, _, _ = enrol(a, "Other-pw2!")
        t = first_step(stack, user.email, "Other-pw2!")
        s = expect(stack.post("/api/v1/auths/signin/mfa", json={"mfa_token": t, "code": app.code()}),
                   200)
        mine = expect(Client(stack, s["token"]).get("sessions"), 200)
        assert (mine[0]["method"], mine[0]["mfa"], mine[0]["current"]) == ("password", True, True)

    def test_api_keys_cannot_use_the_routes(self, stack):
        admin = first_admin(stack)
        set_admin_config(admin, ENABLE_API_KEYS=True)
        key = Client(stack, expect(admin.post("api_key"), 200)["api_key"], "x-api-key")
        expect(key.get("sessions"), 403, SESSION_REQUIRED)
        expect(key.post("sessions/revoke_others"), 403, SESSION_REQUIRED)
        expect(key.delete("sessions/x"), 403, SESSION_REQUIRED)

    def test_one_select_and_no_write_per_authenticated_request(self, stack):
        admin = first_admin(stack)
        set_admin_config(admin, ENABLE_API_KEYS=True)
        user = add_user(admin)
        a = sign_in(stack, user.email, "A", "198.51.100.1")
        key = Client(stack, expect(admin.post("api_key"), 200)["api_key"], "x-api-key")
        named = Client(stack, expect(admin.post("api_keys", json={"name": "n"}), 200)["api_key"],
                       "x-api-key")
        writes = ("Com_insert", "Com_update", "Com_delete")
        for caller in (a, key, named):
            for _ in range(10):   # every worker has read the settings; rows are fresh
                expect(caller.get(ME), 200)
            before = {k: status(stack, k) for k in ("Com_select",) + writes}
            n = 20
            for _ in range(n):
                expect(caller.get(ME), 200)
            after = {k: status(stack, k) for k in ("Com_select",) + writes}
            assert after["Com_select"] - before["Com_select"] == n, (caller.how, before, after)
            assert all(after[k] == before[k] for k in writes), (caller.how, before, after)
