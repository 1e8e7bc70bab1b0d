/* A resolved SCIM filter (scim_filter.h) as SQL: a WHERE clause with one bound parameter
 * per literal (never the literal in the text), for db/scim.c's listings (scim_sql.h).
 *
 * Each comparison becomes an expression that is never NULL (an absent externalId is
 * "not equal", not unknown), so NOT and OR keep SCIM's meaning. Strings compare as the
 * spec says: userName and e-mails through email_lower (LOWER of the literal), names
 * through the name column's case-insensitive collation, ids and externalIds byte for
 * byte. co/sw/ew are LIKE with '!' as the escape character: '%', '_' and '!' of the literal
 * are escaped here, and '\' is an ordinary character under ESCAPE '!'. Date-times compare
 * as milliseconds. (`userName eq` and `externalId eq` alone never come here: db/scim.c
 * reads them through their unique index in one statement.)
 *
 * The text of a statement depends only on the filter's shape; each distinct text is kept
 * for the process (up to SHAPES_MAX, then one reused buffer, which the statement cache
 * detects and prepares again), since the statement cache keys on the text's address. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_scim.h"
#include "usher/scim_filter.h"
#include "scim_sql.h"

/* ---- a growing SQL text with its parameters ------------------------------------------- */

struct build {
    struct arena *a;
    char *s;
    size_t len, cap;
    struct db_param *p;
    size_t np, pcap;
    bool failed;
};

static void put(struct build *b, const char *text)
{
    size_t n = strlen(text);
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap : 512);
        while (cap < b->len + n + 1)
            cap *= 2;
        char *s = arena_alloc(b->a, cap);
        if (!s) {
            b->failed = true;
            return;
        }
        if (b->len)
            memcpy(s, b->s, b->len);
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, text, n + 1);
    b->len += n;
}

static void param(struct build *b, struct db_param v)
{
    if (b->failed)
        return;
    if (b->np == b->pcap) {
        size_t cap = b->pcap ? b->pcap * 2 : 8;
        struct db_param *p = arena_alloc(b->a, cap * sizeof(*p));
        if (!p) {
            b->failed = true;
            return;
        }
        if (b->np)
            memcpy(p, b->p, b->np * sizeof(*p));
        b->p = p;
        b->pcap = cap;
    }
    b->p[b->np++] = v;
}

/* The literal for LIKE: '!', '%' and '_' escaped with '!', wrapped for the operator. */
static const char *like_pattern(struct arena *a, const char *s, size_t len, enum scim_op op)
{
    char *out = arena_alloc(a, 2 * len + 3), *o = out;
    if (op == SCIM_CO || op == SCIM_EW)
        *o++ = '%';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '!' || s[i] == '%' || s[i] == '_')
            *o++ = '!';
        *o++ = s[i];
    }
    if (op == SCIM_CO || op == SCIM_SW)
        *o++ = '%';
    *o = '\0';
    return out;
}

/* ---- one comparison ------------------------------------------------------------------- */

/* The column (an expression) of an attribute; ci: the literal is lowered first
 * (email_lower is stored lowercased and compares byte for byte). */
struct column {
    const char *expr;
    bool lower;       /* LOWER(?) for the literal */
    bool nullable;    /* may be NULL (a LEFT JOIN): comparisons are wrapped */
};

static bool user_column(enum scim_attr attr, struct column *c)
{
    switch (attr) {
    case SCIM_ATTR_ID:
        *c = (struct column){ "u.id", false, false };
        return true;
    case SCIM_ATTR_EXTERNAL_ID:
        *c = (struct column){ "x.external_id", false, true };
        return true;
    case SCIM_ATTR_USER_NAME:
    case SCIM_ATTR_EMAILS_VALUE:
        *c = (struct column){ "u.email_lower", true, false };
        return true;
    case SCIM_ATTR_DISPLAY_NAME:
        *c = (struct column){ "u.name", false, false };
        return true;
    case SCIM_ATTR_NAME_GIVEN:
        *c = (struct column){ "SUBSTRING_INDEX(u.name, ' ', 1)", false, false };
        return true;
    case SCIM_ATTR_NAME_FAMILY:
        *c = (struct column){ "IF(LOCATE(' ', u.name) > 0, "
                              "SUBSTRING(u.name, LOCATE(' ', u.name) + 1), '')", false, false };
        return true;
    case SCIM_ATTR_ACTIVE:
        *c = (struct column){ "au.active", false, false };
        return true;
    case SCIM_ATTR_META_CREATED:
        *c = (struct column){ "u.created_at * 1000", false, false };
        return true;
    case SCIM_ATTR_META_LAST_MODIFIED:
        *c = (struct column){ "u.updated_at * 1000", false, false };
        return true;
    default:
        return false;
    }
}

