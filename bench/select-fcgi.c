/* select-fcgi: the floor for any endpoint that must look its caller up. Same prefork and
 * libfcgi loop as hello-fcgi, but each request runs one prepared primary-key SELECT on the
 * `user` table over the worker's own MariaDB connection (Connector/C) and prints the row as
 * a JSON object built with json-c. No JWT, no routing, no arena: what is left when usher's
 * own work is taken away.
 *
 *   select-fcgi -n WORKERS -s SOCKET -d DB_SOCKET -u DB_USER [-p PASSWORD_FILE]
 *               [-D DB_NAME] [-i DEFAULT_ID] [-q SQL] [-c]
 *
 * The id comes from the query string (?id=...) or -i. Columns are bound generically from
 * the statement's metadata, so -q may select any columns with one "?" for the id.
 * -c closes each connection plainly once the answer is written, as usher-fcgi does on a
 * unix socket, instead of libfcgi's lingering close (shut the sending side, wait for the web
 * server to close): the floor with usher's close, for comparison (bench/run.sh prints it).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <json.h>
#include <mysql.h>

#include "prefork.h"

#define MAX_COLS 32
#define CELL_MAX 65536

struct options {
    const char *db_socket, *db_user, *db_name, *default_id, *sql;
    char *db_password;
    int plain_close;   /* -c: close as usher-fcgi does on a unix socket */
};

/* One worker's connection and its prepared statement with bound result buffers. */
struct lookup {
    MYSQL *conn;
    MYSQL_STMT *stmt;
    unsigned ncols;
    char *names[MAX_COLS];
    char *cells[MAX_COLS];
    unsigned long lens[MAX_COLS];
    my_bool nulls[MAX_COLS];
    MYSQL_BIND result[MAX_COLS];
};

static void lookup_close(struct lookup *lk)
{
    for (unsigned i = 0; i < lk->ncols; i++) {
        free(lk->names[i]);
        free(lk->cells[i]);
    }
    if (lk->stmt)
        mysql_stmt_close(lk->stmt);
    if (lk->conn)
        mysql_close(lk->conn);
    memset(lk, 0, sizeof *lk);
}

/* Connects and prepares; returns 0, or -1 after logging to stderr (the next request retries). */
static int lookup_open(struct lookup *lk, const struct options *o)
{
    memset(lk, 0, sizeof *lk);
    lk->conn = mysql_init(NULL);
    if (!lk->conn)
        return -1;
    if (!mysql_real_connect(lk->conn, NULL, o->db_user, o->db_password, o->db_name, 0,
                            o->db_socket, 0)) {
        fprintf(stderr, "select-fcgi: connect: %s\n", mysql_error(lk->conn));
        goto fail;
    }
    mysql_set_character_set(lk->conn, "utf8mb4");
    lk->stmt = mysql_stmt_init(lk->conn);
    if (!lk->stmt || mysql_stmt_prepare(lk->stmt, o->sql, strlen(o->sql)) != 0) {
        fprintf(stderr, "select-fcgi: prepare: %s\n",
                lk->stmt ? mysql_stmt_error(lk->stmt) : mysql_error(lk->conn));
        goto fail;
    }
    MYSQL_RES *meta = mysql_stmt_result_metadata(lk->stmt);
    if (!meta) {
        fprintf(stderr, "select-fcgi: the statement returns no columns\n");
        goto fail;
    }
    unsigned n = mysql_num_fields(meta);
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    if (n > MAX_COLS)
        n = MAX_COLS;
    for (unsigned i = 0; i < n; i++) {
        lk->names[i] = strdup(fields[i].name);
        lk->cells[i] = malloc(CELL_MAX);
        lk->ncols = i + 1;
        if (!lk->names[i] || !lk->cells[i]) {
            mysql_free_result(meta);
            goto fail;
        }
        lk->result[i].buffer_type = MYSQL_TYPE_STRING;
        lk->result[i].buffer = lk->cells[i];
        lk->result[i].buffer_length = CELL_MAX;
        lk->result[i].length = &lk->lens[i];
        lk->result[i].is_null = &lk->nulls[i];
    }
    mysql_free_result(meta);
    if (mysql_stmt_bind_result(lk->stmt, lk->result) != 0) {
        fprintf(stderr, "select-fcgi: bind: %s\n", mysql_stmt_error(lk->stmt));
        goto fail;
    }
    return 0;
fail:
    lookup_close(lk);
    return -1;
}

/* Runs the SELECT for id. Returns the row as a new JSON object, NULL when there is no such
 * row (*failed = 0) or on a database error (*failed = 1). */
