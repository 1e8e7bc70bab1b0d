/* The server secret: the HMAC key of every JWT and the input of the API-key sealing key.
 *
 * Sources, first non-empty wins: WEBUI_SECRET_KEY, WEBUI_JWT_SECRET_KEY (legacy),
 * secret_key from usher.conf, DATA_DIR/secret_key. An empty variable counts as unset, as
 * Open WebUI's start.sh treats it (it then falls back to a key file too). The key is the
 * string's bytes exactly as PyJWT uses them, so tokens signed by an Open WebUI with the
 * same WEBUI_SECRET_KEY verify here and the other way round. For the generated file the
 * key is likewise the file's text (64 hex characters), not the 32 bytes they spell.
 * The secret itself is never logged. */
#include "config.h"

#include "usher/secret.h"
#include "usher/config.h"
#include "usher/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#define SECRET_FILE "secret_key"
#define SECRET_FILE_MAX 4096
#define GENERATED_BYTES 32

static unsigned char *loaded;
static size_t loaded_len;

static int keep(const void *bytes, size_t len, const char *source)
{
    if (len == 0) {
        log_error("secret: the secret from %s is empty; refusing to sign with it", source);
        return -1;
    }
    unsigned char *copy = malloc(len);
    if (!copy) {
        log_error("secret: out of memory");
        return -1;
    }
    memcpy(copy, bytes, len);
    if (loaded) {
        OPENSSL_cleanse(loaded, loaded_len);
        free(loaded);
    }
    loaded = copy;
    loaded_len = len;
    log_notice("secret: using the secret from %s", source);
    return 0;
}

/* Reads path into buf (SECRET_FILE_MAX bytes) without the trailing newlines, as the
 * shell's $(cat file) would. Returns the length, -1 on error (logged), or -2 when the
 * file does not exist. */
static long read_secret_file(const char *path, unsigned char *buf)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT)
            return -2;
        log_error("secret: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        log_error("secret: %s is not a regular file", path);
        close(fd);
        return -1;
    }
    if (st.st_mode & 077)
        log_warning("secret: %s is readable by other users (mode %03o); chmod 600 it",
                    path, (unsigned)(st.st_mode & 0777));
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, SECRET_FILE_MAX - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            log_error("secret: cannot read %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == SECRET_FILE_MAX) {
            log_error("secret: %s is larger than %d bytes; not a secret file", path,
                      SECRET_FILE_MAX - 1);
            close(fd);
            return -1;
        }
    }
    close(fd);
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    return (long)len;
}

static bool write_all(int fd, const char *s, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        s += n;
        len -= (size_t)n;
    }
    return true;
}

/* Creates path with a new random secret, atomically: the text goes to a private temp file
 * which is then hard-linked into place. link() never replaces an existing file, so when
 * two processes start at once exactly one wins and the other reads the winner's file.
 * Returns 1 when we made path, 0 when another process made it first, -1 on error. */
static int create_secret_file(const char *path)
{
    unsigned char raw[GENERATED_BYTES];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        log_error("secret: RAND_bytes failed");
        return -1;
    }
    char text[2 * GENERATED_BYTES + 2];
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof raw; i++) {
        text[2 * i] = hex[raw[i] >> 4];
        text[2 * i + 1] = hex[raw[i] & 15];
    }
    text[2 * GENERATED_BYTES] = '\n';
    text[2 * GENERATED_BYTES + 1] = '\0';
    OPENSSL_cleanse(raw, sizeof raw);

    char tmp[4096];
    int rc = -1;
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        log_error("secret: data_dir path too long");
        goto out;
    }
    (void)unlink(tmp); /* left by a crashed start with the same pid */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        log_error("secret: cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    bool written = write_all(fd, text, 2 * GENERATED_BYTES + 1) && fsync(fd) == 0;
    int saved = errno;
    if (close(fd) != 0 && written) {
        written = false;
        saved = errno;
    }
    if (!written) {
        log_error("secret: cannot write %s: %s", tmp, strerror(saved));
        (void)unlink(tmp);
        goto out;
    }
    if (link(tmp, path) == 0) {
        rc = 1;
    } else if (errno == EEXIST) {
        rc = 0;
    } else if (errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS) {
        /* No hard links on this file system: rename (which may replace a file another
         * starter made in the same instant; both then re-read the survivor). */
        if (rename(tmp, path) == 0)
            rc = 1;
        else
            log_error("secret: cannot rename %s to %s: %s", tmp, path, strerror(errno));
    } else {
        log_error("secret: cannot link %s to %s: %s", tmp, path, strerror(errno));
    }
    (void)unlink(tmp);
    if (rc == 1) {
        /* Make the new name durable too; failure here is not fatal. */
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
    }
out:
    OPENSSL_cleanse(text, sizeof text);
    return rc;
}

static int load_from_data_dir(const char *data_dir, bool create)
{
    char path[4096];
    if (!data_dir || !*data_dir)
        data_dir = ".";
    if (snprintf(path, sizeof path, "%s/%s", data_dir, SECRET_FILE) >= (int)sizeof path) {
        log_error("secret: data_dir path too long");
        return -1;
    }
    unsigned char buf[SECRET_FILE_MAX];
    long len = read_secret_file(path, buf);
    if (len == -2 && !create) {
        log_notice("secret: none configured and no %s", path);
        return -1;
    }
    if (len == -2) {
        int made = create_secret_file(path);
        if (made < 0)
            return -1;
        if (made)
            log_notice("secret: no secret configured; generated %s", path);
        /* Read back what is there now: ours, or another starter's that won the race. */
        len = read_secret_file(path, buf);
    }
    int rc = -1;
    if (len >= 0)
        rc = keep(buf, (size_t)len, path);
    else if (len == -2)
        log_error("secret: %s vanished right after it was made", path);
    OPENSSL_cleanse(buf, sizeof buf);
    return rc;
}

static int load(const struct usher_config *cfg, bool create)
{
    static const char *const env_names[] = { "WEBUI_SECRET_KEY", "WEBUI_JWT_SECRET_KEY" };
    for (size_t i = 0; i < sizeof env_names / sizeof env_names[0]; i++) {
        const char *v = getenv(env_names[i]);
        if (v && *v)
            return keep(v, strlen(v), env_names[i]);
    }
    if (cfg && cfg->secret_key && *cfg->secret_key)
        return keep(cfg->secret_key, strlen(cfg->secret_key), "secret_key in the configuration");
    return load_from_data_dir(cfg ? cfg->data_dir : NULL, create);
}

int secret_load(const struct usher_config *cfg)
{
    return load(cfg, true);
}

int secret_load_existing(const struct usher_config *cfg)
{
    return load(cfg, false);
}

const unsigned char *secret_bytes(size_t *len)
{
    if (len)
        *len = loaded_len;
    return loaded;
}
