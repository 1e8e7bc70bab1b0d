#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "prefork.h"

#define MAX_CHILDREN 256

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig) { stop_signal = sig; }
/* SIGCHLD only has to interrupt sigsuspend; the loop reaps. */
static void on_child(int sig) { (void)sig; }

static pid_t spawn(int fd, prefork_child_fn child, void *arg, const sigset_t *child_mask)
{
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        signal(SIGCHLD, SIG_DFL);
        sigprocmask(SIG_SETMASK, child_mask, NULL);
        _exit(child(fd, arg));
    }
    if (pid < 0)
        fprintf(stderr, "fork: %s\n", strerror(errno));
    return pid;
}

int prefork_parse_count(const char *s, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1 || v > MAX_CHILDREN) {
        fprintf(stderr, "%s: expected 1..%d, got '%s'\n", what, MAX_CHILDREN, s);
        exit(2);
    }
    return (int)v;
}

int prefork_run(const char *path, int nchildren, prefork_child_fn child, void *arg)
{
    pid_t pids[MAX_CHILDREN] = { 0 };
    sigset_t block, old;
    struct sigaction sa;

    if (nchildren > MAX_CHILDREN)
        nchildren = MAX_CHILDREN;
    if (FCGX_Init() != 0) {
        fprintf(stderr, "FCGX_Init failed\n");
        return 1;
    }
    unlink(path); /* a socket left by a killed run */
    int fd = FCGX_OpenSocket(path, 511);
    if (fd < 0) {
        fprintf(stderr, "cannot listen on %s: %s\n", path, strerror(errno));
        return 1;
    }
    chmod(path, 0666);

    /* Block the signals we wait for, so none is lost between the reap and sigsuspend. */
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGQUIT);
    sigprocmask(SIG_BLOCK, &block, &old);
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    sa.sa_handler = on_child;
    sigaction(SIGCHLD, &sa, NULL);

    while (!stop_signal) {
        pid_t dead;
        int status;
        while ((dead = waitpid(-1, &status, WNOHANG)) > 0)
            for (int i = 0; i < nchildren; i++)
                if (pids[i] == dead)
                    pids[i] = 0;
        for (int i = 0; i < nchildren; i++)
            if (pids[i] <= 0)
                pids[i] = spawn(fd, child, arg, &old);
        sigsuspend(&old);
    }

    for (int i = 0; i < nchildren; i++)
        if (pids[i] > 0)
            kill(pids[i], SIGTERM);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
        ;
    close(fd);
    unlink(path);
    return 0;
}
