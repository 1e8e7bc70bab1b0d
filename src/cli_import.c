/* `usherctl import-openwebui`: Open WebUI's webui.db into usher (see cli_import.h). The
 * file is read whole (owui_read.c), every row checked (owui_schema.c) and compared with
 * what usher has, then written in batches (db/import.c; the run's bookkeeping and report:
 * cli_import_run.c). */
#include "config.h"
#include "usher/cli_import.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "usher/accounts.h"
#include "usher/apikey.h"
#include "usher/arena.h"
#include "usher/cli_import_run.h"
#include "usher/crypto.h"
#include "usher/db.h"
#include "usher/db_import.h"
#include "usher/owui_read.h"
#include "usher/secret.h"
#include "usher/settings.h"
#include "usher/settings_store.h"
#include "usher/strmap.h"
#include "usher/user_doc.h"
#include "usher/validate.h"

/* ---- users ----------------------------------------------------------------------------- */

/* settings and info within user_data.max_size and max_keys, as the API keeps them; a
 * document over them is left out of the row, named. */
static void user_doc_bounds(struct run *r, const char **row, const char *label)
{
    static const enum owui_user_col cols[] = { OU_SETTINGS, OU_INFO };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        const char *what = owui_user_columns[cols[i]].name;
        json_object *doc = row[cols[i]] ? json_tokener_parse(row[cols[i]]) : NULL;
        if (!doc)
            continue;
        size_t len = strlen(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN));
        const struct user_doc_limits *lim = &settings_env()->user_doc;
        enum user_doc_verdict v = user_doc_check(doc, len, lim);
        if (v != USER_DOC_OK) {
            r->dropped++;
            import_note(r, true, "%s: imported without %s: %s", label, what,
                 user_doc_detail(r->a, what, v, doc, len, lim));
            row[cols[i]] = NULL;
        }
        json_object_put(doc);
    }
}

static void do_users(struct run *r, const struct owui_rows *u, bool write)
{
    struct db_result ex;
    if (db_import_existing(r->db, r->a, IMPORT_USERS, &ex) != DB_OK) {
        import_note(r, true, "cannot read usher's users: %s", db_error(r->db));
        r->st[S_USERS].errors++;
        return;
    }
    struct strmap by_id, by_email, seen;
    strmap_init(&by_id);
    strmap_init(&by_email);
    strmap_init(&seen);
    for (size_t i = 0; i < ex.nrows; i++) {
        strmap_put(&by_id, db_cell(&ex, i, 0), db_cell(&ex, i, 1));
        strmap_put(&by_email, db_cell(&ex, i, 1), db_cell(&ex, i, 0));
    }
    import_begin_step(r, S_USERS, IMPORT_USERS, u->nrows);
    struct stats *st = &r->st[S_USERS];
    for (size_t i = 0; i < u->nrows; i++) {
        const char **row = arena_alloc(r->a, OU__COUNT * sizeof(*row));
        memcpy(row, u->cells + i * u->ncols, OU__COUNT * sizeof(*row));
        const char *id = row[OU_ID];
        const char *label = arena_printf(r->a, "user %s (%s)", id ? id : "with no id",
                                         row[OU_EMAIL] ? row[OU_EMAIL] : "e-mail NULL");
        st->read += write;
        struct owui_user_check chk;
        owui_user_check(r->a, row, &chk);
        if (chk.why) {
            if (id)
                strmap_put(&r->users, id, NULL);
            if (write)
                import_skip(r, true, label, chk.why);
            continue;
        }
        const char *first = import_mapped(&seen, row[OU_EMAIL]);
        if (strmap_get(&seen, row[OU_EMAIL], NULL)) {
            strmap_put(&r->users, id, NULL);
            if (write)
                import_skip(r, true, label,
                     arena_printf(r->a, "the e-mail is also user %s's (addresses that differ "
                                  "only in case are one address)", first));
            continue;
        }
        strmap_put(&seen, row[OU_EMAIL], id);
        const char *ex_email = import_mapped(&by_id, id), *ex_id = import_mapped(&by_email, row[OU_EMAIL]);
        if (strmap_get(&by_id, id, NULL)) {
            bool same = ex_email && strcmp(ex_email, row[OU_EMAIL]) == 0;
            strmap_put(&r->users, id, same ? id : NULL);
            if (!write)
                continue;
            if (same)
                st->unchanged++;
            else
                import_skip(r, false, label, arena_printf(r->a, "the id is another usher account's "
                                                   "(%s): not imported", ex_email));
        } else if (ex_id) {
            strmap_put(&r->users, id, r->merge ? ex_id : NULL);
            if (!write)
                continue;
            if (r->merge) {
                st->merged++;
                import_note(r, false, "%s: merged with usher account %s (same e-mail)", label, ex_id);
            } else {
                import_skip(r, false, label, arena_printf(r->a, "the e-mail belongs to usher account "
                                                   "%s (--merge-by-email maps it)", ex_id));
            }
        } else if (!write) {
            strmap_put(&r->users, id, NULL);
        } else {
            strmap_put(&r->users, id, id);
            if (chk.dropped) {
                r->dropped++;
                import_note(r, true, "%s: imported without %s", label, chk.dropped);
            }
            user_doc_bounds(r, row, label);
            import_queue(r, row, label);
        }
    }
    if (write)
        import_end_step(r);
    strmap_free(&by_id);
    strmap_free(&by_email);
    strmap_free(&seen);
}

