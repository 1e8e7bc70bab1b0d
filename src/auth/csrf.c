/* Double-submit CSRF tokens for browser form posts (see csrf.h). */
#include "config.h"
#include "usher/csrf.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/ctx.h"
#include "usher/session.h"
#include "usher/settings.h"

#define CSRF_FIELD "csrf_token"

int csrf_check(struct ctx *c)
{
    const struct request *r = c->req;
    if (r->body_kind != BODY_FORM || !c->session || c->session->kind != CRED_JWT)
        return 0;
    /* Only a session carried by the cookie can be ridden by another site. */
    const char *auth = r->authorization;
    if (auth && auth[0])
        return 0;
    const char *cookie = request_cookie(r, CSRF_FIELD);
    struct json_object *v = NULL;
    const char *field = NULL;
    if (r->fields && json_object_object_get_ex(r->fields, CSRF_FIELD, &v) &&
        json_object_is_type(v, json_type_string))
        field = json_object_get_string(v);
    if (cookie && field && strlen(cookie) >= 32 && strlen(cookie) == strlen(field) &&
        CRYPTO_memcmp(cookie, field, strlen(cookie)) == 0)
        return 0;
    response_detail(c->res, 403, "CSRF token missing or invalid");
    return -1;
}

const char *csrf_issue(struct ctx *c)
{
    unsigned char b[24];
    if (RAND_bytes(b, sizeof(b)) != 1)
        return NULL;
    char *tok = arena_alloc(c->arena, 2 * sizeof(b) + 1);
    for (size_t i = 0; i < sizeof(b); i++)
        snprintf(tok + 2 * i, 3, "%02x", b[i]);
    struct cookie_opts o = { .expires = 0, .max_age = -1, .http_only = false,
                             .secure = settings_env()->cookie_secure, .same_site = "Strict" };
    response_set_cookie(c->res, CSRF_FIELD, tok, &o);
    return tok;
}
