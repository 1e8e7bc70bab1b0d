/* usher.conf parsing: a complete good file, every kind of bad line with its line number,
 * the environment overrides, and the size/duration/listen helpers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "usher/config.h"

static char tmpdir[] = "/tmp/usher-test-config-XXXXXX";

/* Writes text to a new temporary file; returns its malloc'd path. */
static char *write_temp(const char *text)
{
    char *path = malloc(strlen(tmpdir) + 32);
    if (!path)
        exit(99);
    sprintf(path, "%s/conf-XXXXXX", tmpdir);
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        exit(99);
    }
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len) {
        perror("write");
        exit(99);
    }
    close(fd);
    return path;
}

/* Every key the env pass knows, so one test cannot leak into the next. */
static const char *const env_keys[] = {
    "USHER_POOL", "USHER_LISTEN", "USHER_LISTEN_MODE", "USHER_LISTEN_OWNER",
    "USHER_LISTEN_GROUP", "USHER_LISTEN_BACKLOG", "USHER_PM", "USHER_PM_MAX_CHILDREN",
    "USHER_PM_MAX_REQUESTS", "USHER_PING_PATH", "USHER_PING_RESPONSE", "USHER_PM_STATUS_PATH",
    "USHER_REQUEST_TERMINATE_TIMEOUT", "USHER_REQUEST_BODY_MAX", "USHER_ERROR_LOG",
    "USHER_LOG_LEVEL", "USHER_DATA_DIR", "USHER_USER", "USHER_GROUP", "USHER_DB_SOCKET",
    "USHER_DB_HOST", "USHER_DB_PORT", "USHER_DB_USER", "USHER_DB_PASSWORD",
    "USHER_DB_PASSWORD_FILE", "USHER_DB_NAME", "USHER_SECRET_KEY",
};

static void clear_env(void)
{
    for (size_t i = 0; i < sizeof(env_keys) / sizeof(env_keys[0]); i++)
        unsetenv(env_keys[i]);
}

static void test_defaults(void)
{
    struct usher_config c;
    char err[512] = "";
    is_int(config_load(NULL, &c, err, sizeof(err)), 0, "defaults load without a file");
    is_str(c.pool_name, "usher", "default pool name");
    ok(c.listen == NULL, "default listen is unset (fd 0)");
    is_int(c.listen_mode, 0660, "default listen.mode");
    is_int(c.listen_backlog, 511, "default listen.backlog");
    is_int(c.pm_max_children, 5, "default pm.max_children");
    is_int(c.pm_max_requests, 0, "default pm.max_requests");
    ok(c.ping_path == NULL && c.status_path == NULL, "ping and status are off by default");
    is_str(c.ping_response, "pong", "default ping.response");
    is_int(c.request_terminate_timeout, 0, "default request_terminate_timeout");
    is_int(c.request_body_max, 1024 * 1024, "default request_body_max");
    is_int(c.active_interval, 60, "default active_interval");
    is_int(c.signin_rate_limit, 15, "default signin.rate_limit");
    is_int(c.bcrypt_cost, 12, "default bcrypt.cost");
    ok(c.api_key_retrievable, "default api_key.retrieval");
    is_str(c.log_level, "notice", "default log_level");
    is_str(c.data_dir, ".", "default data_dir");
    is_int(c.db_port, 3306, "default db.port");
    is_str(c.db_name, "usher", "default db.name");
    ok(c.source_path == NULL, "no source path without a file");
    config_free(&c);
    ok(c.pool_name == NULL && c.pm_max_children == 0, "config_free zeroes the struct");
}

