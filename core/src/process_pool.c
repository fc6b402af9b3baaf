/*
 * process_pool.c — the process-pool executor (parent side).
 *
 * Concurrency design
 *   Threads
 *     - Callers: cf_submit (pp_submit), cf_executor_shutdown (pp_shutdown),
 *       shutdown_timeout, terminate/kill_workers (pp_force), is_broken, from
 *       any thread. They only touch the queue and flags under p->mu (and
 *       complete futures they take off the queue: cancel, or fail when
 *       broken); they never touch a worker or send a signal.
 *     - One manager thread per pool (started by cf_process_pool_new, joined
 *       by the first shutdown(wait=true)). It owns everything about workers:
 *       it forks them, writes tasks to them, reads their results, completes
 *       the futures (so done-callbacks run in the manager thread), detects
 *       their death and reaps them. It sleeps in epoll_wait on: an eventfd
 *       (submit/shutdown wake-ups), each worker's result pipe (and task pipe
 *       when a write would block), and each worker's pidfd (death).
 *       Before it sleeps it may spin (mgr_spin: up to MGR_SPIN_NS, a
 *       sched_yield per turn, so a thread or worker that shares its CPU
 *       runs first) on memory only: a worker's shm->finished passing the
 *       results read (the result is whole in its pipe: read it now), q_hint
 *       (a task queued while mgr_idle is still false, so no eventfd write
 *       came), force_sig. It spins only when a CPU is free for it (fewer
 *       workers running tasks than the pool's CPUs, two CPUs at least), a
 *       worker is alive, nothing is closing, and, while a task runs, the
 *       tasks are measured shorter than the spin; a worker that dies mid-task never moves
 *       `finished`, so the spin runs out and its pidfd wakes epoll_wait.
 *     - Worker processes, forked by the manager thread (see proc_channel.c
 *       for what a child does before its first task).
 *   Locks
 *     - p->mu (pthread mutex) guards: the queue (q_head/q_tail), shutdown,
 *       broken and its message, mgr_idle/wake_sent, mgr_done (done_cv, a
 *       CLOCK_MONOTONIC condition that shutdown_timeout waits on), and
 *       force_sig/force_by (the signal terminate/kill_workers asked for).
 *       Never held across a system call other than the eventfd write, never
 *       while completing a future (callbacks run unlocked).
 *     - p->join_mu serialises joining the manager thread.
 *     - Counters for cf_executor_stats_get are relaxed atomics.
 *     - q_hint mirrors q_len (stored under p->mu at every change); the
 *       manager reads it without the lock only as a hint to stop spinning,
 *       then takes p->mu as before. A worker's shared page: `posted` is
 *       written by the manager alone (tasks written whole into its pipe,
 *       after each writev), `started`/`finished`/`ready` by the child alone.
 *     - Worker slots (p->w[]) belong to the manager thread alone: no lock.
 *   Invariants
 *     - A task is in exactly one place: the queue (PENDING, or RUNNING if it
 *       was re-queued from a dead worker), one worker's in-flight FIFO
 *       (RUNNING: it was "handed to a worker" when written), or freed.
 *     - At most max_workers processes exist: a slot is reused only after its
 *       process was reaped.
 *     - Each worker holds at most `lookahead` in-flight tasks, chosen from the
 *       measured task run time so that about LOOKAHEAD_NS of work is queued
 *       in its pipe (1 when unknown or for long tasks, up to 1024 for empty
 *       ones): that batches tiny tasks, and keeps long tasks cancellable and
 *       balanced across workers. It stays 1 for the first LOOKAHEAD_WARMUP
 *       completed tasks and then at most doubles per result (slow start),
 *       so a few quick first tasks cannot deal the long ones out
 *       round-robin.
 *   Dead workers (pidfd readable): the rest of its result pipe is read; the
 *   shared page says how many tasks it started. Tasks with a result: done.
 *   The task it started without a result: fails with CF_EBROKEN naming the
 *   signal or exit status. Tasks it never started: re-queued at the front,
 *   in order (they stay RUNNING). The slot is freed; a new worker is forked
 *   when work needs one. A worker dying before its initializer succeeded
 *   breaks the pool (as does an initializer returning non-zero), and so do
 *   FUTILE_MAX deaths in a row of workers that held tasks but never started
 *   one in their life (p->futile; reset by a completed task and by the
 *   death of any worker that had started a task — a death between tasks
 *   is not futile).
 *   Stopping (pp_force): terminate/kill_workers and a timed-out
 *   shutdown_timeout set shutdown + broken, cancel what never left the
 *   queue, fail re-queued tasks, and set force_sig; the manager (apply_force,
 *   each loop) sends it to every unreaped worker — a pid is ours until
 *   waitpid, so it cannot have been reused — including one forked after the
 *   request; their deaths then take the path above. shutdown_timeout waits
 *   on done_cv up to its deadline, then forces SIGKILL and joins.
 *   Ownership: the pool owns queued and in-flight tasks (struct ptask, with
 *   the argument copied inline) and one reference on each task's future; it
 *   frees the task and drops that reference when the future completes or is
 *   cancelled. Result bytes are malloc'd by the manager and handed to the
 *   future (set_result_owned).
 */
#include "proc_channel.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LOOKAHEAD_NS 100000.0 /* aim for ~100 µs of queued work per worker */
#define LOOKAHEAD_WARMUP 16   /* tasks completed before the look-ahead may exceed 1 */
#ifndef LOOKAHEAD_MAX         /* overridable to measure the effect of batching */
#define LOOKAHEAD_MAX 1024
#endif
#define RIN_MIN (64 * 1024)
#define BIG_RESULT (256 * 1024) /* results above this are read straight into their buffer */
#define IOV_BATCH 64
#define FUTILE_MAX 3
#ifndef MGR_SPIN_NS       /* overridable (0 = never spin) to measure the spin's effect */
#define MGR_SPIN_NS 50000 /* the manager's spin before it sleeps (mgr_spin) */
#endif

/* Sanitizer builds only: fork() waits until no thread is inside the
 * sanitizer's allocator, whose locks GCC 12's ASan/TSan do not take around
 * fork (see san_fork_gate.c). glibc's malloc is fork-safe: release builds
 * compile these to nothing. */
