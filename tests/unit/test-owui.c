/* The pure half of the Open WebUI import (owui.h): telling the shape from the tables and
 * columns, the per-row checks of a user, and the legacy conversions. */
#include "config.h"

#include "usher/arena.h"
#include "usher/owui.h"
#include "tap.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A schema as "table.column" strings ("table." for the table itself). */
static bool has(void *ctx, const char *table, const char *column)
{
    char key[128];
    snprintf(key, sizeof key, "%s.%s", table, column ? column : "");
    for (const char *const *p = ctx; *p; p++)
        if (strcmp(*p, key) == 0)
            return true;
    return false;
}

#define USER_AUTH "alembic_version.", "user.", "user.id", "user.email", "user.name", \
    "user.role", "user.created_at", "auth.", "auth.id", "auth.password"

static void test_shape(void)
{
    char err[256];
    struct owui_shape s;
    static const char *v011[] = { USER_AUTH, "api_key.user_id", "api_key.key",
        "group.", "group.id", "group.name", "group_member.group_id", "group_member.user_id",
        "config.key", "config.value", "access_grant.resource_id", NULL };
    is_int(owui_shape_detect(has, (void *)v011, "f0bd01a18a3d", &s, err, sizeof err), 0, "v0.11");
    is_str(s.name, "v0.11.0", "named v0.11.0");
    ok(s.key_table && s.member_table && s.config_rows && s.grant_table && !s.oauth_sub,
       "its parts");
    static const char *old[] = { USER_AUTH, "user.api_key", "user.oauth_sub", "group.",
        "group.id", "group.name", "group.user_ids", "config.id", "config.data", NULL };
    is_int(owui_shape_detect(has, (void *)old, "922e7a387820", &s, err, sizeof err), 0, "0.6");
    is_str(s.name, "0.6-0.8", "named 0.6-0.8");
    ok(s.key_column && !s.key_table && s.config_blob && s.oauth_sub && !s.member_table, "parts");
    static const char *none[] = { "user.", "user.id", NULL };
    is_int(owui_shape_detect(has, (void *)none, NULL, &s, err, sizeof err), -1, "no alembic");
    ok(strstr(err, "no table alembic_version") != NULL, "names it: %s", err);
    static const char *no_email[] = { "alembic_version.", "user.", "user.id", "user.name",
        "user.role", "user.created_at", "auth.", "auth.id", "auth.password", NULL };
    is_int(owui_shape_detect(has, (void *)no_email, "x", &s, err, sizeof err), -1, "no email");
    is_str(err, "not an Open WebUI database usher knows: table user has no column email", "named");
    static const char *no_members[] = { USER_AUTH, "group.", "group.id", "group.name", NULL };
    is_int(owui_shape_detect(has, (void *)no_members, "x", &s, err, sizeof err), -1,
           "groups without members");
}

static const char *const HASH = "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234";

static void fill(const char **row)
{
    memset(row, 0, OU__COUNT * sizeof(*row));
    row[OU_ID] = "u1";
    row[OU_EMAIL] = "  Ann@Example.ORG ";
    row[OU_ROLE] = "user";
    row[OU_NAME] = "Ann\tB\x7f";
    row[OU_PASSWORD] = HASH;
    row[OU_CREATED_AT] = "1700000000.0";
    row[OU_SETTINGS] = "{\"ui\": {}}";
}

static void test_user_check(void)
{
    struct arena *a = arena_new(4096);
    const char *row[OU__COUNT];
    struct owui_user_check c;
    fill(row);
    owui_user_check(a, row, &c);
    ok(!c.why && !c.dropped, "a good row");
    is_str(row[OU_EMAIL], "ann@example.org", "e-mail in its normal form");
    is_str(row[OU_NAME], "Ann B ", "controls become spaces");
    is_str(row[OU_CREATED_AT], "1700000000", "REAL seconds cut");
    is_str(row[OU_UPDATED_AT], "1700000000", "updated_at defaults to created_at");
    is_str(row[OU_PROFILE_IMAGE_URL], "", "no image: the default");
    is_str(row[OU_ACTIVE], "1", "active when NULL");

    fill(row);
    row[OU_PASSWORD] = NULL;
    owui_user_check(a, row, &c);
    ok(c.why && strstr(c.why, "no auth row"), "no auth row: %s", c.why);
    fill(row);
    row[OU_PASSWORD] = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
    owui_user_check(a, row, &c);
    ok(c.why && strstr(c.why, "not bcrypt"), "argon2 refused");
    fill(row);
    row[OU_EMAIL] = NULL;
    owui_user_check(a, row, &c);
    is_str(c.why, "the e-mail is NULL", "NULL e-mail");
    fill(row);
    row[OU_EMAIL] = "not-an-address";
    owui_user_check(a, row, &c);
    ok(c.why && strstr(c.why, "not a valid address"), "bad e-mail");
    fill(row);
    row[OU_ROLE] = "root";
    owui_user_check(a, row, &c);
    ok(c.why && strstr(c.why, "'root'"), "bad role");
    fill(row);
    row[OU_NAME] = "\xff\xfe";
    owui_user_check(a, row, &c);
    ok(c.why != NULL, "a name that is not UTF-8");
    fill(row);
    row[OU_SETTINGS] = "{broken";
    row[OU_DATE_OF_BIRTH] = "1980-13-01";
    row[OU_USERNAME] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";   /* 51 */
    owui_user_check(a, row, &c);
    ok(!c.why, "bad cells do not refuse the row");
    is_str(c.dropped, "username (too long), date_of_birth (not a date), settings (not valid JSON)",
           "they are dropped and named");
    ok(!row[OU_SETTINGS] && !row[OU_DATE_OF_BIRTH] && !row[OU_USERNAME], "and NULL");
    arena_free(a);
}