static void test_good_file(void)
{
    char *pwfile = write_temp("s3cret;#pw\nsecond line ignored\n");
    char text[2048];
    snprintf(text, sizeof(text),
             "; usher.conf\n"
             "# another comment style\n"
             "\n"
             "[www]\n"
             "listen = /run/usher/usher.sock\n"
             "listen.mode = 0600\n"
             "listen.owner = www-data\n"
             "  listen.group=www-data  \n"
             "listen.backlog = 1024\n"
             "pm = static\n"
             "pm.max_children = 12\n"
             "pm.max_requests = 500\n"
             "ping.path = /ping\n"
             "ping.response = \"ok then\"\n"
             "pm.status_path = /status\n"
             "request_terminate_timeout = 2m\n"
             "request_body_max = 512k\n"
             "error_log = /var/log/usher.log\n"
             "log_level = debug\n"
             "data_dir = /var/lib/usher\n"
             "user = usher\n"
             "group = usher\n"
             "db.socket = /run/mysqld/mysqld.sock\n"
             "db.host = 127.0.0.1\n"
             "db.port = 3307\n"
             "db.user = usher\n"
             "db.password_file = %s\n"
             "db.name = accounts\n"
             "secret_key = 'abc def'\n"
             "active_interval = 5m\n"
             "signin.rate_limit = 30\n"
             "bcrypt.cost = 10\n"
             "api_key.retrieval = no\n",
             pwfile);
    char *path = write_temp(text);
    struct usher_config c;
    char err[512] = "";
    int rc = config_load(path, &c, err, sizeof(err));
    is_int(rc, 0, "good file loads");
    if (rc != 0)
        printf("# error: %s\n", err);
    is_str(c.pool_name, "www", "[www] names the pool");
    is_str(c.listen, "/run/usher/usher.sock", "listen");
    is_int(c.listen_mode, 0600, "listen.mode is octal");
    is_str(c.listen_owner, "www-data", "listen.owner");
    is_str(c.listen_group, "www-data", "listen.group without blanks around '='");
    is_int(c.listen_backlog, 1024, "listen.backlog");
    is_int(c.pm_max_children, 12, "pm.max_children");
    is_int(c.pm_max_requests, 500, "pm.max_requests");
    is_str(c.ping_path, "/ping", "ping.path");
    is_str(c.ping_response, "ok then", "double quotes are stripped");
    is_str(c.status_path, "/status", "pm.status_path");
    is_int(c.request_terminate_timeout, 120, "2m is 120 seconds");
    is_int(c.request_body_max, 512 * 1024, "512k");
    is_str(c.error_log, "/var/log/usher.log", "error_log");
    is_str(c.log_level, "debug", "log_level");
    is_str(c.data_dir, "/var/lib/usher", "data_dir");
    is_str(c.user, "usher", "user");
    is_str(c.group, "usher", "group");
    is_str(c.db_socket, "/run/mysqld/mysqld.sock", "db.socket");
    is_str(c.db_host, "127.0.0.1", "db.host");
    is_int(c.db_port, 3307, "db.port");
    is_str(c.db_user, "usher", "db.user");
    is_str(c.db_password, "s3cret;#pw", "db.password_file: first line, ';' and '#' kept");
    is_str(c.db_name, "accounts", "db.name");
    is_str(c.secret_key, "abc def", "single quotes are stripped");
    is_int(c.active_interval, 300, "active_interval 5m");
    is_int(c.signin_rate_limit, 30, "signin.rate_limit");
    is_int(c.bcrypt_cost, 10, "bcrypt.cost");
    ok(!c.api_key_retrievable, "api_key.retrieval = no");
    is_str(c.source_path, path, "source_path remembers the file");
    config_free(&c);
    unlink(path);
    unlink(pwfile);
    free(path);
    free(pwfile);
}

/* Keys that are set twice: the later line wins; "pool =" after [section] renames. */
static void test_later_wins(void)
{
    char *path = write_temp("[www]\npool = other\npm.max_children = 3\npm.max_children = 4\n"
                            "ping.path = /ping\nping.path =\n");
    struct usher_config c;
    char err[512] = "";
    is_int(config_load(path, &c, err, sizeof(err)), 0, "repeated keys load");
    is_str(c.pool_name, "other", "pool = after [www] wins");
    is_int(c.pm_max_children, 4, "the last pm.max_children wins");
    ok(c.ping_path == NULL, "an empty value turns ping.path off");
    config_free(&c);
    unlink(path);
    free(path);
}

struct bad_case {
    const char *text;
    int line;
    const char *reason;        /* expected text after "FILE:LINE: " */
};

