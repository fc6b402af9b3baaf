/*
 * flag_server.c — the embedded flag server (libmicrohttpd).
 *
 * Threads
 *   - MHD's thread pool: `threads` worker threads, each with its own epoll
 *     set, all accepting on one listening socket we bind ourselves. They run
 *     access_handler() and request_completed().
 *   - One timer thread (DELAY / ERROR only): sleeps on a condition variable
 *     (CLOCK_MONOTONIC) until the earliest deadline in a min-heap of
 *     suspended connections, then resumes the due ones.
 *   - The thread that calls cfb_flag_server_start / _stop (any thread).
 *
 * Requests
 *   access_handler() picks the answer (a response built once at start for the
 *   generated files and error pages, MHD_RESPMEM_PERSISTENT over the image
 *   cache, shared by connections through MHD's reference count; or a
 *   file response over an fd in --root mode: regular files only, opened
 *   with O_NONBLOCK so that a FIFO or device under the root never holds a
 *   server thread; anything else is a 404) and asks cfb_server_decide()
 *   for a delay and a possible 418. No delay: the response is queued at once
 *   and nothing is allocated. A delay: a small `pending_req` is attached to
 *   the connection (*req_cls), the connection is suspended (it then holds no
 *   thread and is not polled) and pushed on the heap; when the timer thread
 *   resumes it, MHD calls access_handler() again and the stored answer is
 *   queued. request_completed() frees the pending_req.
 *
 * Locks and invariants
 *   - `mu` guards the heap and `stopping`. A handler suspends its connection
 *     and pushes it on the heap in one critical section that first checks
 *     `stopping`; so every suspended connection is on the heap or already
 *     handed to a resume call, and after `stopping` is set no connection is
 *     suspended any more.
 *   - MHD_resume_connection is called outside `mu` (the timer thread pops a
 *     batch, unlocks, resumes). A connection is resumed exactly once, and only
 *     after it was suspended (the push happens after the suspend, under mu).
 *   - Counters are relaxed atomics in per-thread slots (a thread takes a
 *     slot on first use; slots are cache-line aligned), summed on read. The
 *     file responses exist once per slot (up to 8), because MHD locks a
 *     response's mutex to count its references on every queue.
 *   - The per-path request counters that feed cfb_server_decide() are
 *     atomic fetch-adds, so concurrent requests for one path each get a
 *     distinct n.
 *   - `inflight` (seq_cst atomic) counts requests from the first call of
 *     access_handler (headers in) to just before their answer is queued
 *     (or to request_completed, for one never answered: *req_cls tells
 *     which: first_call_mark not yet answered, answered_mark answered at
 *     once, a pending_req's `answered`); `inflight_peak` keeps its maximum
 *     by compare-and-swap. The span is nested in the client's own, so the
 *     peak never exceeds what the client had in flight.
 *
 * Shutdown (cfb_flag_server_stop)
 *   Set `stopping` under mu (from then on no request is suspended: new
 *   ones are answered at once) and wake the timer thread; it resumes every connection left on the
 * heap (their delay is cut short) and exits; join it; wait (on `drained`, at most 2 s) until every
 * resumed request has been answered — `nsuspended`, under mu, counts suspended requests until
 * request_completed; then MHD_stop_daemon (which requires that no connection is still suspended:
 * guaranteed above) joins MHD's workers and closes connections; then the shared responses are
 * destroyed and the struct freed.
 *
 * Ownership: the server owns copies of the option strings, its responses,
 * its listening socket, and every pending_req. The image bytes belong to the
 * process-wide cache of flag_images.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cfutures.h"
#include "flag_table.h"

#define RELAXED memory_order_relaxed

/* Per-path counters: /flags/xx/xx.gif, /flags/xx/metadata.json, others. */
#define NCC (26 * 26)
#define OTHER_BUCKETS 1024
#define NCOUNTERS (2 * NCC + OTHER_BUCKETS)

typedef struct pending_req {
    struct MHD_Response *resp; /* shared (owned false) or ours (owned: destroyed on completion) */
    bool owned;
    bool suspended; /* counted in cfb_flag_server.nsuspended until completed */
    bool answered;  /* its answer was queued (it left `inflight`) */
    unsigned status;
    uint64_t body;
} pending_req;

