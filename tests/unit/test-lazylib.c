/* Tests of the libraries loaded on first use (lazylib.h): a library that loads fills its
 * slots; a missing one, or one without a symbol, is refused with the reason, logged once,
 * and not tried again. */
#include "config.h"

#include "usher/lazylib.h"
#include "usher/log.h"
#include "tap.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
    __typeof__(&curl_version) version;
} fn;

static int lines_of(const char *path)
{
    FILE *f = fopen(path, "r");
    int n = 0, ch;
    while (f && (ch = fgetc(f)) != EOF)
        n += ch == '\n';
    if (f)
        fclose(f);
    return n;
}

int main(void)
{
    char log_path[] = "/tmp/usher-test-lazylib-XXXXXX";
    int fd = mkstemp(log_path);
    ok(fd >= 0 && log_open(log_path) == 0, "log to a scratch file");

    const struct lazylib_symbol curl_syms[] = { { "curl_version", &fn.version } };
    struct lazylib curl = { .soname = LIBCURL_SONAME, .purpose = "a test",
                            .symbols = curl_syms, .nsymbols = 1 };
    ok(lazylib_load(&curl), "the configured libcurl loads");
    ok(fn.version && strncmp(fn.version(), "libcurl/", 8) == 0, "and its function is called");
    is_str(lazylib_error(&curl), "", "no error");
    ok(lazylib_load(&curl), "loaded once, answered after");
    is_int(lines_of(log_path), 0, "nothing logged");

    void *slot = NULL;
    const struct lazylib_symbol none_syms[] = { { "nothing", &slot } };
    struct lazylib none = { .soname = "libusher-no-such-library.so.9", .purpose = "a test",
                            .symbols = none_syms, .nsymbols = 1 };
    ok(!lazylib_load(&none), "a missing library is refused");
    ok(strstr(lazylib_error(&none), "libusher-no-such-library.so.9 cannot be loaded (a test)") != NULL,
       "the error names it and what it is for");
    ok(!lazylib_load(&none) && !lazylib_load(&none), "and refused again at once");
    is_int(lines_of(log_path), 1, "logged once");

    struct lazylib bad = { .soname = LIBCURL_SONAME, .purpose = "a test",
                           .symbols = (const struct lazylib_symbol[]){ { "curl_version", &fn.version },
                                                                       { "curl_no_such_function", &slot } },
                           .nsymbols = 2 };
    ok(!lazylib_load(&bad), "a library without a function is refused");
    ok(strstr(lazylib_error(&bad), "has no curl_no_such_function") != NULL, "the error names the function");
    is_int(lines_of(log_path), 2, "logged once");

    close(fd);
    unlink(log_path);
    return tap_done();
}
