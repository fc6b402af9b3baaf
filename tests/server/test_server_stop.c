/*
 * test_server_stop.c — stopping the flag server while its workers are busy.
 *
 * libmicrohttpd 0.9.75's MHD_quiesce_daemon races its own epoll workers:
 * the caller sets a worker's was_quiesced, then removes the listening
 * socket from that worker's epoll set; a worker that wakes in between and
 * sees was_quiesced removes it first, and the caller's EPOLL_CTL_DEL then
 * fails with ENOENT, which MHD treats as fatal ("Failed to remove listen FD
 * from epoll set", an abort: seen in CI in flags/test_flags3 under ASan).
 * cfb_flag_server_stop must not open that window.
 *
 * Deterministic: this executable interposes epoll_ctl (its definition
 * preempts libc's for libmicrohttpd's calls) and, on the thread that is
 * inside cfb_flag_server_stop, holds every EPOLL_CTL_DEL of a listening
 * socket for 100 ms before doing it. A thread connects and sends a request
 * as fast as it can, so the worker wakes within that hold, and the old stop
 * path aborted on the first cycle every time. The hold is counted: stop
 * paths that call no DEL at all pass too, which is the fix.
 *
 * Under a sanitizer the interposer is left out (the runtimes intercept
 * epoll_ctl themselves); the busy-stop cycles still run, as a stress test.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "flags/flag_server.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CFB_INTERPOSE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CFB_INTERPOSE 0
#endif
#endif
#ifndef CFB_INTERPOSE
#define CFB_INTERPOSE 1
#endif

static _Thread_local int in_stop; /* set around cfb_flag_server_stop */
static atomic_int held;           /* DELs of a listening socket held in a stop */

#if CFB_INTERPOSE
int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev) {
    static int (*real)(int, int, int, struct epoll_event *);
    if (!real) *(void **)&real = dlsym(RTLD_NEXT, "epoll_ctl");
    if (in_stop && op == EPOLL_CTL_DEL) {
        int acc = 0;
        socklen_t len = sizeof acc;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) == 0 && acc) {
            atomic_fetch_add(&held, 1);
            struct timespec hold = {0, 100000000};
            nanosleep(&hold, NULL);
        }
    }
    return real(epfd, op, fd, ev);
}
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct hammer {
    int port;
    atomic_int run;
    atomic_long conns;
} hammer;

/* Connect, send one request, hang up, until told to stop. */
static void *hammer_fn(void *arg) {
    hammer *h = arg;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)h->port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    static const char req[] = "GET /flags/br/br.gif HTTP/1.1\r\nHost: x\r\n\r\n";
    while (atomic_load(&h->run)) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) continue;
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            ssize_t w = write(fd, req, sizeof req - 1);
            (void)w;
            atomic_fetch_add(&h->conns, 1);
        }
        close(fd);
    }
    return NULL;
}

/* 20 cycles: a DELAY server with 2 MHD workers, clients connecting all the
 * time (their requests delayed 30 s, so some are suspended at the stop),
 * stopped. Before the fix the process aborted inside the first stop. */
static void test_stop_while_busy(void) {
    for (int cycle = 0; cycle < 20; cycle++) {
        cfb_server_opts o;
        cfb_server_opts_init(&o);
        o.label = CFB_LABEL_DELAY;
        o.delay_min = o.delay_max = 30;
        o.threads = 2;
        cfb_flag_server *s = NULL;
        char err[256] = "";
        CHECK_EQ_INT(cfb_flag_server_start(&o, &s, err, sizeof err), 0);
        if (!s) return;
        const char *url = cfb_flag_server_url(s);
        hammer h = {.port = atoi(strrchr(url, ':') + 1)};
        atomic_init(&h.run, 1);
        atomic_init(&h.conns, 0);
        pthread_t t;
        pthread_create(&t, NULL, hammer_fn, &h);
        /* bounded polling on the server's own counters, not the client's:
         * a connect completes in the kernel's backlog before a busy MHD
         * worker accepts it, so only the server knows it has work */
        cfb_server_stats live = {0};
        double t0 = now();
        while ((live.connections < 20 || live.delayed < 1) && now() - t0 < 60) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
            cfb_flag_server_stats(s, &live);
        }
        CHECK(live.connections >= 20);
        CHECK(live.delayed >= 1);
        cfb_server_stats st;
        in_stop = 1;
        double ts = now();
        cfb_flag_server_stop(s, &st);
        ts = now() - ts;
        in_stop = 0;
        atomic_store(&h.run, 0);
        pthread_join(t, NULL);
        CHECK(st.connections >= live.connections);
        CHECK(st.delayed >= live.delayed);
        /* the drain is bounded at 2 s even with clients arriving during it */
        CHECK(ts < 10);
    }
    fprintf(stderr, "listen-socket DELs held inside stop: %d (interposer %s)\n", atomic_load(&held),
            CFB_INTERPOSE ? "on" : "off under a sanitizer");
}

int main(void) {
    RUN(test_stop_while_busy);
    return check_summary();
}
