/* Two-factor sign-in (usher-account-security.md §1): enrolment, confirmation, recovery
 * codes, disabling, the second step of a sign-in and the admin's reset; and the admin's
 * unlock of §4. The TOTP arithmetic is auth/totp.c's, the rows db/mfa.c's. */
#include "config.h"
#include "usher/api_security.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "usher/api_common.h"
#include "usher/arena.h"
#include "usher/audit.h"
#include "usher/base64url.h"
#include "usher/config.h"
#include "usher/crypto.h"
#include "usher/csrf.h"
#include "usher/db.h"
#include "usher/db_mfa.h"
#include "usher/db_users.h"
#include "usher/errors.h"
#include "usher/errors_security.h"
#include "usher/lockout.h"
#include "usher/password.h"
#include "usher/secret.h"
#include "usher/session.h"
#include "usher/totp.h"
#include "usher/user.h"

#define MFA_TOKEN_TTL 300

enum { PW_PASSWORD, PW__MAX };
static const struct field_spec password_fields[PW__MAX] = {
    [PW_PASSWORD] = { "password", FIELD_STR, true, false, 0, NULL, NULL },
};
const struct form mfa_password_form = FORM(password_fields);

enum { CODE_CODE, CODE__MAX };
static const struct field_spec code_fields[CODE__MAX] = {
    [CODE_CODE] = { "code", FIELD_STR, true, false, 0, NULL, NULL },
};
const struct form mfa_code_form = FORM(code_fields);

enum { DISABLE_PASSWORD, DISABLE_CODE, DISABLE__MAX };
static const struct field_spec disable_fields[DISABLE__MAX] = {
    [DISABLE_PASSWORD] = { "password", FIELD_STR, true, false, 0, NULL, NULL },
    [DISABLE_CODE] = { "code", FIELD_STR, true, false, 0, NULL, NULL },
};
const struct form mfa_disable_form = FORM(disable_fields);

enum { SIGNIN_MFA_TOKEN, SIGNIN_CODE, SIGNIN__MAX };
static const struct field_spec signin_fields[SIGNIN__MAX] = {
    [SIGNIN_MFA_TOKEN] = { "mfa_token", FIELD_STR, true, false, 0, NULL, NULL },
    [SIGNIN_CODE] = { "code", FIELD_STR, true, false, 0, NULL, NULL },
};
const struct form mfa_signin_form = FORM(signin_fields);

/* ---- helpers ----------------------------------------------------------------------------- */

/* The self routes take a session token only: an API key gets 403 SESSION_REQUIRED. */
int api_require_session(struct ctx *c)
{
    if (c->session->kind == CRED_JWT)
        return 0;
    response_detail(c->res, 403, ERR_SESSION_REQUIRED);
    return -1;
}

/* 0 when password is user_id's, else answers 400 INCORRECT_PASSWORD (or 500/503). */
static int check_password(struct ctx *c, const char *user_id, const char *password)
{
    const char *hash = NULL;
    int rc = db_user_get_password_hash(c->db, c->arena, user_id, &hash);
    if (rc == DB_ERROR) {
        api_db_error(c);
        return -1;
    }
    if (api_bcrypt_enter(c) != 0)
        return -1;
    bool ok = rc == DB_OK && hash && password_verify(password, hash);
    api_bcrypt_leave();
    if (ok)
        return 0;
    response_detail(c->res, 400, ERR_INCORRECT_PASSWORD);
    return -1;
}

/* The two-factor row of user_id (zeroed when none); answers 500 and returns -1 on error. */
static int load(struct ctx *c, const char *user_id, struct db_mfa *m)
{
    int rc = db_mfa_get(c->db, c->arena, user_id, m);
    if (rc == DB_OK || rc == DB_NOT_FOUND)
        return 0;
    api_db_error(c);
    return -1;
}

static struct json_object *status_json(const struct db_mfa *m)
{
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "enabled", json_object_new_boolean(m->secret_sealed != NULL));
    json_object_object_add(o, "enabled_at", m->secret_sealed && m->enabled_at
                                                ? json_object_new_int64(m->enabled_at) : NULL);
    json_object_object_add(o, "pending", json_object_new_boolean(m->pending_sealed != NULL));
    json_object_object_add(o, "recovery_codes_remaining",
                           json_object_new_int64(m->recovery_remaining));
    return o;
}

/* The raw TOTP secret of sealed (for user_id). -1 when it does not open (logged). */
static int open_secret(const char *user_id, const char *sealed,
                       unsigned char raw[TOTP_SECRET_BYTES])
{
    size_t slen;
    const unsigned char *secret = secret_bytes(&slen);
    char b32[TOTP_SECRET_B32 + 1];
    int rc = totp_open(sealed, user_id, secret, slen, b32) == 0 &&
             totp_base32_decode(b32, raw) == 0 ? 0 : -1;
    OPENSSL_cleanse(b32, sizeof b32);
    return rc;
}

