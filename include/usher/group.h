#ifndef USHER_GROUP_H
#define USHER_GROUP_H
/* The group model (Open WebUI's GroupModel): like the user model, one field table drives
 * the SELECT list and row decoding (db/groups.c) and the JSON answer. Pure: no I/O. */
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

struct group {
    const char *id, *user_id, *name, *description;
    const char *data, *meta, *permissions;   /* JSON text, NULL for SQL NULL */
    long long created_at, updated_at;
};

enum group_field_type { GF_STR, GF_JSON, GF_INT };

struct group_field {
    const char *column;       /* column of the `group` table, also the member name */
    size_t offset;            /* into struct group */
    enum group_field_type type;
};

extern const struct group_field group_fields[];
extern const size_t group_nfields;

/* GroupModel as a new JSON object: every field in table order (JSON columns parsed, null
 * when NULL or unparsable). Callers add member_count or user_ids. */
struct json_object *group_json(const struct group *g);
/* {"id": ..., "name": ...}, a new object (the groups of UserInfo and previews). */
struct json_object *group_id_name_json(const struct group *g);
/* GroupResponse: group_json plus member_count (a new object). */
struct json_object *group_response_json(const struct group *g, long long member_count);

/* DEFAULT_GROUP_SHARE_PERMISSION as the reference reads it (stripped, lowercased): the
 * string "members" for "members" or NULL (unset), else the boolean value == "true". A new
 * object. */
struct json_object *group_share_default(const char *env_value);
/* The data a new group stores: a deep copy of data (NULL or not an object: {}) where
 * config.share is set to share when config has no share (config is added when absent; a
 * config that is not an object is left alone). share is copied. A new object. */
struct json_object *group_new_data(struct json_object *data, struct json_object *share);

#endif
