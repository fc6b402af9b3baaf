/*
 * mpi_executor.c — the MPI executor (kind "mpi"), its worker loop and the
 * name registry. Library cfutures_mpi; public header cf_mpi.h.
 *
 * Concurrency design
 *   Processes: rank 0 is the client; ranks 1..N-1 run cf_mpi_serve(), one
 *   task at a time, in the order the client sent them. All traffic is on a
 *   private duplicate of MPI_COMM_WORLD (G.comm), tags TAG_CMD (client ->
 *   worker: batches of OPEN / TASK / CLOSE / EXIT records) and TAG_RES
 *   (worker -> client: RESULT / INITFAIL / CLOSED records). Messages between
 *   two ranks do not overtake each other, so a worker's results arrive in
 *   the order its tasks were sent: the client keeps a FIFO per worker and
 *   needs no lookup table.
 *   Client threads: callers (submit, shutdown, cancel: any thread) and one
 *   progress thread (started by the first cf_mpi_executor_new, joined by
 *   cf_mpi_finalize / cf_mpi_abandon). Only the progress thread calls MPI
 *   after cf_mpi_init, so MPI_THREAD_SERIALIZED suffices. It dispatches
 *   queued tasks (PENDING -> RUNNING when packed into a message: cancel
 *   works until then), receives results and completes the futures (done
 *   callbacks run in it), and sends CLOSE when a shut-down executor drains.
 *   Locks: C.mu (pthread mutex) guards the submit queue, the executor list
 *   and every executor's flags and counters. It is never held while a
 *   future is completed (callbacks run unlocked) nor during an MPI call.
 *   The per-worker FIFOs, send buffers and the task-time average belong to
 *   the progress thread alone.
 *   Progress engine (how it waits): after a message moves, the thread spins
 *   on MPI_Improbe for SPIN_S (a pipelined burst or a round trip is caught
 *   within a microsecond or two), then polls with sched_yield until YIELD_S
 *   (a nanosleep costs >= 110 µs on a loaded VM; a yield gives the core to
 *   whoever needs it and costs ~1 µs otherwise), then naps with nanosleep for a quarter of
 *   the time since the last message, between 2 µs and a cap (timer slack
 *   set to 1 µs): CAP_BUSY while tasks are out, so a result waits at most
 *   that long; with nothing out and nothing queued the client thread polls
 *   its queue for PARK_AFTER_S more (a submit-and-wait loop submits again
 *   within microseconds: no futex wake-up on its path), then blocks on a
 *   futex (no CPU at all) until a submit rings `bell`. Workers nap the
 *   same way, with the cap raised to CAP_IDLE after IDLE_AFTER_S without
 *   work: an idle worker rank wakes ~1000 times a second (well under 1% of
 *   a core) and picks up a new task within CAP_IDLE. Open MPI's own
 *   blocking calls spin at 100% of a core, hence this design (the figures
 *   are in docs/scale-out.md).
 *   Batching: the client packs every task it can hand a worker into one
 *   message; a worker holds at most `lookahead` unfinished tasks, from the
 *   measured task run time (~LOOKAHEAD_NS of work; 1 while fewer than
 *   LOOKAHEAD_WARMUP results came back, so long first tasks are balanced).
 *   A worker sends its results when its queue is empty, or FLUSH_S after
 *   the first unsent task began, or past FLUSH_BYTES.
 * Ownership: the future's extra bytes hold the task record; the argument
 * is copied there (or malloc'd when large, freed once packed). The queue and
 * then the worker FIFO own one reference to each future. Received messages
 * are malloc'd and freed after parsing; results are copied into their
 * futures. Send buffers belong to the pending-send list until MPI_Test says
 * done.
 */
#include <mpi.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cf_mpi.h"
#include "internal.h"

enum { TAG_CMD = 7101, TAG_RES = 7102, TAG_PING = 7103 };
enum { OP_OPEN = 1, OP_TASK = 2, OP_CLOSE = 3, OP_EXIT = 4 };
enum { R_RESULT = 1, R_INITFAIL = 2, R_CLOSED = 3 };
#define CHUNK_ID 1ULL /* map's chunk wrapper; its argument starts with the inner id */

#define SPIN_S 20e-6
#define YIELD_S 200e-6      /* poll with sched_yield up to this long after the last message */
#define PARK_AFTER_S 200e-6 /* client: poll this long after the last message before parking */
#define NAP_MIN_S 2e-6
#define CAP_BUSY_S 100e-6
#define CAP_IDLE_S 1e-3
#define IDLE_AFTER_S 50e-3
#define LOOKAHEAD_NS 100000.0
#define LOOKAHEAD_WARMUP 16
#define LOOKAHEAD_MAX 512
#define FLUSH_S 50e-6
#define FLUSH_BYTES (64 * 1024)
#define BATCH_BYTES (256 * 1024)
#define INLINE_ARG 256

/* ---- little helpers ------------------------------------------------------- */

typedef struct buf {
    unsigned char *p;
    size_t len, cap;
} buf;

static int buf_put(buf *b, const void *d, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n)
            cap *= 2;
        void *q = realloc(b->p, cap);
        if (!q) return CF_ENOMEM;
        b->p = q;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, d, n);
    b->len += n;
    return 0;
}
#define PUT(b, v) buf_put((b), &(v), sizeof(v))

