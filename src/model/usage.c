/* The empty usage answer (see usage.h). */
#include "config.h"
#include "usher/usage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool usage_timezone_ok(const char *tz)
{
    if (!tz || !tz[0] || tz[0] == '/' || strstr(tz, "..") || strlen(tz) > 64)
        return false;
    for (const char *p = tz; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '+' || *p == '-' || *p == '/'))
            return false;
    return true;
}

static bool date_ok(long long t)
{
    return t >= USAGE_MIN_DATE && t <= USAGE_MAX_DATE;
}

enum usage_verdict usage_period(const struct usage_args *q, long long now, long long created_at,
                                long long *start, long long *end)
{
    if (q->has_days && (q->days < USAGE_MIN_DAYS_ARG || q->days > USAGE_MAX_DAYS_ARG))
        return USAGE_BAD_DAYS;
    if (q->has_start && !date_ok(q->start))
        return USAGE_BAD_START;
    if (q->has_end && !date_ok(q->end))
        return USAGE_BAD_END;
    long long e = q->has_end && q->end ? q->end : now;
    if (!date_ok(e))
        e = e < USAGE_MIN_DATE ? USAGE_MIN_DATE : USAGE_MAX_DATE;   /* a clock gone wrong */
    long long s;
    if (q->has_start)
        s = q->start;
    else if (q->has_days)
        s = e - (q->days - 1) * 86400;   /* within -731 days of 0: no overflow */
    else {
        /* the later of the account's creation and two years back */
        long long floor = e - 729LL * 86400;
        s = created_at > floor ? created_at : floor;
    }
    if (s > e)
        return USAGE_START_AFTER_END;
    /* both within [-732 days, USAGE_MAX_DATE]: the difference cannot overflow */
    if ((e - s) / 86400 >= USAGE_MAX_DAYS)
        return USAGE_TOO_LONG;
    *start = s;
    *end = e;
    return USAGE_OK;
}

/* Days since 1970-01-01 of a civil date, and back (proleptic Gregorian calendar). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long long)yoe + era * 400 + (*m <= 2);
}

/* The UTC calendar day of t (days since the epoch, rounded down). */
static long long utc_day(long long t)
{
    return t / 86400 - (t % 86400 < 0);
}

/* The local calendar day of t in the zone TZ is set to (its UTC day if localtime_r fails). */
static long long local_day(long long t)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (!localtime_r(&tt, &tm))
        return utc_day(t);
    return days_from_civil(tm.tm_year + 1900LL, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
}

/* The local calendar day (days since the epoch) of each instant, in tz. */
static void local_days(long long start, long long end, const char *tz, long long *d0,
                       long long *d1)
{
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZ", tz && usage_timezone_ok(tz) ? tz : "UTC", 1);
    tzset();
    *d0 = local_day(start);
    *d1 = local_day(end);
    if (saved) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
}

static struct json_object *zero_day(long long day)
{
    long long y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    char date[32];
    snprintf(date, sizeof(date), "%04lld-%02u-%02u", y, m, d);
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "date", json_object_new_string(date));
    json_object_object_add(o, "messages", json_object_new_int(0));
    json_object_object_add(o, "chats", json_object_new_int(0));
    json_object_object_add(o, "tokens", json_object_new_int(0));
    json_object_object_add(o, "models", json_object_new_object());
    return o;
}

static struct json_object *zero_object(const char *const *names, size_t n)
{
    struct json_object *o = json_object_new_object();
    for (size_t i = 0; i < n; i++)
        json_object_object_add(o, names[i], json_object_new_int(0));
    return o;
}

struct json_object *usage_empty(long long start, long long end, const char *tz)
{
    static const char *const totals[] = {
        "lifetime_tokens", "input_tokens", "output_tokens", "peak_daily_tokens",
        "longest_chat_seconds", "current_streak", "longest_streak", "total_chats",
        "active_days", "models_used", "messages", "user_messages", "assistant_messages",
    };
    static const char *const insights[] = {
        "average_tokens_per_chat", "average_messages_per_active_day", "user_message_share",
        "assistant_message_share",
    };
    long long d0, d1;
    local_days(start, end, tz, &d0, &d1);
    struct json_object *heat = json_object_new_array(), *cumulative = json_object_new_array();
    struct json_object *weekly = json_object_new_array();
    long long last_week = 0;
    /* A zone's offset moves a day at most one each way: the loop is bounded even if a
     * caller broke the contract. */
    if (d1 - d0 > USAGE_MAX_DAYS + 2)
        d1 = d0 + USAGE_MAX_DAYS + 2;
    for (long long day = d0; day <= d1; day++) {
        json_object_array_add(heat, zero_day(day));
        json_object_array_add(cumulative, zero_day(day));
        /* 1970-01-01 was a Thursday: the Monday of day's week is day - (day + 3) mod 7. */
        long long monday = day - (((day + 3) % 7) + 7) % 7;
        if (day == d0 || monday != last_week)
            json_object_array_add(weekly, zero_day(monday));
        last_week = monday;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "totals", zero_object(totals, sizeof(totals) / sizeof(totals[0])));
    json_object_object_add(o, "heatmap", heat);
    json_object_object_add(o, "weekly_heatmap", weekly);
    json_object_object_add(o, "cumulative_heatmap", cumulative);
    struct json_object *ins = zero_object(insights, sizeof(insights) / sizeof(insights[0]));
    json_object_object_add(ins, "most_used_model", NULL);
    json_object_object_add(o, "insights", ins);
    json_object_object_add(o, "top_models", json_object_new_array());
    json_object_object_add(o, "top_tools", json_object_new_array());
    struct json_object *period = json_object_new_object();
    long long days = (end - start) / 86400 + 1;
    json_object_object_add(period, "start_date", json_object_new_int64(start));
    json_object_object_add(period, "end_date", json_object_new_int64(end));
    json_object_object_add(period, "days", json_object_new_int64(days > 1 ? days : 1));
    json_object_object_add(o, "period", period);
    return o;
}
