/*
 * mode_hybrid.c — the `hybrid` mode: P forked worker processes, each running
 * its own cf_loop with the workload's event-loop driver (how asyncio /
 * uvloop users scale past one core: one loop per process).
 *
 * What "workers" means: the total number of operations in flight, as in
 * async, split over P processes (process k gets workers / P, the first
 * workers % P one more). P = min(workers, the CPUs this process may use),
 * or min(workers, --hybrid-procs N) when set (cfb_hybrid_set_procs); each
 * case records it as `processes`. Without a driver (primes, noop) each
 * process runs the tasks it claims inline, one after another, through the
 * engine's wrapper: CPU-bound work then scales with the processes (up to
 * the CPUs), unlike async.
 *
 * Processes. The parent (the sweep's main thread) first runs the worker
 * setup once and undoes it (so process-wide lazy initialisation, e.g.
 * curl_global_init, is inherited rather than repeated per child), then
 * forks the P children
 * directly (not through the process pool: a pool worker closes every
 * inherited descriptor, and the outcomes must stream back while the
 * repetition runs, so that a child that dies loses only what it had not yet
 * reported). Each child: drops inherited descriptors but its pipe's write
 * end (close_range), its copy of unwritten stdio, SIGPIPE ignored;
 * cfb_rep_worker_enter(rep, k) (the workload's worker_setup, the impl's
 * worker_enter, slot k); then runs its loop; cfb_rep_worker_exit; _exit(0).
 * It never returns into the sweep. Other parent threads (the embedded flag
 * server's) vanish in the child; glibc resets its malloc and stdio locks at
 * fork, and sanitizer builds fork only while no thread is inside the
 * allocator (cf__fork_quiesce, as the process pool does). Libraries with
 * their own state (libcurl) are set up again by the workload's
 * worker_setup and the driver's open in the child.
 *
 * Tasks reach the processes through a shared next-index: a MAP_SHARED page
 * made per repetition before the forks holds an atomic `next` and, per task,
 * the slot of the process that claimed it (`owner`, written once by that
 * process). A child claims the next index whenever it has room in its
 * window (driver) or is free (inline): balanced, whatever the task costs.
 *
 * Outcomes travel back over one pipe per child: a record {index, status,
 * code, len, kind} and len bytes (the value, or the error message). A child
 * batches records and writes them once per loop iteration (a zero-delay
 * timer armed by the first record of a batch) or when 64 KiB are pending;
 * inline, after 32 KiB or 1 ms. A last record (kind END) says it finished
 * cleanly. The parent polls the pipes, turns each record into a done future
 * (cf_future_set_result / set_error) and hands it to cfb_rep_take(). Start
 * and end times: the child calls cfb_rep_mark() (driver) or the engine's
 * wrapper records them (inline); both write the case's MAP_SHARED records,
 * which the parent reads only after every child was reaped.
 *
 * Failure. EOF on a pipe without END means the child died: after every
 * pipe is closed and every child reaped (waitpid; their CPU time joins the
 * parent's RUSAGE_CHILDREN, as in `process`), each task not taken fails with
 * CF_EBROKEN naming the process that claimed it and how it ended ("killed by
 * signal 9"), or, if no process claimed it, that every process ended early.
 * The repetition still returns 0: failed tasks are measurements, as a dead
 * worker's task is in `process`. A child whose worker setup fails sends a
 * SETUP record and exits: the repetition fails (CF_EBROKEN), as a process
 * pool whose initializer fails is broken. A child cannot hang the parent
 * longer than its own tasks take (drivers have timeouts); the parent never
 * waits for anything but pipes and exits.
 *
 * Observed runs (modes.h: cfb_run_tasks, e.g. `cfbench flags --mode
 * hybrid`): the parent takes outcomes as they arrive, so the observer sees
 * them in completion order, on the parent's (caller's) thread. A stoppable
 * run polls with a cfb_rep_poll_s() timeout; once cfb_rep_stopping() the
 * parent sets ctl.stop, each child claims nothing more and ends when its
 * in-flight tasks have (the flag workload's own timeouts bound them), and
 * every task no process claimed is taken as cancelled, not as broken.
 *
 * Test knob (tests only, like runners/inject.c): CFB_INJECT_HYBRID_KILL=K
 * makes the first process to claim its (K+1)-th task (whichever the
 * scheduler ran first: ctl.killed elects one, so the test does not depend
 * on which process gets the CPU) flush what it has and SIGKILL itself
 * right after that claim: a deterministic death mid-repetition. Inline, it
 * loses exactly that task; with a driver and a window above K, the K+1 it
 * had in flight (none has completed: the first pump claims them back to
 * back, before the loop runs).
 *
 * Who frees what. The parent owns the control page (munmap after the
 * reaping), the pipes' read ends, the per-child buffers, and the futures it
 * makes until cfb_rep_take passes each to the engine. A child owns its loop,
 * driver state, futures and output buffer, and frees nothing of the
 * parent's (its copy vanishes with _exit).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cf_loop.h"
#include "modes.h"

/* Sanitizer builds only: fork() waits until no thread is inside the
 * sanitizer's allocator, whose locks GCC 12's ASan/TSan do not take around
 * fork (core/src/san_fork_gate.c; the process pool does the same). glibc's
 * malloc is fork-safe: release builds compile these to nothing. */