/* Counters per thread slot (each on its own cache lines), summed on read. */
#define NSLOT 8
typedef struct stat_slot {
    _Alignas(64) _Atomic uint64_t requests;
    _Atomic uint64_t ok, not_found, teapot, bad_request, other, delayed, bytes, connections;
} stat_slot;

/* A thread's slot: threads take slots round robin on first use. */
static _Atomic unsigned slot_seq;
static _Thread_local int my_slot = -1;
static int slot_of(void) {
    if (my_slot < 0) my_slot = (int)(atomic_fetch_add_explicit(&slot_seq, 1, RELAXED) % NSLOT);
    return my_slot;
}

typedef struct timer_ent {
    struct timespec due; /* CLOCK_MONOTONIC */
    struct MHD_Connection *conn;
} timer_ent;

struct cfb_flag_server {
    struct MHD_Daemon *daemon;
    cfb_server_opts o;
    char *bind;
    int root_fd; /* -1 in generated mode */
    int listen_fd;
    int port;
    uint64_t seed;
    char url[96];

    /* ncopy copies of each file response, one per thread slot: MHD takes a
     * mutex on a response to count references, so threads sharing one
     * response object would bounce its cache line. */
    int ncopy;
    struct MHD_Response *gif[NSLOT][CFB_FLAG_COUNT], *meta[NSLOT][CFB_FLAG_COUNT];
    struct MHD_Response *r400, *r404, *r405, *r418, *r500;
    uint64_t len400, len404, len405, len418, len500;

    _Atomic uint32_t path_count[NCOUNTERS];

    /* Requests in flight: from the first call of access_handler (headers
     * in) to the queueing of the answer (or completion, if never
     * answered); the peak of that count. */
    _Atomic int64_t inflight;
    _Atomic uint64_t inflight_peak;

    stat_slot slots[NSLOT];

    pthread_mutex_t mu;
    pthread_cond_t cv;      /* wakes the timer thread */
    pthread_cond_t drained; /* signalled when nsuspended drops to 0 while stopping */
    size_t nsuspended;      /* requests suspended and not yet completed */
    bool stopping;
    bool timer_started;
    pthread_t timer;
    timer_ent *heap;
    size_t nheap, capheap;
};

/* ---- decisions ------------------------------------------------------------ */