/* ---- API keys ------------------------------------------------------------------------- */

static void do_keys(struct run *r, const struct owui_rows *k)
{
    struct db_result ex;
    if (db_import_existing(r->db, r->a, IMPORT_KEYS, &ex) != DB_OK) {
        import_note(r, true, "cannot read usher's API keys: %s", db_error(r->db));
        r->st[S_KEYS].errors++;
        return;
    }
    struct strmap by_user, digests;
    strmap_init(&by_user);
    strmap_init(&digests);
    for (size_t i = 0; i < ex.nrows; i++) {
        /* Open WebUI's one key per user is usher's main key ("key_" + id); named keys
         * only take part in the digest check */
        if (strcmp(db_cell(&ex, i, 2), "1") == 0)
            strmap_put(&by_user, db_cell(&ex, i, 0), db_cell(&ex, i, 1));
        strmap_put(&digests, db_cell(&ex, i, 1), db_cell(&ex, i, 0));
    }
    import_begin_step(r, S_KEYS, IMPORT_KEYS, k->nrows);
    for (size_t i = 0; i < k->nrows; i++) {
        const char *const *in = k->cells + i * k->ncols;
        const char *owner = in[OK_USER_ID], *key = in[OK_KEY];
        const char *label = arena_printf(r->a, "API key of user %s", owner ? owner : "NULL");
        const char *uid = import_mapped(&r->users, owner);
        r->st[S_KEYS].read++;
        if (!uid) {
            import_skip(r, false, label, "its user is not in usher");
            continue;
        }
        if (!key || strncmp(key, "sk-", 3) != 0 || strlen(key) < 8 || strlen(key) > 255) {
            import_skip(r, true, label, "not an sk-... key");
            continue;
        }
        char *digest = arena_alloc(r->a, APIKEY_DIGEST_HEX + 1);
        apikey_digest(key, digest);
        const char *had = import_mapped(&by_user, uid);
        if (had || strmap_get(&by_user, uid, NULL)) {
            if (had && strcmp(had, digest) == 0)
                r->st[S_KEYS].unchanged++;
            else
                import_skip(r, false, label, "the usher account already has another API key");
            continue;
        }
        if (strmap_get(&digests, digest, NULL)) {
            import_skip(r, false, label, "the same key belongs to another usher account");
            continue;
        }
        strmap_put(&by_user, uid, digest);
        strmap_put(&digests, digest, uid);
        const char *sealed = NULL;
        if (r->secret && strlen(key) == APIKEY_LEN) {
            char *s = apikey_seal(key, uid, r->secret, r->secret_len);
            sealed = s ? arena_strdup(r->a, s) : NULL;
            free(s);
        }
        const char *created = in[OK_CREATED_AT] ? in[OK_CREATED_AT] : import_now_text(r);
        const char *data = in[OK_DATA] && owui_json_valid(in[OK_DATA]) ? in[OK_DATA] : NULL;
        const char *row[] = { arena_printf(r->a, "key_%s", uid), uid, digest, sealed, data,
                              in[OK_EXPIRES_AT], in[OK_LAST_USED_AT], created,
                              in[OK_UPDATED_AT] ? in[OK_UPDATED_AT] : created };
        import_queue(r, row, label);
    }
    import_end_step(r);
    strmap_free(&by_user);
    strmap_free(&digests);
}

