/* A tiny TAP producer for the unit tests (run by automake's tap-driver.sh). */
#ifndef USHER_TAP_H
#define USHER_TAP_H
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define ok(cond, ...) do { \
        int ok_ = (cond) ? 1 : 0; ++tap_n; if (!ok_) ++tap_failed; \
        printf("%sok %d - ", ok_ ? "" : "not ", tap_n); printf(__VA_ARGS__); printf("\n"); \
        if (!ok_) printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
    } while (0)
#define is_str(got, want, ...) do { \
        const char *g_ = (got), *w_ = (want); \
        int same_ = (g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0); \
        ok(same_, __VA_ARGS__); \
        if (!same_) printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    } while (0)
#define is_int(got, want, ...) do { \
        long long g_ = (long long)(got), w_ = (long long)(want); \
        ok(g_ == w_, __VA_ARGS__); \
        if (g_ != w_) printf("#   got: %lld want: %lld\n", g_, w_); \
    } while (0)
/* A printable form of s for a TAP description (a raw newline would end the line). */
static inline const char *tap_esc(const char *s)
{
    static char bufs[4][512];
    static int next;
    char *b = bufs[next++ % 4];
    size_t o = 0;
    for (; s && *s && o + 5 < sizeof(bufs[0]); s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7F || c == '#')
            o += (size_t)snprintf(b + o, sizeof(bufs[0]) - o, "\\x%02x", c);
        else
            b[o++] = (char)c;
    }
    b[o] = '\0';
    return b;
}

/* Call at the end of main: prints the plan and returns the exit status. */
static inline int tap_done(void) { printf("1..%d\n", tap_n); return tap_failed ? 1 : 0; }

#endif
