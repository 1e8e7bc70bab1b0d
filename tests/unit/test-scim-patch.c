/* Tests of the SCIM PATCH parser (model/scim_patch.c): the operations Okta and Entra send
 * for users and groups, normalized; every scimType it refuses with (spec B.2); and the
 * error model (model/scim_error.c). */
#include "config.h"

#include "usher/arena.h"
#include "usher/scim_error.h"
#include "usher/scim_patch.h"
#include "tap.h"

#include <string.h>

static struct arena *A;
#define GID "5f1c0ffe-0000-4000-8000-000000000001"

static const char *show(const struct scim_patch *p)
{
    static char buf[8192];
    size_t o = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < p->n; k++) {
        const struct scim_patch_op *op = &p->ops[k];
        o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s %s", k ? "; " : "",
                              scim_patch_kind_name(op->op), op->name);
        if (op->attr == SCIM_PA_ACTIVE)
            o += (size_t)snprintf(buf + o, sizeof buf - o, "=%s", op->boolean ? "true" : "false");
        else if (op->attr == SCIM_PA_MEMBERS) {
            if (op->remove_all)
                o += (size_t)snprintf(buf + o, sizeof buf - o, " ALL");
            else {
                o += (size_t)snprintf(buf + o, sizeof buf - o, " [");
                for (size_t i = 0; i < op->nids; i++)
                    o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s", i ? "," : "", op->ids[i]);
                o += (size_t)snprintf(buf + o, sizeof buf - o, "]");
            }
        } else
            o += (size_t)snprintf(buf + o, sizeof buf - o, op->str ? "='%s'" : "=NULL",
                                  op->str);
    }
    return buf;
}

static const char *run(enum scim_resource res, const char *body)
{
    static char buf[8192];
    struct json_object *j = json_tokener_parse(body);
    struct scim_patch p;
    struct scim_error err = { 0 };
    if (scim_patch_parse(A, res, j, GID, &p, &err))
        snprintf(buf, sizeof buf, "%s", show(&p));
    else
        snprintf(buf, sizeof buf, "%d %s: %s", err.status, scim_type_name(err.type), err.detail);
    json_object_put(j);
    return buf;
}

/* A body of one operation {"op": OP, "path": PATH, "value": VALUE} (NULL leaves it out). */
static const char *one(enum scim_resource res, const char *op, const char *path,
                       const char *value)
{
    char body[4096];
    int n = snprintf(body, sizeof body,
                     "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],"
                     "\"Operations\":[{\"op\":\"%s\"", op);
    if (path)
        n += snprintf(body + n, sizeof body - (size_t)n, ",\"path\":%s", path);
    if (value)
        n += snprintf(body + n, sizeof body - (size_t)n, ",\"value\":%s", value);
    snprintf(body + n, sizeof body - (size_t)n, "}]}");
    return run(res, body);
}

#define U SCIM_RES_USER
#define G SCIM_RES_GROUP
#define user_ok(op, path, value, want) is_str(one(U, op, path, value), want, "user %s %s %s", op, tap_esc(path ? path : "-"), tap_esc(value ? value : "-"))
#define group_ok(op, path, value, want) is_str(one(G, op, path, value), want, "group %s %s %s", op, tap_esc(path ? path : "-"), tap_esc(value ? value : "-"))
#define body_ok(res, body, want) is_str(run(res, body), want, "body %s", tap_esc(body))

/* refused: the answer starts with "400 <type>" and contains want */
static void refused(enum scim_resource res, const char *op, const char *path,
                    const char *value, enum scim_type type, const char *want)
{
    const char *got = one(res, op, path, value);
    char head[64];
    snprintf(head, sizeof head, "400 %s: ", scim_type_name(type));
    bool good = strncmp(got, head, strlen(head)) == 0 && strstr(got, want);
    ok(good, "%s %s %s %s refused: %s (%s)", res == U ? "user" : "group", op,
       tap_esc(path ? path : "-"), tap_esc(value ? value : "-"), scim_type_name(type), want);
    if (!good)
        printf("#   got: %s\n", got);
}

