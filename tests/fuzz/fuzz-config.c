/* libFuzzer harness: the usher.conf parser (config_load) on arbitrary file contents. A
 * loaded configuration must hold its keys' ranges. Build and run: `make fuzz`. */
#define _GNU_SOURCE
#include "config.h"

#include "usher/config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1;
static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0) {
        fd = memfd_create("usher.conf", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    struct usher_config cfg;
    char err[512];
    if (config_load(path, &cfg, err, sizeof(err)) == 0) {
        if (cfg.pm_max_children < 1 || cfg.pm_max_children > SCOREBOARD_MAX_WORKERS ||
            cfg.bcrypt_cost < 4 || cfg.bcrypt_cost > 31 || cfg.bcrypt_max_running < 0 ||
            cfg.bcrypt_max_running > SCOREBOARD_MAX_WORKERS || cfg.request_body_max < 1)
            abort();
    } else if (!memchr(err, '\0', sizeof(err)) || !err[0]) {
        abort();                        /* a refusal always says why */
    }
    config_free(&cfg);
    return 0;
}