#ifdef CFB_SANITIZER
void cf__fork_quiesce(void); /* core/src/proc_channel.h */
void cf__fork_resume(bool child);
#define FORK_QUIESCE() cf__fork_quiesce()
#define FORK_RESUME(child) cf__fork_resume(child)
#else
#define FORK_QUIESCE() ((void)0)
#define FORK_RESUME(child) ((void)0)
#endif

/* ---- the number of processes --------------------------------------------- */

static int hybrid_procs; /* 0 = auto (the CPUs); set before the sweep */

void cfb_hybrid_set_procs(int n) {
    hybrid_procs = n > 0 ? n : 0;
}

int cfb_hybrid_get_procs(void) {
    return hybrid_procs;
}

int cfb_hybrid_processes(int workers) {
    int p = hybrid_procs > 0 ? hybrid_procs : cf_process_cpu_count();
    if (workers < 1) workers = 1;
    return p < workers ? p : workers;
}

/* ---- records on the pipe -------------------------------------------------- */

enum { REC_OUTCOME = 0, REC_END = 1, REC_SETUP = 2, REC_READY = 3 };

typedef struct hrec {
    uint64_t index;
    int32_t status; /* 0: a value; else the future's status (CF_ETASK, CF_EBROKEN, …) */
    int32_t code;   /* the error's code */
    uint32_t len;   /* bytes that follow: the value, or the error message */
    uint32_t kind;  /* REC_* */
} hrec;

typedef struct ctl {
    _Atomic uint64_t next; /* the next task index to claim */
    _Atomic int stop;      /* observed run stopped (parent writes): claim nothing more */
    _Atomic int killed;    /* test knob: a process took its injected death */
    int32_t owner[];       /* per task: the slot that claimed it, -1 = none */
} ctl;

#define FLUSH_AT (64 * 1024)
#define INLINE_FLUSH_AT (32 * 1024)
#define INLINE_FLUSH_S 0.001

/* ---- the child ------------------------------------------------------------ */

typedef struct child {
    cfb_rep *rep;
    const cfb_async_driver *drv;
    void *state;
    cf_loop *loop;
    ctl *ctl;
    size_t n;
    int slot, window, inflight;
    int fd;
    bool exhausted, pumping, flush_armed;
    double *start; /* per task (only those this child claims are written) */
    unsigned char *buf;
    size_t blen, bcap;
    long kill_after; /* test knob: -1 off */
    long claimed;
} child;

static _Noreturn void child_die(int status) {
    _exit(status);
}

