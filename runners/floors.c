/*
 * floors.c — the host floors calibration and its per-boot cache (floors.h).
 *
 * Design. The calibration runs on the calling thread, before the sweep, one
 * floor after another; each one is bounded twice: a time budget (BUDGET_S)
 * that stops the timed loop early on a slow host, and a deadline on every
 * wait (STEP_MS), so a lost wake-up, a dead child or a silent server ends
 * that floor with an error instead of hanging the run.
 *  - futex_wake: one helper thread. The two threads take turns on an
 *    atomic word: the main thread stores 1 and FUTEX_WAKEs, the helper,
 *    blocked in FUTEX_WAIT (timeout STEP_MS, re-checking a stop flag and
 *    its own deadline), sees 1, stores 0 and wakes the main thread, which
 *    waits the same way. No spinning: every hop is a real sleep and wake.
 *    Clean-up: stop flag, a wake, pthread_join (the helper's waits are
 *    bounded, so the join is too).
 *  - pipe_rt: one child process (fork) echoing a byte on two pipes; it
 *    only calls poll/read/write/_exit (async-signal-safe), exits on EOF, on
 *    a STEP_MS silence, or when the parent dies (PR_SET_PDEATHSIG). Clean-up:
 *    the parent closes its ends (the child sees EOF) and reaps it with a
 *    deadline, then SIGKILL and a final reap.
 *  - fork_exit_wait: per iteration a child that _exit(0)s at once, reaped
 *    through a pidfd polled with a deadline (SIGKILL past it); where the
 *    kernel has no pidfd_open, a plain waitpid (the child does nothing but
 *    exit).
 *  - http_loopback: one flag server (LOCAL, one MHD thread, an ephemeral
 *    port on 127.0.0.1) and one keep-alive TCP connection with TCP_NODELAY;
 *    each iteration writes a GET and reads the whole answer (headers and
 *    Content-Length body), every read polled with a deadline. Clean-up:
 *    close the socket, cfb_flag_server_stop (bounded by its own design).
 * Memory: the samples live in a malloc'd array freed before each floor
 * returns; the JSON objects returned are owned by the caller.
 */
#include "floors.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "flags/flag_server.h"
#include "measure.h"

#define DEFAULT_ITERS 300
#define FORK_ITERS_MAX 200
#define WARMUP 10
#define BUDGET_S 0.2
#define STEP_MS 1000

static const struct {
    const char *key, *label, *method;
} kinds[CFB_FLOOR_N] = {
    {"futex_wake", "futex wake-up round trip",
     "two threads ping-pong through a futex word (FUTEX_WAIT/FUTEX_WAKE): one round trip, two "
     "wake-ups"},
    {"pipe_rt", "pipe round trip", "one byte there and back between two processes over two pipes"},
    {"fork_exit_wait", "fork+exit+wait", "fork(), the child calls _exit(0), the parent reaps it"},
    {"http_loopback", "HTTP request (loopback)",
     "one keep-alive HTTP/1.1 GET of a metadata.json to the embedded flag server (LOCAL, one "
     "thread) over 127.0.0.1"},
};

