/*
 * proc_channel.c — the life of a process-pool worker, after fork().
 *
 * Concurrency design
 *   Runs in the forked child only. The child has exactly one thread (the
 *   parent's manager thread, which called fork); it shares nothing with the
 *   parent but the shared page (struct cf__pshm), which only it writes. It
 *   never touches the parent's locks, futures or queues (their memory is a
 *   stale copy), and never frees them.
 *
 * Fork hygiene (the parent is multithreaded)
 *   Other parent threads vanished at fork and may have held locks. glibc
 *   resets its own (malloc, stdio) in the child, so malloc is usable (in
 *   sanitizer builds, whose allocators do not, the parent forks only while
 *   no thread is inside the allocator: san_fork_gate.c); any
 *   other library's state (libcurl, OpenSSL, a logging mutex) must be set up
 *   again in the initializer. Before the first task the child:
 *     - closes every descriptor but 0, 1, 2 and its two pipe ends
 *       (close_range), so the parent's sockets, files and the other workers'
 *       pipes are not inherited;
 *     - sets SIGPIPE to ignored, and SIGSEGV, SIGBUS, SIGFPE, SIGILL to their
 *       default action (so a crashing task kills its worker with the real
 *       signal, which the parent reports), and restores the signal mask;
 *     - drops its copy of the parent's unwritten stdout/stderr buffers
 *       (__fpurge), which it would otherwise print again at exit;
 *     - registers an on_exit handler that flushes stdio and _exit()s, so a
 *       task calling exit() does not run the parent's atexit handlers.
 *
 * Loop: read tasks (in batches, into one buffer), and for each: publish
 * started = n+1 on the shared page, run it into a cf_out, write its result
 * (one writev), then publish finished = n+1 (the parent's manager spins on
 * it), before starting the next. With no task buffered, it spins for up to
 * 30 µs (spin_for_input) before it blocks in read(): on the parent's
 * shm->posted (tasks written whole; past the tasks started, the message it
 * waits for is in the pipe), with a poll() every 64 turns (EOF, a big
 * argument still being written) and a sched_yield each turn (a spin never
 * keeps the CPU from the parent's threads on a busy host).
 * EOF on the task pipe, or
 * max_tasks reached, ends the loop; the finalizer runs; _exit(0).
 */
#include "proc_channel.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

/* Before a worker blocks in read() for its next task, it polls the pipe for
 * up to SPIN_NS: a task that arrives in that window is taken without the
 * sleep/wake-up round trip, which costs tens of µs on an idle virtual CPU.
 * Bounded, so an idle worker still sleeps. */
#define SPIN_NS 30000

#define RBUF_MIN (64 * 1024)

struct rbuf {
    unsigned char *buf;
    size_t cap, start, end;
    const struct cf__pshm *shm; /* its `posted`: tasks the parent wrote whole */
    const uint64_t *taken;      /* tasks this child started (every earlier message) */
};

static uint64_t now_ns(void);

/* Spin for the next task: mostly on memory (the parent's shm->posted passing
 * the tasks we took means the message we wait for is whole in the pipe), with
 * a poll() every 64 turns for what the counter does not announce (EOF, a big
 * argument still being written). */
static void spin_for_input(const struct rbuf *b, int fd) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    uint64_t t0 = now_ns();
    for (unsigned k = 0;; k++) {
        if (atomic_load_explicit(&b->shm->posted, memory_order_acquire) > *b->taken) return;
        if ((k & 63) == 0 && poll(&p, 1, 0) != 0) return;
        if ((k & 15) == 15 && now_ns() - t0 > SPIN_NS) return;
        sched_yield();
    }
}

/* Make sure n bytes are buffered. 1 on success, 0 on clean EOF before any
 * of them, -1 on error or a truncated message. */
static int rbuf_need(struct rbuf *b, int fd, size_t n) {
    if (b->end - b->start >= n) return 1;
    if (b->cap - b->start < n) {
        size_t have = b->end - b->start;
        if (b->cap < n) {
            size_t cap = b->cap ? b->cap : RBUF_MIN;
            while (cap < n)
                cap *= 2;
            unsigned char *p = malloc(cap);
            if (!p) return -1;
            if (have) memcpy(p, b->buf + b->start, have);
            free(b->buf);
            b->buf = p;
            b->cap = cap;
        } else if (have) {
            memmove(b->buf, b->buf + b->start, have);
        }
        b->start = 0;
        b->end = have;
    }
    while (b->end - b->start < n) {
        spin_for_input(b, fd);
        ssize_t r = read(fd, b->buf + b->end, b->cap - b->end);
        if (r > 0) {
            b->end += (size_t)r;
        } else if (r == 0) {
            return b->end == b->start ? 0 : -1;
        } else if (errno != EINTR) {
            return -1;
        }
    }
    return 1;
}

