/* Unit tests: API keys (format, digest, sealing) and the server secret (sources, the
 * generated file, two processes starting at once). */
#include "config.h"

#include "usher/apikey.h"
#include "usher/config.h"
#include "usher/secret.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

#define SECRET "t0p-s3cr3t"
#define SK (const unsigned char *)SECRET, strlen(SECRET)

static bool lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return false;
    return s[n] == '\0';
}

static void test_generate(void)
{
    char a[APIKEY_LEN + 1], b[APIKEY_LEN + 1];
    is_int(apikey_generate(a), 0, "generate");
    is_int(apikey_generate(b), 0, "generate again");
    is_int(strlen(a), 35, "35 characters");
    ok(strncmp(a, "sk-", 3) == 0, "sk- prefix");
    ok(lower_hex(a + 3, 32), "32 lowercase hex after the prefix: %s", a);
    ok(strcmp(a, b) != 0, "two keys differ");
}

static void test_digest(void)
{
    char d[APIKEY_DIGEST_HEX + 1];
    apikey_digest("sk-0123456789abcdef0123456789abcdef", d);
    is_str(d, "18164f3170e8b94fc50973e8ab24852fc4309c4903c574037fcda4b53ec6f68b",
           "SHA-256 hex (Python hashlib)");
    apikey_digest("", d);
    is_str(d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
           "SHA-256 of the empty string");
}

static void test_seal(void)
{
    const char *key = "sk-0123456789abcdef0123456789abcdef";
    char out[APIKEY_LEN + 1];

    /* Made with Python: HKDF-SHA256 by hand (hmac), AESGCM from python3-cryptography,
     * nonce 00..0b. Pins the layout and the KDF's salt and info. */
    static const char py_sealed[] =
        "AAECAwQFBgcICQoLyK-K_mSN4O4FNSTRvBpzTozIT1-QT7KP627M7a52iQX9gHxOxN5CK-4s2jkPf9gvm_6s";
    is_int(apikey_open(py_sealed, NULL, SK, out), 0,
           "opens a value sealed by an independent implementation");
    is_str(out, key, "the same key back");

    char *s = apikey_seal(key, NULL, SK);
    ok(s != NULL, "seal");
    is_int(strlen(s), 84, "84 characters: base64url of 12 + 35 + 16 bytes");
    bool alphabet = true;
    for (const char *p = s; *p; p++)
        alphabet = alphabet && (isalnum((unsigned char)*p) || *p == '-' || *p == '_');
    ok(alphabet, "base64url alphabet only");
    memset(out, 0, sizeof out);
    is_int(apikey_open(s, NULL, SK, out), 0, "round-trip opens");
    is_str(out, key, "round-trip gives the key");
    char *s2 = apikey_seal(key, NULL, SK);
    ok(strcmp(s, s2) != 0, "a fresh nonce each time");
    free(s2);

    /* Any changed character changes the bytes (84 chars hold 63 bytes exactly). */
    int opened = 0;
    for (size_t i = 0; i < strlen(s); i++) {
        char *t = strdup(s);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        if (apikey_open(t, NULL, SK, out) == 0)
            opened++;
        free(t);
    }
    is_int(opened, 0, "tampering with any of the 84 characters is detected");

    is_int(apikey_open(s, NULL, (const unsigned char *)"t0p-s3cr3T", 10, out), -1, "wrong secret");
    is_int(apikey_open(s, NULL, (const unsigned char *)"", 0, out), -1, "empty secret");
    ok(apikey_seal(key, NULL, (const unsigned char *)"", 0) == NULL, "no sealing with an empty secret");

    char *t = strdup(s);
    t[83] = '\0';
    is_int(apikey_open(t, NULL, SK, out), -1, "one character short");
    free(t);
    size_t sl = strlen(s);
    t = malloc(sl + 2);
    snprintf(t, sl + 2, "%sA", s);
    is_int(apikey_open(t, NULL, SK, out), -1, "one character more");
    free(t);
    t = strdup(s);
    t[10] = '=';
    is_int(apikey_open(t, NULL, SK, out), -1, "invalid character");
    free(t);
    is_int(apikey_open("", NULL, SK, out), -1, "empty");
    is_int(apikey_open(NULL, NULL, SK, out), -1, "NULL");
    ok(apikey_seal("sk-short", NULL, SK) == NULL, "only 35-character keys are sealed");
    ok(apikey_seal(NULL, NULL, SK) == NULL, "NULL key");
    free(s);
}

