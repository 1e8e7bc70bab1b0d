#ifndef USHER_DIRECTORY_H
#define USHER_DIRECTORY_H
/* Sign-in against an LDAP directory (POST /auths/ldap, usherctl ldap test), with OpenLDAP's
 * libldap: the settings as resolved for one attempt, and the directory half of the flow
 * (openwebui-ldap.md §2 steps 4-7): connect (LDAPS, StartTLS or plain), the application
 * bind, the search, the mail, the user name match, the group names, and the bind as the
 * entry found. No account is touched here; the API handler does that through accounts.h.
 * Named "directory" because libldap owns the ldap_ and LDAP_ prefixes. */
#include <stdbool.h>
#include <stddef.h>

struct ctx;
struct arena;

/* The settings of one attempt; strings live in the request's arena (or are literals). */
struct dir_settings {
    bool enable;                     /* ENABLE_LDAP */
    const char *label;               /* LDAP_SERVER_LABEL ("LDAP Server") */
    const char *host;                /* LDAP_SERVER_HOST ("localhost") */
    int port;                        /* LDAP_SERVER_PORT (389); 0: the scheme's default */
    const char *attr_mail;           /* LDAP_ATTRIBUTE_FOR_MAIL ("mail") */
    const char *attr_username;       /* LDAP_ATTRIBUTE_FOR_USERNAME ("uid") */
    const char *app_dn;              /* LDAP_APP_DN (""; "" = anonymous) */
    const char *app_password;        /* LDAP_APP_PASSWORD ("") */
    const char *search_base;         /* LDAP_SEARCH_BASE ("") */
    const char *search_filters;      /* LDAP_SEARCH_FILTER(S) ("") */
    bool use_tls;                    /* LDAP_USE_TLS (true): LDAPS */
    bool start_tls;                  /* LDAP_START_TLS (false, environment only) */
    const char *ca_file;             /* LDAP_CA_CERT_FILE (""): the system's trust when "" */
    bool validate_cert;              /* LDAP_VALIDATE_CERT (true) */
    const char *ciphers;             /* LDAP_CIPHERS ("ALL") */
    bool group_management;           /* ENABLE_LDAP_GROUP_MANAGEMENT (false) */
    bool group_creation;             /* ENABLE_LDAP_GROUP_CREATION (false) */
    const char *attr_groups;         /* LDAP_ATTRIBUTE_FOR_GROUPS ("memberOf") */
    int timeout_ms;                  /* usher.conf ldap.timeout (5 s): the whole attempt */
};

/* Resolves every setting for c's request: the value stored through the admin routes
 * (LDAP_CONFIG, LDAP_SERVER), else the environment variable, else Open WebUI's default.
 * Read from the config table like every admin setting, so a POST on any worker is used by
 * the next attempt. */
void dir_settings_resolve(struct ctx *c, struct dir_settings *s);

/* What the directory said about the user (strings in the arena). */
struct dir_identity {
    const char *dn;
    const char *mail;                /* the first mail value, lowercased */
    const char *cn;
    const char **groups;             /* group names (only with group management) */
    size_t ngroups;
};

enum dir_result {
    DIR_OK,
    DIR_TLS_CONFIG,                  /* 400 "Failed to configure TLS for LDAP connection." */
    DIR_FAILED,                      /* 400 "LDAP authentication failed." (cause logged) */
};

/* Called with each step as it runs (usherctl ldap test prints them); NULL for none. The
 * line never holds a password. */
typedef void (*dir_step_fn)(void *arg, const char *line);

/* Runs the directory half of the sign-in for user[0..user_len) (may hold a NUL, which is
 * escaped, never a terminator) with password, within s->timeout_ms in all (connect, TLS
 * handshake, every operation: a socket still busy at the deadline is shut down). The
 * password must not be empty (the caller refuses that before); a DN is never bound with
 * an empty password. Failures are logged (the step and the directory's error, never a
 * password) and reported to step. Returns DIR_OK with *out filled. */
enum dir_result dir_signin(const struct dir_settings *s, struct arena *a, const char *user,
                           size_t user_len, const char *password, struct dir_identity *out,
                           dir_step_fn step, void *step_arg);

/* RFC 4515: value[0..len) as a filter assertion value: `*` `(` `)` `\` NUL and every
 * byte above 0x7E become \XX. Arena string. */
char *dir_filter_escape(struct arena *a, const char *value, size_t len);
/* The group name of a group DN: the value of its first CN component with RFC 4514 escapes
 * resolved (libldap's DN parser), NULL when the DN does not parse, has no CN, or the
 * value is not UTF-8 text. Arena string. */
char *dir_group_name(struct arena *a, const char *dn);

#endif