#ifdef CFB_SANITIZER
#define FORK_QUIESCE() cf__fork_quiesce()
#define FORK_RESUME(child) cf__fork_resume(child)
#else
#define FORK_QUIESCE() ((void)0)
#define FORK_RESUME(child) ((void)0)
#endif

struct ptask {
    struct ptask *next;
    cf_future *fut;
    bool running; /* set_running done (a re-queued task keeps it) */
    struct cf__pmsg_task hdr;
    unsigned char arg[];
};

enum { W_FREE = 0, W_ALIVE, W_RETIRING };

struct pworker {
    int state;
    pid_t pid;
    int to_fd, from_fd, pidfd;
    struct cf__pshm *shm;
    struct ptask *fl_head, *fl_tail; /* in flight, in dispatch order */
    struct ptask *send;              /* first task not fully written (in fl list) */
    size_t send_off;                 /* bytes of `send` already written */
    unsigned nflight;
    uint64_t ndispatched, ndone;
    uint64_t nposted;         /* tasks written whole into the pipe (published as shm->posted) */
    bool out_armed;           /* EPOLLOUT registered on to_fd */
    int signalled;            /* the signal apply_force sent it (0 = none) */
    const char *signalled_by; /* the public function that asked for it */
    bool from_open;           /* from_fd still in epoll */
    /* result input */
    unsigned char *in;
    size_t in_cap, in_start, in_end;
    struct cf__pmsg_res big_hdr; /* a big result being read straight into big */
    unsigned char *big;
    size_t big_have;
    bool in_big;
};

typedef struct cf_process_pool {
    struct cf_executor base;
    pthread_mutex_t mu;
    struct ptask *q_head, *q_tail;
    size_t q_len;
    _Atomic size_t q_hint; /* q_len, stored under mu, read without it by the spinning manager */
    bool shutdown;
    bool broken;
    char broken_msg[CF_ERRMSG_MAX];
    bool mgr_idle, wake_sent;
    bool mgr_done;          /* the manager left its loop (done_cv broadcast) */
    _Atomic int force_sig;  /* SIGTERM/SIGKILL asked by terminate/kill_workers (0 = none) */
    const char *force_by;   /* the public function that asked for it (static string) */
    pthread_cond_t done_cv; /* CLOCK_MONOTONIC; signalled when mgr_done is set */
    /* manager-only */
    struct pworker *w;
    int epfd, evfd;
    double avg_ns;      /* EWMA of task run time; <0 = unknown */
    int futile;         /* workers in a row that died holding tasks, never having started one */
    bool spawn_blocked; /* fork failed; retry after a worker ends */
    unsigned lookahead;
    int ncpu; /* CPUs the pool may use (cf_process_cpu_count at creation), for spin_ok */
    sigset_t saved_mask;
    /* joining */
    pthread_t mgr;
    pthread_mutex_t join_mu;
    bool joined;
    /* options */
    cf_init_fn initializer;
    cf_fini_fn finalizer;
    void *initarg;
    int max_tasks;
    char name[9];
    /* stats */
    _Atomic uint64_t st_started, st_alive, st_replaced, st_submitted, st_completed, st_cancelled;
} cf_process_pool;

enum { EV_WAKE = 0, EV_FROM = 1, EV_TO = 2, EV_PID = 3 };
#define EVKEY(slot, kind) (((uint64_t)(slot) << 2) | (uint64_t)(kind))

static void task_free(struct ptask *t) {
    cf_future_release(t->fut);
    free(t);
}

/* ---- the queue (p->mu held) ---------------------------------------------- */

static void q_push(cf_process_pool *p, struct ptask *t) {
    t->next = NULL;
    if (p->q_tail)
        p->q_tail->next = t;
    else
        p->q_head = t;
    p->q_tail = t;
    p->q_len++;
    atomic_store_explicit(&p->q_hint, p->q_len, memory_order_relaxed);
}

static struct ptask *q_pop(cf_process_pool *p) {
    struct ptask *t = p->q_head;
    if (t) {
        p->q_head = t->next;
        if (!p->q_head) p->q_tail = NULL;
        p->q_len--;
        atomic_store_explicit(&p->q_hint, p->q_len, memory_order_relaxed);
        t->next = NULL;
    }
    return t;
}

/* Put a list (head..tail, n items) back at the front, in order. */
static void q_push_front(cf_process_pool *p, struct ptask *head, struct ptask *tail, size_t n) {
    if (!head) return;
    tail->next = p->q_head;
    p->q_head = head;
    if (!p->q_tail) p->q_tail = tail;
    p->q_len += n;
    atomic_store_explicit(&p->q_hint, p->q_len, memory_order_relaxed);
}

static void wake_manager_locked(cf_process_pool *p, bool *do_write) {
    *do_write = false;
    if (p->mgr_idle && !p->wake_sent) {
        p->wake_sent = true;
        *do_write = true;
    }
}

static void wake_write(cf_process_pool *p) {
    uint64_t one = 1;
    ssize_t r;
    do {
        r = write(p->evfd, &one, sizeof one);
    } while (r < 0 && errno == EINTR);
}

/* ---- failing futures -------------------------------------------------------- */

static void fail_task(cf_process_pool *p, struct ptask *t, int status, const char *msg) {
    /* Counted before completion so a caller woken by it sees the count. */
    atomic_fetch_add_explicit(&p->st_completed, 1, memory_order_relaxed);
    cf_future_set_error(t->fut, status, status, msg);
    task_free(t);
}

/* Detach the whole queue (caller holds p->mu); returns its head. */
static struct ptask *take_queue_locked(cf_process_pool *p) {
    struct ptask *q = p->q_head;
    p->q_head = p->q_tail = NULL;
    p->q_len = 0;
    atomic_store_explicit(&p->q_hint, 0, memory_order_relaxed);
    return q;
}

/* Fail (or, for tasks never handed over, cancel-safe fail) every queued task. */
static void fail_queue(cf_process_pool *p, const char *msg) {
    pthread_mutex_lock(&p->mu);
    struct ptask *t = take_queue_locked(p);
    pthread_mutex_unlock(&p->mu);
    while (t) {
        struct ptask *next = t->next;
        if (!t->running && cf_future_set_running(t->fut) == CF_ECANCELLED) {
            atomic_fetch_add_explicit(&p->st_cancelled, 1, memory_order_relaxed);
            task_free(t);
        } else {
            fail_task(p, t, CF_EBROKEN, msg);
        }
        t = next;
    }
}

