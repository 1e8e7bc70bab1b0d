/* The directory half of the LDAP sign-in (openwebui-ldap.md §2 steps 4-7) with libldap.
 * Safer than the reference: the typed name is escaped (RFC 4515), a DN is never bound with
 * an empty password, and the whole attempt has one deadline. libldap times connects and
 * operations out, but its TLS handshake has no timeout of its own; a watchdog thread
 * shuts the attempt's sockets down when the deadline passes, which ends whatever libldap
 * is waiting for. libldap is not linked but loaded on first use (lazylib.h); <ldap.h> gives
 * the types and constants. */
#include "config.h"
#include "usher/directory.h"

#include <errno.h>
#include <ldap.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "usher/arena.h"
#include "usher/lazylib.h"
#include "usher/utf8.h"
#include "usher/log.h"

/* The libldap and liblber functions called here, as ldap_fn.initialize(...) and so on.
 * liblber is libldap's own dependency, so dlsym finds ber_ functions through libldap. */
#define LDAP_FUNCTIONS(X) \
    X(ldap_, str2dn) X(ldap_, dnfree) X(ldap_, get_option) X(ldap_, set_option) \
    X(ldap_, err2string) X(ldap_, memfree) X(ldap_, initialize) X(ldap_, unbind_ext_s) \
    X(ldap_, start_tls_s) X(ldap_, sasl_bind_s) X(ldap_, search_ext_s) X(ldap_, msgfree) \
    X(ldap_, first_entry) X(ldap_, get_dn) X(ldap_, get_values_len) \
    X(ldap_, count_values_len) X(ldap_, value_free_len) X(ber_, sockbuf_ctrl)
#define LDAP_SLOT(prefix, f) __typeof__(&prefix##f) f;
#define LDAP_SYMBOL(prefix, f) { #prefix #f, &ldap_fn.f },
static struct {
    LDAP_FUNCTIONS(LDAP_SLOT)
} ldap_fn;
static const struct lazylib_symbol ldap_symbols[] = { LDAP_FUNCTIONS(LDAP_SYMBOL) };
static struct lazylib libldap = LAZYLIB_INIT(LIBLDAP_SONAME, "LDAP sign-in", ldap_symbols);

char *dir_filter_escape(struct arena *a, const char *value, size_t len)
{
    char *out = arena_alloc(a, len * 3 + 1), *p = out;
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)value[i];
        if (ch == '*' || ch == '(' || ch == ')' || ch == '\\' || ch < 0x20 || ch > 0x7e) {
            *p++ = '\\';
            *p++ = hex[ch >> 4];
            *p++ = hex[ch & 15];
        } else {
            *p++ = (char)ch;
        }
    }
    *p = '\0';
    return out;
}

