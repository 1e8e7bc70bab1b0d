/* libFuzzer harness: the Cookie header (and the Authorization header beside it) through
 * request_init, as a FastCGI worker receives them; every parsed cookie must be a non-empty
 * name with a value of the stated length and no NUL inside. Build and run: `make fuzz`. */
#include "config.h"

#include "usher/arena.h"
#include "usher/request.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '\0', size))
        return 0;                       /* FastCGI params are C strings */
    char *cookie = malloc(size + 13);
    memcpy(cookie, "HTTP_COOKIE=", 12);
    memcpy(cookie + 12, data, size);
    cookie[size + 12] = '\0';
    char *envp[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/api/v1/auths/", "QUERY_STRING=",
                     "HTTP_AUTHORIZATION=Basic dXNlcjpwYXNz", cookie, NULL };
    struct arena *a = arena_new(4096);
    struct request r;
    memset(&r, 0, sizeof(r));
    struct http_error err;
    if (request_init(&r, a, envp, &err) == 0) {
        for (size_t i = 0; i < r.ncookies; i++) {
            const struct param *p = &r.cookies[i];
            if (!p->name || !p->value || strlen(p->value) != p->value_len)
                abort();
        }
        const char *t = request_cookie(&r, "token");
        if (t && r.ncookies == 0)
            abort();
        request_release(&r);
    }
    arena_free(a);
    free(cookie);
    return 0;
}
