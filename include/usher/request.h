#ifndef USHER_REQUEST_H
#define USHER_REQUEST_H
/* One HTTP request as the worker sees it, built from the FastCGI params and the body.
 * Handlers never read CGI variables themselves: they use this struct. All memory comes
 * from the request's arena, except `fields`, a json-c object released by request_release. */
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

struct arena;

struct param {
    const char *name;
    const char *value;
    size_t value_len;
};

enum body_kind { BODY_NONE, BODY_JSON, BODY_FORM };

/* A failed parse: status is the HTTP status (400, 413, 415, 422); detail is the text.
 * When type is non-empty the error is a FastAPI validation error and is rendered as
 * {"detail":[{"type":type,"loc":["body"...],"msg":detail,"input":null}]}. */
struct http_error {
    int status;
    char type[32];
    char detail[200];
};

struct request {
    struct arena *arena;
    const char *method;          /* "GET", ... */
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
 * comes from REQUEST_URI (up to '?'), falling back to SCRIPT_NAME+PATH_INFO; it is
 * percent-decoded once and must start with '/'. Returns 0, or -1 with err filled:
 * 400 for bad percent-encoding, NUL, a ".." segment, or invalid UTF-8 in the path or query. */
int request_init(struct request *r, struct arena *a, char *const *envp, struct http_error *err);

/* Reads the body with read_fn (returns bytes read, 0 at end, -1 on error) up to max bytes.
 * A body whose CONTENT_LENGTH exceeds max is refused with 413 before anything is read;
 * one that turns out longer is cut off at max+1 and refused with 413 too (the rest is
 * not read). Returns 0 or -1 with err. */
typedef long (*body_read_fn)(void *ctx, char *buf, size_t len);
int request_read_body(struct request *r, body_read_fn read_fn, void *ctx, size_t max,
                      struct http_error *err);

/* Sets r->body/body_len directly (unit tests, benchmarks). The bytes are copied. */
void request_set_body(struct request *r, const char *body, size_t len);

/* Turns r->body into r->fields according to Content-Type: application/json (or none with
 * a body starting with '{' or '['), application/x-www-form-urlencoded, multipart/form-data.
 * Errors: 422 json_invalid for malformed JSON, 422 for JSON nested deeper than 32,
 * 400 for bad percent-encoding or a broken multipart body, 400 for invalid UTF-8 in any
 * string, 415 for another content type. An empty body leaves fields NULL. Returns 0 or -1. */
int request_parse_body(struct request *r, struct http_error *err);

/* Releases r->fields. */
void request_release(struct request *r);

/* Lookups; NULL when absent. request_header takes the HTTP name ("X-Api-Key") and reads
 * the FastCGI param HTTP_X_API_KEY. */
const char *request_header(const struct request *r, const char *name);
const char *request_query(const struct request *r, const char *name);
const char *request_cookie(const struct request *r, const char *name);
const char *request_env(const struct request *r, const char *name);
/* True when the client asked for HTML (Accept contains text/html) and posted a form. */
bool request_is_browser_form(const struct request *r);

#endif
