/* Unit tests: the OpenID Connect helpers without I/O (oidc.c, webfetch.c) and the sealing of
 * a stored token answer (sealed.c with a few KiB). */
#include "config.h"

#include "usher/oidc.h"
#include "usher/sealed.h"
#include "usher/webfetch.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "tap.h"

static bool v4_global(const char *ip)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    inet_pton(AF_INET, ip, &a.sin_addr);
    return webfetch_addr_global((const struct sockaddr *)&a);
}

static bool v6_global(const char *ip)
{
    struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return webfetch_addr_global((const struct sockaddr *)&a);
}

int main(void)
{
    /* PKCE S256: RFC 7636 appendix B */
    char ch[44];
    oidc_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", ch);
    is_str(ch, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256 challenge of RFC 7636's verifier");

    char a[44], b[44];
    ok(oidc_random_token(a, 43) == 0 && oidc_random_token(b, 43) == 0 && strlen(a) == 43 &&
       strcmp(a, b) != 0, "random tokens: 43 characters, different");
    bool alnum = true;
    for (const char *p = a; *p; p++)
        alnum = alnum && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'));
    ok(alnum, "random tokens are alphanumeric");

    /* next= */
    ok(oidc_next_ok("/usher/account", "/usher/"), "next: a page");
    ok(oidc_next_ok("/usher/admin/users?x=1", "/usher/"), "next: a page with a query");
    ok(!oidc_next_ok("//evil.example/usher/", "/usher/"), "next: //host");
    ok(!oidc_next_ok("/\\evil.example", "/usher/"), "next: /\\host");
    ok(!oidc_next_ok("https://evil.example/usher/", "/usher/"), "next: a URL with a scheme");
    ok(!oidc_next_ok("/api/v1/auths/", "/usher/"), "next: outside the pages");
    ok(!oidc_next_ok("/usher/../api/v1/users/", "/usher/"), "next: dot segments");
    ok(!oidc_next_ok("/usher/\naccount", "/usher/"), "next: a control character");
    ok(!oidc_next_ok(NULL, "/usher/"), "next: none");
    ok(!oidc_next_ok("/usher/..", "/usher/"), "next: a final dot-dot segment");
    ok(!oidc_next_ok("/usher/./account", "/usher/"), "next: a dot segment");
    ok(!oidc_next_ok("/usher/..%2f..%2fauth", "/usher/"), "next: encoded slashes");
    ok(!oidc_next_ok("/usher/%2E%2E/x", "/usher/"), "next: encoded dots");
    ok(oidc_next_ok("/usher/account?tab=a..b", "/usher/"), "next: dots in the query are fine");
    ok(oidc_next_ok("/usher/admin/users/x.y", "/usher/"), "next: a dot inside a segment");

    /* blocked groups */
    const char *bl = "[\"admins\", \"ext-*\", \"^team-[0-9]+$\"]";
    ok(oidc_group_blocked(bl, "admins"), "blocked: exact name");
    ok(oidc_group_blocked(bl, "ext-partners"), "blocked: shell pattern");
    ok(oidc_group_blocked(bl, "team-42"), "blocked: regular expression");
    ok(!oidc_group_blocked(bl, "team-x"), "not blocked: the expression does not match");
    ok(!oidc_group_blocked(bl, "staff"), "not blocked: no entry");
    ok(!oidc_group_blocked("not json", "staff"), "a block list that is not JSON blocks nothing");

    /* claims by dotted path */
    struct json_object *cl = json_tokener_parse("{\"realm_access\":{\"roles\":[\"admin\"]},\"sub\":\"x\"}");
    struct json_object *r = oidc_claim(cl, "realm_access.roles");
    ok(r && json_object_is_type(r, json_type_array), "a nested claim");
    ok(oidc_claim(cl, "realm_access.nope") == NULL && oidc_claim(cl, "sub.x") == NULL,
       "missing nested claims");
    json_object_put(cl);

    /* URLs the client accepts */
    ok(webfetch_url_ok("https://idp.example/.well-known/openid-configuration"), "https URL");
    ok(webfetch_url_ok("http://127.0.0.1:8080/x"), "http URL with a port");
    ok(!webfetch_url_ok("ftp://idp.example/x"), "ftp refused");
    ok(!webfetch_url_ok("file:///etc/passwd"), "file refused");
    ok(!webfetch_url_ok("https:///x"), "no host refused");
    ok(!webfetch_url_ok("https://idp.example/a\\b"), "backslash refused");
    ok(!webfetch_url_ok("https://idp.example/a\tb"), "tab refused");

    /* global addresses (the picture's rule) */
    ok(v4_global("93.184.216.34"), "a public IPv4 address");
    ok(!v4_global("127.0.0.1") && !v4_global("10.1.2.3") && !v4_global("192.168.1.1") &&
       !v4_global("172.16.0.1") && !v4_global("169.254.169.254") && !v4_global("100.64.0.1") &&
       !v4_global("0.0.0.0"), "loopback, private, link-local, CGNAT, unspecified refused");
    ok(v6_global("2606:4700::1111"), "a public IPv6 address");
    ok(!v6_global("::1") && !v6_global("fe80::1") && !v6_global("fd00::1") &&
       !v6_global("::ffff:127.0.0.1") && !v6_global("::"), "IPv6 loopback, link-local, ULA, mapped refused");

    /* sealing a token answer of a few KiB: round trip, bound to the session id */
    static const unsigned char key[] = "0123456789abcdef0123456789abcdef";
    char plain[5000];
    memset(plain, 'x', sizeof(plain) - 1);
    plain[sizeof(plain) - 1] = '\0';
    memcpy(plain, "{\"id_token\":\"", 13);
    char *s = sealed_make("t", plain, strlen(plain), "sid-1", key, 32, "test");
    ok(s != NULL, "a 5 KiB answer seals");
    long n = sealed_plain_len(s);
    is_int(n, (long)strlen(plain), "sealed_plain_len gives the plaintext's length");
    char *out = malloc((size_t)n + 1);
    ok(sealed_open("t", s, (size_t)n, "sid-1", key, 32, out) == 0 && strcmp(out, plain) == 0,
       "it opens with the same key and session id");
    ok(sealed_open("t", s, (size_t)n, "sid-2", key, 32, out) != 0, "not with another session id");
    static const unsigned char other[] = "1123456789abcdef0123456789abcdef";
    ok(sealed_open("t", s, (size_t)n, "sid-1", other, 32, out) != 0, "not with another key");
    ok(strstr(s, "id_token") == NULL, "the sealed text shows nothing of the answer");
    /* the cost of sealing and of opening one answer, in CPU time (printed, never asserted) */
    struct timespec t0, t1, t2;
    char *xs[200];
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (int i = 0; i < 200; i++)
        xs[i] = sealed_make("t", plain, strlen(plain), "sid-1", key, 32, "test");
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    for (int i = 0; i < 200; i++)
        sealed_open("t", xs[i], (size_t)n, "sid-1", key, 32, out);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t2);
    for (int i = 0; i < 200; i++)
        free(xs[i]);
    printf("# a %zu-byte answer: seal %.1f us, open %.1f us (CPU time each)\n", strlen(plain),
           ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 200 / 1000,
           ((double)(t2.tv_sec - t1.tv_sec) * 1e9 + (double)(t2.tv_nsec - t1.tv_nsec)) / 200 / 1000);
    free(out);
    free(s);
    ok(sealed_plain_len("abc") < 0 && sealed_plain_len("") < 0, "too short to be sealed");

    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}
