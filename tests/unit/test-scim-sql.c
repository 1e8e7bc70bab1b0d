/* Tests of the SCIM filter's SQL (db/scim_where.c): one bound parameter per literal, never
 * the literal in the text; LIKE patterns with '%', '_' and '!' escaped (ESCAPE '!') and '\'
 * left as it is; case-insensitive attributes through email_lower/LOWER(?), exact ones as
 * they are; an absent externalId "not equal"; only the joins a filter needs; the paging
 * parameters last; and one kept text per filter shape. Pure: no database. */
#include "config.h"

#include "usher/arena.h"
#include "usher/db.h"
#include "usher/db_scim.h"
#include "usher/scim_filter.h"
#include "usher/scim_schema.h"
#include "../../src/db/scim_sql.h"
#include "tap.h"

#include <string.h>

static struct arena *A;

static struct scim_filter *filter(const char *text, bool users)
{
    struct scim_error err = { 0 };
    struct scim_filter *f = scim_filter_parse(A, text, strlen(text), &err);
    if (!f || !scim_filter_resolve(f, users ? scim_user_filter_attrs : scim_group_filter_attrs,
                                   users ? scim_user_filter_nattrs : scim_group_filter_nattrs,
                                   users ? SCIM_URN_USER : SCIM_URN_GROUP, A, &err)) {
        printf("# %s: %s\n", text, err.detail ? err.detail : "?");
        return NULL;
    }
    return f;
}

static const char *param_text(const struct db_param *p)
{
    static char buf[256];
    if (p->type == DB_T_INT)
        snprintf(buf, sizeof(buf), "%lld", p->i);
    else if (p->type == DB_T_NULL)
        snprintf(buf, sizeof(buf), "NULL");
    else
        snprintf(buf, sizeof(buf), "%.*s", (int)p->len, p->s);
    return buf;
}

/* The users' statements of text: count's SQL contains each of want (NULL-ended), and its
 * params are params (NULL-ended). */
static void users_sql(const char *text, const char *const *want, const char *const *params)
{
    struct scim_sql ids, count;
    struct scim_filter *f = text ? filter(text, true) : NULL;
    int rc = scim_sql_users(A, f, "okta", 40, 20, &ids, &count);
    is_int(rc, DB_OK, "%s: built", tap_esc(text ? text : "(none)"));
    if (rc != DB_OK)
        return;
    for (const char *const *w = want; *w; w++)
        ok(strstr(count.sql, *w) != NULL, "  has %s", tap_esc(*w));
    size_t n = 0;
    while (params[n])
        n++;
    is_int(count.np, n, "  %zu parameters", n);
    for (size_t i = 0; i < n && i < count.np; i++)
        is_str(param_text(&count.params[i]), params[i], "  parameter %zu", i + 1);
    /* the page: the same parameters, then LIMIT and OFFSET */
    is_int(ids.np, n + 2, "  the page has limit and offset");
    if (ids.np == n + 2) {
        is_str(param_text(&ids.params[n]), "20", "  limit");
        is_str(param_text(&ids.params[n + 1]), "40", "  offset");
    }
    ok(strstr(ids.sql, "ORDER BY u.created_at, u.id LIMIT ? OFFSET ?") != NULL,
       "  oldest first, paged");
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

int main(void)
{
    A = arena_new(1 << 16);

    users_sql(NULL, L("SELECT COUNT(*) FROM `user` u "), (const char *const[]){ NULL });
    {
        struct scim_sql ids, count;
        scim_sql_users(A, NULL, "okta", 0, 20, &ids, &count);
        is_str(count.sql, "SELECT COUNT(*) FROM `user` u ", "no filter: the table alone");
    }
    users_sql("displayName co \"a%b_c!d\\\\e\"",
              L("(u.name LIKE ? ESCAPE '!')"), L("%a!%b!_c!!d\\e%"));
    users_sql("displayName sw \"100%\"", L("u.name LIKE ?"), L("100!%%"));
    users_sql("displayName ew \"_x\"", L("u.name LIKE ?"), L("%!_x"));
    users_sql("userName eq \"A@B.C\" or emails co \"X\"",
              L("(u.email_lower = LOWER(?))", "(u.email_lower LIKE LOWER(?) ESCAPE '!')"),
              L("A@B.C", "%X%"));
    users_sql("externalId ne \"E\"",
              L("LEFT JOIN user_external_id x", "NOT (x.external_id <=> ?)"), L("okta", "E"));
    users_sql("externalId eq \"E\" and displayName gt \"m\"",
              L("IFNULL(x.external_id = ?, 0)", "(u.name > ?)"), L("okta", "E", "m"));
    users_sql("not (active eq false)", L("JOIN auth au", "NOT (au.active = 0)"),
              (const char *const[]){ NULL });
    users_sql("meta.created ge \"2001-09-09T01:46:40Z\"", L("(u.created_at * 1000 >= ?)"),
              L("1000000000000"));
    users_sql("externalId pr", L("(x.external_id IS NOT NULL AND x.external_id <> '')"),
              L("okta"));

    /* only the joins the filter needs */
    {
        struct scim_sql ids, count;
        scim_sql_users(A, filter("displayName co \"z\"", true), "okta", 0, 20, &ids, &count);
        ok(!strstr(count.sql, "JOIN"), "a name filter reads the user table alone");
    }
    /* the literal never in the text; one text per shape */
    {
        struct scim_sql i1, c1, i2, c2;
        scim_sql_users(A, filter("displayName eq \"Robert'); DROP TABLE user;--\"", true),
                       "okta", 0, 20, &i1, &c1);
        scim_sql_users(A, filter("displayName eq \"other\"", true), "okta", 0, 20, &i2, &c2);
        ok(!strstr(c1.sql, "DROP"), "the literal is a parameter, not text");
        ok(c1.sql == c2.sql && i1.sql == i2.sql, "the same shape is the same kept text");
    }
    /* groups */
    {
        struct scim_sql ids, count;
        int rc = scim_sql_groups(A, filter("displayName eq \"x\" or externalId eq \"y\"", false),
                                 0, 5, &ids, &count);
        is_int(rc, DB_OK, "groups: built");
        ok(strstr(count.sql, "LEFT JOIN group_external_id gx") != NULL, "  the externalId join");
        ok(strstr(ids.sql, "ORDER BY g.created_at, g.id") != NULL, "  oldest first");
        rc = scim_sql_groups(A, filter("displayName co \"x\"", false), 0, 5, &ids, &count);
        ok(rc == DB_OK && !strstr(count.sql, "JOIN"), "  no join for a name");
    }
    /* a long or-chain (as long as the parser allows) */
    {
        char text[4096];
        size_t n = 0;
        for (int i = 0; i < 100; i++)
            n += (size_t)snprintf(text + n, sizeof(text) - n, "%sid eq \"%d\"", i ? " or " : "", i);
        struct scim_filter *f = filter(text, true);
        struct scim_sql ids, count;
        ok(f && scim_sql_users(A, f, "okta", 0, 20, &ids, &count) == DB_OK && count.np == 100,
           "100 comparisons: 100 parameters");
    }
    arena_free(A);
    return tap_done();
}