/* ---- groups and members ------------------------------------------------------------------ */

static void do_groups(struct run *r, const struct owui_rows *g, bool write)
{
    struct db_result ex;
    if (db_import_existing(r->db, r->a, IMPORT_GROUPS, &ex) != DB_OK) {
        import_note(r, true, "cannot read usher's groups: %s", db_error(r->db));
        r->st[S_GROUPS].errors++;
        return;
    }
    struct strmap by_id, by_name;
    strmap_init(&by_id);
    strmap_init(&by_name);
    for (size_t i = 0; i < ex.nrows; i++) {
        strmap_put(&by_id, db_cell(&ex, i, 0), db_cell(&ex, i, 1));
        strmap_put(&by_name, text_lower(r->a, db_cell(&ex, i, 1)), db_cell(&ex, i, 0));
    }
    if (write)
        import_begin_step(r, S_GROUPS, IMPORT_GROUPS, g->nrows);
    for (size_t i = 0; i < g->nrows; i++) {
        const char **row = arena_alloc(r->a, OG__COUNT * sizeof(*row));
        memcpy(row, g->cells + i * g->ncols, OG__COUNT * sizeof(*row));
        const char *id = row[OG_ID], *name = row[OG_NAME];
        const char *label = arena_printf(r->a, "group %s (%s)", id ? id : "with no id",
                                         name ? name : "no name");
        r->st[S_GROUPS].read += write;
        if (!id || !name || !*name || strlen(id) > 64) {
            if (write)
                import_skip(r, true, label, "no id or no name");
            continue;
        }
        const char *lname = text_lower(r->a, name);
        const char *ex_name = import_mapped(&by_id, id), *ex_id = import_mapped(&by_name, lname);
        if (strmap_get(&by_id, id, NULL)) {
            bool same = ex_name && strcmp(ex_name, name) == 0;
            strmap_put(&r->groups, id, same ? id : NULL);
            if (write && same)
                r->st[S_GROUPS].unchanged++;
            else if (write)
                import_skip(r, false, label,
                     arena_printf(r->a, "the id is usher group '%s''s: not imported", ex_name));
            continue;
        }
        if (ex_id) {
            strmap_put(&r->groups, id, NULL);
            if (write)
                import_skip(r, false, label, arena_printf(r->a, "the name is taken by usher group %s",
                                                   ex_id));
            continue;
        }
        if (!write) {
            strmap_put(&r->groups, id, NULL);
            continue;
        }
        strmap_put(&r->groups, id, id);
        strmap_put(&by_name, lname, id);
        static const int json_cols[] = { OG_DATA, OG_META, OG_PERMISSIONS };
        for (size_t c = 0; c < 3; c++)
            if (row[json_cols[c]] && !owui_json_valid(row[json_cols[c]])) {
                row[json_cols[c]] = NULL;
                r->dropped++;
                import_note(r, true, "%s: imported without its %s (not valid JSON)", label,
                     json_cols[c] == OG_DATA ? "data" : json_cols[c] == OG_META ? "meta"
                                                                               : "permissions");
            }
        if (!row[OG_DESCRIPTION])
            row[OG_DESCRIPTION] = "";
        row[OG_USER_ID] = import_mapped(&r->users, row[OG_USER_ID]);
        if (!row[OG_CREATED_AT])
            row[OG_CREATED_AT] = import_now_text(r);
        if (!row[OG_UPDATED_AT])
            row[OG_UPDATED_AT] = row[OG_CREATED_AT];
        import_queue(r, row, label);
    }
    if (write)
        import_end_step(r);
    strmap_free(&by_id);
    strmap_free(&by_name);
}

