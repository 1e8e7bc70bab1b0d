/* The worker's copy of every group (see db_group_cache.h). */
#include "config.h"
#include "usher/db_group_cache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_rows.h"
#include "usher/group.h"

int db_groups_bump(struct db *db)
{
    static const char sql[] = "UPDATE group_version SET v = ? WHERE id = 1";
    uint64_t v = 0;
    if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
        return DB_ERROR;
    return db_exec(db, sql, DB_PARAMS(db_int((long long)(v >> 11))), NULL);
}

/* The copy: its version, the table and everything it points to in one arena. */
static struct {
    char version[32];
    bool too_many;                       /* version had more than GROUP_CACHE_MAX groups */
    struct arena *mem;
    struct group_cache cache;
    const struct group_cached **by_id;   /* the same entries, sorted by id */
} held;

static int by_id_cmp(const void *pa, const void *pb)
{
    const struct group_cached *const *a = pa, *const *b = pb;
    return strcmp((*a)->id, (*b)->id);
}

struct loaded { struct group g; struct group_cached c; long long count; };

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
    struct arena *tmp = arena_new(64 * 1024);
    if (!tmp)
        return NULL;
    struct db_result r;
    if (db_query(db, tmp, sql, NULL, 0, &r) != DB_OK) {
        arena_free(tmp);
        return NULL;
    }
    if (r.nrows > GROUP_CACHE_MAX) {
        *too_many = true;
        arena_free(tmp);
        return NULL;
    }
    struct loaded *rows = arena_calloc(tmp, r.nrows ? r.nrows : 1, sizeof(*rows));
    for (size_t i = 0; i < r.nrows; i++) {
        db_group_decode(&rows[i].g, &r, i, 0);
        const char *cnt = db_cell(&r, i, group_nfields);
        rows[i].c.anyone = flag(&r, i, group_nfields + 1);
        rows[i].c.members = flag(&r, i, group_nfields + 2);
        rows[i].c.not_shared = flag(&r, i, group_nfields + 3);
        rows[i].count = cnt ? strtoll(cnt, NULL, 10) : 0;
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
        groups[i].permissions = arena_strdup(mem, rows[i].g.permissions);
        groups[i].json = arena_strndup(mem, text, len);
        groups[i].json_len = len;
        json_object_put(o);
        index[i] = &groups[i];
    }
    qsort(index, r.nrows, sizeof(*index), by_id_cmp);
    cache->n = r.nrows;
    cache->groups = groups;
    *by_id = index;
    arena_free(tmp);
    return mem;
}

/* The memberships of recent callers for the held version: user id -> the indexes of its
 * groups in held.cache.groups, ascending (so most recently updated first). An open
 * addressing table of twice GROUP_CACHE_USERS slots in its own arena, emptied when the
 * version changes or it is full. */
#define USER_SLOTS (2 * GROUP_CACHE_USERS)
struct member_of { const char *user_id; size_t n; unsigned *idx; };
static struct {
    struct arena *mem;
    size_t used;
    struct member_of slot[USER_SLOTS];
} users;

static void users_clear(void)
{
    arena_free(users.mem);
    users.mem = NULL;
    users.used = 0;
    memset(users.slot, 0, sizeof(users.slot));
}

static size_t user_hash(const char *s)
{
    size_t h = 1469598103934665603u;   /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int idx_cmp(const void *pa, const void *pb)
{
    unsigned a = *(const unsigned *)pa, b = *(const unsigned *)pb;
    return a < b ? -1 : a > b;
}

/* Reads user_id's memberships into a new slot entry; NULL on a failed read. */
static struct member_of *user_load(struct db *db, const char *user_id, size_t pos)
{
    static const char sql[] = "SELECT gm.group_id FROM group_member gm WHERE gm.user_id = ?";
    struct arena *tmp = arena_new(4096);
    if (!tmp)
        return NULL;
    struct db_result r;
    if (db_query(db, tmp, sql, DB_PARAMS(db_str(user_id)), &r) != DB_OK) {
        arena_free(tmp);
        return NULL;
    }
    if (!users.mem && !(users.mem = arena_new(16 * 1024))) {
        arena_free(tmp);
        return NULL;
    }
    struct member_of *m = &users.slot[pos];
    m->user_id = arena_strdup(users.mem, user_id);
    m->idx = arena_calloc(users.mem, r.nrows ? r.nrows : 1, sizeof(*m->idx));
    m->n = 0;
    for (size_t i = 0; i < r.nrows; i++) {
        /* A group made after the copy was read is left out: its version is newer, so the
         * next request reads everything again. */
        const struct group_cached *g = db_group_cache_find(&held.cache, db_cell(&r, i, 0));
        if (g)
            m->idx[m->n++] = (unsigned)(g - held.cache.groups);
    }
    qsort(m->idx, m->n, sizeof(*m->idx), idx_cmp);
    users.used++;
    arena_free(tmp);
    return m;
}

int db_group_cache_user(struct db *db, struct arena *a, const char *version,
                        const char *user_id, const char *const **ids,
                        const char *const **perms, size_t *n)
{
    if (!db_group_cache_get(db, version))
        return DB_NOT_FOUND;
    if (users.used >= GROUP_CACHE_USERS)
        users_clear();
    size_t pos = user_hash(user_id) % USER_SLOTS;
    while (users.slot[pos].user_id && strcmp(users.slot[pos].user_id, user_id) != 0)
        pos = (pos + 1) % USER_SLOTS;
    struct member_of *m = users.slot[pos].user_id ? &users.slot[pos] : user_load(db, user_id, pos);
    if (!m)
        return DB_ERROR;
    const char **id_out = arena_calloc(a, m->n ? m->n : 1, sizeof(*id_out));
    const char **perm_out = arena_calloc(a, m->n ? m->n : 1, sizeof(*perm_out));
    for (size_t i = 0; i < m->n; i++) {
        const struct group_cached *g = &held.cache.groups[m->idx[i]];
        id_out[i] = arena_strdup(a, g->id);
        perm_out[i] = arena_strdup(a, g->permissions);
    }
    *ids = id_out;
    *perms = perm_out;
    *n = m->n;
    return DB_OK;
}

const struct group_cache *db_group_cache_get(struct db *db, const char *version)
{
    if (!version || strlen(version) >= sizeof(held.version))
        return NULL;
    if ((held.mem || held.too_many) && strcmp(version, held.version) == 0)
        return held.mem ? &held.cache : NULL;
    arena_free(held.mem);
    held.mem = NULL;
    held.too_many = false;
    users_clear();
    struct group_cache cache;
    const struct group_cached **by_id = NULL;
    bool too_many = false;
    struct arena *mem = load(db, &cache, &by_id, &too_many);
    if (!mem) {
        if (too_many) {   /* not read again until the version changes */
            held.too_many = true;
            snprintf(held.version, sizeof(held.version), "%s", version);
        }
        return NULL;
    }
    held.mem = mem;
    held.cache = cache;
    held.by_id = by_id;
    snprintf(held.version, sizeof(held.version), "%s", version);
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
