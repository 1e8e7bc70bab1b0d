#ifndef USHER_USAGE_H
#define USHER_USAGE_H
/* GET /users/usage (deltas §2.3). usher keeps no chats, so the answer is the reference's
 * empty one: zero totals and insights, and zero-filled heatmaps over the period, in the
 * user's time zone. */
#include <stdbool.h>
#include <json-c/json.h>

/* The longest period answered, in days (a century): the heatmaps have one entry a day. */
#define USAGE_MAX_DAYS 36600

/* True for a time zone name usher will look up (an IANA name such as "Europe/Berlin":
 * letters, digits, '_', '+', '-', '/' and no "..", not starting with '/'). Anything else is
 * taken as UTC. */
bool usage_timezone_ok(const char *tz);
/* The empty usage answer for the period [start, end] (epoch seconds, start <= end, at most
 * USAGE_MAX_DAYS apart) with the calendar days of tz (NULL or not usage_timezone_ok: UTC).
 * Sets TZ for the computation and restores it. Returns a new object. */
struct json_object *usage_empty(long long start, long long end, const char *tz);

#endif
