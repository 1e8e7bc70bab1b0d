/* form_parse_multipart: table-driven, plus every truncation and random damage of a valid
 * body (run under valgrind/ASan, these show it never reads outside the buffer). */
#include "config.h"

#include "tap.h"
#include "usher/form.h"
#include "usher/multipart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof(*(a)))
#define CT "multipart/form-data; boundary=XyZ"
#define CD "Content-Disposition: form-data; "
#define NUL_BODY "--XyZ\r\n" CD "name=\"f\"; filename=\"a\"\r\n\r\na\0b\r\n--XyZ--"

struct mp_case {
    const char *what;
    const char *ct;
    const char *body;
    size_t len;             /* 0: strlen */
    size_t max_part;        /* 0: 1 MiB */
    int status;             /* 0: success */
    const char *want;       /* plain JSON of the fields, or a detail substring */
};

static const struct mp_case cases[] = {
    { "two fields", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ\r\n" CD "name=\"b\"\r\n\r\ntwo words\r\n--XyZ--\r\n",
      0, 0, 0, "{\"a\":\"1\",\"b\":\"two words\"}" },
    { "no CRLF after the close delimiter", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ--", 0, 0, 0, "{\"a\":\"1\"}" },
    { "preamble and epilogue ignored", CT,
      "This is a preamble.\r\n--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ--\r\nepilogue --XyZ\r\n",
      0, 0, 0, "{\"a\":\"1\"}" },
    { "body starting with CRLF", CT,
      "\r\n--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ--\r\n", 0, 0, 0, "{\"a\":\"1\"}" },
    { "quoted boundary with a space and colon", "multipart/form-data; boundary=\"a b:c\"",
      "--a b:c\r\n" CD "name=\"a\"\r\n\r\n1\r\n--a b:c--\r\n", 0, 0, 0, "{\"a\":\"1\"}" },
    { "boundary among other params, any case", "Multipart/Form-Data; charset=utf-8; BOUNDARY=q",
      "--q\r\n" CD "name=\"a\"\r\n\r\n1\r\n--q--\r\n", 0, 0, 0, "{\"a\":\"1\"}" },
    { "70-char boundary", "multipart/form-data; boundary="
      "0123456789012345678901234567890123456789012345678901234567890123456789",
      "--0123456789012345678901234567890123456789012345678901234567890123456789\r\n"
      CD "name=\"a\"\r\n\r\n1\r\n"
      "--0123456789012345678901234567890123456789012345678901234567890123456789--",
      0, 0, 0, "{\"a\":\"1\"}" },
    { "transport padding after a delimiter", CT,
      "--XyZ \t\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ--", 0, 0, 0, "{\"a\":\"1\"}" },
    { "quoted name with \\\" escapes", CT,
      "--XyZ\r\n" CD "name=\"say \\\"hi\\\"\"\r\n\r\n1\r\n--XyZ--", 0, 0, 0,
      "{\"say \\\"hi\\\"\":\"1\"}" },
    { "backslash kept unless it escapes", CT,
      "--XyZ\r\n" CD "name=\"C:\\x\\\\y\"\r\n\r\n1\r\n--XyZ--", 0, 0, 0,
      "{\"C:\\\\x\\\\y\":\"1\"}" },
    { "name with ; and = inside quotes", CT,
      "--XyZ\r\n" CD "name=\"a;b=c\"\r\n\r\n1\r\n--XyZ--", 0, 0, 0, "{\"a;b=c\":\"1\"}" },
    { "unquoted token name", CT,
      "--XyZ\r\n" CD "name=plain\r\n\r\n1\r\n--XyZ--", 0, 0, 0, "{\"plain\":\"1\"}" },
    { "spaces around =", CT,
      "--XyZ\r\nContent-Disposition:form-data ;name = \"a\" \r\n\r\n1\r\n--XyZ--", 0, 0, 0,
      "{\"a\":\"1\"}" },
    { "header names and disposition type in any case", CT,
      "--XyZ\r\ncontent-disposition: FORM-DATA; NAME=\"a\"\r\n\r\n1\r\n--XyZ--", 0, 0, 0,
      "{\"a\":\"1\"}" },
    { "UTF-8 name and value", CT,
      "--XyZ\r\n" CD "name=\"caf\xc3\xa9\"\r\n\r\n\xe2\x82\xac\r\n--XyZ--", 0, 0, 0,
      "{\"caf\xc3\xa9\":\"\xe2\x82\xac\"}" },
    { "other part headers ignored", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\nContent-Type: text/plain; charset=utf-8\r\nX-Other: 1\r\n\r\n1\r\n--XyZ--",
      0, 0, 0, "{\"a\":\"1\"}" },
    { "repeated names and [] become arrays", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ\r\n" CD "name=\"a\"\r\n\r\n2\r\n"
      "--XyZ\r\n" CD "name=\"ids[]\"\r\n\r\nx\r\n--XyZ\r\n" CD "name=\"ids[]\"\r\n\r\ny\r\n--XyZ--",
      0, 0, 0, "{\"a\":[\"1\",\"2\"],\"ids\":[\"x\",\"y\"]}" },
    { "empty value", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n\r\n\r\n--XyZ--", 0, 0, 0, "{\"a\":\"\"}" },
    { "value with CRLFs and a boundary not at a line start", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n\r\nl1\r\n\r\nl2 --XyZ\r\n--XyZ--", 0, 0, 0,
      "{\"a\":\"l1\\r\\n\\r\\nl2 --XyZ\"}" },
    { "no parts", CT, "--XyZ--\r\n", 0, 0, 0, "{}" },
    { "text file kept as a string", CT,
      "--XyZ\r\n" CD "name=\"f\"; filename=\"notes.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ--",
      0, 0, 0, "{\"f\":\"hello\"}" },
    { "file with an empty filename", CT,
      "--XyZ\r\n" CD "name=\"f\"; filename=\"\"\r\n\r\n\r\n--XyZ--", 0, 0, 0, "{\"f\":\"\"}" },
    { "part exactly max_part", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n\r\n12345\r\n--XyZ--", 0, 5, 0, "{\"a\":\"12345\"}" },
    /* failures */
    { "field over max_part", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n\r\n123456\r\n--XyZ--", 0, 5, 413, "Form field too large" },
    { "file over max_part", CT,
      "--XyZ\r\n" CD "name=\"f\"; filename=\"a.txt\"\r\n\r\n123456\r\n--XyZ--", 0, 5, 413,
      "Uploaded file too large" },
    { "binary file", CT,
      "--XyZ\r\n" CD "name=\"f\"; filename=\"a.png\"\r\n\r\n\x89PNG\xff\r\n--XyZ--", 0, 0, 400,
      "UTF-8" },
    { "file with NUL", CT,
      NUL_BODY, sizeof(NUL_BODY) - 1, 0, 400, "UTF-8" },
    { "field with invalid UTF-8", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n\r\n\xc0\xaf\r\n--XyZ--", 0, 0, 400, "UTF-8" },
    { "field with a surrogate", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n\r\n\xed\xa0\x80\r\n--XyZ--", 0, 0, 400, "UTF-8" },
    { "name with invalid UTF-8", CT,
      "--XyZ\r\n" CD "name=\"\xff\"\r\n\r\n1\r\n--XyZ--", 0, 0, 400, "Invalid multipart body" },
    { "no Content-Type", NULL, "--XyZ--", 0, 0, 400, "boundary" },
    { "no boundary", "multipart/form-data", "--XyZ--", 0, 0, 400, "boundary" },
    { "empty boundary", "multipart/form-data; boundary=", "----", 0, 0, 400, "boundary" },
    { "empty quoted boundary", "multipart/form-data; boundary=\"\"", "----", 0, 0, 400, "boundary" },
    { "71-char boundary", "multipart/form-data; boundary="
      "01234567890123456789012345678901234567890123456789012345678901234567890",
      "--01234567890123456789012345678901234567890123456789012345678901234567890--",
      0, 0, 400, "boundary" },
    { "boundary with a bad character", "multipart/form-data; boundary=\"a@b\"", "--a@b--",
      0, 0, 400, "boundary" },
    { "boundary ending in a space", "multipart/form-data; boundary=\"ab \"", "--ab --",
      0, 0, 400, "boundary" },
    { "unterminated quoted boundary", "multipart/form-data; boundary=\"ab", "--ab--",
      0, 0, 400, "boundary" },
    { "empty body", CT, "", 0, 0, 400, "Invalid multipart body" },
    { "no boundary line in the body", CT, "hello", 0, 0, 400, "Invalid multipart body" },
    { "no final boundary", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n\r\n1", 0, 0, 400, "Invalid multipart body" },
    { "no final boundary after a part", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ\r\n", 0, 0, 400, "Invalid multipart body" },
    { "truncated in the headers", CT,
      "--XyZ\r\n" CD "name=\"a\"", 0, 0, 400, "Invalid multipart body" },
    { "truncated after the delimiter", CT, "--XyZ", 0, 0, 400, "Invalid multipart body" },
    { "truncated close delimiter", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ-", 0, 0, 400, "Invalid multipart body" },
    { "no headers", CT, "--XyZ\r\n\r\n1\r\n--XyZ--", 0, 0, 400, "Invalid multipart body" },
    { "no Content-Disposition", CT,
      "--XyZ\r\nContent-Type: text/plain\r\n\r\n1\r\n--XyZ--", 0, 0, 400, "Invalid multipart body" },
    { "no name", CT,
      "--XyZ\r\n" CD "filename=\"a.txt\"\r\n\r\n1\r\n--XyZ--", 0, 0, 400, "Invalid multipart body" },
    { "disposition without parameters", CT,
      "--XyZ\r\nContent-Disposition: form-data\r\n\r\n1\r\n--XyZ--", 0, 0, 400,
      "Invalid multipart body" },
    { "attachment disposition", CT,
      "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--XyZ--", 0, 0, 400,
      "Invalid multipart body" },
    { "two Content-Dispositions", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n" CD "name=\"b\"\r\n\r\n1\r\n--XyZ--", 0, 0, 400,
      "Invalid multipart body" },
    { "unterminated quoted name", CT,
      "--XyZ\r\n" CD "name=\"a\r\n\r\n1\r\n--XyZ--", 0, 0, 400, "Invalid multipart body" },
    { "empty unquoted name", CT,
      "--XyZ\r\n" CD "name=\r\n\r\n1\r\n--XyZ--", 0, 0, 400, "Invalid multipart body" },
    { "garbage between parameters", CT,
      "--XyZ\r\n" CD "name=\"a\" junk\r\n\r\n1\r\n--XyZ--", 0, 0, 400, "Invalid multipart body" },
    { "header line without a colon", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\nbogus\r\n\r\n1\r\n--XyZ--", 0, 0, 400, "Invalid multipart body" },
    { "folded header line", CT,
      "--XyZ\r\n" CD "\r\n name=\"a\"\r\n\r\n1\r\n--XyZ--", 0, 0, 400, "Invalid multipart body" },
    { "LF line endings", CT,
      "--XyZ\n" CD "name=\"a\"\n\n1\n--XyZ--\n", 0, 0, 400, "Invalid multipart body" },
    { "delimiter followed by text", CT,
      "--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZabc\r\n--XyZ--", 0, 0, 400,
      "Invalid multipart body" },
    { "boundary that is only a prefix", CT, "--XyZW\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZW--",
      0, 0, 400, "Invalid multipart body" },
};

static const char *plain(struct json_object *o)
{
    return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void test_table(void)
{
    for (size_t i = 0; i < N(cases); i++) {
        const struct mp_case *c = &cases[i];
        struct http_error err = { 0 };
        size_t len = c->len ? c->len : strlen(c->body);
        /* A heap copy of exactly len bytes, so ASan/valgrind catch any read past the end. */
        char *body = malloc(len ? len : 1);
        memcpy(body, c->body, len);
        struct json_object *o = form_parse_multipart(c->ct, body, len,
                                                      c->max_part ? c->max_part : 1 << 20, &err);
        if (c->status == 0) {
            ok(o != NULL, "%s: accepted (%d '%s')", c->what, err.status, err.detail);
            if (o)
                is_str(plain(o), c->want, "%s: fields", c->what);
        } else {
            ok(o == NULL && err.status == c->status && strstr(err.detail, c->want) != NULL,
               "%s: %d '%s' (got %d '%s')", c->what, c->status, c->want, err.status, err.detail);
            is_str(err.type, "", "%s: plain error", c->what);
        }
        json_object_put(o);
        free(body);
    }
}

/* Every prefix of a valid body, each in its own exact-size heap buffer: only the full body
 * (or one that has lost only its epilogue) parses; the rest are clean 400s. */
static void test_truncations(void)
{
    static const char full[] =
        "pre\r\n--XyZ\r\n" CD "name=\"a\\\"b\"; filename=\"f.txt\"\r\nContent-Type: text/plain\r\n"
        "\r\nfile\r\nbody\r\n--XyZ\r\n" CD "name=c\r\n\r\n\xc3\xa9\r\n--XyZ--\r\n";
    size_t len = sizeof(full) - 1, good = 0, bad400 = 0, other = 0;
    for (size_t n = 0; n <= len; n++) {
        char *buf = malloc(n ? n : 1);
        memcpy(buf, full, n);
        struct http_error err = { 0 };
        struct json_object *o = form_parse_multipart(CT, buf, n, 1 << 20, &err);
        if (o)
            good++;
        else if (err.status == 400)
            bad400++;
        else
            other++;
        json_object_put(o);
        free(buf);
    }
    is_int(good, 3, "truncations: only the full body and the two without the final CRLF parse");
    is_int(other, 0, "truncations: every other prefix is a 400");
    ok(bad400 == len - 2, "truncations: %zu prefixes refused", bad400);
}

/* Random damage (fixed seed): flipped, deleted and CR/LF/'-'/'"' bytes. Any outcome is fine
 * as long as it is a clean result; the sanitizers do the checking. */
static void test_random_damage(void)
{
    static const char full[] =
        "--XyZ\r\n" CD "name=\"a\"\r\n\r\n1\r\n--XyZ\r\n" CD "name=\"b\"; filename=\"x\"\r\n"
        "Content-Type: text/plain\r\n\r\nline\r\n--XyZ--\r\n";
    static const char specials[] = "\r\n-\"\\;=: XyZ";
    size_t len = sizeof(full) - 1;
    unsigned seed = 12345;
    int unclean = 0;
    for (int iter = 0; iter < 20000; iter++) {
        char *buf = malloc(len);
        memcpy(buf, full, len);
        size_t n = len;
        int edits = 1 + iter % 4;
        for (int e = 0; e < edits && n > 0; e++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % n;
            seed = seed * 1103515245u + 12345u;
            switch ((seed >> 16) % 3) {
            case 0:
                buf[pos] = (char)(seed >> 3);
                break;
            case 1:
                memmove(buf + pos, buf + pos + 1, n - pos - 1);
                n--;
                break;
            default:
                buf[pos] = specials[(seed >> 4) % (sizeof(specials) - 1)];
                break;
            }
        }
        struct http_error err = { 0 };
        struct json_object *o = form_parse_multipart(CT, buf, n, 1 << 20, &err);
        if (!o && err.status != 400 && err.status != 413)
            unclean++;
        json_object_put(o);
        free(buf);
    }
    is_int(unclean, 0, "20000 damaged bodies: each parses or fails with 400/413");
}

int main(void)
{
    test_table();
    test_truncations();
    test_random_damage();
    return tap_done();
}
