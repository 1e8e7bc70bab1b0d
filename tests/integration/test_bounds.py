"""Bounded user data, lean reads, usage dates and JSON depth (issue 15, items 1, 2 and 10).

- The merges of settings and info stop at user_data.max_size bytes (compact JSON, as stored)
  and user_data.max_keys top-level keys: beyond either a 413 whose detail names the limit,
  the stored document unchanged. bio, gender and status_message have maximum lengths.
- A row already holding megabytes (written in SQL here, as an import or a row from before
  the caps would be) costs only the reads that answer it: GET /api/v1/auths/, the search and
  the admin page cost at most twice what they cost for a small user in the same 9 groups
  (medians of 20, asked alternately so the machine's load hits both alike), and every
  answer that showed the big documents still shows them.
- GET /api/v1/users/usage: dates outside 1970-01-01 .. 9999-12-31T23:59:59Z are a 422 naming
  the parameter; the range's ends answer 200 with their day; no URL replaces a worker.
- JSON bodies nested 31 levels are stored; 32 (MariaDB's limit for a JSON column) and 33 are
  a 422, never a 500.
"""
import json
import os
import statistics
import time
from pathlib import Path

import pytest
import requests

from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    Client, auth_env, auth_module, expect, first_admin, set_admin_config, signin_client,
)
from userlib import json_column, make_group, seed_users, u, user_row

MAX_SIZE = 256 * 1024
MAX_KEYS = 1000
SETTINGS, INFO = u("/user/settings/update"), u("/user/info/update")


def compact(doc):
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


# ------------------------------------------------------------------ caps of settings and info
@pytest.mark.parametrize("path,column", [(SETTINGS, "settings"), (INFO, "info")])
def test_merged_document_over_max_size_is_refused_and_nothing_written(stack, path, column):
    admin = first_admin(stack)
    expect(admin.post(path, json={"ui": {"theme": "dark"}, "a": "x" * 100_000}), 200)
    expect(admin.post(path, json={"b": "y" * 100_000}), 200)
    before = user_row(stack, admin.id)
    stored = json_column(stack, admin.id, column)
    # a third 100 KB member would make the merged document ~300 KB: over 256K
    r = admin.post(path, json={"c": "z" * 100_000})
    assert r.status_code == 413, r.text
    assert "user_data.max_size" in r.json()["detail"]
    assert user_row(stack, admin.id) == before
    assert json_column(stack, admin.id, column) == stored
    # what fits still lands: replacing a member with a smaller one
    expect(admin.post(path, json={"a": "small"}), 200)
    assert json_column(stack, admin.id, column)["a"] == "small"


@pytest.mark.parametrize("path,column", [(SETTINGS, "settings"), (INFO, "info")])
def test_merged_document_over_max_keys_is_refused_and_nothing_written(stack, path, column):
    admin = first_admin(stack)
    expect(admin.post(path, json={f"k{i}": i for i in range(600)}), 200)
    have = len(json_column(stack, admin.id, column))
    # together over 1000 top-level keys, though each body alone is under
    r = admin.post(path, json={f"n{i}": i for i in range(MAX_KEYS - have + 1)})
    assert r.status_code == 413, r.text
    assert "user_data.max_keys" in r.json()["detail"]
    assert len(json_column(stack, admin.id, column)) == have
    # exactly at the limit is fine; existing keys do not count twice
    expect(admin.post(path, json={f"n{i}": i for i in range(MAX_KEYS - have)}), 200)
    expect(admin.post(path, json={"k0": "again"}), 200)
    assert len(json_column(stack, admin.id, column)) == MAX_KEYS


def test_a_document_at_the_size_limit_is_stored(stack):
    admin = first_admin(stack)
    expect(admin.post(INFO, json={}), 200)
    base = len(compact({"p": ""}))
    body = {"p": "q" * (MAX_SIZE - base)}
    expect(admin.post(INFO, json=body), 200)
    assert len(compact(json_column(stack, admin.id, "info"))) == MAX_SIZE
    r = admin.post(INFO, json={"p": "q" * (MAX_SIZE - base + 1)})
    assert r.status_code == 413, r.text


