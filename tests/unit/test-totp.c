/* Unit tests: TOTP (RFC 6238 Appendix B through liboath, the step window, the once-only
 * rule), base32, recovery codes, the sealing of a TOTP secret, and the lockout's lengths. */
#include "config.h"

#include "usher/lockout.h"
#include "usher/totp.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

static const unsigned char rfc_secret[] = "12345678901234567890";

static void test_rfc6238(void)
{
    static const struct { long long t; const char *code; } v[] = {
        { 59, "94287082" }, { 1111111109, "07081804" }, { 1111111111, "14050471" },
        { 1234567890, "89005924" }, { 2000000000, "69279037" }, { 20000000000LL, "65353130" },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char out[9];
        is_int(totp_code(rfc_secret, 20, v[i].t / 30, 8, out), 0, "code at %lld", v[i].t);
        is_str(out, v[i].code, "RFC 6238 B, SHA1, T=%lld", v[i].t);
    }
    char six[7];
    totp_code(rfc_secret, 20, 59 / 30, 6, six);
    is_str(six, "287082", "six digits are the last six of the eight");
}

static void test_window(void)
{
    long long now = 1111111111, cur = now / 30;
    char prev[7], here[7], next[7], far[7];
    totp_code(rfc_secret, 20, cur - 1, 6, prev);
    totp_code(rfc_secret, 20, cur, 6, here);
    totp_code(rfc_secret, 20, cur + 1, 6, next);
    totp_code(rfc_secret, 20, cur + 2, 6, far);
    ok(totp_check(rfc_secret, 20, here, now, 0) == cur, "current step accepted");
    ok(totp_check(rfc_secret, 20, prev, now, 0) == cur - 1, "one step back accepted");
    ok(totp_check(rfc_secret, 20, next, now, 0) == cur + 1, "one step ahead accepted");
    ok(totp_check(rfc_secret, 20, far, now, 0) == -1, "two steps ahead refused");
    ok(totp_check(rfc_secret, 20, here, now, cur) == -1, "the last used step is refused");
    ok(totp_check(rfc_secret, 20, prev, now, cur) == -1, "an earlier step is refused");
    ok(totp_check(rfc_secret, 20, next, now, cur) == cur + 1, "a later step is still good");
    ok(totp_check(rfc_secret, 20, "12345", now, 0) == -1, "five digits refused");
    ok(totp_check(rfc_secret, 20, "1234567", now, 0) == -1, "seven digits refused");
    ok(totp_check(rfc_secret, 20, "12a456", now, 0) == -1, "a letter refused");
}

static void test_base32(void)
{
    char out[40];
    totp_base32((const unsigned char *)"foobar", 6, out);
    is_str(out, "MZXW6YTBOI", "RFC 4648 base32 of foobar (no padding)");
    unsigned char raw[20], back[20];
    char b32[33];
    is_int(totp_secret_new(raw, b32), 0, "new secret");
    is_int(strlen(b32), 32, "32 base32 characters");
    is_int(totp_base32_decode(b32, back), 0, "decodes");
    ok(memcmp(raw, back, 20) == 0, "round trip");
    ok(totp_base32_decode("AAAA", back) == -1, "short refused");
}

static void test_recovery(void)
{
    char code[12], canon[11];
    is_int(recovery_code_new(code), 0, "new code");
    is_int(strlen(code), 11, "xxxxx-xxxxx is 11 characters");
    ok(code[5] == '-', "hyphen in the middle");
    is_int(recovery_code_normalize(code, canon), 0, "its own form normalises");
    is_int(recovery_code_normalize(" AbC12-3dE 45 ", canon), 0, "case, spaces, hyphens ignored");
    is_str(canon, "abc123de45", "canonical form");
    ok(recovery_code_normalize("abc12-3de4", canon) == -1, "nine characters refused");
    ok(recovery_code_normalize("abc12-3de456", canon) == -1, "eleven refused");
    ok(recovery_code_normalize("abc12-3de4!", canon) == -1, "punctuation refused");
    char h1[65], h2[65], h3[65];
    const unsigned char k[] = "server";
    recovery_code_hash("u1", "abc123de45", k, 6, h1);
    recovery_code_hash("u2", "abc123de45", k, 6, h2);
    recovery_code_hash("u1", "abc123de45", (const unsigned char *)"other!", 6, h3);
    ok(strcmp(h1, h2) != 0, "hash bound to the user");
    ok(strcmp(h1, h3) != 0, "hash bound to the server secret");
    ok(!strstr(h1, "abc123"), "hash does not show the code");
}

static void test_seal(void)
{
    const unsigned char k[] = "server-secret";
    char b32[33], back[33];
    unsigned char raw[20];
    totp_secret_new(raw, b32);
    char *s = totp_seal(b32, "user-1", k, 13);
    ok(s != NULL, "sealed");
    ok(s && !strstr(s, b32), "sealed form hides the secret");
    is_int(totp_open(s, "user-1", k, 13, back), 0, "opens for its user");
    is_str(back, b32, "same secret");
    ok(totp_open(s, "user-2", k, 13, back) == -1, "not for another user");
    ok(totp_open(s, "user-1", (const unsigned char *)"other-secret!", 13, back) == -1,
       "not under another server secret");
    free(s);
}

static void test_lock_lengths(void)
{
    is_int(lockout_length(60, 900, 1), 60, "first lock: the duration");
    is_int(lockout_length(60, 900, 2), 120, "second: doubled");
    is_int(lockout_length(60, 900, 4), 480, "fourth: 8x");
    is_int(lockout_length(60, 900, 5), 900, "fifth: capped at max_duration");
    is_int(lockout_length(60, 900, 1000000), 900, "no overflow far out");
    is_int(lockout_length(2, 1000, 2), 4, "small: 2s then 4s");
}

int main(void)
{
    test_rfc6238();
    test_window();
    test_base32();
    test_recovery();
    test_seal();
    test_lock_lengths();
    return tap_done();
}
