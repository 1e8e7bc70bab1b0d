#ifndef USHER_ENCODING_H
#define USHER_ENCODING_H
/* Byte-level helpers for HTTP input: percent-decoding and UTF-8 validation. Pure functions. */
#include <stdbool.h>
#include <stddef.h>

/* Decodes %XX escapes (and '+' as space when plus_is_space) from src[0..len) into dst,
 * which must hold len+1 bytes. Returns the decoded length, or -1 for a malformed escape.
 * dst is NUL-terminated; the decoded text may contain NUL bytes (callers that need C
 * strings reject those via memchr). */
long percent_decode(const char *src, size_t len, char *dst, bool plus_is_space);
/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool utf8_valid(const char *s, size_t len);
/* Code points in s[0..len) (Python's len() of the str): bytes that do not continue a
 * UTF-8 sequence. */
size_t utf8_length(const char *s, size_t len);
/* Largest n <= max such that s[0..n) does not end inside a multi-byte sequence. */
size_t utf8_truncate(const char *s, size_t len, size_t max);

#endif