/* Checks code (a TOTP code or a recovery code) of user_id with two-factor on and uses it
 * up: returns 0 when it was good, 1 when not, -1 after answering 500. */
static int take_code(struct ctx *c, const char *user_id, const struct db_mfa *m,
                     const char *code)
{
    if (strlen(code) == TOTP_DIGITS) {
        unsigned char raw[TOTP_SECRET_BYTES];
        if (open_secret(user_id, m->secret_sealed, raw) != 0)
            return 1;   /* sealed under another secret: no code can match */
        long long step = totp_check(raw, sizeof raw, code, (long long)time(NULL), m->last_step);
        OPENSSL_cleanse(raw, sizeof raw);
        if (step < 0)
            return 1;
        int rc = db_mfa_take_step(c->db, user_id, step);
        if (rc == DB_ERROR) {
            api_db_error(c);
            return -1;
        }
        return rc == DB_OK ? 0 : 1;
    }
    char canon[RECOVERY_CODE_CHARS + 1], hash[65];
    size_t slen;
    const unsigned char *secret = secret_bytes(&slen);
    if (recovery_code_normalize(code, canon) != 0)
        return 1;
    int hrc = recovery_code_hash(user_id, canon, secret, slen, hash);
    OPENSSL_cleanse(canon, sizeof canon);
    if (hrc != 0) {
        api_db_error(c);
        return -1;
    }
    int rc = db_mfa_take_recovery(c->db, user_id, hash);
    if (rc == DB_ERROR) {
        api_db_error(c);
        return -1;
    }
    return rc == DB_OK ? 0 : 1;
}

/* Ten new recovery codes: shown in *codes (a JSON array) and hashed into hashes. */
static int new_recovery_codes(struct ctx *c, const char *user_id, const char **hashes,
                              struct json_object **codes)
{
    size_t slen;
    const unsigned char *secret = secret_bytes(&slen);
    *codes = json_object_new_array();
    for (size_t i = 0; i < RECOVERY_CODES; i++) {
        char shown[RECOVERY_CODE_CHARS + 2], canon[RECOVERY_CODE_CHARS + 1];
        char *hash = arena_alloc(c->arena, 65);
        if (recovery_code_new(shown) != 0 || recovery_code_normalize(shown, canon) != 0 ||
            recovery_code_hash(user_id, canon, secret, slen, hash) != 0) {
            json_object_put(*codes);
            *codes = NULL;
            response_detail(c->res, 500, ERR_DEFAULT);
            return -1;
        }
        hashes[i] = hash;
        json_object_array_add(*codes, json_object_new_string(shown));
        OPENSSL_cleanse(shown, sizeof shown);
        OPENSSL_cleanse(canon, sizeof canon);
    }
    return 0;
}

