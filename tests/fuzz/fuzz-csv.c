/* libFuzzer harness: the CSV reader of `usherctl user import` (csv.h). For any input: the
 * buffer and FILE readers agree record by record; every record's fields are C strings
 * within the cap; line numbers never go back; and the records written back as quoted CSV
 * read as the same records (so nothing the reader returns depends on how it was spelled).
 * Build and run: `make fuzz`. */
#include "config.h"

#include "usher/csv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 256

/* Appends the record as quoted CSV (every field quoted, '"' doubled, CRLF at the end). */
static size_t encode(char *out, const struct csv_record *rec)
{
    size_t o = 0;
    for (size_t i = 0; i < rec->nfields; i++) {
        if (i)
            out[o++] = ',';
        out[o++] = '"';
        for (const char *p = rec->fields[i]; *p; p++) {
            if (*p == '"')
                out[o++] = '"';
            out[o++] = *p;
        }
        out[o++] = '"';
    }
    out[o++] = '\r';
    out[o++] = '\n';
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct csv_reader *r = csv_open_buffer((const char *)data, size, CAP);
    FILE *f = size ? fmemopen((void *)data, size, "r") : NULL;
    struct csv_reader *rf = f ? csv_open(f, CAP) : NULL;
    if (!r || (size && !rf))
        abort();
    struct csv_record rec, recf;
    enum csv_status st;
    long last_line = 0;
    size_t records = 0;
    while ((st = csv_next(r, &rec)) != CSV_EOF) {
        if (st == CSV_READ_ERROR || ++records > size + 1)
            abort();
        if (rec.line <= last_line || rec.end_line < rec.line)
            abort();
        last_line = rec.end_line;
        /* the FILE reader sees the same */
        enum csv_status stf = csv_next(rf, &recf);
        if (stf != st || recf.line != rec.line || recf.end_line != rec.end_line ||
            recf.nfields != rec.nfields)
            abort();
        if (st != CSV_RECORD) {
            if (rec.nfields != 0 || rec.fields)
                abort();
            continue;
        }
        size_t total = 0;
        for (size_t i = 0; i < rec.nfields; i++) {
            total += strlen(rec.fields[i]);
            if (strcmp(rec.fields[i], recf.fields[i]) != 0)
                abort();
        }
        if (rec.nfields == 0 || total > CAP)
            abort();
        /* written back quoted, it reads as the same record */
        char *buf = malloc(2 * total + 3 * rec.nfields + 4);
        size_t n = encode(buf, &rec);
        struct csv_reader *again = csv_open_buffer(buf, n, 4 * CAP);
        struct csv_record rec2;
        if (csv_next(again, &rec2) != CSV_RECORD || rec2.nfields != rec.nfields ||
            rec2.line != 1)
            abort();
        for (size_t i = 0; i < rec.nfields; i++)
            if (strcmp(rec.fields[i], rec2.fields[i]) != 0)
                abort();
        if (csv_next(again, &rec2) != CSV_EOF)
            abort();
        csv_close(again);
        free(buf);
    }
    if (rf && csv_next(rf, &recf) != CSV_EOF)
        abort();
    csv_close(r);
    csv_close(rf);
    if (f)
        fclose(f);
    return 0;
}
