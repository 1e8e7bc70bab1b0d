/* usher's own rules on text (validate.h): the characters an e-mail address may not hold,
 * the control characters a name may not hold, and blanking them in names from a proxy.
 * Every code point the hardening issue lists is tried, with its neighbours. */
#include "config.h"

#include "usher/validate.h"
#include "tap.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* cp as UTF-8 into out; returns its length. */
static size_t put_utf8(unsigned long cp, char *out)
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
    out[0] = (char)(0xe0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
}

/* "ab<cp>c@example.org" */
static const char *email_with(unsigned long cp)
{
    static char buf[32];
    size_t n = put_utf8(cp, buf + 2);
    memcpy(buf, "ab", 2);
    strcpy(buf + 2 + n, "c@example.org");
    return buf;
}

static bool email_refused(unsigned long cp)
{
    return cp == '<' || cp == '>' || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xad ||
           (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2060 && cp <= 0x2064) || cp == 0xfeff;
}

static void test_email(void)
{
    /* every listed code point, and the ones around each range */
    static const unsigned long probes[][2] = {
        { 0x01, 0x20 }, { 0x3b, 0x3f }, { 0x7e, 0xa0 }, { 0xac, 0xae }, { 0x200a, 0x2010 },
        { 0x2029, 0x202f }, { 0x205f, 0x2065 }, { 0xfefe, 0xff00 },
    };
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
        for (unsigned long cp = probes[i][0]; cp <= probes[i][1]; cp++) {
            bool refused = email_refused(cp);
            ok(validate_email(email_with(cp)) == !refused && email_chars_ok(email_with(cp)) == !refused,
               "U+%04lX in an address is %s", cp, refused ? "refused" : "accepted");
        }
    static const struct { const char *email; bool ok; } cases[] = {
        { "ann+tag@example.org", true },
        { "j\xc3\xbcrgen@ex\xc3\xa4mple.de", true },
        { "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe4\xb8\xad\xe5\x9b\xbd", true },
        { "<script>@example.org", false },
        { "ann@example.org>", false },
        { "\"ann\"@example.org", true },
        { "ann@example.org\r\n", false },   /* raw: the doors trim the ends first */
        { "ann\x1b[2J@example.org", false },
        { "\xff@example.org", false },
        { "\xc0\xaf@example.org", false },   /* overlong */
        { "\xed\xa0\x80@example.org", false }, /* surrogate */
        { "ann@exa\xe2\x80\x8bmple.org", false },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        is_int(validate_email(cases[i].email), cases[i].ok, "validate_email(%s)",
               tap_esc(cases[i].email));
    ok(!email_chars_ok(NULL) && !validate_email(NULL), "NULL is no address");
}

static void test_name(void)
{
    char buf[16];
    for (unsigned long cp = 0; cp <= 0xa0; cp++) {
        if (cp == 0x21)
            cp = 0x7e;      /* printable ASCII: a few are enough */
        size_t n = put_utf8(cp, buf + 1);
        buf[0] = 'A';
        buf[1 + n] = 'z';
        buf[2 + n] = '\0';
        bool refused = cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
        is_str(validate_name(buf, 2 + n, NULL), refused ? NAME_MSG_CONTROL : NULL,
               "U+%04lX in a name is %s", cp, refused ? "refused" : "accepted");
    }
    static const struct { const char *name; const char *why; } cases[] = {
        { "Ada Lovelace", NULL },
        { "<b>Ada</b> & \"Co\"", NULL },                  /* markup stays allowed */
        { "Zo\xc3\xab \xe5\xb1\xb1\xe7\x94\xb0", NULL },   /* non-ASCII letters */
        { "a\xe2\x80\x8b" "b\xe2\x80\xae", NULL },         /* format characters: only addresses */
        { "tab\there", NAME_MSG_CONTROL },
        { "two\nlines", NAME_MSG_CONTROL },
        { "cr\r", NAME_MSG_CONTROL },
        { "\x1b[31mred", NAME_MSG_CONTROL },
        { "csi\xc2\x9b" "2J", NAME_MSG_CONTROL },
        { "bad\xff", NAME_MSG_UTF8 },
        { "cut\xc2", NAME_MSG_UTF8 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        is_str(validate_name(cases[i].name, strlen(cases[i].name), NULL), cases[i].why,
               "validate_name(%s)", tap_esc(cases[i].name));
    is_str(validate_name("a\0b", 3, NULL), NAME_MSG_CONTROL, "a NUL inside the length");
    is_str(validate_name(NULL, 0, NULL), NAME_MSG_CONTROL, "NULL");
}

static void test_blank(void)
{
    char s[] = "a\tb\r\nc\xc2\x85" "d\x7f\xc2\xa0\xc3\xa9\x1b[0m";
    is_str(name_blank_controls(s), "a b  c d \xc2\xa0\xc3\xa9 [0m", "controls become spaces");
    is_str(validate_name(s, strlen(s), NULL), NULL, "and the result is a valid name");
    char plain[] = "<i>Ann</i> \xe5\xb1\xb1";
    is_str(name_blank_controls(plain), "<i>Ann</i> \xe5\xb1\xb1", "nothing else changes");
    ok(name_blank_controls(NULL) == NULL, "NULL");
}

int main(void)
{
    test_email();
    test_name();
    test_blank();
    return tap_done();
}
