/* The resource copy the previews read (src/db/previews.c): who reads what (a grant
 * to every user, to the user, to anyone, to the group or to one of the user's groups, or
 * ownership), each resource once, by type, newest first then by id; inactive models and
 * grants on resources that do not exist list nothing; ids compare as MariaDB's utf8mb4_bin
 * does (trailing spaces ignored); the totals; and the same copy asked many times. */
#include "config.h"

#include "usher/arena.h"
#include "usher/db_previews.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>

/* The ids of one list joined by ",". */
static const char *ids(const struct preview_list *l, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < l->n; i++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? "," : "", l->items[i].id);
    return buf;
}

int main(void)
{
    const struct resource_row res[] = {
        { RESOURCE_MODEL, "m-old", "Old", NULL, 100, true },
        { RESOURCE_MODEL, "m-new", "New", "u1", 300, true },
        { RESOURCE_MODEL, "m-off", "Off", "u1", 400, false },
        { RESOURCE_MODEL, "m-tie-b", "Tie b", NULL, 200, true },
        { RESOURCE_MODEL, "m-tie-a", "Tie a", NULL, 200, true },
        { RESOURCE_KNOWLEDGE, "k1", NULL, "u1 ", 100, true },
        { RESOURCE_KNOWLEDGE, "k2", "Two", "u2", 100, true },
        { RESOURCE_TOOL, "t1", "Tool", NULL, 100, true },
        { RESOURCE_TOOL, "t-pad ", "Padded", NULL, 50, true },
    };
    const struct grant_row grants[] = {
        { RESOURCE_MODEL, "m-old", GRANT_TO_USER, "*" },
        { RESOURCE_MODEL, "m-tie-a", GRANT_TO_GROUP, "g1" },
        { RESOURCE_MODEL, "m-tie-b", GRANT_TO_GROUP, "g2 " },
        { RESOURCE_MODEL, "m-off", GRANT_TO_ANYONE, "*" },
        { RESOURCE_MODEL, "m-gone", GRANT_TO_ANYONE, "*" },
        { RESOURCE_KNOWLEDGE, "k2", GRANT_TO_USER, "u3" },
        { RESOURCE_KNOWLEDGE, "k2", GRANT_TO_GROUP, "g1" },
        { RESOURCE_TOOL, "t1", GRANT_TO_ANYONE, "" },
        { RESOURCE_TOOL, "t-pad", GRANT_TO_GROUP, "g3" },
        { RESOURCE_TOOL, "m-old", GRANT_TO_USER, "*" },   /* a tool of that id: none */
    };
    struct arena *mem = arena_new(4096), *a = arena_new(4096);
    struct resource_copy *c = resource_copy_build(mem, res, sizeof(res) / sizeof(res[0]),
                                                  grants, sizeof(grants) / sizeof(grants[0]));
    struct preview_list l[RESOURCE__COUNT];
    char buf[256];

    /* u1 owns m-new and k1 (its owner spelt with a trailing space), is in g1 and g2 */
    const char *u1_groups[] = { "g1", "g2" };
    resource_copy_preview(c, a, "u1", u1_groups, 2, NULL, l);
    is_str(ids(&l[RESOURCE_MODEL], buf, sizeof(buf)), "m-new,m-tie-a,m-tie-b,m-old",
           "u1's models: owned, two groups (one spelt with a space), every user; newest first, "
           "ties by id; not the inactive one it owns");
    is_str(ids(&l[RESOURCE_KNOWLEDGE], buf, sizeof(buf)), "k1,k2", "u1's knowledge: owned, g1");
    ok(l[RESOURCE_KNOWLEDGE].items[0].name == NULL, "a NULL name stays NULL");
    is_str(ids(&l[RESOURCE_TOOL], buf, sizeof(buf)), "t1", "u1's tools: anyone's");
    is_int(l[RESOURCE_MODEL].total, 4, "active models");
    is_int(l[RESOURCE_KNOWLEDGE].total, 2, "knowledge bases");
    is_int(l[RESOURCE_TOOL].total, 2, "tools");

    /* u3 is in no group: every user's, its own grant, anyone's */
    resource_copy_preview(c, a, "u3", NULL, 0, NULL, l);
    is_str(ids(&l[RESOURCE_MODEL], buf, sizeof(buf)), "m-old", "u3's models");
    is_str(ids(&l[RESOURCE_KNOWLEDGE], buf, sizeof(buf)), "k2", "u3's knowledge");
    is_str(ids(&l[RESOURCE_TOOL], buf, sizeof(buf)), "t1", "u3's tools");

    /* a group: its grants, every user's and anyone's; owners and other groups do not count */
    resource_copy_preview(c, a, NULL, NULL, 0, "g3", l);
    is_str(ids(&l[RESOURCE_MODEL], buf, sizeof(buf)), "m-old", "g3's models");
    is_str(ids(&l[RESOURCE_KNOWLEDGE], buf, sizeof(buf)), "", "g3's knowledge");
    is_str(ids(&l[RESOURCE_TOOL], buf, sizeof(buf)), "t1,t-pad ",
           "g3's tools: the padded id found by its grant, answered as registered");

    /* the marks of one preview do not leak into the next */
    for (int i = 0; i < 1000; i++)
        resource_copy_preview(c, a, "u1", u1_groups, 2, NULL, l);
    resource_copy_preview(c, a, "u2", NULL, 0, NULL, l);
    is_str(ids(&l[RESOURCE_KNOWLEDGE], buf, sizeof(buf)), "k2", "u2 owns k2, after 1,000 of u1");
    is_str(ids(&l[RESOURCE_MODEL], buf, sizeof(buf)), "m-old", "u2's models");

    /* an empty copy */
    struct resource_copy *none = resource_copy_build(mem, NULL, 0, NULL, 0);
    resource_copy_preview(none, a, "u1", u1_groups, 2, NULL, l);
    ok(l[0].n == 0 && l[1].n == 0 && l[2].n == 0 && l[0].total == 0, "nothing registered");

    arena_free(a);
    arena_free(mem);
    return tap_done();
}
