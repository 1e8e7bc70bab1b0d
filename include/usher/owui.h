#ifndef USHER_OWUI_H
#define USHER_OWUI_H
/* Open WebUI's database (webui.db, SQLite) as `usherctl import-openwebui` reads it: the
 * rows of the tables usher keeps, every cell as text (integers in decimal, JSON as its
 * text, NULL as NULL), in the column order of usher's own tables. The shapes: v0.11.0
 * (api_key, group_member, per-key config rows, access_grant) and the older 0.6-0.8 ones
 * (user.api_key, group.user_ids, one config blob, access_control columns, oauth_sub).
 *
 * owui_schema.c is pure (no I/O): the column tables, telling the shape from the tables and
 * columns present, the per-row checks and the legacy conversions. owui_read.c does the
 * SQLite reading (usherctl only). */
#include <stdbool.h>
#include <stddef.h>

struct arena;

/* ---- the columns usher keeps, in usher's order (the cells of a row) ------------------- */

enum owui_user_col {
    OU_ID, OU_EMAIL, OU_USERNAME, OU_ROLE, OU_NAME, OU_PROFILE_IMAGE_URL,
    OU_PROFILE_BANNER_IMAGE_URL, OU_BIO, OU_GENDER, OU_DATE_OF_BIRTH, OU_TIMEZONE,
    OU_PRESENCE_STATE, OU_STATUS_EMOJI, OU_STATUS_MESSAGE, OU_STATUS_EXPIRES_AT, OU_INFO,
    OU_SETTINGS, OU_VARIABLES, OU_OAUTH, OU_SCIM, OU_LAST_ACTIVE_AT, OU_UPDATED_AT,
    OU_CREATED_AT,
    OU_PASSWORD, OU_ACTIVE,            /* from auth (NULL: no auth row) */
    OU__COUNT
};
enum owui_key_col { OK_USER_ID, OK_KEY, OK_DATA, OK_EXPIRES_AT, OK_LAST_USED_AT, OK_CREATED_AT,
                    OK_UPDATED_AT, OK__COUNT };
enum owui_group_col { OG_ID, OG_USER_ID, OG_NAME, OG_DESCRIPTION, OG_DATA, OG_META,
                      OG_PERMISSIONS, OG_CREATED_AT, OG_UPDATED_AT, OG__COUNT };
enum owui_member_col { OM_ID, OM_GROUP_ID, OM_USER_ID, OM_CREATED_AT, OM_UPDATED_AT,
                       OM__COUNT };
enum owui_grant_col { OA_ID, OA_RESOURCE_TYPE, OA_RESOURCE_ID, OA_PRINCIPAL_TYPE,
                      OA_PRINCIPAL_ID, OA_PERMISSION, OA_CREATED_AT, OA__COUNT };
/* model, knowledge and tool alike (is_active "1" for the two that have none) */
enum owui_resource_col { OR_ID, OR_USER_ID, OR_NAME, OR_IS_ACTIVE, OR_CREATED_AT,
                         OR_UPDATED_AT, OR__COUNT };

enum owui_kind { OWUI_TEXT, OWUI_INT, OWUI_JSON, OWUI_DATE, OWUI_BOOL };
/* How a column is read and checked: its name in usher and in Open WebUI, its kind, and the
 * longest value usher stores (characters; 0: no limit but the column type's). */
struct owui_column {
    const char *name;
    enum owui_kind kind;
    size_t max_chars;
};
/* The column table of the user row (OU__COUNT entries, OU_PASSWORD and OU_ACTIVE from the
 * auth table). */
extern const struct owui_column owui_user_columns[OU__COUNT];

/* One table read: nrows rows of ncols cells (row-major, NULL for SQL NULL or an absent
 * column). */
struct owui_rows {
    size_t nrows, ncols;
    const char **cells;
};
static inline const char *owui_cell(const struct owui_rows *t, size_t row, size_t col)
{
    return t->cells[row * t->ncols + col];
}

/* ---- the shape -------------------------------------------------------------------------- */

