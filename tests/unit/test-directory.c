/* Tests of the LDAP sign-in's pure helpers: the RFC 4515 escaping of the typed name and the
 * group name taken from a group DN (libldap's DN parser: RFC 4514 escapes, UTF-8). */
#include "config.h"

#include "usher/arena.h"
#include "usher/directory.h"
#include "tap.h"

#include <string.h>

int main(void)
{
    struct arena *a = arena_new(4096);
    is_str(dir_filter_escape(a, "alice", 5), "alice", "plain name unchanged");
    is_str(dir_filter_escape(a, "a*", 2), "a\\2a", "star escaped");
    is_str(dir_filter_escape(a, "x)(uid=*", 8), "x\\29\\28uid=\\2a", "parentheses escaped");
    is_str(dir_filter_escape(a, "a\\b", 3), "a\\5cb", "backslash escaped");
    is_str(dir_filter_escape(a, "a\0b", 3), "a\\00b", "NUL escaped, never a terminator");
    is_str(dir_filter_escape(a, "D\xc3\xa9v", 4), "D\\c3\\a9v", "bytes above 0x7E escaped");
    is_str(dir_filter_escape(a, "a\nb", 3), "a\\0ab", "control characters escaped");
    is_str(dir_filter_escape(a, "", 0), "", "empty stays empty");

    is_str(dir_group_name(a, "cn=staff,ou=groups,dc=example,dc=org"), "staff", "simple CN");
    is_str(dir_group_name(a, "CN=Staff,OU=Groups"), "Staff", "upper-case type");
    is_str(dir_group_name(a, "cn=Dev\\, Ops,ou=groups"), "Dev, Ops", "escaped comma");
    is_str(dir_group_name(a, "cn=Dev\\2C Ops,ou=groups"), "Dev, Ops", "hex-escaped comma");
    is_str(dir_group_name(a, "cn=D\\C3\\A9veloppeurs,ou=groups"), "D\xc3\xa9veloppeurs",
           "consecutive hex escapes are UTF-8");
    is_str(dir_group_name(a, "cn=D\xc3\xa9v,ou=groups"), "D\xc3\xa9v", "raw UTF-8");
    is_str(dir_group_name(a, "ou=x,cn=inner,dc=org"), "inner", "first CN component");
    is_str(dir_group_name(a, "2.5.4.3=oid,ou=x"), "oid", "CN by its OID");
    is_str(dir_group_name(a, "ou=groups,dc=example"), NULL, "no CN: skipped");
    is_str(dir_group_name(a, "not a dn"), NULL, "not a DN: skipped");
    is_str(dir_group_name(a, "cn=\\FF\\FE,ou=x"), NULL, "not UTF-8: skipped");
    is_str(dir_group_name(a, "cn=a\\00b,ou=x"), NULL, "a NUL: skipped");
    is_str(dir_group_name(a, "cn=#04024869,ou=x"), NULL, "a BER value: skipped");
    is_str(dir_group_name(a, ""), NULL, "empty: skipped");
    arena_free(a);
    return tap_done();
}
