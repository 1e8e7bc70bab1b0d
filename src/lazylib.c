/* Libraries loaded on first use (see lazylib.h). */
#include "config.h"
#include "usher/lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "usher/log.h"

bool lazylib_load(struct lazylib *lib)
{
    if (lib->state != LAZYLIB_UNTRIED)
        return lib->state == LAZYLIB_LOADED;
    lib->state = LAZYLIB_MISSING;
    /* RTLD_LOCAL: its symbols serve only the slots below, never another library's lookups. */
    void *handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *why = dlerror();
        snprintf(lib->error, sizeof(lib->error), "%s cannot be loaded (%s): %s", lib->soname,
                 lib->purpose, why ? why : "unknown error");
        log_error("%s", lib->error);
        return false;
    }
    for (size_t i = 0; i < lib->nsymbols; i++) {
        dlerror();
        void *addr = dlsym(handle, lib->symbols[i].name);
        if (!addr) {
            snprintf(lib->error, sizeof(lib->error), "%s has no %s (%s): not the library usher "
                     "was built for", lib->soname, lib->symbols[i].name, lib->purpose);
            log_error("%s", lib->error);
            dlclose(handle);
            return false;
        }
        /* POSIX guarantees a function's address fits a void *; memcpy writes it into the
         * function pointer member without converting between object and function pointers. */
        memcpy(lib->symbols[i].slot, &addr, sizeof(addr));
    }
    lib->state = LAZYLIB_LOADED;
    lib->error[0] = '\0';
    return true;
}

const char *lazylib_error(const struct lazylib *lib)
{
    return lib->state == LAZYLIB_MISSING ? lib->error : "";
}
