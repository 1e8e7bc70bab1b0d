/* SCIM PATCH bodies (see scim_patch.h): each operation's path (or, without one, each key
 * of its value object) is parsed with scim_path_parse and mapped to the attributes usher
 * keeps; values are checked and normalized here so the caller only applies them. */
#include "config.h"
#include "usher/scim_patch.h"

#include "usher/arena.h"
#include "usher/scim_filter.h"
#include "usher/scim_schema.h"
#include "usher/utf8.h"

#include <string.h>
#include <strings.h>

struct pctx {
    struct arena *a;
    enum scim_resource res;
    const char *rid;
    struct scim_error *err;
    struct scim_patch *out;
    size_t cap;
    int index;              /* the operation being read, from 0, for messages */
};

static const char *const kind_names[] = { "add", "replace", "remove" };

const char *scim_patch_kind_name(enum scim_patch_kind k)
{
    return (unsigned)k < 3 ? kind_names[k] : NULL;
}

static bool refuse(struct pctx *c, enum scim_type type, const char *what)
{
    c->err->status = 400;
    c->err->type = type;
    c->err->detail = arena_printf(c->a, "Operations[%d]: %s", c->index, what);
    return false;
}

/* A member of a JSON object, its name matched in any case (SCIM attribute names are case
 * insensitive). *present tells an explicit null from an absent member. */
static struct json_object *member(struct json_object *o, const char *name, bool *present)
{
    *present = false;
    if (!json_object_is_type(o, json_type_object))
        return NULL;
    json_object_object_foreach(o, k, v) {
        if (strcasecmp(k, name) == 0) {
            *present = true;
            return v;
        }
    }
    return NULL;
}

static struct scim_patch_op *push(struct pctx *c, enum scim_patch_kind op,
                                  enum scim_patch_attr attr, const char *name)
{
    struct scim_patch *out = c->out;
    if (out->n >= SCIM_PATCH_MAX_OPS) {
        refuse(c, SCIM_INVALID_VALUE, "too many operations");
        return NULL;
    }
    if (out->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        struct scim_patch_op *ops = arena_alloc(c->a, cap * sizeof *ops);
        if (out->n)
            memcpy(ops, out->ops, out->n * sizeof *ops);
        out->ops = ops;
        c->cap = cap;
    }
    struct scim_patch_op *o = &out->ops[out->n++];
    memset(o, 0, sizeof *o);
    o->op = op;
    o->attr = attr;
    o->name = name;
    return o;
}

/* A string value (or, when nullable, JSON null / a remove: NULL). */
static bool string_op(struct pctx *c, enum scim_patch_kind op, enum scim_patch_attr attr,
                      const char *name, struct json_object *v, bool nullable)
{
    const char *s = NULL;
    if (op == SCIM_PATCH_REMOVE || !v) {
        if (!nullable)
            return refuse(c, SCIM_INVALID_VALUE,
                          arena_printf(c->a, op == SCIM_PATCH_REMOVE ? "%s cannot be removed"
                                                                     : "%s cannot be null",
                                       name));
    } else if (json_object_is_type(v, json_type_string)) {
        s = json_object_get_string(v);
        if (strlen(s) != (size_t)json_object_get_string_len(v))
            return refuse(c, SCIM_INVALID_VALUE,
                          arena_printf(c->a, "%s holds a NUL character", name));
    } else {
        return refuse(c, SCIM_INVALID_VALUE, arena_printf(c->a, "%s must be a string", name));
    }
    struct scim_patch_op *o = push(c, op, attr, name);
    if (!o)
        return false;
    o->str = s;
    return true;
}

bool scim_json_bool(struct json_object *v, bool *out)
{
    if (json_object_is_type(v, json_type_boolean)) {
        *out = json_object_get_boolean(v);
        return true;
    }
    if (!json_object_is_type(v, json_type_string))
        return false;
    const char *s = json_object_get_string(v);
    if (strcasecmp(s, "true") != 0 && strcasecmp(s, "false") != 0)
        return false;
    *out = strcasecmp(s, "true") == 0;
    return true;
}