static void set_broken(cf_process_pool *p, const char *msg) {
    pthread_mutex_lock(&p->mu);
    bool first = !p->broken;
    if (first) {
        p->broken = true;
        snprintf(p->broken_msg, sizeof p->broken_msg, "%s", msg);
    }
    pthread_mutex_unlock(&p->mu);
    fail_queue(p, p->broken_msg);
}

/* ---- workers ------------------------------------------------------------------ */

static int ep_add(cf_process_pool *p, int fd, uint32_t events, uint64_t key) {
    struct epoll_event ev = {.events = events, .data.u64 = key};
    return epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void set_nonblock(int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0) fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Fork a worker into free slot i. 0, or CF_ESYS with msg filled. */
static int spawn(cf_process_pool *p, int i, char *msg, size_t msgsz) {
    struct pworker *w = &p->w[i];
    int tp[2] = {-1, -1}, rp[2] = {-1, -1};
    struct cf__pshm *shm = MAP_FAILED;
    const char *what = "pipe2";
    if (pipe2(tp, O_CLOEXEC) != 0 || pipe2(rp, O_CLOEXEC) != 0) goto fail;
    what = "mmap";
    shm = mmap(NULL, sizeof *shm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shm == MAP_FAILED) goto fail;
    atomic_store(&shm->started, 0);
    atomic_store(&shm->ready, 0);
    atomic_store(&shm->finished, 0);
    atomic_store(&shm->posted, 0);
    (void)fcntl(tp[1], F_SETPIPE_SZ, 256 * 1024);
    (void)fcntl(rp[1], F_SETPIPE_SZ, 256 * 1024);
    set_nonblock(tp[1]);
    set_nonblock(rp[0]);

    struct cf__pchild_cfg cfg = {
        .task_fd = tp[0],
        .result_fd = rp[1],
        .shm = shm,
        .initializer = p->initializer,
        .finalizer = p->finalizer,
        .initarg = p->initarg,
        .max_tasks = p->max_tasks,
        .saved_mask = &p->saved_mask,
    };
    snprintf(cfg.name, sizeof cfg.name, "%.8s-p%u", p->name, (unsigned)i % 10000u);
    what = "fork";
    FORK_QUIESCE();
    pid_t pid = fork();
    if (pid == 0) {
        FORK_RESUME(true); /* the child's copy: a task may create a pool of its own */
        cf__pchild_main(&cfg);
    }
    FORK_RESUME(false);
    if (pid < 0) goto fail;
    close(tp[0]);
    close(rp[1]);
    int pfd = pidfd_open(pid, 0);
    memset(w, 0, sizeof *w);
    w->state = W_ALIVE;
    w->pid = pid;
    w->to_fd = tp[1];
    w->from_fd = rp[0];
    w->pidfd = pfd;
    w->shm = shm;
    w->from_open = true;
    ep_add(p, w->from_fd, EPOLLIN, EVKEY(i, EV_FROM));
    if (pfd >= 0) ep_add(p, pfd, EPOLLIN, EVKEY(i, EV_PID));
    atomic_fetch_add_explicit(&p->st_started, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->st_alive, 1, memory_order_relaxed);
    return 0;
fail:
    snprintf(msg, msgsz, "cannot start a worker process: %s: %s", what, strerror(errno));
    for (int k = 0; k < 2; k++) {
        if (tp[k] >= 0) close(tp[k]);
        if (rp[k] >= 0) close(rp[k]);
    }
    if (shm != MAP_FAILED) munmap(shm, sizeof *shm);
    return CF_ESYS;
}

static void retire(cf_process_pool *p, struct pworker *w) {
    if (w->state != W_ALIVE) return;
    if (w->out_armed) {
        epoll_ctl(p->epfd, EPOLL_CTL_DEL, w->to_fd, NULL);
        w->out_armed = false;
    }
    close(w->to_fd);
    w->to_fd = -1;
    w->state = W_RETIRING;
}

/* Write as much of the worker's unsent tasks as the pipe takes. */
static void flush_sends(cf_process_pool *p, int i) {
    struct pworker *w = &p->w[i];
    while (w->send && w->state == W_ALIVE) {
        struct iovec iov[IOV_BATCH];
        int n = 0;
        size_t off = w->send_off;
        for (struct ptask *t = w->send; t && n + 2 <= IOV_BATCH; t = t->next) {
            size_t hl = sizeof t->hdr, al = (size_t)t->hdr.len;
            if (off < hl) {
                iov[n].iov_base = (char *)&t->hdr + off;
                iov[n++].iov_len = hl - off;
                off = 0;
            } else {
                off -= hl;
            }
            if (al > off) {
                iov[n].iov_base = t->arg + off;
                iov[n++].iov_len = al - off;
            }
            off = 0;
        }
        ssize_t wr = writev(w->to_fd, iov, n);
        if (wr < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                if (!w->out_armed) {
                    ep_add(p, w->to_fd, EPOLLOUT, EVKEY(i, EV_TO));
                    w->out_armed = true;
                }
                return;
            }
            /* EPIPE: the worker is dying; its pidfd will tell. Stop sending. */
            w->send = NULL;
            return;
        }
        size_t left = (size_t)wr;
        while (w->send && left > 0) {
            size_t tot = sizeof w->send->hdr + (size_t)w->send->hdr.len - w->send_off;
            if (left >= tot) {
                left -= tot;
                w->send = w->send->next;
                w->send_off = 0;
                w->nposted++;
            } else {
                w->send_off += left;
                left = 0;
            }
        }
        atomic_store_explicit(&w->shm->posted, w->nposted, memory_order_release);
    }
    if (!w->send && w->out_armed) {
        epoll_ctl(p->epfd, EPOLL_CTL_DEL, w->to_fd, NULL);
        w->out_armed = false;
    }
}

static unsigned credit(cf_process_pool *p, const struct pworker *w) {
    if (w->state != W_ALIVE) return 0;
    unsigned lim = p->lookahead;
    if (w->nflight >= lim) return 0;
    uint64_t c = lim - w->nflight;
    if (p->max_tasks > 0) {
        uint64_t left = (uint64_t)p->max_tasks - w->ndispatched;
        if (left < c) c = left;
    }
    return (unsigned)c;
}

