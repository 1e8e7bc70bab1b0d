/* Tests of the group model's pure helpers: DEFAULT_GROUP_SHARE_PERMISSION's reading, the
 * data a new group stores, and the resource type names of the previews. */
#include "config.h"

#include "usher/db_resources.h"
#include "usher/group.h"
#include "tap.h"

#include <string.h>

static const char *text(struct json_object *v)
{
    static char bufs[4][1024];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof(bufs[0]), "%s",
             v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "(NULL)");
    return b;
}

static void share_is(const char *env, const char *want)
{
    struct json_object *v = group_share_default(env);
    is_str(text(v), want, "share default for %s%s%s", env ? "'" : "", env ? env : "unset",
           env ? "'" : "");
    json_object_put(v);
}

static void new_data_is(const char *data, const char *share, const char *want)
{
    struct json_object *d = data ? json_tokener_parse(data) : NULL;
    struct json_object *s = json_tokener_parse(share);
    struct json_object *out = group_new_data(d, s);
    is_str(text(out), want, "new data from %s", data ? data : "NULL");
    if (d)
        is_str(text(d), data, "  the given data is not changed");
    json_object_put(out);
    json_object_put(d);
    json_object_put(s);
}

int main(void)
{
    share_is(NULL, "\"members\"");
    share_is("members", "\"members\"");
    share_is("  MEMBERS\t", "\"members\"");
    share_is("true", "true");
    share_is(" True ", "true");
    share_is("false", "false");
    share_is("1", "false");          /* only "true" counts, as the reference reads it */
    share_is("", "false");
    share_is("members-and-more-than-sixteen", "false");

    new_data_is(NULL, "\"members\"", "{\"config\":{\"share\":\"members\"}}");
    new_data_is("{}", "true", "{\"config\":{\"share\":true}}");
    new_data_is("{\"x\":1}", "false", "{\"x\":1,\"config\":{\"share\":false}}");
    new_data_is("{\"config\":{\"share\":false}}", "true", "{\"config\":{\"share\":false}}");
    new_data_is("{\"config\":{\"share\":null}}", "true", "{\"config\":{\"share\":null}}");
    new_data_is("{\"config\":{\"a\":2}}", "true", "{\"config\":{\"a\":2,\"share\":true}}");
    new_data_is("{\"config\":5}", "true", "{\"config\":5}");
    new_data_is("[1]", "true", "{\"config\":{\"share\":true}}");

    for (int t = 0; t < RESOURCE__COUNT; t++)
        is_int(resource_type_parse(resource_type_name((enum resource_type)t)), t,
               "resource type %s round-trips", resource_type_name((enum resource_type)t));
    is_str(resource_type_name(RESOURCE_KNOWLEDGE), "knowledge", "knowledge is singular");
    is_int(resource_type_parse("models"), -1, "plural is no type");
    is_int(resource_type_parse("Model"), -1, "types are lowercase");
    is_int(resource_type_parse(NULL), -1, "NULL is no type");
    is_str(resource_type_name((enum resource_type)7), "", "out of range: empty name");
    return tap_done();
}