static const struct bad_case bad_cases[] = {
    { "pm.max_children = 5\nnot a key value line\n", 2, "expected 'key = value'" },
    { "= 5\n", 1, "expected 'key = value'" },
    { "; ok\nfoo = bar\n", 2, "unknown key 'foo'" },
    { "env[PATH] = /bin\n", 1, "unknown key 'env[PATH]'" },
    { "pm = dynamic\n", 1, "pm: 'dynamic' is not supported yet; use pm = static" },
    { "pm = ondemand\n", 1, "pm: 'ondemand' is not supported yet; use pm = static" },
    { "pm = fast\n", 1, "pm: expected 'static', got 'fast'" },
    { "bcrypt.cost = 3\n", 1, "bcrypt.cost: expected a whole number from 4 to 31, got '3'" },
    { "api_key.retrieval = maybe\n", 1, "api_key.retrieval: expected yes or no, got 'maybe'" },
    { "signin.rate_limit = 0\n", 1, "signin.rate_limit: expected a whole number from 1 to 1000000, got '0'" },
    { "pm.max_children = 0\n", 1, "pm.max_children: expected a whole number from 1 to 512, got '0'" },
    { "pm.max_children = 513\n", 1, "pm.max_children: expected a whole number from 1 to 512, got '513'" },
    { "\n\npm.max_children = five\n", 3, "pm.max_children: expected a whole number from 1 to 512, got 'five'" },
    { "pm.max_children = 5x\n", 1, "pm.max_children: expected a whole number from 1 to 512, got '5x'" },
    { "pm.max_children =\n", 1, "pm.max_children: a value is required" },
    { "pm.max_requests = -1\n", 1, "pm.max_requests: expected a whole number from 0 to 9223372036854775807, got '-1'" },
    { "listen.mode = 0698\n", 1, "listen.mode: expected an octal mode such as 0660, got '0698'" },
    { "listen.mode = 17777\n", 1, "listen.mode: expected an octal mode such as 0660, got '17777'" },
    { "listen.backlog = 0\n", 1, "listen.backlog: expected a whole number from 1 to 65535, got '0'" },
    { "listen = usher.sock\n", 1, "listen: 'usher.sock' is neither a unix socket path (it must contain a '/', e.g. ./usher.sock) nor [host:]port with a port from 1 to 65535" },
    { "listen = 127.0.0.1:70000\n", 1, "listen: '127.0.0.1:70000' is neither a unix socket path (it must contain a '/', e.g. ./usher.sock) nor [host:]port with a port from 1 to 65535" },
    { "listen = ::1:9000\n", 1, "listen: '::1:9000' is neither a unix socket path (it must contain a '/', e.g. ./usher.sock) nor [host:]port with a port from 1 to 65535" },
    { "listen = /tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n", 1, "listen: unix socket path is longer than 107 bytes" },
    { "request_terminate_timeout = 10x\n", 1, "request_terminate_timeout: expected seconds such as 30, 30s, 2m or 1h, got '10x'" },
    { "request_terminate_timeout = -5\n", 1, "request_terminate_timeout: expected seconds such as 30, 30s, 2m or 1h, got '-5'" },
    { "request_body_max = 2G\n", 1, "request_body_max: expected a size from 1 to 1G such as 1048576, 512k or 1M, got '2G'" },
    { "request_body_max = 1MB\n", 1, "request_body_max: expected a size from 1 to 1G such as 1048576, 512k or 1M, got '1MB'" },
    { "request_body_max = 0\n", 1, "request_body_max: expected a size from 1 to 1G such as 1048576, 512k or 1M, got '0'" },
    { "log_level = verbose\n", 1, "log_level: expected error, warning, notice or debug, got 'verbose'" },
    { "ping.path = ping\n", 1, "ping.path: 'ping' must be a path starting with '/' (no blanks, '?' or '#')" },
    { "pm.status_path = /status?x\n", 1, "pm.status_path: '/status?x' must be a path starting with '/' (no blanks, '?' or '#')" },
    { "db.port = 0\n", 1, "db.port: expected a whole number from 1 to 65535, got '0'" },
    { "pool = my pool\n", 1, "pool: 'my pool' is not a valid name (letters, digits, '_', '.', '-'; at most 63)" },
    { "[www\n", 1, "a section header must end with ']'" },
    { "[www]\npm = static\n[api]\n", 3, "a second pool '[api]': one pool per file is supported" },
    { "db.password_file = /nonexistent/usher-pw\n", 1, "db.password_file: cannot open '/nonexistent/usher-pw': No such file or directory" },
};