/* "active": a boolean, or the strings "true" / "false" in any case (Entra). */
static bool active_op(struct pctx *c, enum scim_patch_kind op, struct json_object *v)
{
    if (op == SCIM_PATCH_REMOVE)
        return refuse(c, SCIM_INVALID_VALUE, "active cannot be removed");
    bool b;
    if (!scim_json_bool(v, &b))
        return refuse(c, SCIM_INVALID_VALUE, "active must be true or false");
    struct scim_patch_op *o = push(c, op, SCIM_PA_ACTIVE, "active");
    if (!o)
        return false;
    o->boolean = b;
    return true;
}

static bool truthy(struct json_object *v)
{
    bool b;
    return scim_json_bool(v, &b) && b;
}

struct json_object *scim_primary_item(struct json_object *v)
{
    if (json_object_is_type(v, json_type_object))
        return v;
    if (!json_object_is_type(v, json_type_array))
        return NULL;
    size_t n = json_object_array_length(v);
    struct json_object *first = NULL, *primary = NULL;
    for (size_t k = 0; k < n; k++) {
        struct json_object *it = json_object_array_get_idx(v, k);
        if (!json_object_is_type(it, json_type_object))
            return NULL;
        bool present;
        if (!first)
            first = it;
        if (!primary && truthy(member(it, "primary", &present)))
            primary = it;
    }
    return primary ? primary : first;
}

/* scim_primary_item, refusing a value that is not a list of objects. */
static bool pick_item(struct pctx *c, const char *name, struct json_object *v,
                      struct json_object **item)
{
    *item = scim_primary_item(v);
    if (*item)
        return true;
    if (!json_object_is_type(v, json_type_array))
        return refuse(c, SCIM_INVALID_VALUE, arena_printf(c->a, "%s must be a list", name));
    if (json_object_array_length(v))
        return refuse(c, SCIM_INVALID_VALUE,
                      arena_printf(c->a, "%s must be a list of objects", name));
    return true;
}

/* emails and photos without a filter. */
static bool list_op(struct pctx *c, enum scim_patch_kind op, enum scim_patch_attr attr,
                    const char *name, const char *sub, struct json_object *v)
{
    bool email = attr == SCIM_PA_EMAIL;
    if (sub) {
        if (strcasecmp(sub, "value") == 0)
            return string_op(c, op, attr, name, v, !email);
        static const char *const others[] = { "type", "primary", "display" };
        for (size_t k = 0; k < 3; k++)
            if (strcasecmp(sub, others[k]) == 0)
                return true;    /* not kept */
        return refuse(c, SCIM_INVALID_PATH,
                      arena_printf(c->a, "%s has no sub-attribute %s", name, sub));
    }
    if (op == SCIM_PATCH_REMOVE || !v)
        return string_op(c, op, attr, name, NULL, !email);
    struct json_object *item;
    if (!pick_item(c, name, v, &item))
        return false;
    if (!item) {
        if (email)
            return refuse(c, SCIM_INVALID_VALUE, "emails must hold an address");
        return string_op(c, op, attr, name, NULL, true);
    }
    bool present;
    struct json_object *value = member(item, "value", &present);
    if (!value && email)
        return refuse(c, SCIM_INVALID_VALUE, "emails must hold an address");
    return string_op(c, op, attr, name, value, !email);
}

/* A value filter on emails, against the account's one address {type "work", primary true}:
 * 1 matches, 0 does not, -1 refused (a filter naming anything else). */
