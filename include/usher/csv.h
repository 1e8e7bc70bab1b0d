#ifndef USHER_CSV_H
#define USHER_CSV_H
/* A reader of CSV records as RFC 4180 defines them, for `usherctl user import`: fields
 * separated by ','; a record ends at CRLF, LF or a lone CR outside quotes; a field that
 * starts with '"' is quoted and may hold ',', CR, LF and '""' (one '"'). A '"' inside an
 * unquoted field is kept as text (as Python's csv module and spreadsheets read it). A UTF-8
 * byte order mark at the very start is skipped. Pure: no I/O but reading the given FILE.
 *
 * A record is never split, whatever its length: one longer than the reader's cap is
 * reported whole as CSV_TOO_LONG and skipped to its real end. A broken record (a closing
 * quote followed by text, a quote left open at the end of the input, a NUL byte) is
 * reported whole and skipped to the end a quote-aware reader sees: a line break inside a
 * quote never starts a record, so a row hidden in a quoted cell never becomes one. */
#include <stddef.h>
#include <stdio.h>

enum csv_status {
    CSV_RECORD,      /* a record: fields, nfields */
    CSV_EOF,         /* no more input (nothing is returned) */
    CSV_TOO_LONG,    /* a record over the cap, skipped whole */
    CSV_BAD_QUOTE,   /* text after a closing quote (the record skipped whole) */
    CSV_UNCLOSED,    /* a quote still open at the end of the input */
    CSV_NUL,         /* a NUL byte in the record */
    CSV_READ_ERROR,  /* the FILE reported an error (errno set by stdio) */
};

struct csv_record {
    char **fields;       /* nfields NUL-terminated texts, owned by the reader */
    size_t nfields;
    long line;           /* the line (1-based) where the record starts */
    long end_line;       /* the line where it ends (> line when a quoted cell spans lines) */
};

struct csv_reader;

/* A reader of f (not closed by the reader) whose records may hold at most max_record bytes
 * of input (line end excluded). NULL when out of memory. */
struct csv_reader *csv_open(FILE *f, size_t max_record);
/* A reader of buf[0..len) (not copied: it must outlive the reader). */
struct csv_reader *csv_open_buffer(const char *buf, size_t len, size_t max_record);
/* Reads the next record into *rec (valid until the next call or csv_close). Returns
 * CSV_RECORD, CSV_EOF, or an error status with rec->line / rec->end_line set and no
 * fields; reading may continue after any error but CSV_READ_ERROR. A blank line is a
 * record of one empty field. The previous record's bytes are wiped first (they may hold
 * passwords). */
enum csv_status csv_next(struct csv_reader *r, struct csv_record *rec);
/* A short English text for a status ("a quote is not closed", ...). */
const char *csv_status_text(enum csv_status s);
/* Wipes and frees the reader; NULL is fine. */
void csv_close(struct csv_reader *r);

#endif
