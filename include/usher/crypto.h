#ifndef USHER_CRYPTO_H
#define USHER_CRYPTO_H
/* Small cryptographic helpers every layer may use (tokens, CSRF, ids for new rows): no I/O
 * but OpenSSL's random generator, no knowledge of HTTP or SQL. */
#include <stdbool.h>
#include <stddef.h>

/* HMAC-SHA256 of data under secret. A context keyed with the last secret is kept per
 * process and duplicated for each call (a worker signs everything with one secret); a
 * different secret replaces it. Returns true and fills mac, or false (allocation or
 * OpenSSL failure; nothing is logged). */
bool hmac_sha256(const unsigned char *secret, size_t secret_len, const char *data, size_t len,
                 unsigned char mac[32]);

/* Keys the kept context with secret now. The pool's master calls it before it forks, so
 * the workers inherit OpenSSL's provider set-up instead of each running it at its first
 * token: the code that runs only then (about 2 MB of libcrypto's pages, fetched in with
 * their neighbours) is then resident in the master alone, not in every worker. */
void hmac_sha256_prepare(const unsigned char *secret, size_t secret_len);

/* A uuid4 string (36 chars + NUL) from RAND_bytes. Returns 0, or -1 when the generator
 * fails (out is then unspecified). */
int uuid4(char out[37]);

/* A UUIDv7 string (36 chars + NUL) for now_ms: random like a uuid4, but its first 48 bits
 * carry the time in milliseconds (token ids: see uuid7_time_ms). Returns 0 or -1. */
int uuid7(char out[37], long long now_ms);
/* The millisecond time of a UUIDv7 string made by uuid7, or -1 when s is not one. */
long long uuid7_time_ms(const char *s);

/* Lowercase hex SHA-256 of s (64 chars + NUL). */
void sha256_hex(const char *s, size_t len, char out[65]);

/* Wall clock in milliseconds (gettimeofday: precise, not the coarse clock of time()). */
long long clock_now_ms(void);
/* Returns once clock_now_ms() has reached ms (sleeping 0.1 ms at a time; 5 ms at most,
 * should the clock step back). A revocation mark set to the next millisecond waits for it
 * before the change is answered, so a sign-in sent after the answer is never older than the
 * mark (on a fast machine it was, and the new token was refused at once). */
void clock_wait_until_ms(long long ms);

#endif