static bool group_column(enum scim_attr attr, struct column *c)
{
    switch (attr) {
    case SCIM_ATTR_ID:
        *c = (struct column){ "g.id", false, false };
        return true;
    case SCIM_ATTR_EXTERNAL_ID:
        *c = (struct column){ "gx.external_id", false, true };
        return true;
    case SCIM_ATTR_DISPLAY_NAME:
        *c = (struct column){ "g.name", false, false };
        return true;
    case SCIM_ATTR_META_CREATED:
        *c = (struct column){ "g.created_at * 1000", false, false };
        return true;
    case SCIM_ATTR_META_LAST_MODIFIED:
        *c = (struct column){ "g.updated_at * 1000", false, false };
        return true;
    default:
        return false;
    }
}

typedef bool (*column_fn)(enum scim_attr, struct column *);

static int comparison(struct build *b, const struct scim_filter *f, column_fn columns)
{
    struct column col;
    if (!columns(f->attr, &col))
        return DB_REFUSED_FILTER;
    if (f->op == SCIM_PR) {
        /* present: a value that is not null nor empty */
        put(b, "(");
        put(b, col.expr);
        put(b, f->attr_type == SCIM_T_STRING_CI || f->attr_type == SCIM_T_STRING_EXACT
                   ? " IS NOT NULL AND " : " IS NOT NULL)");
        if (f->attr_type == SCIM_T_STRING_CI || f->attr_type == SCIM_T_STRING_EXACT) {
            put(b, col.expr);
            put(b, " <> '')");
        }
        return DB_OK;
    }
    if (f->attr_type == SCIM_T_BOOLEAN) {
        if (f->value_kind != SCIM_VAL_TRUE && f->value_kind != SCIM_VAL_FALSE)
            return DB_REFUSED_FILTER;
        bool want = (f->value_kind == SCIM_VAL_TRUE) == (f->op == SCIM_EQ);
        if (f->op != SCIM_EQ && f->op != SCIM_NE)
            return DB_REFUSED_FILTER;
        put(b, "(");
        put(b, col.expr);
        put(b, want ? " <> 0)" : " = 0)");
        return DB_OK;
    }
    const char *op = NULL;
    bool like = false;
    switch (f->op) {
    case SCIM_EQ: op = " = "; break;
    case SCIM_NE: op = " <> "; break;
    case SCIM_GT: op = " > "; break;
    case SCIM_GE: op = " >= "; break;
    case SCIM_LT: op = " < "; break;
    case SCIM_LE: op = " <= "; break;
    case SCIM_CO: case SCIM_SW: case SCIM_EW: op = " LIKE "; like = true; break;
    default: return DB_REFUSED_FILTER;
    }
    struct db_param v;
    if (f->attr_type == SCIM_T_DATETIME) {
        if (like)
            return DB_REFUSED_FILTER;
        v = db_int(f->value_ms);
    } else {
        if (f->value_kind != SCIM_VAL_STRING || !f->str)
            return DB_REFUSED_FILTER;
        v = like ? db_str(like_pattern(b->a, f->str, f->str_len, f->op))
                 : db_strn(f->str, f->str_len);
    }
    /* ne on a nullable column: an absent value is not equal (<=> never gives NULL) */
    if (col.nullable && f->op == SCIM_NE) {
        put(b, "NOT (");
        put(b, col.expr);
        put(b, " <=> ?)");
        param(b, v);
        return DB_OK;
    }
    put(b, col.nullable ? "IFNULL(" : "(");
    put(b, col.expr);
    put(b, op);
    put(b, col.lower ? "LOWER(?)" : "?");
    if (like)
        put(b, " ESCAPE '!'");
    put(b, col.nullable ? ", 0)" : ")");
    param(b, v);
    return DB_OK;
}

static int where(struct build *b, const struct scim_filter *f, column_fn columns, int depth)
{
    if (!f || depth > SCIM_FILTER_MAX_LEN)   /* and/or chains are as long as the text allows */
        return DB_REFUSED_FILTER;
    int rc;
    switch (f->kind) {
    case SCIM_F_CMP:
        return comparison(b, f, columns);
    case SCIM_F_AND:
    case SCIM_F_OR:
        put(b, "(");
        if ((rc = where(b, f->left, columns, depth + 1)) != DB_OK)
            return rc;
        put(b, f->kind == SCIM_F_AND ? " AND " : " OR ");
        if ((rc = where(b, f->right, columns, depth + 1)) != DB_OK)
            return rc;
        put(b, ")");
        return DB_OK;
    case SCIM_F_NOT:
        put(b, "NOT ");
        return where(b, f->left, columns, depth + 1);
    default:
        return DB_REFUSED_FILTER;   /* value filters are refused by scim_filter_resolve */
    }
}

