#ifndef USHER_IDS_H
#define USHER_IDS_H
/* The user and group of usher.conf's `user`, `group`, `listen.owner` and `listen.group`:
 * names or numbers resolved once by the master, and dropped to in each new worker. */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct usher_config;

struct ids {
    bool drop;                /* started as root with user or group set */
    bool set_uid;
    uid_t uid;
    gid_t gid;
    char user[64];            /* for initgroups; "" when the user was numeric */
};

/* A user name or number: 0 with its uid and primary gid (*numeric when it was a number
 * with no passwd entry), or -1 when there is no such user. */
int ids_lookup_user(const char *name, uid_t *uid, gid_t *gid, bool *numeric);
/* A group name or number: 0 with its gid, or -1. */
int ids_lookup_group(const char *name, gid_t *gid);
/* Resolves cfg's user and group into ids. Returns 0, or -1 with the reason in err (an
 * unknown user or group; group without user when running as root). */
int ids_resolve(const struct usher_config *cfg, struct ids *ids, char *err, size_t errlen);
/* In a new worker, before it serves anything: sets the groups, gid and uid of ids when the
 * master runs as root. Returns 0, or -1 (logged). */
int ids_drop_privileges(const struct ids *ids);

/* The checks of a configuration that need the system, beyond config_load: user, group,
 * listen.owner and listen.group must name existing accounts (or be numeric ids). Returns
 * 0, or -1 with the reason in err. */
int ids_check_config(const struct usher_config *cfg, char *err, size_t errlen);

#endif
