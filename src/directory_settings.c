/* The LDAP settings of one sign-in (openwebui-ldap.md §1): stored value (the admin routes
 * store LDAP_CONFIG and LDAP_SERVER objects in the config table), else the environment,
 * else Open WebUI's default. */
#include "config.h"
#include "usher/directory.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>

#include "usher/arena.h"
#include "usher/ctx.h"
#include "usher/settings.h"

/* The stored member named key of obj: 1 with *out (NULL for a stored null), 0 when the
 * admin never stored it. */
static int stored(struct json_object *obj, const char *key, struct json_object **out)
{
    *out = NULL;
    return obj && json_object_is_type(obj, json_type_object) &&
           json_object_object_get_ex(obj, key, out);
}

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v ? v : def;
}

/* Booleans from the environment are true only for "true", in any case (as the reference). */
static bool env_bool_or(const char *name, bool def)
{
    const char *v = getenv(name);
    return v ? strcasecmp(v, "true") == 0 : def;
}

static const char *res_str(struct ctx *c, struct json_object *obj, const char *key,
                           const char *env, const char *def)
{
    struct json_object *v;
    if (stored(obj, key, &v))
        return v ? arena_strdup(c->arena, json_object_get_string(v)) : "";
    return env_or(env, def);
}

static bool res_bool(struct json_object *obj, const char *key, const char *env, bool def)
{
    struct json_object *v;
    if (stored(obj, key, &v))
        return v && json_object_get_boolean(v);
    return env_bool_or(env, def);
}

void dir_settings_resolve(struct ctx *c, struct dir_settings *s)
{
    struct json_object *cfg = settings_get(c, "LDAP_CONFIG");
    struct json_object *srv = settings_get(c, "LDAP_SERVER");
    struct json_object *v;
    memset(s, 0, sizeof(*s));
    if (stored(cfg, "ENABLE_LDAP", &v))
        s->enable = v && json_object_get_boolean(v);
    else
        s->enable = env_bool_or("ENABLE_LDAP", false);
    s->label = res_str(c, srv, "label", "LDAP_SERVER_LABEL", "LDAP Server");
    s->host = res_str(c, srv, "host", "LDAP_SERVER_HOST", "localhost");
    if (stored(srv, "port", &v)) {
        s->port = v ? json_object_get_int(v) : 0;
    } else {
        const char *e = getenv("LDAP_SERVER_PORT");
        char *end = NULL;
        long p = e && *e ? strtol(e, &end, 10) : 389;
        s->port = (e && *e && *end) || p < 0 || p > 65535 ? 389 : (int)p;
    }
    s->attr_mail = res_str(c, srv, "attribute_for_mail", "LDAP_ATTRIBUTE_FOR_MAIL", "mail");
    s->attr_username = res_str(c, srv, "attribute_for_username", "LDAP_ATTRIBUTE_FOR_USERNAME", "uid");
    s->app_dn = res_str(c, srv, "app_dn", "LDAP_APP_DN", "");
    s->app_password = res_str(c, srv, "app_dn_password", "LDAP_APP_PASSWORD", "");
    s->search_base = res_str(c, srv, "search_base", "LDAP_SEARCH_BASE", "");
    s->search_filters = res_str(c, srv, "search_filters",
                                getenv("LDAP_SEARCH_FILTER") ? "LDAP_SEARCH_FILTER"
                                                             : "LDAP_SEARCH_FILTERS", "");
    s->use_tls = res_bool(srv, "use_tls", "LDAP_USE_TLS", true);
    s->start_tls = env_bool_or("LDAP_START_TLS", false);
    s->ca_file = res_str(c, srv, "certificate_path", "LDAP_CA_CERT_FILE", "");
    s->validate_cert = res_bool(srv, "validate_cert", "LDAP_VALIDATE_CERT", true);
    s->ciphers = res_str(c, srv, "ciphers", "LDAP_CIPHERS", "ALL");
    s->group_management = res_bool(srv, "enable_group_management", "ENABLE_LDAP_GROUP_MANAGEMENT", false);
    s->group_creation = res_bool(srv, "enable_group_creation", "ENABLE_LDAP_GROUP_CREATION", false);
    s->attr_groups = res_str(c, srv, "attribute_for_groups", "LDAP_ATTRIBUTE_FOR_GROUPS", "memberOf");
    s->timeout_ms = settings_env()->ldap_timeout * 1000;
}
