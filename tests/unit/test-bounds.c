/* Issue 15's bounds, pure parts: the caps of a user's settings and info (user_doc.h) and
 * the period of GET /users/usage from any integers, INT64 extremes included (usage.h). */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "usher/arena.h"
#include "usher/usage.h"
#include "usher/user_doc.h"

static struct json_object *object_of(size_t keys)
{
    struct json_object *o = json_object_new_object();
    char k[32];
    for (size_t i = 0; i < keys; i++) {
        snprintf(k, sizeof(k), "k%zu", i);
        json_object_object_add(o, k, json_object_new_int(1));
    }
    return o;
}

static void test_user_doc(struct arena *a)
{
    const struct user_doc_limits lim = { 1000, 3 };
    struct json_object *three = object_of(3), *four = object_of(4);
    is_int(user_doc_check(three, 1000, &lim), USER_DOC_OK, "at both limits: fits");
    is_int(user_doc_check(three, 1001, &lim), USER_DOC_TOO_LARGE, "one byte over max_size");
    is_int(user_doc_check(four, 10, &lim), USER_DOC_TOO_MANY_KEYS, "one key over max_keys");
    is_int(user_doc_check(four, 5000, &lim), USER_DOC_TOO_LARGE, "both over: the size first");
    is_int(user_doc_check(four, SIZE_MAX, NULL), USER_DOC_OK, "no limits");
    const struct user_doc_limits off = { 0, 0 };
    is_int(user_doc_check(four, SIZE_MAX, &off), USER_DOC_OK, "0 turns a limit off");
    struct json_object *arr = json_object_new_array();
    is_int(user_doc_check(arr, 10, &lim), USER_DOC_OK, "not an object: no keys to count");
    is_int(user_doc_check(NULL, 10, &lim), USER_DOC_OK, "null: no keys to count");
    const char *d = user_doc_detail(a, "settings", USER_DOC_TOO_LARGE, three, 1001, &lim);
    ok(strstr(d, "user_data.max_size") && strstr(d, "1000") && strstr(d, "settings"),
       "size detail names the limit: %s", d);
    d = user_doc_detail(a, "info", USER_DOC_TOO_MANY_KEYS, four, 10, &lim);
    ok(strstr(d, "user_data.max_keys") && strstr(d, "3") && strstr(d, "info"),
       "keys detail names the limit: %s", d);
    ok(USER_DOC_MAX_SIZE_DEFAULT == 262144 && USER_DOC_MAX_KEYS_DEFAULT == 1000,
       "defaults: 256K and 1000 keys");
    json_object_put(three);
    json_object_put(four);
    json_object_put(arr);
}

/* The period of q at now = 2025-07-27T12:00:00Z for a user created at created. */
#define NOW 1753617600LL
static enum usage_verdict period(struct usage_args q, long long created, long long *s,
                                 long long *e)
{
    *s = *e = -12345;
    return usage_period(&q, NOW, created, s, e);
}

