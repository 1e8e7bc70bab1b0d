#ifndef USHER_UTF8_H
#define USHER_UTF8_H
/* UTF-8 over byte strings: validity, length in code points, a cut that keeps sequences
 * whole. Pure functions (the base layer: HTTP input, the models and the audit log use them). */
#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool utf8_valid(const char *s, size_t len);
/* Code points in s[0..len) (Python's len() of the str): bytes that do not continue a
 * UTF-8 sequence. */
size_t utf8_length(const char *s, size_t len);
/* Largest n <= max such that s[0..n) does not end inside a multi-byte sequence. */
size_t utf8_truncate(const char *s, size_t len, size_t max);

#endif
