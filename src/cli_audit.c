/* usherctl audit (see cli_audit.h). */
#include "config.h"
#include "usher/cli_audit.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "usher/arena.h"
#include "usher/cli_escape.h"
#include "usher/db.h"
#include "usher/db_audit.h"

static int usage(void)
{
    fprintf(stderr, "usage: usherctl audit [--since WHEN] [--actor WHO] [--action NAME] "
                    "[--limit N] [--json]\n");
    return 2;
}

/* WHEN: 30m / 12h / 7d back from now, epoch seconds, or YYYY-MM-DD (UTC). -1 if none. */
static long long parse_since(const char *s)
{
    long long now = (long long)time(NULL);
    int y, m, d;
    char extra;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) == 3) {
        struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d };
        return (long long)timegm(&tm);
    }
    char *end;
    long long n = strtoll(s, &end, 10);
    if (end == s || n < 0)
        return -1;
    static const struct { char unit; long long secs; } units[] = {
        { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
    };
    if (*end == '\0')
        return n;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (end[0] == units[i].unit && end[1] == '\0')
            return now - n * units[i].secs;
    return -1;
}

static void print_json(struct arena *a, const struct audit_row *r)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_int64(r->id));
    json_object_object_add(o, "at", json_object_new_int64(r->at));
    json_object_object_add(o, "action", json_object_new_string(r->action));
    json_object_object_add(o, "status", json_object_new_int(r->status));
    const char *names[] = { "actor_id", "actor_email", "target_type", "target_id", "detail",
                            "client_addr", "user_agent" };
    const char *vals[] = { r->actor_id, r->actor_email, r->target_type, r->target_id,
                           r->detail, r->client_addr, r->user_agent };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        json_object_object_add(o, names[i], vals[i] ? json_object_new_string(vals[i]) : NULL);
    printf("%s\n", cli_json(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                      JSON_C_TO_STRING_NOSLASHESCAPE)));
    json_object_put(o);
}

/* One line per entry: every stored text escaped (cli_escape.h). */
static void print_row(struct arena *a, const struct audit_row *r)
{
    char when[32];
    time_t t = (time_t)r->at;
    struct tm tm;
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    const char *who = r->actor_id ? r->actor_id : r->actor_email ? r->actor_email : "-";
    printf("%s  %-28s %3d  %-36s  %s%s%s  %s  %s\n", when, cli_text(a, r->action), r->status,
           cli_text(a, who), r->target_type ? cli_text(a, r->target_type) : "-",
           r->target_id ? ":" : "", r->target_id ? cli_text(a, r->target_id) : "",
           r->client_addr ? cli_text(a, r->client_addr) : "-",
           r->detail ? cli_text(a, r->detail) : "");
}

int cli_audit(struct db *db, int argc, char **argv)
{
    static const struct option opts[] = {
        { "since", required_argument, NULL, 's' }, { "actor", required_argument, NULL, 'a' },
        { "action", required_argument, NULL, 'A' }, { "limit", required_argument, NULL, 'l' },
        { "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 },
    };
    struct audit_filter f = { 0 };
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if ((f.since = parse_since(optarg)) < 0)
                return usage();
            break;
        case 'a': f.actor = optarg; break;
        case 'A': f.action = optarg; break;
        case 'l':
            f.limit = strtoll(optarg, NULL, 10);
            if (f.limit <= 0)
                return usage();
            break;
        case 'j': json = true; break;
        default: return usage();
        }
    }
    if (optind != argc)
        return usage();
    struct arena *a = arena_new(65536);
    struct audit_row *rows;
    size_t n;
    if (!a || db_audit_list(db, a, &f, &rows, &n) != DB_OK) {
        fprintf(stderr, "usherctl: audit: %s\n", db_error(db));
        arena_free(a);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        json ? print_json(a, &rows[i]) : print_row(a, &rows[i]);
    arena_free(a);
    return 0;
}
