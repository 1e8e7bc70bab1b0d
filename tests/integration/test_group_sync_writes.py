"""The group sync of a directory sign-in (trusted groups header here; LDAP and OIDC share
db_group_sync_user_by_names) writes only what differs: a sign-in whose groups did not
change leaves the memberships' rows and the groups' version as they were (so no worker
reloads its copy of the groups, db_group_cache.h); a change moves exactly the memberships
and counts it should, and the version with them."""
from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    TRUSTED_HEADERS_ENV, auth_env, auth_module, make_group, sql_one, trusted_signin,
)


class TestSyncWritesOnlyChanges:
    POOL_ENV = TRUSTED_HEADERS_ENV

    def sso(self, stack, groups):
        return trusted_signin(stack, "dev@example.com", groups)

    def rows(self, stack, uid):
        return {r[0]: r[1] for r in stack.sql(
            "SELECT g.name, m.id FROM group_member m JOIN `group` g ON g.id = m.group_id "
            f"WHERE m.user_id = '{uid}'")}

    def counts(self, stack):
        return {r[0]: int(r[1]) for r in stack.sql("SELECT name, member_count FROM `group`")}

    def version(self, stack):
        return sql_one(stack, "SELECT v FROM group_version WHERE id = 1")

    def test_unchanged_groups_write_nothing_and_a_change_moves_only_the_difference(self, stack):
        for g in ("eng", "ops", "sales"):
            make_group(stack, g)
        dev = self.sso(stack, "eng, ops")
        first = self.rows(stack, dev["id"])
        assert sorted(first) == ["eng", "ops"]
        v = self.version(stack)

        self.sso(stack, "ops,eng, eng")            # same set, other order, a duplicate
        assert self.rows(stack, dev["id"]) == first
        assert self.version(stack) == v

        self.sso(stack, "eng, sales, missing")
        now = self.rows(stack, dev["id"])
        assert sorted(now) == ["eng", "sales"]
        assert now["eng"] == first["eng"]          # the membership that stays keeps its row
        assert self.version(stack) != v
        assert self.counts(stack) == {"eng": 1, "ops": 0, "sales": 1}
