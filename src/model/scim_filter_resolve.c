/* SCIM filters, the second half (see scim_filter.h): the attribute lists of Users and
 * Groups, resolving a parsed tree against one of them, the index-lookup predicate and RFC
 * 3339 date-times. */
#include "config.h"
#include "usher/scim_filter.h"

#include "usher/arena.h"

#include <string.h>
#include <strings.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

const struct scim_attr_def scim_user_filter_attrs[] = {
    { "id", SCIM_ATTR_ID, SCIM_T_STRING_EXACT },
    { "externalId", SCIM_ATTR_EXTERNAL_ID, SCIM_T_STRING_EXACT },
    { "userName", SCIM_ATTR_USER_NAME, SCIM_T_STRING_CI },
    { "emails.value", SCIM_ATTR_EMAILS_VALUE, SCIM_T_STRING_CI },
    { "emails", SCIM_ATTR_EMAILS_VALUE, SCIM_T_STRING_CI },
    { "displayName", SCIM_ATTR_DISPLAY_NAME, SCIM_T_STRING_CI },
    { "name.givenName", SCIM_ATTR_NAME_GIVEN, SCIM_T_STRING_CI },
    { "name.familyName", SCIM_ATTR_NAME_FAMILY, SCIM_T_STRING_CI },
    { "active", SCIM_ATTR_ACTIVE, SCIM_T_BOOLEAN },
    { "meta.created", SCIM_ATTR_META_CREATED, SCIM_T_DATETIME },
    { "meta.lastModified", SCIM_ATTR_META_LAST_MODIFIED, SCIM_T_DATETIME },
};
const size_t scim_user_filter_nattrs =
    sizeof scim_user_filter_attrs / sizeof scim_user_filter_attrs[0];

const struct scim_attr_def scim_group_filter_attrs[] = {
    { "id", SCIM_ATTR_ID, SCIM_T_STRING_EXACT },
    { "externalId", SCIM_ATTR_EXTERNAL_ID, SCIM_T_STRING_EXACT },
    { "displayName", SCIM_ATTR_DISPLAY_NAME, SCIM_T_STRING_CI },
};
const size_t scim_group_filter_nattrs =
    sizeof scim_group_filter_attrs / sizeof scim_group_filter_attrs[0];

/* ---- resolving attributes ------------------------------------------------------------ */

static bool resolve_fail(struct scim_error *err, struct arena *a, const struct scim_filter *f,
                         const char *what)
{
    const struct scim_attr_path *ap = &f->path;
    err->status = 400;
    err->type = SCIM_INVALID_FILTER;
    err->detail = arena_printf(a, "%s%s%s%s at position %zu", what, ap->attr,
                               ap->sub ? "." : "", ap->sub ? ap->sub : "", f->pos);
    return false;
}

static const struct scim_attr_def *find_def(const struct scim_attr_path *ap,
                                            const struct scim_attr_def *defs, size_t ndefs)
{
    size_t an = strlen(ap->attr);
    for (size_t k = 0; k < ndefs; k++) {
        const char *d = defs[k].path;
        if (strncasecmp(d, ap->attr, an) != 0)
            continue;
        if (ap->sub ? d[an] == '.' && strcasecmp(d + an + 1, ap->sub) == 0 : d[an] == '\0')
            return &defs[k];
    }
    return NULL;
}

static bool resolve_cmp(struct scim_filter *f, const struct scim_attr_def *defs, size_t ndefs,
                        const char *schema_urn, struct arena *a, struct scim_error *err)
{
    if (f->path.urn && (!schema_urn || strcasecmp(f->path.urn, schema_urn) != 0))
        return resolve_fail(err, a, f, "unknown attribute (another schema): ");
    const struct scim_attr_def *d = find_def(&f->path, defs, ndefs);
    if (!d)
        return resolve_fail(err, a, f, "unknown attribute ");
    f->attr = d->attr;
    f->attr_type = d->type;
    if (f->op == SCIM_PR)
        return true;
    switch (d->type) {
    case SCIM_T_STRING_CI:
    case SCIM_T_STRING_EXACT:
        if (f->value_kind != SCIM_VAL_STRING)
            return resolve_fail(err, a, f, "a string is needed to compare ");
        return true;
    case SCIM_T_BOOLEAN:
        if (f->op != SCIM_EQ && f->op != SCIM_NE)
            return resolve_fail(err, a, f,
                                arena_printf(a, "operator %s does not apply to ",
                                             scim_op_name(f->op)));
        if (f->value_kind != SCIM_VAL_TRUE && f->value_kind != SCIM_VAL_FALSE)
            return resolve_fail(err, a, f, "true or false is needed to compare ");
        return true;
    case SCIM_T_DATETIME:
        if (f->op == SCIM_CO || f->op == SCIM_SW || f->op == SCIM_EW)
            return resolve_fail(err, a, f,
                                arena_printf(a, "operator %s does not apply to ",
                                             scim_op_name(f->op)));
        if (f->value_kind != SCIM_VAL_STRING || !scim_datetime_ms(f->str, &f->value_ms))
            return resolve_fail(err, a, f, "an RFC 3339 date-time is needed to compare ");
        return true;
    }
    return resolve_fail(err, a, f, "unknown attribute ");
}

