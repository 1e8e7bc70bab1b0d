#ifndef USHER_CSRF_H
#define USHER_CSRF_H
/* Double-submit CSRF protection for browser form posts (usher's difference #7): a
 * urlencoded or multipart POST authenticated by the session cookie must carry a field
 * csrf_token equal to the csrf_token cookie. JSON posts (which a cross-site form cannot
 * send without a CORS preflight) and Bearer/API-key callers need none. */
struct ctx;

/* Returns 0 when the request may proceed, else fills c->res with 403 and returns -1. */
int csrf_check(struct ctx *c);
/* Sets a fresh csrf_token cookie (readable by the page, SameSite=Strict) and returns it. */
const char *csrf_issue(struct ctx *c);

#endif