static void test_usage_extremes(void)
{
    long long s, e;
    const long long ext[] = { LLONG_MIN, LLONG_MIN + 1, -86400, -1, USAGE_MAX_DATE + 1,
                              LLONG_MAX - 86400, LLONG_MAX };
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
        is_int(period((struct usage_args){ .has_start = true, .start = ext[i] }, 0, &s, &e),
               USAGE_BAD_START, "start_date %lld refused", ext[i]);
        ok(s == -12345 && e == -12345, "nothing computed for start_date %lld", ext[i]);
        is_int(period((struct usage_args){ .has_end = true, .end = ext[i] }, 0, &s, &e),
               USAGE_BAD_END, "end_date %lld refused", ext[i]);
        is_int(period((struct usage_args){ .has_start = true, .start = 0, .has_end = true,
                                           .end = ext[i] }, 0, &s, &e),
               USAGE_BAD_END, "end_date %lld refused beside a good start", ext[i]);
        is_int(period((struct usage_args){ .has_days = true, .days = ext[i] }, 0, &s, &e),
               USAGE_BAD_DAYS, "days %lld refused", ext[i]);
    }
    is_int(period((struct usage_args){ .has_start = true, .start = LLONG_MIN, .has_end = true,
                                       .end = LLONG_MAX }, 0, &s, &e),
           USAGE_BAD_START, "INT64_MIN .. INT64_MAX: refused, no overflow");
    /* the range's ends answer their day */
    is_int(period((struct usage_args){ .has_start = true, .start = 0, .has_end = true,
                                       .end = 86399 }, 0, &s, &e), USAGE_OK, "1970-01-01");
    ok(s == 0 && e == 86399, "the first day: [0, 86399]");
    is_int(period((struct usage_args){ .has_start = true, .start = USAGE_MAX_DATE,
                                       .has_end = true, .end = USAGE_MAX_DATE }, 0, &s, &e),
           USAGE_OK, "9999-12-31T23:59:59Z");
    ok(s == USAGE_MAX_DATE && e == USAGE_MAX_DATE, "the last second");
    is_int(period((struct usage_args){ .has_start = true, .start = 0, .has_end = true,
                                       .end = USAGE_MAX_DATE }, 0, &s, &e),
           USAGE_TOO_LONG, "the whole range is too long a period");
    long long first = USAGE_MAX_DATE - (USAGE_MAX_DAYS - 1) * 86400LL - 86399;
    is_int(period((struct usage_args){ .has_start = true, .start = first, .has_end = true,
                                       .end = USAGE_MAX_DATE }, 0, &s, &e),
           USAGE_OK, "the longest period at the top end");
    is_int(period((struct usage_args){ .has_start = true, .start = first - 1, .has_end = true,
                                       .end = USAGE_MAX_DATE }, 0, &s, &e),
           USAGE_TOO_LONG, "one second longer");
    /* the contract's defaults */
    is_int(period((struct usage_args){ .has_end = true, .end = 0 }, NOW - 86400, &s, &e),
           USAGE_OK, "end_date 0 is now");
    ok(e == NOW && s == NOW - 86400, "from the account's creation to now");
    is_int(period((struct usage_args){ 0 }, LLONG_MIN, &s, &e), USAGE_OK,
           "created_at INT64_MIN: two years back");
    ok(s == NOW - 729 * 86400LL && e == NOW, "two years back to now");
    is_int(period((struct usage_args){ 0 }, LLONG_MAX, &s, &e), USAGE_START_AFTER_END,
           "created_at INT64_MAX: after the end");
    is_int(period((struct usage_args){ .has_days = true, .days = 7, .has_end = true, .end = 1 },
                  0, &s, &e), USAGE_OK, "7 days up to the first second");
    ok(s == 1 - 6 * 86400LL && e == 1, "start before 1970 computed without error");
    is_int(period((struct usage_args){ .has_days = true, .days = 732 }, 0, &s, &e), USAGE_OK,
           "732 days");
    is_int(period((struct usage_args){ .has_days = true, .days = 733 }, 0, &s, &e),
           USAGE_BAD_DAYS, "733 days");
    is_int(period((struct usage_args){ .has_start = true, .start = 10, .has_end = true,
                                       .end = 9 }, 0, &s, &e),
           USAGE_START_AFTER_END, "start after end");
    /* the answer at the ends, in zones either side of UTC */
    const char *zones[] = { NULL, "Pacific/Kiritimati", "Pacific/Pago_Pago" };
    for (size_t i = 0; i < 3; i++) {
        struct json_object *o = usage_empty(USAGE_MAX_DATE, USAGE_MAX_DATE, zones[i]);
        struct json_object *heat = json_object_object_get(o, "heatmap");
        ok(json_object_array_length(heat) == 1, "one day at the top end in %s",
           zones[i] ? zones[i] : "UTC");
        json_object_put(o);
        o = usage_empty(0, 0, zones[i]);
        heat = json_object_object_get(o, "heatmap");
        ok(json_object_array_length(heat) == 1, "one day at 0 in %s", zones[i] ? zones[i] : "UTC");
        json_object_put(o);
    }
    struct json_object *o = usage_empty(USAGE_MAX_DATE, USAGE_MAX_DATE, NULL);
    is_str(json_object_get_string(json_object_object_get(
               json_object_array_get_idx(json_object_object_get(o, "heatmap"), 0), "date")),
           "9999-12-31", "the last day's date");
    json_object_put(o);
    o = usage_empty(0, 86399, NULL);
    is_str(json_object_get_string(json_object_object_get(
               json_object_array_get_idx(json_object_object_get(o, "heatmap"), 0), "date")),
           "1970-01-01", "the first day's date");
    json_object_put(o);
}

int main(void)
{
    struct arena *a = arena_new(4096);
    test_user_doc(a);
    test_usage_extremes();
    arena_free(a);
    return tap_done();
}
