/* The inputs of a user form on the pages, from the user field table (see page.h). */
#include "config.h"
#include "usher/page.h"

#include <string.h>

#include "usher/user.h"

static const char *const role_options[][2] = {
    { "pending", "pending" }, { "user", "user" }, { "admin", "admin" },
};

void page_user_inputs(struct ctx *c, struct html *h, enum user_form form, const struct user *u,
                      const char *failed_form, const char *which, bool own)
{
    for (size_t i = 0; i < user_nfields; i++) {
        const struct user_field *f = &user_fields[i];
        if (!f->form[form] || !f->label)
            continue;
        bool text = f->type != UF_INT && f->type != UF_INT_NULL;
        const char *stored = text ? *(const char *const *)(const void *)((const char *)u + f->offset)
                                  : NULL;
        const char *v = page_value(c, failed_form, which, f->json, stored);
        if (strcmp(f->input, "textarea") == 0)
            page_textarea(h, f->label, f->json, v);
        else if (strcmp(f->input, "role") == 0)
            page_select(h, f->label, f->json, role_options,
                        sizeof(role_options) / sizeof(role_options[0]), v);
        else
            page_input(h, f->label, f->input, f->json, v, own ? f->autocomplete : "off");
    }
}