typedef struct rd {
    const unsigned char *p, *end;
    bool bad;
} rd;
static void rd_get(rd *r, void *d, size_t n) {
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        memset(d, 0, n);
        return;
    }
    memcpy(d, r->p, n);
    r->p += n;
}
#define GET(r, v) rd_get((r), &(v), sizeof(v))
static const unsigned char *rd_take(rd *r, uint64_t n) {
    if (r->bad || (uint64_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const unsigned char *q = r->p;
    r->p += n;
    return q;
}

static void nap(double idle, double cap) {
    if (idle < SPIN_S) {
        for (int i = 0; i < 32; i++)
            cf__cpu_relax();
        static _Thread_local unsigned k;
        if ((++k & 15) == 0) sched_yield(); /* oversubscribed: let the others run */
        return;
    }
    if (idle < YIELD_S) { /* a sleep costs ≥ 50–100 µs on a VM: yield instead */
        sched_yield();
        return;
    }
    double d = idle / 4;
    if (d < NAP_MIN_S) d = NAP_MIN_S;
    if (d > cap) d = cap;
    struct timespec ts = {0, (long)(d * 1e9)};
    nanosleep(&ts, NULL);
}

/* ---- the registry ----------------------------------------------------------- */

enum { K_TASK, K_INIT, K_FINI };
typedef struct reg {
    char name[64];
    uint64_t id;
    int kind;
    union {
        cf_task_fn task;
        cf_mpi_init_fn init;
        cf_mpi_fini_fn fini;
    } fn;
} reg;
static reg *regs;
static size_t nregs, capregs;

static uint64_t name_id(int kind, const char *name) {
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)(kind + 1);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    return h <= CHUNK_ID ? h + 2 : h;
}

static struct {
    bool inited, we_initialised, finalized, is_client;
    int rank, size, level;
    MPI_Comm comm;
    char lib[160];
    struct rinfo {
        char host[64];
        int pid;
        double offset;
    } * ranks;
} G = {.rank = -1, .size = -1};

static int reg_add(int kind, const char *name, reg proto) {
    if (!name || !*name || strlen(name) >= sizeof proto.name || G.inited) return CF_EINVAL;
    uint64_t id = name_id(kind, name);
    for (size_t i = 0; i < nregs; i++) {
        if (regs[i].kind != kind) continue;
        bool same_fn = memcmp(&regs[i].fn, &proto.fn, sizeof proto.fn) == 0;
        if (!strcmp(regs[i].name, name)) return same_fn ? 0 : CF_EINVAL;
        if (regs[i].id == id) return CF_EINVAL; /* hash collision: pick another name */
    }
    if (nregs == capregs) {
        size_t cap = capregs ? capregs * 2 : 16;
        reg *r = realloc(regs, cap * sizeof *r);
        if (!r) return CF_ENOMEM;
        regs = r;
        capregs = cap;
    }
    proto.kind = kind;
    proto.id = id;
    snprintf(proto.name, sizeof proto.name, "%s", name);
    regs[nregs++] = proto;
    return 0;
}

int cf_mpi_register_task(const char *name, cf_task_fn fn) {
    if (!fn) return CF_EINVAL;
    reg r = {.fn.task = fn};
    return reg_add(K_TASK, name, r);
}
int cf_mpi_register_init(const char *name, cf_mpi_init_fn fn) {
    if (!fn) return CF_EINVAL;
    reg r = {.fn.init = fn};
    return reg_add(K_INIT, name, r);
}
int cf_mpi_register_fini(const char *name, cf_mpi_fini_fn fn) {
    if (!fn) return CF_EINVAL;
    reg r = {.fn.fini = fn};
    return reg_add(K_FINI, name, r);
}

static const reg *reg_by_id(int kind, uint64_t id) {
    for (size_t i = 0; i < nregs; i++)
        if (regs[i].kind == kind && regs[i].id == id) return &regs[i];
    return NULL;
}
static const reg *reg_by_task(cf_task_fn fn) {
    for (size_t i = 0; i < nregs; i++)
        if (regs[i].kind == K_TASK && regs[i].fn.task == fn) return &regs[i];
    return NULL;
}
static const reg *reg_by_name(int kind, const char *name) {
    for (size_t i = 0; name && i < nregs; i++)
        if (regs[i].kind == kind && !strcmp(regs[i].name, name)) return &regs[i];
    return NULL;
}

/* ---- init, facts ------------------------------------------------------------ */

int cf_mpi_init(int *argc, char ***argv, int *rank) {
    if (G.inited || G.finalized) return CF_ESTATE;
    int flag = 0, provided = 0;
    MPI_Initialized(&flag);
    if (!flag) {
        if (MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS)
            return CF_ESYS;
        G.we_initialised = true;
    } else {
        MPI_Query_thread(&provided);
    }
    G.level = provided;
    if (provided < MPI_THREAD_SERIALIZED) return CF_ENOTSUP;
    if (MPI_Comm_dup(MPI_COMM_WORLD, &G.comm) != MPI_SUCCESS) return CF_ESYS;
    MPI_Comm_set_errhandler(G.comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(G.comm, &G.rank);
    MPI_Comm_size(G.comm, &G.size);
    G.ranks = calloc((size_t)G.size, sizeof *G.ranks);
    if (!G.ranks) return CF_ENOMEM;
    struct rinfo me = {.pid = (int)getpid()};
    gethostname(me.host, sizeof me.host - 1);
    if (MPI_Allgather(&me, (int)sizeof me, MPI_BYTE, G.ranks, (int)sizeof me, MPI_BYTE, G.comm) !=
        MPI_SUCCESS)
        return CF_ESYS;
    /* Clock offsets: five ping-pongs per worker, the shortest round trip wins. */
    for (int r = 1; r < G.size; r++) {
        double best = INFINITY;
        for (int k = 0; k < 5; k++) {
            double t0, tw, t1;
            if (G.rank == 0) {
                t0 = cf__now();
                MPI_Send(&t0, 1, MPI_DOUBLE, r, TAG_PING, G.comm);
                MPI_Recv(&tw, 1, MPI_DOUBLE, r, TAG_PING, G.comm, MPI_STATUS_IGNORE);
                t1 = cf__now();
                if (t1 - t0 < best) {
                    best = t1 - t0;
                    G.ranks[r].offset = tw - (t0 + t1) / 2;
                }
            } else if (G.rank == r) {
                MPI_Recv(&t0, 1, MPI_DOUBLE, 0, TAG_PING, G.comm, MPI_STATUS_IGNORE);
                tw = cf__now();
                MPI_Send(&tw, 1, MPI_DOUBLE, 0, TAG_PING, G.comm);
            }
        }
    }
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int vlen = 0;
    MPI_Get_library_version(v, &vlen);
    v[vlen < (int)sizeof v ? vlen : (int)sizeof v - 1] = '\0';
    char *nl = strchr(v, '\n');
    if (nl) *nl = '\0';
    v[sizeof G.lib - 1] = '\0';
    memcpy(G.lib, v, sizeof G.lib);
    G.inited = true;
    G.is_client = G.rank == 0;
    if (rank) *rank = G.rank;
    return 0;
}

int cf_mpi_world_size(void) {
    return G.inited ? G.size : -1;
}
int cf_mpi_rank(void) {
    return G.inited ? G.rank : -1;
}
const char *cf_mpi_library(void) {
    return G.inited ? G.lib : NULL;
}
int cf_mpi_rank_info(int rank, const char **host, int *pid, double *offset) {
    if (!G.ranks || rank < 0 || rank >= G.size) return CF_EINVAL;
    if (host) *host = G.ranks[rank].host;
    if (pid) *pid = G.ranks[rank].pid;
    if (offset) *offset = G.ranks[rank].offset;
    return 0;
}
bool cf_mpi_rank_gone(int rank) {
    if (!G.ranks || rank < 0 || rank >= G.size || rank == G.rank) return false;
    if (strcmp(G.ranks[rank].host, G.ranks[G.rank].host)) return false;
    return kill(G.ranks[rank].pid, 0) != 0 && errno == ESRCH;
}

/* ---- the worker ---------------------------------------------------------------- */

typedef struct wexec {
    uint32_t id;
    uint64_t fini_id;
    unsigned char *arg;
    size_t len;
    bool ok;
    char msg[160];
    struct wexec *next;
} wexec;

typedef struct psend {
    MPI_Request req;
    unsigned char *p;
    size_t len;
    struct psend *next;
} psend;

/* Start sending b's bytes (ownership moves to the list); b is reset. */
static int send_buf(psend **list, buf *b, int dest) {
    psend *s = malloc(sizeof *s);
    if (!s) return CF_ENOMEM;
    s->p = b->p;
    s->len = b->len;
    if (MPI_Isend(s->p, (int)s->len, MPI_BYTE, dest, dest == 0 ? TAG_RES : TAG_CMD, G.comm,
                  &s->req) != MPI_SUCCESS) {
        free(s);
        return CF_ESYS;
    }
    s->next = *list;
    *list = s;
    b->p = NULL;
    b->len = b->cap = 0;
    return 0;
}

/* Test the pending sends, free the finished ones; returns how many remain. */
static size_t test_sends(psend **list) {
    size_t n = 0;
    for (psend **pp = list; *pp;) {
        int done = 0;
        MPI_Test(&(*pp)->req, &done, MPI_STATUS_IGNORE);
        if (done) {
            psend *s = *pp;
            *pp = s->next;
            free(s->p);
            free(s);
        } else {
            n++;
            pp = &(*pp)->next;
        }
    }
    return n;
}

static void put_result(buf *rb, uint64_t seq, bool failed, int32_t status, int32_t code,
                       uint64_t run_ns, const void *data, uint64_t len) {
    uint8_t op = R_RESULT, f = failed;
    PUT(rb, op);
    PUT(rb, seq);
    PUT(rb, f);
    PUT(rb, status);
    PUT(rb, code);
    PUT(rb, run_ns);
    PUT(rb, len);
    buf_put(rb, data, (size_t)len);
}

int cf_mpi_serve(void) {
    if (!G.inited || G.rank == 0 || G.finalized) return CF_ESTATE;
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    cf_out out;
    cf__out_init(&out);
    wexec *wx = NULL;
    psend *sends = NULL;
    buf rb = {0};
    double first_start = 0, last = cf__now();
    bool stop = false;
    while (!stop) {
        test_sends(&sends);
        int flag = 0;
        MPI_Message msg;
        MPI_Status st;
        if (MPI_Improbe(0, TAG_CMD, G.comm, &flag, &msg, &st) != MPI_SUCCESS) break;
        if (!flag) {
            if (rb.len) send_buf(&sends, &rb, 0);
            double now = cf__now();
            nap(now - last, now - last > IDLE_AFTER_S ? CAP_IDLE_S : CAP_BUSY_S);
            continue;
        }
        int cnt = 0;
        MPI_Get_count(&st, MPI_BYTE, &cnt);
        unsigned char *m = malloc(cnt > 0 ? (size_t)cnt : 1);
        if (!m) break;
        MPI_Mrecv(m, cnt, MPI_BYTE, &msg, MPI_STATUS_IGNORE);
        rd r = {m, m + cnt, false};
        while (!r.bad && r.p < r.end && !stop) {
            uint8_t op = 0;
            GET(&r, op);
            if (op == OP_TASK) {
                uint32_t eid;
                uint64_t seq, fid, len;
                GET(&r, eid);
                GET(&r, seq);
                GET(&r, fid);
                GET(&r, len);
                unsigned char *a = (unsigned char *)rd_take(&r, len);
                if (r.bad) break;
                wexec *e = wx;
                while (e && e->id != eid)
                    e = e->next;
                double t0 = cf__now();
                if (!rb.len) first_start = t0;
                if (!e || !e->ok) {
                    const char *why = e ? e->msg : "no such executor on this worker";
                    put_result(&rb, seq, true, CF_EBROKEN, CF_EBROKEN, 0, why, strlen(why));
                } else {
                    const reg *g = fid == CHUNK_ID ? NULL : reg_by_id(K_TASK, fid);
                    cf_task_fn fn = g ? g->fn.task : NULL;
                    if (fid == CHUNK_ID && len >= sizeof(cf_task_fn)) {
                        uint64_t inner;
                        memcpy(&inner, a, sizeof inner);
                        const reg *gi = reg_by_id(K_TASK, inner);
                        if (gi) {
                            memcpy(a, &gi->fn.task, sizeof(cf_task_fn));
                            fn = cf__map_chunk_task;
                        }
                        fid = inner;
                    }
                    if (!fn) {
                        char why[128];
                        int n = snprintf(why, sizeof why,
                                         "rank %d has no task function registered with id %016llx",
                                         G.rank, (unsigned long long)fid);
                        put_result(&rb, seq, true, CF_ETASK, CF_ENOTSUP, 0, why, (uint64_t)n);
                    } else {
                        cf__out_run(&out, fn, len ? a : NULL, (size_t)len);
                        uint64_t ns = (uint64_t)((cf__now() - t0) * 1e9);
                        if (out.failed)
                            put_result(&rb, seq, true, out.status ? out.status : CF_ETASK, out.code,
                                       ns, out.msg, strlen(out.msg));
                        else
                            put_result(&rb, seq, false, 0, 0, ns, out.data, out.len);
                    }
                }
            } else if (op == OP_OPEN) {
                uint32_t eid;
                uint64_t iid, fid, len;
                GET(&r, eid);
                GET(&r, iid);
                GET(&r, fid);
                GET(&r, len);
                const unsigned char *a = rd_take(&r, len);
                if (r.bad) break;
                wexec *e = calloc(1, sizeof *e);
                if (!e) break;
                e->id = eid;
                e->fini_id = fid;
                e->len = (size_t)len;
                e->arg = malloc(len ? (size_t)len : 1);
                if (len && e->arg) memcpy(e->arg, a, (size_t)len);
                e->next = wx;
                wx = e;
                e->ok = true;
                int32_t rc = 0;
                if (iid) {
                    const reg *g = reg_by_id(K_INIT, iid);
                    if (!g) {
                        rc = CF_ENOTSUP;
                        snprintf(e->msg, sizeof e->msg,
                                 "rank %d has no initializer registered with id %016llx", G.rank,
                                 (unsigned long long)iid);
                    } else if ((rc = g->fn.init(e->arg, e->len)) != 0) {
                        snprintf(e->msg, sizeof e->msg,
                                 "initializer %s failed on rank %d (returned %d)", g->name, G.rank,
                                 (int)rc);
                    }
                }
                if (rc) {
                    e->ok = false;
                    uint8_t o = R_INITFAIL;
                    uint64_t ml = strlen(e->msg);
                    if (!rb.len) first_start = cf__now();
                    PUT(&rb, o);
                    PUT(&rb, eid);
                    PUT(&rb, rc);
                    PUT(&rb, ml);
                    buf_put(&rb, e->msg, (size_t)ml);
                }
            } else if (op == OP_CLOSE) {
                uint32_t eid;
                GET(&r, eid);
                for (wexec **pp = &wx; *pp; pp = &(*pp)->next) {
                    if ((*pp)->id != eid) continue;
                    wexec *e = *pp;
                    *pp = e->next;
                    const reg *g = e->fini_id ? reg_by_id(K_FINI, e->fini_id) : NULL;
                    if (g && e->ok) g->fn.fini(e->arg, e->len);
                    free(e->arg);
                    free(e);
                    break;
                }
                uint8_t o = R_CLOSED;
                if (!rb.len) first_start = cf__now();
                PUT(&rb, o);
                PUT(&rb, eid);
            } else if (op == OP_EXIT) {
                stop = true;
            } else {
                r.bad = true;
            }
            if (rb.len && (rb.len >= FLUSH_BYTES || cf__now() - first_start >= FLUSH_S)) {
                size_t sent = rb.len;
                send_buf(&sends, &rb, 0);
                /* A large result needs the client to pull it: finish that
                 * send before a long next task keeps this rank out of MPI. */
                if (sent >= FLUSH_BYTES && r.p < r.end) {
                    double t = cf__now();
                    while (test_sends(&sends))
                        nap(cf__now() - t, CAP_BUSY_S);
                }
            }
        }
        free(m);
        if (rb.len) send_buf(&sends, &rb, 0);
        last = cf__now();
    }
    if (rb.len) send_buf(&sends, &rb, 0);
    double t = cf__now();
    while (test_sends(&sends))
        nap(cf__now() - t, CAP_BUSY_S);
    free(rb.p);
    cf__out_free(&out);
    while (wx) {
        wexec *e = wx;
        wx = e->next;
        free(e->arg);
        free(e);
    }
    return cf_mpi_finalize();
}

/* ---- the client ----------------------------------------------------------------- */

struct mexec;

struct mtask {
    cf_future *next; /* queue link, then worker FIFO link */
    struct mexec *ex;
    uint64_t fn_id, seq;
    size_t len;
    unsigned char *heap; /* the argument when larger than INLINE_ARG */
    unsigned char arg[];
};

struct mexec {
    struct cf_executor base;
    uint32_t id;
    uint64_t init_id, fini_id;
    unsigned char *initarg;
    size_t initlen;
    int lookahead;
    /* under C.mu */
    bool shutdown, broken, close_sent;
    char why[CF_ERRMSG_MAX];
    size_t queued, inflight;
    int closing;  /* CLOSED replies awaited */
    bool *opened; /* per rank */
    struct mexec *next;
    _Atomic uint32_t closed; /* futex word */
    _Atomic uint64_t st_submitted, st_completed, st_cancelled;
};

typedef struct wfifo {
    cf_future *head, *tail;
    int n;
    buf out; /* the batch being packed */
} wfifo;

static struct {
    pthread_mutex_t mu;
    cf_future *qhead, *qtail;
    struct mexec *execs;
    uint32_t next_id;
    bool started, stop, abandon, abandoned;
    char abandon_why[CF_ERRMSG_MAX];
    pthread_t thr;
    _Atomic uint32_t bell;
    _Atomic int parked;
    /* progress thread only */
    wfifo *w;
    psend *sends;
    double ewma_ns;
    uint64_t nres, seq;
    int outstanding; /* tasks in worker FIFOs + CLOSE replies awaited */
} C = {.mu = PTHREAD_MUTEX_INITIALIZER};

static inline struct mtask *mt(cf_future *f) {
    return (struct mtask *)cf__future_extra(f);
}

static void ring(void) {
    atomic_fetch_add_explicit(&C.bell, 1, memory_order_seq_cst);
    if (atomic_load_explicit(&C.parked, memory_order_seq_cst)) cf__futex_wake(&C.bell, 1);
}

static void set_closed(struct mexec *e) {
    atomic_store(&e->closed, 1);
    cf__futex_wake(&e->closed, INT32_MAX);
}

static int lookahead(const struct mexec *e) {
    if (e->lookahead > 0) return e->lookahead;
    if (C.nres < LOOKAHEAD_WARMUP || C.ewma_ns <= 0) return 1;
    double l = LOOKAHEAD_NS / C.ewma_ns;
    return l < 1 ? 1 : l > LOOKAHEAD_MAX ? LOOKAHEAD_MAX : (int)l;
}

/* Fail (outside the lock) a list of futures linked through mt()->next. */
static void fail_list(cf_future *f, const char *why) {
    while (f) {
        cf_future *n = mt(f)->next;
        free(mt(f)->heap);
        mt(f)->heap = NULL;
        cf_future_set_error(f, CF_EBROKEN, CF_EBROKEN, why);
        cf_future_release(f);
        f = n;
    }
}

/* Remove executor e's queued tasks (C.mu held); returns them as a list. */
static cf_future *take_queued(struct mexec *e) {
    cf_future *keep = NULL, *kt = NULL, *out = NULL, *ot = NULL;
    for (cf_future *f = C.qhead, *n; f; f = n) {
        n = mt(f)->next;
        mt(f)->next = NULL;
        if (!e || mt(f)->ex == e) {
            if (ot)
                mt(ot)->next = f;
            else
                out = f;
            ot = f;
            mt(f)->ex->queued--;
        } else {
            if (kt)
                mt(kt)->next = f;
            else
                keep = f;
            kt = f;
        }
    }
    C.qhead = keep;
    C.qtail = kt;
    return out;
}

/* Pack what can go now (C.mu held). Returns true when something was packed. */
static bool pack_locked(cf_future **cancelled) {
    bool did = false;
    while (C.qhead) {
        cf_future *f = C.qhead;
        struct mtask *t = mt(f);
        struct mexec *e = t->ex;
        int lim = lookahead(e), best = 0;
        for (int r = 1; r <= e->base.max_workers; r++)
            if (C.w[r].n < lim && (!best || C.w[r].n < C.w[best].n)) best = r;
        if (!best) break;
        wfifo *w = &C.w[best];
        if (w->out.len >= BATCH_BYTES) break;
        C.qhead = t->next;
        if (!C.qhead) C.qtail = NULL;
        t->next = NULL;
        e->queued--;
        if (cf_future_set_running(f) != 0) { /* cancelled while queued */
            atomic_fetch_add(&e->st_cancelled, 1);
            free(t->heap);
            t->heap = NULL;
            t->next = *cancelled;
            *cancelled = f;
            continue;
        }
        if (!e->opened[best]) {
            e->opened[best] = true;
            uint8_t op = OP_OPEN;
            uint64_t l = e->initlen;
            PUT(&w->out, op);
            PUT(&w->out, e->id);
            PUT(&w->out, e->init_id);
            PUT(&w->out, e->fini_id);
            PUT(&w->out, l);
            buf_put(&w->out, e->initarg, e->initlen);
        }
        uint8_t op = OP_TASK;
        uint64_t l = t->len;
        t->seq = ++C.seq;
        PUT(&w->out, op);
        PUT(&w->out, e->id);
        PUT(&w->out, t->seq);
        PUT(&w->out, t->fn_id);
        PUT(&w->out, l);
        buf_put(&w->out, t->heap ? t->heap : t->arg, t->len);
        free(t->heap);
        t->heap = NULL;
        if (w->tail)
            mt(w->tail)->next = f;
        else
            w->head = f;
        w->tail = f;
        w->n++;
        e->inflight++;
        C.outstanding++;
        did = true;
    }
    /* Shut-down executors that drained: CLOSE on every worker they opened. */
    for (struct mexec *e = C.execs; e; e = e->next) {
        if (!e->shutdown || e->close_sent || e->queued || e->inflight) continue;
        e->close_sent = true;
        for (int r = 1; r < G.size; r++) {
            if (!e->opened[r]) continue;
            uint8_t op = OP_CLOSE;
            PUT(&C.w[r].out, op);
            PUT(&C.w[r].out, e->id);
            e->closing++;
            C.outstanding++;
        }
        if (!e->closing) set_closed(e);
        did = true;
    }
    return did;
}

static struct mexec *find_exec(uint32_t id) {
    for (struct mexec *e = C.execs; e; e = e->next)
        if (e->id == id) return e;
    return NULL;
}

static bool receive(void) {
    bool did = false;
    for (int k = 0; k < 64; k++) {
        int flag = 0;
        MPI_Message msg;
        MPI_Status st;
        if (MPI_Improbe(MPI_ANY_SOURCE, TAG_RES, G.comm, &flag, &msg, &st) != MPI_SUCCESS || !flag)
            break;
        did = true;
        int cnt = 0;
        MPI_Get_count(&st, MPI_BYTE, &cnt);
        unsigned char *m = malloc(cnt > 0 ? (size_t)cnt : 1);
        if (!m) abort(); /* nothing sane to do: the message must be received */
        MPI_Mrecv(m, cnt, MPI_BYTE, &msg, &st);
        int src = st.MPI_SOURCE;
        wfifo *w = &C.w[src];
        rd r = {m, m + cnt, false};
        while (!r.bad && r.p < r.end) {
            uint8_t op = 0;
            GET(&r, op);
            if (op == R_RESULT) {
                uint64_t seq, ns, len;
                uint8_t failed;
                int32_t status, code;
                GET(&r, seq);
                GET(&r, failed);
                GET(&r, status);
                GET(&r, code);
                GET(&r, ns);
                GET(&r, len);
                const unsigned char *d = rd_take(&r, len);
                cf_future *f = w->head;
                if (r.bad || !f || mt(f)->seq != seq) break; /* protocol error */
                w->head = mt(f)->next;
                if (!w->head) w->tail = NULL;
                w->n--;
                C.outstanding--;
                struct mexec *e = mt(f)->ex;
                atomic_fetch_add(&e->st_completed, 1); /* before waiters can see it */
                C.nres++;
                C.ewma_ns = C.nres == 1 ? (double)ns : 0.9 * C.ewma_ns + 0.1 * (double)ns;
                if (failed) {
                    char mbuf[CF_ERRMSG_MAX];
                    size_t ml = len < sizeof mbuf ? (size_t)len : sizeof mbuf - 1;
                    memcpy(mbuf, d, ml);
                    mbuf[ml] = '\0';
                    cf_future_set_error(f, status, code, mbuf);
                } else {
                    void *v = len ? malloc((size_t)len) : NULL;
                    if (len && !v) {
                        cf_future_set_error(f, CF_ENOMEM, CF_ENOMEM, "out of memory for a result");
                    } else {
                        if (len) memcpy(v, d, (size_t)len);
                        if (cf_future_set_result_owned(f, v, (size_t)len)) free(v);
                    }
                }
                pthread_mutex_lock(&C.mu);
                e->inflight--;
                pthread_mutex_unlock(&C.mu);
                cf_future_release(f);
            } else if (op == R_INITFAIL) {
                uint32_t eid;
                int32_t rc;
                uint64_t ml;
                GET(&r, eid);
                GET(&r, rc);
                GET(&r, ml);
                const unsigned char *d = rd_take(&r, ml);
                if (r.bad) break;
                pthread_mutex_lock(&C.mu);
                struct mexec *e = find_exec(eid);
                cf_future *q = NULL;
                char why[CF_ERRMSG_MAX] = "";
                if (e && !e->broken) {
                    e->broken = true;
                    size_t n = ml < sizeof e->why - 1 ? (size_t)ml : sizeof e->why - 1;
                    memcpy(e->why, d, n);
                    e->why[n] = '\0';
                    q = take_queued(e);
                    snprintf(why, sizeof why, "%s", e->why);
                }
                pthread_mutex_unlock(&C.mu);
                fail_list(q, why);
            } else if (op == R_CLOSED) {
                uint32_t eid;
                GET(&r, eid);
                if (r.bad) break;
                C.outstanding--;
                pthread_mutex_lock(&C.mu);
                struct mexec *e = find_exec(eid);
                if (e && --e->closing == 0) set_closed(e);
                pthread_mutex_unlock(&C.mu);
            } else {
                break;
            }
        }
        free(m);
    }
    return did;
}

/* The abandon path (progress thread): fail everything, close everything. */
static void abandon_all(void) {
    cf_future *lists = NULL;
    for (int r = 1; r < G.size; r++) {
        wfifo *w = &C.w[r];
        if (w->tail) {
            mt(w->tail)->next = lists;
            lists = w->head;
        }
        w->head = w->tail = NULL;
        w->n = 0;
        free(w->out.p);
        w->out = (buf){0};
    }
    pthread_mutex_lock(&C.mu);
    cf_future *q = take_queued(NULL);
    for (cf_future *f = lists; f; f = mt(f)->next)
        mt(f)->ex->inflight--;
    for (struct mexec *e = C.execs; e; e = e->next) {
        e->broken = true;
        snprintf(e->why, sizeof e->why, "%s", C.abandon_why);
        e->closing = 0;
        set_closed(e);
    }
    C.abandoned = true;
    char why[CF_ERRMSG_MAX];
    snprintf(why, sizeof why, "%s", C.abandon_why);
    pthread_mutex_unlock(&C.mu);
    fail_list(lists, why);
    fail_list(q, why);
    /* The pending sends' buffers stay with MPI: never freed (the job is ending). */
    C.sends = NULL;
    C.outstanding = 0;
}

static void *progress_main(void *unused) {
    (void)unused;
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
    pthread_setname_np(pthread_self(), "cf-mpi");
    double last = cf__now();
    for (;;) {
        cf_future *cancelled = NULL;
        pthread_mutex_lock(&C.mu);
        if (C.abandon) {
            pthread_mutex_unlock(&C.mu);
            abandon_all();
            return NULL;
        }
        bool did = pack_locked(&cancelled);
        pthread_mutex_unlock(&C.mu);
        while (cancelled) {
            cf_future *n = mt(cancelled)->next;
            cf_future_release(cancelled);
            cancelled = n;
        }
        for (int r = 1; r < G.size; r++)
            if (C.w[r].out.len) send_buf(&C.sends, &C.w[r].out, r);
        did |= receive();
        size_t nsend = C.sends ? test_sends(&C.sends) : 0;
        double now = cf__now();
        if (did) {
            last = now;
            continue;
        }
        if (C.outstanding == 0 && nsend == 0 && now - last < PARK_AFTER_S) {
            nap(now - last, CAP_BUSY_S); /* a submit-and-wait loop submits again soon */
            continue;
        }
        if (C.outstanding == 0 && nsend == 0) {
            pthread_mutex_lock(&C.mu);
            if (C.stop && !C.qhead) {
                pthread_mutex_unlock(&C.mu);
                return NULL;
            }
            bool close_due = false; /* a shutdown rung before we looked */
            for (struct mexec *e = C.execs; e; e = e->next)
                close_due |= e->shutdown && !e->close_sent && !e->queued && !e->inflight;
            if (!C.qhead && !C.abandon && !close_due) {
                uint32_t b = atomic_load(&C.bell);
                atomic_store(&C.parked, 1);
                pthread_mutex_unlock(&C.mu);
                cf__futex_wait(&C.bell, b, INFINITY);
                atomic_store(&C.parked, 0);
                last = cf__now();
            } else {
                pthread_mutex_unlock(&C.mu);
            }
            continue;
        }
        nap(now - last, CAP_BUSY_S);
    }
}

static int mx_submit(cf_executor *ex, cf_task_fn fn, const void *arg, size_t len, cf_future **out) {
    struct mexec *e = (struct mexec *)ex;
    if (len > CF_MPI_MAX_BYTES) return CF_ETOOBIG;
    uint64_t id;
    const reg *g;
    if (fn == cf__map_chunk_task) {
        cf_task_fn inner;
        if (len < sizeof inner) return CF_EINVAL;
        memcpy(&inner, arg, sizeof inner);
        if (!(g = reg_by_task(inner))) return CF_ENOTSUP;
        id = CHUNK_ID;
    } else {
        if (!(g = reg_by_task(fn))) return CF_ENOTSUP;
        id = g->id;
    }
    bool inl = len <= INLINE_ARG;
    cf_future *f = cf__future_new_extra(sizeof(struct mtask) + (inl ? len : 0));
    if (!f) return CF_ENOMEM;
    struct mtask *t = mt(f);
    t->next = NULL;
    t->ex = e;
    t->fn_id = id;
    t->len = len;
    t->heap = NULL;
    unsigned char *dst = t->arg;
    if (!inl && !(dst = t->heap = malloc(len))) {
        cf_future_release(f);
        return CF_ENOMEM;
    }
    if (len) memcpy(dst, arg, len);
    if (id == CHUNK_ID) memcpy(dst, &g->id, sizeof g->id); /* the inner function's id */
    cf_future_retain(f);
    pthread_mutex_lock(&C.mu);
    int rc = e->broken ? CF_EBROKEN : e->shutdown ? CF_ESHUTDOWN : 0;
    if (!rc) {
        if (C.qtail)
            mt(C.qtail)->next = f;
        else
            C.qhead = f;
        C.qtail = f;
        e->queued++;
        atomic_fetch_add(&e->st_submitted, 1);
    }
    pthread_mutex_unlock(&C.mu);
    if (rc) {
        free(t->heap);
        cf_future_release(f);
        cf_future_release(f);
        return rc;
    }
    ring();
    *out = f;
    return 0;
}

static int mx_shutdown(cf_executor *ex, bool wait, bool cancel_futures) {
    struct mexec *e = (struct mexec *)ex;
    pthread_mutex_lock(&C.mu);
    e->shutdown = true;
    cf_future *q = cancel_futures ? take_queued(e) : NULL;
    pthread_mutex_unlock(&C.mu);
    while (q) {
        cf_future *n = mt(q)->next;
        free(mt(q)->heap);
        mt(q)->heap = NULL;
        if (cf_future_cancel(q)) atomic_fetch_add(&e->st_cancelled, 1);
        cf_future_release(q);
        q = n;
    }
    ring();
    if (wait && !pthread_equal(pthread_self(), C.thr)) {
        while (!atomic_load(&e->closed))
            cf__futex_wait(&e->closed, 0, INFINITY);
    }
    return 0;
}

static void mx_destroy(cf_executor *ex) {
    struct mexec *e = (struct mexec *)ex;
    pthread_mutex_lock(&C.mu);
    for (struct mexec **pp = &C.execs; *pp; pp = &(*pp)->next)
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    pthread_mutex_unlock(&C.mu);
    free(e->initarg);
    free(e->opened);
    free(e);
}

static int mx_stats(const cf_executor *ex, cf_executor_stats *st) {
    struct mexec *e = (struct mexec *)ex;
    st->workers_started = st->workers_alive = (uint64_t)e->base.max_workers;
    st->tasks_submitted = atomic_load(&e->st_submitted);
    st->tasks_completed = atomic_load(&e->st_completed);
    st->tasks_cancelled = atomic_load(&e->st_cancelled);
    return 0;
}

static const struct cf_executor_ops mx_ops = {
    .kind = "mpi",
    .submit = mx_submit,
    .shutdown = mx_shutdown,
    .destroy = mx_destroy,
    .stats = mx_stats,
};

int cf_mpi_executor_new(const cf_mpi_opts *opts, cf_executor **out) {
    if (out) *out = NULL;
    if (!out) return CF_EINVAL;
    if (!G.inited || !G.is_client || G.finalized) return CF_ESTATE;
    cf_mpi_opts o = {0};
    if (opts) o = *opts;
    if (G.size < 2 || o.max_workers < 0 || o.max_workers > G.size - 1 || o.lookahead < 0 ||
        (!o.initarg && o.initarg_len))
        return CF_EINVAL;
    const reg *gi = NULL, *gf = NULL;
    if (o.initializer && !(gi = reg_by_name(K_INIT, o.initializer))) return CF_EINVAL;
    if (o.finalizer && !(gf = reg_by_name(K_FINI, o.finalizer))) return CF_EINVAL;
    struct mexec *e = calloc(1, sizeof *e);
    if (!e) return CF_ENOMEM;
    e->base.ops = &mx_ops;
    e->base.max_workers = o.max_workers ? o.max_workers : G.size - 1;
    e->init_id = gi ? gi->id : 0;
    e->fini_id = gf ? gf->id : 0;
    e->lookahead = o.lookahead;
    e->opened = calloc((size_t)G.size, sizeof *e->opened);
    e->initlen = o.initarg_len;
    e->initarg = malloc(o.initarg_len ? o.initarg_len : 1);
    if (!e->opened || !e->initarg) {
        free(e->opened);
        free(e->initarg);
        free(e);
        return CF_ENOMEM;
    }
    if (o.initarg_len) memcpy(e->initarg, o.initarg, o.initarg_len);
    pthread_mutex_lock(&C.mu);
    int rc = C.abandoned || C.abandon ? CF_EBROKEN : 0;
    if (!rc && !C.started) {
        C.w = calloc((size_t)G.size, sizeof *C.w);
        if (!C.w)
            rc = CF_ENOMEM;
        else if (pthread_create(&C.thr, NULL, progress_main, NULL) != 0)
            rc = CF_ESYS;
        else
            C.started = true;
    }
    if (!rc) {
        e->id = ++C.next_id;
        e->next = C.execs;
        C.execs = e;
    }
    pthread_mutex_unlock(&C.mu);
    if (rc) {
        free(e->opened);
        free(e->initarg);
        free(e);
        return rc;
    }
    *out = &e->base;
    return 0;
}

int cf_mpi_executor_wait(cf_executor *ex, double timeout) {
    if (!ex || ex->ops != &mx_ops) return CF_EINVAL;
    struct mexec *e = (struct mexec *)ex;
    pthread_mutex_lock(&C.mu);
    bool down = e->shutdown;
    pthread_mutex_unlock(&C.mu);
    if (!down) return CF_ESTATE;
    double deadline = cf__deadline(timeout);
    while (!atomic_load(&e->closed))
        if (cf__futex_wait(&e->closed, 0, deadline) == CF_ETIMEDOUT && !atomic_load(&e->closed))
            return CF_ETIMEDOUT;
    return 0;
}

void cf_mpi_abandon(const char *why) {
    if (!G.inited || !G.is_client) return;
    pthread_mutex_lock(&C.mu);
    if (C.abandon) {
        pthread_mutex_unlock(&C.mu);
        return;
    }
    C.abandon = true;
    snprintf(C.abandon_why, sizeof C.abandon_why, "%s", why && *why ? why : "the MPI job ended");
    bool started = C.started;
    pthread_mutex_unlock(&C.mu);
    if (started) {
        ring();
        pthread_join(C.thr, NULL);
        C.started = false;
    } else {
        C.abandoned = true;
    }
}

int cf_mpi_finalize(void) {
    if (!G.inited || G.finalized) return CF_ESTATE;
    if (G.is_client) {
        pthread_mutex_lock(&C.mu);
        if (C.execs && !C.abandoned) {
            pthread_mutex_unlock(&C.mu);
            return CF_ESTATE;
        }
        C.stop = true;
        bool started = C.started;
        pthread_mutex_unlock(&C.mu);
        if (started) {
            ring();
            pthread_join(C.thr, NULL);
            C.started = false;
        }
        if (C.abandoned) { /* the job is ending: no more MPI */
            G.finalized = true;
            return 0;
        }
        uint8_t op = OP_EXIT;
        for (int r = 1; r < G.size; r++)
            MPI_Send(&op, 1, MPI_BYTE, r, TAG_CMD, G.comm);
        free(C.w);
        C.w = NULL;
    }
    MPI_Comm_free(&G.comm);
    if (G.we_initialised) MPI_Finalize();
    G.finalized = true;
    return 0;
}