static uint64_t mix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t hash_path(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static double unit(uint64_t x) {
    return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

bool cfb_server_decide(const cfb_server_opts *o, const char *path, uint64_t n, double *delay_s) {
    if (delay_s) *delay_s = 0;
    if (!o || o->label == CFB_LABEL_LOCAL) return false;
    uint64_t h = mix64(o->seed ^ mix64(hash_path(path ? path : "") ^ mix64(n)));
    double lo = o->delay_min, hi = o->delay_max;
    if (delay_s) *delay_s = lo + unit(h) * (hi - lo);
    if (o->label != CFB_LABEL_ERROR) return false;
    return unit(mix64(h ^ 0x5bd1e995u)) < o->error_rate;
}

static bool lower2(const char *s) {
    return s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z';
}

/* Recognise /flags/xx/xx.gif (kind 0) and /flags/xx/metadata.json (kind 1);
 * *cc gets the index into the 26×26 space. -1 for anything else. */
static int flag_path(const char *url, int *cc) {
    if (strncmp(url, "/flags/", 7) != 0 || !lower2(url + 7) || url[9] != '/') return -1;
    *cc = (url[7] - 'a') * 26 + (url[8] - 'a');
    const char *f = url + 10;
    if (f[0] == url[7] && f[1] == url[8] && !strcmp(f + 2, ".gif")) return 0;
    if (!strcmp(f, "metadata.json")) return 1;
    return -1;
}

static uint64_t next_count(cfb_flag_server *s, const char *url) {
    int cc, kind = flag_path(url, &cc);
    size_t k =
        kind >= 0 ? (size_t)(kind * NCC + cc) : (size_t)(2 * NCC + hash_path(url) % OTHER_BUCKETS);
    return atomic_fetch_add_explicit(&s->path_count[k], 1, RELAXED);
}

/* ---- options -------------------------------------------------------------- */

void cfb_server_opts_init(cfb_server_opts *o) {
    memset(o, 0, sizeof *o);
    o->bind = "127.0.0.1";
    o->label = CFB_LABEL_LOCAL;
    o->delay_min = 0.5;
    o->delay_max = 5.0;
    o->error_rate = 0.25;
}

int cfb_server_label_parse(const char *s, cfb_server_label *out) {
    if (!s || !out) return CF_EINVAL;
    if (!strcasecmp(s, "LOCAL"))
        *out = CFB_LABEL_LOCAL;
    else if (!strcasecmp(s, "DELAY"))
        *out = CFB_LABEL_DELAY;
    else if (!strcasecmp(s, "ERROR"))
        *out = CFB_LABEL_ERROR;
    else
        return CF_EINVAL;
    return 0;
}

const char *cfb_server_label_name(cfb_server_label l) {
    return l == CFB_LABEL_DELAY ? "DELAY" : l == CFB_LABEL_ERROR ? "ERROR" : "LOCAL";
}

/* ---- the timer heap (under mu) -------------------------------------------- */

static bool ts_before(struct timespec a, struct timespec b) {
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

/* Room for one more entry: 0 or CF_ENOMEM. */
static int heap_reserve(cfb_flag_server *s) {
    if (s->nheap < s->capheap) return 0;
    size_t cap = s->capheap ? 2 * s->capheap : 256;
    timer_ent *h = realloc(s->heap, cap * sizeof *h);
    if (!h) return CF_ENOMEM;
    s->heap = h;
    s->capheap = cap;
    return 0;
}

/* Push after heap_reserve succeeded. */
static void heap_push(cfb_flag_server *s, timer_ent e) {
    size_t i = s->nheap++;
    while (i > 0 && ts_before(e.due, s->heap[(i - 1) / 2].due)) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = e;
}

static timer_ent heap_pop(cfb_flag_server *s) {
    timer_ent top = s->heap[0], last = s->heap[--s->nheap];
    size_t i = 0, n = s->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && ts_before(s->heap[c + 1].due, s->heap[c].due)) c++;
        if (!ts_before(s->heap[c].due, last.due)) break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (n > 0) s->heap[i] = last;
    return top;
}

#define BATCH 64

static void *timer_main(void *arg) {
    cfb_flag_server *s = arg;
    struct MHD_Connection *batch[BATCH];
    pthread_mutex_lock(&s->mu);
    for (;;) {
        size_t nb = 0;
        if (s->stopping) {
            while (s->nheap > 0 && nb < BATCH)
                batch[nb++] = heap_pop(s).conn;
            if (nb == 0) break;
        } else if (s->nheap == 0) {
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        } else {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            while (s->nheap > 0 && nb < BATCH && !ts_before(now, s->heap[0].due))
                batch[nb++] = heap_pop(s).conn;
            if (nb == 0) {
                struct timespec due = s->heap[0].due;
                pthread_cond_timedwait(&s->cv, &s->mu, &due);
                continue;
            }
        }
        pthread_mutex_unlock(&s->mu);
        for (size_t i = 0; i < nb; i++)
            MHD_resume_connection(batch[i]);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- answering ------------------------------------------------------------ */

static void count_status(cfb_flag_server *s, unsigned status, uint64_t body) {
    stat_slot *t = &s->slots[slot_of()];
    atomic_fetch_add_explicit(&t->requests, 1, RELAXED);
    atomic_fetch_add_explicit(&t->bytes, body, RELAXED);
    _Atomic uint64_t *c = status == MHD_HTTP_OK            ? &t->ok
                          : status == MHD_HTTP_NOT_FOUND   ? &t->not_found
                          : status == 418                  ? &t->teapot
                          : status == MHD_HTTP_BAD_REQUEST ? &t->bad_request
                                                           : &t->other;
    atomic_fetch_add_explicit(c, 1, RELAXED);
}

static const char *mime_type(const char *path) {
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/')) return "application/octet-stream";
    static const char *const map[][2] = {
        {".gif", "image/gif"},  {".json", "application/json"},    {".html", "text/html"},
        {".htm", "text/html"},  {".txt", "text/plain"},           {".png", "image/png"},
        {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"},          {".svg", "image/svg+xml"},
        {".css", "text/css"},   {".js", "application/javascript"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcasecmp(dot, map[i][0])) return map[i][1];
    return "application/octet-stream";
}

/* A URL path is safe when it is absolute and has no "." or ".." segment
 * (MHD has already decoded %xx, so "%2e%2e" arrives here as ".."). */
static bool path_safe(const char *url) {
    if (url[0] != '/') return false;
    for (const char *p = url; *p;) {
        while (*p == '/')
            p++;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return false;
        if (memchr(p, '\\', n)) return false;
        p += n;
    }
    return true;
}

/* Open url (safe, relative to the root) without leaving the root: openat2
 * with RESOLVE_BENEATH refuses "..", absolute symlinks and symlinks that
 * lead out. O_NONBLOCK: the open never waits — a FIFO opened for reading
 * would otherwise hold the server thread until a writer comes (issue 14,
 * item 2), and a device's open may wait (a tty for its carrier). Returns
 * an fd or -1; the caller keeps only regular files (open_regular). */
static int open_beneath(int root_fd, const char *url) {
    while (*url == '/')
        url++;
    if (!*url) return -1;
    const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    struct open_how how = {.flags = flags, .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    long fd = syscall(SYS_openat2, root_fd, url, &how, sizeof how);
    if (fd >= 0 || errno != ENOSYS) return (int)fd;
    /* Old kernel: open, then check that the file's real path is inside. */
    int f = openat(root_fd, url, flags);
    if (f < 0) return -1;
    char rp[4096], self[64], rootp[4096];
    snprintf(self, sizeof self, "/proc/self/fd/%d", f);
    ssize_t n = readlink(self, rp, sizeof rp - 1);
    snprintf(self, sizeof self, "/proc/self/fd/%d", root_fd);
    ssize_t m = readlink(self, rootp, sizeof rootp - 1);
    if (n < 0 || m < 0 || n <= m || memcmp(rp, rootp, (size_t)m) != 0 || rp[m] != '/') {
        close(f);
        return -1;
    }
    return f;
}

/* open_beneath, kept only for a regular file: a FIFO, a device node, a
 * directory (a socket fails to open) is closed again and answered as if
 * it did not exist (404: the server does not tell which special files the
 * root holds). The fd returned is blocking again (for MHD's reads). */
static int open_regular(int root_fd, const char *url, struct stat *st) {
    int fd = open_beneath(root_fd, url);
    if (fd < 0) return -1;
    int fl;
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || (fl = fcntl(fd, F_GETFL)) < 0 ||
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Pick the answer for url: *resp is either a shared response (*owned false)
 * or a new one holding an fd (*owned true: destroy after queueing). */
static void route(cfb_flag_server *s, const char *url, struct MHD_Response **resp, unsigned *status,
                  uint64_t *body, bool *owned) {
    *owned = false;
    if (!path_safe(url)) {
        *resp = s->r400, *status = MHD_HTTP_BAD_REQUEST, *body = s->len400;
        return;
    }
    if (s->root_fd < 0) {
        int cc, kind = flag_path(url, &cc);
        if (kind >= 0) {
            char code[3] = {(char)('a' + cc / 26), (char)('a' + cc % 26), 0};
            const cfb_flag_info *f = cfb_flag_find(code);
            if (f) {
                size_t i = (size_t)(f - cfb__flag_table);
                *status = MHD_HTTP_OK;
                if (kind == 0) {
                    *resp = s->gif[slot_of() % s->ncopy][i], *body = f->size;
                } else {
                    const char *j;
                    size_t jl = 0;
                    cfb_flag_metadata(code, &j, &jl);
                    *resp = s->meta[slot_of() % s->ncopy][i], *body = jl;
                }
                return;
            }
        }
        *resp = s->r404, *status = MHD_HTTP_NOT_FOUND, *body = s->len404;
        return;
    }
    struct stat st;
    int fd = open_regular(s->root_fd, url, &st);
    if (fd < 0) {
        *resp = s->r404, *status = MHD_HTTP_NOT_FOUND, *body = s->len404;
        return;
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!r) {
        close(fd);
        *resp = s->r500, *status = MHD_HTTP_INTERNAL_SERVER_ERROR, *body = s->len500;
        return;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, mime_type(url));
    *resp = r, *status = MHD_HTTP_OK, *body = (uint64_t)st.st_size, *owned = true;
}

static char first_call_mark; /* *req_cls between the first and the second call */
static char answered_mark;   /* *req_cls once an undelayed answer is queued */

/* One request more in flight (headers in); keeps the peak. */
static void inflight_in(cfb_flag_server *s) {
    uint64_t now = (uint64_t)(atomic_fetch_add(&s->inflight, 1) + 1);
    uint64_t peak = atomic_load(&s->inflight_peak);
    while (now > peak && !atomic_compare_exchange_weak(&s->inflight_peak, &peak, now)) {
    }
}

/* One request less in flight: its answer is about to be queued (before the
 * client can see any of it), or it ended unanswered. */
static void inflight_out(cfb_flag_server *s) {
    atomic_fetch_sub(&s->inflight, 1);
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **req_cls) {
    cfb_flag_server *s = cls;
    if (*req_cls == NULL) {
        /* First call: only the headers are in. Answering now would make MHD
         * close the connection after the answer (no keep-alive), so wait for
         * the end of the request. */
        *req_cls = &first_call_mark;
        inflight_in(s);
        return MHD_YES;
    }
    if (*upload_data_size) { /* a body we do not want: discard it */
        *upload_data_size = 0;
        return MHD_YES;
    }
    pending_req *p = *req_cls == &first_call_mark ? NULL : *req_cls;
    if (p) { /* resumed after its delay */
        count_status(s, p->status, p->body);
        if (!p->answered) inflight_out(s);
        p->answered = true;
        return MHD_queue_response(conn, p->status, p->resp);
    }
    struct MHD_Response *resp;
    unsigned status;
    uint64_t body;
    bool owned;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        resp = s->r405, status = MHD_HTTP_METHOD_NOT_ALLOWED, body = s->len405, owned = false;
    } else {
        route(s, url, &resp, &status, &body, &owned);
    }

    double delay = 0;
    if (s->o.label != CFB_LABEL_LOCAL) {
        if (cfb_server_decide(&s->o, url, next_count(s, url), &delay)) {
            if (owned) MHD_destroy_response(resp);
            resp = s->r418, status = 418, body = s->len418, owned = false;
        }
    }
    if (delay > 0) {
        p = malloc(sizeof *p);
        if (p) {
            p->resp = resp;
            p->status = status;
            p->body = body;
            p->owned = owned;
            p->suspended = false;
            p->answered = false;
            struct timespec due;
            clock_gettime(CLOCK_MONOTONIC, &due);
            double whole = floor(delay);
            due.tv_sec += (time_t)whole;
            due.tv_nsec += (long)((delay - whole) * 1e9);
            if (due.tv_nsec >= 1000000000L) {
                due.tv_sec++;
                due.tv_nsec -= 1000000000L;
            }
            *req_cls = p; /* before the suspend: the resumed call must find it */
            pthread_mutex_lock(&s->mu);
            bool queued = false;
            if (!s->stopping && heap_reserve(s) == 0) {
                MHD_suspend_connection(conn);
                heap_push(s, (timer_ent){due, conn}); /* cannot fail: space reserved */
                queued = true;
                p->suspended = true;
                s->nsuspended++;
                if (s->heap[0].conn == conn) pthread_cond_signal(&s->cv);
            }
            pthread_mutex_unlock(&s->mu);
            if (queued) {
                atomic_fetch_add_explicit(&s->slots[slot_of()].delayed, 1, RELAXED);
                return MHD_YES; /* called again once resumed */
            }
            /* stopping (or no memory): answer now; p is freed on completion */
            count_status(s, status, body);
            p->answered = true;
            inflight_out(s);
            return MHD_queue_response(conn, status, resp);
        }
        /* no memory for the delay: answer at once */
    }
    count_status(s, status, body);
    *req_cls = &answered_mark;
    inflight_out(s);
    enum MHD_Result r = MHD_queue_response(conn, status, resp);
    if (owned) MHD_destroy_response(resp);
    return r;
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                              enum MHD_RequestTerminationCode toe) {
    cfb_flag_server *s = cls;
    pending_req *p = *req_cls;
    if (p == (void *)&first_call_mark) inflight_out(s); /* never answered */
    if (p == (void *)&first_call_mark || p == (void *)&answered_mark) {
        *req_cls = NULL;
        return;
    }
    if (p) {
        if (!p->answered) inflight_out(s);
        if (p->suspended) {
            pthread_mutex_lock(&s->mu);
            if (--s->nsuspended == 0 && s->stopping) pthread_cond_broadcast(&s->drained);
            pthread_mutex_unlock(&s->mu);
        }
        if (p->owned) MHD_destroy_response(p->resp);
        free(p);
        *req_cls = NULL;
    }
}

static void connection_notify(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                              enum MHD_ConnectionNotificationCode toe) {
    cfb_flag_server *s = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add_explicit(&s->slots[slot_of()].connections, 1, RELAXED);
}

/* ---- start / stop --------------------------------------------------------- */

static struct MHD_Response *static_page(const char *text, const char *type, uint64_t *len) {
    *len = strlen(text);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(*len, (void *)text, MHD_RESPMEM_PERSISTENT);
    if (r) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    return r;
}

static void destroy_responses(cfb_flag_server *s) {
    for (size_t i = 0; i < CFB_FLAG_COUNT; i++) {
        for (int c = 0; c < NSLOT; c++) {
            if (s->gif[c][i]) MHD_destroy_response(s->gif[c][i]);
            if (s->meta[c][i]) MHD_destroy_response(s->meta[c][i]);
        }
    }
    struct MHD_Response *pages[] = {s->r400, s->r404, s->r405, s->r418, s->r500};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        if (pages[i]) MHD_destroy_response(pages[i]);
}

static int make_responses(cfb_flag_server *s) {
    s->r400 = static_page("400 Bad Request\n", "text/plain", &s->len400);
    s->r404 = static_page("404 Not Found\n", "text/plain", &s->len404);
    s->r405 = static_page("405 Method Not Allowed\n", "text/plain", &s->len405);
    s->r418 = static_page("418 I'm a teapot\n", "text/plain", &s->len418);
    s->r500 = static_page("500 Internal Server Error\n", "text/plain", &s->len500);
    if (!s->r400 || !s->r404 || !s->r405 || !s->r418 || !s->r500) return CF_ENOMEM;
    if (s->r405) MHD_add_response_header(s->r405, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    if (s->root_fd >= 0) return 0;
    for (size_t i = 0; i < CFB_FLAG_COUNT; i++) {
        const unsigned char *g;
        const char *j;
        size_t gl, jl;
        int rc = cfb_flag_image(cfb__flag_table[i].cc, &g, &gl);
        if (rc == 0) rc = cfb_flag_metadata(cfb__flag_table[i].cc, &j, &jl);
        if (rc) return rc;
        for (int c = 0; c < s->ncopy; c++) {
            struct MHD_Response *gr, *mr;
            gr = MHD_create_response_from_buffer(gl, (void *)g, MHD_RESPMEM_PERSISTENT);
            mr = MHD_create_response_from_buffer(jl, (void *)j, MHD_RESPMEM_PERSISTENT);
            s->gif[c][i] = gr, s->meta[c][i] = mr;
            if (!gr || !mr) return CF_ENOMEM;
            MHD_add_response_header(gr, MHD_HTTP_HEADER_CONTENT_TYPE, "image/gif");
            MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        }
    }
    return 0;
}

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#include <stdarg.h>
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static int check_opts(const cfb_server_opts *o, char *err, size_t errlen) {
    if (o->port < 0 || o->port > 65535)
        return fail(err, errlen, CF_EINVAL, "port %d out of range 0..65535", o->port);
    if (o->label != CFB_LABEL_LOCAL && o->label != CFB_LABEL_DELAY && o->label != CFB_LABEL_ERROR)
        return fail(err, errlen, CF_EINVAL, "unknown label %d", (int)o->label);
    if (!(o->delay_min >= 0) || !(o->delay_max >= o->delay_min) || o->delay_max > 3600)
        return fail(err, errlen, CF_EINVAL, "bad delay range %g:%g (need 0 <= MIN <= MAX <= 3600)",
                    o->delay_min, o->delay_max);
    if (!(o->error_rate >= 0 && o->error_rate <= 1))
        return fail(err, errlen, CF_EINVAL, "error rate %g not in [0, 1]", o->error_rate);
    if (o->threads < 0 || o->threads > 1024)
        return fail(err, errlen, CF_EINVAL, "threads %d out of range 0..1024", o->threads);
    return 0;
}

static int listen_on(cfb_flag_server *s, char *err, size_t errlen) {
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    bool v6 = strchr(s->bind, ':') != NULL;
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)s->o.port);
        if (inet_pton(AF_INET6, s->bind, &a->sin6_addr) != 1)
            return fail(err, errlen, CF_EINVAL, "bad bind address '%s'", s->bind);
        sl = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)s->o.port);
        if (inet_pton(AF_INET, s->bind, &a->sin_addr) != 1)
            return fail(err, errlen, CF_EINVAL, "bad bind address '%s'", s->bind);
        sl = sizeof *a;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return fail(err, errlen, CF_ESYS, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (v6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 4096) != 0) {
        int e = errno;
        close(fd);
        return fail(err, errlen, CF_ESYS, "bind %s%s%s:%d: %s", v6 ? "[" : "", s->bind,
                    v6 ? "]" : "", s->o.port, strerror(e));
    }
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        int e = errno;
        close(fd);
        return fail(err, errlen, CF_ESYS, "getsockname: %s", strerror(e));
    }
    s->port =
        ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
    s->listen_fd = fd;
    const char *host = s->bind;
    if (!strcmp(host, "0.0.0.0"))
        host = "127.0.0.1";
    else if (!strcmp(host, "::"))
        host = "::1";
    v6 = strchr(host, ':') != NULL;
    snprintf(s->url, sizeof s->url, "http://%s%s%s:%d/flags", v6 ? "[" : "", host, v6 ? "]" : "",
             s->port);
    return 0;
}

static void server_free(cfb_flag_server *s) {
    destroy_responses(s);
    if (s->listen_fd >= 0) close(s->listen_fd);
    if (s->root_fd >= 0) close(s->root_fd);
    pthread_cond_destroy(&s->cv);
    pthread_cond_destroy(&s->drained);
    pthread_mutex_destroy(&s->mu);
    free(s->heap);
    free(s->bind);
    free(s);
}

int cfb_flag_server_start(const cfb_server_opts *o, cfb_flag_server **out, char *err,
                          size_t errlen) {
    if (out) *out = NULL;
    if (!o || !out) return fail(err, errlen, CF_EINVAL, "no options or no output pointer");
    int rc = check_opts(o, err, errlen);
    if (rc) return rc;
    cfb_flag_server *s = calloc(1, sizeof *s);
    if (!s) return fail(err, errlen, CF_ENOMEM, "out of memory");
    s->o = *o;
    s->o.root = NULL;
    s->root_fd = s->listen_fd = -1;
    s->bind = strdup(o->bind && *o->bind ? o->bind : "127.0.0.1");
    s->o.bind = s->bind;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_cond_init(&s->drained, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&s->mu, NULL);
    if (!s->bind) {
        server_free(s);
        return fail(err, errlen, CF_ENOMEM, "out of memory");
    }
    if (o->seeded) {
        s->seed = o->seed;
    } else if (getrandom(&s->seed, sizeof s->seed, 0) != (ssize_t)sizeof s->seed) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s->seed = mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid());
    }
    s->o.seed = s->seed;
    s->o.seeded = true;
    if (o->root) {
        s->root_fd = open(o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0) {
            int e = errno;
            server_free(s);
            return fail(err, errlen, CF_ESYS, "root %s: %s", o->root, strerror(e));
        }
    }
    unsigned threads = (unsigned)o->threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    s->ncopy = threads < NSLOT ? (int)threads : NSLOT;
    rc = make_responses(s);
    if (rc) {
        server_free(s);
        return fail(err, errlen, rc, "building responses: %s", cf_strerror(rc));
    }
    rc = listen_on(s, err, errlen);
    if (rc) {
        server_free(s);
        return rc;
    }
    if (s->o.label != CFB_LABEL_LOCAL) {
        if (pthread_create(&s->timer, NULL, timer_main, s) != 0) {
            server_free(s);
            return fail(err, errlen, CF_ESYS, "cannot start the timer thread");
        }
        s->timer_started = true;
    }
    /* MHD's default limit is FD_SETSIZE-sized even with epoll; allow what the
     * fd limit allows (a caller expecting 10k clients raises RLIMIT_NOFILE
     * before starting the server). */
    unsigned max_conns = o->max_connections;
    if (max_conns == 0) {
        struct rlimit rl;
        max_conns = 1020;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
            if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1000000 + 64)
                max_conns = 1000000;
            else if (rl.rlim_cur > 1020 + 64)
                max_conns = (unsigned)(rl.rlim_cur - 64);
        }
    }
    (void)MHD_get_reason_phrase_len_for(418); /* links mhd_reason.c: "418 I'm a teapot" */
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO;
    if (strchr(s->bind, ':')) flags |= MHD_USE_IPv6;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_LISTEN_SOCKET, s->listen_fd, NULL},
        {MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_completed, s},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)connection_notify, s},
        {MHD_OPTION_CONNECTION_TIMEOUT, 120, NULL},
        /* MHD zeroes a connection's memory pool for every request: 4 KiB
         * (instead of 32) cut the server's CPU per request by ~15%; requests
         * still may carry ~3.5 KiB of headers (more gets a 431). */
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)4096, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)max_conns, NULL},
        {MHD_OPTION_END, 0, NULL}};
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, access_handler, s, MHD_OPTION_ARRAY, opts,
                                 MHD_OPTION_END);
    if (!s->daemon) {
        int e = errno;
        if (s->timer_started) {
            pthread_mutex_lock(&s->mu);
            s->stopping = true;
            pthread_cond_signal(&s->cv);
            pthread_mutex_unlock(&s->mu);
            pthread_join(s->timer, NULL);
        }
        server_free(s);
        return fail(err, errlen, CF_ESYS, "libmicrohttpd did not start (%u threads): %s", threads,
                    strerror(e));
    }
    s->listen_fd = -1; /* MHD owns it now and closes it in MHD_stop_daemon */
    *out = s;
    return 0;
}

