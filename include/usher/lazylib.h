#ifndef USHER_LAZYLIB_H
#define USHER_LAZYLIB_H
/* Libraries loaded on first use instead of linked: libcurl (webfetch.c, OpenID Connect) and
 * libldap (directory.c, LDAP sign-in) pull in some twenty libraries (GnuTLS, Kerberos,
 * SASL, nghttp2, ...) that would be mapped and relocated in every worker, about 1.4 MB of
 * resident memory each, although most installations use neither. Their users keep the
 * libraries' headers for types and constants and call through a table of function pointers
 * that lazylib_load() fills with dlsym(). Not thread-safe (a worker is one thread); the
 * library stays loaded for the life of the process. */
#include <stdbool.h>
#include <stddef.h>

/* One function: its symbol and where its address goes (a function pointer member of the
 * user's table, passed as a data pointer; lazylib_load writes the address into it). */
struct lazylib_symbol {
    const char *name;
    void *slot;
};

enum lazylib_state { LAZYLIB_UNTRIED, LAZYLIB_LOADED, LAZYLIB_MISSING };

struct lazylib {
    const char *soname;                     /* what dlopen() is given: "libcurl.so.4" */
    const char *purpose;                    /* for the log: "OpenID Connect sign-in" */
    const struct lazylib_symbol *symbols;   /* every function the user calls */
    size_t nsymbols;
    enum lazylib_state state;               /* LAZYLIB_UNTRIED in a static initializer */
    char error[256];                        /* why it is LAZYLIB_MISSING */
};

/* A static initializer of a struct lazylib for the array of symbols syms. */
#define LAZYLIB_INIT(soname_, purpose_, syms) \
    { .soname = (soname_), .purpose = (purpose_), .symbols = (syms), \
      .nsymbols = sizeof(syms) / sizeof((syms)[0]) }

/* Loads lib (dlopen RTLD_NOW, then every symbol) the first time, and answers at once after.
 * Returns true when every slot is filled. On failure no slot is used, lazylib_error() says
 * why, and that is logged once (log_error) per process; later calls return false without
 * trying again (a library installed meanwhile needs a restart). */
bool lazylib_load(struct lazylib *lib);

/* Why lib could not be loaded ("" when it was, or was not tried): a static string in lib. */
const char *lazylib_error(const struct lazylib *lib);

#endif
