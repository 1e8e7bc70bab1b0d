/* Pure validators: email format (§7.1), role, profile image URL (§7.7, D22), password policy
 * (§3.6) with a translator from the Python regex subset that Open WebUI's patterns use to
 * POSIX extended regular expressions. */
#include "config.h"

#include "usher/validate.h"
#include "usher/arena.h"
#include "usher/utf8.h"
#include "usher/log.h"
#include "usher/pyregex.h"

#include <locale.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

/* ------------------------------------------------------------------ characters */

/* The code point that starts the well-formed UTF-8 text at p (NUL-terminated), its length
 * in *n; -1 (with *n = 1) for a byte that does not start a well-formed sequence. */
static long utf8_next(const unsigned char *p, size_t *n)
{
    size_t len = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
               : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
    *n = 1;
    if (len == 0)
        return -1;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return -1;
    if (!utf8_valid((const char *)p, len))   /* overlong, surrogate, above U+10FFFF */
        return -1;
    static const unsigned char lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
    long cp = p[0] & lead_mask[len];
    for (size_t i = 1; i < len; i++)
        cp = (cp << 6) | (p[i] & 0x3f);
    *n = len;
    return cp;
}

static bool is_control(long cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* The invisible format characters an address may not hold (see email_chars_ok). */
static bool is_invisible_format(long cp)
{
    return cp == 0xad || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2060 && cp <= 0x2064) || cp == 0xfeff;
}

bool email_chars_ok(const char *email)
{
    if (!email)
        return false;
    const unsigned char *p = (const unsigned char *)email;
    while (*p) {
        size_t n;
        long cp = utf8_next(p, &n);
        if (cp < 0 || is_control(cp) || is_invisible_format(cp) || cp == '<' || cp == '>')
            return false;
        p += n;
    }
    return true;
}

const char *validate_name(const char *name, size_t len, const void *unused)
{
    (void)unused;
    if (!name)
        return NAME_MSG_CONTROL;
    if (!utf8_valid(name, len))
        return NAME_MSG_UTF8;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        /* C0 (a NUL included), DEL, and C1 (U+0080-U+009F: 0xc2 0x80-0x9f in UTF-8) */
        if (c < 0x20 || c == 0x7f ||
            (c == 0xc2 && i + 1 < len && (unsigned char)name[i + 1] <= 0x9f))
            return NAME_MSG_CONTROL;
    }
    return NULL;
}

char *name_blank_controls(char *name)
{
    if (!name)
        return NULL;
    unsigned char *r = (unsigned char *)name, *w = r;
    while (*r) {
        if (*r < 0x20 || *r == 0x7f) {
            *w++ = ' ';
            r++;
        } else if (r[0] == 0xc2 && r[1] >= 0x80 && r[1] <= 0x9f) {
            *w++ = ' ';
            r += 2;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return name;
}

/* ------------------------------------------------------------------ email, role */

/* Equivalent to Python's re.match(r"[^@]+@[^@]+\.[^@]+", email): the local part is everything
 * before the first '@' (at least one byte); the domain run goes up to the next '@' or the end
 * and needs a '.' with at least one byte on each side of it inside that run. */
bool validate_email(const char *email)
{
    if (!email || !email_chars_ok(email))
        return false;
    size_t n = strlen(email);
    static const char localhost[] = "@localhost";
    if (n >= sizeof(localhost) - 1 && memcmp(email + n - (sizeof(localhost) - 1), localhost,
                                             sizeof(localhost) - 1) == 0)
        return true;
    const char *at = strchr(email, '@');
    if (!at || at == email)
        return false;
    const char *domain = at + 1;
    const char *end = strchr(domain, '@');
    if (!end)
        end = email + n;
    for (const char *p = domain + 1; p + 1 < end; p++)
        if (*p == '.')
            return true;
    return false;
}


/* The length of the white space (or invisible space-like character) that starts p, 0 when
 * there is none: ASCII space and controls \t\n\v\f\r, U+0085, U+00A0, U+1680,
 * U+2000-U+200B, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF. */
static size_t space_at(const unsigned char *p)
{
    if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        return 1;
    if (p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0))
        return 2;
    if (p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80)
        return 3;
    if (p[0] == 0xe2 && p[1] == 0x80 && p[2] &&
        ((p[2] >= 0x80 && p[2] <= 0x8b) || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf))
        return 3;
    if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f)
        return 3;
    if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
        return 3;
    if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
        return 3;
    return 0;
}