/* Move queued tasks to workers; fork workers when the queued tasks
 * outnumber the idle ones. */
static void dispatch(cf_process_pool *p) {
    int nw = p->base.max_workers;
    for (;;) {
        /* How many workers are idle? Can one be forked? */
        int nidle = 0, free_slot = -1;
        unsigned total = 0;
        for (int i = 0; i < nw; i++) {
            struct pworker *w = &p->w[i];
            if (w->state == W_FREE) {
                if (free_slot < 0) free_slot = i;
                continue;
            }
            unsigned c = credit(p, w);
            total += c;
            if (c && w->nflight == 0) nidle++;
        }
        pthread_mutex_lock(&p->mu);
        size_t qlen = p->q_len;
        bool broken = p->broken;
        pthread_mutex_unlock(&p->mu);
        if (qlen && broken) /* e.g. re-queued from a worker that died after the break */
            fail_queue(p, p->broken_msg);
        if (qlen == 0 || broken) return;
        /* Fork only when the queued tasks outnumber the idle workers: one
         * idle worker is reused for submit-then-wait, and a burst gets every
         * worker at once instead of swamping the first one's pipe. */
        if (qlen > (size_t)nidle && free_slot >= 0 && !p->spawn_blocked) {
            char msg[CF_ERRMSG_MAX];
            if (spawn(p, free_slot, msg, sizeof msg) == 0) continue;
            p->spawn_blocked = true;
            bool any = false;
            for (int i = 0; i < nw; i++)
                any |= p->w[i].state != W_FREE;
            if (!any) {
                set_broken(p, msg);
                return;
            }
        }
        if (total == 0) return;

        /* Take up to `total` tasks. */
        struct ptask *head = NULL, *tail = NULL;
        unsigned n = 0;
        pthread_mutex_lock(&p->mu);
        while (n < total) {
            struct ptask *t = q_pop(p);
            if (!t) break;
            if (tail)
                tail->next = t;
            else
                head = t;
            tail = t;
            n++;
        }
        pthread_mutex_unlock(&p->mu);
        if (!head) return;

        /* Hand them out: idle workers first, then the least loaded. */
        bool touched[nw];
        memset(touched, 0, sizeof touched);
        while (head) {
            struct ptask *t = head;
            head = t->next;
            t->next = NULL;
            if (!t->running) {
                if (cf_future_set_running(t->fut) != 0) { /* cancelled while queued */
                    atomic_fetch_add_explicit(&p->st_cancelled, 1, memory_order_relaxed);
                    task_free(t);
                    continue;
                }
                t->running = true;
            }
            int best = -1;
            for (int i = 0; i < nw; i++) {
                if (credit(p, &p->w[i]) && (best < 0 || p->w[i].nflight < p->w[best].nflight))
                    best = i;
            }
            if (best < 0) { /* cannot happen: we took at most `total` */
                struct ptask *last = t;
                size_t k = 1;
                t->next = head;
                while (last->next) {
                    last = last->next;
                    k++;
                }
                pthread_mutex_lock(&p->mu);
                q_push_front(p, t, last, k);
                pthread_mutex_unlock(&p->mu);
                break;
            }
            struct pworker *w = &p->w[best];
            if (w->fl_tail)
                w->fl_tail->next = t;
            else
                w->fl_head = t;
            w->fl_tail = t;
            if (!w->send) {
                w->send = t;
                w->send_off = 0;
            }
            w->nflight++;
            w->ndispatched++;
            touched[best] = true;
        }
        for (int i = 0; i < nw; i++)
            if (touched[i]) flush_sends(p, i);
    }
}

/* ---- results ------------------------------------------------------------------- */

static void complete(cf_process_pool *p, struct pworker *w, const struct cf__pmsg_res *h,
                     unsigned char *payload, bool owned) {
    struct ptask *t = w->fl_head;
    if (!t) { /* a message for no task: ignore (cannot happen) */
        if (owned) free(payload);
        return;
    }
    w->fl_head = t->next;
    if (!w->fl_head) w->fl_tail = NULL;
    w->nflight--;
    w->ndone++;
    p->futile = 0;
    double ns = (double)h->ns;
    /* Up at once (a long task shrinks the look-ahead now), down slowly. */
    p->avg_ns = p->avg_ns < 0 || ns > p->avg_ns ? ns : p->avg_ns * 0.9 + ns * 0.1;
    double la = 1.0 + LOOKAHEAD_NS / (p->avg_ns + 1.0);
    if (la > LOOKAHEAD_MAX) la = LOOKAHEAD_MAX;
    /* Slow start: one task at a time until LOOKAHEAD_WARMUP tasks have
     * completed (the pool's st_completed counter), then at most doubling
     * per result. A first instant task (the primes fixture starts with "2")
     * would otherwise open the look-ahead to ~100 at once and deal every
     * remaining long task out round-robin, in pipes no idle worker can take
     * them from (measured: 2 workers, 88% efficiency against 90% for
     * threads' greedy pulling). */
    if (atomic_load_explicit(&p->st_completed, memory_order_relaxed) < LOOKAHEAD_WARMUP) {
        la = 1;
    } else if (la > 2.0 * p->lookahead) {
        la = 2.0 * p->lookahead;
    }
    p->lookahead = (unsigned)la;
    atomic_fetch_add_explicit(&p->st_completed, 1, memory_order_relaxed);

    if (h->status == 0) {
        void *data = NULL;
        if (h->len) {
            if (owned) {
                data = payload;
                payload = NULL;
            } else {
                data = malloc((size_t)h->len);
                if (!data) {
                    cf_future_set_error(t->fut, CF_ENOMEM, CF_ENOMEM,
                                        "out of memory for the task's result");
                    goto done;
                }
                memcpy(data, payload, (size_t)h->len);
            }
        }
        if (cf_future_set_result_owned(t->fut, data, (size_t)h->len) != 0) free(data);
    } else {
        char msg[CF_ERRMSG_MAX];
        size_t ml = (size_t)h->len < sizeof msg - 1 ? (size_t)h->len : sizeof msg - 1;
        memcpy(msg, payload, ml);
        msg[ml] = '\0';
        cf_future_set_error(t->fut, h->status, h->code, msg);
    }
done:
    if (owned) free(payload);
    task_free(t);
}