static void child_flush(child *c) {
    size_t off = 0;
    while (off < c->blen) {
        ssize_t k = write(c->fd, c->buf + off, c->blen - off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) child_die(1); /* the parent is gone */
        off += (size_t)k;
    }
    c->blen = 0;
}

static void child_put(child *c, uint64_t i, int32_t status, int32_t code, uint32_t kind,
                      const void *data, size_t len) {
    if (len > UINT32_MAX - sizeof(hrec)) len = 0; /* never: values are small */
    size_t need = c->blen + sizeof(hrec) + len;
    if (need > c->bcap) {
        size_t cap = c->bcap ? c->bcap : 4096;
        while (cap < need)
            cap *= 2;
        unsigned char *b = realloc(c->buf, cap);
        if (!b) child_die(1);
        c->buf = b;
        c->bcap = cap;
    }
    hrec h = {.index = i, .status = status, .code = code, .len = (uint32_t)len, .kind = kind};
    memcpy(c->buf + c->blen, &h, sizeof h);
    if (len) memcpy(c->buf + c->blen + sizeof h, data, len);
    c->blen = need;
}

/* The outcome of done future f for task i, into the batch. */
static void child_put_future(child *c, uint64_t i, cf_future *f) {
    const void *data = NULL;
    size_t len = 0;
    int rc = cf_future_result(f, 0, &data, &len);
    if (rc == 0) {
        child_put(c, i, 0, 0, REC_OUTCOME, data, len);
    } else {
        int code = rc;
        const char *msg = "";
        if (rc != CF_ECANCELLED) cf_future_error(f, &code, &msg);
        child_put(c, i, rc, code, REC_OUTCOME, msg, strlen(msg));
    }
}

/* Claim the next task, or false when none is left. */
static bool child_claim(child *c, uint64_t *i) {
    if (c->exhausted) return false;
    if (atomic_load(&c->ctl->stop)) {
        c->exhausted = true; /* what is in flight finishes; the rest is taken as cancelled */
        return false;
    }
    uint64_t k = atomic_fetch_add(&c->ctl->next, 1);
    if (k >= c->n) {
        c->exhausted = true;
        return false;
    }
    c->ctl->owner[k] = c->slot;
    if (c->kill_after >= 0 && c->claimed == c->kill_after &&
        atomic_exchange(&c->ctl->killed, 1) == 0) {
        child_flush(c); /* what it finished reaches the parent; the claimed task is lost */
        raise(SIGKILL);
    }
    c->claimed++;
    *i = k;
    return true;
}

static void on_flush(cf_loop *loop, void *arg) {
    (void)loop;
    child *c = arg;
    c->flush_armed = false;
    child_flush(c);
}

static void child_pump(child *c);

static void child_on_done(cf_future *f, void *arg) {
    child *c = arg;
    uint64_t i = cf_future_tag(f);
    cfb_rep_mark(c->rep, i, c->start[i], cfb_now(), c->slot);
    child_put_future(c, i, f);
    cf_future_release(f);
    c->inflight--;
    if (c->blen >= FLUSH_AT) {
        child_flush(c);
    } else if (!c->flush_armed) {
        if (cf_loop_call_later(c->loop, 0, on_flush, c) == 0)
            c->flush_armed = true;
        else
            child_flush(c);
    }
    child_pump(c);
}

static void child_pump(child *c) {
    if (c->pumping) return;
    c->pumping = true;
    uint64_t i;
    while (c->inflight < c->window && child_claim(c, &i)) {
        const void *arg;
        size_t len;
        cfb_rep_task_arg(c->rep, i, &arg, &len);
        cf_future *f = cf_future_new();
        if (!f) {
            child_put(c, i, CF_ENOMEM, CF_ENOMEM, REC_OUTCOME, "hybrid: out of memory", 21);
            continue;
        }
        cf_future_set_tag(f, i);
        c->inflight++;
        c->start[i] = cfb_now();
        int rc = c->drv->start(c->state, arg, len, f);
        if (rc) cf_future_set_error(f, rc, rc, "hybrid: the driver could not start the task");
        cf_future_add_done_callback(f, child_on_done, c); /* at once if already done */
    }
    c->pumping = false;
    if (c->inflight < c->window && !c->exhausted) {
        child_pump(c); /* a synchronous completion freed room after the test */
    } else if (c->inflight == 0 && c->exhausted) {
        cf_loop_stop(c->loop);
    }
}