static int email_matches(struct pctx *c, const struct scim_filter *f)
{
    switch (f->kind) {
    case SCIM_F_AND:
    case SCIM_F_OR: {
        int l = email_matches(c, f->left), r = l < 0 ? -1 : email_matches(c, f->right);
        if (l < 0 || r < 0)
            return -1;
        return f->kind == SCIM_F_AND ? l && r : l || r;
    }
    case SCIM_F_NOT: {
        int l = email_matches(c, f->left);
        return l < 0 ? -1 : !l;
    }
    case SCIM_F_VALPATH:
        break;
    case SCIM_F_CMP:
        if (f->path.urn || f->path.sub)
            break;
        if (strcasecmp(f->path.attr, "primary") == 0) {
            if (f->op == SCIM_PR)
                return 1;
            if ((f->op == SCIM_EQ || f->op == SCIM_NE) &&
                (f->value_kind == SCIM_VAL_TRUE || f->value_kind == SCIM_VAL_FALSE))
                return (f->value_kind == SCIM_VAL_TRUE) == (f->op == SCIM_EQ);
            break;
        }
        if (strcasecmp(f->path.attr, "type") == 0) {
            if (f->op == SCIM_PR)
                return 1;
            if (f->value_kind != SCIM_VAL_STRING)
                break;
            static const char work[] = "work";
            const char *s = f->str;
            size_t n = f->str_len;
            switch (f->op) {
            case SCIM_EQ: return strcasecmp(s, work) == 0;
            case SCIM_NE: return strcasecmp(s, work) != 0;
            case SCIM_CO:
                for (size_t k = 0; k + n <= 4; k++)
                    if (strncasecmp(&work[k], s, n) == 0)
                        return 1;
                return 0;
            case SCIM_SW: return n <= 4 && strncasecmp(work, s, n) == 0;
            case SCIM_EW: return n <= 4 && strncasecmp(&work[4 - n], s, n) == 0;
            default: break;
            }
        }
        break;
    }
    refuse(c, SCIM_INVALID_PATH, "a filter on emails may compare type (eq ne co sw ew pr) "
                                 "and primary (eq ne pr)");
    return -1;
}

static bool emails_filtered(struct pctx *c, enum scim_patch_kind op,
                            const struct scim_path *p, struct json_object *v)
{
    int m = email_matches(c, p->filter);
    if (m < 0)
        return false;
    if (!m) {
        if (op == SCIM_PATCH_REPLACE)
            return refuse(c, SCIM_NO_TARGET, "the emails filter matches no address");
        return true;    /* another address: usher keeps one */
    }
    if (p->sub_after)
        return list_op(c, op, SCIM_PA_EMAIL, "emails", p->sub_after, v);
    if (op == SCIM_PATCH_REMOVE)
        return refuse(c, SCIM_INVALID_VALUE, "emails cannot be removed");
    return list_op(c, op, SCIM_PA_EMAIL, "emails", NULL, v);
}

static bool name_op(struct pctx *c, enum scim_patch_kind op, const char *sub,
                    struct json_object *v)
{
    if (!sub) {
        if (op == SCIM_PATCH_REMOVE)
            return refuse(c, SCIM_INVALID_VALUE, "name cannot be removed");
        if (!json_object_is_type(v, json_type_object))
            return refuse(c, SCIM_INVALID_VALUE, "name must be an object");
        static const char *const order[] = { "givenName", "familyName", "formatted" };
        for (size_t k = 0; k < 3; k++) {
            bool present;
            struct json_object *part = member(v, order[k], &present);
            if (present && !name_op(c, op, order[k], part))
                return false;
        }
        return true;
    }
    if (strcasecmp(sub, "givenName") == 0)
        return string_op(c, op, SCIM_PA_NAME_GIVEN, "name.givenName", v, true);
    if (strcasecmp(sub, "familyName") == 0)
        return string_op(c, op, SCIM_PA_NAME_FAMILY, "name.familyName", v, true);
    if (strcasecmp(sub, "formatted") == 0)
        return string_op(c, op, SCIM_PA_NAME_FORMATTED, "name.formatted", v, false);
    static const char *const others[] = { "middleName", "honorificPrefix", "honorificSuffix" };
    for (size_t k = 0; k < 3; k++)
        if (strcasecmp(sub, others[k]) == 0)
            return true;    /* not kept */
    return refuse(c, SCIM_INVALID_PATH, arena_printf(c->a, "name has no sub-attribute %s", sub));
}