/* ------------------------------------------------------------------ secret */

static char tmp_root[] = "/tmp/usher-test-secret-XXXXXX";

static const char *secret_text(void)
{
    static char buf[256];
    size_t len = 0;
    const unsigned char *b = secret_bytes(&len);
    if (!b)
        return "(none)";
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, b, len);
    buf[len] = '\0';
    return buf;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0)
            perror("write");
        close(fd);
    }
    chmod(path, mode);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void clean_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char path[512];
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            rmdir(path);
    }
    closedir(d);
}

static void test_secret_sources(void)
{
    struct usher_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char conf_secret[] = "from-the-conf";
    cfg.data_dir = tmp_root;

    setenv("WEBUI_SECRET_KEY", "env-secret", 1);
    setenv("WEBUI_JWT_SECRET_KEY", "legacy-secret", 1);
    cfg.secret_key = conf_secret;
    is_int(secret_load(&cfg), 0, "load from WEBUI_SECRET_KEY");
    is_str(secret_text(), "env-secret", "WEBUI_SECRET_KEY wins");

    setenv("WEBUI_SECRET_KEY", "", 1);
    is_int(secret_load(&cfg), 0, "empty WEBUI_SECRET_KEY counts as unset");
    is_str(secret_text(), "legacy-secret", "legacy WEBUI_JWT_SECRET_KEY next");

    unsetenv("WEBUI_SECRET_KEY");
    unsetenv("WEBUI_JWT_SECRET_KEY");
    is_int(secret_load(&cfg), 0, "load from the configuration");
    is_str(secret_text(), "from-the-conf", "secret_key from usher.conf");
    is_int(count_entries(tmp_root), 0, "no file made while a secret is configured");

    cfg.secret_key = NULL;
    is_int(secret_load(&cfg), 0, "no secret configured: generate one");
    char path[512];
    snprintf(path, sizeof path, "%s/secret_key", tmp_root);
    struct stat st;
    ok(stat(path, &st) == 0 && S_ISREG(st.st_mode), "DATA_DIR/secret_key exists");
    is_int(st.st_mode & 0777, 0600, "mode 0600");
    is_int(count_entries(tmp_root), 1, "no temp file left behind");
    char first[256];
    snprintf(first, sizeof first, "%s", secret_text());
    is_int(strlen(first), 64, "64 characters");
    ok(lower_hex(first, 64), "of lowercase hex");
    FILE *f = fopen(path, "r");
    char content[256] = "";
    if (f) {
        if (!fgets(content, sizeof content, f))
            content[0] = '\0';
        fclose(f);
    }
    content[strcspn(content, "\n")] = '\0';
    is_str(content, first, "the key is the file's text");
    is_int(secret_load(&cfg), 0, "load again");
    is_str(secret_text(), first, "the same secret is reused");

    write_file(path, "abc\r\n\n", 0600);
    is_int(secret_load(&cfg), 0, "a hand-written file");
    is_str(secret_text(), "abc", "trailing newlines stripped");
    write_file(path, "  spaced out  ", 0644);
    is_int(secret_load(&cfg), 0, "a group/world-readable file still loads (with a warning)");
    is_str(secret_text(), "  spaced out  ", "other whitespace is part of the key");
    write_file(path, "\n", 0600);
    is_int(secret_load(&cfg), -1, "an empty file is refused");
    is_str(secret_text(), "  spaced out  ", "the previous secret stays loaded");
    unlink(path);
    mkdir(path, 0700);
    is_int(secret_load(&cfg), -1, "a directory named secret_key is refused");
    rmdir(path);
    char target[512];
    snprintf(target, sizeof target, "%s/elsewhere", tmp_root);
    write_file(target, "linked", 0600);
    if (symlink(target, path) != 0)
        perror("symlink");
    is_int(secret_load(&cfg), -1, "a symlink is not followed");
    unlink(path);
    unlink(target);

    char missing[512];
    snprintf(missing, sizeof missing, "%s/no/such/dir", tmp_root);
    cfg.data_dir = missing;
    is_int(secret_load(&cfg), -1, "a data_dir that does not exist fails");
}

