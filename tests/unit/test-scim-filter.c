/* Tests of the SCIM filter and path parsers (model/scim_filter.c): the trees they build
 * (shown in a canonical printed form), RFC 7644's precedence, JSON string literals, the
 * errors (invalidFilter / invalidPath with a position), the limits, the attribute lists of
 * Users and Groups and the index-lookup predicate. */
#include "config.h"

#include "usher/arena.h"
#include "usher/scim_filter.h"
#include "usher/scim_schema.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static struct arena *A;

static void put(char **o, const char *s)
{
    size_t n = strlen(s);
    memcpy(*o, s, n);
    *o += n;
}

static void print_path(char **o, const struct scim_attr_path *p)
{
    if (p->urn) {
        put(o, p->urn);
        put(o, ":");
    }
    put(o, p->attr);
    if (p->sub) {
        put(o, ".");
        put(o, p->sub);
    }
}

static void print(char **o, const struct scim_filter *f)
{
    switch (f->kind) {
    case SCIM_F_AND:
    case SCIM_F_OR:
        put(o, "(");
        print(o, f->left);
        put(o, f->kind == SCIM_F_AND ? " AND " : " OR ");
        print(o, f->right);
        put(o, ")");
        return;
    case SCIM_F_NOT:
        put(o, "NOT(");
        print(o, f->left);
        put(o, ")");
        return;
    case SCIM_F_VALPATH:
        print_path(o, &f->path);
        put(o, "[");
        print(o, f->left);
        put(o, "]");
        return;
    case SCIM_F_CMP:
        print_path(o, &f->path);
        put(o, " ");
        put(o, scim_op_name(f->op));
        switch (f->value_kind) {
        case SCIM_VAL_NONE: break;
        case SCIM_VAL_STRING:
            put(o, " <");
            put(o, f->str);
            put(o, ">");
            break;
        case SCIM_VAL_NUMBER:
            put(o, " #");
            put(o, f->str);
            break;
        case SCIM_VAL_TRUE: put(o, " TRUE"); break;
        case SCIM_VAL_FALSE: put(o, " FALSE"); break;
        case SCIM_VAL_NULL: put(o, " NULL"); break;
        }
        return;
    }
}

static const char *show(const struct scim_filter *f)
{
    static char buf[8192];
    char *o = buf;
    print(&o, f);
    *o = '\0';
    return buf;
}

static void parses(const char *text, const char *want)
{
    struct scim_error err = { 0 };
    struct scim_filter *f = scim_filter_parse(A, text, strlen(text), &err);
    is_str(f ? show(f) : err.detail, want, "filter %s", tap_esc(text));
}

/* The filter is refused with invalidFilter and a detail that contains want. */
static void refused(const char *text, const char *want)
{
    struct scim_error err = { 0 };
    struct scim_filter *f = scim_filter_parse(A, text, strlen(text), &err);
    ok(!f && err.status == 400 && err.type == SCIM_INVALID_FILTER && err.detail &&
       strstr(err.detail, want), "refused: %s (%s)", tap_esc(text), tap_esc(want));
    if (f || !err.detail || !strstr(err.detail, want))
        printf("#   got: %s\n", f ? show(f) : err.detail ? err.detail : "(no detail)");
}

/* Parsed and resolved against the User attributes: the attribute enum of the first
 * comparison, or -1 with the error's detail containing want. */
static void user_resolves(const char *text, int want_attr, const char *want)
{
    struct scim_error err = { 0 };
    struct scim_filter *f = scim_filter_parse(A, text, strlen(text), &err);
    bool r = f && scim_filter_resolve(f, scim_user_filter_attrs, scim_user_filter_nattrs,
                                      SCIM_URN_USER, A, &err);
    if (want_attr >= 0) {
        const struct scim_filter *c = f;
        while (c && c->kind != SCIM_F_CMP)
            c = c->left;
        ok(r && c && (int)c->attr == want_attr, "User filter %s resolves", tap_esc(text));
        if (!r)
            printf("#   %s\n", err.detail);
    } else {
        ok(!r && err.type == SCIM_INVALID_FILTER && err.status == 400 && err.detail &&
           strstr(err.detail, want), "User filter %s refused (%s)", tap_esc(text), want);
        if (r || !err.detail || !strstr(err.detail, want))
            printf("#   got: %s\n", r ? "accepted" : err.detail ? err.detail : "-");
    }
}

