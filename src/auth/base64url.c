/* base64url (RFC 4648 §5, no padding) for JWT parts and sealed API keys, and standard
 * base64 decoding (RFC 4648 §4) for data: URIs. Decoders are strict: any byte outside the
 * alphabet, a length no encoder can produce, or misplaced padding is an error. */
#include "config.h"

#include "usher/base64url.h"

#include <stdbool.h>

static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t base64url_encode(const unsigned char *in, size_t len, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = url_alphabet[v >> 18 & 63];
        out[o++] = url_alphabet[v >> 12 & 63];
        out[o++] = url_alphabet[v >> 6 & 63];
        out[o++] = url_alphabet[v & 63];
    }
    if (len - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = url_alphabet[v >> 18 & 63];
        out[o++] = url_alphabet[v >> 12 & 63];
    } else if (len - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = url_alphabet[v >> 18 & 63];
        out[o++] = url_alphabet[v >> 12 & 63];
        out[o++] = url_alphabet[v >> 6 & 63];
    }
    out[o] = '\0';
    return o;
}

/* The 6-bit value of c in either alphabet, or -1. */
static int sextet(unsigned char c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

/* Decodes len unpadded characters. A final group of 2 or 3 characters carries 1 or 2
 * bytes; its unused low bits must be zero when canonical is set (RFC 4648 §3.5), so one
 * byte string has exactly one encoding. */
static long decode_unpadded(const char *in, size_t len, unsigned char *out, bool url,
                            bool canonical)
{
    if (len % 4 == 1)
        return -1;
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = sextet((unsigned char)in[i], url);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    /* 0, 2 or 4 bits are left over; they are padding and must be zero. */
    if (canonical && bits > 0 && (acc & ((1u << bits) - 1)) != 0)
        return -1;
    out[o] = '\0';
    return (long)o;
}

long base64url_decode(const char *in, size_t len, unsigned char *out)
{
    return decode_unpadded(in, len, out, true, true);
}

long base64_decode(const char *in, size_t len, unsigned char *out)
{
    /* Padding, when present, completes the last quantum: the total is a multiple of 4 and
     * at most two '=' end it (a third one is then an invalid character). Without padding
     * the unpadded length rules apply. */
    size_t pad = 0;
    while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
        pad++;
    if (pad > 0 && len % 4 != 0)
        return -1;
    /* Non-canonical trailing bits are tolerated here, as Python's b64decode does: data:
     * URIs come from arbitrary encoders and only the decoded bytes matter. */
    return decode_unpadded(in, len - pad, out, false, false);
}
