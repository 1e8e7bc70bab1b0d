#ifndef USHER_RESPONSE_H
#define USHER_RESPONSE_H
/* The response a handler builds: status, headers, body. Serialised by the worker onto the
 * FastCGI stream. All strings live in the request's arena. */
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

struct arena;
struct http_error;

#define RESPONSE_MAX_HEADERS 24

struct header { const char *name; const char *value; };

struct response {
    struct arena *arena;
    int status;                  /* 0 until a handler sets one */
    const char *content_type;
    struct header headers[RESPONSE_MAX_HEADERS];
    size_t nheaders;
    const char *body;
    size_t body_len;
    bool no_store;               /* adds Cache-Control: no-store */
};

struct cookie_opts {
    long long expires;           /* epoch seconds; 0 = session cookie */
    long long max_age;           /* seconds; < 0 = not sent */
    bool http_only;
    bool secure;
    const char *same_site;       /* "lax", "strict", "none" or NULL */
    const char *path;            /* default "/" */
};

/* An empty response (status 0: no answer yet) whose strings live in a. */
void response_init(struct response *res, struct arena *a);
/* Serialises obj (json-c, compact, "/" not escaped) as the body with status and
 * Content-Type application/json, then drops the caller's reference to obj. */
void response_json(struct response *res, int status, struct json_object *obj);
/* {"detail": detail} with status. */
void response_detail(struct response *res, int status, const char *detail);
/* {"detail": [ {type, loc:["body", field], msg, input} ]} with 422; list is a json array that
 * the response takes over. Only its first RESPONSE_VALIDATION_MAX_ITEMS items are sent. */
#define RESPONSE_VALIDATION_MAX_ITEMS 50
void response_validation(struct response *res, struct json_object *list);
/* Renders a request parse error (struct http_error) as detail or validation list. */
void response_http_error(struct response *res, const struct http_error *err);
/* Plain bytes with a content type. */
void response_bytes(struct response *res, int status, const char *content_type,
                    const char *body, size_t len);
/* The same for a body already in the response's arena (res->arena), kept as it is: no
 * copy (a large answer built there, e.g. the group listing). */
void response_arena_bytes(struct response *res, int status, const char *content_type,
                          const char *body, size_t len);
/* Redirect with Location (301, 302, 303, 307). */
void response_redirect(struct response *res, int status, const char *location);
/* True when p is a path on this site and nothing else (for a redirect's "next"): one '/'
 * not followed by another, printable ASCII only, no backslash. */
bool response_local_path(const char *p);
/* Adds a header (name and value are copied only if not static; pass arena strings). Header
 * values containing CR or LF are dropped. */
void response_header(struct response *res, const char *name, const char *value);
void response_set_cookie(struct response *res, const char *name, const char *value,
                         const struct cookie_opts *opts);
/* Expires a cookie (Max-Age=0, an Expires in the past). */
void response_delete_cookie(struct response *res, const char *name);
/* The status line reason ("Not Found") for code. */
const char *response_reason(int status);
/* Writes "Status: ...\r\nheaders\r\n\r\nbody" into a new arena buffer; returns its length. */
size_t response_serialize(const struct response *res, char **out);

#endif
