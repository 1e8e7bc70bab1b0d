/* The JWT_EXPIRES_IN duration syntax (see duration.h): plain text, no JWT and no clock, so
 * the settings and the sessions both read it from the base layer. */
#include "config.h"
#include "usher/duration.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DURATION_MAX_INPUT 1024
/* Beyond ~3,170 years: Open WebUI fails at sign-in for expiries past year 9999 anyway. */
#define DURATION_MAX_SECONDS 100000000000.0

/* Rounds half to even, as timedelta does for fractional microseconds. |x| is bounded by
 * the caller, so the cast cannot overflow. */
static long long round_half_even(double x)
{
    long long t = (long long)x; /* toward zero */
    double frac = x - (double)t;
    if (frac > 0.5 || (frac == 0.5 && (t & 1)))
        t++;
    else if (frac < -0.5 || (frac == -0.5 && (t & 1)))
        t--;
    return t;
}

/* Length of a unit at s (ms s m h d w, "ms" tried first as in the regex), or 0. Sets
 * *micros to the unit's length in microseconds. */
static size_t match_unit(const char *s, double *micros)
{
    if (s[0] == 'm' && s[1] == 's') {
        *micros = 1e3;
        return 2;
    }
    switch (s[0]) {
    case 's': *micros = 1e6; return 1;
    case 'm': *micros = 60e6; return 1;
    case 'h': *micros = 3600e6; return 1;
    case 'd': *micros = 86400e6; return 1;
    case 'w': *micros = 604800e6; return 1;
    default: return 0;
    }
}

/* Tries -?\d+(\.\d+)? followed by a unit at s. Returns the match length (0 for none),
 * with the number's end in *num_end and the unit's size in *micros. */
static size_t match_pair(const char *s, size_t *num_end, double *micros)
{
    size_t i = 0;
    if (s[i] == '-')
        i++;
    if (!isdigit((unsigned char)s[i]))
        return 0;
    while (isdigit((unsigned char)s[i]))
        i++;
    if (s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
        i++;
        while (isdigit((unsigned char)s[i]))
            i++;
    }
    /* Backtracking into the digits cannot help: a digit or '.' is never a unit. */
    size_t u = match_unit(s + i, micros);
    if (u == 0)
        return 0;
    *num_end = i;
    return i + u;
}

/* Open WebUI's parse_duration: re.findall(r"(-?\d+(\.\d+)?)(ms|s|m|h|d|w)") over the whole
 * string, so text between pairs ("1h 30m", "1h,30m", "5min" = 5 m) is skipped, as findall
 * skips it; no pair at all is an error. Each pair becomes a timedelta (microsecond
 * resolution, half-even) and they are summed. Only ASCII digits count (Python's \d also
 * matches other scripts' digits). Numbers go through strtod: usher never calls setlocale,
 * so the decimal point is '.'. */
int jwt_parse_duration(const char *s, bool *expires, double *seconds)
{
    if (!s || !expires || !seconds)
        return -1;
    if (strcmp(s, "-1") == 0 || strcmp(s, "0") == 0) {
        *expires = false;
        *seconds = 0;
        return 0;
    }
    size_t len = strlen(s);
    if (len > DURATION_MAX_INPUT)
        return -1;
    bool matched = false;
    long long total_us = 0;
    const long long max_us = (long long)(DURATION_MAX_SECONDS * 1e6);
    for (size_t i = 0; i < len;) {
        size_t num_end = 0;
        double unit_us = 0;
        size_t m = match_pair(s + i, &num_end, &unit_us);
        if (m == 0) {
            i++;
            continue;
        }
        char *end = NULL;
        double value = strtod(s + i, &end);
        if (end != s + i + num_end)
            return -1;
        double term = value * unit_us;
        if (!(term >= -(double)max_us && term <= (double)max_us)) /* also NaN/inf */
            return -1;
        total_us += round_half_even(term);
        if (total_us > max_us || total_us < -max_us)
            return -1;
        matched = true;
        i += m;
    }
    if (!matched)
        return -1;
    /* timedelta(0) is falsy in create_token: no exp claim, like "-1" and "0". */
    *expires = total_us != 0;
    *seconds = (double)(total_us / 1000000); /* toward zero, like int(total_seconds()) */
    return 0;
}

/* re.match(r"^(-1|0|(-?\d+(\.\d+)?)(ms|s|m|h|d|w))$", s). Python's $ would also accept
 * one trailing "\n"; that is refused here (Open WebUI would store it and, for "-1\n",
 * then fail every sign-in). A value whose pair parses but is out of range for
 * jwt_parse_duration is refused too, for the same reason. */
bool jwt_duration_usable(const char *s)
{
    bool expires;
    double seconds;
    return s && jwt_parse_duration(s, &expires, &seconds) == 0 && (!expires || seconds >= 1);
}

bool jwt_duration_valid_for_config(const char *s)
{
    if (!s)
        return false;
    if (strcmp(s, "-1") == 0 || strcmp(s, "0") == 0)
        return true;
    size_t num_end = 0;
    double unit_us = 0;
    size_t m = match_pair(s, &num_end, &unit_us);
    if (m == 0 || s[m] != '\0')
        return false;
    return jwt_duration_usable(s);
}
