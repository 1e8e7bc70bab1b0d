/* The user and group the workers run as (see ids.h). */
#include "config.h"
#include "usher/ids.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usher/config.h"
#include "usher/log.h"

int ids_lookup_user(const char *name, uid_t *uid, gid_t *gid, bool *numeric)
{
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        char *end;
        errno = 0;
        unsigned long n = strtoul(name, &end, 10);
        if (!name[0] || *end || errno || n >= (unsigned long)(uid_t)-1)
            return -1;
        pw = getpwuid((uid_t)n);
        *uid = (uid_t)n;
        *gid = pw ? pw->pw_gid : (gid_t)n;
        *numeric = true;
        return 0;
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    *numeric = false;
    return 0;
}

int ids_lookup_group(const char *name, gid_t *gid)
{
    struct group *gr = getgrnam(name);
    if (gr) {
        *gid = gr->gr_gid;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long n = strtoul(name, &end, 10);
    if (!name[0] || *end || errno || n >= (unsigned long)(gid_t)-1)
        return -1;
    *gid = (gid_t)n;
    return 0;
}

int ids_resolve(const struct usher_config *cfg, struct ids *ids, char *err,
                       size_t errlen)
{
    memset(ids, 0, sizeof(*ids));
    bool numeric = false;
    if (cfg->user) {
        if (ids_lookup_user(cfg->user, &ids->uid, &ids->gid, &numeric) != 0) {
            snprintf(err, errlen, "user: no such user '%s'", cfg->user);
            return -1;
        }
        ids->set_uid = true;
        if (!numeric)
            snprintf(ids->user, sizeof(ids->user), "%s", cfg->user);
    }
    if (cfg->group && ids_lookup_group(cfg->group, &ids->gid) != 0) {
        snprintf(err, errlen, "group: no such group '%s'", cfg->group);
        return -1;
    }
    /* group alone would leave the workers running as root with another group: a half drop
     * an admin would not expect, so it is refused. */
    if (cfg->group && !cfg->user && geteuid() == 0) {
        snprintf(err, errlen, "group: '%s' is set without user; set user too (the workers "
                 "would keep running as root)", cfg->group);
        return -1;
    }
    ids->drop = geteuid() == 0 && (cfg->user || cfg->group);
    return 0;
}

int ids_check_config(const struct usher_config *cfg, char *err, size_t errlen)
{
    struct ids ids;
    if (ids_resolve(cfg, &ids, err, errlen) != 0)
        return -1;
    uid_t uid;
    gid_t gid;
    bool numeric;
    if (cfg->listen_owner && ids_lookup_user(cfg->listen_owner, &uid, &gid, &numeric) != 0) {
        snprintf(err, errlen, "listen.owner: no such user '%s'", cfg->listen_owner);
        return -1;
    }
    if (cfg->listen_group && ids_lookup_group(cfg->listen_group, &gid) != 0) {
        snprintf(err, errlen, "listen.group: no such group '%s'", cfg->listen_group);
        return -1;
    }
    return 0;
}

int ids_drop_privileges(const struct ids *ids)
{
    if (!ids->drop)
        return 0;
    if (ids->user[0] ? initgroups(ids->user, ids->gid) : setgroups(1, &ids->gid)) {
        log_error("cannot set supplementary groups: %s", strerror(errno));
        return -1;
    }
    if (setgid(ids->gid) != 0) {
        log_error("setgid(%ld): %s", (long)ids->gid, strerror(errno));
        return -1;
    }
    if (ids->set_uid && setuid(ids->uid) != 0) {
        log_error("setuid(%ld): %s", (long)ids->uid, strerror(errno));
        return -1;
    }
    return 0;
}
