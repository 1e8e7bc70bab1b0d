/* The CSV reader of `usherctl user import` (csv.h): RFC 4180 records, never split, broken
 * ones refused whole with their line, and no row hidden in a quoted cell ever read as one. */
#include "config.h"

#include "usher/csv.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads every record of buf into a printable transcript: one entry per record, "L<line>-
 * <end>:" then the fields joined by '|' (with \r \n shown as such), or the status name. */
static const char *transcript(const char *buf, size_t len, size_t max)
{
    static char out[16384];
    size_t o = 0;
    struct csv_reader *r = csv_open_buffer(buf, len, max);
    struct csv_record rec;
    enum csv_status st;
    static const char *const names[] = {
        [CSV_RECORD] = "REC", [CSV_EOF] = "EOF", [CSV_TOO_LONG] = "TOO_LONG",
        [CSV_BAD_QUOTE] = "BAD_QUOTE", [CSV_UNCLOSED] = "UNCLOSED", [CSV_NUL] = "NUL",
        [CSV_READ_ERROR] = "READ_ERROR",
    };
    out[0] = '\0';
    while ((st = csv_next(r, &rec)) != CSV_EOF && st != CSV_READ_ERROR && o < sizeof(out) - 512) {
        o += (size_t)snprintf(out + o, sizeof(out) - o, "%sL%ld-%ld:", o ? " " : "", rec.line,
                              rec.end_line);
        if (st != CSV_RECORD) {
            o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", names[st]);
            continue;
        }
        for (size_t i = 0; i < rec.nfields; i++) {
            if (i)
                out[o++] = '|';
            for (const char *p = rec.fields[i]; *p && o < sizeof(out) - 16; p++) {
                if (*p == '\r' || *p == '\n') {
                    out[o++] = '\\';
                    out[o++] = *p == '\r' ? 'r' : 'n';
                } else if (strlen(rec.fields[i]) > 64) {
                    o += (size_t)snprintf(out + o, sizeof(out) - o, "<%zu bytes>",
                                          strlen(rec.fields[i]));
                    break;
                } else {
                    out[o++] = *p;
                }
            }
        }
        out[o] = '\0';
    }
    csv_close(r);
    return out;
}

static const struct {
    const char *name, *in;
    size_t len;          /* 0: strlen(in) */
    const char *want;
} cases[] = {
    { "three fields", "a,b,c\n", 0, "L1-1:a|b|c" },
    { "no line end at the end", "a,b", 0, "L1-1:a|b" },
    { "empty input", "", 0, "" },
    { "a blank line is one empty field", "\nx\n", 0, "L1-1: L2-2:x" },
    { "empty fields", "a,\"\",\n", 0, "L1-1:a||" },
    { "CRLF ends records", "a,b\r\nc,d\r\n", 0, "L1-1:a|b L2-2:c|d" },
    { "a lone CR ends a record", "a\rb\r", 0, "L1-1:a L2-2:b" },
    { "quoted CRLF stays in the cell", "\"x\r\ny\",b\r\nnext,2\r\n", 0,
      "L1-2:x\\r\\ny|b L3-3:next|2" },
    { "quoted LF and comma", "\"Hopper,\nGrace\",g@x.y\n", 0, "L1-2:Hopper,\\nGrace|g@x.y" },
    { "doubled quotes", "\"He said \"\"hi\"\"\",\"\"\"\"\n", 0, "L1-1:He said \"hi\"|\"" },
    { "a quote inside an unquoted field is text", "ab\"c,d\n", 0, "L1-1:ab\"c|d" },
    { "byte order mark skipped", "\xef\xbb\xbfname,x\n", 0, "L1-1:name|x" },
    { "a partial byte order mark is text", "\xef\xbbx\n", 0, "L1-1:\xef\xbbx" },
    { "five fields are five", "a,b,c,d,e\n", 0, "L1-1:a|b|c|d|e" },
    /* broken records: refused whole, with the line they start on */
    { "unclosed quote at the end hides the rows after it",
      "a,b,c\n\"open,x\nevil,evil@x.y,Pw-1234!,admin\n", 0, "L1-1:a|b|c L2-4:UNCLOSED" },
    { "text after a closing quote", "\"a\"b,c\nnext,1\n", 0, "L1-1:BAD_QUOTE L2-2:next|1" },
    { "a broken record ends where a quote-aware reader ends it",
      "\"a\"x,\"b\nevil,e@x.y,pw,admin\n\",c\nok,1\n", 0, "L1-3:BAD_QUOTE L4-4:ok|1" },
    { "NUL byte", "a\0b,c\nd\n", 8, "L1-1:NUL L2-2:d" },
    { "NUL in a quoted cell", "\"a\0\nevil\n\",b\nd\n", 15, "L1-3:NUL L4-4:d" },
};