static void child_kick(cf_loop *loop, void *arg) {
    (void)loop;
    child_pump(arg);
}

static void child_inline(child *c) {
    double last = cfb_now();
    uint64_t i;
    while (child_claim(c, &i)) {
        cf_task_fn fn;
        const void *arg;
        size_t len;
        cfb_rep_task(c->rep, i, &fn, &arg, &len);
        cf_future *f = cf_future_new();
        if (!f) {
            child_put(c, i, CF_ENOMEM, CF_ENOMEM, REC_OUTCOME, "hybrid: out of memory", 21);
            continue;
        }
        cf_future_set_running(f);
        cf_run_task(f, fn, arg, len);
        child_put_future(c, i, f);
        cf_future_release(f);
        double now = cfb_now();
        if (c->blen >= INLINE_FLUSH_AT || now - last >= INLINE_FLUSH_S) {
            child_flush(c);
            last = now;
        }
    }
}

/* Close every descriptor from 3 up but a and b. */
static void close_all_but(int a, int b) {
    if (a > b) {
        int t = a;
        a = b;
        b = t;
    }
    if (a > 3) close_range(3, (unsigned)a - 1, 0);
    if (b > a + 1) close_range((unsigned)a + 1, (unsigned)b - 1, 0);
    close_range((unsigned)b + 1, ~0U, 0);
}

/* Tell the parent this process is ready, then wait until it lets every
 * process go (EOF on the go pipe). */
static void child_ready(child *c, int go) {
    child_put(c, 0, 0, 0, REC_READY, NULL, 0);
    child_flush(c);
    char b;
    while (read(go, &b, 1) < 0 && errno == EINTR)
        ;
    close(go);
}

static _Noreturn void child_main(cfb_rep *rep, ctl *ct, int slot, int window, int fd, int go,
                                 long kill_after) {
    __fpurge(stdout); /* the parent's unwritten output is the parent's */
    __fpurge(stderr);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, SIG_DFL);
    /* keep 0, 1, 2, fd and go: the parent's sockets and the other pipes are not ours */
    close_all_but(fd, go);

    child c = {.rep = rep,
               .drv = cfb_rep_workload(rep)->async,
               .ctl = ct,
               .n = cfb_rep_ntasks(rep),
               .slot = slot,
               .window = window < 1 ? 1 : window,
               .fd = fd,
               .kill_after = kill_after};
    if (cfb_rep_worker_enter(rep, slot) != 0) {
        static const char m[] = "worker setup failed";
        child_put(&c, 0, CF_EBROKEN, CF_EBROKEN, REC_SETUP, m, sizeof m - 1);
        child_flush(&c);
        child_die(3);
    }
    if (c.drv) {
        c.start = calloc(c.n ? c.n : 1, sizeof *c.start);
        int rc = c.start ? cf_loop_new(&c.loop) : CF_ENOMEM;
        if (!rc) {
            rc = c.drv->open(c.loop, cfb_rep_params(rep), c.window, &c.state);
            if (rc) {
                cf_loop_free(c.loop);
                c.loop = NULL;
            }
        }
        if (rc) {
            char m[160];
            snprintf(m, sizeof m, "%s driver: %s", cfb_rep_workload(rep)->name, cf_strerror(rc));
            child_put(&c, 0, CF_EBROKEN, rc, REC_SETUP, m, strlen(m));
            child_flush(&c);
            cfb_rep_worker_exit(rep);
            child_die(3);
        }
        child_ready(&c, go);
        cf_loop_call_later(c.loop, 0, child_kick, &c);
        int rc2 = cf_loop_run(c.loop);
        c.drv->close(c.state); /* fails anything still in flight (only after an error) */
        cf_loop_free(c.loop);
        if (rc2) child_die(4); /* no END record: the parent reports it */
    } else {
        child_ready(&c, go);
        child_inline(&c);
    }
    child_put(&c, 0, 0, 0, REC_END, NULL, 0);
    child_flush(&c);
    cfb_rep_worker_exit(rep);
    child_die(0);
}