const char *cfb_flag_server_url(const cfb_flag_server *s) {
    return s ? s->url : NULL;
}
int cfb_flag_server_port(const cfb_flag_server *s) {
    return s ? s->port : -1;
}
uint64_t cfb_flag_server_seed(const cfb_flag_server *s) {
    return s ? s->seed : 0;
}

void cfb_flag_server_stats(const cfb_flag_server *s, cfb_server_stats *out) {
    memset(out, 0, sizeof *out);
    if (!s) return;
    cfb_flag_server *m = (cfb_flag_server *)s; /* atomics are read-only here */
    for (int i = 0; i < NSLOT; i++) {
        stat_slot *t = &m->slots[i];
        out->requests += atomic_load_explicit(&t->requests, RELAXED);
        out->ok += atomic_load_explicit(&t->ok, RELAXED);
        out->not_found += atomic_load_explicit(&t->not_found, RELAXED);
        out->teapot += atomic_load_explicit(&t->teapot, RELAXED);
        out->bad_request += atomic_load_explicit(&t->bad_request, RELAXED);
        out->other += atomic_load_explicit(&t->other, RELAXED);
        out->delayed += atomic_load_explicit(&t->delayed, RELAXED);
        out->bytes += atomic_load_explicit(&t->bytes, RELAXED);
        out->connections += atomic_load_explicit(&t->connections, RELAXED);
    }
    out->inflight_peak = atomic_load(&m->inflight_peak);
}

