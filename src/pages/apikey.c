/* The API key page: show the key (api_key.retrieval = yes) or say one exists (show-once),
 * create or replace it, delete it. Through the API's handlers (auths_api_key_get,
 * _create, _delete), so their rules (ENABLE_API_KEYS, features.api_keys) and texts hold.
 * With show-once keys, the answer to the create post is the page showing the new key
 * (200, no-store): a redirect would lose it; it is the one post answered without 303. */
#include "config.h"
#include "usher/page.h"

#include <string.h>

#include "usher/api.h"
#include "usher/db.h"
#include "usher/db_apikeys.h"
#include "usher/session.h"
#include "usher/settings.h"
#include "usher/user.h"

static void key_box(struct html *h, const char *key)
{
    html_open(h, "p", "class", "field", NULL);
    html_elem(h, "label", "Your API key (select it and copy)", "for", "api-key", NULL);
    html_void(h, "input", "type", "text", "id", "api-key", "readonly", "", "value", key,
              "class", "key", NULL);
    html_close(h);
}

/* new_key: the key just made (show-once), else NULL. */
static void apikey_render(struct ctx *c, const char *new_key, const char *error, int status)
{
    struct html h;
    page_begin(c, &h, "API key");
    page_alert(&h, error);
    if (request_query(c->req, "deleted"))
        page_notice(&h, "API key deleted.");
    struct page_api_result r;
    bool exists = new_key != NULL;
    const char *shown = new_key;
    if (!new_key && page_api(c, auths_api_key_get, NULL, NULL, &r) == 0) {
        shown = page_json_str(r.json, "api_key");
        exists = true;
    } else if (!new_key && r.status == 404) {
        const char *sealed = NULL;
        if (db_apikey_get_sealed(c->db, c->arena, c->session->user->id, &sealed, &exists) !=
            DB_OK)
            exists = false;
    } else if (!new_key) {
        page_alert(&h, r.error);   /* API keys off, or not permitted */
        page_end(c, &h, error ? status : r.status);
        return;
    }
    if (shown) {
        key_box(&h, shown);
        if (new_key)
            page_notice(&h, "Copy the key now: it is shown only once.");
        html_elem(&h, "p", "Send it as Authorization: Bearer <key>.", "class", "hint", NULL);
    } else if (exists) {
        html_elem(&h, "p", "You have an API key. It was shown once, when it was made.", NULL);
    } else {
        html_elem(&h, "p", "You have no API key.", NULL);
    }
    html_open(&h, "div", "class", "actions", NULL);
    page_form(c, &h, "/account/api-key", NULL);
    page_button(&h, exists ? "Replace API key" : "Create API key", "primary");
    html_close(&h);
    if (exists) {
        page_form(c, &h, "/account/api-key/delete", NULL);
        page_button(&h, "Delete API key", "danger");
        html_close(&h);
    }
    html_close(&h);
    page_end(c, &h, status);
}

void page_apikey_get(struct ctx *c)
{
    apikey_render(c, NULL, NULL, 200);
}

void page_apikey_create(struct ctx *c)
{
    struct page_api_result r;
    if (page_api(c, auths_api_key_create, NULL, NULL, &r) != 0) {
        apikey_render(c, NULL, r.error, r.status);
        return;
    }
    if (settings_env()->api_key_retrievable)
        page_see_other(c, page_url(c, "/account/api-key"));
    else
        apikey_render(c, page_json_str(r.json, "api_key"), NULL, 200);
}

void page_apikey_delete(struct ctx *c)
{
    struct page_api_result r;
    if (page_api(c, auths_api_key_delete, NULL, NULL, &r) != 0) {
        apikey_render(c, NULL, r.error, r.status);
        return;
    }
    page_see_other(c, page_url(c, "/account/api-key?deleted=1"));
}
