/* The piece of a search needle the users' search index is asked for (see
 * db_user_index_phrase in db_user_index.h). */
#include "config.h"
#include "usher/db_user_index.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usher/arena.h"
#include "usher/db.h"

#include "user_fences.h"


/* A sample of the users' indexed text (the first SAMPLE_ROWS by id: uuid4 ids make that a
 * random one), read again every SAMPLE_AGE seconds: it only steers the choice of piece, so
 * a stale one costs speed, never an answer. */
#define SAMPLE_ROWS 1000
#define SAMPLE_AGE 600
#define PIECE_MIN 3
#define PIECE_MAX 6
/* Pieces may start anywhere in the needle's first PIECE_STARTS characters: the rare part
 * of a whole name ("Łukasz Nakamura X5F2S") is often at its end. */
#define PIECE_STARTS 64
/* Relative costs: a posting Mroonga intersects vs a candidate checked against `user`
 * (measured at 1,000,000 users: about 0.03 and 4 microseconds). */
#define CANDIDATE_COST 140

/* One (bigram, body) pair of the sample, packed in 32 bits: a 22-bit hash of the bigram's
 * bytes (two UTF-8 characters) above the body's number (SAMPLE_ROWS < 1024). Sorted and
 * without repeats, the pairs are an inverted index of the sample: the bodies holding a
 * bigram are one range. Two bigrams sharing a hash only make an estimate rougher. */
#define BODY_BITS 10
typedef uint32_t sample_posting;
_Static_assert(SAMPLE_ROWS <= 1 << BODY_BITS, "a body's number fits its bits");

static struct {
    char *text;                       /* bodies, each ended by '\0' */
    const char **body;                /* their starts */
    size_t n;
    sample_posting *postings;
    size_t npostings;
    long long read_at;
} sample;

static size_t char_len(unsigned char ch)
{
    return ch < 0x80 ? 1 : ch < 0xE0 ? 2 : ch < 0xF0 ? 3 : 4;
}

/* The 22-bit key of the bigram of bytes [p, p + n) (FNV-1a, folded). */
static uint32_t bigram_key(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return (h ^ (h >> 22)) & ((1u << (32 - BODY_BITS)) - 1);
}

static int posting_cmp(const void *pa, const void *pb)
{
    sample_posting a = *(const sample_posting *)pa, b = *(const sample_posting *)pb;
    return a < b ? -1 : a > b;
}

/* The postings of body i of text into out (room for strlen(text) entries); their count. */
static size_t body_postings(const char *text, uint32_t i, sample_posting *out)
{
    size_t n = 0, len = strlen(text);
    for (size_t o = 0; o < len;) {
        size_t c1 = char_len((unsigned char)text[o]);
        if (o + c1 >= len)
            break;
        size_t c2 = char_len((unsigned char)text[o + c1]);
        if (o + c1 + c2 > len)
            break;
        out[n++] = bigram_key(text + o, c1 + c2) << BODY_BITS | i;
        o += c1;
    }
    return n;
}

static void sample_free(void)
{
    free(sample.text);
    free(sample.body);
    free(sample.postings);
    memset(&sample, 0, sizeof(sample));
}

static void sample_load(struct db *db)
{
    static const char sql[] =
        "SELECT " USER_SEARCH_BODY("") " FROM `user` LIMIT 1000";   /* SAMPLE_ROWS */
    long long now = (long long)time(NULL);
    if (sample.text && now - sample.read_at < SAMPLE_AGE)
        return;
    struct arena *a = arena_new(16384);
    struct db_result r;
    if (!a || db_query(db, a, sql, NULL, 0, &r) != DB_OK) {
        arena_free(a);
        sample.read_at = now;   /* try again later, with what is held */
        return;
    }
    size_t len = 0;
    for (size_t i = 0; i < r.nrows; i++)
        len += strlen(db_cell(&r, i, 0) ? db_cell(&r, i, 0) : "") + 1;
    char *text = malloc(len ? len : 1);
    const char **body = calloc(r.nrows ? r.nrows : 1, sizeof(*body));
    sample_posting *postings = malloc((len ? len : 1) * sizeof(*postings));
    if (!text || !body || !postings) {
        free(text);
        free(body);
        free(postings);
        arena_free(a);
        sample.read_at = now;   /* try again later, with what is held */
        return;
    }
    size_t o = 0, np = 0;
    for (size_t i = 0; i < r.nrows; i++) {
        const char *b = db_cell(&r, i, 0) ? db_cell(&r, i, 0) : "";
        size_t n = strlen(b) + 1;
        memcpy(text + o, b, n);
        body[i] = text + o;
        np += body_postings(text + o, (uint32_t)i, postings + np);
        o += n;
    }
    arena_free(a);
    qsort(postings, np, sizeof(*postings), posting_cmp);
    size_t u = 0;   /* a bigram twice in one body is one posting */
    for (size_t i = 0; i < np; i++)
        if (!u || postings[u - 1] != postings[i])
            postings[u++] = postings[i];
    sample_free();
    sample.text = text;
    sample.body = body;
    sample.n = r.nrows;
    sample.postings = postings;
    sample.npostings = u;
    sample.read_at = now;
}

