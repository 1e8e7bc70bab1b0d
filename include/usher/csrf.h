#ifndef USHER_CSRF_H
#define USHER_CSRF_H
/* CSRF protection for browser sessions (usher's difference #7). A POST authenticated by the
 * token cookie must carry a csrf_token field equal to the session's CSRF token, unless its
 * body is JSON: another site can make a browser POST a form or a body with no Content-Type
 * without a CORS preflight, but not JSON, nor any PUT, PATCH or DELETE. Bearer and API-key
 * callers need none.
 *
 * The token is an HMAC of the session token under the server secret: bound to the session,
 * so a cookie planted by a sibling subdomain cannot stand in for it, and stateless. It is
 * delivered in a csrf_token cookie (readable by the page, SameSite=Strict) at sign-in. */
#include <stdbool.h>

struct ctx;
struct request;

/* Returns 0 when the request may proceed, else fills c->res with 403 and returns -1. */
int csrf_check(struct ctx *c);
/* True when the browser says r is cross-site: Sec-Fetch-Site: cross-site, or an Origin
 * ("null" included) whose host is not the Host header's, ports aside. False with neither
 * header (not a browser, or an old one). */
bool csrf_cross_site(const struct request *r);
/* Login CSRF: sign-in and sign-up have no session to bind a token to, so a non-JSON body
 * (a form another site can make a browser post) is refused when the browser says the
 * request is cross-site: Sec-Fetch-Site: cross-site, or an Origin ("null" included) whose
 * host is not the Host header's, ports aside. JSON bodies and requests with neither header
 * (not a browser, or an old one) pass. Returns 0, or fills c->res with 403 and returns -1. */
int csrf_check_login(struct ctx *c);
/* Sets the csrf_token cookie for the session token and returns the CSRF token (arena). */
const char *csrf_issue(struct ctx *c, const char *session_token);

#endif
