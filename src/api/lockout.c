/* The sign-in lockout (see lockout.h). In the api layer: it writes audit rows and reads
 * the client address as the audit trail does. */
#include "config.h"
#include "usher/lockout.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/audit.h"
#include "usher/config.h"
#include "usher/crypto.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_lockout.h"
#include "usher/errors.h"
#include "usher/errors_security.h"
#include "usher/log.h"
#include "usher/response.h"

long long lockout_length(long long duration, long long max_duration, long long k)
{
    long long len = duration;
    for (long long i = 1; i < k && len < max_duration; i++)
        len *= 2;
    return len < max_duration ? len : max_duration;
}

static const char *subject_of(struct arena *a, const char *kind, const char *what)
{
    char *buf = arena_printf(a, "%s:%s", kind, what ? what : "");
    char *hex = arena_alloc(a, 65);
    sha256_hex(buf, strlen(buf), hex);
    return hex;
}

const char *lockout_subject(struct ctx *c, const char *user_id, const char *email)
{
    return user_id ? subject_of(c->arena, "user", user_id) : subject_of(c->arena, "email", email);
}

/* The client address when it is limited per address (not exempt), else NULL. */
static const char *limited_address(struct ctx *c)
{
    if (!c->cfg || c->cfg->lockout_ip_threshold <= 0)
        return NULL;
    const char *addr = audit_client_addr(c);
    if (!addr || !*addr || strlen(addr) > 64)
        return NULL;
    size_t len = strlen(addr);
    for (const char *p = c->cfg->lockout_ip_exempt; p && *p;) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t n = strcspn(p, ", ");
        if (n == len && strncmp(p, addr, n) == 0)
            return NULL;
        p += n;
    }
    return addr;
}

static int locked(struct ctx *c, const char *text, long long seconds)
{
    response_header(c->res, "Retry-After",
                    arena_printf(c->arena, "%lld", seconds > 0 ? seconds : 1));
    response_detail(c->res, 429, text);
    return -1;
}

int lockout_check(struct ctx *c, const char *subject)
{
    const struct usher_config *cfg = c->cfg;
    long long now = (long long)time(NULL);
    const char *addr = limited_address(c);
    if (addr) {
        long long count = 0, oldest = 0;
        if (db_lockout_address_count(c->db, addr, now, cfg->lockout_ip_window, &count,
                                     &oldest) != DB_OK) {
            response_detail(c->res, 500, ERR_DEFAULT);
            return -1;
        }
        if (count >= cfg->lockout_ip_threshold)
            return locked(c, ERR_ADDRESS_LOCKED, oldest * 60 + cfg->lockout_ip_window - now);
    }
    if (subject && cfg && cfg->lockout_threshold > 0) {
        long long until = 0;
        if (db_lockout_get(c->db, subject, &until) != DB_OK) {
            response_detail(c->res, 500, ERR_DEFAULT);
            return -1;
        }
        if (until > now)
            return locked(c, ERR_ACCOUNT_LOCKED, until - now);
    }
    return 0;
}

static const struct usher_config *lock_cfg;

static long long lock_for(long long k)
{
    return lockout_length(lock_cfg->lockout_duration, lock_cfg->lockout_max_duration, k);
}

void lockout_fail(struct ctx *c, const char *subject, const char *user_id)
{
    const struct usher_config *cfg = c->cfg;
    if (!cfg)
        return;
    long long now = (long long)time(NULL);
    if (subject && cfg->lockout_threshold > 0) {
        long long failures = 0;
        int now_locked = 0;
        lock_cfg = cfg;
        if (db_lockout_fail(c->db, subject, now, cfg->lockout_window, cfg->lockout_threshold,
                            lock_for, &failures, &now_locked) != DB_OK)
            log_error("lockout: a failed sign-in could not be counted");
        else if (now_locked) {
            log_notice("lockout: %s locked after %lld failed sign-ins",
                       user_id ? user_id : "an unknown address", failures);
            if (user_id)
                audit_event(c, "auth.lockout", "user", arena_strdup(c->arena, user_id),
                            user_id, 429);
        }
    }
    const char *addr = limited_address(c);
    if (addr) {
        long long count = 0;
        if (db_lockout_address_fail(c->db, addr, now, cfg->lockout_ip_window, &count) != DB_OK)
            log_error("lockout: a failed sign-in of an address could not be counted");
        else if (count == cfg->lockout_ip_threshold) {
            log_notice("lockout: address %s locked after %lld failed sign-ins", addr, count);
            audit_event(c, "auth.address_lockout", "address", addr, NULL, 429);
        }
    }
}

void lockout_success(struct ctx *c, const char *user_id)
{
    if (c->cfg && c->cfg->lockout_threshold > 0 &&
        db_lockout_clear(c->db, lockout_subject(c, user_id, NULL)) != DB_OK)
        log_error("lockout: the count of a signed-in account could not be cleared");
}

int lockout_unlock(struct db *db, const char *user_id)
{
    struct arena *a = arena_new(512);
    if (!a)
        return DB_ERROR;
    int rc = db_lockout_clear(db, subject_of(a, "user", user_id));
    arena_free(a);
    return rc;
}
