/* UTF-8 checks and lengths over byte strings (see utf8.h). */
#include "config.h"
#include "usher/utf8.h"

/* Well-formed UTF-8 as in RFC 3629 / Unicode table 3-7: the second byte's range depends on
 * the first, which rules out overlongs (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and
 * code points above U+10FFFF (F4 90.., F5..FF). */
bool utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;   /* allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return false;   /* continuation byte as lead, C0/C1 overlong, or F5..FF */
        }
        if (len - i <= need)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        i += need + 1;
    }
    return true;
}

size_t utf8_truncate(const char *str, size_t len, size_t max)
{
    if (max >= len)
        return len;
    const unsigned char *s = (const unsigned char *)str;
    /* s[max] is the first byte cut off. If it continues a sequence, find that sequence's
     * lead byte (at most 3 bytes back) and cut before it when the sequence would be split. */
    size_t n = max;
    for (int steps = 0; steps < 3 && n > 0 && (s[n] & 0xC0) == 0x80; steps++)
        n--;
    if (n == max || s[n] < 0xC0)
        return max;     /* a boundary already, or stray continuation bytes: not UTF-8 */
    size_t seq = s[n] >= 0xF0 ? 4 : s[n] >= 0xE0 ? 3 : 2;
    return n + seq > max ? n : max;
}

size_t utf8_length(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}