char *dir_group_name(struct arena *a, const char *dn_text)
{
    LDAPDN dn = NULL;
    if (!lazylib_load(&libldap))
        return NULL;
    if (ldap_fn.str2dn(dn_text, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || !dn)
        return NULL;
    char *name = NULL;
    for (size_t i = 0; dn[i]; i++) {
        for (size_t j = 0; dn[i][j]; j++) {
            const LDAPAVA *ava = dn[i][j];
            const struct berval *t = &ava->la_attr;
            bool is_cn = (t->bv_len == 2 && strncasecmp(t->bv_val, "cn", 2) == 0) ||
                         (t->bv_len == 7 && strncmp(t->bv_val, "2.5.4.3", 7) == 0);
            if (!is_cn)
                continue;
            const struct berval *v = &ava->la_value;
            if (!(ava->la_flags & LDAP_AVA_BINARY) && v->bv_len > 0 &&
                !memchr(v->bv_val, '\0', v->bv_len) && utf8_valid(v->bv_val, v->bv_len))
                name = arena_strndup(a, v->bv_val, v->bv_len);
            goto done;
        }
    }
done:
    ldap_fn.dnfree(dn);
    return name;
}

/* ---- the deadline ------------------------------------------------------------------- */

#define WATCH_FDS 8

struct watchdog {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct timespec deadline;       /* CLOCK_MONOTONIC */
    bool stop, fired, running;
    int fds[WATCH_FDS];
    size_t nfds;
    pthread_t thread;
};

static void *watchdog_run(void *arg)
{
    struct watchdog *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        if (pthread_cond_timedwait(&w->cv, &w->mu, &w->deadline) == ETIMEDOUT && !w->stop) {
            w->fired = true;
            for (size_t i = 0; i < w->nfds; i++)
                shutdown(w->fds[i], SHUT_RDWR);
            break;
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int watchdog_start(struct watchdog *w, int timeout_ms)
{
    memset(w, 0, sizeof(*w));
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    clock_gettime(CLOCK_MONOTONIC, &w->deadline);
    w->deadline.tv_sec += timeout_ms / 1000;
    w->deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (w->deadline.tv_nsec >= 1000000000L) {
        w->deadline.tv_sec++;
        w->deadline.tv_nsec -= 1000000000L;
    }
    if (pthread_create(&w->thread, NULL, watchdog_run, w) != 0)
        return -1;
    w->running = true;
    return 0;
}

static void watchdog_stop(struct watchdog *w)
{
    if (w->running) {
        pthread_mutex_lock(&w->mu);
        w->stop = true;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
        w->running = false;
    }
}

/* After the handles are gone (their close callbacks take the lock). */
static void watchdog_free(struct watchdog *w)
{
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
}

/* Milliseconds left (at least 1, so libldap never takes 0 as "no limit"). */
static int watchdog_left_ms(const struct watchdog *w)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long ms = (long long)(w->deadline.tv_sec - now.tv_sec) * 1000 +
                   (w->deadline.tv_nsec - now.tv_nsec) / 1000000;
    return ms < 1 ? 1 : (int)ms;
}

static int conn_add(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv, struct sockaddr *addr,
                    struct ldap_conncb *ctx)
{
    (void)ld;
    (void)srv;
    (void)addr;
    struct watchdog *w = ctx->lc_arg;
    ber_socket_t fd = -1;
    ldap_fn.sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd);
    pthread_mutex_lock(&w->mu);
    if (w->fired)
        shutdown(fd, SHUT_RDWR);
    else if (w->nfds < WATCH_FDS)
        w->fds[w->nfds++] = fd;
    pthread_mutex_unlock(&w->mu);
    return 0;
}

static void conn_del(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
    (void)ld;
    struct watchdog *w = ctx->lc_arg;
    ber_socket_t fd = -1;
    if (!sb)   /* the handle itself is freed */
        return;
    ldap_fn.sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd);
    pthread_mutex_lock(&w->mu);
    for (size_t i = 0; i < w->nfds; i++)
        if (w->fds[i] == fd) {
            w->fds[i] = w->fds[--w->nfds];
            break;
        }
    pthread_mutex_unlock(&w->mu);
}

/* ---- one attempt ---------------------------------------------------------------------- */

struct attempt {
    const struct dir_settings *s;
    struct arena *a;
    const char *who;                /* the typed name, escaped (safe to log) */
    struct watchdog w;
    struct ldap_conncb cb;
    dir_step_fn step;
    void *step_arg;
};

static void say(struct attempt *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct attempt *t, const char *fmt, ...)
{
    if (!t->step)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *line = arena_vprintf(t->a, fmt, ap);
    va_end(ap);
    t->step(t->step_arg, line);
}

/* Logs a failed step with the directory's error and tells the step callback. */
static enum dir_result fail(struct attempt *t, LDAP *ld, const char *what, int rc)
{
    char *diag = NULL;
    if (ld)
        ldap_fn.get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
    const char *err = rc ? ldap_fn.err2string(rc) : "";
    bool late = false;
    pthread_mutex_lock(&t->w.mu);
    late = t->w.fired;
    pthread_mutex_unlock(&t->w.mu);
    char *msg = arena_printf(t->a, "%s%s%s%s%s%s", what, rc ? ": " : "", err,
                             diag && *diag ? " (" : "", diag && *diag ? diag : "",
                             diag && *diag ? ")" : "");
    if (late)
        msg = arena_printf(t->a, "%s; the deadline of %d ms passed", msg, t->s->timeout_ms);
    ldap_fn.memfree(diag);
    log_warning("ldap sign-in of \"%s\": %s", t->who, msg);
    say(t, "failed: %s", msg);
    return DIR_FAILED;
}

