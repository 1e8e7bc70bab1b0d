/* multipart/form-data (RFC 7578 over RFC 2046) into the field view.
 *
 * The parser works on the whole, already bounded body with explicit lengths: every scan is a
 * memchr/memmem over [p, end), so it never reads past the buffer whatever the input. It is
 * strict where browsers and HTTP clients are regular (CRLF, a Content-Disposition on every
 * part, a final boundary) and rejects the rest with 400 rather than guessing. */
#include "config.h"

#include "usher/multipart.h"
#include "usher/form.h"
#include "usher/utf8.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_BOUNDARY 70        /* RFC 2046 section 5.1.1 */

/* Multipart errors are plain {"detail": ...} answers. */
static void set_error(struct http_error *err, int status, const char *detail)
{
    http_error_set(err, status, "", detail);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && is_space(*p))
        p++;
    return p;
}

/* RFC 7230 tchar: the characters of a header or parameter name and of a bare token. */
static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/* A header parameter list "; k=v; k2="v 2"": finds parameter `want` (case-insensitive) and
 * copies its value, unquoted, into out (room for outsz bytes with the NUL). In a quoted
 * value, \" and \\ are escapes; a backslash before anything else is kept, since browsers
 * send Windows paths in filenames unescaped. Returns the value's length, -1 when the
 * parameter is absent, -2 when the list is malformed or the value does not fit. */
static long find_param(const char *p, const char *end, const char *want, char *out, size_t outsz)
{
    size_t wlen = strlen(want);
    long found = -1;
    while (p < end) {
        p = skip_space(p, end);
        if (p == end)
            break;
        if (*p != ';')
            return -2;
        p = skip_space(p + 1, end);
        if (p == end)
            break;      /* a trailing ';' is harmless */
        const char *name = p;
        while (p < end && is_tchar(*p))
            p++;
        size_t nlen = (size_t)(p - name);
        p = skip_space(p, end);
        if (nlen == 0 || p == end || *p != '=')
            return -2;
        p = skip_space(p + 1, end);
        bool wanted = found == -1 && nlen == wlen && strncasecmp(name, want, wlen) == 0;
        size_t olen = 0;
        if (p < end && *p == '"') {
            for (p++;; p++) {
                if (p == end)
                    return -2;      /* unterminated quoted string */
                char c = *p;
                if (c == '"')
                    break;
                if (c == '\\' && end - p > 1 && (p[1] == '"' || p[1] == '\\'))
                    c = *++p;
                if (wanted) {
                    if (olen + 1 >= outsz)
                        return -2;
                    out[olen++] = c;
                }
            }
            p++;
        } else {
            const char *v = p;
            while (p < end && is_tchar(*p))
                p++;
            if (p == v)
                return -2;
            olen = (size_t)(p - v);
            if (wanted) {
                if (olen + 1 > outsz)
                    return -2;
                memcpy(out, v, olen);
            }
        }
        if (wanted) {
            out[olen] = '\0';
            found = (long)olen;
        }
    }
    return found;
}

/* RFC 2046 bchars; a space is allowed inside but not at the end. */
static bool boundary_valid(const char *b, size_t len)
{
    if (len < 1 || len > MAX_BOUNDARY || b[len - 1] == ' ')
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = b[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && !strchr("'()+_,-./:=? ", c))
            return false;
    }
    return true;
}

/* What one part's headers say. */
struct part_head {
    bool has_name, has_filename;
    long name_len;
};

/* Parses the header block [p, end) (lines ending in CRLF, the blank line excluded) and
 * fills head, with the part's name unquoted into name (room for namesz bytes).
 * Returns 0 or -1. */
