#ifndef USHER_DURATION_H
#define USHER_DURATION_H
/* JWT_EXPIRES_IN durations ("4w", "1h 30m", "-1"): pure functions of the base layer, read
 * by the settings (a stored or environment value) and by the sessions (a token's expiry).
 * The jwt_ names are kept from when they lived in auth/jwt.c. */
#include <stdbool.h>

/* Parses a JWT_EXPIRES_IN duration as the contract says: "-1" or "0" mean no expiry;
 * otherwise a sum of <number><unit> pairs, units ms s m h d w, a number may be negative and
 * have decimals. Like Open WebUI (re.findall), text between pairs is skipped: "1h 30m" is
 * 5400 s. *seconds gets the total (rounded toward zero); *expires false for no expiry
 * (including a zero total). A negative total gives expires true and negative seconds (an
 * already-expired token). Returns 0, or -1 for a string with no pair, longer than 1024
 * bytes, or beyond +-1e11 seconds. */
int jwt_parse_duration(const char *s, bool *expires, double *seconds);
/* True when jwt_parse_duration accepts s and its tokens are usable: no expiry, or an
 * expiry of at least one second (not negative). The environment's JWT_EXPIRES_IN and a
 * stored value are held to this (else the default 4w applies, logged). */
bool jwt_duration_usable(const char *s);
/* The stricter admin-config check: -1, 0, or one number (optional decimals) followed
 * directly by one unit, the whole string (no trailing newline), within
 * jwt_parse_duration's range, and of at least one second: a negative or sub-second
 * duration would make every token born expired (or, rounded to 0, never expire). */
bool jwt_duration_valid_for_config(const char *s);

#endif