/* The member ids of a list [{"value": "<id>"}, ...] (an object counts as a list of one). */
static bool member_ids(struct pctx *c, struct json_object *v, struct scim_patch_op *o)
{
    struct json_object *one[1] = { v };
    size_t n = 1;
    bool array = json_object_is_type(v, json_type_array);
    if (array)
        n = json_object_array_length(v);
    else if (!json_object_is_type(v, json_type_object))
        return refuse(c, SCIM_INVALID_VALUE, "members must be a list of {\"value\": id}");
    o->ids = arena_alloc(c->a, (n ? n : 1) * sizeof *o->ids);
    for (size_t k = 0; k < n; k++) {
        struct json_object *it = array ? json_object_array_get_idx(v, k) : one[0];
        bool present;
        struct json_object *id = member(it, "value", &present);
        if (!json_object_is_type(id, json_type_string) ||
            strlen(json_object_get_string(id)) != (size_t)json_object_get_string_len(id))
            return refuse(c, SCIM_INVALID_VALUE,
                          "members must be a list of {\"value\": id} with string ids");
        o->ids[o->nids++] = json_object_get_string(id);
    }
    return true;
}

/* members[value eq "a" or value eq "b"]: the ids; false (refused) for any other filter. */
static bool filter_ids(struct pctx *c, const struct scim_filter *f, struct scim_patch_op *o,
                       size_t cap)
{
    if (f->kind == SCIM_F_OR)
        return filter_ids(c, f->left, o, cap) && filter_ids(c, f->right, o, cap);
    if (f->kind != SCIM_F_CMP || f->path.urn || f->path.sub ||
        strcasecmp(f->path.attr, "value") != 0 || f->op != SCIM_EQ ||
        f->value_kind != SCIM_VAL_STRING || o->nids >= cap)
        return refuse(c, SCIM_INVALID_PATH,
                      "a filter on members may only be value eq \"<id>\" (joined by or)");
    o->ids[o->nids++] = f->str;
    return true;
}

static bool members_op(struct pctx *c, enum scim_patch_kind op, const struct scim_path *p,
                       struct json_object *v, bool has_value)
{
    if (p->attr.sub || p->sub_after)
        return refuse(c, SCIM_INVALID_PATH, "members has no sub-attribute to patch");
    struct scim_patch_op *o = push(c, op, SCIM_PA_MEMBERS, "members");
    if (!o)
        return false;
    if (p->filter) {
        if (op != SCIM_PATCH_REMOVE)
            return refuse(c, SCIM_INVALID_PATH, "a filter on members is only for remove");
        o->ids = arena_alloc(c->a, SCIM_FILTER_MAX_LEN / 8 * sizeof *o->ids);
        return filter_ids(c, p->filter, o, SCIM_FILTER_MAX_LEN / 8);
    }
    if (op == SCIM_PATCH_REMOVE && (!has_value || !v)) {
        o->remove_all = true;
        return true;
    }
    if (!v)
        return refuse(c, SCIM_INVALID_VALUE, "members must be a list of {\"value\": id}");
    return member_ids(c, v, o);
}

/* "id" (and "meta"): readOnly. Okta repeats the group's own id: ignored. */
static bool id_op(struct pctx *c, enum scim_patch_kind op, const char *attr,
                  struct json_object *v)
{
    if (strcasecmp(attr, "id") == 0 && op != SCIM_PATCH_REMOVE && c->rid &&
        json_object_is_type(v, json_type_string) &&
        strcmp(json_object_get_string(v), c->rid) == 0)
        return true;
    return refuse(c, SCIM_MUTABILITY, arena_printf(c->a, "%s cannot be changed",
                                                   strcasecmp(attr, "id") == 0 ? "id" : "meta"));
}

static bool no_filter(struct pctx *c, const struct scim_path *p)
{
    if (p->filter)
        return refuse(c, SCIM_INVALID_PATH,
                      arena_printf(c->a, "%s takes no value filter", p->attr.attr));
    return true;
}

