#ifndef USHER_AUDIT_H
#define USHER_AUDIT_H
/* The audit trail, seen from the handlers: a handler marks its request as audited (the
 * action and what it acts on); app.c writes one audit_log row after the handler with the
 * status the request was answered with, the caller, the client address and user agent.
 * Nothing of the body is recorded but what the handler names (never a password, token or
 * key). */
struct ctx;

/* Marks c's request as audited: action ("user.delete", ...) on target_type/target_id
 * (either may be NULL). The strings must outlive the request (literals or arena). */
void audit_note(struct ctx *c, const char *action, const char *target_type,
                const char *target_id);
/* The acting user when the request has no session (sign-in, sign-up: the account that
 * signed in), and the e-mail as typed for a sign-in, even a failed one. */
void audit_actor(struct ctx *c, const char *actor_id, const char *typed_email);
/* A short description, such as the fields an update changed (no values). */
void audit_detail(struct ctx *c, const char *detail);
/* The client address the audit trail records: the web server's REMOTE_ADDR, or the last
 * X-Forwarded-For entry when REMOTE_ADDR is one of trusted_proxies (arena or request
 * memory; NULL when unknown). */
const char *audit_client_addr(struct ctx *c);
/* Writes one more audit row at once, beside the request's own (an account locking during a
 * sign-in): action on target_type/target_id, with status, the request's caller, address and
 * user agent. A failure is logged. */
void audit_event(struct ctx *c, const char *action, const char *target_type,
                 const char *target_id, const char *actor_id, int status);
/* After the handler (app.c): writes the row of an audited request, pruning rows older than
 * audit.retention at most once an hour per worker. A failure is logged and does not change
 * the answer. */
void audit_write(struct ctx *c);

#endif