static int write_all(int fd, struct iovec *iov, int n) {
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

static void on_exit_handler(int status, void *arg) {
    (void)arg;
    fflush(NULL);
    _exit(status);
}

static void close_others(int a, int b) {
    if (a > b) {
        int t = a;
        a = b;
        b = t;
    }
    /* [3, a-1], [a+1, b-1], [b+1, max] */
    unsigned lo[3] = {3, (unsigned)a + 1, (unsigned)b + 1};
    unsigned hi[3] = {(unsigned)a - 1, (unsigned)b - 1, ~0U};
    for (int i = 0; i < 3; i++) {
        if (lo[i] > hi[i] || (i < 2 && hi[i] == ~0U)) continue;
        if (close_range(lo[i], hi[i], 0) != 0) {
            long max = sysconf(_SC_OPEN_MAX);
            if (max < 0 || max > 65536) max = 65536;
            unsigned top = hi[i] < (unsigned)max ? hi[i] : (unsigned)max;
            for (unsigned fd = lo[i]; fd <= top; fd++)
                close((int)fd);
        }
    }
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

_Noreturn void cf__pchild_main(const struct cf__pchild_cfg *cfg) {
    int tfd = cfg->task_fd, rfd = cfg->result_fd;
    struct cf__pshm *shm = cfg->shm;

    /* Output the parent had buffered but not written belongs to the parent:
     * drop our copy, or the child's exit would print it a second time. */
    __fpurge(stdout);
    __fpurge(stderr);
    close_others(tfd, rfd);
    prctl(PR_SET_NAME, cfg->name, 0, 0, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = SIG_DFL;
    static const int crash[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof crash / sizeof crash[0]; i++)
        sigaction(crash[i], &sa, NULL);
    pthread_sigmask(SIG_SETMASK, cfg->saved_mask, NULL);
    on_exit(on_exit_handler, NULL);

    if (cfg->initializer) {
        int rc = cfg->initializer(cfg->initarg);
        if (rc != 0) {
            struct cf__pmsg_res h = {.kind = CF__PRES_INITFAIL, .status = CF_EBROKEN, .code = rc};
            struct iovec iov = {&h, sizeof h};
            (void)write_all(rfd, &iov, 1);
            _exit(1);
        }
    }
    atomic_store_explicit(&shm->ready, 1, memory_order_release);

    uint64_t n = 0;
    struct rbuf in = {.shm = shm, .taken = &n};
    cf_out out;
    cf__out_init(&out);
    for (;;) {
        if (cfg->max_tasks > 0 && n >= (uint64_t)cfg->max_tasks) break;
        int r = rbuf_need(&in, tfd, sizeof(struct cf__pmsg_task));
        if (r <= 0) break; /* EOF: the parent retired us (or died) */
        struct cf__pmsg_task th;
        memcpy(&th, in.buf + in.start, sizeof th);
        if (th.len > CF_PROCESS_MAX_BYTES) _exit(2); /* cannot happen: the parent checks */
        size_t need = sizeof th + (size_t)th.len;
        if (rbuf_need(&in, tfd, need) <= 0) break;
        const unsigned char *arg = in.buf + in.start + sizeof th;
        cf_task_fn fn = (cf_task_fn)(uintptr_t)th.fn;

        atomic_store_explicit(&shm->started, ++n, memory_order_release);
        uint64_t t0 = now_ns();
        cf__out_run(&out, fn, arg, (size_t)th.len);
        uint64_t t1 = now_ns();
        in.start += need;
        if (in.start == in.end) {
            in.start = in.end = 0;
            if (in.cap > 4 * RBUF_MIN) { /* give back a big argument's buffer */
                free(in.buf);
                in.buf = NULL;
                in.cap = 0;
            }
        }

        struct cf__pmsg_res h = {.kind = CF__PRES_RESULT, .ns = t1 - t0};
        struct iovec iov[2] = {{&h, sizeof h}, {NULL, 0}};
        if (out.failed) {
            h.status = out.status ? out.status : CF_ETASK;
            h.code = out.code;
            h.len = strnlen(out.msg, sizeof out.msg);
            iov[1].iov_base = out.msg;
        } else if (out.len > CF_PROCESS_MAX_BYTES) {
            h.status = CF_ETOOBIG;
            h.code = CF_ETOOBIG;
            snprintf(out.msg, sizeof out.msg,
                     "result of %zu bytes exceeds the process pool's %zu-byte limit", out.len,
                     CF_PROCESS_MAX_BYTES);
            h.len = strlen(out.msg);
            iov[1].iov_base = out.msg;
        } else {
            h.len = out.len;
            iov[1].iov_base = out.data;
        }
        iov[1].iov_len = (size_t)h.len;
        if (write_all(rfd, iov, h.len ? 2 : 1) != 0) _exit(1); /* the parent is gone */
        atomic_store_explicit(&shm->finished, n, memory_order_release);
        cf__out_reset(&out);
        if (out.cap > 4 * RBUF_MIN) cf__out_free(&out);
    }
    if (cfg->finalizer) cfg->finalizer(cfg->initarg);
    fflush(NULL);
    _exit(0);
}
