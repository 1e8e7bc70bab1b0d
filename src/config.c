/* usher.conf: a php-fpm style "key = value" file, then USHER_* environment overrides.
 * Every key is one row of a table (name, type, field, range), so the file parser, the
 * environment pass and the man page all talk about the same set of keys. */
#include "config.h"
#include "usher/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "usher/log.h"

enum key_type {
    K_STRING,       /* any text; empty = unset (NULL) */
    K_NAME,         /* pool name: [A-Za-z0-9_.-], at most 63 bytes */
    K_URL_PATH,     /* starts with '/', no blanks; empty = off */
    K_INT,          /* int in [min, max] */
    K_LONG,         /* long in [min, max] */
    K_MODE,         /* octal permission bits */
    K_SIZE,         /* size_t with k/M/G suffix, in [min, max] */
    K_DURATION,     /* seconds with s/m/h/d suffix, in [min, max] */
    K_PM,           /* only "static" for now */
    K_LOG_LEVEL,    /* error|warning|notice|debug */
    K_LISTEN,       /* unix path or [host:]port; empty = fd 0 */
    K_PASSWORD_FILE,/* reads db_password from the named file */
    K_BOOL,         /* yes/no, on/off, true/false, 1/0 */
    K_DB_HOSTS      /* host[:port][,host[:port]...] (config_db_hosts) */
};

struct key_def {
    const char *name;
    enum key_type type;
    size_t offset;          /* of the field in struct usher_config */
    long long min, max;
};

#define F(field) offsetof(struct usher_config, field)
#define NOFIELD 0