static json_object *lookup_row(struct lookup *lk, const char *id, size_t idlen, int *failed)
{
    MYSQL_BIND param;
    unsigned long plen = idlen;
    memset(&param, 0, sizeof param);
    param.buffer_type = MYSQL_TYPE_STRING;
    param.buffer = (void *)(uintptr_t)id; /* Connector/C does not write input buffers */
    param.buffer_length = idlen;
    param.length = &plen;
    *failed = 1;
    if (mysql_stmt_bind_param(lk->stmt, &param) != 0 || mysql_stmt_execute(lk->stmt) != 0) {
        fprintf(stderr, "select-fcgi: execute: %s\n", mysql_stmt_error(lk->stmt));
        return NULL;
    }
    json_object *row = NULL;
    int rc = mysql_stmt_fetch(lk->stmt);
    if (rc == 0) {
        row = json_object_new_object();
        for (unsigned i = 0; i < lk->ncols; i++)
            json_object_object_add(row, lk->names[i],
                                   lk->nulls[i] ? NULL
                                                : json_object_new_string_len(lk->cells[i],
                                                                             (int)lk->lens[i]));
    }
    mysql_stmt_free_result(lk->stmt);
    while (mysql_stmt_fetch(lk->stmt) == 0)
        ; /* a primary key gives one row; drain in case -q did not */
    *failed = (rc != 0 && rc != MYSQL_NO_DATA);
    return row;
}

static void respond(FCGX_Request *req, const char *status, const char *body)
{
    /* libfcgi's own printf knows no %zu */
    FCGX_FPrintF(req->out,
                 "Status: %s\r\nContent-Type: application/json\r\nContent-Length: %lu\r\n\r\n",
                 status, (unsigned long)strlen(body));
    FCGX_PutS(body, req->out);
}

/* The value of id= in the query string, else the default; not URL-decoded (ids are UUIDs). */
static const char *pick_id(const char *qs, const char *fallback, size_t *len)
{
    for (const char *p = qs; p && *p; ) {
        if (strncmp(p, "id=", 3) == 0) {
            *len = strcspn(p + 3, "&");
            return p + 3;
        }
        p = strchr(p, '&');
        if (p)
            p++;
    }
    *len = strlen(fallback);
    return fallback;
}

static int serve(int listen_fd, void *arg)
{
    const struct options *o = arg;
    struct lookup lk;
    FCGX_Request req;
    int connected = lookup_open(&lk, o) == 0;

    if (FCGX_InitRequest(&req, listen_fd, 0) != 0)
        return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        if (!connected)
            connected = lookup_open(&lk, o) == 0;
        if (!connected) {
            respond(&req, "503 Service Unavailable", "{\"detail\":\"database unavailable\"}");
            FCGX_Finish_r(&req);
            continue;
        }
        size_t idlen;
        const char *id = pick_id(FCGX_GetParam("QUERY_STRING", req.envp), o->default_id, &idlen);
        int failed;
        json_object *row = lookup_row(&lk, id, idlen, &failed);
        if (row) {
            respond(&req, "200 OK", json_object_to_json_string_ext(row, JSON_C_TO_STRING_PLAIN));
            json_object_put(row);
        } else if (!failed) {
            respond(&req, "404 Not Found", "{\"detail\":\"Not Found\"}");
        } else {
            respond(&req, "500 Internal Server Error", "{\"detail\":\"database error\"}");
            lookup_close(&lk); /* reconnect on the next request */
            connected = 0;
        }
        req.detached = o->plain_close;   /* FCGX_Free: close without shutdown and wait */
        FCGX_Finish_r(&req);
    }
    if (connected)
        lookup_close(&lk);
    return 0;
}

/* Reads the first line of path (the password); exits on failure. */
static char *read_password(const char *path)
{
    FILE *f = fopen(path, "r");
    char buf[512];
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        exit(1);
    }
    if (!fgets(buf, sizeof buf, f))
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return strdup(buf);
}

static void usage(void)
{
    fprintf(stderr, "usage: select-fcgi -n WORKERS -s SOCKET -d DB_SOCKET -u DB_USER "
                    "[-p PASSWORD_FILE] [-D DB_NAME] [-i DEFAULT_ID] [-q SQL] [-c]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct options o = {
        .db_name = "usher",
        .default_id = "bench-user",
        .sql = "SELECT id, name, email, role, profile_image_url, last_active_at, updated_at,"
               " created_at FROM user WHERE id = ?",
    };
    const char *sock = NULL;
    int n = 2, opt;
    while ((opt = getopt(argc, argv, "n:s:d:u:p:D:i:q:c")) != -1) {
        switch (opt) {
        case 'n': n = prefork_parse_count(optarg, "-n"); break;
        case 's': sock = optarg; break;
        case 'd': o.db_socket = optarg; break;
        case 'u': o.db_user = optarg; break;
        case 'p': o.db_password = read_password(optarg); break;
        case 'D': o.db_name = optarg; break;
        case 'i': o.default_id = optarg; break;
        case 'q': o.sql = optarg; break;
        case 'c': o.plain_close = 1; break;
        default: usage();
        }
    }
    if (!sock || !o.db_socket || !o.db_user || optind != argc)
        usage();
    int rc = prefork_run(sock, n, serve, &o);
    free(o.db_password);
    return rc;
}
