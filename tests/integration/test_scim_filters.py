"""SCIM filters (RFC 7644 §3.4.2.2; spec openwebui-scim.md B.5): each operator on each
attribute kind, with decoys for case and for '%', '_' and '\\' (plain characters, never
wildcards), and/or/not with the RFC's precedence, names and operators in any case, the core
URN prefix; the two index lookups (userName eq, externalId eq) read one row of an index."""
import json

import pytest

from authlib import auth_env, auth_module, first_admin, sql_quote  # noqa: F401
from scimlib import SCIM_ENV, URN_USER, Scim, ok


def q(s):
    return json.dumps(s)   # a JSON string literal, as SCIM filters take them


PEOPLE = [
    # key, userName, displayName, externalId
    ("A", "a_b@example.com", "Anna_Bell Smith", "Ext-1"),
    ("B", "axb@example.com", "AnnaXBell Smith", "ext-1"),
    ("C", "pct@example.org", "Pct% Jones", "50%off"),
    ("D", "pcx@example.org", "PctX Jones", "50Xoff"),
    ("E", "back@example.net", "Back\\slash Doe", "a\\b"),
    ("F", "bacx@example.net", "BackXslash Doe", None),
]


@pytest.fixture(scope="class")
def people(stack):
    from authlib import ensure_pool_env, wipe_db
    ensure_pool_env(stack, SCIM_ENV)
    wipe_db(stack)
    admin = first_admin(stack, email="zz-admin@example.com", name="Zed Admin")
    s = Scim(stack)
    ids = {}
    for key, mail, name, ext in PEOPLE:
        attrs = {"displayName": name}
        if ext:
            attrs["externalId"] = ext
        ids[key] = s.create_user(mail, **attrs)["id"]
    ids["admin"] = admin.id
    # A is old; F is deactivated
    stack.sql(f"UPDATE `user` SET created_at = 1000000000, updated_at = 1000000000 "
              f"WHERE id = {sql_quote(ids['A'])}")
    ok(s.patch(f"Users/{ids['F']}", [{"op": "replace", "path": "active", "value": False}]))
    return ids


def found(stack, filt, path="Users"):
    lst = ok(Scim(stack).get(path, params={"filter": filt, "count": 200}))
    assert lst["totalResults"] == len(lst["Resources"])
    return {r["id"] for r in lst["Resources"]}


CASES = [
    # eq: userName and emails case-insensitive, '_' literal
    ('userName eq "A_B@EXAMPLE.COM"', {"A"}),
    ('emails eq "AXB@example.com"', {"B"}),
    ('emails.value eq "a_b@example.com"', {"A"}),
    # co / sw / ew with '_', '%', '\' as plain characters, names case-insensitive
    ('userName sw "a_"', {"A"}),
    ('displayName co "_"', {"A"}),
    ('displayName co "A_B"', {"A"}),
    ('displayName sw "PCT%"', {"C"}),
    ('displayName co "%"', {"C"}),
    ('displayName co ' + q("\\"), {"E"}),
    ('displayName sw ' + q("back\\s"), {"E"}),
    ('displayName ew "JONES"', {"C", "D"}),
    ('emails.value ew "@EXAMPLE.ORG"', {"C", "D"}),
    ('displayName eq "anna_bell smith"', {"A"}),
    # ne (case-insensitive on names)
    ('displayName ne "PCT% JONES"', {"A", "B", "D", "E", "F", "admin"}),
    # gt ge lt le on strings
    ('userName lt "b"', {"A", "B"}),
    ('userName ge "PCT@EXAMPLE.ORG"', {"C", "D", "admin"}),
    ('userName gt "pct@example.org"', {"D", "admin"}),
    ('userName le "axb@example.com"', {"A", "B"}),
    # names' parts
    ('name.givenName eq "ANNA_BELL"', {"A"}),
    ('name.familyName sw "smi"', {"A", "B"}),
    ('name.familyName eq "doe" and name.givenName co "x"', {"F"}),
    # externalId: exact (case and wildcards)
    ('externalId eq "Ext-1"', {"A"}),
    ('externalId eq "ext-1"', {"B"}),
    ('externalId co "%"', {"C"}),
    ('externalId sw "50"', {"C", "D"}),
    ('externalId eq ' + q("a\\b"), {"E"}),
    ('externalId pr', {"A", "B", "C", "D", "E"}),
    ('not (externalId pr)', {"F", "admin"}),
    ('externalId ne "Ext-1"', {"B", "C", "D", "E", "F", "admin"}),
    # id: exact
    # active
    ('active eq false', {"F"}),
    ('active ne false', {"A", "B", "C", "D", "E", "admin"}),
    ('active eq true and displayName co "slash"', {"E"}),
    # date-times compared as instants
    ('meta.created lt "2010-01-01T00:00:00Z"', {"A"}),
    ('meta.created lt "2001-09-09T03:46:39.999+02:00"', set()),
    ('meta.created lt "2001-09-09T03:46:40.001+02:00"', {"A"}),
    ('meta.created le "2001-09-09T01:46:40Z"', {"A"}),
    ('meta.lastModified gt "2010-01-01T00:00:00Z"', {"B", "C", "D", "E", "F", "admin"}),
    ('meta.created pr', {"A", "B", "C", "D", "E", "F", "admin"}),
    # precedence: not, then and, then or; parentheses
    ('displayName sw "anna" or displayName sw "pct" and displayName co "x"', {"A", "B", "D"}),
    ('(displayName sw "anna" or displayName sw "pct") and displayName co "x"', {"B", "D"}),
    ('not (displayName co "_") and displayName sw "anna"', {"B"}),
    ('not(displayName co "x" or displayName co "a") ', {"C"}),
    # any case, the core URN prefix
    ('USERNAME EQ "pct@example.org"', {"C"}),
    (f'{URN_USER}:userName Eq "pct@example.org"', {"C"}),
    ('userName eq "nobody@example.com"', set()),
    ('displayName co "' + "%" * 3 + '"', set()),
]


