/* RFC 4180 records with a length cap (see csv.h): one byte at a time through a small state
 * machine that always knows whether it is inside a quote, also while it skips a record it
 * refuses, so a record ends only where a quote-aware reader ends it. */
#include "config.h"
#include "usher/csv.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct csv_reader {
    FILE *f;                    /* the source: a FILE, or buf[pos..len) */
    const unsigned char *buf;
    size_t len, pos;
    size_t max;                 /* bytes of input a record may hold */
    int la[4];                  /* bytes read ahead, la[0] first */
    int nla;
    bool started;               /* the byte order mark was looked for */
    bool read_error;
    long line;                  /* the line of the next byte */
    char *data;                 /* the record's fields, each NUL-terminated */
    size_t dlen, dcap;
    size_t *offs;               /* where each field starts in data */
    char **fields;
    size_t nf, fcap;
};

/* A memset the compiler may not drop (the bytes may be passwords). */
static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

static struct csv_reader *reader_new(size_t max_record)
{
    struct csv_reader *r = calloc(1, sizeof(*r));
    if (r) {
        r->max = max_record;
        r->line = 1;
    }
    return r;
}

struct csv_reader *csv_open(FILE *f, size_t max_record)
{
    struct csv_reader *r = reader_new(max_record);
    if (r)
        r->f = f;
    return r;
}

struct csv_reader *csv_open_buffer(const char *buf, size_t len, size_t max_record)
{
    struct csv_reader *r = reader_new(max_record);
    if (r) {
        r->buf = (const unsigned char *)buf;
        r->len = len;
    }
    return r;
}

void csv_close(struct csv_reader *r)
{
    if (!r)
        return;
    if (r->data)
        wipe(r->data, r->dcap);
    free(r->data);
    free(r->offs);
    free(r->fields);
    free(r);
}

/* ---- bytes in ---- */

static int src_byte(struct csv_reader *r)
{
    if (r->f) {
        int c = getc(r->f);
        if (c == EOF && ferror(r->f))
            r->read_error = true;
        return c == EOF ? -1 : c;
    }
    return r->pos < r->len ? r->buf[r->pos++] : -1;
}

static int peek(struct csv_reader *r)
{
    if (r->nla == 0)
        r->la[r->nla++] = src_byte(r);
    return r->la[0];
}

/* The next byte (-1 at the end), counting lines: LF, CRLF and a lone CR each end one. */
static int get(struct csv_reader *r)
{
    int c = peek(r);
    memmove(r->la, r->la + 1, (size_t)(--r->nla) * sizeof(r->la[0]));
    if (c == '\n' || (c == '\r' && peek(r) != '\n'))
        r->line++;
    return c;
}

static void skip_bom(struct csv_reader *r)
{
    static const int bom[3] = { 0xef, 0xbb, 0xbf };
    r->started = true;
    for (int i = 0; i < 3; i++) {
        int c = src_byte(r);
        r->la[r->nla++] = c;
        if (c != bom[i])
            return;
    }
    r->nla = 0;
}

/* ---- bytes out ---- */

/* Appends one byte to the record's data; false when out of memory. */
static bool put(struct csv_reader *r, char c)
{
    if (r->dlen == r->dcap) {
        size_t cap = r->dcap ? r->dcap * 2 : 256;
        char *d = malloc(cap);
        if (!d)
            return false;
        if (r->data) {
            memcpy(d, r->data, r->dlen);
            wipe(r->data, r->dcap);
            free(r->data);
        }
        r->data = d;
        r->dcap = cap;
    }
    r->data[r->dlen++] = c;
    return true;
}

static bool field_start(struct csv_reader *r)
{
    if (r->nf == r->fcap) {
        size_t cap = r->fcap ? r->fcap * 2 : 8;
        size_t *o = realloc(r->offs, cap * sizeof(*o));
        if (!o)
            return false;
        r->offs = o;
        r->fcap = cap;
    }
    r->offs[r->nf++] = r->dlen;
    return true;
}