void cfb_flag_server_stop(cfb_flag_server *s, cfb_server_stats *final) {
    if (final) memset(final, 0, sizeof *final);
    if (!s) return;
    /* No MHD_quiesce_daemon: with a thread pool and epoll, libmicrohttpd
     * 0.9.75 removes the listening socket from each worker's epoll set both
     * in the caller and in the worker that sees was_quiesced, and whichever
     * comes second aborts the process ("Failed to remove listen FD from
     * epoll set", seen in CI under ASan). Not needed either: once `stopping`
     * is set no request is suspended any more, so connections accepted
     * during the drain are answered at once and cannot prolong it. */
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    if (s->timer_started) pthread_join(s->timer, NULL); /* it resumed every connection left */
    /* Let the resumed requests be answered (MHD_stop_daemon would close
     * them unanswered), for at most 2 s: a client that does not read its
     * answer must not hold the stop. */
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += 2;
    pthread_mutex_lock(&s->mu);
    while (s->nsuspended > 0)
        if (pthread_cond_timedwait(&s->drained, &s->mu, &until) == ETIMEDOUT) break;
    pthread_mutex_unlock(&s->mu);
    MHD_stop_daemon(s->daemon); /* closes the listening socket too */
    if (final) cfb_flag_server_stats(s, final);
    server_free(s);
}

/* ---- internal entry point (fuzz/fuzz_server_path.c) ------------------------ */
#include "flag_server_internal.h"

int cfb__server_open_path(int root_fd, const char *url) {
    if (!url || !path_safe(url)) return -1;
    int fd = open_beneath(root_fd, url);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
    }
    return fd;
}
