#ifndef USHER_VALIDATE_H
#define USHER_VALIDATE_H
/* Pure validators for the contract's rules (§7.1, §7.7, §3.6). No I/O. */
#include <stdbool.h>
#include <stddef.h>

/* §7.1: anything ending in "@localhost" (case-sensitive: callers lowercase first, as the
 * reference does), or a string that *starts* with x@y.z where x, y, z contain no '@' (not
 * anchored at the end, as the reference's re.match(r"[^@]+@[^@]+\.[^@]+")). */
bool validate_email(const char *email);
/* usher's own rule on top of the format (stricter than Open WebUI on purpose): true when
 * email is well-formed UTF-8 holding no control character (C0, DEL, C1 U+0080-U+009F), no
 * invisible format character (U+00AD, U+200B-U+200F, U+202A-U+202E, U+2060-U+2064,
 * U+FEFF) and no markup ('<', '>'). '+' tags and non-ASCII letters are fine. validate_email
 * applies it too; callers check the address after email_normalize (which trims white space
 * from the ends). NULL is false. */
bool email_chars_ok(const char *email);
/* A person's name (sign-up, /auths/add, profile, the admin's update, the pages, usherctl):
 * NULL when name[0..len) is acceptable, else the reason (a static text): NAME_MSG_CONTROL
 * for a control character (C0 including tab, CR, LF and NUL; DEL; C1 U+0080-U+009F),
 * NAME_MSG_UTF8 for bytes that are not UTF-8. Markup and non-ASCII letters are fine.
 * The signature is a field_validator's (fields.h), so a form's name field names it; the
 * third argument is unused. */
#define NAME_MSG_CONTROL "name must not contain control characters"
#define NAME_MSG_UTF8 "name must be UTF-8 text"
const char *validate_name(const char *name, size_t len, const void *unused);
/* For names usher did not get from a person's form (a trusted header, an import): replaces
 * each control character that validate_name refuses with one space, in place, in the
 * well-formed UTF-8 text name. Returns name (NULL for NULL). */
char *name_blank_controls(char *name);
/* Lowercases ASCII letters of s in place. */
void ascii_lower(char *s);
struct arena;
/* A lowercased copy of the UTF-8 text s in the arena: every letter's simple lowercase
 * mapping (as Python's str.lower() for all but a few special cases), so an e-mail address
 * is stored and looked up as Open WebUI would. NULL in gives NULL out. */
char *text_lower(struct arena *a, const char *s);
/* The one canonical form of an e-mail address, for lookup, the sign-in limiter and storage
 * alike: white space (ASCII, and the Unicode spaces, zero-width and BOM characters) trimmed
 * from both ends, then text_lower. Nothing else is merged ("a+tag@x" stays distinct). A copy
 * in the arena; NULL in gives NULL out. */
char *email_normalize(struct arena *a, const char *s);
/* True for "pending", "user", "admin". */
bool validate_role(const char *role);

/* §7.7 and D22: NULL when url is an acceptable profile image URL, else the 422 message
 * ("Invalid profile image URL: ..."). allowed_mime is a comma list such as
 * "image/png,image/jpeg,image/gif,image/webp" (NULL = that default; the part after the last
 * '/' of each entry is the accepted subtype); max_data_uri 0 = no cap, else the longest data
 * URI in characters. policy is a const struct image_policy * (NULL = defaults), so the
 * function can serve as a field_validator. http(s) URLs are parsed as Python's urlsplit
 * does (leading controls stripped, tabs/newlines dropped, bracketed hosts checked: a bad
 * one gives "Invalid IPv6 URL"). The returned text may live in a thread-local buffer that
 * the next call overwrites. */
struct image_policy { const char *allowed_mime; size_t max_data_uri; };
const char *validate_profile_image_url(const char *url, size_t len, const void *policy);

/* The password policy (§3.6). */
struct password_policy {
    bool enabled;              /* ENABLE_PASSWORD_VALIDATION */
    const char *pattern;       /* PASSWORD_VALIDATION_REGEX_PATTERN (Python syntax subset) */
    const char *hint;          /* PASSWORD_VALIDATION_HINT, may be "" */
};
#define PASSWORD_DEFAULT_PATTERN "^(?=.*[a-z])(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w\\s]).{8,}$"
/* Returns NULL when password is acceptable, else the detail text for a 400:
 * PASSWORD_TOO_LONG for > 72 bytes, else (policy enabled) the hint, or
 * "The password does not meet the required validation criteria." when the hint is empty.
 * A NULL or empty pattern means PASSWORD_DEFAULT_PATTERN. The password must match the whole
 * pattern (the reference uses re.match, anchored at the start only; with the default
 * pattern the two differ only for a trailing newline, which Python's '$' lets through).
 * A pattern that cannot be compiled rejects every password (and is logged once). */
const char *password_policy_check(const char *password, const struct password_policy *p);
#endif