static const struct key_def keys[] = {
    { "pool",                      K_NAME,          F(pool_name), 0, 0 },
    { "listen",                    K_LISTEN,        F(listen), 0, 0 },
    { "listen.mode",               K_MODE,          F(listen_mode), 0, 07777 },
    { "listen.owner",              K_STRING,        F(listen_owner), 0, 0 },
    { "listen.group",              K_STRING,        F(listen_group), 0, 0 },
    { "listen.backlog",            K_INT,           F(listen_backlog), 1, 65535 },
    { "pm",                        K_PM,            NOFIELD, 0, 0 },
    { "pm.max_children",           K_INT,           F(pm_max_children), 1, SCOREBOARD_MAX_WORKERS },
    { "pm.max_requests",           K_LONG,          F(pm_max_requests), 0, LONG_MAX },
    { "ping.path",                 K_URL_PATH,      F(ping_path), 0, 0 },
    { "ping.response",             K_STRING,        F(ping_response), 0, 0 },
    { "pm.status_path",            K_URL_PATH,      F(status_path), 0, 0 },
    { "request_terminate_timeout", K_DURATION,      F(request_terminate_timeout), 0, INT_MAX },
    { "request_body_max",          K_SIZE,          F(request_body_max), 1, 1024LL * 1024 * 1024 },
    { "error_log",                 K_STRING,        F(error_log), 0, 0 },
    { "log_level",                 K_LOG_LEVEL,     F(log_level), 0, 0 },
    { "data_dir",                  K_STRING,        F(data_dir), 0, 0 },
    { "user",                      K_STRING,        F(user), 0, 0 },
    { "group",                     K_STRING,        F(group), 0, 0 },
    { "db.socket",                 K_STRING,        F(db_socket), 0, 0 },
    { "db.host",                   K_DB_HOSTS,        F(db_host), 0, 0 },
    { "db.port",                   K_INT,           F(db_port), 1, 65535 },
    { "db.user",                   K_STRING,        F(db_user), 0, 0 },
    { "db.password",               K_STRING,        F(db_password), 0, 0 },
    { "db.password_file",          K_PASSWORD_FILE, F(db_password), 0, 0 },
    { "db.name",                   K_STRING,        F(db_name), 0, 0 },
    { "secret_key",                K_STRING,        F(secret_key), 0, 0 },
    { "active_interval",           K_DURATION,      F(active_interval), 0, 86400 },
    { "signin.rate_limit",         K_INT,           F(signin_rate_limit), 1, 1000000 },
    { "ldap.timeout",              K_DURATION,      F(ldap_timeout), 1, 300 },
    { "bcrypt.cost",               K_INT,           F(bcrypt_cost), 4, 31 },
    { "bcrypt.max_running",        K_INT,           F(bcrypt_max_running), 0, SCOREBOARD_MAX_WORKERS },
    { "api_key.retrieval",         K_BOOL,          F(api_key_retrievable), 0, 0 },
    { "audit.retention",           K_DURATION,      F(audit_retention), 0, INT_MAX },
    { "trusted_proxies",           K_STRING,        F(trusted_proxies), 0, 0 },
    { "pages",                     K_BOOL,          F(pages), 0, 0 },
    { "pages.prefix",              K_URL_PATH,      F(pages_prefix), 0, 0 },
    { "mfa.issuer",                K_STRING,        F(mfa_issuer), 0, 0 },
    { "api_key.max_per_user",      K_INT,           F(api_key_max_per_user), 0, 1000000 },
    { "lockout.threshold",         K_INT,           F(lockout_threshold), 0, 1000000 },
    { "lockout.duration",          K_DURATION,      F(lockout_duration), 1, 86400 * 365 },
    { "lockout.max_duration",      K_DURATION,      F(lockout_max_duration), 1, 86400 * 365 },
    { "lockout.window",            K_DURATION,      F(lockout_window), 1, 86400 * 365 },
    { "lockout.ip_threshold",      K_INT,           F(lockout_ip_threshold), 0, 100000000 },
    { "lockout.ip_window",         K_DURATION,      F(lockout_ip_window), 60, 86400 * 7 },
    { "lockout.ip_exempt",         K_STRING,        F(lockout_ip_exempt), 0, 0 },
    { "user_data.max_size",        K_SIZE,          F(user_data_max_size), 0, 64LL * 1024 * 1024 },
    { "user_data.max_keys",        K_INT,           F(user_data_max_keys), 0, 1000000 },
    { "worker.memory_max",         K_SIZE,          F(worker_memory_max), 0, 1LL << 40 },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Every string field, for config_free. */
static const size_t string_fields[] = {
    F(pool_name), F(listen), F(listen_owner), F(listen_group), F(ping_path),
    F(ping_response), F(status_path), F(error_log), F(log_level), F(data_dir), F(user),
    F(group), F(db_socket), F(db_host), F(db_user), F(db_password), F(db_name),
    F(secret_key), F(trusted_proxies), F(source_path), F(pages_prefix),
    F(mfa_issuer), F(lockout_ip_exempt),
};

static char **str_field(struct usher_config *cfg, size_t offset)
{
    return (char **)(void *)((char *)cfg + offset);
}

static void *field(struct usher_config *cfg, size_t offset)
{
    return (char *)cfg + offset;
}

static void fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Replaces a string field with a copy of value (NULL or "" clears it). */
static int set_string(struct usher_config *cfg, size_t offset, const char *value, char *why,
                      size_t whylen)
{
    char **slot = str_field(cfg, offset);
    char *copy = NULL;
    if (value && value[0]) {
        copy = strdup(value);
        if (!copy) {
            fail(why, whylen, "out of memory");
            return -1;
        }
    }
    free(*slot);
    *slot = copy;
    return 0;
}

static int parse_integer(const char *s, long long *out)
{
    if (!isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* Digits followed by an optional one-letter unit from units (multipliers in mult). */
static int parse_with_unit(const char *s, const char *units, const unsigned long long *mult,
                           unsigned long long limit, unsigned long long *out)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned long long m = 1;
    if (*end) {
        const char *u = strchr(units, tolower((unsigned char)*end));
        if (!u || end[1])
            return -1;
        m = mult[u - units];
    }
    if (v > limit / m)
        return -1;
    *out = v * m;
    return 0;
}

int config_db_hosts(const char *list, unsigned int default_port, struct config_db_host *out,
                    size_t max, char *why, size_t whylen)
{
    size_t n = 0;
    const char *p = list;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *end = p + strcspn(p, ",");
        const char *last = end;
        while (last > p && (last[-1] == ' ' || last[-1] == '\t'))
            last--;
        const char *h = p, *hend, *port = NULL;
        if (*p == '[') {   /* [IPv6]:port */
            h = p + 1;
            hend = memchr(h, ']', (size_t)(last - h));
            if (!hend || (hend + 1 < last && hend[1] != ':')) {
                fail(why, whylen, "'%.*s': an IPv6 address is written [address]:port",
                     (int)(end - p), p);
                return -1;
            }
            if (hend + 1 < last)
                port = hend + 2;
        } else {
            const char *colon = memchr(p, ':', (size_t)(last - p));
            hend = colon ? colon : last;
            if (colon)
                port = colon + 1;
        }
        if (hend == h || (size_t)(hend - h) >= sizeof(out->host) || memchr(h, ' ', (size_t)(hend - h))) {
            fail(why, whylen, "'%s' is not a list of host[:port] separated by commas "
                 "(an entry is empty, too long or has a blank)", list);
            return -1;
        }
        unsigned long pv = default_port;
        if (port) {
            char digits[8];
            size_t plen = (size_t)(last - port);
            char *pend;
            if (plen == 0 || plen >= sizeof(digits) || !isdigit((unsigned char)port[0]))
                goto bad_port;
            memcpy(digits, port, plen);
            digits[plen] = '\0';
            pv = strtoul(digits, &pend, 10);
            if (*pend || pv < 1 || pv > 65535)
                goto bad_port;
        }
        if (n >= CONFIG_DB_HOSTS_MAX) {
            fail(why, whylen, "more than %d hosts in '%s'", CONFIG_DB_HOSTS_MAX, list);
            return -1;
        }
        if (out && n < max) {
            memcpy(out[n].host, h, (size_t)(hend - h));
            out[n].host[hend - h] = '\0';
            out[n].port = (unsigned int)pv;
        }
        n++;
        if (!*end)
            return (int)n;
        p = end + 1;
        continue;
bad_port:
        fail(why, whylen, "'%.*s': the port must be a number from 1 to 65535",
             (int)(end - p), p);
        return -1;
    }
}

int config_parse_size(const char *s, size_t *out)
{
    static const unsigned long long mult[] = { 1024ULL, 1024ULL * 1024, 1024ULL * 1024 * 1024 };
    unsigned long long v;
    if (parse_with_unit(s, "kmg", mult, SIZE_MAX, &v) != 0)
        return -1;
    *out = (size_t)v;
    return 0;
}

int config_parse_duration(const char *s, int *out)
{
    static const unsigned long long mult[] = { 1, 60, 3600, 86400 };
    unsigned long long v;
    if (parse_with_unit(s, "smhd", mult, INT_MAX, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

static int copy_out(char *dst, size_t len, const char *src, size_t n)
{
    if (!dst)
        return 0;
    if (n >= len)
        return -1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

int config_listen_parse(const char *listen, char *host, size_t hostlen, char *port,
                        size_t portlen)
{
    if (!listen || !listen[0])
        return -1;
    if (strchr(listen, '/'))
        return strlen(listen) < sizeof(((struct sockaddr_un *)0)->sun_path) ? 1 : -1;
    const char *h = listen, *p;
    size_t hlen;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':' || close == listen + 1)
            return -1;
        h = listen + 1;
        hlen = (size_t)(close - h);
        p = close + 2;
    } else if ((p = strrchr(listen, ':')) != NULL) {
        hlen = (size_t)(p - listen);
        p++;
        if (hlen == 0 || memchr(listen, ':', hlen))
            return -1;
        if (hlen == 1 && listen[0] == '*')
            hlen = 0;
    } else {
        hlen = 0;
        p = listen;
    }
    long long n;
    if (parse_integer(p, &n) != 0 || n < 1 || n > 65535 || strlen(p) > 5)
        return -1;
    for (size_t i = 0; i < hlen; i++)
        if (isspace((unsigned char)h[i]) || !isprint((unsigned char)h[i]))
            return -1;
    if (copy_out(host, hostlen, h, hlen) != 0 || copy_out(port, portlen, p, strlen(p)) != 0)
        return -1;
    return 0;
}

/* Reads a password file: its first line, without the line ending. */
static int read_password_file(struct usher_config *cfg, const char *path, char *why,
                              size_t whylen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fail(why, whylen, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    int read_error = ferror(f);
    int saved = errno;
    fclose(f);
    if (read_error) {
        fail(why, whylen, "cannot read '%s': %s", path, strerror(saved));
        return -1;
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        fail(why, whylen, "'%s' contains a NUL byte", path);
        return -1;
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    if (!buf[0]) {
        fail(why, whylen, "'%s' is empty", path);
        return -1;
    }
    int rc = set_string(cfg, F(db_password), buf, why, whylen);
    memset(buf, 0, sizeof(buf));
    return rc;
}

static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= POOL_NAME_SIZE)
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
            return false;
    return true;
}

/* Applies one value to cfg. On error writes the reason (without the key or location). */
static int apply(const struct key_def *k, const char *value, struct usher_config *cfg,
                 char *why, size_t whylen)
{
    long long n;
    switch (k->type) {
    case K_STRING:
        return set_string(cfg, k->offset, value, why, whylen);
    case K_NAME:
        if (!valid_name(value)) {
            fail(why, whylen, "'%s' is not a valid name (letters, digits, '_', '.', '-'; "
                 "at most 63)", value);
            return -1;
        }
        return set_string(cfg, k->offset, value, why, whylen);
    case K_URL_PATH:
        if (value[0] && (value[0] != '/' || strpbrk(value, " \t?#"))) {
            fail(why, whylen, "'%s' must be a path starting with '/' (no blanks, '?' or '#')",
                 value);
            return -1;
        }
        return set_string(cfg, k->offset, value, why, whylen);
    case K_LISTEN:
        if (value[0] && config_listen_parse(value, NULL, 0, NULL, 0) < 0) {
            if (strchr(value, '/'))
                fail(why, whylen, "unix socket path is longer than %zu bytes",
                     sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
            else
                fail(why, whylen, "'%s' is neither a unix socket path (it must contain a '/', "
                     "e.g. ./usher.sock) nor [host:]port with a port from 1 to 65535", value);
            return -1;
        }
        return set_string(cfg, k->offset, value, why, whylen);
    case K_DB_HOSTS:
        if (value[0] && config_db_hosts(value, 3306, NULL, 0, why, whylen) < 0)
            return -1;
        return set_string(cfg, k->offset, value, why, whylen);
    case K_INT:
    case K_LONG:
        if (parse_integer(value, &n) != 0 || n < k->min || n > k->max) {
            fail(why, whylen, "expected a whole number from %lld to %lld, got '%s'", k->min,
                 k->max, value);
            return -1;
        }
        if (k->type == K_INT)
            *(int *)field(cfg, k->offset) = (int)n;
        else
            *(long *)field(cfg, k->offset) = (long)n;
        return 0;
    case K_MODE: {
        char *end;
        errno = 0;
        unsigned long m = strtoul(value, &end, 8);
        if (!value[0] || !isdigit((unsigned char)value[0]) || *end || errno ||
            m > (unsigned long)k->max) {
            fail(why, whylen, "expected an octal mode such as 0660, got '%s'", value);
            return -1;
        }
        *(mode_t *)field(cfg, k->offset) = (mode_t)m;
        return 0;
    }
    case K_SIZE: {
        size_t sz;
        if (config_parse_size(value, &sz) != 0 || (long long)sz < k->min ||
            (unsigned long long)sz > (unsigned long long)k->max) {
            fail(why, whylen, "expected a size from 1 to 1G such as 1048576, 512k or 1M, "
                 "got '%s'", value);
            return -1;
        }
        *(size_t *)field(cfg, k->offset) = sz;
        return 0;
    }
    case K_DURATION: {
        int secs;
        if (config_parse_duration(value, &secs) != 0) {
            fail(why, whylen, "expected seconds such as 30, 30s, 2m or 1h, got '%s'", value);
            return -1;
        }
        *(int *)field(cfg, k->offset) = secs;
        return 0;
    }
    case K_BOOL: {
        static const char *const yes[] = { "yes", "on", "true", "1" };
        static const char *const no[] = { "no", "off", "false", "0" };
        for (size_t i = 0; i < 4; i++) {
            if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
                *(bool *)field(cfg, k->offset) = strcasecmp(value, yes[i]) == 0;
                return 0;
            }
        }
        fail(why, whylen, "expected yes or no, got '%s'", value);
        return -1;
    }
    case K_PM:
        if (strcmp(value, "static") == 0)
            return 0;
        if (strcmp(value, "dynamic") == 0 || strcmp(value, "ondemand") == 0)
            fail(why, whylen, "'%s' is not supported yet; use pm = static", value);
        else
            fail(why, whylen, "expected 'static', got '%s'", value);
        return -1;
    case K_LOG_LEVEL: {
        enum log_level level;
        if (log_level_parse(value, &level) != 0) {
            fail(why, whylen, "expected error, warning, notice or debug, got '%s'", value);
            return -1;
        }
        return set_string(cfg, k->offset, value, why, whylen);
    }
    case K_PASSWORD_FILE:
        if (!value[0])
            return 0;
        return read_password_file(cfg, value, why, whylen);
    }
    fail(why, whylen, "internal error: unknown key type");
    return -1;
}

static const struct key_def *find_key(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

static bool value_required(const struct key_def *k)
{
    switch (k->type) {
    case K_INT: case K_LONG: case K_MODE: case K_SIZE: case K_DURATION: case K_PM:
    case K_LOG_LEVEL: case K_NAME: case K_BOOL:
        return true;
    default:
        return false;
    }
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* A value may be wrapped in matching double or single quotes (kept literally inside). */
static char *unquote(char *v)
{
    size_t n = strlen(v);
    if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
        v[n - 1] = '\0';
        return v + 1;
    }
    return v;
}

/* One line of the file. Returns 0, or -1 with the reason in why. */
static int parse_line(char *line, struct usher_config *cfg, char *section, size_t seclen,
                      char *why, size_t whylen)
{
    char *s = trim(line);
    if (!s[0] || s[0] == ';' || s[0] == '#')
        return 0;
    if (s[0] == '[') {
        size_t n = strlen(s);
        if (s[n - 1] != ']') {
            fail(why, whylen, "a section header must end with ']'");
            return -1;
        }
        s[n - 1] = '\0';
        char *name = trim(s + 1);
        if (strcmp(name, "global") == 0)
            return 0;
        if (!valid_name(name)) {
            fail(why, whylen, "'[%s]' is not a valid pool name (letters, digits, '_', '.', '-')",
                 name);
            return -1;
        }
        if (section[0] && strcmp(section, name) != 0) {
            fail(why, whylen, "a second pool '[%s]': one pool per file is supported", name);
            return -1;
        }
        size_t nlen = strlen(name);   /* < seclen: valid_name() caps it */
        memcpy(section, name, nlen < seclen ? nlen + 1 : 0);
        return set_string(cfg, F(pool_name), name, why, whylen);
    }
    char *eq = strchr(s, '=');
    if (!eq) {
        fail(why, whylen, "expected 'key = value'");
        return -1;
    }
    *eq = '\0';
    char *name = trim(s);
    char *value = unquote(trim(eq + 1));
    if (!name[0]) {
        fail(why, whylen, "expected 'key = value'");
        return -1;
    }
    const struct key_def *k = find_key(name);
    if (!k) {
        fail(why, whylen, "unknown key '%.64s'", name);
        return -1;
    }
    char reason[400];
    if (!value[0] && value_required(k)) {
        fail(why, whylen, "%s: a value is required", k->name);
        return -1;
    }
    if (apply(k, value, cfg, reason, sizeof(reason)) != 0) {
        fail(why, whylen, "%s: %s", k->name, reason);
        return -1;
    }
    return 0;
}

static int load_file(const char *path, struct usher_config *cfg, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int lineno = 0, rc = 0;
    char section[64] = "";
    char why[512];
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (strlen(line) != (size_t)len) {
            fail(err, errlen, "%s:%d: NUL byte in line", path, lineno);
            rc = -1;
            break;
        }
        if (parse_line(line, cfg, section, sizeof(section), why, sizeof(why)) != 0) {
            fail(err, errlen, "%s:%d: %s", path, lineno, why);
            rc = -1;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        rc = -1;
    }
    if (line) {
        memset(line, 0, cap);   /* it may have held a password */
        free(line);
    }
    fclose(f);
    return rc;
}

/* "db.password_file" -> "USHER_DB_PASSWORD_FILE" */
static void env_name(const char *key, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "USHER_");
    for (const char *p = key; *p && n + 1 < len; p++)
        out[n++] = *p == '.' ? '_' : (char)toupper((unsigned char)*p);
    out[n] = '\0';
}

static int load_env(struct usher_config *cfg, char *err, size_t errlen)
{
    for (size_t i = 0; i < NKEYS; i++) {
        char name[64];
        env_name(keys[i].name, name, sizeof(name));
        const char *value = getenv(name);
        if (!value)
            continue;
        char why[400];
        if (!value[0] && value_required(&keys[i])) {
            fail(err, errlen, "%s: a value is required", name);
            return -1;
        }
        if (apply(&keys[i], value, cfg, why, sizeof(why)) != 0) {
            fail(err, errlen, "%s: %s", name, why);
            return -1;
        }
    }
    return 0;
}

static int set_defaults(struct usher_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->listen_mode = 0660;
    cfg->listen_backlog = 511;
    cfg->pm_max_children = 5;
    cfg->pm_max_requests = 0;
    cfg->request_terminate_timeout = 0;
    cfg->request_body_max = 1024 * 1024;
    cfg->db_port = 3306;
    cfg->active_interval = 60;
    cfg->signin_rate_limit = 15;
    cfg->bcrypt_cost = 12;
    cfg->ldap_timeout = 5;
    cfg->api_key_retrievable = true;
    cfg->audit_retention = 90 * 86400;
    cfg->pages = true;
    cfg->api_key_max_per_user = 10;
    cfg->lockout_threshold = 20;
    cfg->lockout_duration = 60;
    cfg->lockout_max_duration = 900;
    cfg->lockout_window = 12 * 3600;
    cfg->lockout_ip_threshold = 100;
    cfg->lockout_ip_window = 900;
    cfg->user_data_max_size = 256 * 1024;
    cfg->user_data_max_keys = 1000;
    cfg->worker_memory_max = 512 * 1024 * 1024;
    char why[64];
    if (set_string(cfg, F(pool_name), "usher", why, sizeof(why)) ||
        set_string(cfg, F(ping_response), "pong", why, sizeof(why)) ||
        set_string(cfg, F(log_level), "notice", why, sizeof(why)) ||
        set_string(cfg, F(data_dir), ".", why, sizeof(why)) ||
        set_string(cfg, F(db_name), "usher", why, sizeof(why)) ||
        set_string(cfg, F(pages_prefix), "/usher/", why, sizeof(why)) ||
        set_string(cfg, F(mfa_issuer), "usher", why, sizeof(why)) ||
        set_string(cfg, F(lockout_ip_exempt), "127.0.0.1, ::1", why, sizeof(why)))
        return -1;
    return 0;
}

/* The OpenID Connect variables a server must not start with (openwebui-oauth.md §1, §12):
 * usher-fcgi -t and usherctl check-config name them. */
static int check_oidc_env(char *err, size_t errlen)
{
    const char *ccm = getenv("OAUTH_CODE_CHALLENGE_METHOD");
    if (ccm && ccm[0] && strcmp(ccm, "S256") != 0) {
        fail(err, errlen, "OAUTH_CODE_CHALLENGE_METHOD: must be S256 or unset (usher always "
                          "sends PKCE with S256)");
        return -1;
    }
    const char *url = getenv("OPENID_PROVIDER_URL");
    if (url && url[0] && strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0) {
        fail(err, errlen, "OPENID_PROVIDER_URL: must be an http:// or https:// URL (the "
                          "provider's discovery document)");
        return -1;
    }
    const char *tam = getenv("OAUTH_TOKEN_ENDPOINT_AUTH_METHOD");
    if (tam && tam[0] && strcmp(tam, "client_secret_basic") != 0 &&
        strcmp(tam, "client_secret_post") != 0 && strcmp(tam, "none") != 0) {
        fail(err, errlen, "OAUTH_TOKEN_ENDPOINT_AUTH_METHOD: must be client_secret_basic, "
                          "client_secret_post or none");
        return -1;
    }
    return 0;
}

int config_load(const char *path, struct usher_config *cfg, char *err, size_t errlen)
{
    if (set_defaults(cfg) != 0) {
        fail(err, errlen, "out of memory");
        return -1;
    }
    if (path) {
        char why[16];
        if (set_string(cfg, F(source_path), path, why, sizeof(why)) != 0) {
            fail(err, errlen, "out of memory");
            return -1;
        }
        if (load_file(path, cfg, err, errlen) != 0)
            return -1;
    }
    if (load_env(cfg, err, errlen) != 0)
        return -1;
    return check_oidc_env(err, errlen);
}

void config_free(struct usher_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < sizeof(string_fields) / sizeof(string_fields[0]); i++) {
        char **s = str_field(cfg, string_fields[i]);
        if (*s && (string_fields[i] == F(db_password) || string_fields[i] == F(secret_key)))
            memset(*s, 0, strlen(*s));
        free(*s);
    }
    memset(cfg, 0, sizeof(*cfg));
}