const char *cfb_floor_key(int k) {
    return k >= 0 && k < CFB_FLOOR_N ? kinds[k].key : "";
}
const char *cfb_floor_label(int k) {
    return k >= 0 && k < CFB_FLOOR_N ? kinds[k].label : "";
}
const char *cfb_floor_method(int k) {
    return k >= 0 && k < CFB_FLOOR_N ? kinds[k].method : "";
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sort the n samples and fill f's figures. */
static void summarise(cfb_floor *f, double *s, int n) {
    f->iterations = n;
    if (n <= 0) {
        f->median_s = f->min_s = f->max_s = NAN;
        if (!f->err[0]) snprintf(f->err, sizeof f->err, "no iteration finished");
        return;
    }
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    f->median_s = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    f->min_s = s[0];
    f->max_s = s[n - 1];
    if (!(f->median_s > 0)) f->median_s = 1e-9; /* below the clock's resolution */
}

/* ---- futex wake-up round trip ------------------------------------------- */

typedef struct futex_pp {
    _Atomic int word; /* 1: the helper's turn, 0: the main thread's */
    _Atomic int stop;
} futex_pp;

static long futex(_Atomic int *addr, int op, int val, const struct timespec *ts) {
    return syscall(SYS_futex, (int *)addr, op | FUTEX_PRIVATE_FLAG, val, ts, NULL, 0);
}

/* Wait while *w == val, up to deadline (monotonic seconds) or stop. 0 when
 * the value changed, -1 at the deadline or stop. */
static int futex_wait_change(futex_pp *pp, int val, double deadline) {
    static const struct timespec slice = {0, 100 * 1000 * 1000};
    while (atomic_load(&pp->word) == val) {
        if (atomic_load(&pp->stop) || now_s() > deadline) return -1;
        futex(&pp->word, FUTEX_WAIT, val, &slice);
    }
    return 0;
}

static void *futex_helper(void *arg) {
    futex_pp *pp = arg;
    for (;;) {
        if (futex_wait_change(pp, 0, now_s() + STEP_MS / 1000.0)) break;
        if (atomic_load(&pp->stop)) break;
        atomic_store(&pp->word, 0);
        futex(&pp->word, FUTEX_WAKE, 1, NULL);
    }
    return NULL;
}

static void floor_futex(cfb_floor *f, int iters) {
    double *s = malloc(sizeof *s * (size_t)iters);
    futex_pp pp = {0, 0};
    pthread_t t;
    int n = 0;
    if (!s || pthread_create(&t, NULL, futex_helper, &pp)) {
        snprintf(f->err, sizeof f->err, "%s", s ? "cannot start a thread" : "out of memory");
        free(s);
        summarise(f, NULL, 0);
        return;
    }
    double end = now_s() + BUDGET_S;
    for (int i = 0; i < WARMUP + iters; i++) {
        double t0 = now_s();
        atomic_store(&pp.word, 1);
        futex(&pp.word, FUTEX_WAKE, 1, NULL);
        if (futex_wait_change(&pp, 1, t0 + STEP_MS / 1000.0)) {
            snprintf(f->err, sizeof f->err, "the other thread did not answer within %d ms",
                     STEP_MS);
            break;
        }
        double t1 = now_s();
        if (i >= WARMUP) s[n++] = t1 - t0;
        if (t1 > end && n >= 1) break;
    }
    atomic_store(&pp.stop, 1);
    atomic_store(&pp.word, 1); /* the helper leaves its wait */
    futex(&pp.word, FUTEX_WAKE, 1, NULL);
    pthread_join(t, NULL);
    summarise(f, s, n);
    free(s);
}

/* ---- processes ----------------------------------------------------------- */

/* Reap pid, waiting at most ms; then SIGKILL and reap. 0 when it exited by
 * itself with status 0. */
static int reap(pid_t pid, int ms) {
    int st = 0;
    for (int waited = 0;; waited++) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
        if (r < 0 && errno != EINTR) return -1;
        if (waited >= ms) break;
        struct timespec ms1 = {0, 1000 * 1000};
        nanosleep(&ms1, NULL);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return -1;
}

/* Wait until fd is readable, up to ms. 1 readable, 0 timeout, -1 error. */
static int wait_readable(int fd, int ms) {
    struct pollfd p = {fd, POLLIN, 0};
    for (;;) {
        int r = poll(&p, 1, ms);
        if (r < 0 && errno == EINTR) continue;
        return r < 0 ? -1 : r;
    }
}

static void floor_pipe(cfb_floor *f, int iters) {
    int there[2], back[2];
    double *s = malloc(sizeof *s * (size_t)iters);
    int n = 0;
    if (!s || pipe2(there, O_CLOEXEC)) {
        snprintf(f->err, sizeof f->err, "%s", s ? strerror(errno) : "out of memory");
        free(s);
        summarise(f, NULL, 0);
        return;
    }
    if (pipe2(back, O_CLOEXEC)) {
        snprintf(f->err, sizeof f->err, "pipe: %s", strerror(errno));
        close(there[0]), close(there[1]);
        free(s);
        summarise(f, NULL, 0);
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) { /* the echo child: async-signal-safe calls only */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(there[1]);
        close(back[0]);
        char c;
        for (;;) {
            struct pollfd p = {there[0], POLLIN, 0};
            if (poll(&p, 1, STEP_MS) <= 0) _exit(1);
            if (read(there[0], &c, 1) != 1) _exit(0); /* EOF: done */
            if (write(back[1], &c, 1) != 1) _exit(1);
        }
    }
    close(there[0]);
    close(back[1]);
    if (pid < 0) {
        snprintf(f->err, sizeof f->err, "fork: %s", strerror(errno));
    } else {
        double end = now_s() + BUDGET_S;
        char c = 'x';
        for (int i = 0; i < WARMUP + iters; i++) {
            double t0 = now_s();
            if (write(there[1], &c, 1) != 1 || wait_readable(back[0], STEP_MS) != 1 ||
                read(back[0], &c, 1) != 1) {
                snprintf(f->err, sizeof f->err, "the child did not answer within %d ms", STEP_MS);
                break;
            }
            double t1 = now_s();
            if (i >= WARMUP) s[n++] = t1 - t0;
            if (t1 > end && n >= 1) break;
        }
    }
    close(there[1]); /* the child reads EOF and exits */
    close(back[0]);
    if (pid > 0) reap(pid, STEP_MS);
    summarise(f, s, n);
    free(s);
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static void floor_fork(cfb_floor *f, int iters) {
    if (iters > FORK_ITERS_MAX) iters = FORK_ITERS_MAX;
    double *s = malloc(sizeof *s * (size_t)iters);
    int n = 0;
    if (!s) {
        snprintf(f->err, sizeof f->err, "out of memory");
        summarise(f, NULL, 0);
        return;
    }
    fflush(NULL);
    double end = now_s() + BUDGET_S;
    for (int i = 0; i < WARMUP / 2 + iters; i++) {
        double t0 = now_s();
        pid_t pid = fork();
        if (pid == 0) _exit(0);
        if (pid < 0) {
            snprintf(f->err, sizeof f->err, "fork: %s", strerror(errno));
            break;
        }
        int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        int ok;
        if (pfd >= 0) {
            int r = wait_readable(pfd, STEP_MS);
            close(pfd);
            if (r == 1) {
                ok = reap(pid, 0);
            } else { /* past the deadline: killed and reaped */
                reap(pid, 0);
                ok = -1;
            }
        } else {
            int st;
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
            }
            ok = 0;
        }
        double t1 = now_s();
        if (ok) {
            snprintf(f->err, sizeof f->err, "a child did not exit within %d ms", STEP_MS);
            break;
        }
        if (i >= WARMUP / 2) s[n++] = t1 - t0;
        if (t1 > end && n >= 1) break;
    }
    summarise(f, s, n);
    free(s);
}

/* ---- HTTP over loopback --------------------------------------------------- */

/* Connect to 127.0.0.1:port within ms: the socket, or -1. */
static int connect_loopback(int port, int ms) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) && errno != EINPROGRESS) goto fail;
    struct pollfd p = {fd, POLLOUT, 0};
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (poll(&p, 1, ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr)
        goto fail;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
fail:
    close(fd);
    return -1;
}

