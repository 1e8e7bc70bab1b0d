"""GET /api/v1/groups/?share=false (issue 15, item 11): a non-admin sees only the not-shared
groups they are a member of. Open WebUI v0.11.0 (backend/open_webui/routers/groups.py) lists
every not-shared group to anyone who asks (its frontend never does); usher does not show a
group that is not shared to someone outside it. Admins still see every group."""
from authlib import (  # noqa: F401  (auth_module, auth_env: fixtures)
    add_user, auth_env, auth_module, expect, first_admin,
)
from grouplib import GROUPS, add_members, create_group


def test_share_false_lists_only_the_callers_own_closed_groups(stack):
    admin = first_admin(stack)
    user = add_user(admin, role="user")
    closed = {name: create_group(admin, name, data={"config": {"share": False}})["id"]
              for name in ("mine", "theirs", "empty")}
    shared = create_group(admin, "open", data={"config": {"share": True}})["id"]
    other = add_user(admin, role="user")
    add_members(admin, closed["mine"], user.id, other.id)
    add_members(admin, closed["theirs"], other.id)
    add_members(admin, shared, user.id)

    got = expect(user.get(GROUPS + "/?share=false"), 200)
    assert [g["id"] for g in got] == [closed["mine"]]
    assert got[0]["member_count"] == 2
    assert {g["id"] for g in expect(other.get(GROUPS + "/?share=false"), 200)} == \
        {closed["mine"], closed["theirs"]}
    assert {g["id"] for g in expect(other.get(GROUPS + "/?share=0"), 200)} == \
        {closed["mine"], closed["theirs"]}
    # A user in no closed group gets an empty list, not an error.
    loner = add_user(admin, role="user")
    assert expect(loner.get(GROUPS + "/?share=false"), 200) == []
    # Admins: every group, whatever share says.
    assert len(expect(admin.get(GROUPS + "/?share=false"), 200)) == 4
