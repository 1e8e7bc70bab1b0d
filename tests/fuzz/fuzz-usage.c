/* libFuzzer harness: the period of GET /users/usage from any arguments (usage_period) and,
 * for the periods it accepts, the answer's calendar (usage_empty) in any time zone name.
 * Input: up to five lines "days", "start_date", "end_date", "created_at", "timezone"; an
 * empty line is an absent parameter; numbers as the request layer reads them (strtoll,
 * out of range refused). Build and run: `make fuzz`. */
#include "config.h"

#include "usher/usage.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Line i of the input as a number: *given false for an empty or missing line; -1 when it
 * is not one (the request layer's 422). */
static int number(char **lines, size_t n, size_t i, bool *given, long long *v)
{
    *given = i < n && lines[i][0];
    *v = 0;
    if (!*given)
        return 0;
    char *end;
    errno = 0;
    *v = strtoll(lines[i], &end, 10);
    return *end || errno == ERANGE ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '\0', size))
        return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    char *lines[5];
    size_t n = 0;
    for (char *p = s; n < 5;) {
        lines[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    struct usage_args q;
    bool has_created;
    long long created;
    if (number(lines, n, 0, &q.has_days, &q.days) == 0 &&
        number(lines, n, 1, &q.has_start, &q.start) == 0 &&
        number(lines, n, 2, &q.has_end, &q.end) == 0 &&
        number(lines, n, 3, &has_created, &created) == 0) {
        long long start = -1, end = -1;
        const long long now = 1753617600;   /* 2025-07-27T12:00:00Z */
        if (usage_period(&q, now, created, &start, &end) == USAGE_OK) {
            if (start > end || end > USAGE_MAX_DATE || start < -732LL * 86400 ||
                (end - start) / 86400 >= USAGE_MAX_DAYS)
                abort();
            /* the calendar of short periods (a century takes a while under ASan) */
            if ((end - start) / 86400 < 400) {
                const char *tz = n > 4 ? lines[4] : NULL;
                struct json_object *o = usage_empty(start, end, tz);
                size_t days = json_object_array_length(json_object_object_get(o, "heatmap"));
                if (days < 1 || (long long)days > (end - start) / 86400 + 3)
                    abort();
                json_object_put(o);
            }
        }
    }
    free(s);
    return 0;
}