class TestConfiguredCaps:
    """user_data.max_size and .max_keys from usher.conf (here their USHER_* overrides)."""
    POOL_ENV = {"USHER_USER_DATA_MAX_SIZE": "1k", "USHER_USER_DATA_MAX_KEYS": "3"}

    def test_the_configured_limits_apply(self, stack):
        admin = first_admin(stack)
        expect(admin.post(SETTINGS, json={"ui": {}, "a": 1, "b": 2}), 200)
        r = admin.post(SETTINGS, json={"c": 3})
        assert r.status_code == 413 and "user_data.max_keys (3)" in r.json()["detail"], r.text
        r = admin.post(INFO, json={"a": "x" * 1100})
        assert r.status_code == 413 and "user_data.max_size (1024" in r.json()["detail"], r.text
        assert json_column(stack, admin.id, "info") is None


def test_profile_text_fields_are_bounded(stack):
    admin = first_admin(stack)
    set_admin_config(admin, ENABLE_USER_STATUS=True)
    before = user_row(stack, admin.id)
    profile = {"name": "Admin", "profile_image_url": "/user.png"}
    for field, limit in (("bio", 4096), ("gender", 128)):
        r = admin.post("update/profile", json={**profile, field: "b" * (limit + 1)})
        assert r.status_code == 422, r.text
        item = r.json()["detail"][0]
        assert item["loc"] == ["body", field] and item["type"] == "string_too_long", item
    r = admin.post(u("/user/status/update"), json={"status_message": "m" * 4097})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "status_message"]
    assert user_row(stack, admin.id) == before
    expect(admin.post("update/profile", json={**profile, "bio": "é" * 4096, "gender": "g" * 128}),
           200)
    expect(admin.post(u("/user/status/update"), json={"status_message": "m" * 4096}), 200)


# ------------------------------------------------------------------ a row holding megabytes
BIG = 4 * 1024 * 1024   # bytes of settings, and again of info


def big_and_small(stack):
    """An admin; "alpha big" whose settings and info hold 4 MB each (in SQL) and "alpha
    small", both in the same 9 groups and signed in; 4 more "alpha" users and 5 "beta"
    users, so that the searches "alpha" and "beta" list 5 users each, the big one in the
    first only."""
    admin = first_admin(stack, name="Zed Admin")
    rows = seed_users(stack, [{"name": "alpha big", "email": "alpha-big@example.org"},
                              {"name": "alpha small", "email": "alpha-small@example.org"}]
                      + [{"name": f"alpha {i}", "email": f"alpha{i}@example.org"} for i in range(3)]
                      + [{"name": f"beta {i}", "email": f"beta{i}@example.org"} for i in range(5)],
                      hash_from=admin.id)
    big, small = rows[0]["id"], rows[1]["id"]
    for g in range(9):
        make_group(stack, f"bounds group {g}", members=(big, small))
    doc = (f"CONCAT('{{\"ui\":{{\"theme\":\"dark\"}},\"blob\":\"', REPEAT('x', {BIG}), "
           "'\",\"n\":1}')")
    stack.sql(f"UPDATE `user` SET settings = {doc}, info = {doc} WHERE id = '{big}'")
    stored = stack.sql(f"SELECT OCTET_LENGTH(settings) + OCTET_LENGTH(info) FROM `user` "
                       f"WHERE id = '{big}'")
    assert int(stored[0][0]) > 8 * 1024 * 1024
    return (admin, signin_client(stack, "alpha-big@example.org"),
            signin_client(stack, "alpha-small@example.org"))


