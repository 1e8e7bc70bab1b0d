"""The caller's own data under /api/v1/users (issue 7): /user/settings, /user/info,
/user/status, /user/variables (deltas §2.1) and /usage (deltas §2.3): merges, the
permission-dependent stripping, bad bodies (422, nothing written), concurrent merges and the
usage report's calendar in the user's time zone (openwebui-users.md §1a, §6).

Every test starts from an empty database (authlib.auth_env). Users that only need to exist
are seeded in SQL (userlib.seed_users); users that sign in are made over HTTP.
"""
import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    ACCESS_PROHIBITED, ACTION_PROHIBITED, ME, auth_env, auth_module, detail, expect,
    grant_group_permission, set_admin_config, signin,
)
from userlib import (
    assert_422, assert_no_hidden, assert_user_model, column, json_column, parallel,
    set_default_permissions, setup_pair, u, user_row,
)


# ================================================================ /user/settings

def settings_of(stack, uid):
    return json_column(stack, uid, "settings")


def test_settings_merge_shallowly_and_keep_unknown_keys(stack):
    admin, user = setup_pair(stack)
    got = expect(user.get(u("/user/settings")), 200)
    assert got in (None, {}, {"ui": {}}), got
    first = {"ui": {"theme": "dark", "pinnedModels": ["m1"]}, "futureKey": {"nested": [1, {"a": None}]}}
    r = expect(user.post(u("/user/settings/update"), json=first), 200)
    assert r == first
    assert expect(user.get(u("/user/settings")), 200) == first
    assert settings_of(stack, user.id) == first
    # top level merges; a ui sent replaces the stored ui whole
    second = {"ui": {"chatDirection": "RTL"}, "another": 5}
    want = {"ui": {"chatDirection": "RTL"}, "futureKey": {"nested": [1, {"a": None}]}, "another": 5}
    assert expect(user.post(u("/user/settings/update"), json=second), 200) == want
    assert expect(user.get(u("/user/settings")), 200) == want
    # one user's settings are nobody else's
    assert expect(admin.get(u("/user/settings")), 200) in (None, {}, {"ui": {}})


def test_settings_interface_permission_off_refuses_non_admins(stack):
    # deltas §2.4 step 1: before anything is saved; GET has no such check
    admin, user = setup_pair(stack)
    expect(user.post(u("/user/settings/update"), json={"ui": {"theme": "light"}}), 200)
    set_default_permissions(stack, admin, settings={"interface": False})
    before = user_row(stack, user.id)
    r = user.post(u("/user/settings/update"), json={"ui": {"theme": "dark", "toolServers": []}})
    expect(r, 403, ACCESS_PROHIBITED)
    # the body is checked before the permission (deltas §2.4: 401, then 422, then 403)
    assert_422(user.post(u("/user/settings/update"), json={"ui": "dark"}), ["body", "ui"], "dict_type")
    assert user_row(stack, user.id) == before
    assert expect(user.get(u("/user/settings")), 200) == {"ui": {"theme": "light"}}
    # admins bypass the check
    assert expect(admin.post(u("/user/settings/update"), json={"ui": {"a": 1}}), 200)["ui"] == {"a": 1}
    # a group that grants it lets the user save again
    grant_group_permission(stack, user.id, {"settings": {"interface": True}})
    r = user.post(u("/user/settings/update"), json={"ui": {"theme": "dark"}})
    assert expect(r, 200)["ui"] == {"theme": "dark"}