/* What the file holds, told from its tables and columns. */
struct owui_shape {
    const char *revision;     /* alembic_version.version_num */
    const char *name;         /* "v0.11.0", "0.6-0.8" or "mixed (...)" for the report */
    bool key_table;           /* api_key table (else the user.api_key column, if any) */
    bool key_column;          /* user.api_key */
    bool groups;              /* a group table */
    bool member_table;        /* group_member (else group.user_ids) */
    bool config_rows;         /* config key/value rows */
    bool config_blob;         /* config id/data: one JSON document */
    bool grant_table;         /* access_grant (else the access_control columns) */
    bool oauth_sub;           /* user.oauth_sub (before the oauth JSON column) */
};
/* Answers whether the file has the table (column NULL) or the table's column. */
typedef bool (*owui_has_fn)(void *ctx, const char *table, const char *column);
/* Tells the shape. Returns 0, or -1 with err naming what is missing (the file is then not
 * an Open WebUI database usher knows). revision is copied by pointer. */
int owui_shape_detect(owui_has_fn has, void *ctx, const char *revision, struct owui_shape *out,
                      char *err, size_t errlen);

/* ---- per-row checks ------------------------------------------------------------------- */

/* What the check of a user row found: the row is refused (why non-NULL), or comes over with
 * cells cleaned (email in its normal form, name without control characters) and perhaps
 * some cells dropped (dropped names them, e.g. "settings (not valid JSON)"). */
struct owui_user_check {
    const char *why;          /* refused: the reason (static or arena text), else NULL */
    const char *dropped;      /* cells set to NULL because they were invalid, or NULL */
};
/* The account rules of every door for an imported row (the account service's: the e-mail's
 * normal form and validity, the name check, the role) plus the import's own: an auth row
 * with a bcrypt hash ($2a$, $2b$, $2y$), JSON cells that parse, a date that is a date, and
 * values within usher's column sizes. Rewrites the cells of row (arena copies). Control
 * characters of the name become spaces (issue 15). No I/O. */
void owui_user_check(struct arena *a, const char **row, struct owui_user_check *out);
/* The name check the import applies after cleaning: validate_name and usher's column limit
 * by default; usherctl points it at the account service's accounts_name_check, the check of
 * every door. NULL when acceptable, else the reason. */
extern const char *(*owui_name_check)(const char *name, size_t len, const void *arg);
/* True when s is a bcrypt hash (60 characters, $2a$/$2b$/$2y$, a two-digit cost). */
bool owui_is_bcrypt(const char *s);
/* True when s is JSON text (NULL is not). */
bool owui_json_valid(const char *s);
/* The oauth JSON of a legacy oauth_sub: "provider@sub" gives {"provider": {"sub": "sub"}},
 * a bare sub {"oidc": {"sub": ...}} (as migration b10670c03dd5). Arena text. */
const char *owui_oauth_from_sub(struct arena *a, const char *oauth_sub);

/* ---- legacy conversions ------------------------------------------------------------------ */

/* Calls add(ctx, user_id) for every string of a group.user_ids JSON array. Returns 0, or -1
 * when the text is not a JSON array (a non-string entry is passed over). */
int owui_user_ids_each(const char *json, void (*add)(void *ctx, const char *user_id), void *ctx);
/* The grants of a legacy access_control column (migration f1e2d3c4b5a6): NULL is public
 * read (user "*"), {} none, else {"read"|"write": {"group_ids": [...], "user_ids": [...]}}.
 * Calls add(ctx, principal_type, principal_id, permission) per grant. Returns 0, or -1
 * when the text is not valid JSON. */
int owui_access_control_each(const char *json,
                             void (*add)(void *ctx, const char *ptype, const char *pid,
                                         const char *perm),
                             void *ctx);
/* The value at the dotted path key ("auth.admin.show") of a legacy config blob, as JSON
 * text (arena), or NULL when the blob has none there. */
const char *owui_blob_value(struct arena *a, const char *blob, const char *key);

#endif