/* True when f compares attr somewhere. */
static bool uses(const struct scim_filter *f, enum scim_attr attr)
{
    if (!f)
        return false;
    if (f->kind == SCIM_F_CMP)
        return f->attr == attr;
    return uses(f->left, attr) || uses(f->right, attr);
}

/* ---- the statements ------------------------------------------------------------------- */

#define SHAPES_MAX 256

/* text for the process: an earlier copy of the same text, or a new one (see above). */
static const char *keep(const char *text)
{
    static char *shapes[SHAPES_MAX];
    static size_t nshapes;
    static char *spare;
    static size_t spare_cap;
    for (size_t i = 0; i < nshapes; i++)
        if (strcmp(shapes[i], text) == 0)
            return shapes[i];
    size_t len = strlen(text);
    if (nshapes < SHAPES_MAX) {
        char *copy = malloc(len + 1);
        if (!copy)
            return NULL;
        memcpy(copy, text, len + 1);
        return shapes[nshapes++] = copy;
    }
    if (len + 1 > spare_cap) {
        char *grown = realloc(spare, len + 1);
        if (!grown)
            return NULL;
        spare = grown;
        spare_cap = len + 1;
    }
    memcpy(spare, text, len + 1);
    return spare;
}

/* ids and count from "FROM ... " from, the WHERE of filter (after the fixed params
 * pre[0..npre)) and the order. */
static int statements(struct arena *a, const char *select_id, const char *from,
                      const char *order, const struct scim_filter *filter, column_fn columns,
                      const struct db_param *pre, size_t npre, long long offset,
                      long long limit, struct scim_sql *ids, struct scim_sql *count)
{
    struct build w = { .a = a };
    for (size_t i = 0; i < npre; i++)
        param(&w, pre[i]);
    if (filter) {
        put(&w, "WHERE ");
        int rc = where(&w, filter, columns, 0);
        if (rc != DB_OK)
            return rc;
    }
    put(&w, "");
    if (w.failed)
        return DB_ERROR;
    const char *wtext = w.s ? w.s : "";
    const char *c = keep(arena_printf(a, "SELECT COUNT(*) %s%s", from, wtext));
    const char *i = keep(arena_printf(a, "%s %s%s %s LIMIT ? OFFSET ?", select_id, from, wtext,
                                      order));
    if (!c || !i)
        return DB_ERROR;
    count->sql = c;
    count->params = w.p;
    count->np = w.np;
    ids->sql = i;
    ids->params = arena_alloc(a, (w.np + 2) * sizeof(*ids->params));
    if (w.np)
        memcpy(ids->params, w.p, w.np * sizeof(*w.p));
    ids->params[w.np] = db_int(limit > 0 ? limit : 0);
    ids->params[w.np + 1] = db_int(offset > 0 ? offset : 0);
    ids->np = w.np + 2;
    return DB_OK;
}

int scim_sql_users(struct arena *a, const struct scim_filter *filter, const char *provider,
                   long long offset, long long limit, struct scim_sql *ids,
                   struct scim_sql *count)
{
    /* only the joins the filter needs: a pass over the table reads one table then */
    bool auth = uses(filter, SCIM_ATTR_ACTIVE), ext = uses(filter, SCIM_ATTR_EXTERNAL_ID);
    static const char *const froms[2][2] = {
        { "FROM `user` u ",
          "FROM `user` u "
          "LEFT JOIN user_external_id x ON x.user_id = u.id AND x.provider = ? " },
        { "FROM `user` u JOIN auth au ON au.id = u.id ",
          "FROM `user` u JOIN auth au ON au.id = u.id "
          "LEFT JOIN user_external_id x ON x.user_id = u.id AND x.provider = ? " },
    };
    return statements(a, "SELECT u.id", froms[auth][ext], "ORDER BY u.created_at, u.id",
                      filter, user_column, (struct db_param[]){ db_str(provider) }, ext ? 1 : 0,
                      offset, limit, ids, count);
}

int scim_sql_groups(struct arena *a, const struct scim_filter *filter, long long offset,
                    long long limit, struct scim_sql *ids, struct scim_sql *count)
{
    return statements(a, "SELECT g.id",
                      uses(filter, SCIM_ATTR_EXTERNAL_ID)
                          ? "FROM `group` g LEFT JOIN group_external_id gx ON gx.group_id = g.id "
                          : "FROM `group` g ",
                      "ORDER BY g.created_at, g.id", filter, group_column, NULL, 0, offset,
                      limit, ids, count);
}