/* ---- the parent ----------------------------------------------------------- */

typedef struct proc {
    pid_t pid; /* 0: never started */
    int fd;    /* read end, -1 once closed */
    bool ended, setup_failed, ready;
    int status; /* waitpid's */
    unsigned char *buf;
    size_t blen, bcap;
    char why[160]; /* how it ended, for the tasks it lost */
} proc;

static void describe_end(proc *p) {
    int s = p->status;
    if (WIFSIGNALED(s))
        snprintf(p->why, sizeof p->why, "was killed by signal %d (%s)", WTERMSIG(s),
                 strsignal(WTERMSIG(s)));
    else if (WIFEXITED(s))
        snprintf(p->why, sizeof p->why, "exited with status %d", WEXITSTATUS(s));
    else
        snprintf(p->why, sizeof p->why, "ended");
}

/* Take task i's outcome from a record: 0, or a negative CF_E* code. got[i]
 * says the task was taken. */
static int take_record(cfb_rep *rep, const hrec *h, const unsigned char *data, unsigned char *got) {
    cf_future *f = cf_future_new();
    if (!f) return CF_ENOMEM;
    if (h->status == 0) {
        cf_future_set_result(f, data, h->len);
    } else {
        char msg[1024];
        size_t l = h->len < sizeof msg - 1 ? h->len : sizeof msg - 1;
        memcpy(msg, data, l);
        msg[l] = '\0';
        cf_future_set_error(f, h->status, h->code, msg);
    }
    if (cfb_rep_take(rep, h->index, f) != 0) return CF_EINVAL; /* twice: a bad record */
    got[h->index] = 1;
    return 0;
}

/* Parse every whole record in p's buffer. */
static int parse(cfb_rep *rep, proc *p, int k, size_t ntasks, unsigned char *got) {
    size_t off = 0;
    int rc = 0;
    while (p->blen - off >= sizeof(hrec)) {
        hrec h;
        memcpy(&h, p->buf + off, sizeof h);
        if (p->blen - off - sizeof h < h.len) break;
        const unsigned char *data = p->buf + off + sizeof h;
        if (h.kind == REC_END) {
            p->ended = true;
        } else if (h.kind == REC_READY) {
            p->ready = true;
        } else if (h.kind == REC_SETUP) {
            p->setup_failed = true;
            cfb_rep_fail(rep, "hybrid: worker process %d: %.*s", k, (int)h.len, (const char *)data);
        } else if (h.index >= ntasks || (rc = take_record(rep, &h, data, got)) != 0) {
            if (!rc) rc = CF_EINVAL;
            cfb_rep_fail(rep, "hybrid: worker process %d sent a bad record (task %llu)", k,
                         (unsigned long long)h.index);
            break;
        }
        off += sizeof h + h.len;
    }
    memmove(p->buf, p->buf + off, p->blen - off);
    p->blen -= off;
    return rc;
}

/* Read what is there from p; false at EOF (or a read error). */
static bool drain(proc *p) {
    if (p->bcap - p->blen < 64 * 1024) {
        size_t cap = p->bcap ? p->bcap * 2 : 256 * 1024;
        unsigned char *b = realloc(p->buf, cap);
        if (!b) return false; /* treated as EOF: its unread tasks fail */
        p->buf = b;
        p->bcap = cap;
    }
    for (;;) {
        ssize_t k = read(p->fd, p->buf + p->blen, p->bcap - p->blen);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return false;
        p->blen += (size_t)k;
        return true;
    }
}