static const char *new_id(struct run *r)
{
    char *id = arena_alloc(r->a, 37);
    if (uuid4(id) != 0)
        abort();
    return id;
}

static void do_members(struct run *r, const struct owui_rows *m)
{
    struct db_result ex;
    if (db_import_existing(r->db, r->a, IMPORT_MEMBERS, &ex) != DB_OK) {
        import_note(r, true, "cannot read usher's memberships: %s", db_error(r->db));
        r->st[S_MEMBERS].errors++;
        return;
    }
    struct strmap pairs;
    strmap_init(&pairs);
    for (size_t i = 0; i < ex.nrows; i++)
        strmap_put(&pairs, arena_printf(r->a, "%s\t%s", db_cell(&ex, i, 0), db_cell(&ex, i, 1)),
                   "");
    import_begin_step(r, S_MEMBERS, IMPORT_MEMBERS, m->nrows);
    for (size_t i = 0; i < m->nrows; i++) {
        const char *const *in = m->cells + i * m->ncols;
        const char *label = arena_printf(r->a, "membership of user %s in group %s",
                                         in[OM_USER_ID] ? in[OM_USER_ID] : "NULL",
                                         in[OM_GROUP_ID] ? in[OM_GROUP_ID] : "NULL");
        r->st[S_MEMBERS].read++;
        const char *g = import_mapped(&r->groups, in[OM_GROUP_ID]), *u = import_mapped(&r->users, in[OM_USER_ID]);
        if (!g || !u) {
            import_skip(r, false, label, !g ? "its group is not in usher" : "its user is not in usher");
            continue;
        }
        const char *pair = arena_printf(r->a, "%s\t%s", g, u);
        if (strmap_get(&pairs, pair, NULL)) {
            r->st[S_MEMBERS].unchanged++;
            continue;
        }
        strmap_put(&pairs, pair, "");
        const char *created = in[OM_CREATED_AT] ? in[OM_CREATED_AT] : import_now_text(r);
        const char *row[] = { in[OM_ID] && strlen(in[OM_ID]) <= 64 ? in[OM_ID] : new_id(r), g, u,
                              created, in[OM_UPDATED_AT] ? in[OM_UPDATED_AT] : created };
        import_queue(r, row, label);
    }
    import_end_step(r);
    strmap_free(&pairs);
}

/* ---- config --------------------------------------------------------------------------------- */

