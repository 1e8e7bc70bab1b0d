/* Password hashing and verification with libxcrypt. New hashes are bcrypt $2b$ (what
 * Open WebUI's bcrypt.hashpw writes), so a database moved between the two keeps working.
 * libxcrypt's bcrypt uses at most 72 bytes of the password, like Python's bcrypt. */
#include "config.h"

#include "usher/password.h"
#include "usher/utf8.h"
#include "usher/log.h"

#include <stdlib.h>
#include <string.h>

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#define DEFAULT_COST 12

/* A bcrypt cost-12 hash of a random password nobody knows (made once, offline, with
 * libxcrypt), so an unknown account costs the same ~250 ms as a real one. */
static const char dummy_hash[] =
    "$2b$12$of3yQph56v/hA8eMy5IE2udNhgs2GVVo8NnGwLNH.0LU4O6uNEsqC";

/* Runs crypt_rn for phrase and setting into out (CRYPT_OUTPUT_SIZE bytes). False when
 * libxcrypt refuses the setting. The 32 KiB work area is heap-allocated and wiped. */
static bool run_crypt(const char *phrase, const char *setting, char *out)
{
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd)
        return false;
    const char *r = crypt_rn(phrase, setting, cd, (int)sizeof *cd);
    /* crypt_rn returns NULL on failure; "*0"/"*1" are the failure tokens of the other
     * entry points, checked too in case a build returns them. */
    bool good = r && r[0] != '*' && strlen(r) < CRYPT_OUTPUT_SIZE;
    if (good)
        strcpy(out, r);
    OPENSSL_cleanse(cd, sizeof *cd);
    free(cd);
    return good;
}

int password_hash(const char *password, int cost, char *out, size_t outlen)
{
    if (cost == 0)
        cost = DEFAULT_COST;
    if (!password || !out || cost < 4 || cost > 31) {
        log_error("password: invalid hash request (cost %d)", cost);
        return -1;
    }
    /* bcrypt would silently ignore the rest; the caller must have refused it already. */
    if (strlen(password) > PASSWORD_MAX_BYTES) {
        log_error("password: refusing to hash a password longer than %d bytes",
                  PASSWORD_MAX_BYTES);
        return -1;
    }
    unsigned char salt[16];
    if (RAND_bytes(salt, sizeof salt) != 1) {
        log_error("password: RAND_bytes failed");
        return -1;
    }
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    bool made = crypt_gensalt_rn("$2b$", (unsigned long)cost, (const char *)salt, sizeof salt,
                                 setting, sizeof setting) != NULL;
    OPENSSL_cleanse(salt, sizeof salt);
    if (!made) {
        log_error("password: crypt_gensalt_rn failed for $2b$ cost %d", cost);
        return -1;
    }
    char hashed[CRYPT_OUTPUT_SIZE];
    if (!run_crypt(password, setting, hashed)) {
        log_error("password: crypt_rn failed for $2b$ cost %d", cost);
        return -1;
    }
    size_t len = strlen(hashed);
    if (len + 1 > outlen) {
        log_error("password: output buffer too small for the hash");
        return -1;
    }
    memcpy(out, hashed, len + 1);
    return 0;
}

bool password_hash_usable(const char *hash)
{
    if (!hash)
        return false;
    return strncmp(hash, "$2a$", 4) == 0 || strncmp(hash, "$2b$", 4) == 0 ||
           strncmp(hash, "$2y$", 4) == 0 || strncmp(hash, "$y$", 3) == 0;
}

/* The shared path of password_verify and password_verify_dummy, so both spend the same. */
static bool verify_against(const char *password, const char *hash)
{
    size_t hash_len = strnlen(hash, CRYPT_OUTPUT_SIZE);
    if (hash_len == 0 || hash_len >= CRYPT_OUTPUT_SIZE || !password_hash_usable(hash))
        return false;
    /* Sign-in rule (Open WebUI): cut to 72 bytes, dropping a UTF-8 sequence split by the
     * cut, as bytes[:72].decode("utf-8", errors="ignore") does. */
    char phrase[PASSWORD_MAX_BYTES + 1];
    size_t len = utf8_truncate(password, strlen(password), PASSWORD_MAX_BYTES);
    memcpy(phrase, password, len);
    phrase[len] = '\0';

    char out[CRYPT_OUTPUT_SIZE];
    bool match = run_crypt(phrase, hash, out) && strlen(out) == hash_len &&
                 CRYPTO_memcmp(out, hash, hash_len) == 0;
    OPENSSL_cleanse(phrase, sizeof phrase);
    OPENSSL_cleanse(out, sizeof out);
    return match;
}

bool password_verify(const char *password, const char *hash)
{
    if (!password || !hash)
        return false;
    return verify_against(password, hash);
}

/* The dummy must cost what real hashes cost: with bcrypt.cost other than 12 a hash of that
 * cost is made once per process, on the first unknown account. */
static char dummy_other[128];
static int dummy_other_cost;

bool password_verify_dummy(const char *password, int cost)
{
    const char *hash = dummy_hash;
    if (cost > 0 && cost != 12) {
        if (dummy_other_cost != cost &&
            password_hash("usher dummy password", cost, dummy_other, sizeof(dummy_other)) == 0)
            dummy_other_cost = cost;
        if (dummy_other_cost == cost)
            hash = dummy_other;
    }
    if (password)
        (void)verify_against(password, hash);
    return false;
}
