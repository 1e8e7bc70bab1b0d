#ifndef USHER_HTTP_ERROR_H
#define USHER_HTTP_ERROR_H
/* Why reading a request failed, as the parsers of http/ report it (request.c, form.c,
 * multipart.c) and response_http_error answers it. */

/* A failed parse: status is the HTTP status (400, 413, 415, 422); detail is the text.
 * When type is non-empty the error is a FastAPI validation error and is rendered as
 * {"detail":[{"type":type,"loc":["body"...],"msg":detail,"input":null}]}. */
struct http_error {
    int status;
    char type[32];
    char detail[200];
};

/* Fills err (NULL is accepted): status, the 422 type ("" for a plain detail) and detail. */
void http_error_set(struct http_error *err, int status, const char *type, const char *detail);

#endif