static void do_config(struct run *r, struct owui_db *f)
{
    size_t n;
    const char *const *keys = settings_account_keys(&n);
    const char **values = arena_alloc(r->a, n * sizeof(*values));
    char err[512] = "";
    json_object *stored = NULL;
    import_begin_step(r, S_CONFIG, IMPORT_USERS, n);
    if (owui_read_config(f, r->a, keys, n, values, err, sizeof err) != 0 ||
        settings_store_load(r->db, &stored) != DB_OK) {
        import_skip(r, true, "config", err[0] ? err : "cannot read usher's config table");
        return;
    }
    const char **put_keys = arena_alloc(r->a, n * sizeof(*put_keys));
    json_object **put_values = arena_alloc(r->a, n * sizeof(*put_values));
    size_t nput = 0;
    for (size_t i = 0; i < n; i++) {
        if (!values[i])
            continue;
        const char *label = arena_printf(r->a, "config %s", keys[i]);
        r->st[S_CONFIG].read++;
        json_object *v = NULL, *have = NULL;
        enum json_tokener_error e = json_tokener_success;
        v = json_tokener_parse_verbose(values[i], &e);
        if (e != json_tokener_success) {
            import_skip(r, true, label, "not valid JSON");
            continue;
        }
        if (json_object_object_get_ex(stored, keys[i], &have)) {
            bool same = strcmp(json_object_to_json_string_ext(have, JSON_C_TO_STRING_PLAIN),
                               json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)) == 0;
            if (same)
                r->st[S_CONFIG].unchanged++;
            else
                import_skip(r, false, label, "usher has its own value: kept");
            json_object_put(v);
            continue;
        }
        put_keys[nput] = keys[i];
        put_values[nput++] = v;
    }
    if (nput && !r->dry && settings_store_put_many(r->db, put_keys, put_values, nput) != DB_OK)
        import_skip(r, true, "config", arena_printf(r->a, "usher's database refused it: %s",
                                             db_error(r->db)));
    else
        r->st[S_CONFIG].imported += nput;
    for (size_t i = 0; i < nput; i++)
        json_object_put(put_values[i]);
    json_object_put(stored);
    r->done = r->total = r->st[S_CONFIG].read;
    import_progress(r, true);
}

/* ---- resources and grants -------------------------------------------------------------- */

static void do_resources(struct run *r, struct owui_db *f)
{
    static const char *const names[] = { "model", "knowledge", "tool" };
    static const enum import_table tables[] = { IMPORT_MODELS, IMPORT_KNOWLEDGE, IMPORT_TOOLS };
    char err[512] = "";
    for (size_t t = 0; t < 3; t++) {
        struct owui_rows rows;
        struct db_result ex;
        if (owui_read_resources(f, r->a, names[t], &rows, err, sizeof err) != 0 ||
            db_import_existing(r->db, r->a, tables[t], &ex) != DB_OK) {
            r->step = S_RESOURCES;
            import_skip(r, true, names[t], err[0] ? err : db_error(r->db));
            continue;
        }
        struct strmap have;
        strmap_init(&have);
        for (size_t i = 0; i < ex.nrows; i++)
            strmap_put(&have, db_cell(&ex, i, 0), "");
        import_begin_step(r, S_RESOURCES, tables[t], rows.nrows);
        r->what = names[t];
        for (size_t i = 0; i < rows.nrows; i++) {
            const char *const *in = rows.cells + i * rows.ncols;
            const char *label = arena_printf(r->a, "%s %s", names[t],
                                             in[OR_ID] ? in[OR_ID] : "NULL");
            r->st[S_RESOURCES].read++;
            if (!in[OR_ID] || strlen(in[OR_ID]) > 255) {
                import_skip(r, true, label, "no id, or one longer than 255 characters");
                continue;
            }
            if (strmap_get(&have, in[OR_ID], NULL)) {
                r->st[S_RESOURCES].unchanged++;
                continue;
            }
            strmap_put(&have, in[OR_ID], "");
            const char *created = in[OR_CREATED_AT] ? in[OR_CREATED_AT] : import_now_text(r);
            const char *owner = import_mapped(&r->users, in[OR_USER_ID]);
            const char *name = in[OR_NAME] ? in[OR_NAME] : in[OR_ID];
            const char *updated = in[OR_UPDATED_AT] ? in[OR_UPDATED_AT] : created;
            const char *active = in[OR_IS_ACTIVE] && strcmp(in[OR_IS_ACTIVE], "0") == 0 ? "0" : "1";
            const char *model[] = { in[OR_ID], owner, name, active, created, updated };
            const char *other[] = { in[OR_ID], owner, name, created, updated };
            import_queue(r, t == 0 ? model : other, label);
        }
        import_end_step(r);
        strmap_free(&have);
    }
    r->what = NULL;
}