static const char *uri_of(struct attempt *t)
{
    const struct dir_settings *s = t->s;
    bool v6 = strchr(s->host, ':') != NULL;
    char port[16] = "";
    if (s->port > 0)
        snprintf(port, sizeof(port), ":%d", s->port);
    return arena_printf(t->a, "%s://%s%s%s%s/", s->use_tls ? "ldaps" : "ldap", v6 ? "[" : "",
                        s->host, v6 ? "]" : "", port);
}

/* A handle with the options and the TLS context of the settings (no traffic yet). */
static enum dir_result open_handle(struct attempt *t, LDAP **out)
{
    const struct dir_settings *s = t->s;
    LDAP *ld = NULL;
    *out = NULL;
    int rc = ldap_fn.initialize(&ld, uri_of(t));
    if (rc != LDAP_SUCCESS)
        return fail(t, NULL, "the server address", rc);
    int v3 = LDAP_VERSION3;
    int require = s->validate_cert ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER;
    int zero = 0;
    ldap_fn.set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
    ldap_fn.set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    ldap_fn.set_option(ld, LDAP_OPT_CONNECT_CB, &t->cb);
    bool tls_bad =
        ldap_fn.set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &require) != LDAP_OPT_SUCCESS;
    if (!tls_bad && s->ca_file[0])
        tls_bad = ldap_fn.set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, s->ca_file) != LDAP_OPT_SUCCESS;
    if (!tls_bad && s->ciphers[0] && strcmp(s->ciphers, "ALL") != 0)
        tls_bad =
            ldap_fn.set_option(ld, LDAP_OPT_X_TLS_CIPHER_SUITE, s->ciphers) != LDAP_OPT_SUCCESS;
    if (!tls_bad)
        tls_bad = ldap_fn.set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS;
    if (tls_bad) {
        log_warning("ldap sign-in of \"%s\": the TLS settings are refused (CA file \"%s\", "
                    "ciphers \"%s\")", t->who, s->ca_file, s->ciphers);
        say(t, "failed: the TLS settings are refused (CA file \"%s\", ciphers \"%s\")",
            s->ca_file, s->ciphers);
        ldap_fn.unbind_ext_s(ld, NULL, NULL);
        return DIR_TLS_CONFIG;
    }
    *out = ld;
    return DIR_OK;
}

/* Sets the handle's limits to what is left of the deadline. */
static void limit(struct attempt *t, LDAP *ld, struct timeval *tv)
{
    int ms = watchdog_left_ms(&t->w);
    tv->tv_sec = ms / 1000;
    tv->tv_usec = (ms % 1000) * 1000;
    ldap_fn.set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, tv);
    ldap_fn.set_option(ld, LDAP_OPT_TIMEOUT, tv);
}