static void handle_msg(cf_process_pool *p, struct pworker *w, const struct cf__pmsg_res *h,
                       unsigned char *payload, bool owned) {
    if (h->kind == CF__PRES_INITFAIL) {
        char msg[CF_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "initializer failed in worker process %d (returned %d)",
                 (int)w->pid, h->code);
        set_broken(p, msg);
        return;
    }
    complete(p, w, h, payload, owned);
}

/* Read what is available on the worker's result pipe and complete tasks.
 * Returns false at EOF. */
static bool read_results(cf_process_pool *p, struct pworker *w) {
    const size_t H = sizeof(struct cf__pmsg_res);
    for (;;) {
        if (w->in_big) {
            size_t want = (size_t)w->big_hdr.len - w->big_have;
            ssize_t r = read(w->from_fd, w->big + w->big_have, want);
            if (r < 0) {
                if (errno == EINTR) continue;
                return true; /* EAGAIN (or an error: the pidfd will tell) */
            }
            if (r == 0) return false;
            w->big_have += (size_t)r;
            if (w->big_have == w->big_hdr.len) {
                w->in_big = false;
                unsigned char *b = w->big;
                w->big = NULL;
                handle_msg(p, w, &w->big_hdr, b, true);
            }
            continue;
        }
        if (!w->in) {
            w->in = malloc(RIN_MIN);
            if (!w->in) return true;
            w->in_cap = RIN_MIN;
        }
        if (w->in_start == w->in_end) {
            w->in_start = w->in_end = 0;
        } else if (w->in_cap - w->in_end < H && w->in_start > 0) {
            memmove(w->in, w->in + w->in_start, w->in_end - w->in_start);
            w->in_end -= w->in_start;
            w->in_start = 0;
        }
        size_t room = w->in_cap - w->in_end;
        ssize_t r = read(w->from_fd, w->in + w->in_end, room);
        if (r < 0) {
            if (errno == EINTR) continue;
            return true;
        }
        if (r == 0) return false;
        w->in_end += (size_t)r;
        /* A short read emptied the pipe: parse and return without a read
         * that would only say EAGAIN (epoll is level-triggered, and a dead
         * writer adds nothing more). */
        bool drained = (size_t)r < room;
        /* Parse complete messages. */
        for (;;) {
            size_t have = w->in_end - w->in_start;
            if (have < H) break;
            struct cf__pmsg_res h;
            memcpy(&h, w->in + w->in_start, H);
            size_t len = (size_t)h.len;
            if (have >= H + len) {
                handle_msg(p, w, &h, w->in + w->in_start + H, false);
                w->in_start += H + len;
                continue;
            }
            if (len > BIG_RESULT || H + len > w->in_cap) {
                /* Read the rest straight into the result's own buffer. */
                w->big = malloc(len);
                if (!w->big) return true; /* retry later */
                w->big_hdr = h;
                w->big_have = have - H;
                memcpy(w->big, w->in + w->in_start + H, w->big_have);
                w->in_start = w->in_end = 0;
                w->in_big = true;
                break;
            }
            /* Make room for the whole message in the buffer. */
            memmove(w->in, w->in + w->in_start, have);
            w->in_end = have;
            w->in_start = 0;
            break;
        }
        if (drained && !w->in_big) return true;
    }
}

static void describe_status(int st, char *buf, size_t sz) {
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        const char *abbrev = sigabbrev_np(sig);
        snprintf(buf, sz, "killed by signal %d (SIG%s: %s)%s", sig, abbrev ? abbrev : "?",
                 strsignal(sig), WCOREDUMP(st) ? ", core dumped" : "");
    } else if (WIFEXITED(st)) {
        snprintf(buf, sz, "exited with status %d", WEXITSTATUS(st));
    } else {
        snprintf(buf, sz, "ended with wait status 0x%x", (unsigned)st);
    }
}

/* The worker's process ended: account for its tasks, reap it, free the slot. */
static void worker_died(cf_process_pool *p, int i) {
    struct pworker *w = &p->w[i];
    if (w->from_open) {
        (void)read_results(p, w); /* the rest of what it wrote */
        epoll_ctl(p->epfd, EPOLL_CTL_DEL, w->from_fd, NULL);
        w->from_open = false;
    }
    int st = 0;
    char cause[160];
    pid_t r;
    do {
        r = waitpid(w->pid, &st, 0);
    } while (r < 0 && errno == EINTR);
    if (r == w->pid)
        describe_status(st, cause, sizeof cause);
    else
        snprintf(cause, sizeof cause, "ended (exit status unknown: %s)", strerror(errno));
    if (w->signalled) {
        size_t cl = strlen(cause);
        snprintf(cause + cl, sizeof cause - cl, ", sent by %s", w->signalled_by);
    }
    bool normal = r == w->pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 && w->nflight == 0;

    uint64_t started = atomic_load_explicit(&w->shm->started, memory_order_acquire);
    bool ready = atomic_load_explicit(&w->shm->ready, memory_order_acquire) != 0;
    struct ptask *t = w->fl_head;
    w->fl_head = w->fl_tail = NULL;
    if (t && started > w->ndone) {
        struct ptask *next = t->next;
        char msg[CF_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "worker process %d died while running the task: %s", (int)w->pid,
                 cause);
        fail_task(p, t, CF_EBROKEN, msg);
        t = next;
    }
    /* Never started: back to the front of the queue, in order. */
    if (t) {
        struct ptask *tail = t;
        size_t n = 1;
        while (tail->next) {
            tail = tail->next;
            n++;
        }
        pthread_mutex_lock(&p->mu);
        q_push_front(p, t, tail, n);
        pthread_mutex_unlock(&p->mu);
    }

    if (w->out_armed) epoll_ctl(p->epfd, EPOLL_CTL_DEL, w->to_fd, NULL);
    if (w->to_fd >= 0) close(w->to_fd);
    close(w->from_fd);
    if (w->pidfd >= 0) {
        epoll_ctl(p->epfd, EPOLL_CTL_DEL, w->pidfd, NULL);
        close(w->pidfd);
    }
    munmap(w->shm, sizeof *w->shm);
    free(w->in);
    free(w->big);
    pid_t pid = w->pid;
    bool retiring = w->state == W_RETIRING;
    bool exhausted = p->max_tasks > 0 && w->ndispatched >= (uint64_t)p->max_tasks;
    memset(w, 0, sizeof *w);
    w->state = W_FREE;
    p->spawn_blocked = false;
    w->to_fd = w->from_fd = w->pidfd = -1;
    atomic_fetch_sub_explicit(&p->st_alive, 1, memory_order_relaxed);

    /* The breaking rule. A worker that keeps dying before it starts any
     * task would make us re-queue and re-fork for ever: FUTILE_MAX workers
     * in a row that died holding tasks without having started a single
     * task in their life break the pool. A worker that started any task
     * (whether it died in one or between two) proves that workers can run:
     * its death ends the streak, as does any completed task (complete()).
     * Counting deaths *between* tasks too (started == done) broke the pool
     * under a stream of outside kills (issue 14). */
    if (started > 0)
        p->futile = 0;
    else if (t && !normal)
        p->futile++;
    if (!ready && p->initializer) { /* without one, "not ready" is just an early death */
        char msg[CF_ERRMSG_MAX];
        snprintf(msg, sizeof msg, "worker process %d %s before its initializer succeeded", (int)pid,
                 cause);
        set_broken(p, msg);
    } else if (p->futile >= FUTILE_MAX) {
        char msg[CF_ERRMSG_MAX];
        snprintf(msg, sizeof msg,
                 "%d worker processes in a row died before starting any task (last: %d %s)",
                 p->futile, (int)pid, cause);
        set_broken(p, msg);
    } else if (!(normal && retiring)) {
        if (!normal || exhausted)
            atomic_fetch_add_explicit(&p->st_replaced, 1, memory_order_relaxed);
    }
}