/* Several processes start at once on an empty data_dir: all must end with one secret. */
static void test_secret_race(void)
{
    enum { ROUNDS = 10, STARTERS = 4 };
    int agreed = 0;
    for (int round = 0; round < ROUNDS; round++) {
        clean_dir(tmp_root);
        int fds[STARTERS][2];
        pid_t pids[STARTERS];
        for (int i = 0; i < STARTERS; i++) {
            if (pipe(fds[i]) != 0)
                return;
            fflush(stdout); /* or each child would carry (and might write) a copy */
            pids[i] = fork();
            if (pids[i] == 0) {
                struct usher_config cfg;
                memset(&cfg, 0, sizeof cfg);
                cfg.data_dir = tmp_root;
                close(fds[i][0]);
                const char *t = secret_load(&cfg) == 0 ? secret_text() : "(failed)";
                if (write(fds[i][1], t, strlen(t)) < 0)
                    _exit(2);
                _exit(0);
            }
            close(fds[i][1]);
        }
        char got[STARTERS][128];
        for (int i = 0; i < STARTERS; i++) {
            ssize_t n = read(fds[i][0], got[i], sizeof got[i] - 1);
            got[i][n > 0 ? n : 0] = '\0';
            close(fds[i][0]);
            waitpid(pids[i], NULL, 0);
        }
        bool same = strlen(got[0]) == 64;
        for (int i = 1; i < STARTERS; i++)
            same = same && strcmp(got[0], got[i]) == 0;
        if (same && count_entries(tmp_root) == 1)
            agreed++;
    }
    is_int(agreed, ROUNDS, "%d concurrent starters agree on one secret file, every round",
           STARTERS);
}

/* A sealed key is bound to its owner (associated data): moved to another user's row in
 * the database it shows nothing, and a value sealed without an owner does not open as
 * anyone's. */
static void test_seal_bound_to_owner(void)
{
    const char *key = "sk-0123456789abcdef0123456789abcdef";
    char out[APIKEY_LEN + 1];
    char *s = apikey_seal(key, "user-a", SK);
    ok(s != NULL, "seal for user-a");
    is_int(apikey_open(s, "user-a", SK, out), 0, "opens for its owner");
    is_str(out, key, "the same key back");
    is_int(apikey_open(s, "user-b", SK, out), -1, "does not open for another user");
    is_int(apikey_open(s, "user-", SK, out), -1, "nor for a prefix of the owner");
    is_int(apikey_open(s, NULL, SK, out), -1, "nor without an owner");
    char *old = apikey_seal(key, NULL, SK);
    is_int(apikey_open(old, "user-a", SK, out), -1, "an unbound (old) value opens for nobody");
    free(s);
    free(old);
}

int main(void)
{
    test_generate();
    test_digest();
    test_seal();
    test_seal_bound_to_owner();
    if (!mkdtemp(tmp_root)) {
        perror("mkdtemp");
        return 1;
    }
    test_secret_sources();
    test_secret_race();
    clean_dir(tmp_root);
    rmdir(tmp_root);
    return tap_done();
}