/* Connects (StartTLS when asked) and binds as dn with password (dn "": anonymous). */
static enum dir_result connect_bind(struct attempt *t, LDAP **out, const char *dn,
                                    const char *password, const char *who)
{
    LDAP *ld;
    enum dir_result r = open_handle(t, &ld);
    if (r != DIR_OK)
        return r;
    *out = ld;
    struct timeval tv;
    if (t->s->start_tls && !t->s->use_tls) {
        limit(t, ld, &tv);
        int rc = ldap_fn.start_tls_s(ld, NULL, NULL);
        if (rc != LDAP_SUCCESS)
            return fail(t, ld, "StartTLS", rc);
    }
    if (dn[0] && !password[0])   /* an unauthenticated bind (RFC 4513 §5.1.2): never */
        return fail(t, ld, arena_printf(t->a, "%s bind refused: a DN with an empty password", who), 0);
    struct berval cred = { strlen(password), arena_strdup(t->a, password) };
    limit(t, ld, &tv);
    int rc = ldap_fn.sasl_bind_s(ld, dn[0] ? dn : NULL, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
    if (rc != LDAP_SUCCESS)
        return fail(t, ld, arena_printf(t->a, "%s bind", who), rc);
    return DIR_OK;
}

/* The values of attr in e, or NULL; free with ldap_value_free_len. */
static struct berval **values(LDAP *ld, LDAPMessage *e, const char *attr)
{
    return attr && *attr ? ldap_fn.get_values_len(ld, e, attr) : NULL;
}

static char *lower_copy(struct arena *a, const char *s, size_t len)
{
    char *o = arena_strndup(a, s, len);
    for (size_t i = 0; i < len; i++)
        if (o[i] >= 'A' && o[i] <= 'Z')
            o[i] = (char)(o[i] - 'A' + 'a');
    return o;
}

/* The search and what the entry says (steps 3-6). */
static enum dir_result find_entry(struct attempt *t, LDAP *ld, const char *user,
                                  size_t user_len, struct dir_identity *out)
{
    const struct dir_settings *s = t->s;
    char *lower = lower_copy(t->a, user, user_len);
    const char *filter = arena_printf(t->a, "(&(%s=%s)%s)", s->attr_username,
                                      dir_filter_escape(t->a, lower, user_len), s->search_filters);
    say(t, "search under \"%s\" with the filter %s", s->search_base, filter);
    char *attrs[] = { arena_strdup(t->a, s->attr_username), arena_strdup(t->a, s->attr_mail),
                      arena_strdup(t->a, "cn"),
                      s->group_management ? arena_strdup(t->a, s->attr_groups) : NULL, NULL };
    struct timeval tv;
    limit(t, ld, &tv);
    LDAPMessage *res = NULL;
    int rc = ldap_fn.search_ext_s(ld, s->search_base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL,
                               NULL, &tv, 0, &res);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
        ldap_fn.msgfree(res);
        return fail(t, ld, "search", rc);
    }
    LDAPMessage *e = ldap_fn.first_entry(ld, res);
    if (!e) {
        ldap_fn.msgfree(res);
        return fail(t, ld, "user not found in the directory", 0);
    }
    enum dir_result r = DIR_OK;
    char *dn = ldap_fn.get_dn(ld, e);
    struct berval **mail = values(ld, e, s->attr_mail);
    struct berval **names = values(ld, e, s->attr_username);
    struct berval **cn = values(ld, e, "cn");
    struct berval **groups = s->group_management ? values(ld, e, s->attr_groups) : NULL;
    out->dn = arena_strdup(t->a, dn ? dn : "");
    say(t, "found %s", out->dn);
    if (!mail || !mail[0] || !mail[0]->bv_len || memchr(mail[0]->bv_val, 0, mail[0]->bv_len)) {
        r = fail(t, ld, arena_printf(t->a, "%s has no valid %s", out->dn, s->attr_mail), 0);
        goto out;
    }
    out->mail = lower_copy(t->a, mail[0]->bv_val, mail[0]->bv_len);
    say(t, "mail %s", out->mail);
    bool match = false;
    for (size_t i = 0; names && names[i] && !match; i++)
        match = names[i]->bv_len == user_len &&
                memcmp(lower_copy(t->a, names[i]->bv_val, user_len), lower, user_len) == 0;
    if (!match) {
        r = fail(t, ld, arena_printf(t->a, "%s: the %s does not match the typed name", out->dn,
                                     s->attr_username), 0);
        goto out;
    }
    if (!cn || !cn[0] || memchr(cn[0]->bv_val, 0, cn[0]->bv_len)) {
        r = fail(t, ld, arena_printf(t->a, "%s has no cn", out->dn), 0);
        goto out;
    }
    out->cn = arena_strndup(t->a, cn[0]->bv_val, cn[0]->bv_len);
    say(t, "cn %s", out->cn);
    size_t ng = groups ? (size_t)ldap_fn.count_values_len(groups) : 0;
    out->groups = arena_calloc(t->a, ng + 1, sizeof(*out->groups));
    for (size_t i = 0; i < ng; i++) {
        if (memchr(groups[i]->bv_val, 0, groups[i]->bv_len))
            continue;
        char *g = dir_group_name(t->a, arena_strndup(t->a, groups[i]->bv_val, groups[i]->bv_len));
        if (g)
            out->groups[out->ngroups++] = g;
    }
    if (s->group_management) {
        const char *list = "";
        for (size_t i = 0; i < out->ngroups; i++)
            list = arena_printf(t->a, "%s%s\"%s\"", list, i ? ", " : "", out->groups[i]);
        say(t, "groups %s", out->ngroups ? list : "(none)");
    }
out:
    ldap_fn.memfree(dn);
    ldap_fn.value_free_len(mail);
    ldap_fn.value_free_len(names);
    ldap_fn.value_free_len(cn);
    ldap_fn.value_free_len(groups);
    ldap_fn.msgfree(res);
    return r;
}

