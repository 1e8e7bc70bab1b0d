/* libFuzzer harness: jwt_verify on arbitrary tokens (with a fixed secret; half the inputs
 * get a valid HS256 signature appended, so the claim parsing behind the signature check is
 * reached too), and the JWT_EXPIRES_IN duration parser. Build and run: `make fuzz`. */
#include "config.h"

#include "usher/base64url.h"
#include "usher/jwt.h"
#include "usher/duration.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char secret[] = "fuzz-secret";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || memchr(data, '\0', size))
        return 0;
    size_t len = size - 1;
    char *tok = malloc(len + 1 + 64);
    memcpy(tok, data + 1, len);
    tok[len] = '\0';
    if (data[0] & 1) {
        /* header.payload from the input, signed: tok + "." + base64url(HMAC) */
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned int mlen = 0;
        HMAC(EVP_sha256(), secret, (int)sizeof(secret) - 1, (const unsigned char *)tok, len,
             mac, &mlen);
        tok[len] = '.';
        base64url_encode(mac, mlen, tok + len + 1);
    }
    struct jwt_claims cl;
    enum jwt_status st = jwt_verify(tok, secret, sizeof(secret) - 1, 1700000000, &cl);
    if (st == JWT_OK && (strlen(cl.id) >= sizeof(cl.id) || strlen(cl.jti) >= sizeof(cl.jti)))
        abort();
    jwt_verify_ignore_exp(tok, secret, sizeof(secret) - 1, &cl);
    bool expires;
    double seconds;
    jwt_parse_duration(tok, &expires, &seconds);
    if (jwt_duration_valid_for_config(tok) && !jwt_duration_usable(tok))
        abort();
    free(tok);
    return 0;
}
