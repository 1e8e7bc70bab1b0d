/* The HTML writer (see html.h): the one escaping path of the pages. */
#include "config.h"
#include "usher/html.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "usher/arena.h"
#include "usher/log.h"

void html_init(struct html *h, struct arena *a)
{
    memset(h, 0, sizeof(*h));
    h->arena = a;
    h->cap = 4096;
    h->buf = arena_alloc(a, h->cap);
    h->buf[0] = '\0';
}

static void reserve(struct html *h, size_t more)
{
    if (h->len + more + 1 <= h->cap)
        return;
    size_t cap = h->cap * 2;
    while (cap < h->len + more + 1)
        cap *= 2;
    char *b = arena_alloc(h->arena, cap);
    memcpy(b, h->buf, h->len + 1);
    h->buf = b;
    h->cap = cap;
}

static void put(struct html *h, const char *s, size_t n)
{
    reserve(h, n);
    memcpy(h->buf + h->len, s, n);
    h->len += n;
    h->buf[h->len] = '\0';
}

static void puts_(struct html *h, const char *s)
{
    put(h, s, strlen(s));
}

/* Escapes s: the five markup characters as entities, C0 controls but tab/LF/CR as U+FFFD
 * (they are not allowed in HTML text). */
static void put_escaped(struct html *h, const char *s)
{
    const char *run = s;
    for (const char *p = s; *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default:
            if ((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                rep = "\xef\xbf\xbd";
            else if (*p == 0x7f)
                rep = "\xef\xbf\xbd";
        }
        if (rep) {
            put(h, run, (size_t)(p - run));
            puts_(h, rep);
            run = p + 1;
        }
    }
    put(h, run, strlen(run));
}

/* Tag and attribute names are the page code's literals: lower-case letters, digits, '-'. */
static bool name_ok(const char *n)
{
    if (!n || !*n)
        return false;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    return true;
}

static bool start_tag(struct html *h, const char *tag, va_list ap)
{
    if (!name_ok(tag)) {
        log_error("html: bad tag name dropped");
        return false;
    }
    put(h, "<", 1);
    puts_(h, tag);
    for (;;) {
        const char *name = va_arg(ap, const char *);
        if (!name)
            break;
        const char *value = va_arg(ap, const char *);
        if (!value)
            continue;
        if (!name_ok(name)) {
            log_error("html: bad attribute name dropped");
            continue;
        }
        put(h, " ", 1);
        puts_(h, name);
        put(h, "=\"", 2);
        put_escaped(h, value);
        put(h, "\"", 1);
    }
    put(h, ">", 1);
    return true;
}

void html_doctype(struct html *h)
{
    puts_(h, "<!DOCTYPE html>\n");
}

void html_open(struct html *h, const char *tag, ...)
{
    if (h->depth >= HTML_DEPTH) {
        log_error("html: elements nested too deep");
        return;
    }
    va_list ap;
    va_start(ap, tag);
    bool ok = start_tag(h, tag, ap);
    va_end(ap);
    if (ok)
        h->open[h->depth++] = tag;
}

void html_close(struct html *h)
{
    if (!h->depth)
        return;
    const char *tag = h->open[--h->depth];
    put(h, "</", 2);
    puts_(h, tag);
    put(h, ">", 1);
    /* a line break after block-level closes keeps the source readable */
    if (strcmp(tag, "a") != 0 && strcmp(tag, "span") != 0 && strcmp(tag, "label") != 0 &&
        strcmp(tag, "strong") != 0 && strcmp(tag, "code") != 0)
        put(h, "\n", 1);
}

void html_close_to(struct html *h, size_t depth)
{
    while (h->depth > depth)
        html_close(h);
}

void html_void(struct html *h, const char *tag, ...)
{
    va_list ap;
    va_start(ap, tag);
    start_tag(h, tag, ap);
    va_end(ap);
}

void html_elem(struct html *h, const char *tag, const char *text, ...)
{
    if (h->depth >= HTML_DEPTH) {
        log_error("html: elements nested too deep");
        return;
    }
    va_list ap;
    va_start(ap, text);
    bool ok = start_tag(h, tag, ap);
    va_end(ap);
    if (!ok)
        return;
    h->open[h->depth++] = tag;
    if (text)
        put_escaped(h, text);
    html_close(h);
}

void html_text(struct html *h, const char *text)
{
    if (text)
        put_escaped(h, text);
}

void html_textf(struct html *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = arena_vprintf(h->arena, fmt, ap);
    va_end(ap);
    put_escaped(h, s);
}

const char *html_finish(struct html *h, size_t *len)
{
    html_close_to(h, 0);
    *len = h->len;
    return h->buf;
}

const char *html_escape(struct arena *a, const char *s)
{
    struct html h;
    html_init(&h, a);
    html_text(&h, s);
    return h.buf;
}