enum dir_result dir_signin(const struct dir_settings *s, struct arena *a, const char *user,
                           size_t user_len, const char *password, struct dir_identity *out,
                           dir_step_fn step, void *step_arg)
{
    struct attempt t = { .s = s, .a = a, .step = step, .step_arg = step_arg };
    t.who = dir_filter_escape(a, user, user_len);
    t.cb.lc_add = conn_add;
    t.cb.lc_del = conn_del;
    t.cb.lc_arg = &t.w;
    memset(out, 0, sizeof(*out));
    const char *mode = s->use_tls ? "LDAPS" : s->start_tls ? "StartTLS" : "none (plain LDAP)";
    say(&t, "server %s, TLS: %s%s", uri_of(&t), mode,
        s->use_tls || s->start_tls ? (s->validate_cert ? ", certificate checked" : ", certificate not checked") : "");
    if (!password[0]) {
        log_warning("ldap sign-in of \"%s\": empty password refused", t.who);
        say(&t, "failed: empty password");
        return DIR_FAILED;
    }
    /* Step 4: the TLS parameters, before any traffic. */
    if (s->ca_file[0] && access(s->ca_file, R_OK) != 0) {
        log_warning("ldap sign-in of \"%s\": CA file \"%s\": %s", t.who, s->ca_file, strerror(errno));
        say(&t, "failed: CA file \"%s\": %s", s->ca_file, strerror(errno));
        return DIR_TLS_CONFIG;
    }
    if (!lazylib_load(&libldap)) {   /* logged once by lazylib_load */
        say(&t, "failed: %s", lazylib_error(&libldap));
        return DIR_FAILED;
    }
    if (watchdog_start(&t.w, s->timeout_ms > 0 ? s->timeout_ms : 5000) != 0) {
        log_error("ldap sign-in: cannot start the deadline thread");
        watchdog_free(&t.w);
        return DIR_FAILED;
    }
    LDAP *app = NULL, *usr = NULL;
    enum dir_result r = connect_bind(&t, &app, s->app_dn, s->app_password, "application");
    if (r == DIR_OK)
        say(&t, "application bind %s: ok", s->app_dn[0] ? s->app_dn : "(anonymous)");
    if (r == DIR_OK)
        r = find_entry(&t, app, user, user_len, out);
    if (r == DIR_OK) {
        r = connect_bind(&t, &usr, out->dn, password, "user");
        if (r == DIR_OK)
            say(&t, "user bind %s: ok", out->dn);
    }
    watchdog_stop(&t.w);
    if (app)
        ldap_fn.unbind_ext_s(app, NULL, NULL);
    if (usr)
        ldap_fn.unbind_ext_s(usr, NULL, NULL);
    watchdog_free(&t.w);
    return r;
}
