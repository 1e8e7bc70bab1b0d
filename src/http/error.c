/* The failure of a request parser (see http_error.h). */
#include "config.h"
#include "usher/http_error.h"

#include <stdio.h>

void http_error_set(struct http_error *err, int status, const char *type, const char *detail)
{
    if (!err)
        return;
    err->status = status;
    snprintf(err->type, sizeof(err->type), "%s", type);
    snprintf(err->detail, sizeof(err->detail), "%s", detail);
}
