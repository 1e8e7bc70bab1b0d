#ifndef USHER_BASE64URL_H
#define USHER_BASE64URL_H
/* base64url without padding (RFC 7515 §2), and standard base64 decoding for data: URIs. */
#include <stddef.h>

/* Encodes len bytes into out (needs base64url_encoded_len(len)+1 bytes, NUL-terminated).
 * Returns the encoded length. */
size_t base64url_encode(const unsigned char *in, size_t len, char *out);
static inline size_t base64url_encoded_len(size_t len) { return (len * 4 + 2) / 3; }
/* Decodes base64url (no padding; '=' padding refused) into out (needs len*3/4+1 bytes; a
 * NUL is written after the data). Returns the decoded length, or -1 for an invalid
 * character, an impossible length (4n+1) or non-zero unused trailing bits. */
long base64url_decode(const char *in, size_t len, unsigned char *out);
/* Decodes standard base64 (with optional '=' padding, no whitespace) into out (same size
 * rule). Non-zero unused trailing bits are tolerated, as Python's decoder does. Returns
 * the length or -1. */
long base64_decode(const char *in, size_t len, unsigned char *out);

#endif