def test_tool_servers_stripped_without_direct_tool_servers(stack):
    admin, user = setup_pair(stack)
    body = {"ui": {"theme": "dark", "toolServers": [{"url": "http://tools.example.com", "key": "k"}]},
            "x": 1}
    r = expect(user.post(u("/user/settings/update"), json=body), 200)
    assert r == {"ui": {"theme": "dark"}, "x": 1}
    assert settings_of(stack, user.id) == {"ui": {"theme": "dark"}, "x": 1}
    # an admin keeps them
    assert expect(admin.post(u("/user/settings/update"), json=body), 200) == body
    assert settings_of(stack, admin.id) == body
    # so does a user whose group grants features.direct_tool_servers
    grant_group_permission(stack, user.id, {"features": {"direct_tool_servers": True}})
    assert expect(user.post(u("/user/settings/update"), json=body), 200) == body
    assert settings_of(stack, user.id) == body


def test_webhook_settings_stripped_without_webhooks_permission(stack):
    # deltas §2.4 step 3: top-level notifications and ui.notifications.webhook_url go,
    # other ui.notifications keys and the rest stay
    admin, user = setup_pair(stack)
    body = {"ui": {"theme": "dark",
                   "notifications": {"webhook_url": "https://hooks.example.com/x", "enabled": True}},
            "notifications": {"webhook_url": "https://hooks.example.com/y"},
            "keep": 1}
    stripped = {"ui": {"theme": "dark", "notifications": {"enabled": True}}, "keep": 1}
    assert expect(user.post(u("/user/settings/update"), json=body), 200) == stripped
    assert settings_of(stack, user.id) == stripped
    # only the top-level key present: it goes, ui is untouched
    r = user.post(u("/user/settings/update"), json={"notifications": {"a": 1}, "ui": {"b": 2}})
    assert expect(r, 200) == {"ui": {"b": 2}, "keep": 1}
    assert "notifications" not in settings_of(stack, user.id)
    # only ui.notifications.webhook_url present: it goes, its siblings stay
    r = user.post(u("/user/settings/update"),
                  json={"ui": {"notifications": {"webhook_url": "https://h.example.com/z", "sound": False}}})
    assert expect(r, 200)["ui"] == {"notifications": {"sound": False}}
    # no webhook anywhere: nothing is removed
    r = user.post(u("/user/settings/update"), json={"ui": {"notifications": {"enabled": True}, "t": 1}})
    assert expect(r, 200)["ui"] == {"notifications": {"enabled": True}, "t": 1}
    # admins keep everything
    assert expect(admin.post(u("/user/settings/update"), json=body), 200) == body
    # and so does a user granted features.webhooks
    grant_group_permission(stack, user.id, {"features": {"webhooks": True}})
    assert expect(user.post(u("/user/settings/update"), json=body), 200) == body
    assert settings_of(stack, user.id) == body


