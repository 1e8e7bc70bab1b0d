#ifndef USHER_ENCODING_H
#define USHER_ENCODING_H
/* Percent-decoding of HTTP input (the UTF-8 checks are in utf8.h). Pure functions. */
#include <stdbool.h>
#include <stddef.h>

/* Decodes %XX escapes (and '+' as space when plus_is_space) from src[0..len) into dst,
 * which must hold len+1 bytes. Returns the decoded length, or -1 for a malformed escape.
 * dst is NUL-terminated; the decoded text may contain NUL bytes (callers that need C
 * strings reject those via memchr). */
long percent_decode(const char *src, size_t len, char *dst, bool plus_is_space);

#endif