/* ---- records ---- */

enum state { FIELD_START, UNQUOTED, QUOTED, AFTER_QUOTE, SKIP };

enum csv_status csv_next(struct csv_reader *r, struct csv_record *rec)
{
    memset(rec, 0, sizeof(*rec));
    if (r->data)
        wipe(r->data, r->dlen);
    r->dlen = r->nf = 0;
    if (r->read_error)
        return CSV_READ_ERROR;
    if (!r->started)
        skip_bom(r);
    rec->line = r->line;
    if (peek(r) < 0)
        return r->read_error ? CSV_READ_ERROR : CSV_EOF;

    enum csv_status status = CSV_RECORD;
    enum state st = FIELD_START;
    bool in_quote = false;      /* SKIP: inside a quote as a quote-aware reader counts */
    size_t raw = 0;             /* input bytes of this record */
    bool store = field_start(r);
    for (;;) {
        rec->end_line = r->line;
        int c = get(r);
        bool end = c < 0 || ((c == '\r' || c == '\n') && st != QUOTED && !in_quote);
        if (end) {
            if (c == '\r' && peek(r) == '\n')
                get(r);
            if (c < 0 && (st == QUOTED || in_quote) && status == CSV_RECORD)
                status = CSV_UNCLOSED;
            break;
        }
        if (++raw > r->max && status == CSV_RECORD)
            status = CSV_TOO_LONG;
        if (c == '\0' && status == CSV_RECORD)
            status = CSV_NUL;
        if (status != CSV_RECORD)
            store = false;          /* keep parsing to find the record's end, keep nothing */
        switch (st) {
        case FIELD_START:
            if (c == '"') {
                st = QUOTED;
                break;
            }
            st = UNQUOTED;
            /* fall through */
        case UNQUOTED:
            if (c == ',') {
                st = FIELD_START;
                store = store && put(r, '\0') && field_start(r);
            } else {
                store = store && put(r, (char)c);
            }
            break;
        case QUOTED:
            if (c == '"') {
                if (peek(r) == '"') {
                    get(r);
                    raw++;
                    store = store && put(r, '"');
                } else {
                    st = AFTER_QUOTE;
                }
            } else {
                store = store && put(r, (char)c);
            }
            break;
        case AFTER_QUOTE:
            if (c == ',') {
                st = FIELD_START;
                store = store && put(r, '\0') && field_start(r);
            } else {
                /* text after a closing quote: from here on every '"' opens or closes */
                if (status == CSV_RECORD)
                    status = CSV_BAD_QUOTE;
                store = false;
                st = SKIP;
                in_quote = c == '"';
            }
            break;
        case SKIP:
            if (c == '"')
                in_quote = !in_quote;
            break;
        }
    }
    if (r->read_error)
        return CSV_READ_ERROR;
    if (status != CSV_RECORD)
        return status;
    if (!store || !put(r, '\0'))
        return CSV_TOO_LONG;        /* out of memory: refused like a record too long */
    char **fields = realloc(r->fields, r->nf * sizeof(*fields));
    if (!fields)
        return CSV_TOO_LONG;
    r->fields = fields;
    for (size_t i = 0; i < r->nf; i++)
        fields[i] = r->data + r->offs[i];
    rec->fields = fields;
    rec->nfields = r->nf;
    return CSV_RECORD;
}

const char *csv_status_text(enum csv_status s)
{
    switch (s) {
    case CSV_RECORD: return "a record";
    case CSV_EOF: return "the end of the input";
    case CSV_TOO_LONG: return "the record is too long";
    case CSV_BAD_QUOTE: return "text follows a closing quote";
    case CSV_UNCLOSED: return "a quote is not closed at the end of the input";
    case CSV_NUL: return "the record holds a NUL byte";
    case CSV_READ_ERROR: return "the input could not be read";
    }
    return "unknown";
}