static void body_refused(enum scim_resource res, const char *body, enum scim_type type,
                         const char *want)
{
    const char *got = run(res, body);
    char head[64];
    snprintf(head, sizeof head, "400 %s: ", scim_type_name(type));
    bool good = strncmp(got, head, strlen(head)) == 0 && strstr(got, want);
    ok(good, "body %s refused: %s", tap_esc(body), scim_type_name(type));
    if (!good)
        printf("#   got: %s\n", got);
}

int main(void)
{
    A = arena_new(4096);

    /* ---- users: op and paths in any case ---- */
    user_ok("replace", "\"active\"", "false", "replace active=false");
    user_ok("Replace", "\"active\"", "\"False\"", "replace active=false");
    user_ok("REPLACE", "\"Active\"", "\"TRUE\"", "replace active=true");
    user_ok("replace", "\"active\"", "\"true\"", "replace active=true");
    user_ok("add", "\"active\"", "true", "add active=true");
    user_ok("replace", "\"userName\"", "\"New@Example.com\"", "replace userName='New@Example.com'");
    user_ok("Replace", "\"USERNAME\"", "\"a@b.c\"", "replace userName='a@b.c'");
    user_ok("replace", "\"urn:ietf:params:scim:schemas:core:2.0:User:userName\"", "\"a@b.c\"", "replace userName='a@b.c'");
    user_ok("replace", "\"displayName\"", "\"Babs\"", "replace displayName='Babs'");
    user_ok("replace", "\"name.familyName\"", "\"Jensen\"", "replace name.familyName='Jensen'");
    user_ok("Replace", "\"name.givenname\"", "\"Barbara\"", "replace name.givenName='Barbara'");
    user_ok("replace", "\"name.formatted\"", "\"Ms. Barbara J Jensen\"", "replace name.formatted='Ms. Barbara J Jensen'");
    user_ok("remove", "\"name.givenName\"", NULL, "remove name.givenName=NULL");
    user_ok("replace", "\"name.familyName\"", "null", "replace name.familyName=NULL");
    user_ok("replace", "\"name\"", "{\"givenName\":\"B\",\"familyName\":\"J\",\"middleName\":\"x\"}",
            "replace name.givenName='B'; replace name.familyName='J'");
    user_ok("replace", "\"name\"", "{\"formatted\":\"F\",\"familyName\":\"J\",\"givenName\":\"B\"}",
            "replace name.givenName='B'; replace name.familyName='J'; replace name.formatted='F'");
    user_ok("replace", "\"name.middleName\"", "\"x\"", "");
    user_ok("replace", "\"emails[type eq \\\"work\\\"].value\"", "\"w@x.y\"", "replace emails='w@x.y'");
    user_ok("Add", "\"emails[type eq \\\"work\\\"].value\"", "\"w@x.y\"", "add emails='w@x.y'");
    user_ok("replace", "\"emails[primary eq true].value\"", "\"p@x.y\"", "replace emails='p@x.y'");
    user_ok("replace", "\"emails[TYPE EQ \\\"Work\\\" and primary eq true].value\"", "\"p@x.y\"", "replace emails='p@x.y'");
    user_ok("replace", "\"emails[type ne \\\"home\\\"].value\"", "\"p@x.y\"", "replace emails='p@x.y'");
    user_ok("replace", "\"emails[not (type eq \\\"home\\\")].value\"", "\"p@x.y\"", "replace emails='p@x.y'");
    user_ok("replace", "\"emails[type eq \\\"work\\\"]\"", "{\"value\":\"o@x.y\"}", "replace emails='o@x.y'");
    user_ok("replace", "\"emails[type eq \\\"work\\\"].primary\"", "true", "");
    user_ok("add", "\"emails[type eq \\\"home\\\"].value\"", "\"h@x.y\"", "");
    user_ok("replace", "\"emails\"", "[{\"value\":\"a@x.y\",\"type\":\"home\"},{\"value\":\"b@x.y\",\"primary\":true}]", "replace emails='b@x.y'");
    user_ok("replace", "\"emails\"", "[{\"value\":\"a@x.y\"},{\"value\":\"b@x.y\"}]", "replace emails='a@x.y'");
    user_ok("replace", "\"emails\"", "[{\"value\":\"a@x.y\"},{\"value\":\"b@x.y\",\"primary\":\"True\"}]", "replace emails='b@x.y'");
    user_ok("add", "\"emails\"", "{\"value\":\"a@x.y\"}", "add emails='a@x.y'");
    user_ok("replace", "\"emails.value\"", "\"a@x.y\"", "replace emails='a@x.y'");
    user_ok("replace", "\"externalId\"", "\"00u1\"", "replace externalId='00u1'");
    user_ok("Add", "\"externalId\"", "\"00u1\"", "add externalId='00u1'");
    user_ok("remove", "\"externalId\"", NULL, "remove externalId=NULL");
    user_ok("replace", "\"externalId\"", "null", "replace externalId=NULL");
    user_ok("replace", "\"password\"", "\"s3cret!\"", "replace password='s3cret!'");
    user_ok("replace", "\"photos\"", "[{\"value\":\"https://x/p.png\",\"type\":\"photo\"}]", "replace photos='https://x/p.png'");
    user_ok("replace", "\"photos\"", "[]", "replace photos=NULL");
    user_ok("remove", "\"photos\"", NULL, "remove photos=NULL");
    user_ok("replace", "\"photos[type eq \\\"photo\\\"].value\"", "\"https://x/q.png\"", "replace photos='https://x/q.png'");
    /* not kept: no op */
    user_ok("replace", "\"title\"", "\"Boss\"", "");
    user_ok("replace", "\"roles\"", "[]", "");
    user_ok("replace", "\"groups\"", "[]", "");
    user_ok("replace", "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager\"", "{\"value\":\"x\"}", "");
    user_ok("replace", "\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department\"", "\"R&D\"", "");
    user_ok("remove", "\"title\"", NULL, "");
    user_ok("replace", "\"id\"", "\"" GID "\"", "");
    /* valueless add/replace: keys are names or paths */
    user_ok("replace", NULL, "{\"active\":false}", "replace active=false");
    user_ok("replace", NULL, "{\"active\":true}", "replace active=true");
    user_ok("Replace", NULL, "{\"name.givenName\":\"G\",\"name.familyName\":\"F\",\"emails[type eq \\\"work\\\"].value\":\"e@x.y\",\"active\":\"False\"}",
            "replace name.givenName='G'; replace name.familyName='F'; replace emails='e@x.y'; replace active=false");
    user_ok("add", NULL, "{\"externalId\":\"e1\",\"displayName\":\"D\",\"title\":\"t\",\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":{\"department\":\"x\"}}",
            "add externalId='e1'; add displayName='D'");
    user_ok("replace", NULL, "{\"urn:ietf:params:scim:schemas:core:2.0:User:userName\":\"a@b.c\"}", "replace userName='a@b.c'");
    user_ok("replace", NULL, "{\"urn:ietf:params:scim:schemas:core:2.0:User\":{\"userName\":\"a@b.c\",\"active\":false}}", "replace userName='a@b.c'; replace active=false");
    user_ok("replace", NULL, "{\"schemas\":[\"x\"],\"id\":\"" GID "\",\"meta\":null}", "400 mutability: Operations[0]: meta cannot be changed");
    user_ok("replace", NULL, "{}", "");
    body_ok(U, "{\"Operations\":[{\"op\":\"replace\",\"path\":\"active\",\"value\":false},{\"op\":\"remove\",\"path\":\"externalId\"},{\"op\":\"add\",\"value\":{\"externalId\":\"z\"}}]}",
            "replace active=false; remove externalId=NULL; add externalId='z'");
    body_ok(U, "{\"operations\":[{\"OP\":\"replace\",\"PATH\":\"active\",\"Value\":false}]}", "replace active=false");
    body_ok(U, "{\"Operations\":[{\"op\":\"replace\",\"path\":null,\"value\":{\"active\":false}}]}", "replace active=false");

    /* ---- users: every refusal ---- */
    body_refused(U, "[]", SCIM_INVALID_SYNTAX, "the body must be a JSON object");
    body_refused(U, "\"x\"", SCIM_INVALID_SYNTAX, "JSON object");
    {
        struct scim_patch p;
        struct scim_error err = { 0 };
        ok(!scim_patch_parse(A, U, NULL, GID, &p, &err) && err.type == SCIM_INVALID_SYNTAX &&
           err.status == 400 && p.n == 0, "no body: invalidSyntax");
    }
    body_refused(U, "{}", SCIM_INVALID_SYNTAX, "Operations must be a list");
    body_refused(U, "{\"Operations\":{}}", SCIM_INVALID_SYNTAX, "Operations must be a list");
    body_refused(U, "{\"Operations\":null}", SCIM_INVALID_SYNTAX, "Operations must be a list");
    body_refused(U, "{\"Operations\":[]}", SCIM_INVALID_VALUE, "Operations is empty");
    body_refused(U, "{\"Operations\":[1]}", SCIM_INVALID_SYNTAX, "Operations[0]: an operation must be an object");
    body_refused(U, "{\"Operations\":[{\"op\":\"replace\",\"path\":\"active\",\"value\":true},\"x\"]}", SCIM_INVALID_SYNTAX, "Operations[1]:");
    body_refused(U, "{\"Operations\":[{\"path\":\"active\",\"value\":true}]}", SCIM_INVALID_SYNTAX, "op must be add, replace or remove");
    refused(U, "delete", "\"active\"", "true", SCIM_INVALID_SYNTAX, "op must be add, replace or remove");
    refused(U, "", "\"active\"", "true", SCIM_INVALID_SYNTAX, "op must be");
    body_refused(U, "{\"Operations\":[{\"op\":5,\"path\":\"active\",\"value\":true}]}", SCIM_INVALID_SYNTAX, "op must be");
    refused(U, "replace", "5", "true", SCIM_INVALID_PATH, "path must be a string");
    refused(U, "replace", "\"\"", "true", SCIM_INVALID_PATH, "empty path");
    refused(U, "replace", "\"emails[type eq \\\"work\\\".value\"", "\"a@b.c\"", SCIM_INVALID_PATH, "expected ']'");
    refused(U, "replace", "\"emails[type eq \\\"work\\\"\"", "\"a@b.c\"", SCIM_INVALID_PATH, "missing ']'");
    refused(U, "replace", "\"emails]\"", "\"a@b.c\"", SCIM_INVALID_PATH, "unbalanced brackets");
    refused(U, "replace", "\"emails[type eq work].value\"", "\"a@b.c\"", SCIM_INVALID_PATH, "expected a value");
    refused(U, "replace", "\"emails[value eq \\\"a\\\"].value\"", "\"a@b.c\"", SCIM_INVALID_PATH, "a filter on emails may compare type");
    refused(U, "replace", "\"emails[type gt \\\"a\\\"].value\"", "\"a@b.c\"", SCIM_INVALID_PATH, "a filter on emails");
    refused(U, "replace", "\"emails.foo\"", "\"a@b.c\"", SCIM_INVALID_PATH, "emails has no sub-attribute foo");
    refused(U, "replace", "\"name.foo\"", "\"x\"", SCIM_INVALID_PATH, "name has no sub-attribute foo");
    refused(U, "replace", "\"name[givenName pr]\"", "\"x\"", SCIM_INVALID_PATH, "name takes no value filter");
    refused(U, "replace", "\"active.value\"", "true", SCIM_INVALID_PATH, "active has no sub-attributes");
    refused(U, "replace", "\"userName[x pr]\"", "\"a\"", SCIM_INVALID_PATH, "userName has no sub-attributes");
    refused(U, "replace", "\"externalId.x\"", "\"a\"", SCIM_INVALID_PATH, "externalId has no sub-attributes");
    refused(U, "replace", "\"a b\"", "1", SCIM_INVALID_PATH, "unexpected 'b' at position 2");
    refused(U, "replace", NULL, "{\"emails[type\":\"a@b.c\"}", SCIM_INVALID_PATH, "key 'emails[type'");
    refused(U, "replace", "\"active\"", "\"yes\"", SCIM_INVALID_VALUE, "active must be true or false");
    refused(U, "replace", "\"active\"", "1", SCIM_INVALID_VALUE, "active must be true or false");
    refused(U, "replace", "\"active\"", "null", SCIM_INVALID_VALUE, "active must be true or false");
    refused(U, "replace", NULL, "{\"active\":\"no\"}", SCIM_INVALID_VALUE, "active must be true or false");
    refused(U, "remove", "\"active\"", NULL, SCIM_INVALID_VALUE, "active cannot be removed");
    refused(U, "replace", "\"active\"", NULL, SCIM_INVALID_VALUE, "replace needs a value");
    refused(U, "add", "\"externalId\"", NULL, SCIM_INVALID_VALUE, "add needs a value");
    refused(U, "replace", NULL, NULL, SCIM_INVALID_VALUE, "replace needs a value");
    refused(U, "replace", NULL, "[{\"active\":false}]", SCIM_INVALID_VALUE, "without a path needs an object");
    refused(U, "add", NULL, "\"x\"", SCIM_INVALID_VALUE, "without a path needs an object");
    refused(U, "replace", "\"userName\"", "5", SCIM_INVALID_VALUE, "userName must be a string");
    refused(U, "replace", "\"userName\"", "null", SCIM_INVALID_VALUE, "userName cannot be null");
    refused(U, "remove", "\"userName\"", NULL, SCIM_INVALID_VALUE, "userName cannot be removed");
    refused(U, "replace", "\"displayName\"", "[]", SCIM_INVALID_VALUE, "displayName must be a string");
    refused(U, "remove", "\"displayName\"", NULL, SCIM_INVALID_VALUE, "displayName cannot be removed");
    refused(U, "replace", "\"externalId\"", "42", SCIM_INVALID_VALUE, "externalId must be a string");
    refused(U, "replace", "\"externalId\"", "\"a\\u0000b\"", SCIM_INVALID_VALUE, "NUL character");
    refused(U, "replace", "\"password\"", "true", SCIM_INVALID_VALUE, "password must be a string");
    refused(U, "remove", "\"password\"", NULL, SCIM_INVALID_VALUE, "password cannot be removed");
    refused(U, "replace", "\"name.givenName\"", "{}", SCIM_INVALID_VALUE, "name.givenName must be a string");
    refused(U, "replace", "\"name.formatted\"", "null", SCIM_INVALID_VALUE, "name.formatted cannot be null");
    refused(U, "replace", "\"name\"", "\"x\"", SCIM_INVALID_VALUE, "name must be an object");
    refused(U, "remove", "\"name\"", NULL, SCIM_INVALID_VALUE, "name cannot be removed");
    refused(U, "replace", "\"emails\"", "[]", SCIM_INVALID_VALUE, "emails must hold an address");
    refused(U, "replace", "\"emails\"", "\"a@b.c\"", SCIM_INVALID_VALUE, "emails must be a list");
    refused(U, "replace", "\"emails\"", "[\"a@b.c\"]", SCIM_INVALID_VALUE, "emails must be a list of objects");
    refused(U, "replace", "\"emails\"", "[{\"type\":\"work\"}]", SCIM_INVALID_VALUE, "emails must hold an address");
    refused(U, "replace", "\"emails\"", "[{\"value\":5}]", SCIM_INVALID_VALUE, "emails must be a string");
    refused(U, "remove", "\"emails\"", NULL, SCIM_INVALID_VALUE, "emails cannot be removed");
    refused(U, "remove", "\"emails[type eq \\\"work\\\"]\"", NULL, SCIM_INVALID_VALUE, "emails cannot be removed");
    refused(U, "remove", "\"emails[type eq \\\"work\\\"].value\"", NULL, SCIM_INVALID_VALUE, "emails cannot be removed");
    refused(U, "replace", "\"photos\"", "5", SCIM_INVALID_VALUE, "photos must be a list");
    refused(U, "replace", "\"photos\"", "[{\"value\":1}]", SCIM_INVALID_VALUE, "photos must be a string");
    refused(U, "replace", "\"id\"", "\"other\"", SCIM_MUTABILITY, "id cannot be changed");
    refused(U, "remove", "\"id\"", NULL, SCIM_MUTABILITY, "id cannot be changed");
    refused(U, "replace", "\"ID\"", "5", SCIM_MUTABILITY, "id cannot be changed");
    refused(U, "replace", "\"meta\"", "{}", SCIM_MUTABILITY, "meta cannot be changed");
    refused(U, "replace", "\"meta.lastModified\"", "\"2026-01-01T00:00:00Z\"", SCIM_MUTABILITY, "meta cannot be changed");
    refused(U, "replace", "\"urn:ietf:params:scim:schemas:core:2.0:User:id\"", "\"x\"", SCIM_MUTABILITY, "id cannot be changed");
    refused(U, "replace", NULL, "{\"id\":\"x\",\"active\":true}", SCIM_MUTABILITY, "id cannot be changed");
    refused(U, "remove", NULL, NULL, SCIM_NO_TARGET, "remove needs a path");
    refused(U, "Remove", NULL, "{\"externalId\":\"x\"}", SCIM_NO_TARGET, "remove needs a path");
    refused(U, "replace", "\"emails[type eq \\\"home\\\"].value\"", "\"h@x.y\"", SCIM_NO_TARGET, "matches no address");
    refused(U, "replace", "\"emails[primary eq false].value\"", "\"h@x.y\"", SCIM_NO_TARGET, "matches no address");
    /* all or none: a refused op later in the body leaves no ops */
    {
        struct json_object *j = json_tokener_parse(
            "{\"Operations\":[{\"op\":\"replace\",\"path\":\"active\",\"value\":false},"
            "{\"op\":\"bogus\"}]}");
        struct scim_patch p;
        struct scim_error err = { 0 };
        ok(!scim_patch_parse(A, U, j, GID, &p, &err) && p.n == 0 && p.ops == NULL &&
           strstr(err.detail, "Operations[1]"), "a refused second op: no ops at all");
        json_object_put(j);
    }
    /* too many operations */
    {
        struct json_object *list = json_object_new_array();
        for (int k = 0; k < SCIM_PATCH_MAX_OPS + 1; k++)
            json_object_array_add(list, json_tokener_parse("{\"op\":\"replace\",\"path\":\"active\",\"value\":true}"));
        struct json_object *j = json_object_new_object();
        json_object_object_add(j, "Operations", list);
        struct scim_patch p;
        struct scim_error err = { 0 };
        ok(!scim_patch_parse(A, U, j, GID, &p, &err) && err.type == SCIM_INVALID_VALUE &&
           strstr(err.detail, "too many"), "%d operations: too many", SCIM_PATCH_MAX_OPS + 1);
        json_object_array_del_idx(list, 0, 1);
        ok(scim_patch_parse(A, U, j, GID, &p, &err) && p.n == SCIM_PATCH_MAX_OPS,
           "%d operations: fine", SCIM_PATCH_MAX_OPS);
        json_object_put(j);
    }

    /* ---- groups (Okta, Entra) ---- */
    group_ok("add", "\"members\"", "[{\"value\":\"u1\",\"display\":\"A\"},{\"value\":\"u2\"}]", "add members [u1,u2]");
    group_ok("Add", "\"members\"", "[{\"$ref\":null,\"value\":\"u1\"}]", "add members [u1]");
    group_ok("add", "\"Members\"", "{\"value\":\"u1\"}", "add members [u1]");
    group_ok("add", "\"members\"", "[]", "add members []");
    group_ok("remove", "\"members[value eq \\\"u1\\\"]\"", NULL, "remove members [u1]");
    group_ok("remove", "\"members[VALUE EQ \\\"u1\\\" or value eq \\\"u2\\\"]\"", NULL, "remove members [u1,u2]");
    group_ok("Remove", "\"members\"", "[{\"$ref\":null,\"value\":\"u1\"},{\"value\":\"u2\"}]", "remove members [u1,u2]");
    group_ok("remove", "\"members\"", NULL, "remove members ALL");
    group_ok("remove", "\"members\"", "null", "remove members ALL");
    group_ok("replace", "\"members\"", "[{\"value\":\"u3\"}]", "replace members [u3]");
    group_ok("replace", "\"members\"", "[]", "replace members []");
    group_ok("Replace", "\"displayName\"", "\"Renamed\"", "replace displayName='Renamed'");
    group_ok("replace", "\"urn:ietf:params:scim:schemas:core:2.0:Group:displayName\"", "\"R\"", "replace displayName='R'");
    group_ok("replace", NULL, "{\"id\":\"" GID "\",\"displayName\":\"Okta name\"}", "replace displayName='Okta name'");
    group_ok("add", NULL, "{\"members\":[{\"value\":\"u1\"}],\"externalId\":\"e\"}", "add members [u1]; add externalId='e'");
    group_ok("replace", "\"externalId\"", "\"e\"", "replace externalId='e'");
    group_ok("remove", "\"externalId\"", NULL, "remove externalId=NULL");
    group_ok("replace", "\"description\"", "\"x\"", "");
    group_ok("replace", "\"urn:ietf:params:scim:schemas:extension:x:2.0:Group:foo\"", "\"x\"", "");
    group_ok("replace", "\"active\"", "\"x\"", "");
    refused(G, "replace", NULL, "{\"id\":\"another\",\"displayName\":\"x\"}", SCIM_MUTABILITY, "id cannot be changed");
    refused(G, "replace", "\"id\"", "\"another\"", SCIM_MUTABILITY, "id cannot be changed");
    refused(G, "replace", "\"meta.version\"", "\"x\"", SCIM_MUTABILITY, "meta cannot be changed");
    refused(G, "remove", "\"displayName\"", NULL, SCIM_INVALID_VALUE, "displayName cannot be removed");
    refused(G, "replace", "\"displayName\"", "{}", SCIM_INVALID_VALUE, "displayName must be a string");
    refused(G, "add", "\"members\"", "[{\"value\":5}]", SCIM_INVALID_VALUE, "string ids");
    refused(G, "add", "\"members\"", "[{\"display\":\"x\"}]", SCIM_INVALID_VALUE, "string ids");
    refused(G, "add", "\"members\"", "[\"u1\"]", SCIM_INVALID_VALUE, "string ids");
    refused(G, "add", "\"members\"", "\"u1\"", SCIM_INVALID_VALUE, "members must be a list");
    refused(G, "add", "\"members\"", "null", SCIM_INVALID_VALUE, "members must be a list");
    refused(G, "remove", "\"members\"", "5", SCIM_INVALID_VALUE, "members must be a list");
    refused(G, "remove", "\"members[display eq \\\"x\\\"]\"", NULL, SCIM_INVALID_PATH, "value eq");
    refused(G, "remove", "\"members[value ne \\\"x\\\"]\"", NULL, SCIM_INVALID_PATH, "value eq");
    refused(G, "remove", "\"members[value eq \\\"x\\\" and value eq \\\"y\\\"]\"", NULL, SCIM_INVALID_PATH, "value eq");
    refused(G, "remove", "\"members[value eq 5]\"", NULL, SCIM_INVALID_PATH, "value eq");
    refused(G, "replace", "\"members[value eq \\\"x\\\"]\"", "[]", SCIM_INVALID_PATH, "only for remove");
    refused(G, "remove", "\"members[value eq \\\"x\\\"].display\"", NULL, SCIM_INVALID_PATH, "no sub-attribute");
    refused(G, "remove", "\"members.value\"", NULL, SCIM_INVALID_PATH, "no sub-attribute");
    refused(G, "remove", "\"members[value eq \\\"x\\\"\"", NULL, SCIM_INVALID_PATH, "missing ']'");
    refused(G, "remove", NULL, NULL, SCIM_NO_TARGET, "remove needs a path");
    refused(G, "Delete", "\"members\"", NULL, SCIM_INVALID_SYNTAX, "op must be");

    /* ---- helpers for POST and PUT ---- */
    {
        static const struct { const char *json; int want; } bools[] = {
            { "true", 1 }, { "false", 0 }, { "\"True\"", 1 }, { "\"FALSE\"", 0 },
            { "\"false\"", 0 }, { "\"yes\"", -1 }, { "1", -1 }, { "0", -1 }, { "null", -1 },
            { "\"\"", -1 }, { "[]", -1 }, { "\" true\"", -1 },
        };
        for (size_t k = 0; k < sizeof bools / sizeof bools[0]; k++) {
            struct json_object *v = json_tokener_parse(bools[k].json);
            bool b = false;
            bool r = scim_json_bool(v, &b);
            ok(bools[k].want < 0 ? !r : r && b == (bools[k].want == 1), "scim_json_bool(%s)",
               bools[k].json);
            json_object_put(v);
        }
        static const struct { const char *json; const char *want; } items[] = {
            { "[{\"value\":\"a\"},{\"value\":\"b\",\"primary\":true}]", "b" },
            { "[{\"value\":\"a\"},{\"value\":\"b\",\"primary\":\"TRUE\"}]", "b" },
            { "[{\"value\":\"a\",\"primary\":false},{\"value\":\"b\"}]", "a" },
            { "[{\"value\":\"a\",\"primary\":true},{\"value\":\"b\",\"primary\":true}]", "a" },
            { "{\"value\":\"c\"}", "c" },
            { "[]", NULL }, { "\"a\"", NULL }, { "[{\"value\":\"a\"},\"b\"]", NULL }, { "null", NULL },
        };
        for (size_t k = 0; k < sizeof items / sizeof items[0]; k++) {
            struct json_object *v = json_tokener_parse(items[k].json);
            struct json_object *it = scim_primary_item(v);
            is_str(it ? json_object_get_string(json_object_object_get(it, "value")) : NULL,
                   items[k].want, "scim_primary_item(%s)", items[k].json);
            json_object_put(v);
        }
    }

    /* ---- the error model ---- */
    is_str(scim_type_name(SCIM_INVALID_FILTER), "invalidFilter", "invalidFilter");
    is_str(scim_type_name(SCIM_TOO_MANY), "tooMany", "tooMany");
    is_str(scim_type_name(SCIM_UNIQUENESS), "uniqueness", "uniqueness");
    is_str(scim_type_name(SCIM_MUTABILITY), "mutability", "mutability");
    is_str(scim_type_name(SCIM_INVALID_SYNTAX), "invalidSyntax", "invalidSyntax");
    is_str(scim_type_name(SCIM_INVALID_PATH), "invalidPath", "invalidPath");
    is_str(scim_type_name(SCIM_NO_TARGET), "noTarget", "noTarget");
    is_str(scim_type_name(SCIM_INVALID_VALUE), "invalidValue", "invalidValue");
    is_str(scim_type_name(SCIM_INVALID_VERS), "invalidVers", "invalidVers");
    is_str(scim_type_name(SCIM_SENSITIVE), "sensitive", "sensitive");
    ok(scim_type_name(SCIM_TYPE_NONE) == NULL && scim_type_name(SCIM_TYPE_COUNT) == NULL &&
       scim_type_name((enum scim_type)-1) == NULL, "no name for none or out of range");
    {
        struct json_object *e = scim_error_json(409, SCIM_UNIQUENESS, "userName is taken");
        is_str(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN),
               "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"409\","
               "\"scimType\":\"uniqueness\",\"detail\":\"userName is taken\"}", "a 409 error body");
        json_object_put(e);
        e = scim_error_json(404, SCIM_TYPE_NONE, "Resource x not found");
        is_str(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN),
               "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"404\","
               "\"detail\":\"Resource x not found\"}", "a 404 error body: no scimType");
        json_object_put(e);
        e = scim_error_json(412, SCIM_TYPE_NONE, NULL);
        is_str(json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN),
               "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"412\"}",
               "no detail");
        json_object_put(e);
    }

    arena_free(A);
    return tap_done();
}
