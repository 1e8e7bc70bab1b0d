/* The audit trail's request side (see audit.h). */
#include "config.h"
#include "usher/audit.h"

#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/config.h"
#include "usher/ctx.h"
#include "usher/db.h"
#include "usher/db_audit.h"
#include "usher/log.h"
#include "usher/session.h"
#include "usher/user.h"

struct audit_note {
    const char *action, *target_type, *target_id, *actor_id, *typed_email, *detail;
};

static struct audit_note *note(struct ctx *c)
{
    if (!c->audit)
        c->audit = arena_calloc(c->arena, 1, sizeof(*c->audit));
    return c->audit;
}

void audit_note(struct ctx *c, const char *action, const char *target_type,
                const char *target_id)
{
    struct audit_note *n = note(c);
    n->action = action;
    n->target_type = target_type;
    n->target_id = target_id;
}

void audit_actor(struct ctx *c, const char *actor_id, const char *typed_email)
{
    struct audit_note *n = note(c);
    if (actor_id)
        n->actor_id = actor_id;
    if (typed_email)
        n->typed_email = typed_email;
}

void audit_detail(struct ctx *c, const char *detail)
{
    note(c)->detail = detail;
}

/* The client: the web server's REMOTE_ADDR, or, when that is a trusted proxy, the last
 * address of X-Forwarded-For (the one the proxy added; earlier ones are the client's say). */
const char *audit_client_addr(struct ctx *c)
{
    const char *remote = c->req->remote_addr;
    const char *xff = request_header(c->req, "X-Forwarded-For");
    if (!remote || !xff || !c->cfg ||
        !request_from_trusted_proxy(c->req, c->cfg->trusted_proxies))
        return remote;
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ')
        last++;
    return *last ? last : remote;
}

void audit_write(struct ctx *c)
{
    static long long last_prune;
    const struct audit_note *n = c->audit;
    if (!n || !n->action || !c->db)
        return;
    long long now = (long long)time(NULL);
    struct audit_row row = {
        .at = now, .status = c->res->status, .action = n->action,
        .actor_id = n->actor_id ? n->actor_id : c->session ? c->session->user->id : NULL,
        .actor_email = n->typed_email, .target_type = n->target_type,
        .target_id = n->target_id, .detail = n->detail, .client_addr = audit_client_addr(c),
        .user_agent = request_header(c->req, "User-Agent"),
    };
    if (db_audit_insert(c->db, &row) != DB_OK)
        log_error("audit: the row of %s could not be written", n->action);
    int keep = c->cfg ? c->cfg->audit_retention : 0;
    if (keep > 0 && now - last_prune >= 3600) {
        last_prune = now;
        db_audit_prune(c->db, now - keep);
    }
}

void audit_event(struct ctx *c, const char *action, const char *target_type,
                 const char *target_id, const char *actor_id, int status)
{
    if (!c->db)
        return;
    struct audit_row row = {
        .at = (long long)time(NULL), .status = status, .action = action,
        .actor_id = actor_id ? actor_id : c->session ? c->session->user->id : NULL,
        .target_type = target_type, .target_id = target_id,
        .client_addr = audit_client_addr(c),
        .user_agent = request_header(c->req, "User-Agent"),
    };
    if (db_audit_insert(c->db, &row) != DB_OK)
        log_error("audit: the row of %s could not be written", action);
}