@pytest.mark.usefixtures("people")
class TestUserFilters:
    POOL_ENV = SCIM_ENV
    KEEP_DB = True

    @pytest.mark.parametrize("filt,want", CASES, ids=[c[0] for c in CASES])
    def test_operator(self, stack, people, filt, want):
        assert found(stack, filt) == {people[k] for k in want}

    def test_id_exact(self, stack, people):
        assert found(stack, f'id eq "{people["C"]}"') == {people["C"]}
        assert found(stack, f'id eq "{people["C"].upper()}"') == set()
        assert found(stack, f'id ne "{people["C"]}"') == set(people.values()) - {people["C"]}

    def test_the_lookups_read_one_index_row(self, stack, people):
        """userName eq and externalId eq: the statements use the unique indexes (EXPLAIN),
        whatever the number of users."""
        plan = stack.sql("EXPLAIN SELECT u.id FROM `user` u "
                         "WHERE u.email_lower = LOWER('PCX@example.org')")
        assert plan[0][3] == "const" and plan[0][5] == "uq_user_email_lower", plan
        plan = stack.sql("EXPLAIN SELECT x.user_id FROM user_external_id x "
                         "WHERE x.provider = 'okta' AND x.external_id = '50Xoff'")
        assert plan[0][3] == "const" and plan[0][5] == "uq_user_external_id", plan
        page = ok(Scim(stack).get("Users", params={"filter": 'externalId eq "50Xoff"',
                                                  "startIndex": 2}))
        assert page["totalResults"] == 1 and page["Resources"] == []
        page = ok(Scim(stack).get("Users", params={"filter": 'userName eq "PCX@example.org"',
                                                  "count": 0}))
        assert page["totalResults"] == 1 and page["Resources"] == []
        # 3000 more users (in SQL, so a scan would cost thousands of row reads per request)
        stack.sql("INSERT INTO `user` (id, email, role, name, last_active_at, updated_at, "
                  "created_at) SELECT CONCAT('bulk-', seq), CONCAT('bulk', seq, '@example.com'), "
                  "'user', CONCAT('Bulk ', seq), 0, 0, 0 FROM seq_1_to_3000")
        stack.sql("INSERT INTO auth (id, email, password, active) SELECT id, email, '!', 1 "
                  "FROM `user` WHERE id LIKE 'bulk-%'")
        stack.sql("INSERT INTO user_external_id (user_id, provider, external_id) "
                  "SELECT id, 'okta', CONCAT('x', id) FROM `user` WHERE id LIKE 'bulk-%'")
        scan = found(stack, 'userName co "pcx@example"')   # a scan, for comparison
        assert scan == {people["D"]}
        before = int(stack.sql("SHOW GLOBAL STATUS LIKE 'Handler_read_next'")[0][1]) + \
            int(stack.sql("SHOW GLOBAL STATUS LIKE 'Handler_read_rnd_next'")[0][1])
        for _ in range(5):
            assert found(stack, 'userName eq "pcx@example.org"') == {people["D"]}
            assert found(stack, 'externalId eq "50Xoff"') == {people["D"]}
        after = int(stack.sql("SHOW GLOBAL STATUS LIKE 'Handler_read_next'")[0][1]) + \
            int(stack.sql("SHOW GLOBAL STATUS LIKE 'Handler_read_rnd_next'")[0][1])
        # a scan of the user table would read every row (3,000+) each time: ten requests
        # read a few rows each (the SHOW statements read a few status rows too)
        assert after - before < 1000, after - before
        before = after
        found(stack, 'userName co "pcx@example"')
        after = int(stack.sql("SHOW GLOBAL STATUS LIKE 'Handler_read_next'")[0][1]) + \
            int(stack.sql("SHOW GLOBAL STATUS LIKE 'Handler_read_rnd_next'")[0][1])
        assert after - before > 3000, after - before   # the check above can tell a scan


class TestGroupFilters:
    POOL_ENV = SCIM_ENV

    def test_group_filters(self, stack):
        first_admin(stack)
        s = Scim(stack)
        a = s.create_group("Team_A", externalId="G-1")["id"]
        b = s.create_group("TeamXA", externalId="g-1")["id"]
        c = s.create_group("100% Club")["id"]
        assert found(stack, 'displayName eq "team_a"', "Groups") == {a}
        assert found(stack, 'displayName co "_"', "Groups") == {a}
        assert found(stack, 'displayName sw "100%"', "Groups") == {c}
        assert found(stack, 'externalId eq "G-1"', "Groups") == {a}
        assert found(stack, 'externalId eq "g-1"', "Groups") == {b}
        assert found(stack, 'not (externalId pr)', "Groups") == {c}
        assert found(stack, f'id eq "{b}" or displayName ew "club"', "Groups") == {b, c}
        order = [r[0] for r in stack.sql("SELECT id FROM `group` ORDER BY created_at, id")]
        lst = ok(s.get("Groups", params={"startIndex": 2, "count": 1}))
        assert lst["totalResults"] == 3 and [r["id"] for r in lst["Resources"]] == order[1:2]