char *email_normalize(struct arena *a, const char *s)
{
    if (!s)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t n;
    while (*p && (n = space_at(p)) > 0)
        p += n;
    /* The end: the last position after which only white space follows. */
    const unsigned char *end = p, *q = p;
    while (*q) {
        n = space_at(q);
        if (n == 0) {
            q++;
            while ((*q & 0xc0) == 0x80)   /* the rest of this character */
                q++;
            end = q;
        } else {
            q += n;
        }
    }
    char *trimmed = arena_alloc(a, (size_t)(end - p) + 1);
    memcpy(trimmed, p, (size_t)(end - p));
    trimmed[end - p] = '\0';
    return text_lower(a, trimmed);
}

/* Appends code point cp to out as UTF-8; returns the bytes written. */
static size_t utf8_put(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

char *text_lower(struct arena *a, const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    /* A lowercase letter takes at most 3 bytes where its capital took 2 (U+023A -> U+2C65). */
    char *out = arena_alloc(a, len * 2 + 1), *o = out;
    locale_t loc = utf8_locale();
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned long cp;
        size_t n;
        if (*p < 0x80) { cp = *p; n = 1; }
        else if ((*p & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
            cp = ((unsigned long)(*p & 0x1f) << 6) | (p[1] & 0x3f); n = 2;
        } else if ((*p & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
            cp = ((unsigned long)(*p & 0x0f) << 12) | ((unsigned long)(p[1] & 0x3f) << 6) |
                 (p[2] & 0x3f);
            n = 3;
        } else if ((*p & 0xf8) == 0xf0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
                   (p[3] & 0xc0) == 0x80) {
            cp = ((unsigned long)(*p & 0x07) << 18) | ((unsigned long)(p[1] & 0x3f) << 12) |
                 ((unsigned long)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
            n = 4;
        } else {            /* not UTF-8 (the request layer refuses that): copy the byte */
            *o++ = (char)*p++;
            continue;
        }
        if (cp < 0x80)
            cp = (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
        else if (loc)
            cp = (unsigned long)towlower_l((wint_t)cp, loc);
        o += utf8_put(cp, o);
        p += n;
    }
    *o = '\0';
    return out;
}

void ascii_lower(char *s)
{
    if (!s)
        return;
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

bool validate_role(const char *role)
{
    return role && (strcmp(role, "pending") == 0 || strcmp(role, "user") == 0 ||
                    strcmp(role, "admin") == 0);
}

/* ------------------------------------------------------------------ profile image URL */

#define IMG_MSG_NO_HOST "Invalid profile image URL: HTTP(S) URLs must include a host."
#define IMG_MSG_INVALID "Invalid profile image URL: must be a known internal path, an HTTP(S) " \
                        "URL with a host, or a data:image URI (png/jpeg/gif/webp)."
/* What urllib.parse.urlsplit raises for a malformed bracketed host. Python's texts vary with the
 * fault ("Invalid IPv6 URL", "'x' does not appear to be an IPv4 or IPv6 address", ...); usher
 * reports them all with the first. */
#define IMG_MSG_BAD_IPV6 "Invalid IPv6 URL"
#define IMG_DEFAULT_MIME "image/png,image/jpeg,image/gif,image/webp"

static int lower_ascii(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static bool ci_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    if (len < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower_ascii((unsigned char)s[i]) != lower_ascii((unsigned char)prefix[i]))
            return false;
    return true;
}

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}


static bool is_profile_image_route(const char *url, size_t len)
{
    static const char head[] = "/api/v1/users/", tail[] = "/profile/image";
    size_t hl = sizeof(head) - 1, tl = sizeof(tail) - 1;
    if (len <= hl + tl || memcmp(url, head, hl) != 0 || memcmp(url + len - tl, tail, tl) != 0)
        return false;
    for (size_t i = hl; i < len - tl; i++)
        if (url[i] == '/' || url[i] == '?' || url[i] == '#')
            return false;
    return true;
}

/* ipaddress.ip_address(h) is an IPv6 address (a "%zone" suffix allowed). */
static bool is_ipv6_literal(const char *h, size_t len)
{
    if (len == 0 || len > 45 + 64)
        return false;
    char buf[128];
    memcpy(buf, h, len);
    buf[len] = '\0';
    char *pct = strchr(buf, '%');
    if (pct) {
        if (pct[1] == '\0' || strchr(pct + 1, '%'))
            return false;
        *pct = '\0';
    }
    /* inet_pton would need <arpa/inet.h>; a hand check keeps this file free of socket
     * headers: hex groups of 1-4 digits, at most one "::", an optional dotted IPv4 tail. */
    const char *p = buf;
    int groups = 0;
    bool gap = false;
    if (p[0] == ':') {
        if (p[1] != ':')
            return false;
        gap = true;
        p += 2;
        if (*p == '\0')
            return true;
    }
    for (;;) {
        const char *start = p;
        int hex = 0;
        while ((is_digit(*p) || (lower_ascii(*p) >= 'a' && lower_ascii(*p) <= 'f')) && hex < 5) {
            p++;
            hex++;
        }
        if (*p == '.') {    /* IPv4 tail: four decimal octets */
            p = start;
            for (int oct = 0; oct < 4; oct++) {
                int v = 0, d = 0;
                while (is_digit(*p) && d < 4) {
                    v = v * 10 + (*p - '0');
                    p++;
                    d++;
                }
                if (d == 0 || d > 3 || v > 255 || (d > 1 && start[0] == '0'))
                    return false;
                if (oct < 3) {
                    if (*p != '.')
                        return false;
                    p++;
                }
                start = p;
            }
            groups += 2;
            break;
        }
        if (hex == 0 || hex > 4)
            return false;
        groups++;
        if (*p == '\0')
            break;
        if (*p != ':')
            return false;
        p++;
        if (*p == ':') {
            if (gap)
                return false;
            gap = true;
            p++;
            if (*p == '\0')
                break;
        } else if (*p == '\0') {
            return false;
        }
    }
    if (*p != '\0')
        return false;
    return gap ? groups < 8 : groups == 8;
}

/* urllib's _check_bracketed_netloc: the host between brackets must be an IPv6 literal or an
 * IPvFuture form "v<hex>.<something>". Returns NULL or the error text. */
static const char *check_bracketed_host(const char *h, size_t len)
{
    if (len > 0 && h[0] == 'v') {
        size_t i = 1;
        while (i < len && (is_digit(h[i]) || (lower_ascii(h[i]) >= 'a' && lower_ascii(h[i]) <= 'f')))
            i++;
        if (i > 1 && i < len && h[i] == '.' && i + 1 < len)
            return NULL;
        return IMG_MSG_BAD_IPV6;
    }
    return is_ipv6_literal(h, len) ? NULL : IMG_MSG_BAD_IPV6;
}

static const char *mem_rchr(const char *s, size_t len, char c)
{
    for (size_t i = len; i > 0; i--)
        if (s[i - 1] == c)
            return s + i - 1;
    return NULL;
}

/* The hostinfo part of a netloc (after the last '@'), and the host in it. */
static void netloc_host(const char *netloc, size_t len, const char **host, size_t *hlen)
{
    const char *at = mem_rchr(netloc, len, '@');
    const char *hi = at ? at + 1 : netloc;
    size_t hilen = len - (size_t)(hi - netloc);
    const char *br = memchr(hi, '[', hilen);
    if (br) {
        const char *start = br + 1;
        const char *close = memchr(start, ']', hilen - (size_t)(start - hi));
        *host = start;
        *hlen = close ? (size_t)(close - start) : hilen - (size_t)(start - hi);
    } else {
        const char *colon = memchr(hi, ':', hilen);
        *host = hi;
        *hlen = colon ? (size_t)(colon - hi) : hilen;
    }
}

/* The checks urlsplit makes on a netloc (ValueError in Python, a 422 message here). */
static const char *check_netloc(const char *netloc, size_t len)
{
    bool open = memchr(netloc, '[', len) != NULL, close = memchr(netloc, ']', len) != NULL;
    if (open != close)
        return IMG_MSG_BAD_IPV6;
    if (!open)
        return NULL;
    const char *at = mem_rchr(netloc, len, '@');
    const char *hi = at ? at + 1 : netloc;
    size_t hilen = len - (size_t)(hi - netloc);
    const char *br = memchr(hi, '[', hilen);
    if (br) {
        if (br != hi)
            return IMG_MSG_BAD_IPV6;   /* data before the bracket */
        const char *start = br + 1;
        size_t rest = hilen - 1;
        const char *cl = memchr(start, ']', rest);
        size_t hlen = cl ? (size_t)(cl - start) : rest;
        if (cl && cl + 1 < hi + hilen && cl[1] != ':')
            return IMG_MSG_BAD_IPV6;   /* data after the bracket but before the port */
        return check_bracketed_host(start, hlen);
    }
    const char *colon = memchr(hi, ':', hilen);
    return check_bracketed_host(hi, colon ? (size_t)(colon - hi) : hilen);
}

/* Emulates urllib.parse.urlsplit as far as validate_profile_image_url needs it: leading C0
 * controls and spaces stripped, tabs and line breaks removed, scheme lowercased, netloc
 * checked. Sets *http when the scheme is http or https, and *has_host when its hostname is
 * non-empty. Returns NULL or the error text urlsplit would raise. (Not emulated: the NFKC
 * check urlsplit makes on a non-ASCII netloc.) */
static const char *split_url(const char *url, size_t len, bool *http, bool *has_host)
{
    *http = *has_host = false;
    char *copy = NULL;
    if (memchr(url, '\t', len) || memchr(url, '\r', len) || memchr(url, '\n', len)) {
        copy = malloc(len + 1);
        if (!copy)
            return IMG_MSG_INVALID;
        size_t o = 0;
        for (size_t i = 0; i < len; i++)
            if (url[i] != '\t' && url[i] != '\r' && url[i] != '\n')
                copy[o++] = url[i];
        url = copy;
        len = o;
    }
    while (len > 0 && (unsigned char)url[0] <= 0x20) {
        url++;
        len--;
    }
    const char *rest = url;
    size_t rlen = len;
    const char *colon = memchr(url, ':', len);
    char scheme[8] = "";
    if (colon && colon > url && is_alpha((unsigned char)url[0])) {
        size_t slen = (size_t)(colon - url);
        bool valid = true;
        for (size_t i = 0; i < slen && valid; i++) {
            int c = (unsigned char)url[i];
            valid = is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
        }
        if (valid) {
            if (slen < sizeof(scheme)) {
                for (size_t i = 0; i < slen; i++)
                    scheme[i] = (char)lower_ascii((unsigned char)url[i]);
                scheme[slen] = '\0';
            } else {
                strcpy(scheme, "?");   /* some other, longer scheme */
            }
            rest = colon + 1;
            rlen = len - slen - 1;
        }
    }
    const char *err = NULL;
    const char *netloc = NULL;
    size_t nlen = 0;
    if (rlen >= 2 && rest[0] == '/' && rest[1] == '/') {
        netloc = rest + 2;
        nlen = rlen - 2;
        for (size_t i = 0; i < nlen; i++)
            if (netloc[i] == '/' || netloc[i] == '?' || netloc[i] == '#') {
                nlen = i;
                break;
            }
        err = check_netloc(netloc, nlen);
    }
    if (!err && (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0)) {
        *http = true;
        if (netloc) {
            const char *host;
            size_t hlen;
            netloc_host(netloc, nlen, &host, &hlen);
            *has_host = hlen > 0;
        }
    }
    free(copy);
    return err;
}

/* True when url starts with "data:image/<t>;base64," for a subtype t of the allowed list
 * (the part after the last '/' of each entry), compared case-insensitively. */
static bool allowed_data_uri(const char *url, size_t len, const char *allowed)
{
    static const char head[] = "data:image/";
    if (!ci_prefix(url, len, head))
        return false;
    const char *sub = url + sizeof(head) - 1;
    size_t sublen = len - (sizeof(head) - 1);
    const char *p = allowed;
    while (*p) {
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        const char *a = p, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        const char *slash = mem_rchr(a, (size_t)(b - a), '/');
        if (slash)
            a = slash + 1;
        size_t n = (size_t)(b - a);
        if (n > 0 && sublen >= n) {
            bool same = true;
            for (size_t i = 0; i < n && same; i++)
                same = lower_ascii((unsigned char)sub[i]) == lower_ascii((unsigned char)a[i]);
            if (same && ci_prefix(sub + n, sublen - n, ";base64,"))
                return true;
        }
        p = *end ? end + 1 : end;
    }
    return false;
}

const char *validate_profile_image_url(const char *url, size_t len, const void *policy)
{
    const struct image_policy *pol = policy;
    if (!url || len == 0)
        return NULL;
    static const char *const static_paths[] = { "/user.png", "/favicon.png", "/static/favicon.png" };
    for (size_t i = 0; i < sizeof(static_paths) / sizeof(static_paths[0]); i++)
        if (len == strlen(static_paths[i]) && memcmp(url, static_paths[i], len) == 0)
            return NULL;
    /* Python's "$" would also accept one trailing "\n" after the route; usher does not. */
    if (is_profile_image_route(url, len))
        return NULL;

    bool http, has_host;
    const char *err = split_url(url, len, &http, &has_host);
    if (err)
        return err;
    if (http)
        return has_host ? NULL : IMG_MSG_NO_HOST;

    const char *allowed = pol && pol->allowed_mime ? pol->allowed_mime : IMG_DEFAULT_MIME;
    if (allowed_data_uri(url, len, allowed)) {
        size_t cap = pol ? pol->max_data_uri : 0;
        if (cap && utf8_length(url, len) > cap) {
            static _Thread_local char msg[96];
            snprintf(msg, sizeof(msg),
                     "Invalid profile image URL: data URI exceeds the %zu-byte limit.", cap);
            return msg;
        }
        return NULL;
    }
    /* The reference spells the default type list in this text whatever the configured list. */
    return IMG_MSG_INVALID;
}

/* ------------------------------------------------------------------ password policy */

#define PASSWORD_TOO_LONG_MSG "Uh-oh! The password you entered is too long. Please make sure " \
                              "your password is less than 72 bytes long."
#define PASSWORD_INVALID_MSG "The password does not meet the required validation criteria."

/* Logs a pattern that cannot be used, once per distinct pattern (the last one is kept). */
static void log_bad_pattern(const char *pattern)
{
    static char last[256];
    static bool logged;
    if (logged && strncmp(last, pattern, sizeof(last) - 1) == 0)
        return;
    logged = true;
    snprintf(last, sizeof(last), "%s", pattern);
    log_error("PASSWORD_VALIDATION_REGEX_PATTERN cannot be used (unsupported or invalid "
              "regular expression), every password is refused: %s", pattern);
}

const char *password_policy_check(const char *password, const struct password_policy *p)
{
    if (!password)
        return PASSWORD_INVALID_MSG;
    if (strlen(password) > 72)
        return PASSWORD_TOO_LONG_MSG;
    if (!p || !p->enabled)
        return NULL;
    const char *pattern = p->pattern && p->pattern[0] ? p->pattern : PASSWORD_DEFAULT_PATTERN;
    int rc = pyregex_fullmatch(pattern, password);
    if (rc == 1)
        return NULL;
    if (rc < 0)
        log_bad_pattern(pattern);
    return p->hint && p->hint[0] ? p->hint : PASSWORD_INVALID_MSG;
}