/* One request/answer on fd: 0, or -1 (err set). buf: scratch of cap bytes. */
static int http_once(int fd, const char *req, size_t reqlen, char *buf, size_t cap, char *err,
                     size_t errlen) {
    size_t off = 0;
    while (off < reqlen) {
        ssize_t w = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);
        if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd p = {fd, POLLOUT, 0};
            if (poll(&p, 1, STEP_MS) != 1) goto timeout;
            continue;
        }
        if (w <= 0) {
            snprintf(err, errlen, "send: %s", strerror(errno));
            return -1;
        }
        off += (size_t)w;
    }
    size_t got = 0, need = 0;
    for (;;) {
        if (wait_readable(fd, STEP_MS) != 1) goto timeout;
        ssize_t r = recv(fd, buf + got, cap - 1 - got, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (r <= 0) {
            snprintf(err, errlen, "the server closed the connection");
            return -1;
        }
        got += (size_t)r;
        buf[got] = '\0';
        if (!need) {
            char *eoh = strstr(buf, "\r\n\r\n");
            if (eoh) {
                if (strncmp(buf, "HTTP/1.1 200", 12)) {
                    snprintf(err, errlen, "the server did not answer 200");
                    return -1;
                }
                char *cl = strcasestr(buf, "\r\nContent-Length:");
                if (!cl || cl > eoh) {
                    snprintf(err, errlen, "no Content-Length in the answer");
                    return -1;
                }
                need = (size_t)(eoh + 4 - buf) + strtoul(cl + 17, NULL, 10);
                if (need >= cap) {
                    snprintf(err, errlen, "the answer is too large");
                    return -1;
                }
            }
        }
        if (need && got >= need) return got == need ? 0 : -1;
        if (got >= cap - 1) {
            snprintf(err, errlen, "the answer is too large");
            return -1;
        }
    }
timeout:
    snprintf(err, errlen, "no answer within %d ms", STEP_MS);
    return -1;
}

