#ifndef USHER_HTML_H
#define USHER_HTML_H
/* The one way HTML is written (kcgi's khtml is the model): elements and attributes are
 * written by functions that escape what they are given, so no page builds markup out of
 * strings. Tag and attribute names are the page code's own literals ([a-z0-9-] only; any
 * other is dropped and logged); every value and every text is escaped (& < > " ' become
 * entities, C0 controls other than tab, LF and CR become U+FFFD). Attributes are given as
 * name, value pairs ended by NULL; a NULL value leaves that attribute out (for
 * conditional ones: "checked", on ? "" : NULL). All memory comes from the arena. */
#include <stdarg.h>
#include <stddef.h>

struct arena;

#define HTML_DEPTH 32

struct html {
    struct arena *arena;
    char *buf;
    size_t len, cap;
    const char *open[HTML_DEPTH];  /* the elements open, innermost last */
    size_t depth;
};

/* Starts an empty document in arena a; writes nothing yet. */
void html_init(struct html *h, struct arena *a);
/* Writes "<!DOCTYPE html>" and a newline. */
void html_doctype(struct html *h);
/* Opens element tag with attributes (name, value, ..., NULL). Deeper than HTML_DEPTH is
 * logged and not written. */
void html_open(struct html *h, const char *tag, ...) __attribute__((sentinel));
/* Closes the innermost open element (nothing when none is open). */
void html_close(struct html *h);
/* Closes open elements until depth elements remain open. */
void html_close_to(struct html *h, size_t depth);
/* A void element (input, meta, link, br): <tag attrs>, nothing to close. */
void html_void(struct html *h, const char *tag, ...) __attribute__((sentinel));
/* <tag attrs>text</tag>, text escaped (NULL writes no text). */
void html_elem(struct html *h, const char *tag, const char *text, ...)
    __attribute__((sentinel));
/* Escaped text (NULL writes nothing). */
void html_text(struct html *h, const char *text);
/* printf, then escaped as text. */
void html_textf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Closes what is still open and returns the document (arena, NUL-terminated) and its
 * length in *len. */
const char *html_finish(struct html *h, size_t *len);
/* The escaped form of s as a new arena string (for tests; pages use the functions above). */
const char *html_escape(struct arena *a, const char *s);

#endif
