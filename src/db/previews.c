/* The access previews, from the worker's copy of the resource registries and their read
 * grants, or from one query (see db_previews.h). */
#include "config.h"
#include "usher/db_previews.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"

#include "held_copy.h"

/* ---- the copy -------------------------------------------------------------------------- */

struct entry {
    const char *id, *name;
    long long updated_at;
    int type;
};

/* Ownership is kept as one more kind of grant: the owner reads what it owns. */
enum { OWNED_BY = GRANT_TO_GROUP + 1 };

struct copy_grant {
    const char *principal_id;
    uint32_t entry;
    int principal;    /* enum grant_principal, or OWNED_BY */
};

struct resource_copy {
    size_t n;
    struct entry *entries;        /* listed ones only (active), in the answer's order: by
                                   * type, most recently updated first, then by id */
    uint32_t *by_key;             /* entries by type and id, to resolve grants */
    struct copy_grant *grants;    /* by principal kind, then principal id; owners too */
    size_t ngrants;
    long long totals[RESOURCE__COUNT];
    uint32_t *seen;               /* per entry: the stamp of the last preview that took it */
    uint32_t stamp;
};

/* Compares as MariaDB's utf8mb4_bin (a PAD SPACE collation) does: by code point, which
 * UTF-8 byte order is, with the shorter text taken as padded with spaces, so "a" and
 * "a " are the same id. */
static int pad_cmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (; *x || *y; x += *x != 0, y += *y != 0) {
        unsigned cx = *x ? *x : ' ', cy = *y ? *y : ' ';
        if (cx != cy)
            return cx < cy ? -1 : 1;
    }
    return 0;
}

/* qsort has no context argument: the copy being built while it sorts. */
static const struct resource_copy *sorting;

static int order_cmp(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    if (a->updated_at != b->updated_at)
        return a->updated_at > b->updated_at ? -1 : 1;
    return pad_cmp(a->id, b->id);
}

static int key_cmp(const void *pa, const void *pb)
{
    const struct entry *a = &sorting->entries[*(const uint32_t *)pa];
    const struct entry *b = &sorting->entries[*(const uint32_t *)pb];
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    return pad_cmp(a->id, b->id);
}

static int grant_cmp(const void *pa, const void *pb)
{
    const struct copy_grant *a = pa, *b = pb;
    if (a->principal != b->principal)
        return a->principal < b->principal ? -1 : 1;
    int c = pad_cmp(a->principal_id, b->principal_id);
    return c ? c : (a->entry > b->entry) - (a->entry < b->entry);
}

