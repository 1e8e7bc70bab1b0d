/* The forms the account service builds from the user field table: which columns each form
 * writes, in the reference's order (pydantic's model order decides the order of 422 items),
 * with the table's limits, required fields and checks. */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "tap.h"
#include "usher/accounts.h"
#include "usher/fields.h"
#include "usher/user.h"

static void names_are(const struct form *f, const char *const *want, size_t n, const char *what)
{
    is_int((long long)f->n, (long long)n, "%s: count", what);
    for (size_t i = 0; i < n && i < f->n; i++)
        is_str(f->fields[i].name, want[i], "%s: %zu", what, i);
}

int main(void)
{
    static const char *const profile[] = { "profile_image_url", "name", "bio", "gender",
                                           "date_of_birth" };
    names_are(&accounts_profile_form, profile, 5, "UpdateProfileForm's fields, in its order");
    static const char *const admin[] = { "role", "name", "email", "profile_image_url",
                                         "password" };
    names_are(&accounts_admin_form, admin, 5, "UserUpdateForm's fields, password last");

    const struct field_spec *p = accounts_profile_form.fields;
    ok(p[0].required && p[1].required && !p[2].required, "image and name required in profile");
    ok(p[2].nullable && !p[1].nullable, "optional profile fields take null");
    is_int(p[4].type, FIELD_DATE, "the birth date is a date");
    is_int((long long)p[1].max_len, 255, "the name's limit from its row");
    ok(p[0].validate != NULL, "the image URL is checked");

    const struct field_spec *a = accounts_admin_form.fields;
    ok(!a[0].required && a[0].nullable, "every admin field is optional");
    ok(a[0].validate && a[0].validate("superuser", 9, NULL) != NULL, "a role outside the three");
    ok(a[0].validate("user", 4, NULL) == NULL, "user is a role");

    size_t n;
    const size_t *cols = accounts_form_columns(USER_FORM_ADMIN, &n);
    is_int((long long)n, 4, "four admin columns");
    is_str(user_fields[cols[2]].column, "email", "the third admin column is the email");
    ok(user_field_at(offsetof(struct user, bio)) &&
       strcmp(user_field_at(offsetof(struct user, bio))->label, "Bio") == 0,
       "a row has its page label");
    return tap_done();
}