/* RFC 3986 percent-encoding of everything but the unreserved characters. */
static char *pct(struct arena *a, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = arena_alloc(a, strlen(s) * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

/* ---- the self routes ------------------------------------------------------------------ */

void mfa_status(struct ctx *c)
{
    struct db_mfa m;
    if (api_require_session(c) != 0 || load(c, c->session->user->id, &m) != 0)
        return;
    response_json(c->res, 200, status_json(&m));
}

void mfa_enroll(struct ctx *c)
{
    const struct user *me = c->session->user;
    struct db_mfa m;
    if (api_require_session(c) != 0 || check_password(c, me->id, c->v[PW_PASSWORD].s) != 0 ||
        load(c, me->id, &m) != 0)
        return;
    if (m.secret_sealed) {
        response_detail(c->res, 400, ERR_MFA_ALREADY_ENABLED);
        return;
    }
    unsigned char raw[TOTP_SECRET_BYTES];
    char b32[TOTP_SECRET_B32 + 1];
    size_t slen;
    const unsigned char *secret = secret_bytes(&slen);
    char *sealed = NULL;
    if (totp_secret_new(raw, b32) != 0 || !(sealed = totp_seal(b32, me->id, secret, slen))) {
        OPENSSL_cleanse(raw, sizeof raw);
        response_detail(c->res, 500, ERR_DEFAULT);
        return;
    }
    OPENSSL_cleanse(raw, sizeof raw);
    int rc = db_mfa_set_pending(c->db, me->id, sealed, (long long)time(NULL));
    free(sealed);
    if (rc != DB_OK) {
        OPENSSL_cleanse(b32, sizeof b32);
        api_db_error(c);
        return;
    }
    const char *issuer = c->cfg && c->cfg->mfa_issuer ? c->cfg->mfa_issuer : "usher";
    const char *iss = pct(c->arena, issuer);
    char *uri = arena_printf(c->arena,
                             "otpauth://totp/%s:%s?secret=%s&issuer=%s&algorithm=SHA1&digits=6"
                             "&period=30", iss, pct(c->arena, me->email ? me->email : ""),
                             b32, iss);
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "secret", json_object_new_string(b32));
    json_object_object_add(o, "otpauth_uri", json_object_new_string(uri));
    OPENSSL_cleanse(b32, sizeof b32);
    response_json(c->res, 200, o);
}

void mfa_confirm(struct ctx *c)
{
    const struct user *me = c->session->user;
    audit_note(c, "auth.mfa_enable", "user", me->id);
    struct db_mfa m;
    if (api_require_session(c) != 0 || load(c, me->id, &m) != 0)
        return;
    if (!m.pending_sealed) {
        response_detail(c->res, 400, ERR_MFA_NO_ENROLMENT);
        return;
    }
    unsigned char raw[TOTP_SECRET_BYTES];
    long long step = -1;
    if (open_secret(me->id, m.pending_sealed, raw) == 0) {
        step = totp_check(raw, sizeof raw, c->v[CODE_CODE].s, (long long)time(NULL), 0);
        OPENSSL_cleanse(raw, sizeof raw);
    }
    if (step < 0) {
        response_detail(c->res, 400, ERR_MFA_CODE_INVALID);
        return;
    }
    const char *hashes[RECOVERY_CODES];
    struct json_object *codes;
    if (new_recovery_codes(c, me->id, hashes, &codes) != 0)
        return;
    int rc = db_mfa_confirm(c->db, me->id, m.pending_sealed, step, (long long)time(NULL),
                            hashes, RECOVERY_CODES);
    if (rc != DB_OK) {
        json_object_put(codes);
        if (rc == DB_NOT_FOUND)   /* a newer enrolment or a confirmation came first */
            response_detail(c->res, 400, ERR_MFA_CODE_INVALID);
        else
            api_db_error(c);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "enabled", json_object_new_boolean(1));
    json_object_object_add(o, "recovery_codes", codes);
    response_json(c->res, 200, o);
}

void mfa_disable(struct ctx *c)
{
    const struct user *me = c->session->user;
    audit_note(c, "auth.mfa_disable", "user", me->id);
    struct db_mfa m;
    if (api_require_session(c) != 0 ||
        check_password(c, me->id, c->v[DISABLE_PASSWORD].s) != 0 || load(c, me->id, &m) != 0)
        return;
    if (!m.secret_sealed) {
        response_detail(c->res, 400, ERR_MFA_NOT_ENABLED);
        return;
    }
    int rc = take_code(c, me->id, &m, c->v[DISABLE_CODE].s);
    if (rc < 0)
        return;
    if (rc > 0) {
        response_detail(c->res, 400, ERR_MFA_CODE_INVALID);
        return;
    }
    if (db_mfa_delete(c->db, me->id, NULL) != DB_OK) {
        api_db_error(c);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "enabled", json_object_new_boolean(0));
    response_json(c->res, 200, o);
}

void mfa_regenerate(struct ctx *c)
{
    const struct user *me = c->session->user;
    audit_note(c, "auth.mfa_recovery_codes", "user", me->id);
    struct db_mfa m;
    if (api_require_session(c) != 0 || check_password(c, me->id, c->v[PW_PASSWORD].s) != 0 ||
        load(c, me->id, &m) != 0)
        return;
    if (!m.secret_sealed) {
        response_detail(c->res, 400, ERR_MFA_NOT_ENABLED);
        return;
    }
    const char *hashes[RECOVERY_CODES];
    struct json_object *codes;
    if (new_recovery_codes(c, me->id, hashes, &codes) != 0)
        return;
    if (db_mfa_set_recovery(c->db, me->id, hashes, RECOVERY_CODES, (long long)time(NULL)) != DB_OK) {
        json_object_put(codes);
        api_db_error(c);
        return;
    }
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "recovery_codes", codes);
    response_json(c->res, 200, o);
}

/* ---- signing in ----------------------------------------------------------------------- */