/* The entry of type and id, or -1. */
static long find_entry(const struct resource_copy *c, int type, const char *id)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct entry *e = &c->entries[c->by_key[mid]];
        int d = type != e->type ? (type < e->type ? -1 : 1) : pad_cmp(id, e->id);
        if (d == 0)
            return (long)c->by_key[mid];
        if (d < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

struct resource_copy *resource_copy_build(struct arena *mem, const struct resource_row *res,
                                          size_t nres, const struct grant_row *grants,
                                          size_t ngrants)
{
    struct resource_copy *c = arena_calloc(mem, 1, sizeof(*c));
    c->entries = arena_calloc(mem, nres ? nres : 1, sizeof(*c->entries));
    for (size_t i = 0; i < nres; i++) {
        const struct resource_row *r = &res[i];
        if ((unsigned)r->type >= RESOURCE__COUNT || !r->id || !r->active)
            continue;
        c->totals[r->type]++;
        c->entries[c->n++] = (struct entry){ arena_strdup(mem, r->id), arena_strdup(mem, r->name),
                                             r->updated_at, r->type };
    }
    qsort(c->entries, c->n, sizeof(*c->entries), order_cmp);
    sorting = c;
    c->by_key = arena_calloc(mem, c->n ? c->n : 1, sizeof(*c->by_key));
    for (size_t i = 0; i < c->n; i++)
        c->by_key[i] = (uint32_t)i;
    qsort(c->by_key, c->n, sizeof(*c->by_key), key_cmp);
    c->grants = arena_calloc(mem, ngrants + nres ? ngrants + nres : 1, sizeof(*c->grants));
    for (size_t i = 0; i < nres; i++) {
        long e = res[i].owner && res[i].id ? find_entry(c, res[i].type, res[i].id) : -1;
        if (e >= 0)
            c->grants[c->ngrants++] = (struct copy_grant){ arena_strdup(mem, res[i].owner),
                                                           (uint32_t)e, OWNED_BY };
    }
    for (size_t i = 0; i < ngrants; i++) {
        const struct grant_row *g = &grants[i];
        long e = g->resource_id && g->principal_id ? find_entry(c, g->type, g->resource_id) : -1;
        if (e >= 0)
            c->grants[c->ngrants++] = (struct copy_grant){ arena_strdup(mem, g->principal_id),
                                                           (uint32_t)e, g->principal };
    }
    qsort(c->grants, c->ngrants, sizeof(*c->grants), grant_cmp);
    sorting = NULL;
    c->seen = arena_calloc(mem, c->n ? c->n : 1, sizeof(*c->seen));
    return c;
}

/* The first grant at or after (principal, id); id NULL: the first of that principal. */
static size_t grants_from(const struct resource_copy *c, int principal, const char *id)
{
    size_t lo = 0, hi = c->ngrants;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct copy_grant *g = &c->grants[mid];
        int d = principal != g->principal ? (principal < g->principal ? -1 : 1)
                : id ? pad_cmp(id, g->principal_id) : -1;
        if (d <= 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

struct picked { uint32_t *idx; size_t n; };

static void pick(struct resource_copy *c, struct picked *p, uint32_t e)
{
    if (c->seen[e] != c->stamp) {
        c->seen[e] = c->stamp;
        p->idx[p->n++] = e;
    }
}

/* Takes the resources granted to (principal, id); id NULL: to every id of principal. */
static void pick_granted(struct resource_copy *c, struct picked *p, int principal,
                         const char *id)
{
    for (size_t i = grants_from(c, principal, id);
         i < c->ngrants && c->grants[i].principal == principal &&
         (!id || pad_cmp(id, c->grants[i].principal_id) == 0);
         i++)
        pick(c, p, c->grants[i].entry);
}

static int u32_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

/* The same principals as the SQL form (resources.c, READABLE_SQL), which binds "" where a
 * user or a group id is absent: a read grant to every signed-in user or to the user, to
 * anyone, to the group or to one of the user's groups, or ownership. */
void resource_copy_preview(struct resource_copy *c, struct arena *a, const char *user_id,
                           const char *const *group_ids, size_t ngroups, const char *group_id,
                           struct preview_list lists[RESOURCE__COUNT])
{
    if (++c->stamp == 0) {   /* wrapped: no entry may look taken */
        memset(c->seen, 0, (c->n ? c->n : 1) * sizeof(*c->seen));
        c->stamp = 1;
    }
    struct picked p = { arena_calloc(a, c->n ? c->n : 1, sizeof(*p.idx)), 0 };
    pick_granted(c, &p, GRANT_TO_USER, "*");
    pick_granted(c, &p, GRANT_TO_USER, user_id ? user_id : "");
    pick_granted(c, &p, GRANT_TO_ANYONE, NULL);
    pick_granted(c, &p, GRANT_TO_GROUP, group_id ? group_id : "");
    for (size_t i = 0; i < ngroups; i++)
        if (group_ids[i])
            pick_granted(c, &p, GRANT_TO_GROUP, group_ids[i]);
    if (user_id)
        pick_granted(c, &p, OWNED_BY, user_id);
    qsort(p.idx, p.n, sizeof(*p.idx), u32_cmp);   /* the entries' order is the answer's */
    for (int t = 0; t < RESOURCE__COUNT; t++) {
        lists[t].n = 0;
        lists[t].total = c->totals[t];
        lists[t].items = arena_calloc(a, p.n ? p.n : 1, sizeof(struct preview_item));
    }
    for (size_t i = 0; i < p.n; i++) {
        const struct entry *e = &c->entries[p.idx[i]];
        struct preview_list *l = &lists[e->type];
        l->items[l->n++] = (struct preview_item){ e->id, e->name };
    }
}

/* ---- the worker's copy ----------------------------------------------------------------- */

static struct {
    struct held_copy at;        /* the version, the arena */
    struct resource_copy *copy;
} held;

/* Reads the registries and the read grants on them in one statement (one snapshot) into
 * a new arena; NULL on failure or too many rows. Column 0 tells a resource (0: type, id,
 * name, owner, updated_at) from a grant (1: type, resource id, principal kind and id). */
static struct arena *load(struct db *db, struct resource_copy **out, bool *too_many)
{
    static char sql[1536];
    if (!sql[0])
        snprintf(sql, sizeof(sql),
                 "SELECT 0, 0, id, name, user_id, updated_at, NULL, NULL FROM model "
                 "WHERE is_active "
                 "UNION ALL SELECT 0, 1, id, name, user_id, updated_at, NULL, NULL FROM knowledge "
                 "UNION ALL SELECT 0, 2, id, name, user_id, updated_at, NULL, NULL FROM tool "
                 "UNION ALL SELECT 1, CASE resource_type WHEN 'model' THEN 0 "
                 "WHEN 'knowledge' THEN 1 ELSE 2 END, resource_id, NULL, NULL, NULL, "
                 "CASE principal_type WHEN 'user' THEN %d WHEN 'anyone' THEN %d ELSE %d END, "
                 "principal_id FROM access_grant WHERE permission = 'read' "
                 "AND resource_type IN ('model', 'knowledge', 'tool') "
                 "AND principal_type IN ('user', 'anyone', 'group') LIMIT %d",
                 GRANT_TO_USER, GRANT_TO_ANYONE, GRANT_TO_GROUP, RESOURCE_CACHE_MAX + 1);
    struct arena *tmp;
    struct db_result r;
    if (held_copy_read(db, sql, RESOURCE_CACHE_MAX, &tmp, &r, too_many) != DB_OK)
        return NULL;
    struct resource_row *res = arena_calloc(tmp, r.nrows ? r.nrows : 1, sizeof(*res));
    struct grant_row *grants = arena_calloc(tmp, r.nrows ? r.nrows : 1, sizeof(*grants));
    size_t nres = 0, ngrants = 0;
    for (size_t i = 0; i < r.nrows; i++) {
        int type = (int)db_cell_ll(&r, i, 1);
        if (db_cell_ll(&r, i, 0) == 0)
            res[nres++] = (struct resource_row){ type, db_cell(&r, i, 2), db_cell(&r, i, 3),
                                                 db_cell(&r, i, 4), db_cell_ll(&r, i, 5),
                                                 true };
        else
            grants[ngrants++] = (struct grant_row){ type, db_cell(&r, i, 2),
                                                    (int)db_cell_ll(&r, i, 6),
                                                    db_cell(&r, i, 7) };
    }
    struct arena *mem = arena_new(64 * 1024);
    if (!mem) {
        arena_free(tmp);
        return NULL;
    }
    *out = resource_copy_build(mem, res, nres, grants, ngrants);
    arena_free(tmp);
    malloc_trim(0);   /* the rows read are free now, between the blocks that stay */
    return mem;
}

struct resource_copy *db_preview_copy_get(struct db *db, const char *version)
{
    int at = held_copy_at(&held.at, version);
    if (at != 0)
        return at > 0 ? held.copy : NULL;
    held.copy = NULL;
    bool too_many = false;
    struct resource_copy *copy = NULL;
    struct arena *mem = load(db, &copy, &too_many);
    held_copy_keep(&held.at, version, mem, too_many);
    held.copy = mem ? copy : NULL;
    return held.copy;
}

/* ---- the previews ---------------------------------------------------------------------- */

/* The resources the principal owns (the user_id parameters, NULL for a group) or may
 * read: a read grant to every signed-in user ('user' '*') or to the user, to anyone, to the
 * group or to a group the user is in ('' stands for "no such principal"). The grants are
 * found first, one index range per kind of grant (the principal index; the user's groups
 * by its memberships), then each resource by its key. An OR of the kinds per resource type
 * read every grant and every resource per request (1.9 ms at 400 of each), and a UNION per
 * type and kind cost MariaDB more to plan than to run: this is 0.4 ms. */
#define GRANTS_TO(WHERE) \
    "SELECT ag.resource_type rt, ag.resource_id rid FROM access_grant ag " \
    "WHERE ag.permission = 'read' AND " WHERE
#define OWNED(T) "SELECT '" T "', id FROM " T " WHERE user_id = ?"
#define READABLE_SQL                                                                        \
    "SELECT CASE x.rt WHEN 'model' THEN 0 WHEN 'knowledge' THEN 1 ELSE 2 END, "             \
    "COALESCE(m.updated_at, k.updated_at, tl.updated_at), x.rid, "                          \
    "COALESCE(m.name, k.name, tl.name) FROM ("                                              \
    GRANTS_TO("ag.principal_type = 'user' AND ag.principal_id IN ('*', ?)") " UNION "       \
    GRANTS_TO("ag.principal_type = 'anyone'") " UNION "                                     \
    GRANTS_TO("ag.principal_type = 'group' AND ag.principal_id = ?") " UNION "              \
    "SELECT ag.resource_type, ag.resource_id FROM group_member gm "                         \
    "STRAIGHT_JOIN access_grant ag ON ag.principal_type = 'group' "                         \
    "AND ag.principal_id = gm.group_id AND ag.permission = 'read' WHERE gm.user_id = ? "    \
    "UNION " OWNED("model") " UNION " OWNED("knowledge") " UNION " OWNED("tool") ") x "      \
    "LEFT JOIN model m ON x.rt = 'model' AND m.id = x.rid AND m.is_active "                 \
    "LEFT JOIN knowledge k ON x.rt = 'knowledge' AND k.id = x.rid "                         \
    "LEFT JOIN tool tl ON x.rt = 'tool' AND tl.id = x.rid "                                 \
    "WHERE m.id IS NOT NULL OR k.id IS NOT NULL OR tl.id IS NOT NULL "                      \
    /* the totals as one more row (type -1, first), in the same round trip */               \
    "UNION ALL SELECT -1, (SELECT COUNT(*) FROM model WHERE is_active), "                   \
    "(SELECT COUNT(*) FROM knowledge), (SELECT COUNT(*) FROM tool) "                        \
    "ORDER BY 1, 2 DESC, 3"

int db_resource_preview(struct db *db, struct arena *a, const char *version,
                        const char *user_id, const char *const *group_ids, size_t ngroups,
                        const char *group_id, struct preview_list lists[RESOURCE__COUNT])
{
    struct resource_copy *copy = db_preview_copy_get(db, version);
    if (copy) {
        resource_copy_preview(copy, a, user_id, user_id ? group_ids : NULL,
                              user_id ? ngroups : 0, group_id, lists);
        return DB_OK;
    }
    static const char items_sql[] = READABLE_SQL;
    const char *uid = user_id ? user_id : "", *gid = group_id ? group_id : "";
    struct db_param params[] = { db_str(uid), db_str(gid), db_str(uid), db_str_or_null(user_id),
                                 db_str_or_null(user_id), db_str_or_null(user_id) };
    struct db_result items;
    if (db_query(db, a, items_sql, params, sizeof(params) / sizeof(params[0]), &items) !=
            DB_OK ||
        items.nrows == 0 || db_cell_ll(&items, 0, 0) != -1)
        return DB_ERROR;
    for (int t = 0; t < RESOURCE__COUNT; t++) {
        lists[t].n = 0;
        lists[t].total = db_cell_ll(&items, 0, (size_t)t + 1);
        lists[t].items = arena_calloc(a, items.nrows, sizeof(struct preview_item));
    }
    for (size_t i = 1; i < items.nrows; i++) {
        long long t = db_cell_ll(&items, i, 0);
        if (t < 0 || t >= RESOURCE__COUNT)
            continue;
        struct preview_list *l = &lists[t];
        l->items[l->n++] = (struct preview_item){ db_cell(&items, i, 2), db_cell(&items, i, 3) };
    }
    return DB_OK;
}
