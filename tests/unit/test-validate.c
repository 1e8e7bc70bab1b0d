/* Table-driven tests of the pure validators. The expected values of the email and
 * profile-image tables were computed with the reference's own expressions in CPython 3.11. */
#include "config.h"

#include "usher/arena.h"
#include "usher/validate.h"
#include "tap.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMG_NOHOST "Invalid profile image URL: HTTP(S) URLs must include a host."
#define IMG_INV "Invalid profile image URL: must be a known internal path, an HTTP(S) URL " \
                "with a host, or a data:image URI (png/jpeg/gif/webp)."
#define IMG_IPV6 "Invalid IPv6 URL"
#define TOO_LONG "Uh-oh! The password you entered is too long. Please make sure your password " \
                 "is less than 72 bytes long."
#define NOT_MET "The password does not meet the required validation criteria."

/* The reference accepts the rows with a line break; usher refuses control characters in an
 * address on purpose (test-text-rules.c). */
static const struct { const char *email; bool ok; } emails[] = {
    { "a@b.c", true },
    { "a@b.", false },
    { "a@.c", false },
    { "@b.c", false },
    { "a@b", false },
    { "ab", false },
    { "a@b.c@d", true },
    { "a@b@c.d", false },
    { "a@b.c.d", true },
    { "a@b..c", true },
    { "a@.b.c", true },
    { "a@..c", true },
    { "x@y.z trailing junk", true },
    { "a b@c d.e f", true },
    { "a@b.c@", true },
    { "a@b.c.@@", true },
    { "@localhost", true },
    { "x@localhost", true },
    { "x@LOCALHOST", false },
    { "a@localhost.x", true },
    { "a@@b.c", false },
    { "a.b@c", false },
    { "a@bc.", false },
    { "a@b.cd", true },
    { "\xc3""\xa9""@\xc3""\xbc"".\xc3""\x9f""", true },
    { "a\n@b.c", false },
    { "a@b\n.c", false },
    { "a@b.\nc", false },
    { "", false },
    { "a@.", false },
    { "a@..", false },
    { "a@b.c\n", false },
    { "foo@bar.com", true },
};

static const struct { const char *url; const char *msg; } images[] = {
    { "", NULL },
    { "/user.png", NULL },
    { "/favicon.png", NULL },
    { "/static/favicon.png", NULL },
    { "/user.png?x", IMG_INV },
    { "/static/other.png", IMG_INV },
    { "user.png", IMG_INV },
    { "/api/v1/users/abc/profile/image", NULL },
    { "/api/v1/users//profile/image", IMG_INV },
    { "/api/v1/users/a/b/profile/image", IMG_INV },
    { "/api/v1/users/a?b/profile/image", IMG_INV },
    { "/api/v1/users/a#/profile/image", IMG_INV },
    { "/api/v1/users/a b/profile/image", NULL },
    { "/api/v1/users/abc/profile/image/", IMG_INV },
    { "/api/v1/users/abc/profile/imagex", IMG_INV },
    { "http://example.com/a.png", NULL },
    { "https://example.com", NULL },
    { "HTTPS://EXAMPLE.COM/x", NULL },
    { "http://", IMG_NOHOST },
    { "http:///x", IMG_NOHOST },
    { "http://:80/x", IMG_NOHOST },
    { "http://user@/x", IMG_NOHOST },
    { "http://user@host/x", NULL },
    { "http:example.com", IMG_NOHOST },
    { "https:/example.com", IMG_NOHOST },
    { "//example.com/a.png", IMG_INV },
    { " http://x/", NULL },
    { "\thttp://x/", NULL },
    { "ht\ttp://x/", NULL },
    { "h\nttp://x", NULL },
    { "\x01https://x", NULL },
    { "http://[::1]/", NULL },
    { "http://[::1]:8080/a", NULL },
    { "http://[zz]/", IMG_IPV6 },
    { "http://[1.2.3.4]/", IMG_IPV6 },
    { "http://a[::1]/", IMG_IPV6 },
    { "http://[::1]x/", IMG_IPV6 },
    { "http://x]/", IMG_IPV6 },
    { "http://[::1/", IMG_IPV6 },
    { "http://[v1.x]/", NULL },
    { "http://[fe80::1%25eth0]/", NULL },
    { "http://[::]/", NULL },
    { "http://[1:2:3:4:5:6:7:8]/", NULL },
    { "http://[1:2:3:4:5:6:7:8:9]/", IMG_IPV6 },
    { "http://[1::2::3]/", IMG_IPV6 },
    { "http://[::ffff:1.2.3.4]/", NULL },
    { "http://[::ffff:01.2.3.4]/", IMG_IPV6 },
    { "http://[]/", IMG_IPV6 },
    { "ftp://[x/", IMG_IPV6 },
    { "javascript:alert(1)", IMG_INV },
    { "file:///etc/passwd", IMG_INV },
    { "ftp://example.com/a.png", IMG_INV },
    { "data:image/png;base64,AAAA", NULL },
    { "DATA:IMAGE/PNG;BASE64,AAAA", NULL },
    { "data:image/jpeg;base64,", NULL },
    { "data:image/gif;base64,x", NULL },
    { "data:image/webp;base64,x", NULL },
    { "data:image/svg+xml;base64,PHN2Zz4=", IMG_INV },
    { "data:image/png,AAAA", IMG_INV },
    { "data:image/png;charset=utf-8;base64,AA", IMG_INV },
    { "data:image/jpg;base64,AA", IMG_INV },
    { "data:text/html;base64,AA", IMG_INV },
    { " data:image/png;base64,AA", IMG_INV },
    { "data:image/pngx;base64,AA", IMG_INV },
    { "data:image/pn;base64,AA", IMG_INV },
    { "mailto:a@b.c", IMG_INV },
    { "1http://x", IMG_INV },
    { "a+b-c.d://x", IMG_INV },
    { "http://x:notaport/", NULL },
    { "http://a@b@/x", IMG_NOHOST },
    { "https://exa mple.com/", NULL },
    { "x:", IMG_INV },
    { ":", IMG_INV },
    { "http:", IMG_NOHOST },
    { "HTTP://[::1]", NULL },
    { "http://[v1.]/", IMG_IPV6 },
    { "http://[vg.x]/", IMG_IPV6 },
    { "http://[v.x]/", IMG_IPV6 },
};


