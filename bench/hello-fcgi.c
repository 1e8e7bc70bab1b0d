/* hello-fcgi: the floor for any usher endpoint. A bare libfcgi responder behind its own tiny
 * prefork that answers every request with {"status":true}, exactly what GET /health returns,
 * so bench/run.sh can put usher's figure beside it.
 *
 *   hello-fcgi -n WORKERS -s SOCKET
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "prefork.h"

static const char reply[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 15\r\n"
    "\r\n"
    "{\"status\":true}";

static int serve(int listen_fd, void *arg)
{
    FCGX_Request req;
    (void)arg;
    if (FCGX_InitRequest(&req, listen_fd, 0) != 0)
        return 1;
    while (FCGX_Accept_r(&req) >= 0) {
        FCGX_PutStr(reply, (int)sizeof reply - 1, req.out);
        FCGX_Finish_r(&req);
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: hello-fcgi -n WORKERS -s SOCKET\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *sock = NULL;
    int n = 2, opt;
    while ((opt = getopt(argc, argv, "n:s:")) != -1) {
        switch (opt) {
        case 'n': n = prefork_parse_count(optarg, "-n"); break;
        case 's': sock = optarg; break;
        default: usage();
        }
    }
    if (!sock || optind != argc)
        usage();
    return prefork_run(sock, n, serve, NULL);
}