def medians(get_a, get_b, n=20):
    """Medians (s) of n timings each of two GETs, asked alternately after a warm-up."""
    ta, tb = [], []
    for i in range(n + 3):
        for get, times in ((get_a, ta), (get_b, tb)):
            t0 = time.perf_counter()
            r = get()
            dt = time.perf_counter() - t0
            assert r.status_code == 200, r.text[:200]
            if i >= 3:
                times.append(dt)
    return statistics.median(ta), statistics.median(tb)


def test_big_row_answers_stay_the_same(stack):
    admin, big, small = big_and_small(stack)
    me = expect(big.get("/api/v1/auths/"), 200)
    assert me["name"] == "alpha big" and "settings" not in me and "info" not in me
    settings = expect(big.get(u("/user/settings")), 200)
    assert settings["ui"] == {"theme": "dark"} and len(settings["blob"]) == BIG
    info = expect(big.get(u("/user/info")), 200)
    assert len(info["blob"]) == BIG and info["n"] == 1
    set_admin_config(admin, ENABLE_USER_STATUS=True)
    status = expect(big.get(u("/user/status")), 200)
    assert len(status["settings"]["blob"]) == BIG and len(status["info"]["blob"]) == BIG
    one = expect(admin.get(u(f"/{big.id}")), 200)
    assert len(one["settings"]["blob"]) == BIG and len(one["groups"]) == 9
    listed = expect(admin.get(u("/?query=alpha")), 200)["users"]
    assert {x["name"] for x in listed} >= {"alpha big", "alpha small"}
    assert [len(x["info"]["blob"]) for x in listed if x["name"] == "alpha big"] == [BIG]
    found = expect(small.get(u("/search?query=alpha")), 200)
    assert found["total"] == 5 and all("settings" not in x for x in found["users"])
    # a merge on a row already over the cap is refused, the row unchanged
    r = big.post(SETTINGS, json={"ui": {"theme": "light"}})
    assert r.status_code == 413 and "user_data.max_size" in r.json()["detail"]
    assert expect(big.get(u("/user/settings")), 200)["ui"] == {"theme": "dark"}


def test_big_row_costs_only_its_own_reads(stack):
    admin, big, small = big_and_small(stack)
    s = requests.Session()
    me = stack.base_url + "/api/v1/auths/"
    t_big, t_small = medians(lambda: s.get(me, headers={"Authorization": "Bearer " + big.token}),
                             lambda: s.get(me, headers={"Authorization": "Bearer " + small.token}))
    assert t_big <= 2 * t_small, f"GET /auths/: big {t_big * 1e3:.2f} ms, small {t_small * 1e3:.2f} ms"

    search = stack.base_url + u("/search")
    h = {"Authorization": "Bearer " + small.token}
    assert expect(s.get(search + "?query=alpha", headers=h), 200)["total"] == 5
    assert expect(s.get(search + "?query=beta", headers=h), 200)["total"] == 5
    t_with, t_without = medians(lambda: s.get(search + "?query=alpha", headers=h),
                                lambda: s.get(search + "?query=beta", headers=h))
    assert t_with <= 2 * t_without, f"search: {t_with * 1e3:.2f} ms vs {t_without * 1e3:.2f} ms"

    page = stack.base_url + "/usher/admin/users"
    ph = {"Cookie": "token=" + admin.token, "Accept": "text/html"}
    assert "alpha big" in s.get(page + "?query=alpha", headers=ph).text
    t_with, t_without = medians(lambda: s.get(page + "?query=alpha", headers=ph),
                                lambda: s.get(page + "?query=beta", headers=ph))
    assert t_with <= 2 * t_without, f"admin page: {t_with * 1e3:.2f} ms vs {t_without * 1e3:.2f} ms"


# ------------------------------------------------------------------ usage dates
LAST = 253402300799   # 9999-12-31T23:59:59Z


def usage(client, query):
    return client.get(u("/usage") + "?" + query)