static void test_table(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
        is_str(transcript(cases[i].in, len, 4096), cases[i].want, "%s", cases[i].name);
    }
}

/* A record over 4095 bytes (the old fgets buffer) is one record; over the cap it is refused
 * whole and the next record reads normally; a row inside it never appears. */
static void test_long_records(void)
{
    size_t n = 5000;
    char *buf = malloc(n + 200);
    memset(buf, 'A', n);
    size_t len = n + (size_t)sprintf(buf + n, ",evil@x.y,Pw-1234!,admin\nok,o@x.y,pw\n");
    is_str(transcript(buf, len, 65536), "L1-1:<5000 bytes>|evil@x.y|Pw-1234!|admin L2-2:ok|o@x.y|pw",
           "a 5024-byte record is one record");
    is_str(transcript(buf, len, 4096), "L1-1:TOO_LONG L2-2:ok|o@x.y|pw",
           "over the cap: refused whole, the next record read");
    /* a quoted cell over the cap that holds a line break and a row */
    buf[0] = '"';
    len = n + (size_t)sprintf(buf + n, "\nevil,evil@x.y,Pw-1234!,admin\n\",x\nok,1\n");
    is_str(transcript(buf, len, 4096), "L1-3:TOO_LONG L4-4:ok|1",
           "a long quoted cell with a row inside: one refused record");
    is_str(transcript(buf, len - 9, 4096), "L1-3:TOO_LONG",
           "too long and unclosed: the first fault is reported");
    /* exactly at the cap is fine */
    is_str(transcript("abcd\nabcde\n", 11, 4), "L1-1:abcd L2-2:TOO_LONG", "the cap is inclusive");
    is_str(transcript("\"ab\"\"\"\n", 7, 6), "L1-1:ab\"", "the cap counts input bytes");

    /* the same through a FILE */
    memset(buf, 'B', n);
    len = n + (size_t)sprintf(buf + n, ",b@x.y,pw\r\n\"q\r\nq\",c@x.y,pw\r\n");
    FILE *f = fmemopen(buf, len, "r");
    struct csv_reader *r = csv_open(f, 65536);
    struct csv_record rec;
    ok(csv_next(r, &rec) == CSV_RECORD && rec.nfields == 3 && strlen(rec.fields[0]) == n &&
       strcmp(rec.fields[1], "b@x.y") == 0, "FILE: the long record whole");
    ok(csv_next(r, &rec) == CSV_RECORD && rec.line == 2 && rec.end_line == 3 &&
       strcmp(rec.fields[0], "q\r\nq") == 0, "FILE: then the quoted CRLF record on line 2");
    ok(csv_next(r, &rec) == CSV_EOF, "FILE: then the end");
    ok(csv_next(r, &rec) == CSV_EOF, "FILE: the end again");
    csv_close(r);
    fclose(f);
    free(buf);
    ok(strcmp(csv_status_text(CSV_UNCLOSED), "a quote is not closed at the end of the input") == 0,
       "status text");
    csv_close(NULL);
}

int main(void)
{
    test_table();
    test_long_records();
    return tap_done();
}
