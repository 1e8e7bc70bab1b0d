/* Table-driven tests of the Python-regex subset (pyregex.c). The expected values were
 * computed with re.fullmatch in CPython 3.11. */
#include "config.h"

#include "usher/pyregex.h"
#include "tap.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct { const char *pattern, *subject; int want; } regexes[] = {
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "Aa1!aaaa", 1 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "aaaaaaaa", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "Aa1!aaa", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "AA1!AAAA", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "aa1!aaaa", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "Aa!!aaaa", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "Aa1aaaaa", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "Aa1 aaaa", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "Aa1!aaaa\n", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "Aa1!\naaaa", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "\xc3""\x84""a1!aaaa", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "Aa1!\xc3""\xa4""\xc3""\xa4""\xc3""\xa4""\xc3""\xa4""", 1 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "Aa1!\xc3""\xa4""\xc3""\xa4""\xc3""\xa4""", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "Aa1_aaaa", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "Aa1\xc3""\xa9""Aa1\xc3""\xa9""", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "aA9\xe2""\x82""\xac""\xe2""\x82""\xac""\xe2""\x82""\xac""\xe2""\x82""\xac""\xe2""\x82""\xac""", 1 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "", 0 },
    { "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$", "Aa1!aaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1 },
    { "[a-z]+", "abc", 1 },
    { "[a-z]+", "abc1", 0 },
    { "[a-z]+", "", 0 },
    { "\\d{3}", "123", 1 },
    { "\\d{3}", "1234", 0 },
    { "\\d{2,}", "12345", 1 },
    { "\\d{,2}", "", 1 },
    { "\\d{,2}", "123", 0 },
    { "a|b", "a", 1 },
    { "a|b", "ab", 0 },
    { "(?:ab)+", "abab", 1 },
    { "(?:ab)+", "aba", 0 },
    { "a.c", "a\nc", 0 },
    { "a.c", "abc", 1 },
    { "\\w+", "a_1", 1 },
    { "\\w+", "a-1", 0 },
    { "\\W", "-", 1 },
    { "\\W", "a", 0 },
    { "\\s\\S", "\tx", 1 },
    { "\\D+", "ab", 1 },
    { "\\D+", "a1", 0 },
    { "[^\\w\\s]", "!", 1 },
    { "[^\\w\\s]", " ", 0 },
    { "[^\\w\\s]", "a", 0 },
    { "[\\d.]+", "1.2", 1 },
    { "[\\]]", "]", 1 },
    { "[]]", "]", 1 },
    { "[a-]+", "a-a", 1 },
    { "[-a]+", "-a", 1 },
    { "[\\^]", "^", 1 },
    { "[\\^a]", "^", 1 },
    { "[^^]", "a", 1 },
    { "[^^]", "^", 0 },
    { "[\\^\\-]+", "^-", 1 },
    { "[\\[]", "[", 1 },
    { "[[a]+", "[a", 1 },
    { "a{", "a{", 1 },
    { "a{x}", "a{x}", 1 },
    { "{1}", "{1}", -1 },
    { "a}", "a}", 1 },
    { "a]", "a]", 1 },
    { "\\.", ".", 1 },
    { "\\.", "a", 0 },
    { "\\$", "$", 1 },
    { "\\x41", "A", 1 },
    { "\\u00e9", "\xc3""\xa9""", 1 },
    { "[\\u00e0-\\u00ff]+", "\xc3""\xa9""\xc3""\xa0""", 1 },
    { "a*?b", "aab", 1 },
    { "\\!\\@\\#", "!@#", 1 },
    { "(?=.*\\d)(?!.*password).{4,}", "abc1", 1 },
    { "(?=.*\\d)(?!.*password).{4,}", "password1", 0 },
    { "(a)(b)", "ab", 1 },
    { "()", "", 1 },
    { "\\bab\\b", "ab", 1 },
    { "(?i)abc", "ABC", -1 },
    { "(?P<x>a)", "a", -1 },
    { "(?<=a)b", "ab", -1 },
    { "a*+", "aa", -1 },
    { "\\1", "a", -1 },
    { "a(?=b)", "a", -1 },
    { "*a", "a", -1 },
    { "a**", "a", -1 },
    { "[a", "a", -1 },
    { "\\Aa", "a", -1 },
    { "a\\Z", "a", -1 },
    { "\\p{L}", "a", -1 },
    { "[!-~]+", "a~!", 1 },
    { "[!-~]+", "a b", 0 },
    { "[ -\\u00ff]+", "a]^-[\xc3\xbf", 1 },
    { "[ -\\u00ff]+", "\xc4\x80", 0 },
    { "[\\u00e0-\\u00e5]", "\xc3\xa6", 0 },
    { "[^\\u00e0-\\u00e5]", "\xc3\xa6", 1 },
    { "[\\u0000-\\uffff]", "a", -1 },
    { "[z-a]", "a", -1 },
};

/* A printable form of s for a TAP description (a raw newline would end the line). */
static const char *esc(const char *s)
{
    static char bufs[4][512];
    static int next;
    char *b = bufs[next++ % 4];
    size_t o = 0;
    for (; s && *s && o + 5 < sizeof(bufs[0]); s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7F || c == '#')
            o += (size_t)snprintf(b + o, sizeof(bufs[0]) - o, "\\x%02x", c);
        else
            b[o++] = (char)c;
    }
    b[o] = '\0';
    return b;
}

static void test_regex(void)
{
    for (size_t i = 0; i < sizeof(regexes) / sizeof(regexes[0]); i++)
        is_int(pyregex_fullmatch(regexes[i].pattern, regexes[i].subject), regexes[i].want,
               "pyregex_fullmatch(\"%s\", \"%s\")", esc(regexes[i].pattern), esc(regexes[i].subject));
    is_int(pyregex_fullmatch(NULL, "a"), -1, "NULL pattern");
    is_int(pyregex_fullmatch("a", NULL), -1, "NULL subject");
}

int main(void)
{
    test_regex();
    return tap_done();
}