/* ---- the manager thread ------------------------------------------------------------ */

/* The worker's result pipe is readable (or the spin saw a result): read it.
 * At EOF stop watching it; without a pidfd, EOF is the death signal. */
static void on_readable(cf_process_pool *p, int i) {
    struct pworker *w = &p->w[i];
    if (!read_results(p, w)) {
        epoll_ctl(p->epfd, EPOLL_CTL_DEL, w->from_fd, NULL);
        w->from_open = false;
        if (w->pidfd < 0) worker_died(p, i); /* no pidfd: EOF is our only signal */
    }
}

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whether the manager may spin before it sleeps: only with a CPU to spare
 * (fewer workers running tasks than the pool's CPUs, and at least two
 * CPUs, so the spin never takes a core a worker or the submitter needs),
 * with a live worker, and not for tasks measured longer than the spin. */
static bool spin_ok(cf_process_pool *p) {
    if (MGR_SPIN_NS <= 0 || p->ncpu < 2 ||
        atomic_load_explicit(&p->force_sig, memory_order_relaxed))
        return false;
    int busy = 0, alive = 0;
    for (int i = 0; i < p->base.max_workers; i++) {
        const struct pworker *w = &p->w[i];
        if (w->state == W_FREE) continue;
        alive++;
        if (w->nflight) busy++;
    }
    if (alive == 0 || busy >= p->ncpu) return false;
    return busy == 0 || p->avg_ns < (double)MGR_SPIN_NS;
}

/* Spin up to MGR_SPIN_NS on memory (no read, no epoll_wait; a sched_yield
 * per turn) for what would otherwise wake the manager from epoll_wait: a
 * result (a worker's shm->finished moved past the results read: read it
 * now), a task queued that can be dispatched (q_hint; mgr_idle is still
 * false, so the submitter did not write the eventfd), or a stop request.
 * true: something
 * happened, go round the loop; false: nothing did, sleep. A worker that
 * dies mid-task never moves `finished`: the spin just runs out and
 * epoll_wait sees its pidfd. */
static bool mgr_spin(cf_process_pool *p, bool can) {
    int nw = p->base.max_workers;
    uint64_t t0 = mono_ns();
    for (unsigned k = 1;; k++) {
        for (int i = 0; i < nw; i++) {
            struct pworker *w = &p->w[i];
            if (w->state == W_FREE || !w->from_open || w->nflight == 0) continue;
            if (atomic_load_explicit(&w->shm->finished, memory_order_acquire) == w->ndone) continue;
            uint64_t done = w->ndone;
            on_readable(p, i);
            /* Progress only if a result completed or the slot changed; a big
             * result still arriving keeps spinning (bounded) and then sleeps. */
            if (w->state == W_FREE || !w->from_open || w->ndone != done) return true;
        }
        if (can && atomic_load_explicit(&p->q_hint, memory_order_relaxed) > 0) return true;
        if (atomic_load_explicit(&p->force_sig, memory_order_relaxed)) return true;
        if ((k & 15) == 0 && mono_ns() - t0 > MGR_SPIN_NS) return false;
        sched_yield();
    }
}

/* Send the signal that terminate/kill_workers asked for to every worker not
 * yet reaped (one that was forked after the request too). A pid stays ours
 * until waitpid, so it cannot have been reused by another process. */
static void apply_force(cf_process_pool *p) {
    /* Runs on every manager loop: no lock unless a stop was asked for
     * (pp_force writes force_sig under p->mu, then wakes the manager). */
    if (!atomic_load_explicit(&p->force_sig, memory_order_relaxed)) return;
    pthread_mutex_lock(&p->mu);
    int sig = p->force_sig;
    const char *by = p->force_by;
    pthread_mutex_unlock(&p->mu);
    if (!sig) return;
    for (int i = 0; i < p->base.max_workers; i++) {
        struct pworker *w = &p->w[i];
        if (w->state == W_FREE || w->signalled == sig || w->signalled == SIGKILL) continue;
        (void)kill(w->pid, sig);
        w->signalled = sig;
        w->signalled_by = by;
    }
}