static void test_email(void)
{
    for (size_t i = 0; i < sizeof(emails) / sizeof(emails[0]); i++)
        is_int(validate_email(emails[i].email), emails[i].ok, "validate_email(\"%s\")", tap_esc(emails[i].email));
    ok(!validate_email(NULL), "validate_email(NULL) is false");
}

static void test_role_lower(void)
{
    ok(validate_role("pending") && validate_role("user") && validate_role("admin"), "the three roles");
    ok(!validate_role("Admin") && !validate_role("") && !validate_role(NULL) && !validate_role("users"),
       "anything else is not a role");
    char s[] = "MiXeD@Example.COM \xc3\x84";
    ascii_lower(s);
    is_str(s, "mixed@example.com \xc3\x84", "ascii_lower leaves non-ASCII bytes alone");
    ascii_lower(NULL);

    struct arena *a = arena_new(4096);
    is_str(text_lower(a, "MiXeD@Example.COM"), "mixed@example.com", "text_lower: ASCII");
    is_str(text_lower(a, "\xc3\x84NNE@Example.com"), "\xc3\xa4nne@example.com", "text_lower: \xc3\x84 -> \xc3\xa4");
    is_str(text_lower(a, "\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91"), "\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1", "text_lower: Greek");
    is_str(text_lower(a, "\xc8\xba"), "\xe2\xb1\xa5", "text_lower: U+023A grows to 3 bytes");
    is_str(text_lower(a, "\xf0\x9f\x98\x80x"), "\xf0\x9f\x98\x80x", "text_lower: emoji kept");
    ok(text_lower(a, NULL) == NULL, "text_lower(NULL)");
    arena_free(a);
}