bool mfa_signin_intercept(struct ctx *c, const struct user *u, long long read_ms)
{
    struct db_mfa m;
    int rc = db_mfa_get(c->db, c->arena, u->id, &m);
    if (rc == DB_NOT_FOUND || (rc == DB_OK && !m.secret_sealed))
        return false;
    unsigned char raw[32];
    char token[64], digest[65];
    if (rc != DB_OK || RAND_bytes(raw, sizeof raw) != 1) {
        api_db_error(c);
        return true;
    }
    memcpy(token, "mfa_", 4);
    base64url_encode(raw, sizeof raw, token + 4);
    OPENSSL_cleanse(raw, sizeof raw);
    sha256_hex(token, strlen(token), digest);
    long long now = (long long)time(NULL);
    if (db_mfa_challenge_put(c->db, digest, u->id, read_ms > 0 ? read_ms : session_now_ms(),
                             now + MFA_TOKEN_TTL) != DB_OK) {
        api_db_error(c);
        return true;
    }
    audit_actor(c, u->id, NULL);
    audit_detail(c, "two-factor required");
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "detail", json_object_new_string(ERR_MFA_REQUIRED));
    json_object_object_add(o, "mfa_required", json_object_new_boolean(1));
    json_object_object_add(o, "mfa_token", json_object_new_string(token));
    struct json_object *methods = json_object_new_array();
    json_object_array_add(methods, json_object_new_string("totp"));
    json_object_array_add(methods, json_object_new_string("recovery_code"));
    json_object_object_add(o, "methods", methods);
    json_object_object_add(o, "expires_in", json_object_new_int(MFA_TOKEN_TTL));
    OPENSSL_cleanse(token, sizeof token);
    response_json(c->res, 401, o);
    return true;
}

void mfa_signin(struct ctx *c)
{
    audit_note(c, "auth.signin_mfa", NULL, NULL);
    if (csrf_check_login(c) != 0)
        return;
    const char *token = c->v[SIGNIN_MFA_TOKEN].s;
    char digest[65];
    sha256_hex(token, strlen(token), digest);
    long long now = (long long)time(NULL), issued_ms = 0;
    const char *user_id = NULL;
    int rc = db_mfa_challenge_get(c->db, c->arena, digest, now, &user_id, &issued_ms);
    if (rc == DB_ERROR) {
        api_db_error(c);
        return;
    }
    if (rc == DB_NOT_FOUND) {
        if (lockout_check(c, NULL) == 0)
            response_detail(c->res, 401, ERR_MFA_TOKEN_INVALID);
        return;
    }
    audit_actor(c, user_id, NULL);
    audit_note(c, "auth.signin_mfa", "user", user_id);
    const char *subject = lockout_subject(c, user_id, NULL);
    if (lockout_check(c, subject) != 0)
        return;
    struct db_mfa m;
    if (load(c, user_id, &m) != 0)
        return;
    if (!m.secret_sealed) {   /* reset by an admin since the first step */
        response_detail(c->res, 401, ERR_MFA_TOKEN_INVALID);
        return;
    }
    rc = take_code(c, user_id, &m, c->v[SIGNIN_CODE].s);
    if (rc < 0)
        return;
    if (rc > 0) {
        lockout_fail(c, subject, user_id);
        response_detail(c->res, 400, ERR_MFA_CODE_INVALID);
        return;
    }
    rc = db_mfa_challenge_take(c->db, digest, (long long)time(NULL));
    if (rc != DB_OK) {
        if (rc == DB_NOT_FOUND)
            response_detail(c->res, 401, ERR_MFA_TOKEN_INVALID);
        else
            api_db_error(c);
        return;
    }
    struct user *u = NULL;
    rc = db_user_get(c->db, c->arena, user_id, &u);
    if (rc != DB_OK) {
        if (rc == DB_NOT_FOUND)
            response_detail(c->res, 401, ERR_MFA_TOKEN_INVALID);
        else
            api_db_error(c);
        return;
    }
    lockout_success(c, u->id);
    auths_answer_session(c, u, issued_ms);
}

/* ---- the admin's routes --------------------------------------------------------------- */

void mfa_admin_status(struct ctx *c)
{
    struct db_mfa m;
    if (load(c, c->target_user->id, &m) != 0)
        return;
    response_json(c->res, 200, status_json(&m));
}

void mfa_admin_reset(struct ctx *c)
{
    audit_note(c, "user.mfa_reset", "user", c->target_user->id);
    if (db_mfa_delete(c->db, c->target_user->id, NULL) != DB_OK) {
        api_db_error(c);
        return;
    }
    response_json(c->res, 200, json_object_new_boolean(1));
}

void security_admin_unlock(struct ctx *c)
{
    audit_note(c, "user.unlock", "user", c->target_user->id);
    if (lockout_unlock(c->db, c->target_user->id) != DB_OK) {
        api_db_error(c);
        return;
    }
    response_json(c->res, 200, json_object_new_boolean(1));
}