static void do_grants(struct run *r, const struct owui_rows *g)
{
    struct db_result ex;
    if (db_import_existing(r->db, r->a, IMPORT_GRANTS, &ex) != DB_OK) {
        import_note(r, true, "cannot read usher's grants: %s", db_error(r->db));
        r->st[S_GRANTS].errors++;
        return;
    }
    struct strmap have;
    strmap_init(&have);
    for (size_t i = 0; i < ex.nrows; i++)
        strmap_put(&have, arena_printf(r->a, "%s\t%s\t%s\t%s\t%s", db_cell(&ex, i, 0),
                                       db_cell(&ex, i, 1), db_cell(&ex, i, 2),
                                       db_cell(&ex, i, 3), db_cell(&ex, i, 4)), "");
    import_begin_step(r, S_GRANTS, IMPORT_GRANTS, g->nrows);
    for (size_t i = 0; i < g->nrows; i++) {
        const char *const *in = g->cells + i * g->ncols;
        const char *type = in[OA_RESOURCE_TYPE], *rid = in[OA_RESOURCE_ID];
        const char *pt = in[OA_PRINCIPAL_TYPE], *pid = in[OA_PRINCIPAL_ID];
        const char *perm = in[OA_PERMISSION];
        const char *label = arena_printf(r->a, "grant %s on %s %s to %s %s",
                                         perm ? perm : "NULL", type ? type : "NULL",
                                         rid ? rid : "NULL", pt ? pt : "NULL", pid ? pid : "NULL");
        r->st[S_GRANTS].read++;
        if (!type || !rid || !pt || !pid || !perm || strlen(type) > 32 || strlen(rid) > 255 ||
            (strcmp(perm, "read") != 0 && strcmp(perm, "write") != 0) ||
            (strcmp(pt, "user") != 0 && strcmp(pt, "group") != 0 && strcmp(pt, "anyone") != 0)) {
            import_skip(r, true, label, "not a grant usher knows (principal user, group or anyone; "
                                 "permission read or write)");
            continue;
        }
        const char *to = strcmp(pid, "*") == 0 ? pid
                         : strcmp(pt, "user") == 0 ? import_mapped(&r->users, pid)
                         : strcmp(pt, "group") == 0 ? import_mapped(&r->groups, pid) : pid;
        if (!to) {
            import_skip(r, false, label, strcmp(pt, "user") == 0 ? "its user is not in usher"
                                                         : "its group is not in usher");
            continue;
        }
        const char *key = arena_printf(r->a, "%s\t%s\t%s\t%s\t%s", type, rid, pt, to, perm);
        if (strmap_get(&have, key, NULL)) {
            r->st[S_GRANTS].unchanged++;
            continue;
        }
        strmap_put(&have, key, "");
        const char *row[] = { in[OA_ID] && strlen(in[OA_ID]) <= 64 ? in[OA_ID] : new_id(r), type,
                              rid, pt, to, perm, in[OA_CREATED_AT] ? in[OA_CREATED_AT]
                                                                   : import_now_text(r) };
        import_queue(r, row, label);
    }
    import_end_step(r);
    strmap_free(&have);
}

static void warn_legacy(void *ctx, const char *table, const char *id, const char *what)
{
    struct run *r = ctx;
    r->dropped++;
    import_note(r, true, "%s %s: %s", table, id, what);
}

static int read_all(struct owui_db *f, struct run *r, struct owui_rows t[S__COUNT], char *err,
                    size_t errlen)
{
    return owui_read_users(f, r->a, &t[S_USERS], err, errlen) != 0 ||
                   owui_read_keys(f, r->a, &t[S_KEYS], err, errlen) != 0 ||
                   owui_read_groups(f, r->a, &t[S_GROUPS], err, errlen) != 0 ||
                   owui_read_members(f, r->a, &t[S_MEMBERS], warn_legacy, r, err, errlen) != 0 ||
                   owui_read_grants(f, r->a, &t[S_GRANTS], warn_legacy, r, err, errlen) != 0
               ? -1
               : 0;
}

