#ifndef USHER_CONFIG_H
#define USHER_CONFIG_H
/* usher.conf: php-fpm style "key = value" lines, ';' or '#' comments, documented in
 * man/usher.conf.5. Every key can be overridden by an environment variable named
 * USHER_ + the key upper-cased with '.' turned into '_' (db.socket -> USHER_DB_SOCKET).
 * The contract's own variables (WEBUI_SECRET_KEY, JWT_EXPIRES_IN, ...) are not read
 * here but by model/settings.c. */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The longest pool name plus its NUL ([A-Za-z0-9_.-]; the scoreboard holds it). */
#define POOL_NAME_SIZE 64
/* The most workers a pool may have (pm.max_children; the scoreboard has this many slots). */
#define SCOREBOARD_MAX_WORKERS 512

struct usher_config {
    char *pool_name;           /* "pool", default "usher" */
    char *listen;              /* unix socket path or host:port; NULL = take fd 0 */
    mode_t listen_mode;        /* "listen.mode", octal, default 0660 */
    char *listen_owner;        /* "listen.owner", "listen.group": owner of the unix socket */
    char *listen_group;
    int listen_backlog;        /* default 511 */
    int pm_max_children;       /* default 5 */
    long pm_max_requests;      /* 0 = never recycle */
    char *ping_path;           /* NULL = off */
    char *ping_response;       /* default "pong" */
    char *status_path;         /* NULL = off */
    int request_terminate_timeout; /* seconds, 0 = off */
    char *error_log;           /* NULL or "-" = stderr */
    char *log_level;           /* error|warning|notice|debug, default notice */
    char *data_dir;            /* where the generated secret is kept; default "." */
    char *user, *group;        /* workers drop to these when started as root */
    size_t request_body_max;   /* bytes, default 1 MiB; accepts K/M suffixes */
    char *db_socket;           /* db.socket; or db.host + db.port */
    char *db_host;
    int db_port;               /* default 3306 */
    char *db_user;
    char *db_password;         /* from db.password or the file named by db.password_file */
    char *db_name;             /* default "usher" */
    char *secret_key;          /* "secret_key"; WEBUI_SECRET_KEY wins when set */
    int active_interval;       /* seconds between last_active_at writes of a user, default 60 */
    int signin_rate_limit;     /* sign-in attempts per email in the window, default 15 */
    int bcrypt_cost;           /* cost of new password hashes, default 12 */
    int ldap_timeout;          /* seconds an LDAP sign-in may take in all, default 5 */
    int bcrypt_max_running;    /* bcrypt checks at once in the pool; 0 = max(1, max_children/2) */
    bool api_key_retrievable;  /* keep a sealed copy so GET /api_key shows the key (yes) */
    bool pages;                /* "pages": serve the browser pages (yes) */
    char *pages_prefix;        /* "pages.prefix": where they live, default "/usher/" */
    int audit_retention;       /* seconds audit_log rows are kept, default 90 days; 0 = ever */
    char *trusted_proxies;     /* addresses whose X-Forwarded-For names the client, or NULL */
    size_t user_data_max_size; /* "user_data.max_size": bytes of a user's settings or info as
                                * stored, default 256K; 0 = no limit */
    int user_data_max_keys;    /* "user_data.max_keys": their top-level keys, default 1000 */
    size_t worker_memory_max;  /* "worker.memory_max": address space of a worker
                                * (RLIMIT_AS), default 512M; 0 = no limit */
    char *source_path;         /* the file this was read from (for reload) */
    /* Account security (usher-account-security.md; man usher.conf). */
    char *mfa_issuer;          /* "mfa.issuer": the otpauth issuer, default "usher" */
    int api_key_max_per_user;  /* "api_key.max_per_user": keys a user may hold (10; 0 = no limit) */
    int lockout_threshold;     /* failed sign-ins of an account before it locks (20; 0 off) */
    int lockout_duration;      /* seconds of the first lock (60); each further one doubles */
    int lockout_max_duration;  /* the longest lock (900) */
    int lockout_window;        /* the count starts again after this long without one (12h) */
    int lockout_ip_threshold;  /* failed sign-ins from one address in ip_window (100; 0 off) */
    int lockout_ip_window;     /* 900 */
    char *lockout_ip_exempt;   /* addresses never limited, default "127.0.0.1, ::1" */
};

/* Fills cfg with defaults, then reads path (NULL = defaults and environment only), then
 * applies USHER_* environment overrides, and checks the OpenID Connect variables that
 * must stop a server (OAUTH_CODE_CHALLENGE_METHOD other than S256, an OPENID_PROVIDER_URL
 * that is not http(s)). Returns 0; on error returns -1 and writes "FILE:LINE: reason" (or
 * "USHER_X: reason", "OAUTH_X: reason") into err. cfg must be freed with config_free
 * either way. */
int config_load(const char *path, struct usher_config *cfg, char *err, size_t errlen);
/* Frees every string of cfg and zeroes it. */
void config_free(struct usher_config *cfg);
/* Parses a size such as "1048576", "512k", "1M", "1G" (suffixes are powers of 1024, either
 * case). Returns 0 or -1 (malformed or overflow). */
int config_parse_size(const char *s, size_t *out);
/* Parses a duration in seconds: "30", "30s", "2m", "1h", "1d". Returns 0 or -1. */
int config_parse_duration(const char *s, int *out);

/* db.host as a list: "host[:port][,host[:port]...]" ("[v6addr]:port" for IPv6; blanks
 * around entries allowed), an entry without a port taking default_port. Fills at most max
 * entries of out (out may be NULL to only check). Returns the number of hosts (1 to
 * CONFIG_DB_HOSTS_MAX), or -1 with the reason in why. Pure. */
#define CONFIG_DB_HOSTS_MAX 16
struct config_db_host {
    char host[256];
    unsigned int port;
};
int config_db_hosts(const char *list, unsigned int default_port, struct config_db_host *out,
                    size_t max, char *why, size_t whylen);
/* Classifies a listen value: returns 1 for a unix socket path (any value containing '/'),
 * 0 for TCP ("port", "host:port", "*:port", "[v6addr]:port"; host is copied out, "" meaning
 * every address, and port as its digits), -1 when it is neither. host and port may be NULL
 * when only the classification is wanted. */
int config_listen_parse(const char *listen, char *host, size_t hostlen, char *port,
                        size_t portlen);

#endif