static void test_images(void)
{
    for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++)
        is_str(validate_profile_image_url(images[i].url, strlen(images[i].url), NULL), images[i].msg,
               "profile image \"%s\"", tap_esc(images[i].url));
    is_str(validate_profile_image_url(NULL, 0, NULL), NULL, "NULL url is the empty string");
    /* a NUL inside the id is just another byte */
    is_str(validate_profile_image_url("/api/v1/users/a\0b/profile/image", 31, NULL), NULL,
           "route with a NUL in the id");
    is_str(validate_profile_image_url("/api/v1/users/abc/profile/image\n", 32, NULL), IMG_INV,
           "route with a trailing newline (Python's $ would accept it)");

    struct image_policy pol = { "image/png, image/svg+xml ,IMAGE/AVIF", 0 };
    is_str(validate_profile_image_url("data:image/svg+xml;base64,AA", 28, &pol), NULL, "configured svg+xml");
    is_str(validate_profile_image_url("data:image/avif;BASE64,AA", 25, &pol), NULL, "configured type, any case");
    is_str(validate_profile_image_url("data:image/jpeg;base64,AA", 25, &pol), IMG_INV,
           "jpeg not in the configured list (message keeps the default names)");
    struct image_policy pol2 = { "png,,x/", 0 };
    is_str(validate_profile_image_url("data:image/png;base64,AA", 24, &pol2), NULL, "bare subtype entry");
    is_str(validate_profile_image_url("data:image/;base64,AA", 21, &pol2), IMG_INV, "empty entries are skipped");

    struct image_policy cap = { NULL, 30 };
    const char *u30 = "data:image/png;base64,AAAAAAAA";    /* 30 characters */
    is_str(validate_profile_image_url(u30, strlen(u30), &cap), NULL, "data URI at the cap");
    const char *u31 = "data:image/png;base64,AAAAAAAAA";
    is_str(validate_profile_image_url(u31, strlen(u31), &cap),
           "Invalid profile image URL: data URI exceeds the 30-byte limit.", "data URI over the cap");
    const char *uni = "data:image/png;base64,\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
    is_str(validate_profile_image_url(uni, strlen(uni), &cap), NULL,
           "the cap counts characters, as Python's len() (38 bytes, 30 characters)");
    is_str(validate_profile_image_url("https://x.example/a.png", 23, &cap), NULL, "the cap is for data URIs only");
    /* a long URL with line breaks takes the copying path */
    size_t n = 100000;
    char *big = malloc(n + 1);
    memcpy(big, "http\n://", 8);
    memset(big + 8, 'a', n - 8);
    big[n] = '\0';
    is_str(validate_profile_image_url(big, n, NULL), NULL, "long URL with a newline in the scheme");
    free(big);
}

static void test_password(void)
{
    struct password_policy off = { false, NULL, "" };
    struct password_policy on = { true, PASSWORD_DEFAULT_PATTERN, "" };
    struct password_policy hint = { true, PASSWORD_DEFAULT_PATTERN, "Use 8+ chars, mixed case, a digit, a symbol." };
    struct password_policy bad = { true, "(?i)abc", "" };
    struct password_policy dflt = { true, NULL, "" };
    char p72[73], p73[74];
    memset(p72, 'a', 72);
    p72[72] = '\0';
    memset(p73, 'a', 73);
    p73[73] = '\0';

    is_str(password_policy_check("x", &off), NULL, "policy off: anything short goes");
    is_str(password_policy_check("", &off), NULL, "policy off: empty goes");
    is_str(password_policy_check(p72, &off), NULL, "72 bytes is fine");
    is_str(password_policy_check(p73, &off), TOO_LONG, "73 bytes is too long");
    is_str(password_policy_check(p73, &on), TOO_LONG, "too long comes before the pattern");
    is_str(password_policy_check("Aa1!aaaa", &on), NULL, "default pattern: good password");
    is_str(password_policy_check("aaaaaaaa", &on), NOT_MET, "default pattern: weak, no hint");
    is_str(password_policy_check("aaaaaaaa", &hint), hint.hint, "default pattern: weak, the hint");
    is_str(password_policy_check("Aa1!aaaa", &dflt), NULL, "NULL pattern means the default");
    is_str(password_policy_check("aaaaaaaa", &dflt), NOT_MET, "NULL pattern means the default (weak)");
    is_str(password_policy_check("Aa1!aaaa", &bad), NOT_MET, "unsupported pattern refuses everything");
    is_str(password_policy_check("abc", &bad), NOT_MET, "unsupported pattern refuses everything (logged once)");
    is_str(password_policy_check(NULL, &off), NOT_MET, "NULL password");
    is_str(password_policy_check("abc", NULL), NULL, "NULL policy = off");
}

int main(void)
{
    test_email();
    test_role_lower();
    test_images();
    test_password();
    return tap_done();
}
