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
struct ctx;
struct request;

#include <stdbool.h>

/* The one Origin check of the API and the pages: true when the browser says the request
 * comes from this site (or says nothing: not a browser, or an old one): Sec-Fetch-Site
 * absent, "same-origin" or "none", and Origin absent or equal to this request's
 * scheme://host[:port], the port included (Debian's fastcgi_params passes nginx's $host
 * without the port: then SERVER_PORT stands for it). The scheme is request_is_https's: the
 * HTTPS param, or X-Forwarded-Proto from a trusted_proxies address, whose X-Forwarded-Port
 * (else 443) is then the port. An Origin of "null" is not this site. */
bool csrf_same_origin(const struct ctx *c);
/* For a POST authenticated by the cookie whose body is not JSON: 0 when it carries the
 * session's token and csrf_same_origin holds, else fills c->res with 403 and returns -1.
 * Any other request: 0. */
int csrf_check(struct ctx *c);
/* Login CSRF: sign-in and sign-up have no session to bind a token to, so a non-JSON body
 * (a form another site can make a browser post) is refused unless csrf_same_origin holds.
 * JSON bodies pass. Returns 0, or fills c->res with 403 and returns -1. */
int csrf_check_login(struct ctx *c);
/* Sets the csrf_token cookie for the session token and returns the CSRF token (arena). */
const char *csrf_issue(struct ctx *c, const char *session_token);

#endif
