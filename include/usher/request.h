#ifndef USHER_REQUEST_H
#define USHER_REQUEST_H
/* One HTTP request as the worker sees it, built from the FastCGI params and the body.
 * Handlers never read CGI variables themselves: they use this struct. All memory comes
 * from the request's arena, except `fields`, a json-c object released by request_release. */
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include "usher/http_error.h"

struct arena;

struct param {
    const char *name;
    const char *value;
    size_t value_len;
};

enum body_kind { BODY_NONE, BODY_JSON, BODY_FORM };

/* The request method, parsed once from REQUEST_METHOD (the text stays in r->method for
 * logs). */
enum http_method {
    HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE, HTTP_OPTIONS, HTTP_OTHER,
};
/* The method of a method name (exact, upper case as HTTP has it); HTTP_OTHER otherwise. */
enum http_method http_method_parse(const char *name);
/* The name of m ("GET", ...; "OTHER" for HTTP_OTHER). */
const char *http_method_name(enum http_method m);

struct request {
    struct arena *arena;
    const char *method;          /* "GET", ... (for logs) */
    enum http_method method_id;  /* the same, parsed */
    const char *path;            /* percent-decoded once, e.g. "/api/v1/users/x" */
    const char *query_string;    /* raw, without '?', "" when absent */
    struct param *query;  size_t nquery;    /* decoded query parameters, in order */
    struct param *cookies; size_t ncookies; /* from the Cookie header, in order */
    const char *authorization;   /* HTTP_AUTHORIZATION or NULL */
    const char *content_type;    /* CONTENT_TYPE or NULL */
    const char *accept;          /* HTTP_ACCEPT or NULL */
    const char *host;            /* HTTP_HOST or NULL */
    const char *remote_addr;     /* REMOTE_ADDR or NULL */
    const char *https;           /* HTTPS param ("on") or NULL */
    size_t content_length;       /* CONTENT_LENGTH, 0 when absent */
    char *const *envp;           /* every FastCGI param, "NAME=value", NULL-terminated */
    const char *body;            /* raw body (NUL-terminated copy), NULL when none */
    size_t body_len;
    enum body_kind body_kind;
    /* The body as one field view, whatever its encoding: for JSON the parsed value (any
     * JSON type); for urlencoded and multipart a JSON object whose members are strings,
     * or arrays of strings for repeated names (a trailing "[]" on a name is dropped).
     * NULL when there is no body. Owned by the request. */
    struct json_object *fields;
};

/* Parses method, path, query, headers and cookies from envp (FastCGI params). The path
 * comes from REQUEST_URI (up to '?'; an absolute-form "http://host/p" keeps "/p"), is
 * percent-decoded once ('+' stays '+') and must start with '/'. Without REQUEST_URI it is
 * DOCUMENT_URI, else SCRIPT_NAME+PATH_INFO, taken as they are (the server decoded them).
 * Query parameters are decoded ('+' is a space); cookies are split RFC 6265 style (trimmed,
 * quotes removed, not decoded; pairs without '=' or a name, or not UTF-8, are skipped).
 * Returns 0, or -1 with err filled: 400 "Invalid path" for bad percent-encoding, NUL, a ".."
 * segment or invalid UTF-8 in the path, 400 "Invalid query string" for the same in the
 * query, 400 "Invalid Content-Length". An absent REQUEST_METHOD reads as "GET". */
int request_init(struct request *r, struct arena *a, char *const *envp, struct http_error *err);

/* Reads the body with read_fn (returns bytes read, 0 at end, -1 on error) up to max bytes.
 * A body whose CONTENT_LENGTH exceeds max is refused with 413 before anything is read;
 * with a CONTENT_LENGTH exactly that many bytes are read (fewer is a 400). Without one the
 * body is read to its end, and one that turns out longer than max is cut off at max+1 and
 * refused with 413 too (the rest is not read). 413's detail is "Request body too large".
 * The body is copied into the arena, NUL-terminated; no bytes leave r->body NULL.
 * Returns 0 or -1 with err. */
typedef long (*body_read_fn)(void *ctx, char *buf, size_t len);
int request_read_body(struct request *r, body_read_fn read_fn, void *ctx, size_t max,
                      struct http_error *err);

/* Sets r->body/body_len directly (unit tests, benchmarks). The bytes are copied
 * (NUL-terminated); len 0 leaves r->body NULL. */
void request_set_body(struct request *r, const char *body, size_t len);

/* Turns r->body into r->fields according to Content-Type (media type compared without case,
 * parameters ignored): application/json or application/<x>+json, and no Content-Type at all
 * (as FastAPI does) -> JSON, any top-level value (r->fields stays NULL for the literal null);
 * application/x-www-form-urlencoded and multipart/form-data (parts up to 1 MiB) -> BODY_FORM.
 * Errors: 422 json_invalid "JSON decode error" for malformed JSON (invalid UTF-8, lone
 * surrogate escapes and \u0000 included), 422 json_invalid for JSON nested deeper than 32;
 * 400 for bad percent-encoding, a broken multipart body or invalid UTF-8/NUL in a form
 * string; 413 for a multipart part over 1 MiB; 415 "Unsupported Media Type" for another
 * content type. An empty or all-whitespace body leaves fields NULL and body_kind BODY_NONE.
 * Returns 0 or -1. */
int request_parse_body(struct request *r, struct http_error *err);

/* Releases r->fields. */
void request_release(struct request *r);

/* Lookups; NULL when absent. request_header takes the HTTP name ("X-Api-Key", any case) and
 * reads the FastCGI param HTTP_X_API_KEY (Content-Type/Content-Length: CONTENT_TYPE and
 * CONTENT_LENGTH). request_query and request_cookie return the first of repeated names;
 * request_env looks a param up by its exact name. */
const char *request_header(const struct request *r, const char *name);
const char *request_query(const struct request *r, const char *name);
const char *request_cookie(const struct request *r, const char *name);
const char *request_env(const struct request *r, const char *name);
/* True when the client asked for HTML (Accept contains text/html) and the Content-Type is
 * urlencoded or multipart form data. */
bool request_is_browser_form(const struct request *r);
/* True when r->remote_addr is one of the comma- or space-separated addresses of
 * trusted_proxies (compared as text; NULL or "" trusts nobody). */
bool request_from_trusted_proxy(const struct request *r, const char *trusted_proxies);
/* True when the client's request came over HTTPS: the web server's HTTPS param is set (and
 * not "off"), or the request came from a trusted proxy (request_from_trusted_proxy) whose
 * X-Forwarded-Proto says "https" (its last comma-separated value, the one that proxy
 * added). An X-Forwarded-Proto from anyone else is ignored. */
bool request_is_https(const struct request *r, const char *trusted_proxies);

#endif
