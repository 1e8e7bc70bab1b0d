#ifndef USHER_API_COMMON_H
#define USHER_API_COMMON_H
/* Helpers shared by the API handlers. */
#include <stdbool.h>
#include <json-c/json.h>
#include "usher/ctx.h"
#include "usher/fields.h"

/* The route parameter called name (never NULL for a parameter of the matched pattern). */
const char *ctx_param(const struct ctx *c, const char *name);
/* 500 {"detail": "Something went wrong :/"} after a database failure (already logged). */
void api_db_error(struct ctx *c);
/* A JSON string, or JSON null for NULL. */
struct json_object *json_str_or_null(const char *s);
/* A JSON integer from a decimal string, or null. */
struct json_object *json_int_or_null(const char *s);
/* Validates the body against a form table; on failure answers the 422 and returns -1. */
int api_parse_form(struct ctx *c, const struct field_spec *specs, size_t n, bool forbid_extra,
                   struct field_value *out);
/* The string of a present, non-null field, else NULL. */
const char *api_value_str(const struct field_value *v);
/* The integer query parameter name into *out (left as it is when absent). Returns 0, or
 * answers FastAPI's 422 int_parsing (loc ["query", name]) and returns -1. */
int api_query_int(struct ctx *c, const char *name, long long *out);
/* FastAPI's 422 for a query integer outside [min, max] (greater_than_equal /
 * less_than_equal). Returns 0 when value is within. */
int api_query_range(struct ctx *c, const char *name, long long value, long long min,
                    long long max);
/* For a body that must be a JSON object (a dict form): 0 when it is, else answers
 * FastAPI's 422 (missing body, or model_attributes_type) and returns -1. */
int api_body_object(struct ctx *c);
/* The default profile image (user.png), served when a user has none that can be shown. */
extern const unsigned char api_default_avatar[];
extern const size_t api_default_avatar_len;
/* After a data function on a user: 0 for DB_OK; otherwise answers 400 USER_NOT_FOUND
 * (DB_NOT_FOUND: the row vanished), 400 EMAIL_TAKEN (DB_DUPLICATE) or 500, and returns -1. */
int api_user_db_status(struct ctx *c, int rc);
/* A field_validator for profile image URLs (§7.7, D22) under the environment's policy. */
const char *api_image_url_ok(const char *url, size_t len, const void *arg);
/* Takes a bcrypt token of the pool (work_gate.h) before a password check or hash: returns 0
 * (the token is given back by api_bcrypt_leave, or after the request at the latest), or
 * answers 503 with Retry-After and returns -1 when bcrypt.max_running checks run already. */
int api_bcrypt_enter(struct ctx *c);
/* Gives the token back. */
void api_bcrypt_leave(void);
struct account_result;
/* Answers a refusal of the account service (accounts.h): its status and text, with
 * Retry-After: 1 for a full bcrypt gate. */
void api_account_refused(struct ctx *c, const struct account_result *r);

/* WEBUI_ADMIN_EMAIL names an admin this worker has not seen created yet (accounts.h): no
 * public account (sign-up, trusted header, no-auth, LDAP) may come first and take its
 * place. Answers 503 with Retry-After and returns true then; false otherwise (no I/O). */
bool api_admin_bootstrap_owed(struct ctx *c);

/* Runs attempt(c, arg) (a route's target load and handler) and runs it again, from the saved
 * response, when it failed (status 400 or more) because it lost a deadlock or a Galera
 * certification conflict, or its connection or node, and kept nothing
 * (db_attempt_retryable): every write path then answers as if it had run alone. At most 6
 * more runs, with a short jittered pause between; the retries read causally
 * (db_set_causal), so they see the write they lost to (doc/galera.md). */
void api_run_retried(struct ctx *c, void (*attempt)(struct ctx *c, const void *arg),
                     const void *arg);

#endif