static void test_json(void)
{
    ok(owui_json_valid("{\"a\": [1, 2.5, null, true]}"), "JSON");
    ok(owui_json_valid("  \"text\"  "), "a string with white space around");
    ok(!owui_json_valid("{\"a\": 1,}"), "a trailing comma");
    ok(!owui_json_valid("{\"a\": 1} x"), "text after the value");
    ok(!owui_json_valid(""), "empty");
    ok(!owui_json_valid(NULL), "NULL");
}

static void test_bcrypt(void)
{
    ok(owui_is_bcrypt(HASH), "$2b$");
    char h[61];
    strcpy(h, HASH);
    h[2] = 'a';
    ok(owui_is_bcrypt(h), "$2a$");
    h[2] = 'x';
    ok(!owui_is_bcrypt(h), "$2x$");
    ok(!owui_is_bcrypt("$2b$12$short"), "too short");
    ok(!owui_is_bcrypt(NULL), "NULL");
}

static char got[512];
static void add_grant(void *ctx, const char *pt, const char *pid, const char *perm)
{
    (void)ctx;
    size_t n = strlen(got);
    snprintf(got + n, sizeof got - n, "%s%s:%s:%s", n ? " " : "", pt, pid, perm);
}
static void add_id(void *ctx, const char *id)
{
    add_grant(ctx, "m", id, "-");
}

static void test_legacy(void)
{
    struct arena *a = arena_new(4096);
    got[0] = '\0';
    is_int(owui_access_control_each(NULL, add_grant, NULL), 0, "NULL access_control");
    is_str(got, "user:*:read", "is public read");
    got[0] = '\0';
    owui_access_control_each("{}", add_grant, NULL);
    is_str(got, "", "{} is private");
    got[0] = '\0';
    owui_access_control_each("{\"read\": {\"group_ids\": [\"g1\"], \"user_ids\": [\"u1\"]}, "
                             "\"write\": {\"group_ids\": [], \"user_ids\": [\"u2\"]}}",
                             add_grant, NULL);
    is_str(got, "group:g1:read user:u1:read user:u2:write", "read and write lists");
    is_int(owui_access_control_each("{nope", add_grant, NULL), -1, "invalid JSON");
    got[0] = '\0';
    is_int(owui_user_ids_each("[\"a\", 3, \"b\"]", add_id, NULL), 0, "user_ids");
    is_str(got, "m:a:- m:b:-", "strings only");
    is_int(owui_user_ids_each("{}", add_id, NULL), -1, "not an array");
    is_str(owui_oauth_from_sub(a, "google@123"), "{\"google\":{\"sub\":\"123\"}}", "provider@sub");
    is_str(owui_oauth_from_sub(a, "abc"), "{\"oidc\":{\"sub\":\"abc\"}}", "a bare sub");
    const char *blob = "{\"auth\": {\"admin\": {\"show\": false}}, \"ui\": {\"enable_signup\": "
                       "true}, \"user\": {\"permissions\": {\"chat\": {\"delete\": false}}}}";
    is_str(owui_blob_value(a, blob, "auth.admin.show"), "false", "nested path");
    is_str(owui_blob_value(a, blob, "user.permissions"), "{\"chat\":{\"delete\":false}}",
           "an object value");
    ok(owui_blob_value(a, blob, "webui.url") == NULL, "absent");
    arena_free(a);
}

int main(void)
{
    test_shape();
    test_user_check();
    test_bcrypt();
    test_json();
    test_legacy();
    return tap_done();
}
