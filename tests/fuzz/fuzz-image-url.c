/* libFuzzer harness: the profile image URL validator (urlsplit-like parsing, data: URIs,
 * bracketed hosts) with the default and a tight policy, and the e-mail normaliser and
 * validator on the same bytes. Build and run: `make fuzz`. */
#include "config.h"

#include "usher/arena.h"
#include "usher/utf8.h"
#include "usher/validate.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, '\0', size) || !utf8_valid((const char *)data, size))
        return 0;                       /* the request layer refuses both */
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    const char *why = validate_profile_image_url(s, size, NULL);
    if (why && !why[0])
        abort();
    static const struct image_policy tight = { "image/png", 64 };
    validate_profile_image_url(s, size, &tight);
    struct arena *a = arena_new(1024);
    char *e = email_normalize(a, s);
    /* normalising twice changes nothing, and the result is valid UTF-8 */
    if (!utf8_valid(e, strlen(e)) || strcmp(email_normalize(a, e), e) != 0)
        abort();
    validate_email(e);
    arena_free(a);
    free(s);
    return 0;
}