/* A value filter attr[...] whose comparisons name sub-attributes: each becomes attr.sub
 * (emails[value co "x"] is emails.value co "x"); the node becomes its inner filter. */
static bool flatten_valpath(struct scim_filter *inner, const struct scim_filter *outer,
                            struct arena *a, struct scim_error *err)
{
    switch (inner->kind) {
    case SCIM_F_AND:
    case SCIM_F_OR:
        return flatten_valpath(inner->left, outer, a, err) &&
               flatten_valpath(inner->right, outer, a, err);
    case SCIM_F_NOT:
        return flatten_valpath(inner->left, outer, a, err);
    case SCIM_F_CMP:
        if (inner->path.urn || inner->path.sub)
            return resolve_fail(err, a, inner, "a value filter names a sub-attribute, not ");
        inner->path.sub = inner->path.attr;
        inner->path.attr = outer->path.attr;
        inner->path.urn = outer->path.urn;
        return true;
    case SCIM_F_VALPATH:
        break;
    }
    return resolve_fail(err, a, inner, "value filters do not nest: ");
}

bool scim_filter_resolve(struct scim_filter *f, const struct scim_attr_def *defs,
                         size_t ndefs, const char *schema_urn, struct arena *a,
                         struct scim_error *err)
{
    if (!f)
        return true;
    switch (f->kind) {
    case SCIM_F_CMP:
        return resolve_cmp(f, defs, ndefs, schema_urn, a, err);
    case SCIM_F_AND:
    case SCIM_F_OR:
        return scim_filter_resolve(f->left, defs, ndefs, schema_urn, a, err) &&
               scim_filter_resolve(f->right, defs, ndefs, schema_urn, a, err);
    case SCIM_F_NOT:
        return scim_filter_resolve(f->left, defs, ndefs, schema_urn, a, err);
    case SCIM_F_VALPATH:
        if (f->path.sub)
            return resolve_fail(err, a, f, "a value filter on a sub-attribute: ");
        if (!flatten_valpath(f->left, f, a, err))
            return false;
        *f = *f->left;
        return scim_filter_resolve(f, defs, ndefs, schema_urn, a, err);
    }
    return resolve_fail(err, a, f, "unknown attribute ");
}

enum scim_attr scim_filter_lookup(const struct scim_filter *f, const char **value)
{
    if (!f || f->kind != SCIM_F_CMP || f->op != SCIM_EQ || f->value_kind != SCIM_VAL_STRING ||
        (f->attr != SCIM_ATTR_USER_NAME && f->attr != SCIM_ATTR_EXTERNAL_ID))
        return SCIM_ATTR_UNKNOWN;
    *value = f->str;
    return f->attr;
}

/* ---- RFC 3339 date-times ------------------------------------------------------------- */

static bool digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int k = 0; k < n; k++) {
        if (!is_digit(s[k]))
            return false;
        *v = *v * 10 + (s[k] - '0');
    }
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153u * (unsigned)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

bool scim_datetime_ms(const char *s, long long *ms)
{
    int y, mo, d, h, mi, sec;
    if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
        s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return false;
    static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) ||
        h > 23 || mi > 59 || sec > 60)
        return false;
    const char *p = s + 19;
    int frac_ms = 0;
    if (*p == '.') {
        p++;
        if (!is_digit(*p))
            return false;
        for (int k = 0; is_digit(*p); k++, p++)
            if (k < 3)
                frac_ms += (*p - '0') * (k == 0 ? 100 : k == 1 ? 10 : 1);
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
            om > 59)
            return false;
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return false;
    }
    if (*p)
        return false;
    long long t = days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + sec -
                  off * 60LL;
    *ms = t * 1000 + frac_ms;
    return true;
}