static void group_resolves(const char *text, bool want)
{
    struct scim_error err = { 0 };
    struct scim_filter *f = scim_filter_parse(A, text, strlen(text), &err);
    bool r = f && scim_filter_resolve(f, scim_group_filter_attrs, scim_group_filter_nattrs,
                                      SCIM_URN_GROUP, A, &err);
    ok(r == want && (r || err.type == SCIM_INVALID_FILTER), "Group filter %s %s",
       tap_esc(text), want ? "resolves" : "refused");
}

static void lookup_is(const char *text, enum scim_attr want, const char *want_value)
{
    struct scim_error err = { 0 };
    struct scim_filter *f = scim_filter_parse(A, text, strlen(text), &err);
    bool r = f && scim_filter_resolve(f, scim_user_filter_attrs, scim_user_filter_nattrs,
                                      SCIM_URN_USER, A, &err);
    const char *v = "(unset)";
    enum scim_attr got = r ? scim_filter_lookup(f, &v) : SCIM_ATTR_COUNT;
    ok(got == want, "lookup of %s", tap_esc(text));
    if (want != SCIM_ATTR_UNKNOWN)
        is_str(v, want_value, "  its value");
}

static void path_is(const char *text, const char *want)
{
    struct scim_error err = { 0 };
    struct scim_path *p = scim_path_parse(A, text, strlen(text), &err);
    char buf[4096], *o = buf;
    if (p) {
        print_path(&o, &p->attr);
        if (p->filter) {
            put(&o, "[");
            put(&o, show(p->filter));
            put(&o, "]");
        }
        if (p->sub_after) {
            put(&o, "->");
            put(&o, p->sub_after);
        }
        *o = '\0';
    } else {
        snprintf(buf, sizeof buf, "%s %s", scim_type_name(err.type), err.detail);
    }
    is_str(buf, want, "path %s", tap_esc(text));
}

static void datetime_is(const char *s, long long want, bool valid)
{
    long long ms = -1;
    bool r = scim_datetime_ms(s, &ms);
    ok(r == valid && (!valid || ms == want), "date-time %s %s", s, valid ? "" : "refused");
    if (r && ms != want)
        printf("#   got %lld want %lld\n", ms, want);
}

