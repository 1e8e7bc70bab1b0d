/* The worker's copy of every group (see db_group_cache.h). */
#include "config.h"
#include "usher/db_group_cache.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_rows.h"
#include "usher/group.h"

#include "held_copy.h"

int db_groups_bump(struct db *db)
{
    static const char sql[] = "UPDATE group_version SET v = ? WHERE id = 1";
    return held_copy_bump(db, sql);
}

/* The copy: its version, the table and everything it points to in one arena. */
static struct {
    struct held_copy at;                 /* the version, the arena */
    struct group_cache cache;
    const struct group_cached **by_id;   /* the same entries, sorted by id */
} held;

static int by_id_cmp(const void *pa, const void *pb)
{
    const struct group_cached *const *a = pa, *const *b = pb;
    return strcmp((*a)->id, (*b)->id);
}

struct loaded { struct group g; struct group_cached c; long long count; };

/* Finds the permission tree inside g's JSON (o, its object; json set): the value printed
 * after "permissions": at the top level, which is the last place its text follows that key
 * and precedes "created_at" (only meta, before it, could hold the same text, and numbers
 * follow it). A tree that is null or did not parse is none. */
static void permissions_in(struct group_cached *g, struct json_object *o)
{
    struct json_object *tree = NULL;
    g->perm_at = g->perm_len = 0;
    if (!json_object_object_get_ex(o, "permissions", &tree) || !tree)
        return;
    const char *text = json_object_to_json_string_ext(
        tree, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    static const char key[] = "\"permissions\":", after[] = ",\"created_at\":";
    size_t len = strlen(text);
    const char *found = NULL;
    for (const char *p = strstr(g->json, key); p; p = strstr(p + 1, key))
        if (strncmp(p + sizeof(key) - 1, text, len) == 0 &&
            strncmp(p + sizeof(key) - 1 + len, after, sizeof(after) - 1) == 0)
            found = p + sizeof(key) - 1;
    if (found) {
        g->perm_at = (size_t)(found - g->json);
        g->perm_len = len;
    }
}

static int recent_cmp(const void *pa, const void *pb)
{
    return db_group_cmp_recent(&((const struct loaded *)pa)->g, &((const struct loaded *)pb)->g);
}

static bool flag(const struct db_result *r, size_t row, size_t col)
{
    const char *v = db_cell(r, row, col);
    return v && strcmp(v, "0") != 0;
}

/* Reads every group into a new arena; NULL on failure or too many groups. The flags are
 * the listing queries' conditions, evaluated by MariaDB (db_groups.c uses the same). */
static struct arena *load(struct db *db, struct group_cache *cache,
                          const struct group_cached ***by_id, bool *too_many)
{
    static char sql[2048];
    if (!sql[0])
        snprintf(sql, sizeof(sql),
                 "SELECT %s, g.member_count, "
                 "COALESCE(g.data IS NULL OR " DB_GROUP_SHARE_SQL " IS NULL OR "
                 DB_GROUP_SHARE_SQL " IN ('true', '1'), 0), "
                 "COALESCE(" DB_GROUP_SHARE_SQL " = 'members', 0), "
                 "COALESCE(g.data IS NOT NULL AND " DB_GROUP_SHARE_SQL " = 'false', 0) "
                 "FROM `group` g LIMIT %d", db_group_columns(), GROUP_CACHE_MAX + 1);
    struct arena *tmp;
    struct db_result r;
    if (held_copy_read(db, sql, GROUP_CACHE_MAX, &tmp, &r, too_many) != DB_OK)
        return NULL;
    struct loaded *rows = arena_calloc(tmp, r.nrows ? r.nrows : 1, sizeof(*rows));
    for (size_t i = 0; i < r.nrows; i++) {
        db_group_decode(&rows[i].g, &r, i, 0);
        const char *cnt = db_cell(&r, i, group_nfields);
        rows[i].c.anyone = flag(&r, i, group_nfields + 1);
        rows[i].c.members = flag(&r, i, group_nfields + 2);
        rows[i].c.not_shared = flag(&r, i, group_nfields + 3);
        rows[i].count = db_text_ll(cnt);
    }
    qsort(rows, r.nrows, sizeof(*rows), recent_cmp);
    struct arena *mem = arena_new(64 * 1024);
    if (!mem) {
        arena_free(tmp);
        return NULL;
    }
    struct group_cached *groups = arena_calloc(mem, r.nrows ? r.nrows : 1, sizeof(*groups));
    const struct group_cached **index = arena_calloc(mem, r.nrows ? r.nrows : 1,
                                                     sizeof(*index));
    for (size_t i = 0; i < r.nrows; i++) {
        struct json_object *o = group_response_json(&rows[i].g, rows[i].count);
        size_t len = 0;
        const char *text = json_object_to_json_string_length(
            o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
        groups[i] = rows[i].c;
        groups[i].id = arena_strdup(mem, rows[i].g.id);
        groups[i].name = arena_strdup(mem, rows[i].g.name ? rows[i].g.name : "");
        groups[i].json = arena_strndup(mem, text, len);
        groups[i].json_len = len;
        permissions_in(&groups[i], o);
        json_object_put(o);
        index[i] = &groups[i];
    }
    qsort(index, r.nrows, sizeof(*index), by_id_cmp);
    cache->n = r.nrows;
    cache->groups = groups;
    *by_id = index;
    arena_free(tmp);
    /* The rows read (and the library's copy of them) are free now, between the blocks
     * that stay: give their pages back (a worker reads the groups only when they change). */
    malloc_trim(0);
    return mem;
}

static int idx_cmp(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    return a < b ? -1 : a > b;
}

int db_group_cache_pick(struct db *db, struct arena *a, const char *version,
                        const char **ids, size_t n, const char *const **perms,
                        const char *const **names)
{
    const struct group_cache *gc = db_group_cache_get(db, version);
    if (!gc)
        return DB_NOT_FOUND;
    size_t *idx = arena_calloc(a, n ? n : 1, sizeof(*idx));
    for (size_t i = 0; i < n; i++) {
        const struct group_cached *g = db_group_cache_find(gc, ids[i]);
        if (!g)
            return DB_NOT_FOUND;   /* a group newer than the copy (written by hand) */
        idx[i] = (size_t)(g - gc->groups);
    }
    qsort(idx, n, sizeof(*idx), idx_cmp);   /* the copy's order: most recent first */
    const char **perm_out = arena_calloc(a, n ? n : 1, sizeof(*perm_out));
    const char **name_out = arena_calloc(a, n ? n : 1, sizeof(*name_out));
    for (size_t i = 0; i < n; i++) {
        ids[i] = arena_strdup(a, gc->groups[idx[i]].id);
        const struct group_cached *g = &gc->groups[idx[i]];
        if (perms && g->perm_len)
            perm_out[i] = arena_strndup(a, g->json + g->perm_at, g->perm_len);
        if (names)
            name_out[i] = arena_strdup(a, gc->groups[idx[i]].name);
    }
    if (perms)
        *perms = perm_out;
    if (names)
        *names = name_out;
    return DB_OK;
}

/* The memberships of the last callers, as indexes into the copy: the groups' version
 * changes with every membership write (db_groups_bump), so at one version a user's groups
 * stay what they were read as, and the copy and these are dropped together when it moves.
 * A caller lookup then reads no group_member row (20 index entries cost MariaDB more than
 * the user row itself). Direct-mapped by a hash of the user id: a fixed 45 KB, no
 * allocation; a user in more than MEMO_GROUPS groups is read every time. */
#define MEMO_SLOTS 256
#define MEMO_GROUPS 64
static struct memo_slot {
    char user_id[40];        /* "" when empty; ids longer than 39 bytes are not kept */
    uint16_t n;
    uint16_t idx[MEMO_GROUPS];
} memo[MEMO_SLOTS];
_Static_assert(GROUP_CACHE_MAX <= UINT16_MAX, "a group's place in the copy fits a slot");

const struct group_cache *db_group_cache_get(struct db *db, const char *version)
{
    int at = held_copy_at(&held.at, version);
    if (at != 0)
        return at > 0 && held.at.mem ? &held.cache : NULL;
    memset(memo, 0, sizeof(memo));   /* memberships are remembered per version */
    struct group_cache cache;
    const struct group_cached **by_id = NULL;
    bool too_many = false;
    struct arena *mem = load(db, &cache, &by_id, &too_many);
    held_copy_keep(&held.at, version, mem, too_many);
    if (!mem)
        return NULL;
    held.cache = cache;
    held.by_id = by_id;
    return &held.cache;
}

const struct group_cached *db_group_cache_find(const struct group_cache *cache, const char *id)
{
    if (cache != &held.cache || !id)
        return NULL;
    size_t lo = 0, hi = cache->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(id, held.by_id[mid]->id);
        if (c == 0)
            return held.by_id[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static struct memo_slot *memo_slot_of(const char *user_id)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)user_id; *p; p++)
        h = (h ^ *p) * 16777619u;
    return &memo[h % MEMO_SLOTS];
}

/* ids[0..n) (most recent first, as db_group_cache_pick leaves them) as indexes into the copy */
static void memo_store(const struct group_cache *gc, const char *user_id, const char **ids,
                       size_t n)
{
    struct memo_slot *slot = memo_slot_of(user_id);
    if (strlen(user_id) >= sizeof(slot->user_id) || n > MEMO_GROUPS)
        return;
    uint16_t idx[MEMO_GROUPS];
    for (size_t i = 0; i < n; i++) {
        const struct group_cached *g = db_group_cache_find(gc, ids[i]);
        if (!g)
            return;   /* the slot keeps what it held, whole */
        idx[i] = (uint16_t)(g - gc->groups);
    }
    memcpy(slot->idx, idx, n * sizeof(idx[0]));
    slot->n = (uint16_t)n;
    memcpy(slot->user_id, user_id, strlen(user_id) + 1);
}

int db_group_cache_user_groups(struct db *db, struct arena *a, const char *version,
                               const char *user_id, bool remember, const char *const **ids,
                               size_t *n, const char *const **perms, const char *const **names)
{
    const struct group_cache *gc = db_group_cache_get(db, version);
    if (!gc || !user_id)
        return DB_NOT_FOUND;
    struct memo_slot *slot = memo_slot_of(user_id);
    if (strcmp(slot->user_id, user_id) != 0) {
        static const char sql[] = "SELECT group_id FROM group_member WHERE user_id = ?";
        struct db_result r;
        /* causal (Galera): at least as new as the version the caller lookup read */
        if (db_query_causal(db, a, sql, DB_PARAMS(db_str(user_id)), &r) != DB_OK)
            return DB_ERROR;
        const char **read = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(*read));
        for (size_t i = 0; i < r.nrows; i++)
            read[i] = db_cell(&r, i, 0);
        const char *const *picked = NULL, *const *named = NULL;
        int rc = db_group_cache_pick(db, a, version, read, r.nrows, perms ? &picked : NULL,
                                     names ? &named : NULL);
        if (rc != DB_OK)
            return rc;
        if (remember)
            memo_store(gc, user_id, read, r.nrows);
        *ids = read;
        *n = r.nrows;
        if (perms)
            *perms = picked;
        if (names)
            *names = named;
        return DB_OK;
    }
    const char **id_out = arena_calloc(a, slot->n ? slot->n : 1, sizeof(*id_out));
    const char **perm_out = arena_calloc(a, slot->n ? slot->n : 1, sizeof(*perm_out));
    const char **name_out = arena_calloc(a, slot->n ? slot->n : 1, sizeof(*name_out));
    for (size_t i = 0; i < slot->n; i++) {
        const struct group_cached *g = &gc->groups[slot->idx[i]];
        id_out[i] = arena_strdup(a, g->id);
        if (perms && g->perm_len)
            perm_out[i] = arena_strndup(a, g->json + g->perm_at, g->perm_len);
        if (names)
            name_out[i] = arena_strdup(a, g->name);
    }
    *ids = id_out;
    *n = slot->n;
    if (perms)
        *perms = perm_out;
    if (names)
        *names = name_out;
    return DB_OK;
}