static void *manager_main(void *arg) {
    cf_process_pool *p = arg;
    char tname[16];
    snprintf(tname, sizeof tname, "%s-mgr", p->name);
    pthread_setname_np(pthread_self(), tname);
    int nw = p->base.max_workers;
    struct epoll_event evs[64];
    for (;;) {
        apply_force(p);
        dispatch(p);

        /* Retire idle workers once nothing more will come. */
        pthread_mutex_lock(&p->mu);
        bool closing = (p->shutdown || p->broken) && p->q_len == 0;
        pthread_mutex_unlock(&p->mu);
        bool any = false;
        for (int i = 0; i < nw; i++) {
            struct pworker *w = &p->w[i];
            if (closing && w->state == W_ALIVE && w->nflight == 0) retire(p, w);
            any |= w->state != W_FREE;
        }
        if (closing && !any) {
            pthread_mutex_lock(&p->mu);
            bool still = p->q_len == 0;
            if (still) {
                p->mgr_done = true;
                pthread_cond_broadcast(&p->done_cv);
            }
            pthread_mutex_unlock(&p->mu);
            if (still) break;
            continue;
        }

        /* Sleep only if nothing can be dispatched: checked under p->mu, in
         * the same critical section that publishes mgr_idle, so a task
         * queued after this check finds mgr_idle set and wakes us. */
        bool can = false;
        for (int i = 0; i < nw && !can; i++)
            can = (p->w[i].state == W_FREE && !p->spawn_blocked) || credit(p, &p->w[i]) > 0;
        pthread_mutex_lock(&p->mu);
        bool again = p->q_len > 0 && can && !p->broken;
        bool quiet = !again && !p->shutdown && !p->broken;
        pthread_mutex_unlock(&p->mu);
        if (again) continue;
        if (quiet && spin_ok(p) && mgr_spin(p, can)) continue;
        pthread_mutex_lock(&p->mu);
        again = p->q_len > 0 && can && !p->broken;
        if (!again) p->mgr_idle = true;
        pthread_mutex_unlock(&p->mu);
        if (again) continue;
        int n = epoll_wait(p->epfd, evs, 64, -1);
        pthread_mutex_lock(&p->mu);
        p->mgr_idle = false;
        pthread_mutex_unlock(&p->mu);
        if (n < 0) continue; /* EINTR */
        for (int k = 0; k < n; k++) {
            uint64_t key = evs[k].data.u64;
            int kind = (int)(key & 3), i = (int)(key >> 2);
            if (kind == EV_WAKE) {
                uint64_t v;
                while (read(p->evfd, &v, sizeof v) < 0 && errno == EINTR) {
                }
                pthread_mutex_lock(&p->mu);
                p->wake_sent = false;
                pthread_mutex_unlock(&p->mu);
                continue;
            }
            struct pworker *w = &p->w[i];
            if (w->state == W_FREE)
                continue; /* stale event for a worker handled earlier in this batch */
            if (kind == EV_FROM) {
                on_readable(p, i);
            } else if (kind == EV_TO) {
                flush_sends(p, i);
            } else if (kind == EV_PID) {
                worker_died(p, i);
            }
        }
    }
    return NULL;
}

/* ---- the executor ops ----------------------------------------------------------- */

static int pp_submit(cf_executor *ex, cf_task_fn fn, const void *arg, size_t len, cf_future **out) {
    cf_process_pool *p = (cf_process_pool *)ex;
    if (!fn || !out || (!arg && len)) return CF_EINVAL;
    if (len > CF_PROCESS_MAX_BYTES) return CF_ETOOBIG;
    struct ptask *t = malloc(sizeof *t + len);
    if (t) t->fut = cf_future_new();
    if (t && !t->fut) {
        free(t);
        t = NULL;
    }
    if (!t) return CF_ENOMEM;
    t->running = false;
    t->hdr.fn = (uint64_t)(uintptr_t)fn;
    t->hdr.len = len;
    if (len) memcpy(t->arg, arg, len);
    cf_future *f = cf_future_retain(t->fut);

    bool wake;
    pthread_mutex_lock(&p->mu);
    /* Broken before shut down, as the thread pool and CPython order them. */
    int rc = p->broken ? CF_EBROKEN : p->shutdown ? CF_ESHUTDOWN : 0;
    if (rc == 0) {
        q_push(p, t);
        wake_manager_locked(p, &wake);
    }
    pthread_mutex_unlock(&p->mu);
    if (rc) {
        cf_future_release(f);
        task_free(t);
        return rc;
    }
    atomic_fetch_add_explicit(&p->st_submitted, 1, memory_order_relaxed);
    if (wake) wake_write(p);
    *out = f;
    return 0;
}

static void join_manager(cf_process_pool *p) {
    pthread_mutex_lock(&p->join_mu);
    if (!p->joined) {
        pthread_join(p->mgr, NULL);
        p->joined = true;
    }
    pthread_mutex_unlock(&p->join_mu);
}

static int pp_shutdown(cf_executor *ex, bool wait, bool cancel_futures) {
    cf_process_pool *p = (cf_process_pool *)ex;
    struct ptask *q = NULL;
    pthread_mutex_lock(&p->mu);
    p->shutdown = true;
    if (cancel_futures) q = take_queue_locked(p);
    pthread_mutex_unlock(&p->mu);
    /* Cancel what was never handed to a worker; re-queued (RUNNING) ones go back. */
    struct ptask *keep_h = NULL, *keep_t = NULL;
    size_t nkeep = 0;
    while (q) {
        struct ptask *next = q->next;
        q->next = NULL;
        if (!q->running && cf_future_cancel(q->fut)) {
            atomic_fetch_add_explicit(&p->st_cancelled, 1, memory_order_relaxed);
            task_free(q);
        } else {
            if (keep_t)
                keep_t->next = q;
            else
                keep_h = q;
            keep_t = q;
            nkeep++;
        }
        q = next;
    }
    pthread_mutex_lock(&p->mu);
    q_push_front(p, keep_h, keep_t, nkeep);
    pthread_mutex_unlock(&p->mu);
    wake_write(p); /* always: the manager must see the flag */
    /* From a done-callback (they run on the manager thread) we cannot wait
     * for ourselves: the flag is set, the manager winds down after it. */
    if (wait && !pthread_equal(pthread_self(), p->mgr)) join_manager(p);
    return 0;
}

/* terminate_workers / kill_workers, and a timed-out shutdown: broken (with
 * a message naming `by`) and shut down, queued tasks never handed to a
 * worker cancelled, re-queued ones failed, and the manager told to signal
 * every worker. Does not wait. */