int main(void)
{
    A = arena_new(4096);

    /* every operator, any case */
    parses("userName eq \"bjensen\"", "userName eq <bjensen>");
    parses("userName Eq \"x\"", "userName eq <x>");
    parses("USERNAME NE \"x\"", "USERNAME ne <x>");
    parses("name.familyName co \"O'Malley\"", "name.familyName co <O'Malley>");
    parses("userName sw \"J\"", "userName sw <J>");
    parses("userName EW \"@example.com\"", "userName ew <@example.com>");
    parses("meta.lastModified gt \"2011-05-13T04:42:34Z\"", "meta.lastModified gt <2011-05-13T04:42:34Z>");
    parses("meta.lastModified ge \"2011-05-13T04:42:34Z\"", "meta.lastModified ge <2011-05-13T04:42:34Z>");
    parses("meta.lastModified lt \"2011-05-13T04:42:34Z\"", "meta.lastModified lt <2011-05-13T04:42:34Z>");
    parses("meta.lastModified LE \"2011-05-13T04:42:34Z\"", "meta.lastModified le <2011-05-13T04:42:34Z>");
    parses("title pr", "title pr");
    parses("title PR", "title pr");
    parses("emails pr and title pr", "(emails pr AND title pr)");
    /* literals */
    parses("active eq true", "active eq TRUE");
    parses("active eq False", "active eq FALSE");
    parses("externalId eq NULL", "externalId eq NULL");
    parses("x eq 42", "x eq #42");
    parses("x gt -1.5e3", "x gt #-1.5e3");
    parses("x eq 0", "x eq #0");
    /* JSON strings: escapes decoded; % _ \ plain */
    parses("userName eq \"a\\\"b\"", "userName eq <a\"b>");
    parses("userName eq \"a\\\\b\"", "userName eq <a\\b>");
    parses("userName co \"%\"", "userName co <%>");
    parses("userName co \"_\"", "userName co <_>");
    parses("userName co \"\\\\\"", "userName co <\\>");
    parses("userName eq \"\\u00e9\\/\"", "userName eq <\xc3\xa9/>");
    parses("userName eq \"\\ud83d\\ude00\"", "userName eq <\xf0\x9f\x98\x80>");
    parses("userName eq \"caf\xc3\xa9\"", "userName eq <caf\xc3\xa9>");
    parses("userName eq \"\"", "userName eq <>");
    parses("userName eq \"a b  c\"", "userName eq <a b  c>");
    parses("userName eq \"and or not ( ) [ ]\"", "userName eq <and or not ( ) [ ]>");
    /* precedence: not > and > or */
    parses("a pr or b pr and c pr", "(a pr OR (b pr AND c pr))");
    parses("a pr and b pr or c pr", "((a pr AND b pr) OR c pr)");
    parses("a pr and b pr and c pr", "((a pr AND b pr) AND c pr)");
    parses("a pr or b pr or c pr", "((a pr OR b pr) OR c pr)");
    parses("(a pr or b pr) and c pr", "((a pr OR b pr) AND c pr)");
    parses("not (a pr) and b pr", "(NOT(a pr) AND b pr)");
    parses("not(a pr or b pr)", "NOT((a pr OR b pr))");
    parses("NOT (a pr)", "NOT(a pr)");
    parses("a pr AND b pr OR c pr", "((a pr AND b pr) OR c pr)");
    parses("((((a pr))))", "a pr");
    parses("  userName eq \"x\"  ", "userName eq <x>");
    parses("userName\teq\t\"x\"", "userName eq <x>");
    parses("(a eq \"1\")and(b eq \"2\")", "(a eq <1> AND b eq <2>)");
    parses("not eq \"x\"", "not eq <x>");
    parses("and eq \"x\" and or eq \"y\"", "(and eq <x> AND or eq <y>)");
    /* RFC 7644's examples */
    parses("title pr and userType eq \"Employee\"", "(title pr AND userType eq <Employee>)");
    parses("userType eq \"Employee\" and (emails co \"example.com\" or emails.value co \"example.org\")",
           "(userType eq <Employee> AND (emails co <example.com> OR emails.value co <example.org>))");
    parses("userType ne \"Employee\" and not (emails co \"example.com\" or emails.value co \"example.org\")",
           "(userType ne <Employee> AND NOT((emails co <example.com> OR emails.value co <example.org>)))");
    parses("emails[type eq \"work\" and value co \"@example.com\"]",
           "emails[(type eq <work> AND value co <@example.com>)]");
    parses("emails[type eq \"work\" and value co \"@example.com\"] or ims[type eq \"xmpp\" and value co \"@foo.com\"]",
           "(emails[(type eq <work> AND value co <@example.com>)] OR ims[(type eq <xmpp> AND value co <@foo.com>)])");
    parses("urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"J\"",
           "urn:ietf:params:scim:schemas:core:2.0:User:userName sw <J>");
    parses("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq \"1\"",
           "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq <1>");
    parses("members.$ref pr", "members.$ref pr");

    /* errors: invalidFilter with a position */
    refused("", "empty filter at position 0");
    refused("   ", "empty filter");
    refused("userName", "expected an operator at position 8");
    refused("userName xx \"a\"", "unknown operator 'xx' at position 9");
    refused("userName equals \"a\"", "unknown operator 'equals'");
    refused("userName eq", "expected a value at position 11");
    refused("userName eq \"abc", "unterminated string at position 12");
    refused("userName eq \"abc\\", "unterminated string");
    refused("userName eq \"a\\qb\"", "bad escape in a string at position 14");
    refused("userName eq \"\\u12\"", "bad \\u escape");
    refused("userName eq \"\\u0000\"", "NUL character");
    refused("userName eq \"\\ud83d\"", "unpaired surrogate");
    refused("userName eq \"\\ude00\"", "unpaired surrogate");
    refused("userName eq \"a\tb\"", "control character in a string");
    refused("userName eq bjensen", "expected a value");
    refused("userName eq 'x'", "expected a value");
    refused("userName eq \"a\" extra", "unexpected 'extra' at position 16");
    refused("userName eq \"a\" and", "expected an attribute name at position 19");
    refused("userName eq \"a\" or", "expected an attribute name");
    refused("and", "expected an operator");
    refused("(userName eq \"a\"", "missing ')' for the '(' at position 0");
    refused("userName eq \"a\")", "unexpected ')'");
    refused("not userName eq \"a\"", "unknown operator");
    refused("not (userName eq \"a\"", "missing ')'");
    refused("()", "expected an attribute name, found ')'");
    refused("emails[type eq \"work\"", "missing ']' for the '[' at position 6");
    refused("emails[type eq \"work\")", "expected ']', found ')'");
    refused("emails[]", "expected an attribute name, found ']'");
    refused("1abc eq \"x\"", "bad attribute name '1abc'");
    refused("name. eq \"x\"", "bad attribute name");
    refused("name.given.x eq \"x\"", "bad attribute name");
    refused("foo:userName eq \"x\"", "bad schema URN");
    refused("urn:x:1 eq \"x\"", "bad attribute name");
    refused("x eq 01", "bad number");
    refused("x eq 1.", "bad number");
    refused("x eq 1e", "bad number");
    refused("x eq 1x", "bad number");
    refused("x eq -", "bad number");
    refused("x eq 1e999", "number out of range");
    refused("x eq truex", "expected a value");
    refused("userName eq\"x\"", "expected a space before the value");
    refused("userName eq \"a\"\"b\"", "unexpected");
    refused("userName eq \"\xff\"", "not UTF-8 text");
    {
        struct scim_error err = { 0 };
        ok(!scim_filter_parse(A, "a pr\0 or b pr", 13, &err) && err.type == SCIM_INVALID_FILTER &&
           strstr(err.detail, "NUL byte at position 4"), "a NUL byte is refused");
    }
    /* limits: nesting, length; 10,000 parentheses cost nothing */
    {
        char *deep = malloc(20100), *o = deep;
        for (int k = 0; k < 10000; k++)
            *o++ = '(';
        memcpy(o, "a pr", 4);
        o += 4;
        for (int k = 0; k < 10000; k++)
            *o++ = ')';
        struct scim_error err = { 0 };
        ok(!scim_filter_parse(A, deep, 4000, &err) && strstr(err.detail, "nested too deeply"),
           "4,000 nested parentheses: too deep");
        ok(!scim_filter_parse(A, deep, (size_t)(o - deep), &err) && strstr(err.detail, "longer than"),
           "20,004 bytes: too long");
        o = deep;
        for (int k = 0; k < 1000; k++)
            o += sprintf(o, "not(");
        ok(!scim_filter_parse(A, deep, (size_t)(o - deep), &err) &&
           strstr(err.detail, "nested too deeply"), "1,000 nested not(: too deep");
        o = deep;
        for (int k = 0; k < SCIM_FILTER_MAX_DEPTH; k++)
            *o++ = '(';
        o += sprintf(o, "a pr");
        for (int k = 0; k < SCIM_FILTER_MAX_DEPTH; k++)
            *o++ = ')';
        ok(scim_filter_parse(A, deep, (size_t)(o - deep), &err) != NULL,
           "%d nested parentheses: fine", SCIM_FILTER_MAX_DEPTH);
        o = deep;
        for (int k = 0; k < SCIM_FILTER_MAX_TERMS; k++)
            o += sprintf(o, "%sa%d eq \"%d\"", k ? " or " : "", k, k);
        struct scim_filter *f = scim_filter_parse(A, deep, (size_t)(o - deep), &err);
        ok(f && f->kind == SCIM_F_OR, "%d comparisons joined by or: fine", SCIM_FILTER_MAX_TERMS);
        sprintf(o, " or b pr");
        ok(!scim_filter_parse(A, deep, strlen(deep), &err) &&
           strstr(err.detail, "more than 100 comparisons"), "one more: refused");
        free(deep);
    }

    /* the User attributes */
    user_resolves("userName eq \"a\"", SCIM_ATTR_USER_NAME, NULL);
    user_resolves("USERNAME eq \"a\"", SCIM_ATTR_USER_NAME, NULL);
    user_resolves("urn:ietf:params:scim:schemas:core:2.0:User:userName eq \"a\"", SCIM_ATTR_USER_NAME, NULL);
    user_resolves("URN:IETF:params:scim:schemas:core:2.0:user:username eq \"a\"", SCIM_ATTR_USER_NAME, NULL);
    user_resolves("emails.value co \"a\"", SCIM_ATTR_EMAILS_VALUE, NULL);
    user_resolves("emails co \"a\"", SCIM_ATTR_EMAILS_VALUE, NULL);
    user_resolves("Emails.Value sw \"a\"", SCIM_ATTR_EMAILS_VALUE, NULL);
    user_resolves("emails[value co \"@x\"]", SCIM_ATTR_EMAILS_VALUE, NULL);
    user_resolves("displayName ew \"a\"", SCIM_ATTR_DISPLAY_NAME, NULL);
    user_resolves("name.givenName eq \"a\"", SCIM_ATTR_NAME_GIVEN, NULL);
    user_resolves("name.familyName eq \"a\"", SCIM_ATTR_NAME_FAMILY, NULL);
    user_resolves("externalId eq \"a\"", SCIM_ATTR_EXTERNAL_ID, NULL);
    user_resolves("id eq \"a\"", SCIM_ATTR_ID, NULL);
    user_resolves("active eq false", SCIM_ATTR_ACTIVE, NULL);
    user_resolves("active ne TRUE", SCIM_ATTR_ACTIVE, NULL);
    user_resolves("active pr", SCIM_ATTR_ACTIVE, NULL);
    user_resolves("meta.created gt \"2026-01-01T00:00:00Z\"", SCIM_ATTR_META_CREATED, NULL);
    user_resolves("meta.lastModified le \"2026-01-01T00:00:00.5+02:00\"", SCIM_ATTR_META_LAST_MODIFIED, NULL);
    user_resolves("not (userName eq \"a\") and (externalId pr or id eq \"x\")", SCIM_ATTR_USER_NAME, NULL);
    user_resolves("title pr", -1, "unknown attribute title at position 0");
    user_resolves("userName eq \"a\" or nickName eq \"b\"", -1, "unknown attribute nickName at position 19");
    user_resolves("name.formatted eq \"a\"", -1, "unknown attribute name.formatted");
    user_resolves("name eq \"a\"", -1, "unknown attribute name");
    user_resolves("emails.type eq \"work\"", -1, "unknown attribute emails.type");
    user_resolves("emails[type eq \"work\"]", -1, "unknown attribute emails.type");
    user_resolves("emails[value.x eq \"work\"]", -1, "names a sub-attribute");
    user_resolves("name.givenName[value eq \"x\"]", -1, "a value filter on a sub-attribute");
    user_resolves("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq \"1\"", -1, "another schema");
    user_resolves("urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq \"1\"", -1, "another schema");
    user_resolves("userName eq 1", -1, "a string is needed");
    user_resolves("userName eq null", -1, "a string is needed");
    user_resolves("userName eq true", -1, "a string is needed");
    user_resolves("active eq \"false\"", -1, "true or false is needed");
    user_resolves("active eq 0", -1, "true or false is needed");
    user_resolves("active co true", -1, "operator co does not apply to active");
    user_resolves("active gt false", -1, "operator gt does not apply");
    user_resolves("meta.created co \"2026\"", -1, "operator co does not apply to meta.created");
    user_resolves("meta.created gt \"yesterday\"", -1, "RFC 3339 date-time");
    user_resolves("meta.created gt 1700000000", -1, "RFC 3339 date-time");
    user_resolves("meta.created gt \"2026-02-30T00:00:00Z\"", -1, "RFC 3339");
    /* the Group attributes */
    group_resolves("displayName eq \"Admins\"", true);
    group_resolves("DISPLAYNAME eq \"Admins\"", true);
    group_resolves("externalId eq \"x\" or id eq \"y\"", true);
    group_resolves("urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq \"A\"", true);
    group_resolves("urn:ietf:params:scim:schemas:core:2.0:User:displayName eq \"A\"", false);
    group_resolves("userName eq \"x\"", false);
    group_resolves("members.value eq \"x\"", false);
    group_resolves("displayName eq 5", false);
    /* index lookups */
    lookup_is("userName eq \"Bjensen@Example.com\"", SCIM_ATTR_USER_NAME, "Bjensen@Example.com");
    lookup_is("UserName EQ \"a\"", SCIM_ATTR_USER_NAME, "a");
    lookup_is("((userName eq \"a\"))", SCIM_ATTR_USER_NAME, "a");
    lookup_is("externalId eq \"00u1\"", SCIM_ATTR_EXTERNAL_ID, "00u1");
    lookup_is("urn:ietf:params:scim:schemas:core:2.0:User:externalId eq \"e\"", SCIM_ATTR_EXTERNAL_ID, "e");
    lookup_is("userName ne \"a\"", SCIM_ATTR_UNKNOWN, NULL);
    lookup_is("userName co \"a\"", SCIM_ATTR_UNKNOWN, NULL);
    lookup_is("userName eq \"a\" and active eq true", SCIM_ATTR_UNKNOWN, NULL);
    lookup_is("not (userName eq \"a\")", SCIM_ATTR_UNKNOWN, NULL);
    lookup_is("displayName eq \"a\"", SCIM_ATTR_UNKNOWN, NULL);
    lookup_is("emails.value eq \"a\"", SCIM_ATTR_UNKNOWN, NULL);
    lookup_is("id eq \"a\"", SCIM_ATTR_UNKNOWN, NULL);
    ok(scim_filter_lookup(NULL, NULL) == SCIM_ATTR_UNKNOWN, "lookup of no filter");

    /* PATCH paths */
    path_is("active", "active");
    path_is("name.familyName", "name.familyName");
    path_is("emails[type eq \"work\"].value", "emails[type eq <work>]->value");
    path_is("emails[Type EQ \"work\"]", "emails[Type eq <work>]");
    path_is("emails[primary eq true].value", "emails[primary eq TRUE]->value");
    path_is("members[value eq \"2819c223\"]", "members[value eq <2819c223>]");
    path_is("members[value eq \"a\" or value eq \"b\"]", "members[(value eq <a> OR value eq <b>)]");
    path_is("urn:ietf:params:scim:schemas:core:2.0:User:name.givenName",
            "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName");
    path_is("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager");
    path_is("", "invalidPath empty path at position 0");
    path_is("emails[type eq \"work\"", "invalidPath missing ']' for the '[' at position 6");
    path_is("emails[type eq \"work\"]]", "invalidPath unbalanced brackets: ']' at position 22");
    path_is("emails]", "invalidPath unbalanced brackets: ']' at position 6");
    path_is("emails[type eq]", "invalidPath expected a value (a JSON string, number, true, false or null), found ']' at position 14");
    path_is("emails[type zz \"w\"]", "invalidPath unknown operator 'zz' at position 12");
    path_is("emails[type eq \"w\"].", "invalidPath bad sub-attribute '.' at position 19");
    path_is("emails[type eq \"w\"].value.x", "invalidPath unexpected '.x' at position 25");
    path_is("emails[type eq \"w\"][x pr]", "invalidPath unexpected '[x pr]' at position 19");
    path_is("name.givenName[x pr]", "invalidPath a value filter follows a sub-attribute at position 14");
    path_is("emails[[a pr]]", "invalidPath expected an attribute name, found '[' at position 7");
    path_is("emails[(a pr]", "invalidPath expected ')', found ']' at position 12");
    path_is("a b", "invalidPath unexpected 'b' at position 2");
    path_is("na me", "invalidPath unexpected 'me' at position 3");
    path_is("-x", "invalidPath bad attribute name '-x' at position 0");
    path_is("x[a eq \"\\x\"]", "invalidPath bad escape in a string at position 8");

    /* RFC 3339 */
    datetime_is("1970-01-01T00:00:00Z", 0, true);
    datetime_is("2026-12-06T23:00:00Z", 1796598000000LL, true);
    datetime_is("2026-12-06t23:00:00.123z", 1796598000123LL, true);
    datetime_is("2026-12-07T01:00:00.1234+02:00", 1796598000123LL, true);
    datetime_is("2026-12-06T20:30:00-02:30", 1796598000000LL, true);
    datetime_is("2024-02-29T00:00:00Z", 1709164800000LL, true);
    datetime_is("1969-12-31T23:59:59Z", -1000, true);
    datetime_is("2023-02-29T00:00:00Z", 0, false);
    datetime_is("2026-12-06 23:00:00Z", 0, false);
    datetime_is("2026-12-06T23:00:00", 0, false);
    datetime_is("2026-12-06T24:00:00Z", 0, false);
    datetime_is("2026-13-06T23:00:00Z", 0, false);
    datetime_is("2026-12-06T23:00:00.Z", 0, false);
    datetime_is("2026-12-06T23:00:00+0200", 0, false);
    datetime_is("2026-12-06T23:00:00Zx", 0, false);
    datetime_is("0000-01-01T00:00:00Z", 0, false);
    datetime_is("", 0, false);

    arena_free(A);
    return tap_done();
}
