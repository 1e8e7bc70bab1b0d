#ifndef USHER_USAGE_H
#define USHER_USAGE_H
/* GET /users/usage (deltas §2.3). usher keeps no chats, so the answer is the reference's
 * empty one: zero totals and insights, and zero-filled heatmaps over the period, in the
 * user's time zone. */
#include <stdbool.h>
#include <json-c/json.h>

/* The longest period answered, in days (a century): the heatmaps have one entry a day. */
#define USAGE_MAX_DAYS 36600

/* The dates a request may name: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
#define USAGE_MIN_DATE 0LL
#define USAGE_MAX_DATE 253402300799LL
/* The range of the days parameter. */
#define USAGE_MIN_DAYS_ARG 7
#define USAGE_MAX_DAYS_ARG 732

/* The query of GET /users/usage, as parsed integers (has_*: the parameter was given). */
struct usage_args {
    bool has_days, has_start, has_end;
    long long days, start, end;
};
enum usage_verdict {
    USAGE_OK,
    USAGE_BAD_DAYS,          /* days outside USAGE_MIN_DAYS_ARG..USAGE_MAX_DAYS_ARG */
    USAGE_BAD_START,         /* start_date outside USAGE_MIN_DATE..USAGE_MAX_DATE */
    USAGE_BAD_END,           /* end_date likewise */
    USAGE_START_AFTER_END,
    USAGE_TOO_LONG,          /* USAGE_MAX_DAYS or more days apart */
};
/* The period [*start, *end] of the arguments (deltas §2.3): end is end_date, or now when
 * absent or 0; start is start_date, else end - (days - 1) days with days, else the later of
 * created_at and end - 729 days. Every given value is checked before any arithmetic, so no
 * input overflows; now must lie within the dates. On USAGE_OK, *start <= *end, they are
 * less than USAGE_MAX_DAYS days apart and neither is outside -732 days .. USAGE_MAX_DATE.
 * Pure. */
enum usage_verdict usage_period(const struct usage_args *q, long long now, long long created_at,
                                long long *start, long long *end);

/* True for a time zone name usher will look up (an IANA name such as "Europe/Berlin":
 * letters, digits, '_', '+', '-', '/' and no "..", not starting with '/'). Anything else is
 * taken as UTC. */
bool usage_timezone_ok(const char *tz);
/* The empty usage answer for the period [start, end] (epoch seconds, start <= end, at most
 * USAGE_MAX_DAYS apart) with the calendar days of tz (NULL or not usage_timezone_ok: UTC).
 * Sets TZ for the computation and restores it. Returns a new object. */
struct json_object *usage_empty(long long start, long long end, const char *tz);

#endif