static int pp_force(cf_executor *ex, int sig, const char *by) {
    cf_process_pool *p = (cf_process_pool *)ex;
    pthread_mutex_lock(&p->mu);
    if (p->force_sig != SIGKILL) {
        p->force_sig = sig;
        p->force_by = by;
    }
    if (!p->broken) {
        p->broken = true;
        snprintf(p->broken_msg, sizeof p->broken_msg, "the pool's worker processes were %s by %s",
                 sig == SIGKILL ? "killed" : "terminated", by);
    }
    p->shutdown = true;
    /* Taken in the same critical section that set broken, so the manager
     * cannot fail (rather than cancel) what never left the queue. */
    struct ptask *q = take_queue_locked(p);
    pthread_mutex_unlock(&p->mu);
    while (q) {
        struct ptask *next = q->next;
        q->next = NULL;
        if (!q->running && cf_future_cancel(q->fut)) {
            atomic_fetch_add_explicit(&p->st_cancelled, 1, memory_order_relaxed);
            task_free(q);
        } else { /* re-queued from a dead worker: RUNNING, so it fails */
            fail_task(p, q, CF_EBROKEN, p->broken_msg);
        }
        q = next;
    }
    wake_write(p); /* the manager signals the workers */
    return 0;
}

static int pp_terminate(cf_executor *ex, int sig) {
    return pp_force(
        ex, sig, sig == SIGKILL ? "cf_executor_kill_workers()" : "cf_executor_terminate_workers()");
}

static int pp_shutdown_timeout(cf_executor *ex, bool cancel_futures, double deadline) {
    cf_process_pool *p = (cf_process_pool *)ex;
    pp_shutdown(ex, false, cancel_futures);
    if (pthread_equal(pthread_self(), p->mgr))
        return 0; /* a done-callback: cannot wait for itself */
    pthread_mutex_lock(&p->mu);
    while (!p->mgr_done) {
        if (isinf(deadline)) {
            pthread_cond_wait(&p->done_cv, &p->mu);
            continue;
        }
        struct timespec ts;
        ts.tv_sec = (time_t)deadline;
        ts.tv_nsec = (long)((deadline - (double)ts.tv_sec) * 1e9);
        if (ts.tv_nsec >= 1000000000L) ts.tv_nsec = 999999999L;
        if (pthread_cond_timedwait(&p->done_cv, &p->mu, &ts) == ETIMEDOUT) break;
    }
    bool done = p->mgr_done;
    pthread_mutex_unlock(&p->mu);
    int rc = 0;
    if (!done) {
        /* SIGKILL cannot be refused: the manager reaps them and winds down. */
        pp_force(ex, SIGKILL, "cf_executor_shutdown_timeout()");
        rc = CF_ETIMEDOUT;
    }
    join_manager(p);
    return rc;
}

static bool pp_is_broken(const cf_executor *ex) {
    cf_process_pool *p = (cf_process_pool *)ex;
    pthread_mutex_lock(&p->mu);
    bool b = p->broken;
    pthread_mutex_unlock(&p->mu);
    return b;
}

static void pp_destroy(cf_executor *ex) {
    cf_process_pool *p = (cf_process_pool *)ex;
    join_manager(p);
    close(p->epfd);
    close(p->evfd);
    free(p->w);
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->join_mu);
    pthread_cond_destroy(&p->done_cv);
    free(p);
}

static int pp_stats(const cf_executor *ex, cf_executor_stats *st) {
    cf_process_pool *p = (cf_process_pool *)ex;
    st->workers_started = atomic_load(&p->st_started);
    st->workers_alive = atomic_load(&p->st_alive);
    st->workers_replaced = atomic_load(&p->st_replaced);
    st->tasks_submitted = atomic_load(&p->st_submitted);
    st->tasks_completed = atomic_load(&p->st_completed);
    st->tasks_cancelled = atomic_load(&p->st_cancelled);
    return 0;
}

static const struct cf_executor_ops pp_ops = {
    .kind = "process",
    .submit = pp_submit,
    .shutdown = pp_shutdown,
    .destroy = pp_destroy,
    .stats = pp_stats,
    .shutdown_timeout = pp_shutdown_timeout,
    .terminate = pp_terminate,
    .is_broken = pp_is_broken,
};

int cf_process_pool_new(const cf_executor_opts *opts, cf_executor **out) {
    cf_executor_opts o = {0};
    if (opts) o = *opts;
    if (!out || o.max_workers < 0 || o.max_tasks_per_child < 0) return CF_EINVAL;
    int nw = o.max_workers ? o.max_workers : cf_process_cpu_count();
    cf_process_pool *p = calloc(1, sizeof *p);
    if (!p) return CF_ENOMEM;
    p->base.ops = &pp_ops;
    p->base.max_workers = nw;
    p->initializer = o.initializer;
    p->finalizer = o.finalizer;
    p->initarg = o.initarg;
    p->max_tasks = o.max_tasks_per_child;
    snprintf(p->name, sizeof p->name, "%s", o.name && *o.name ? o.name : "cf-pool");
    p->avg_ns = -1;
    p->lookahead = 1;
    p->ncpu = cf_process_cpu_count();
    p->epfd = p->evfd = -1;
    p->w = calloc((size_t)nw, sizeof *p->w);
    if (!p->w) {
        free(p);
        return CF_ENOMEM;
    }
    for (int i = 0; i < nw; i++)
        p->w[i].to_fd = p->w[i].from_fd = p->w[i].pidfd = -1;
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->join_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->done_cv, &ca);
    pthread_condattr_destroy(&ca);
    int rc = CF_ESYS;
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    p->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (p->epfd < 0 || p->evfd < 0 || ep_add(p, p->evfd, EPOLLIN, EVKEY(0, EV_WAKE)) != 0)
        goto fail;
    /* The manager thread (which forks) blocks every signal, so the process's
     * signals go to the application's threads; the child restores the mask
     * that the creating thread had. SIGPIPE from writing to a dead worker
     * stays pending on the manager thread, harmlessly. */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &p->saved_mask);
    int e = pthread_create(&p->mgr, NULL, manager_main, p);
    pthread_sigmask(SIG_SETMASK, &p->saved_mask, NULL);
    if (e != 0) {
        rc = e == ENOMEM || e == EAGAIN ? CF_ENOMEM : CF_ESYS;
        goto fail;
    }
    *out = &p->base;
    return 0;
fail:
    if (p->epfd >= 0) close(p->epfd);
    if (p->evfd >= 0) close(p->evfd);
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->join_mu);
    pthread_cond_destroy(&p->done_cv);
    free(p->w);
    free(p);
    return rc;
}