/* The sample's postings of the bigram at bytes [p, p + n): *first and the count. */
static size_t bigram_bodies(const char *p, size_t n, size_t *first)
{
    sample_posting lowest = bigram_key(p, n) << BODY_BITS,
                   highest = lowest | ((1u << BODY_BITS) - 1);
    size_t lo = 0, hi = sample.npostings;
    while (lo < hi) {   /* the first posting >= lowest */
        size_t mid = lo + (hi - lo) / 2;
        if (sample.postings[mid] < lowest)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < sample.npostings && sample.postings[end] <= highest)
        end++;
    *first = lo;
    return end - lo;
}

/* How many sample bodies hold the piece at bytes [p, p + n), whose rarest bigram's
 * postings start at rare_first (rare_n of them): only those bodies can. */
static size_t piece_hits(const char *p, size_t n, size_t rare_first, size_t rare_n)
{
    size_t hits = 0;
    for (size_t i = rare_first; i < rare_first + rare_n; i++) {
        const char *b = sample.body[sample.postings[i] & ((1u << BODY_BITS) - 1)];
        if (memmem(b, strlen(b), p, n))
            hits++;
    }
    return hits;
}

static bool piece_char(unsigned char ch)
{
    return ch >= 0x20 && ch != 0x7F && ch != '"' && ch != '\\';
}

const char *db_user_index_phrase(struct db *db, struct arena *a, const char *lower)
{
    /* the first characters' offsets */
    size_t off[PIECE_STARTS + PIECE_MAX + 1];
    size_t nc = 0, o = 0;
    while (lower[o] && nc < PIECE_STARTS + PIECE_MAX) {
        off[nc++] = o;
        o += char_len((unsigned char)lower[o]);
    }
    off[nc] = o;
    if (nc < PIECE_MIN)
        return NULL;
    sample_load(db);
    /* per character: can a piece hold it; the sample's postings of the bigram there */
    bool ok[PIECE_STARTS + PIECE_MAX];
    size_t df[PIECE_STARTS + PIECE_MAX], df_first[PIECE_STARTS + PIECE_MAX];
    for (size_t i = 0; i < nc; i++) {
        ok[i] = true;
        for (size_t k = off[i]; k < off[i + 1]; k++)
            ok[i] = ok[i] && piece_char((unsigned char)lower[k]);
        df[i] = i + 1 < nc ? bigram_bodies(lower + off[i], off[i + 2] - off[i], &df_first[i])
                           : 0;
    }
    size_t best_s = 0, best_len = 0;
    double best = 0;
    for (size_t s = 0; s + PIECE_MIN <= nc && s < PIECE_STARTS; s++) {
        size_t postings = 0, rare = s;
        for (size_t len = 1; len <= PIECE_MAX && s + len <= nc && ok[s + len - 1]; len++) {
            if (len >= 2) {
                postings += df[s + len - 2];
                if (df[s + len - 2] < df[rare])
                    rare = s + len - 2;
            }
            if (len < PIECE_MIN)
                continue;
            /* the postings alone already cost more than the best: no need to count hits */
            if (best_len && (double)postings >= best)
                continue;
            double cost = (double)postings +
                CANDIDATE_COST * (double)piece_hits(lower + off[s], off[s + len] - off[s],
                                                    df_first[rare], df[rare]);
            if (!best_len || cost < best) {
                best = cost;
                best_s = s;
                best_len = len;
            }
        }
    }
    if (!best_len)
        return NULL;
    size_t n = off[best_s + best_len] - off[best_s];
    char *out = arena_alloc(a, n + 3);
    out[0] = '"';
    memcpy(out + 1, lower + off[best_s], n);
    out[n + 1] = '"';
    out[n + 2] = '\0';
    return out;
}
