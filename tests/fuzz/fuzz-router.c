/* libFuzzer harness: the route matcher on the application's own table (api/routes.c): any
 * method and any decoded path. A match must name a route of the table, with parameters
 * that are non-empty and hold no '/'. Build and run: `make fuzz`. */
#include "config.h"

#include "usher/router.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || memchr(data + 1, '\0', size - 1))
        return 0;
    enum http_method m = (enum http_method)(data[0] % (HTTP_OTHER + 1));
    char *path = malloc(size);
    memcpy(path, data + 1, size - 1);
    path[size - 1] = '\0';
    struct route_match *match = malloc(sizeof(*match));
    enum route_status st = router_match(usher_routes, usher_routes_count, m, path, match);
    if (st == ROUTE_FOUND) {
        if (match->route < usher_routes || match->route >= usher_routes + usher_routes_count)
            abort();
        for (size_t i = 0; i < match->nparams; i++)
            if (!match->values[i][0] || strchr(match->values[i], '/'))
                abort();
        route_param(match, "user_id");
        route_param(match, "id");
    } else if (st == ROUTE_REDIRECT) {
        if (match->redirect[0] != '/')
            abort();
    }
    free(match);
    free(path);
    return 0;
}
