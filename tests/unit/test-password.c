/* Unit tests: bcrypt hashing and verification. The $2b$ vectors were made with pyca's
 * bcrypt 3.2 (the library Open WebUI uses; an implementation independent of libxcrypt),
 * the $y$ one with libxcrypt. Most use cost 4; only four operations run at cost 12. */
#include "config.h"

#include "usher/password.h"

#include <string.h>
#include <time.h>

#include "tap.h"

#define A72 "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define A70 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define A71 A70 "a"

static const char horse4[] = "$2b$04$gu/m4P8J3m0sZE35RGQpH.J4dhLsg3ci5JsO2x3jy5q4JyXmnnNe6";
static const char admin12[] = "$2b$12$Qu7D3cgW9IhOplSPaptNx.6/xh7ejIYyzNRJguAIVbuMruZuoqUt6";
static const char h72[] = "$2b$04$bTsj/XcwMkyeHOVY0GQAseISqsnUA1pXh3Bze9RYfv5BWSc0BRx/K";
static const char h71[] = "$2b$04$CXB3KU1bLmxYDlkp50WxDO9jBFmWx350MdOfpQrvsYnt/buB98SqC";
static const char h71c3[] = "$2b$04$l9OclG8pXRt253mKJxsiO.Wb.X.mCy5ONOHldiTyJYorI/0a6O/ii";
static const char h70[] = "$2b$04$Up0XwUS.Fg/vJa6J0FSKFePcjI46ONCfiGtf30hLb7u53voI4WH7O";
static const char utf8[] = "$2b$04$9XObfpV78ouS0WmaN0TiO.88wVRpHt/4dMf9nTO4rw/OFhAEGE59.";
static const char empty4[] = "$2b$04$dcY1dF9FruQk7O.llmxY.OO8d4yeQIZCVWeRDJqwaR7F/pXAttd.y";
/* crypt_blowfish's published test vector for "U*U". */
static const char uu[] = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
static const char yes[] =
    "$y$j9T$ker.scqUtAItluVCfQ.ji1$4EbPUwJG3gmOqoVhKDihITV1cV0ZQHci1rP/jKQYiY8";
static const char sha512[] = "$6$saltsalt$8iYtNHxjWRl.NF6oNZ5tF.iKFlQREaXBLlSmZKP6dy9l5z3vsoo"
                             "WNW0/GZ6Nej73/TFug6pIPSqbJoCT6dfnj.";

/* hash with its 4-character prefix replaced. */
static const char *with_prefix(const char *hash, const char *prefix)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "%s%s", prefix, hash + 4);
    return buf;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_vectors(void)
{
    ok(password_verify("correct horse battery staple", horse4), "pyca bcrypt $2b$ hash verifies");
    ok(!password_verify("correct horse battery stapl", horse4), "wrong password refused");
    ok(!password_verify("Correct horse battery staple", horse4), "case matters");
    ok(password_verify("correct horse battery staple", with_prefix(horse4, "$2a$")),
       "same body under $2a$");
    ok(password_verify("correct horse battery staple", with_prefix(horse4, "$2y$")),
       "same body under $2y$");
    ok(!password_verify("correct horse battery staple", with_prefix(horse4, "$2x$")),
       "$2x$ (the buggy pre-2011 variant) is not accepted");
    ok(password_verify("U*U", uu), "crypt_blowfish vector U*U");
    ok(password_verify("pässwörd-ключ", utf8), "UTF-8 password");
    ok(!password_verify("passwörd-ключ", utf8), "UTF-8 password, one letter differs");
    ok(password_verify("", empty4), "empty password against its own hash");
    ok(!password_verify("x", empty4), "non-empty against the empty password's hash");
    ok(password_verify("hunter2", yes), "yescrypt $y$ verifies");
    ok(!password_verify("hunter3", yes), "yescrypt wrong password");
    ok(!password_verify("hunter2", sha512), "$6$ is not an accepted scheme");
}

static void test_truncation(void)
{
    ok(password_verify(A72, h72), "72-byte password");
    ok(password_verify(A72 "X", h72), "73 bytes verify against the hash of the first 72");
    ok(password_verify(A72 "and a lot more", h72), "anything past 72 bytes is ignored");
    char shorter[72];
    memcpy(shorter, A72, 71);
    shorter[71] = '\0';
    ok(!password_verify(shorter, h72), "71 of the 72 bytes do not match");
    /* é is C3 A9: 71 + 2 bytes, the cut at 72 splits it, so the whole é goes. */
    ok(password_verify(A71 "\xc3\xa9", h71), "a 2-byte character across byte 72 is dropped whole");
    ok(!password_verify(A71 "\xc3\xa9", h71c3), "... not cut in half");
    /* € is E2 82 AC: bytes 71..73. */
    ok(password_verify(A70 "\xe2\x82\xac", h70), "a 3-byte character across byte 72");
    ok(password_verify(A70 "\xe2\x82\xac tail", h70), "... with more after it");
    /* 70 + é = 72 bytes exactly: nothing is cut. */
    ok(!password_verify(A70 "\xc3\xa9", h70), "a character ending at byte 72 is kept");
}

