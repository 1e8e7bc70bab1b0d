#ifndef USHER_PYREGEX_H
#define USHER_PYREGEX_H
/* Python's re.fullmatch for the subset of patterns a password policy uses, on POSIX
 * regexes: the pattern is translated (Python's escapes, sets and repeats) and matched in a
 * UTF-8 locale. Pure: no I/O. */
#include <locale.h>

/* Full-match of a Python-style pattern: supports a leading run of lookaheads (?=...) and
 * (?!...), (?:...), \d \w \s \D \W \S (\d \w \s also inside brackets), \xhh \uhhhh escapes,
 * Python's repeat and set rules, lazy repeats; '.' does not match a newline. Matching runs
 * in C.UTF-8 (characters, not bytes). Returns 1 match, 0 no match, -1 the pattern is not
 * supported (other (?...) groups, backreferences, \A \Z \p, possessive repeats, \D \W \S
 * inside brackets) or invalid. */
int pyregex_fullmatch(const char *pattern, const char *subject);

/* The C.UTF-8 locale (or another UTF-8 one), made once per process; (locale_t)0 when the
 * system has none. Matching and lowercasing use it so characters, not bytes, count. */
locale_t utf8_locale(void);

#endif