static int parse_part_headers(const char *p, const char *end, struct part_head *head,
                              char *name, size_t namesz)
{
    bool seen_disposition = false;
    memset(head, 0, sizeof(*head));
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        const char *line_end = eol ? eol : end;
        const char *colon = memchr(p, ':', (size_t)(line_end - p));
        if (!colon || colon == p)
            return -1;          /* no header name (also rejects obsolete line folding) */
        for (const char *q = p; q < colon; q++)
            if (!is_tchar(*q))
                return -1;
        size_t hlen = (size_t)(colon - p);
        if (hlen == 19 && strncasecmp(p, "Content-Disposition", 19) == 0) {
            if (seen_disposition)
                return -1;
            seen_disposition = true;
            const char *v = skip_space(colon + 1, line_end);
            const char *t = v;
            while (t < line_end && is_tchar(*t))
                t++;
            if (t - v != 9 || strncasecmp(v, "form-data", 9) != 0)
                return -1;
            head->name_len = find_param(t, line_end, "name", name, namesz);
            if (head->name_len < 0)
                return -1;      /* no name, or a malformed parameter list */
            head->has_name = true;
            char scratch[1];    /* filename's value is not needed, only its presence */
            long f = find_param(t, line_end, "filename", scratch, sizeof(scratch));
            head->has_filename = f != -1;   /* too long to copy (-2) still means present */
        }
        /* Content-Type, Content-Transfer-Encoding, ...: ignored (values are taken as is). */
        p = eol ? eol + 2 : end;
    }
    return seen_disposition ? 0 : -1;
}

struct json_object *form_parse_multipart(const char *content_type, const char *body, size_t len,
                                         size_t max_part, struct http_error *err)
{
    static const char invalid[] = "Invalid multipart body";
    char boundary[MAX_BOUNDARY + 1];
    if (!content_type) {
        set_error(err, 400, "Missing multipart boundary");
        return NULL;
    }
    const char *ct_end = content_type + strlen(content_type);
    const char *params = memchr(content_type, ';', (size_t)(ct_end - content_type));
    long blen = params ? find_param(params, ct_end, "boundary", boundary, sizeof(boundary)) : -1;
    if (blen < 0 || !boundary_valid(boundary, (size_t)blen)) {
        set_error(err, 400, "Missing or invalid multipart boundary");
        return NULL;
    }

    /* The delimiter, "\r\n--" boundary; the first one may start the body without CRLF. */
    char delim[4 + MAX_BOUNDARY];
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary, (size_t)blen);
    size_t dlen = 4 + (size_t)blen;

    const char *end = body + len;
    const char *p;
    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
        p = body + dlen - 2;
    } else {
        p = memmem(body, len, delim, dlen);    /* after a preamble, which is ignored */
        if (!p) {
            set_error(err, 400, invalid);
            return NULL;
        }
        p += dlen;
    }

    /* A part name is at most as long as the body; one buffer serves every part. */
    size_t namesz = len + 1;
    char *name = malloc(namesz);
    if (!name)
        abort();
    struct json_object *obj = json_object_new_object();

    /* Loop invariant: p is just past a delimiter. */
    for (;;) {
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            break;                              /* close delimiter; the epilogue is ignored */
        p = skip_space(p, end);                 /* transport padding */
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            goto bad;
        p += 2;

        /* Headers up to the blank line. A part with no headers at all (CRLF right away)
         * lacks its Content-Disposition and fails in parse_part_headers. */
        const char *hend;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
            hend = p;
        else if ((hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4)) != NULL)
            hend += 2;      /* keep the last header's CRLF out of the block */
        else
            goto bad;
        struct part_head head;
        if (parse_part_headers(p, hend == p ? p : hend - 2, &head, name, namesz) < 0)
            goto bad;
        const char *content = hend + 2;

        const char *next = memmem(content, (size_t)(end - content), delim, dlen);
        if (!next)
            goto bad;                           /* truncated: no closing delimiter */
        size_t clen = (size_t)(next - content);

        if (!utf8_valid(name, (size_t)head.name_len) || memchr(name, '\0', (size_t)head.name_len))
            goto bad;
        if (clen > max_part || clen > INT_MAX) {
            set_error(err, 413, head.has_filename ? "Uploaded file too large"
                                                  : "Form field too large");
            goto fail;
        }
        if (!utf8_valid(content, clen) || memchr(content, '\0', clen)) {
            set_error(err, 400, head.has_filename ? "Uploaded file must be UTF-8 text"
                                                  : "Form field is not valid UTF-8");
            goto fail;
        }
        form_add_field(obj, name, content, clen);
        p = next + dlen;
    }
    free(name);
    return obj;

bad:
    set_error(err, 400, invalid);
fail:
    json_object_put(obj);
    free(name);
    return NULL;
}