static void test_malformed(void)
{
    ok(!password_verify("x", ""), "empty hash");
    ok(!password_verify("", ""), "empty password, empty hash");
    ok(!password_verify("x", "$2b$"), "prefix only");
    ok(!password_verify("x", "$2b$04$short"), "short bcrypt hash");
    ok(!password_verify("x", "*0"), "crypt failure token *0");
    ok(!password_verify("x", "*1"), "crypt failure token *1");
    ok(!password_verify("x", "plaintext"), "plaintext 'hash'");
    ok(!password_verify("x", "$2b$99$gu/m4P8J3m0sZE35RGQpH.J4dhLsg3ci5JsO2x3jy5q4JyXmnnNe6"),
       "cost 99");
    ok(!password_verify("x", "$2b$04$gu/m4P8J3m0sZE35RGQp!.J4dhLsg3ci5JsO2x3jy5q4JyXmnnNe6"),
       "bad salt character");
    char longer[128];
    snprintf(longer, sizeof longer, "%sx", horse4);
    ok(!password_verify("correct horse battery staple", longer), "trailing garbage on the hash");
    char cut[128];
    snprintf(cut, sizeof cut, "%.*s", (int)strlen(horse4) - 1, horse4);
    ok(!password_verify("correct horse battery staple", cut), "hash missing its last character");
    ok(!password_verify(NULL, horse4), "NULL password");
    ok(!password_verify("x", NULL), "NULL hash");
    char huge[1000];
    memset(huge, 'a', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    memcpy(huge, "$2b$04$", 7);
    ok(!password_verify("x", huge), "over-long hash");
}

static void test_hash(void)
{
    char h[128], h2[128];
    is_int(password_hash("s3cret-pass", 4, h, sizeof h), 0, "hash at cost 4");
    ok(strncmp(h, "$2b$04$", 7) == 0 && strlen(h) == 60, "a $2b$04$ hash of 60 chars: %s", h);
    ok(password_verify("s3cret-pass", h), "verifies");
    ok(!password_verify("s3cret-pasS", h), "wrong password refused");
    is_int(password_hash("s3cret-pass", 4, h2, sizeof h2), 0, "hash again");
    ok(strcmp(h, h2) != 0, "a fresh salt each time");
    is_int(password_hash(A72, 4, h, sizeof h), 0, "72 bytes can be hashed");
    ok(password_verify(A72 "X", h), "and verify with the sign-in truncation");
    is_int(password_hash(A72 "X", 4, h, sizeof h), -1, "73 bytes refused");
    is_int(password_hash("", 4, h, sizeof h), 0, "empty password can be hashed");
    ok(password_verify("", h), "and verified");
    is_int(password_hash("x", 3, h, sizeof h), -1, "cost 3 refused");
    is_int(password_hash("x", 32, h, sizeof h), -1, "cost 32 refused");
    is_int(password_hash("x", 4, h, 60), -1, "a 60-byte buffer is too small (needs the NUL)");
    is_int(password_hash("x", 4, h, 61), 0, "61 bytes is enough");
    is_int(password_hash(NULL, 4, h, sizeof h), -1, "NULL password");
}

/* The four cost-12 operations (~250 ms each natively). */
static void test_cost12(void)
{
    struct timespec t0;
    char h[128];
    clock_gettime(CLOCK_MONOTONIC, &t0);
    is_int(password_hash("default cost", 0, h, sizeof h), 0, "cost 0 means the default");
    ok(strncmp(h, "$2b$12$", 7) == 0, "default is $2b$12$");
    printf("# cost-12 hash: %.3f s\n", seconds_since(&t0));

    clock_gettime(CLOCK_MONOTONIC, &t0);
    ok(password_verify("admin123", admin12), "a cost-12 hash as Open WebUI stores it");
    double real = seconds_since(&t0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ok(!password_verify_dummy("admin123", 12), "dummy verification is always false");
    double dummy = seconds_since(&t0);
    /* Reported, not asserted: timings are for benchmarks. */
    printf("# verify %.3f s, dummy %.3f s\n", real, dummy);
    ok(!password_verify_dummy(NULL, 0), "dummy with NULL");
    ok(!password_verify_dummy(A72 "more", 12), "dummy with a long password");
    /* Another cost: a hash of that cost is made once, then checked, and still false. */
    ok(!password_verify_dummy("admin123", 4), "dummy at cost 4");
    ok(!password_verify_dummy("usher dummy password", 4), "even its own phrase answers false");
}

int main(void)
{
    test_vectors();
    test_truncation();
    test_malformed();
    test_hash();
    test_cost12();
    return tap_done();
}
