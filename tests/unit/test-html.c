/* Tests of the HTML writer (pages/html.c): text and attribute values are escaped, names
 * outside [a-z0-9-] are dropped, NULL values leave attributes out, elements close in order. */
#include "config.h"

#include "usher/arena.h"
#include "usher/html.h"
#include "tap.h"

#include <string.h>

int main(void)
{
    struct arena *a = arena_new(4096);
    static const struct { const char *in, *want; } esc[] = {
        { "plain", "plain" },
        { "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
        { "\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" },
        { "a & b 'c'", "a &amp; b &#39;c&#39;" },
        { "tab\tnl\ncr\r", "tab\tnl\ncr\r" },
        { "bell\x07 del\x7f", "bell\xef\xbf\xbd del\xef\xbf\xbd" },
        { "caf\xc3\xa9", "caf\xc3\xa9" },
        { "", "" },
    };
    for (size_t i = 0; i < sizeof(esc) / sizeof(esc[0]); i++)
        is_str(html_escape(a, esc[i].in), esc[i].want, "escape #%zu", i);

    struct html h;
    size_t len;
    html_init(&h, a);
    html_open(&h, "p", "class", "x\"y", "title", NULL, NULL);
    html_text(&h, "<b>");
    html_close(&h);
    is_str(html_finish(&h, &len), "<p class=\"x&quot;y\">&lt;b&gt;</p>\n",
           "attribute values escaped; a NULL value leaves the attribute out");
    is_int((long)len, (long)strlen(h.buf), "length returned");

    html_init(&h, a);
    html_void(&h, "input", "type", "checkbox", "checked", "", "on\"click", "x", NULL);
    is_str(html_finish(&h, &len), "<input type=\"checkbox\" checked=\"\">",
           "a bad attribute name is dropped");

    html_init(&h, a);
    html_open(&h, "script>", NULL);
    html_elem(&h, "a", "x", "href", "/p?a=1&b=2", NULL);
    is_str(html_finish(&h, &len), "<a href=\"/p?a=1&amp;b=2\">x</a>",
           "a bad tag name writes nothing; & in URLs escaped");

    html_init(&h, a);
    html_open(&h, "main", NULL);
    html_open(&h, "ul", NULL);
    html_elem(&h, "li", "1", NULL);
    is_str(html_finish(&h, &len), "<main><ul><li>1</li>\n</ul>\n</main>\n",
           "finish closes what is open, innermost first");

    html_init(&h, a);
    for (int i = 0; i < 2000; i++)
        html_text(&h, "<&>");
    html_finish(&h, &len);
    is_int((long)len, 2000L * 13, "the buffer grows");
    arena_free(a);
    return tap_done();
}