static void test_bad_files(void)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const struct bad_case *bc = &bad_cases[i];
        char *path = write_temp(bc->text);
        struct usher_config c;
        char err[512] = "";
        int rc = config_load(path, &c, err, sizeof(err));
        char want[700];
        snprintf(want, sizeof(want), "%s:%d: %s", path, bc->line, bc->reason);
        ok(rc == -1, "bad case %zu fails", i);
        is_str(err, want, "bad case %zu: line %d: %.40s", i, bc->line, bc->reason);
        config_free(&c);
        unlink(path);
        free(path);
    }
}

static void test_nul_byte_and_missing_file(void)
{
    char path[64];
    snprintf(path, sizeof(path), "%s/nul-XXXXXX", tmpdir);
    int fd = mkstemp(path);
    static const char text[] = "pool = a\npool = b\0c\n";
    if (write(fd, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1))
        exit(99);
    close(fd);
    struct usher_config c;
    char err[512] = "", want[600];
    ok(config_load(path, &c, err, sizeof(err)) == -1, "a NUL byte fails");
    snprintf(want, sizeof(want), "%s:2: NUL byte in line", path);
    is_str(err, want, "NUL byte is reported with its line");
    config_free(&c);
    unlink(path);

    ok(config_load("/nonexistent/usher.conf", &c, err, sizeof(err)) == -1, "missing file fails");
    is_str(err, "/nonexistent/usher.conf: cannot open: No such file or directory",
           "missing file message");
    config_free(&c);
}

static void test_env(void)
{
    char *path = write_temp("pm.max_children = 3\ndb.socket = /file.sock\nlisten = 9000\n");
    struct usher_config c;
    char err[512] = "";

    setenv("USHER_PM_MAX_CHILDREN", "7", 1);
    setenv("USHER_DB_SOCKET", "/env.sock", 1);
    setenv("USHER_LISTEN", "", 1);
    setenv("USHER_REQUEST_TERMINATE_TIMEOUT", "30s", 1);
    setenv("USHER_DB_PASSWORD", "from-env", 1);
    setenv("USHER_PING_PATH", "/healthz", 1);
    is_int(config_load(path, &c, err, sizeof(err)), 0, "file + environment loads");
    is_int(c.pm_max_children, 7, "USHER_PM_MAX_CHILDREN overrides the file");
    is_str(c.db_socket, "/env.sock", "USHER_DB_SOCKET overrides the file");
    ok(c.listen == NULL, "an empty USHER_LISTEN unsets listen (fd 0)");
    is_int(c.request_terminate_timeout, 30, "USHER_REQUEST_TERMINATE_TIMEOUT=30s");
    is_str(c.db_password, "from-env", "USHER_DB_PASSWORD");
    is_str(c.ping_path, "/healthz", "USHER_PING_PATH");
    config_free(&c);
    clear_env();

    static const struct { const char *name, *value, *err; } bad_env[] = {
        { "USHER_PM_MAX_CHILDREN", "lots", "USHER_PM_MAX_CHILDREN: expected a whole number from 1 to 512, got 'lots'" },
        { "USHER_PM", "dynamic", "USHER_PM: 'dynamic' is not supported yet; use pm = static" },
        { "USHER_LISTEN_MODE", "rw", "USHER_LISTEN_MODE: expected an octal mode such as 0660, got 'rw'" },
        { "USHER_DB_PORT", "", "USHER_DB_PORT: a value is required" },
        { "USHER_LOG_LEVEL", "loud", "USHER_LOG_LEVEL: expected error, warning, notice or debug, got 'loud'" },
        { "USHER_DB_PASSWORD_FILE", "/nonexistent/pw", "USHER_DB_PASSWORD_FILE: cannot open '/nonexistent/pw': No such file or directory" },
    };
    for (size_t i = 0; i < sizeof(bad_env) / sizeof(bad_env[0]); i++) {
        setenv(bad_env[i].name, bad_env[i].value, 1);
        ok(config_load(path, &c, err, sizeof(err)) == -1, "bad %s fails", bad_env[i].name);
        is_str(err, bad_env[i].err, "bad %s message", bad_env[i].name);
        config_free(&c);
        clear_env();
    }

    setenv("USHER_POOL", "envpool", 1);
    is_int(config_load(NULL, &c, err, sizeof(err)), 0, "environment without a file");
    is_str(c.pool_name, "envpool", "USHER_POOL without a file");
    config_free(&c);
    clear_env();
    unlink(path);
    free(path);
}