static bool apply_object(struct pctx *c, enum scim_patch_kind op, struct json_object *v);

/* One path (from "path", or a key of a valueless operation's object) with its value. */
static bool apply(struct pctx *c, enum scim_patch_kind op, const struct scim_path *p,
                  struct json_object *v, bool has_value)
{
    const char *core = c->res == SCIM_RES_USER ? SCIM_URN_USER : SCIM_URN_GROUP;
    const char *attr = p->attr.attr, *sub = p->attr.sub;
    if (p->attr.urn) {
        size_t n = strlen(p->attr.urn);
        /* the core URN itself as a key: {"urn:...:core:2.0:User": {"userName": ...}} */
        if (!sub && !p->filter && strncasecmp(core, p->attr.urn, n) == 0 && core[n] == ':' &&
            strcasecmp(core + n + 1, attr) == 0) {
            if (op == SCIM_PATCH_REMOVE || !json_object_is_type(v, json_type_object))
                return refuse(c, SCIM_INVALID_VALUE,
                              "the core schema's value must be an object of attributes");
            return apply_object(c, op, v);
        }
        if (strcasecmp(p->attr.urn, core) != 0)
            return true;    /* another schema (the enterprise extension, ...): not kept */
    }
    if (strcasecmp(attr, "id") == 0 || strcasecmp(attr, "meta") == 0)
        return id_op(c, op, attr, v);
    if (strcasecmp(attr, "schemas") == 0)
        return true;
    if (strcasecmp(attr, "externalId") == 0)
        return no_filter(c, p) && (!sub || refuse(c, SCIM_INVALID_PATH,
                                                  "externalId has no sub-attributes")) &&
               string_op(c, op, SCIM_PA_EXTERNAL_ID, "externalId", v, true);
    if (strcasecmp(attr, "displayName") == 0)
        return no_filter(c, p) && (!sub || refuse(c, SCIM_INVALID_PATH,
                                                  "displayName has no sub-attributes")) &&
               string_op(c, op, SCIM_PA_DISPLAY_NAME, "displayName", v, false);
    if (c->res == SCIM_RES_GROUP) {
        if (strcasecmp(attr, "members") == 0)
            return members_op(c, op, p, v, has_value);
        return true;
    }
    if (strcasecmp(attr, "emails") == 0)
        return p->filter ? emails_filtered(c, op, p, v)
                         : list_op(c, op, SCIM_PA_EMAIL, "emails", sub, v);
    if (strcasecmp(attr, "photos") == 0) {
        /* usher keeps one picture: a filter on photos names it, whatever it says */
        if (p->filter)
            return list_op(c, op, SCIM_PA_PHOTO, "photos", p->sub_after, v);
        return list_op(c, op, SCIM_PA_PHOTO, "photos", sub, v);
    }
    bool simple = !p->filter && !sub;
    if (strcasecmp(attr, "name") == 0)
        return no_filter(c, p) && name_op(c, op, sub, v);
    if (strcasecmp(attr, "active") == 0)
        return (simple || refuse(c, SCIM_INVALID_PATH, "active has no sub-attributes")) &&
               active_op(c, op, v);
    if (strcasecmp(attr, "userName") == 0)
        return (simple || refuse(c, SCIM_INVALID_PATH, "userName has no sub-attributes")) &&
               string_op(c, op, SCIM_PA_USER_NAME, "userName", v, false);
    if (strcasecmp(attr, "password") == 0)
        return (simple || refuse(c, SCIM_INVALID_PATH, "password has no sub-attributes")) &&
               string_op(c, op, SCIM_PA_PASSWORD, "password", v, false);
    return true;    /* groups (readOnly), title, roles, locale, ...: not kept */
}

