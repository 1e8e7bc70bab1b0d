#ifndef USHER_DB_RESOURCES_H
#define USHER_DB_RESOURCES_H
/* The resources access grants point at (tables model, knowledge, tool: minimal registries
 * that `usherctl resource` fills, since usher serves none of them), the grants themselves
 * (table access_grant); the access previews built from both are db_previews.h. The data
 * layer: no HTTP.
 * Functions return DB_OK, DB_NOT_FOUND, DB_DUPLICATE or DB_ERROR (logged by db.c). */
#include <stdbool.h>
#include <stddef.h>

struct db;
struct arena;

enum resource_type { RESOURCE_MODEL, RESOURCE_KNOWLEDGE, RESOURCE_TOOL, RESOURCE__COUNT };

/* "model", "knowledge" or "tool" (the access_grant resource_type and the table name). */
const char *resource_type_name(enum resource_type t);
/* The type called name; -1 for another name. */
int resource_type_parse(const char *name);

/* One registered resource. */
struct resource {
    enum resource_type type;
    const char *id, *name;
    const char *user_id;    /* owner, or NULL */
    bool is_active;         /* models only; the others are always active */
    long long created_at, updated_at;
};

/* Inserts the resource, or updates name, owner, is_active and updated_at of the one with
 * that type and id (created_at kept). */
int db_resource_put(struct db *db, const struct resource *r);
/* Deletes the resource and every grant on it, in one transaction. DB_NOT_FOUND when there
 * is no such resource. */
int db_resource_delete(struct db *db, enum resource_type type, const char *id);
/* The resources of one type (type >= 0) or of all (type < 0), by type, then id: *out gets
 * an arena array of *n. */
int db_resource_list(struct db *db, struct arena *a, int type, struct resource **out, size_t *n);

/* One access grant. principal_type is "user" (principal_id a user id or "*", every
 * signed-in user), "group" (a group id) or "anyone" (principal_id "*"); permission is
 * "read" or "write". The grant's type is free text, as the reference's. */
struct grant {
    const char *id, *resource_type, *resource_id, *principal_type, *principal_id, *permission;
    long long created_at;
};
/* Adds a grant (uuid4 id, created_at now). The same grant twice is DB_DUPLICATE. */
int db_grant_add(struct db *db, const struct grant *g);
/* Deletes the grant that matches all five fields. DB_NOT_FOUND when none does. */
int db_grant_delete(struct db *db, const struct grant *g);
/* The grants, all (resource_type NULL) or of one resource type, and of one resource
 * (resource_id non-NULL), ordered by resource and principal: arena array of *n. */
int db_grant_list(struct db *db, struct arena *a, const char *resource_type,
                  const char *resource_id, struct grant **out, size_t *n);

/* What a principal can read, per resource type (deltas §2.6, contract §1a/§1c previews). */
struct preview_item {
    const char *id, *name;
};
struct preview_list {
    struct preview_item *items;   /* most recently updated first, then by id */
    size_t n;
    long long total;              /* all active models / all knowledge bases / all tools */
};
/* Gives the registries and grants a new random version (sql/016; the workers' copies,
 * db_previews.h). Call inside the transaction of every write of model, knowledge, tool
 * or access_grant, as its last statement before the commit. DB_OK or DB_ERROR. */
int db_resources_bump(struct db *db);

#endif