static void test_helpers(void)
{
    static const struct { const char *s; int ok; size_t v; } sizes[] = {
        { "0", 1, 0 }, { "1048576", 1, 1048576 }, { "512k", 1, 524288 }, { "512K", 1, 524288 },
        { "1M", 1, 1048576 }, { "2g", 1, 2147483648u }, { "", 0, 0 }, { "k", 0, 0 },
        { "1.5M", 0, 0 }, { "-1", 0, 0 }, { "1T", 0, 0 }, { " 1", 0, 0 },
        { "99999999999999999999999", 0, 0 }, { "18014398509481984k", 0, 0 },
    };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t v = 12345;
        int rc = config_parse_size(sizes[i].s, &v);
        ok((rc == 0) == sizes[i].ok && (!sizes[i].ok || v == sizes[i].v),
           "config_parse_size('%s')", sizes[i].s);
    }
    static const struct { const char *s; int ok; int v; } durations[] = {
        { "0", 1, 0 }, { "30", 1, 30 }, { "30s", 1, 30 }, { "2m", 1, 120 }, { "1h", 1, 3600 },
        { "1d", 1, 86400 }, { "2M", 1, 120 }, { "", 0, 0 }, { "s", 0, 0 }, { "1w", 0, 0 },
        { "3000000000", 0, 0 }, { "1000000h", 0, 0 },
    };
    for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
        int v = 12345;
        int rc = config_parse_duration(durations[i].s, &v);
        ok((rc == 0) == durations[i].ok && (!durations[i].ok || v == durations[i].v),
           "config_parse_duration('%s')", durations[i].s);
    }
    static const struct { const char *s; int kind; const char *host, *port; } listens[] = {
        { "/run/usher.sock", 1, NULL, NULL }, { "./usher.sock", 1, NULL, NULL },
        { "9000", 0, "", "9000" }, { "127.0.0.1:9000", 0, "127.0.0.1", "9000" },
        { "localhost:1", 0, "localhost", "1" }, { "*:9000", 0, "", "9000" },
        { "[::1]:9000", 0, "::1", "9000" }, { "[::1]9000", -1, NULL, NULL },
        { "[]:9000", -1, NULL, NULL }, { ":9000", -1, NULL, NULL }, { "host:", -1, NULL, NULL },
        { "host:0", -1, NULL, NULL }, { "host:65536", -1, NULL, NULL },
        { "host:000009000", -1, NULL, NULL }, { "usher.sock", -1, NULL, NULL },
        { "", -1, NULL, NULL }, { "a b:80", -1, NULL, NULL },
    };
    for (size_t i = 0; i < sizeof(listens) / sizeof(listens[0]); i++) {
        char host[64] = "?", port[8] = "?";
        int kind = config_listen_parse(listens[i].s, host, sizeof(host), port, sizeof(port));
        is_int(kind, listens[i].kind, "config_listen_parse('%s') kind", listens[i].s);
        if (kind == 0 && listens[i].kind == 0) {
            is_str(host, listens[i].host, "config_listen_parse('%s') host", listens[i].s);
            is_str(port, listens[i].port, "config_listen_parse('%s') port", listens[i].s);
        }
    }
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 99;
    }
    clear_env();
    test_defaults();
    test_good_file();
    test_later_wins();
    test_bad_files();
    test_nul_byte_and_missing_file();
    test_env();
    test_helpers();
    rmdir(tmpdir);
    return tap_done();
}