/* add / replace without a path: each key of the object is a path. */
static bool apply_object(struct pctx *c, enum scim_patch_kind op, struct json_object *v)
{
    json_object_object_foreach(v, key, kv) {
        struct scim_error perr;
        struct scim_path *p = scim_path_parse(c->a, key, strlen(key), &perr);
        if (!p)
            return refuse(c, perr.type, arena_printf(c->a, "key '%.*s': %s",
                                                     (int)utf8_truncate(key, strlen(key), 64),
                                                     key, perr.detail));
        if (!apply(c, op, p, kv, true))
            return false;
    }
    return true;
}

static bool one_operation(struct pctx *c, struct json_object *o)
{
    if (!json_object_is_type(o, json_type_object))
        return refuse(c, SCIM_INVALID_SYNTAX, "an operation must be an object");
    bool present, has_path, has_value;
    struct json_object *jop = member(o, "op", &present);
    if (!json_object_is_type(jop, json_type_string))
        return refuse(c, SCIM_INVALID_SYNTAX, "op must be add, replace or remove");
    enum scim_patch_kind op;
    const char *name = json_object_get_string(jop);
    if (strcasecmp(name, "add") == 0)
        op = SCIM_PATCH_ADD;
    else if (strcasecmp(name, "replace") == 0)
        op = SCIM_PATCH_REPLACE;
    else if (strcasecmp(name, "remove") == 0)
        op = SCIM_PATCH_REMOVE;
    else
        return refuse(c, SCIM_INVALID_SYNTAX, "op must be add, replace or remove");
    struct json_object *jpath = member(o, "path", &has_path);
    struct json_object *value = member(o, "value", &has_value);
    if (has_path && jpath && !json_object_is_type(jpath, json_type_string))
        return refuse(c, SCIM_INVALID_PATH, "path must be a string");
    if (!jpath) {
        if (op == SCIM_PATCH_REMOVE)
            return refuse(c, SCIM_NO_TARGET, "remove needs a path");
        if (!has_value)
            return refuse(c, SCIM_INVALID_VALUE, arena_printf(c->a, "%s needs a value", name));
        if (!json_object_is_type(value, json_type_object))
            return refuse(c, SCIM_INVALID_VALUE,
                          arena_printf(c->a, "%s without a path needs an object value", name));
        return apply_object(c, op, value);
    }
    struct scim_error perr;
    const char *ptext = json_object_get_string(jpath);
    struct scim_path *p = scim_path_parse(c->a, ptext, (size_t)json_object_get_string_len(jpath),
                                          &perr);
    if (!p)
        return refuse(c, perr.type, arena_printf(c->a, "path: %s", perr.detail));
    if (op != SCIM_PATCH_REMOVE && !has_value)
        return refuse(c, SCIM_INVALID_VALUE, arena_printf(c->a, "%s needs a value", name));
    return apply(c, op, p, value, has_value);
}

bool scim_patch_parse(struct arena *a, enum scim_resource res, struct json_object *body,
                      const char *resource_id, struct scim_patch *out,
                      struct scim_error *err)
{
    struct pctx c = { .a = a, .res = res, .rid = resource_id, .err = err, .out = out };
    out->ops = NULL;
    out->n = 0;
    c.index = -1;
    if (!json_object_is_type(body, json_type_object)) {
        err->status = 400;
        err->type = SCIM_INVALID_SYNTAX;
        err->detail = "the body must be a JSON object";
        return false;
    }
    bool present;
    struct json_object *list = member(body, "Operations", &present);
    if (!json_object_is_type(list, json_type_array)) {
        err->status = 400;
        err->type = SCIM_INVALID_SYNTAX;
        err->detail = "Operations must be a list";
        return false;
    }
    size_t n = json_object_array_length(list);
    if (n == 0) {
        err->status = 400;
        err->type = SCIM_INVALID_VALUE;
        err->detail = "Operations is empty";
        return false;
    }
    if (n > SCIM_PATCH_MAX_OPS) {
        err->status = 400;
        err->type = SCIM_INVALID_VALUE;
        err->detail = "too many operations";
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        c.index = (int)k;
        if (!one_operation(&c, json_object_array_get_idx(list, k))) {
            out->ops = NULL;
            out->n = 0;
            return false;
        }
    }
    return true;
}