def test_settings_bad_bodies_are_422_and_write_nothing(stack):
    admin, user = setup_pair(stack)
    expect(user.post(u("/user/settings/update"), json={"ui": {"theme": "light"}}), 200)
    before = user_row(stack, user.id)
    assert_422(user.post(u("/user/settings/update"), json={"ui": "dark"}), ["body", "ui"], "dict_type")
    assert_422(user.post(u("/user/settings/update"), json={"ui": [1]}), ["body", "ui"], "dict_type")
    r = user.post(u("/user/settings/update"), data="[1, 2]", headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert isinstance(detail(r), list)
    assert user_row(stack, user.id) == before


def test_concurrent_settings_merges_keep_every_key(stack):
    admin, user = setup_pair(stack)
    n = 200

    def post(i):
        return user.post(u("/user/settings/update"), json={f"key_{i:03d}": i}).status_code
    assert parallel(post, range(n)) == [200] * n
    got = expect(user.get(u("/user/settings")), 200)
    missing = [i for i in range(n) if got.get(f"key_{i:03d}") != i]
    assert not missing, f"{len(missing)} of {n} keys lost, e.g. {missing[:10]}"


# ================================================================ /user/info

def test_info_starts_null_and_merges_shallowly(stack):
    admin, user = setup_pair(stack)
    assert expect(user.get(u("/user/info")), 200) is None
    r = user.post(u("/user/info/update"), json={"location": "Paris", "nested": {"a": 1, "b": 2}})
    assert expect(r, 200) == {"location": "Paris", "nested": {"a": 1, "b": 2}}
    r = user.post(u("/user/info/update"), json={"nested": {"c": 3}, "tz": "CET"})
    want = {"location": "Paris", "nested": {"c": 3}, "tz": "CET"}
    assert expect(r, 200) == want
    assert expect(user.get(u("/user/info")), 200) == want
    assert json_column(stack, user.id, "info") == want
    assert expect(user.post(u("/user/info/update"), json={}), 200) == want
    assert expect(admin.get(u("/user/info")), 200) is None


def test_info_bad_bodies_are_422(stack):
    admin, user = setup_pair(stack)
    expect(user.post(u("/user/info/update"), json={"a": 1}), 200)
    before = user_row(stack, user.id)
    for raw in ("[1, 2]", '"text"', "42", "null"):
        r = user.post(u("/user/info/update"), data=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 422, f"{raw}: {r.status_code} {r.text[:200]}"
        assert isinstance(detail(r), list), raw
    assert user_row(stack, user.id) == before


def test_concurrent_info_merges_keep_every_key(stack):
    admin, user = setup_pair(stack)
    n = 200

    def post(i):
        return user.post(u("/user/info/update"), json={f"k{i:03d}": f"v{i}"}).status_code
    assert parallel(post, range(n)) == [200] * n
    got = expect(user.get(u("/user/info")), 200)
    missing = [i for i in range(n) if got.get(f"k{i:03d}") != f"v{i}"]
    assert not missing, f"{len(missing)} of {n} keys lost, e.g. {missing[:10]}"


# ================================================================ /user/status

def test_status_get_and_update_only_non_null_fields(stack):
    admin, user = setup_pair(stack)
    me = expect(user.get(u("/user/status")), 200)
    assert_user_model(me, "GET /user/status")
    assert me["id"] == user.id and me["email"] == user.email
    assert (me["status_emoji"], me["status_message"], me["status_expires_at"]) == (None, None, None)
    r = user.post(u("/user/status/update"),
                  json={"status_emoji": "🎉", "status_message": "On leave", "status_expires_at": 1900000000})
    got = expect(r, 200)
    assert_user_model(got, "POST /user/status/update")
    assert got["id"] == user.id
    assert (got["status_emoji"], got["status_message"], got["status_expires_at"]) == ("🎉", "On leave", 1900000000)
    # null cannot clear a field; only what is given changes
    got = expect(user.post(u("/user/status/update"),
                           json={"status_emoji": None, "status_message": None, "status_expires_at": None}), 200)
    assert (got["status_emoji"], got["status_message"], got["status_expires_at"]) == ("🎉", "On leave", 1900000000)
    got = expect(user.post(u("/user/status/update"), json={"status_message": "Back soon"}), 200)
    assert (got["status_emoji"], got["status_message"], got["status_expires_at"]) == ("🎉", "Back soon", 1900000000)
    assert column(stack, user.id, "status_message") == "Back soon"
    assert column(stack, user.id, "status_expires_at") == "1900000000"
    me = expect(user.get(u("/user/status")), 200)
    assert (me["status_emoji"], me["status_message"]) == ("🎉", "Back soon")
    # what others see
    info = expect(admin.get(u(f"/{user.id}/info")), 200)
    assert (info["status_emoji"], info["status_message"], info["status_expires_at"]) == ("🎉", "Back soon", 1900000000)


def test_status_bad_types_are_422(stack):
    admin, user = setup_pair(stack)
    before = user_row(stack, user.id)
    assert_422(user.post(u("/user/status/update"), json={"status_emoji": 5}),
               ["body", "status_emoji"], "string_type")
    assert_422(user.post(u("/user/status/update"), json={"status_message": ["x"]}),
               ["body", "status_message"], "string_type")
    assert_422(user.post(u("/user/status/update"), json={"status_expires_at": "soon"}),
               ["body", "status_expires_at"], "int_parsing", "soon")
    assert_422(user.post(u("/user/status/update"), json={"status_expires_at": 1.5}),
               ["body", "status_expires_at"], "int_from_float")
    assert user_row(stack, user.id) == before


def test_status_off_is_403_for_everyone(stack):
    admin, user = setup_pair(stack)
    set_admin_config(admin, ENABLE_USER_STATUS=False)
    before = user_row(stack, user.id), user_row(stack, admin.id)
    for c in (user, admin):
        expect(c.get(u("/user/status")), 403, ACTION_PROHIBITED)
        expect(c.post(u("/user/status/update"), json={"status_message": "x"}), 403, ACTION_PROHIBITED)
    assert (user_row(stack, user.id), user_row(stack, admin.id)) == before
    set_admin_config(admin, ENABLE_USER_STATUS=True)
    assert expect(user.post(u("/user/status/update"), json={"status_message": "x"}), 200)["status_message"] == "x"


# ================================================================ /user/variables (deltas §2.1)

def variables(c):
    return expect(c.get(u("/user/variables")), 200)


def post_vars(c, value, raw=None):
    if raw is not None:
        return c.post(u("/user/variables/update"), data=raw.encode(),
                      headers={"Content-Type": "application/json"})
    return c.post(u("/user/variables/update"), json=value)


def test_variables_replace_and_read_back(stack):
    admin, user = setup_pair(stack)
    assert variables(user) == {"variables": {}}
    v = {"city": "Oslo", "team_2": "Blue", "a": "", "z9_": "ünïcode ✓"}
    assert expect(post_vars(user, {"variables": v}), 200) == {"variables": v}
    assert variables(user) == {"variables": v}
    assert json_column(stack, user.id, "variables") == v
    # the map replaces the stored one (no merge)
    assert expect(post_vars(user, {"variables": {"only": "this"}}), 200) == {"variables": {"only": "this"}}
    assert variables(user) == {"variables": {"only": "this"}}
    # other members are ignored; a missing variables member is {} and clears everything
    assert expect(post_vars(user, {"variables": {"x": "1"}, "extra": [1]}), 200) == {"variables": {"x": "1"}}
    assert expect(post_vars(user, {}), 200) == {"variables": {}}
    assert variables(user) == {"variables": {}}
    assert variables(admin) == {"variables": {}}


@pytest.mark.parametrize("key", ["City", "1abc", "_a", "a-b", "a b", "é", "aé", "", "a\n\n", "\na"])
def test_variables_invalid_key(stack, key):
    admin, user = setup_pair(stack)
    expect(post_vars(user, {"variables": {"good": "1"}}), 200)
    r = post_vars(user, {"variables": {"fine": "x", key: "v"}})
    expect(r, 400, f"Invalid user variable key: {key}")
    assert variables(user) == {"variables": {"good": "1"}}


def test_variables_key_with_one_trailing_newline_is_accepted(stack):
    # Python's `$` matches before one trailing "\n": the reference stores "abc\n"
    admin, user = setup_pair(stack)
    assert expect(post_vars(user, {"variables": {"abc\n": "v"}}), 200) == {"variables": {"abc\n": "v"}}
    assert variables(user) == {"variables": {"abc\n": "v"}}


@pytest.mark.parametrize("value", [1, 1.5, None, True, [], ["a"], {}, {"a": "b"}])
def test_variables_value_must_be_a_string(stack, value):
    admin, user = setup_pair(stack)
    expect(post_vars(user, {"variables": {"good": "1"}}), 200)
    expect(post_vars(user, {"variables": {"ok": "x", "bad_one": value}}), 400,
           "User variable must be a string: bad_one")
    assert variables(user) == {"variables": {"good": "1"}}


def test_variables_checks_run_in_body_order(stack):
    admin, user = setup_pair(stack)
    expect(post_vars(user, {"variables": {"Bad": 1, "worse": 2}}), 400, "Invalid user variable key: Bad")
    expect(post_vars(user, {"variables": {"worse": 2, "Bad": "x"}}), 400, "User variable must be a string: worse")
    expect(post_vars(user, {"variables": {"long": "x" * 20001, "Bad": "x"}}), 400, "User variable is too long: long")
    # duplicate JSON keys: the last one wins
    r = post_vars(user, None, raw='{"variables": {"a": "1", "a": "2"}}')
    assert expect(r, 200) == {"variables": {"a": "2"}}


def test_variables_length_limits(stack):
    admin, user = setup_pair(stack)
    # 20000 code points is the limit, counted after CRLF -> LF (a lone CR stays)
    ok = {"a": "x" * 20000, "b": "é" * 3000, "c": "\r\n" * 10000 + "y" * 10000}
    got = expect(post_vars(user, {"variables": ok}), 200)["variables"]
    assert got["a"] == ok["a"] and got["b"] == ok["b"]
    assert got["c"] == "\n" * 10000 + "y" * 10000
    assert expect(post_vars(user, {"variables": {"crlf": "a\r\nb\rc\n"}}), 200) == {"variables": {"crlf": "a\nb\rc\n"}}
    assert variables(user) == {"variables": {"crlf": "a\nb\rc\n"}}
    expect(post_vars(user, {"variables": {"long": "x" * 20001}}), 400, "User variable is too long: long")
    # code points, not bytes: 20000 of them with 10000 two-byte ones are fine, 20001 are not
    assert expect(post_vars(user, {"variables": {"mixed": "ü" * 10000 + "x" * 10000}}), 200)
    expect(post_vars(user, {"variables": {"long": "ü" * 10000 + "x" * 10001}}), 400, "User variable is too long: long")
    expect(post_vars(user, {"variables": {"long": "\r" * 20001}}), 400, "User variable is too long: long")
    assert variables(user) == {"variables": {"mixed": "ü" * 10000 + "x" * 10000}}


def test_variables_total_size_as_python_serialises_it(stack):
    admin, user = setup_pair(stack)
    # json.dumps with its defaults is the measure: ", " and ": ", non-ASCII as \\uXXXX
    at_limit = {k: "x" * 19990 for k in ("ka", "kb", "kc", "kd", "ke")}
    assert len(json.dumps(at_limit)) == 100000
    assert expect(post_vars(user, {"variables": at_limit}), 200) == {"variables": at_limit}
    over = dict(at_limit, ke="x" * 19991)
    assert len(json.dumps(over)) == 100001
    expect(post_vars(user, {"variables": over}), 400, "User variables are too large.")
    # é is 6 characters escaped: 16666 of them are too large though short enough per value
    assert len(json.dumps({"a": "é" * 16666})) > 100000 >= len(json.dumps({"a": "é" * 16665}))
    expect(post_vars(user, {"variables": {"a": "é" * 16666}}), 400, "User variables are too large.")
    assert expect(post_vars(user, {"variables": {"a": "é" * 16665}}), 200)
    # outside the BMP: two escapes (12 characters) each; the size check comes first
    expect(post_vars(user, {"variables": {"Bad": "😀" * 8400}}), 400, "User variables are too large.")
    assert variables(user) == {"variables": {"a": "é" * 16665}}


def test_variables_bad_shapes_are_422(stack):
    admin, user = setup_pair(stack)
    expect(post_vars(user, {"variables": {"keep": "me"}}), 200)
    for body in ({"variables": []}, {"variables": "a=b"}, {"variables": 5}):
        assert_422(post_vars(user, body), ["body", "variables"], "dict_type")
    for raw in ("[1]", '"x"'):
        r = post_vars(user, None, raw=raw)
        assert r.status_code == 422, r.text
    assert variables(user) == {"variables": {"keep": "me"}}


def test_variables_stored_oddities_read_as_strings_only(stack):
    admin, user = setup_pair(stack)
    stack.sql("UPDATE `user` SET variables = '{\"a\": \"x\", \"b\": 1, \"c\": null, \"d\": [\"y\"]}' "
              f"WHERE id = '{user.id}'")
    assert variables(user) == {"variables": {"a": "x"}}
    stack.sql(f"UPDATE `user` SET variables = '[\"a\", \"b\"]' WHERE id = '{user.id}'")
    assert variables(user) == {"variables": {}}
    stack.sql(f"UPDATE `user` SET variables = '\"text\"' WHERE id = '{user.id}'")
    assert variables(user) == {"variables": {}}


def test_variables_are_hidden_from_every_user_object(stack):
    admin, user = setup_pair(stack)
    secret = "var-value-that-must-not-leak"
    expect(post_vars(user, {"variables": {"secret_var": secret}}), 200)
    expect(post_vars(admin, {"variables": {"admin_var": secret}}), 200)
    answers = [
        admin.get(u()), admin.get(u("/all")), admin.get(u("/search")), user.get(u("/search")),
        admin.get(u(f"/{user.id}")), user.get(u(f"/{admin.id}/info")), user.get(u("/user/status")),
        user.post(u("/user/status/update"), json={"status_message": "hi"}),
        admin.post(u(f"/{user.id}/update"), json={"name": "Renamed"}),
        user.get(ME), signin(stack, user.email), user.get(u("/user/settings")),
        user.get(u("/user/info")),
    ]
    for r in answers:
        assert r.status_code == 200, f"{r.request.method} {r.request.url}: {r.status_code}"
        assert secret not in r.text, r.request.url
        assert_no_hidden(r.json(), r.request.url)


# ================================================================ /usage (deltas §2.3)

TOTALS = ("lifetime_tokens", "input_tokens", "output_tokens", "peak_daily_tokens",
          "longest_chat_seconds", "current_streak", "longest_streak", "total_chats", "active_days",
          "models_used", "messages", "user_messages", "assistant_messages")
INSIGHTS = {"most_used_model": None, "average_tokens_per_chat": 0,
            "average_messages_per_active_day": 0, "user_message_share": 0,
            "assistant_message_share": 0}
TOKYO = timezone(timedelta(hours=9))        # no DST


def calendar_days(start, end, tz):
    d0 = datetime.fromtimestamp(start, tz).date()
    d1 = datetime.fromtimestamp(end, tz).date()
    return [(d0 + timedelta(days=i)).isoformat() for i in range((d1 - d0).days + 1)]


def mondays(start, end, tz):
    d0 = datetime.fromtimestamp(start, tz).date()
    d1 = datetime.fromtimestamp(end, tz).date()
    m = d0 - timedelta(days=d0.weekday())
    out = []
    while m <= d1:
        out.append(m.isoformat())
        m += timedelta(days=7)
    return out


def check_empty_usage(body, start, end, tz=timezone.utc):
    assert set(body) == {"totals", "heatmap", "weekly_heatmap", "cumulative_heatmap", "insights",
                         "top_models", "top_tools", "period"}, sorted(body)
    assert body["totals"] == {k: 0 for k in TOTALS}
    days = calendar_days(start, end, tz)
    assert body["heatmap"] == [{"date": d, "messages": 0, "chats": 0, "tokens": 0, "models": {}}
                               for d in days]
    assert body["weekly_heatmap"] == [{"date": d, "messages": 0, "chats": 0, "tokens": 0, "models": {}}
                                      for d in mondays(start, end, tz)]
    cum = body["cumulative_heatmap"]
    assert [e["date"] for e in cum] == days
    for e in cum:
        assert all(v in (0, {}, []) for k, v in e.items() if k != "date"), e
    assert body["insights"] == INSIGHTS
    assert body["top_models"] == [] and body["top_tools"] == []
    assert body["period"] == {"start_date": start, "end_date": end,
                              "days": max(1, (end - start) // 86400 + 1)}


def test_usage_defaults_to_the_users_lifetime(stack):
    admin, user = setup_pair(stack)
    body = expect(user.get(u("/usage")), 200)
    p = body["period"]
    assert abs(p["end_date"] - time.time()) < 30
    created = int(column(stack, user.id, "created_at"))
    assert p["start_date"] == created and p["days"] == 1
    check_empty_usage(body, p["start_date"], p["end_date"])
    # created ten days ago: eleven days
    stack.sql(f"UPDATE `user` SET created_at = created_at - 10 * 86400 WHERE id = '{user.id}'")
    body = expect(user.get(u("/usage")), 200)
    p = body["period"]
    assert p["start_date"] == created - 10 * 86400 and p["days"] == 11
    check_empty_usage(body, p["start_date"], p["end_date"])
    # created long ago: 730 days at most
    stack.sql(f"UPDATE `user` SET created_at = created_at - 2000 * 86400 WHERE id = '{user.id}'")
    body = expect(user.get(u("/usage")), 200)
    p = body["period"]
    assert p["start_date"] == p["end_date"] - 729 * 86400 and p["days"] == 730
    check_empty_usage(body, p["start_date"], p["end_date"])


@pytest.mark.parametrize("days", [7, 30, 732])
def test_usage_days(stack, days):
    admin, user = setup_pair(stack)
    body = expect(user.get(u("/usage"), params={"days": days}), 200)
    p = body["period"]
    assert abs(p["end_date"] - time.time()) < 30
    assert p["start_date"] == p["end_date"] - (days - 1) * 86400
    assert p["days"] == days
    check_empty_usage(body, p["start_date"], p["end_date"])
    assert len(body["heatmap"]) == days


@pytest.mark.parametrize("days,type_,msg", [
    ("6", "greater_than_equal", "Input should be greater than or equal to 7"),
    ("0", "greater_than_equal", "Input should be greater than or equal to 7"),
    ("-7", "greater_than_equal", "Input should be greater than or equal to 7"),
    ("733", "less_than_equal", "Input should be less than or equal to 732"),
    ("abc", "int_parsing", "Input should be a valid integer, unable to parse string as an integer"),
])
def test_usage_days_out_of_range_is_422(stack, days, type_, msg):
    admin, user = setup_pair(stack)
    assert_422(user.get(u("/usage"), params={"days": days}), ["query", "days"], type_, days, msg)


def test_usage_explicit_period_in_the_users_timezone(stack):
    admin, user = setup_pair(stack)
    start = 1700000000                       # 2023-11-14 22:13:20 UTC, a Tuesday
    end = start + 3 * 3600                   # 2023-11-15 01:13:20 UTC
    body = expect(user.get(u("/usage"), params={"start_date": start, "end_date": end}), 200)
    check_empty_usage(body, start, end)
    assert [e["date"] for e in body["heatmap"]] == ["2023-11-14", "2023-11-15"]
    assert body["period"]["days"] == 1
    # in Tokyo both instants are on the 15th
    expect(user.post("update/timezone", json={"timezone": "Asia/Tokyo"}), 200)
    body = expect(user.get(u("/usage"), params={"start_date": start, "end_date": end}), 200)
    check_empty_usage(body, start, end, TOKYO)
    assert [e["date"] for e in body["heatmap"]] == ["2023-11-15"]
    assert [e["date"] for e in body["weekly_heatmap"]] == ["2023-11-13"]
    # across a week boundary: Sunday 2023-11-12 to Tuesday 2023-11-14 (Tokyo)
    s2, e2 = 1699747200, 1699747200 + 2 * 86400        # 2023-11-12 00:00 UTC = 09:00 Tokyo
    body = expect(user.get(u("/usage"), params={"start_date": s2, "end_date": e2}), 200)
    check_empty_usage(body, s2, e2, TOKYO)
    assert [e["date"] for e in body["weekly_heatmap"]] == ["2023-11-06", "2023-11-13"]
    assert body["period"]["days"] == 3
    # an unknown zone is UTC
    expect(user.post("update/timezone", json={"timezone": "Mars/Olympus_Mons"}), 200)
    body = expect(user.get(u("/usage"), params={"start_date": start, "end_date": end}), 200)
    assert [e["date"] for e in body["heatmap"]] == ["2023-11-14", "2023-11-15"]


USAGE_ZONES = [
    # (zone, start, end): periods where a day or a week edge falls inside the zone's offset
    ("America/New_York", 1699155000, 1699155000 + 2 * 86400),    # across the end of DST, 2023-11-05
    ("Europe/Berlin", 1698530400, 1698530400 + 3 * 86400 - 1),   # across 2023-10-29, 03:00 -> 02:00
    ("Pacific/Kiritimati", 1699955999, 1699956000),               # UTC+14: one second across midnight
    ("Pacific/Pago_Pago", 1699955999, 1699956000 + 6 * 86400),    # UTC-11
    ("Asia/Kathmandu", 1699985700, 1699985700 + 13 * 86400),      # UTC+5:45, across two Mondays
    ("Australia/Lord_Howe", 1696089600, 1696089600 + 9 * 86400),  # half-hour DST, 2023-10-01
]


@pytest.mark.parametrize("zone,start,end", USAGE_ZONES, ids=[z for z, _, _ in USAGE_ZONES])
def test_usage_calendar_in_zones_with_odd_offsets_and_dst(stack, zone, start, end):
    zoneinfo = pytest.importorskip("zoneinfo")
    tz = zoneinfo.ZoneInfo(zone)
    admin, user = setup_pair(stack)
    expect(user.post("update/timezone", json={"timezone": zone}), 200)
    body = expect(user.get(u("/usage"), params={"start_date": start, "end_date": end}), 200)
    check_empty_usage(body, start, end, tz)


def test_usage_start_date_wins_over_days_and_end_zero_is_now(stack):
    admin, user = setup_pair(stack)
    start = int(time.time()) - 3 * 86400
    body = expect(user.get(u("/usage"), params={"start_date": start, "days": 30, "end_date": 0}), 200)
    p = body["period"]
    assert p["start_date"] == start and abs(p["end_date"] - time.time()) < 30
    # start_date wins over days=30: about three days, counted from the server's "now" (a
    # clock stepped back by a second between here and there makes it 3, not 4)
    assert p["days"] == (p["end_date"] - start) // 86400 + 1 and p["days"] in (3, 4)
    check_empty_usage(body, p["start_date"], p["end_date"])
    # a period of one instant is one day
    body = expect(user.get(u("/usage"), params={"start_date": 1700000000, "end_date": 1700000000}), 200)
    check_empty_usage(body, 1700000000, 1700000000)


def test_usage_days_count_back_from_end_date(stack):
    admin, user = setup_pair(stack)
    end = 1700000000
    body = expect(user.get(u("/usage"), params={"days": 10, "end_date": end}), 200)
    assert body["period"] == {"start_date": end - 9 * 86400, "end_date": end, "days": 10}
    check_empty_usage(body, end - 9 * 86400, end)
    assert body["heatmap"][0]["date"] == "2023-11-05" and body["heatmap"][-1]["date"] == "2023-11-14"


def test_usage_start_after_end_is_400(stack):
    admin, user = setup_pair(stack)
    r = user.get(u("/usage"), params={"start_date": 1700000001, "end_date": 1700000000})
    expect(r, 400, "start_date must be before end_date")
    future = int(time.time()) + 86400
    expect(user.get(u("/usage"), params={"start_date": future}), 400, "start_date must be before end_date")
    assert_422(user.get(u("/usage"), params={"start_date": "yesterday"}), ["query", "start_date"], "int_parsing")