@pytest.mark.parametrize("query,param", [
    ("start_date=-1", "start_date"),
    ("end_date=-1", "end_date"),
    (f"start_date={LAST + 1}", "start_date"),
    (f"end_date={LAST + 1}", "end_date"),
    ("start_date=-9223372036854775808&end_date=9223372036854775807", "start_date"),
    ("start_date=0&end_date=9223372036854775807", "end_date"),
    ("start_date=9223372036854775807", "start_date"),
    ("end_date=-9223372036854775808", "end_date"),
    ("start_date=-9223372036854775808&days=7", "start_date"),
])
def test_usage_dates_out_of_range_are_422(stack, query, param):
    admin = first_admin(stack)
    pids = stack.worker_pids()
    r = usage(admin, query)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["query", param]
    assert stack.worker_pids() == pids


def test_usage_range_ends_answer_their_day(stack):
    admin = first_admin(stack)
    pids = stack.worker_pids()
    first = expect(usage(admin, "start_date=0&end_date=86399"), 200)
    assert [d["date"] for d in first["heatmap"]] == ["1970-01-01"]
    assert first["period"] == {"start_date": 0, "end_date": 86399, "days": 1}
    last = expect(usage(admin, f"start_date={LAST}&end_date={LAST}"), 200)
    assert [d["date"] for d in last["heatmap"]] == ["9999-12-31"]
    # the longest period (a century) at the top end, and one second more
    start = LAST - 36600 * 86400 + 1
    long = expect(usage(admin, f"start_date={start}&end_date={LAST}"), 200)
    assert len(long["heatmap"]) == 36600 and long["heatmap"][-1]["date"] == "9999-12-31"
    expect(usage(admin, f"start_date={start - 1}&end_date={LAST}"), 400)
    expect(usage(admin, f"start_date=0&end_date={LAST}"), 400)
    expect(usage(admin, "days=7&end_date=1"), 200)
    # in a zone east of UTC the last second is already the next day there: still one day
    expect(admin.post("/api/v1/auths/update/timezone", json={"timezone": "Pacific/Kiritimati"}),
           200)
    last = expect(usage(admin, f"start_date={LAST}&end_date={LAST}"), 200)
    assert len(last["heatmap"]) == 1
    assert stack.worker_pids() == pids


def test_workers_have_an_address_space_ceiling(stack):
    """worker.memory_max (default 512M) as each worker's RLIMIT_AS; not applied under
    AddressSanitizer (scripts/test.sh --asan) nor valgrind, whose own mappings count."""
    instrumented = "ASAN_OPTIONS" in os.environ or os.environ.get("USHER_WRAPPER")
    want = "unlimited" if instrumented else str(512 * 1024 * 1024)
    pids = stack.worker_pids()
    assert pids
    for pid in pids:
        limits = Path(f"/proc/{pid}/limits").read_text()
        line = next(ln for ln in limits.splitlines() if ln.startswith("Max address space"))
        assert line.split()[3] == want, line


# ------------------------------------------------------------------ JSON depth
def nested(depth):
    """A JSON object nested depth levels of objects and arrays (the body itself is one)."""
    v = 1
    for i in range(depth - 1):
        v = [v] if i % 2 else {"d": v}
    return {"x": v}


@pytest.mark.parametrize("path,column", [(SETTINGS, "settings"), (INFO, "info")])
def test_json_depth_31_is_stored_32_and_33_are_422(stack, path, column):
    admin = first_admin(stack)
    expect(admin.post(path, json=nested(31)), 200)
    assert json_column(stack, admin.id, column)["x"] == nested(31)["x"]
    stored = json_column(stack, admin.id, column)
    for depth in (32, 33, 64):
        r = admin.post(path, data=json.dumps(nested(depth)),
                       headers={"Content-Type": "application/json"})
        assert r.status_code == 422, (depth, r.status_code, r.text[:200])
        assert "deeper than 31" in json.dumps(r.json())
        assert json_column(stack, admin.id, column) == stored