static void floor_http(cfb_floor *f, int iters) {
    cfb_server_opts o;
    cfb_server_opts_init(&o);
    o.port = 0;
    o.threads = 1;
    o.seeded = true;
    o.seed = 1;
    cfb_flag_server *srv = NULL;
    char serr[128];
    double *s = malloc(sizeof *s * (size_t)iters);
    char *buf = malloc(16384);
    int n = 0, fd = -1;
    if (!s || !buf) {
        snprintf(f->err, sizeof f->err, "out of memory");
        goto out;
    }
    if (cfb_flag_server_start(&o, &srv, serr, sizeof serr)) {
        snprintf(f->err, sizeof f->err, "flag server: %s", serr);
        goto out;
    }
    int port = cfb_flag_server_port(srv);
    if ((fd = connect_loopback(port, STEP_MS)) < 0) {
        snprintf(f->err, sizeof f->err, "cannot connect to 127.0.0.1:%d", port);
        goto out;
    }
    char req[160];
    int rl = snprintf(req, sizeof req,
                      "GET /flags/br/metadata.json HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", port);
    double end = now_s() + BUDGET_S;
    for (int i = 0; i < WARMUP + iters; i++) {
        double t0 = now_s();
        if (http_once(fd, req, (size_t)rl, buf, 16384, f->err, sizeof f->err)) break;
        double t1 = now_s();
        if (i >= WARMUP) s[n++] = t1 - t0;
        if (t1 > end && n >= 1) break;
    }
out:
    if (fd >= 0) close(fd);
    cfb_flag_server_stop(srv, NULL);
    summarise(f, s, n);
    free(s);
    free(buf);
}

int cfb_floors_measure(cfb_floors *out, int iterations) {
    memset(out, 0, sizeof *out);
    if (iterations <= 0) iterations = DEFAULT_ITERS;
    cfb_iso_now(out->measured, sizeof out->measured);
    double t0 = now_s();
    floor_futex(&out->f[CFB_FLOOR_FUTEX], iterations);
    floor_pipe(&out->f[CFB_FLOOR_PIPE], iterations);
    floor_fork(&out->f[CFB_FLOOR_FORK], iterations);
    floor_http(&out->f[CFB_FLOOR_HTTP], iterations);
    out->calibration_s = now_s() - t0;
    int ok = 0;
    for (int k = 0; k < CFB_FLOOR_N; k++)
        ok += isfinite(out->f[k].median_s) && out->f[k].median_s > 0;
    return ok;
}

/* ---- JSON and the cache -------------------------------------------------- */