int cli_import(struct db *db, int argc, char **argv)
{
    static const struct option opts[] = {
        { "dry-run", no_argument, NULL, 'n' },
        { "merge-by-email", no_argument, NULL, 'm' },
        { "only", required_argument, NULL, 'o' },
        { "wait", required_argument, NULL, 'w' },
        { NULL, 0, NULL, 0 },
    };
    struct run r = { .db = db, .a = arena_new(1 << 20) };
    /* the account service's rules and door: the name check every door applies, and the
     * audit rows' "usher import" */
    owui_name_check = accounts_name_check;
    r.agent = arena_printf(r.a, "usher %s", account_door_name(DOOR_IMPORT));
    for (int s = 0; s < S__COUNT; s++)
        r.only[s] = true;
    int wait_s = 2, c, rc = 2;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n')
            r.dry = true;
        else if (c == 'm')
            r.merge = true;
        else if (c == 'o' && import_parse_only(&r, optarg) == 0)
            continue;
        else if (c == 'w' && (wait_s = atoi(optarg)) >= 0)
            continue;
        else
            goto usage;
    }
    if (optind != argc - 1)
        goto usage;
    const char *path = argv[optind];
    r.tty = isatty(STDERR_FILENO);
    r.secret = secret_bytes(&r.secret_len);
    if (!r.secret || !r.secret_len)
        r.secret = NULL;
    char err[1024] = "";
    struct owui_db *f = owui_open(path, wait_s * 1000, err, sizeof err);
    struct owui_rows t[S__COUNT];
    if (!f || read_all(f, &r, t, err, sizeof err) != 0) {
        fprintf(stderr, "usherctl import-openwebui: %s\n", err);
        owui_close(f);
        arena_free(r.a);
        free(r.notes);
        return 1;
    }
    r.batch = malloc(IMPORT_BATCH * 25 * sizeof(*r.batch));
    r.labels = malloc(IMPORT_BATCH * sizeof(*r.labels));
    strmap_init(&r.users);
    strmap_init(&r.groups);
    if (!r.batch || !r.labels)
        abort();
    if (!r.secret && (r.only[S_KEYS]))
        import_note(&r, false, "no server secret readable: API keys are stored as digests only "
                        "(they work, but cannot be shown again)");
    /* the id maps come first, so every table can name its users and groups */
    do_users(&r, &t[S_USERS], r.only[S_USERS]);
    if (r.only[S_KEYS])
        do_keys(&r, &t[S_KEYS]);
    do_groups(&r, &t[S_GROUPS], r.only[S_GROUPS]);
    if (r.only[S_MEMBERS])
        do_members(&r, &t[S_MEMBERS]);
    if (r.only[S_CONFIG])
        do_config(&r, f);
    if (r.only[S_RESOURCES])
        do_resources(&r, f);
    if (r.only[S_GRANTS])
        do_grants(&r, &t[S_GRANTS]);
    size_t errors = import_report(&r, path, owui_db_shape(f));
    if (!r.dry) {
        size_t imported = 0;
        for (int s = 0; s < S__COUNT; s++)
            imported += r.st[s].imported;
        db_import_audit_run(db, path, arena_printf(r.a, "imported %zu rows, %zu errors",
                                                   imported, errors),
                            r.agent, errors ? 400 : 200);
    }
    rc = errors ? 1 : 0;
    owui_close(f);
    strmap_free(&r.users);
    strmap_free(&r.groups);
    free(r.batch);
    free(r.labels);
    free(r.notes);
    arena_free(r.a);
    return rc;
usage:
    fprintf(stderr, "usage: usherctl [-c file] import-openwebui [--dry-run] [--merge-by-email] "
                    "[--only users,api_keys,groups,members,config,resources,grants] "
                    "[--wait SECONDS] PATH/webui.db\n");
    arena_free(r.a);
    return rc;
}