static long kill_knob(void) {
    const char *s = getenv("CFB_INJECT_HYBRID_KILL");
    if (!s || !*s) return -1;
    char *end;
    long v = strtol(s, &end, 10);
    return *end || v < 0 ? -1 : v;
}

static int run_hybrid(cfb_rep *rep) {
    size_t n = cfb_rep_ntasks(rep);
    int workers = cfb_rep_workers(rep);
    if (workers < 1) workers = 1;
    int np = cfb_hybrid_processes(workers);
    size_t csize = sizeof(ctl) + (n ? n : 1) * sizeof(int32_t);
    void *m = mmap(NULL, csize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    proc *ps = calloc((size_t)np, sizeof *ps);
    unsigned char *got = calloc(n ? n : 1, 1);
    if (m == MAP_FAILED || !ps || !got) {
        if (m != MAP_FAILED) munmap(m, csize);
        free(ps);
        free(got);
        cfb_rep_fail(rep, "hybrid: out of memory");
        return CF_ENOMEM;
    }
    ctl *ct = m;
    atomic_store(&ct->next, 0);
    atomic_store(&ct->stop, 0);
    atomic_store(&ct->killed, 0);
    for (size_t i = 0; i < n; i++)
        ct->owner[i] = -1;
    long kill_after = kill_knob();
    int rc = 0, go[2] = {-1, -1};
    /* The worker setup once in the parent, undone at once: process-wide lazy
     * initialisation it triggers (libcurl's curl_global_init and OpenSSL's
     * tables, ~1 ms) is then done once and inherited by every child instead
     * of paid by each child of each repetition (a forkserver's preload). A
     * setup that fails fails the repetition here, before any fork. */
    if (cfb_rep_worker_enter(rep, 0) != 0) {
        munmap(m, csize);
        free(ps);
        free(got);
        return CF_EBROKEN;
    }
    cfb_rep_worker_exit(rep);
    if (pipe2(go, O_CLOEXEC) != 0) {
        munmap(m, csize);
        free(ps);
        free(got);
        cfb_rep_fail(rep, "hybrid: pipe: %s", strerror(errno));
        return CF_ESYS;
    }
    fflush(NULL); /* nothing buffered is duplicated (children purge theirs too) */
    int started = 0;
    for (int k = 0; k < np; k++) {
        ps[k].fd = -1;
        int pf[2];
        if (pipe2(pf, O_CLOEXEC) != 0) {
            cfb_rep_fail(rep, "hybrid: pipe: %s", strerror(errno));
            rc = CF_ESYS;
            break;
        }
        (void)fcntl(pf[1], F_SETPIPE_SZ, 1024 * 1024);
        int window = workers / np + (k < workers % np);
        FORK_QUIESCE();
        pid_t pid = fork();
        if (pid == 0) {
            FORK_RESUME(true);
            close(pf[0]);
            close(go[1]);
            child_main(rep, ct, k, window, pf[1], go[0], kill_after);
        }
        FORK_RESUME(false);
        close(pf[1]);
        if (pid < 0) {
            close(pf[0]);
            cfb_rep_fail(rep, "hybrid: fork: %s", strerror(errno));
            rc = CF_ESYS;
            break;
        }
        ps[k].pid = pid;
        ps[k].fd = pf[0];
        started++;
    }
    close(go[0]);
    if (rc && started) rc = 0; /* fewer processes than asked: those started do the work */

    /* Read every pipe to its end. The clock starts, and the processes are
     * let go (the go pipe closed: EOF for all), once every live process has
     * its loop and driver ready — as async's clock starts after its driver
     * is open. */
    struct pollfd pfd[np > 0 ? np : 1];
    int open_n = started;
    bool going = false, stop_sent = false;
    double poll_s = cfb_rep_poll_s(rep);
    int poll_ms = poll_s == CF_FOREVER ? -1 : (int)(poll_s * 1000);
    while (open_n > 0) {
        if (!stop_sent && cfb_rep_stopping(rep)) {
            atomic_store(&ct->stop, 1); /* the children claim nothing more */
            stop_sent = true;
        }
        if (!going) {
            bool all = true;
            for (int k = 0; k < np; k++)
                all &= ps[k].fd < 0 || ps[k].ready;
            if (all) {
                cfb_rep_start(rep);
                close(go[1]);
                go[1] = -1;
                going = true;
            }
        }
        int q = 0, idx[np > 0 ? np : 1];
        for (int k = 0; k < np; k++)
            if (ps[k].fd >= 0) {
                pfd[q] = (struct pollfd){.fd = ps[k].fd, .events = POLLIN};
                idx[q++] = k;
            }
        int r = poll(pfd, (nfds_t)q, poll_ms);
        if (r < 0) {
            if (errno == EINTR) continue;
            cfb_rep_fail(rep, "hybrid: poll: %s", strerror(errno));
            for (int k = 0; k < np; k++)
                if (ps[k].fd >= 0) kill(ps[k].pid, SIGKILL);
            rc = CF_ESYS;
            break;
        }
        for (int j = 0; j < q; j++) {
            if (!pfd[j].revents) continue;
            proc *p = &ps[idx[j]];
            bool more = drain(p);
            int prc = parse(rep, p, idx[j], n, got);
            if (prc && !rc) rc = prc;
            if (!more || prc) {
                if (prc) kill(p->pid, SIGKILL); /* it speaks nonsense: stop it */
                close(p->fd);
                p->fd = -1;
                open_n--;
            }
        }
    }
    if (go[1] >= 0) close(go[1]);
    cfb_rep_start(rep); /* (no-op once started) every process ended before it was ready */
    for (int k = 0; k < np; k++) {
        if (ps[k].fd >= 0) close(ps[k].fd);
        if (!ps[k].pid) continue;
        while (waitpid(ps[k].pid, &ps[k].status, 0) < 0 && errno == EINTR)
            ;
        describe_end(&ps[k]);
    }

    /* What no process reported fails, naming who lost it. */
    bool setup_failed = false;
    for (int k = 0; k < np; k++)
        setup_failed |= ps[k].setup_failed;
    for (size_t i = 0; i < n && !rc; i++) {
        if (got[i]) continue;
        int32_t o = ct->owner[i];
        if (o < 0 && stop_sent) { /* never claimed: the run was stopped */
            rc = cfb_rep_take_cancelled(rep, i);
            continue;
        }
        char msg[400];
        if (o >= 0 && o < np)
            snprintf(msg, sizeof msg,
                     "hybrid: worker process %d (pid %ld) %s%s before it reported this task", o,
                     (long)ps[o].pid, ps[o].why, ps[o].ended ? " after its END record" : "");
        else
            snprintf(msg, sizeof msg,
                     "hybrid: not started: every worker process ended before this task");
        cf_future *f = cf_future_new();
        if (!f) {
            rc = CF_ENOMEM;
            break;
        }
        cf_future_set_error(f, CF_EBROKEN, CF_EBROKEN, msg);
        cfb_rep_take(rep, i, f);
    }
    if (!rc && setup_failed) rc = CF_EBROKEN;
    if (!rc && started == 0) {
        cfb_rep_fail(rep, "hybrid: no worker process could start");
        rc = CF_ESYS;
    }
    for (int k = 0; k < np; k++)
        free(ps[k].buf);
    free(ps);
    free(got);
    munmap(m, csize);
    return rc;
}

const cfb_mode cfb_mode_hybrid = {
    "hybrid",
    "worker processes, each with its own event loop (workers = in flight, split over "
    "min(workers, CPUs) processes; CPU-bound tasks run inline in each)",
    true,
    run_hybrid,
};