static json_t *num_or_null(double v) {
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *cfb_floors_json(const cfb_floors *f) {
    json_t *j = json_object();
    json_object_set_new(j, "version", json_integer(CFB_FLOORS_VERSION));
    json_object_set_new(j, "cached", json_boolean(f->cached));
    json_object_set_new(j, "measured", json_string(f->measured));
    json_object_set_new(j, "calibration_s", num_or_null(f->calibration_s));
    for (int k = 0; k < CFB_FLOOR_N; k++) {
        const cfb_floor *x = &f->f[k];
        json_t *o = json_object();
        json_object_set_new(o, "median_s", num_or_null(x->median_s));
        json_object_set_new(o, "min_s", num_or_null(x->min_s));
        json_object_set_new(o, "max_s", num_or_null(x->max_s));
        json_object_set_new(o, "unit", json_string("s"));
        json_object_set_new(o, "iterations", json_integer(x->iterations));
        json_object_set_new(o, "method", json_string(kinds[k].method));
        if (x->err[0]) json_object_set_new(o, "error", json_string(x->err));
        json_object_set_new(j, kinds[k].key, o);
    }
    return j;
}

static double get_num(const json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

int cfb_floors_from_json(const json_t *j, cfb_floors *out) {
    memset(out, 0, sizeof *out);
    if (!json_is_object(j) ||
        json_integer_value(json_object_get(j, "version")) != CFB_FLOORS_VERSION)
        return -1;
    out->cached = json_is_true(json_object_get(j, "cached"));
    const char *m = json_string_value(json_object_get(j, "measured"));
    snprintf(out->measured, sizeof out->measured, "%s", m ? m : "");
    out->calibration_s = get_num(j, "calibration_s");
    for (int k = 0; k < CFB_FLOOR_N; k++) {
        json_t *o = json_object_get(j, kinds[k].key);
        cfb_floor *x = &out->f[k];
        x->median_s = get_num(o, "median_s");
        x->min_s = get_num(o, "min_s");
        x->max_s = get_num(o, "max_s");
        json_t *it = json_object_get(o, "iterations");
        x->iterations = json_is_integer(it) ? (int)json_integer_value(it) : 0;
        if (!(isfinite(x->median_s) && x->median_s > 0) || x->iterations < 1) return -1;
    }
    return 0;
}

int cfb_floors_cache_path(char *buf, size_t len) {
    const char *p = getenv("CFB_FLOORS_CACHE");
    if (p && *p) return (size_t)snprintf(buf, len, "%s", p) < len ? 0 : -1;
    const char *x = getenv("XDG_CACHE_HOME");
    if (x && *x == '/')
        return (size_t)snprintf(buf, len, "%s/cfbench/floors.json", x) < len ? 0 : -1;
    const char *h = getenv("HOME");
    if (h && *h == '/')
        return (size_t)snprintf(buf, len, "%s/.cache/cfbench/floors.json", h) < len ? 0 : -1;
    return -1;
}

static void read_line(const char *path, const char *key, char *buf, size_t len) {
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[512];
    size_t kl = key ? strlen(key) : 0;
    while (fgets(line, sizeof line, f)) {
        if (key && strncmp(line, key, kl)) continue;
        char *v = line + kl;
        if (key) {
            while (*v == ' ' || *v == '\t' || *v == ':')
                v++;
        }
        v[strcspn(v, "\n")] = '\0';
        snprintf(buf, len, "%s", v);
        break;
    }
    fclose(f);
}

void cfb_floors_boot_id(char *buf, size_t len) {
    const char *t = getenv("CFB_TEST_BOOT_ID");
    if (t && *t) {
        snprintf(buf, len, "%s", t);
        return;
    }
    read_line("/proc/sys/kernel/random/boot_id", NULL, buf, len);
}

void cfb_floors_cpu_model(char *buf, size_t len) {
    read_line("/proc/cpuinfo", "model name", buf, len);
}

/* Make the parent directories of path (0700). */
static void mkparents(const char *path) {
    char d[4096];
    snprintf(d, sizeof d, "%s", path);
    for (char *p = d + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(d, 0700);
            *p = '/';
        }
}

/* Write the cache atomically: 0 or -1 (note set). */
static int cache_write(const char *path, const char *boot, const char *cpu, const cfb_floors *f,
                       char *note, size_t nlen) {
    json_t *doc = json_object();
    json_object_set_new(doc, "schema", json_string("cfbench-floors"));
    json_object_set_new(doc, "version", json_integer(CFB_FLOORS_VERSION));
    json_object_set_new(doc, "boot_id", json_string(boot));
    json_object_set_new(doc, "cpu_model", json_string(cpu));
    json_object_set_new(doc, "floors", cfb_floors_json(f));
    mkparents(path);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    int rc = -1;
    if (fd < 0) {
        snprintf(note, nlen, "cache %.180s not written: %s", path, strerror(errno));
    } else {
        FILE *fp = fdopen(fd, "w");
        if (fp && json_dumpf(doc, fp, JSON_INDENT(1)) == 0 && fputc('\n', fp) != EOF &&
            fclose(fp) == 0) {
            fp = NULL;
            if (rename(tmp, path) == 0)
                rc = 0;
            else
                snprintf(note, nlen, "cache %.180s not written: %s", path, strerror(errno));
        } else {
            snprintf(note, nlen, "cache %.180s not written: %s", path, strerror(errno));
            if (fp) fclose(fp);
        }
        if (rc) unlink(tmp);
    }
    json_decref(doc);
    return rc;
}

int cfb_floors_get(cfb_floors *out, bool fresh) {
    char path[4096], boot[128], cpu[256], note[256] = "";
    bool have_path = cfb_floors_cache_path(path, sizeof path) == 0;
    cfb_floors_boot_id(boot, sizeof boot);
    cfb_floors_cpu_model(cpu, sizeof cpu);
    if (have_path && !fresh) {
        json_error_t je;
        json_t *doc = json_load_file(path, 0, &je);
        cfb_floors c;
        if (doc) {
            const char *sb = json_string_value(json_object_get(doc, "boot_id"));
            const char *sc = json_string_value(json_object_get(doc, "cpu_model"));
            const char *sch = json_string_value(json_object_get(doc, "schema"));
            if (!sch || strcmp(sch, "cfbench-floors") ||
                json_integer_value(json_object_get(doc, "version")) != CFB_FLOORS_VERSION ||
                cfb_floors_from_json(json_object_get(doc, "floors"), &c))
                snprintf(note, sizeof note, "cache %.180s ignored: not a floors file of version %d",
                         path, CFB_FLOORS_VERSION);
            else if (!sb || !boot[0] || strcmp(sb, boot))
                snprintf(note, sizeof note, "cache %.180s ignored: from another boot", path);
            else if (!sc || strcmp(sc, cpu))
                snprintf(note, sizeof note, "cache %.180s ignored: from another CPU", path);
            else {
                json_decref(doc);
                *out = c;
                out->cached = true;
                return CFB_FLOOR_N;
            }
            json_decref(doc);
        } else if (access(path, F_OK) == 0) {
            snprintf(note, sizeof note, "cache %.180s ignored: not JSON", path);
        }
    }
    int n = cfb_floors_measure(out, 0);
    snprintf(out->cache_note, sizeof out->cache_note, "%s", note);
    if (!have_path) {
        snprintf(out->cache_note, sizeof out->cache_note, "no cache (no HOME)");
    } else if (n == CFB_FLOOR_N && boot[0]) {
        char wnote[256] = "";
        out->cache_written = cache_write(path, boot, cpu, out, wnote, sizeof wnote) == 0;
        if (!out->cache_written) snprintf(out->cache_note, sizeof out->cache_note, "%s", wnote);
    }
    return n;
}

/* "12.3 us", "1.05 ms" */
static void fmt_time(char *b, size_t n, double s) {
    if (!isfinite(s))
        snprintf(b, n, "n/a");
    else if (s < 1e-3)
        snprintf(b, n, "%.3g us", s * 1e6);
    else
        snprintf(b, n, "%.3g ms", s * 1e3);
}

void cfb_floors_summary(const cfb_floors *f, char *buf, size_t len) {
    static const char *const shortname[CFB_FLOOR_N] = {"futex wake-up", "pipe round trip",
                                                       "fork+exit+wait", "HTTP request"};
    size_t off = 0;
    buf[0] = '\0';
    for (int k = 0; k < CFB_FLOOR_N && off < len; k++) {
        char t[32];
        fmt_time(t, sizeof t, f->f[k].median_s);
        off += (size_t)snprintf(buf + off, len - off, "%s%s %s", k ? ", " : "", shortname[k], t);
    }
}
