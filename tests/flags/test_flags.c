/* test_flags.c — the flags workload against the embedded server and tiny
 * raw-socket servers that misbehave, in every mode.
 *
 * Bounded: misbehaving servers are answered by the client's own timeout
 * (0.3 s for the one that stalls, 60 s for those that answer); every server thread exits when its
 * listening socket is shut down. No sleeps to synchronise: the raw servers listen before the client
 * starts, and the async loop thread is joined. */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cf_loop.h"
#include "cfutures.h"
#include "check.h"
#include "flags/flag_server.h"
#include "flags/flags.h"
#include "flags/flags_internal.h"
#include "flags_harness.h"

/* ---- running the workload in a mode ----------------------------------------------- */

typedef struct outcome {
    size_t ok, not_found, errors;
    char first_error[CF_ERRMSG_MAX];
} outcome;

static void tally(cf_future *f, outcome *o) {
    const void *d;
    size_t len;
    int rc = cf_future_result(f, CF_FOREVER, &d, &len);
    if (rc == 0 && len == sizeof(cfb_flag_result)) {
        cfb_flag_result r;
        memcpy(&r, d, sizeof r);
        if (r.status == CFB_FLAG_NOT_FOUND)
            o->not_found++;
        else
            o->ok++;
        return;
    }
    int code;
    const char *msg = "";
    cf_future_error(f, &code, &msg);
    if (!o->errors) snprintf(o->first_error, sizeof o->first_error, "%s", msg);
    o->errors++;
}

/* Run the task list in mode with `workers` workers (max in flight for async). */
static size_t last_peak; /* the async driver's peak in flight of the last run_mode */
static outcome run_mode(const char *mode, int workers, const cfb_params *p,
                        const cfb_tasklist *tl) {
    outcome o = {0};
    cf_future **fs = calloc(tl->n, sizeof *fs);
    last_peak = flags_run_mode(mode, workers, p, tl, fs, true);
    for (size_t i = 0; i < tl->n; i++) {
        tally(fs[i], &o);
        cf_future_release(fs[i]);
    }
    free(fs);
    return o;
}

static cfb_params *make_params(const char *codes, const char *base, const char *dest,
                               const char *timeout) {
    cfb_params *p;
    char err[256];
    const cfb_workload *w = &cfb_workload_flags;
    if (cfb_params_new(w->params, w->nparams, &p, err, sizeof err)) return NULL;
    int rc = cfb_params_set(p, "codes", codes, err, sizeof err);
    rc = rc ? rc : cfb_params_set(p, "base", base, err, sizeof err);
    rc = rc ? rc : cfb_params_set(p, "dest", dest, err, sizeof err);
    rc = rc ? rc : cfb_params_set(p, "timeout", timeout, err, sizeof err);
    if (rc) {
        fprintf(stderr, "params: %s\n", err);
        cfb_params_free(p);
        return NULL;
    }
    return p;
}

/* Every {CC}.gif in dir is byte-identical to what the server serves; returns how many. */
static size_t check_files(const char *dir) {
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    if (!d) return 0;
    size_t n = 0, bad = 0;
    struct dirent *e;
    char path[1200];
    static unsigned char buf[1 << 20];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (strlen(e->d_name) != 6 || strcmp(e->d_name + 2, ".gif")) {
            bad++;
            continue;
        }
        char cc[3] = {e->d_name[0], e->d_name[1], 0};
        const unsigned char *img;
        size_t len;
        if (cfb_flag_image(cc, &img, &len)) {
            bad++;
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        size_t got = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f) fclose(f);
        if (got != len || memcmp(buf, img, len)) bad++;
        n++;
    }
    closedir(d);
    CHECK_EQ_INT(bad, 0);
    return n;
}

/* ---- against the embedded server -------------------------------------------------- */

/* 0: async must reach exactly `workers` in flight; else at least this many. */
static size_t peak_floor;

static void test_every_local(const char *mode, int workers) {
    fprintf(stderr, "   mode %s, %d workers\n", mode, workers);
    char dest[64];
    snprintf(dest, sizeof dest, "flags-test-%s-XXXXXX", mode);
    CHECK(mkdtemp(dest) != NULL);
    cfb_params *p = make_params("every", "", dest, "10");
    CHECK(p != NULL);
    if (!p) return;
    char err[256] = "";
    void *rs = NULL;
    CHECK_EQ_INT(cfb_workload_flags.run_setup(p, &rs, err, sizeof err), 0);
    CHECK(strncmp(cfb_params_str(p, "base"), "http://127.0.0.1:", 17) == 0);
    cfb_tasklist tl = {0};
    CHECK_EQ_INT(cfb_workload_flags.make_tasks(p, &tl, err, sizeof err), 0);
    CHECK_EQ_INT(tl.n, 676);
    outcome o = run_mode(mode, workers, p, &tl);
    CHECK_EQ_INT(o.ok, 194);
    CHECK_EQ_INT(o.not_found, 482);
    CHECK_EQ_INT(o.errors, 0);
    if (o.errors) fprintf(stderr, "first error: %s\n", o.first_error);
    CHECK_EQ_INT(check_files(dest), 194);
    if (!strcmp(mode, "async")) {
        /* At most `workers` transfers were in flight, and that many were reached. */
        if (peak_floor)
            CHECK(last_peak >= peak_floor && last_peak <= (size_t)workers);
        else
            CHECK_EQ_INT(last_peak, workers);
        cfb_server_stats st;
        cfb_flag_server_stats(rs, &st);
        CHECK_EQ_INT(st.requests, 676);
    }
    cfb_tasklist_free(&tl);
    cfb_workload_flags.run_teardown(rs);
    cfb_params_free(p);
    rmtree_flat(dest);
}

static void test_every_all_modes(void) {
    test_every_local("seq", 1);
    test_every_local("thread", 8);
    test_every_local("process", 3); /* curl handles made in the children, after fork */
    /* Batches of 256 (>= 200): every transfer is added in the first loop
     * iteration, so exactly 200 are in flight at the peak. */
    cfb__flags_async_set_batch(256);
    test_every_local("async", 200);
    cfb__flags_async_set_batch(0); /* back to the default */
}

/* The async driver adds at most a batch of transfers per loop iteration and
 * launches the rest from its kick timer: with batches of 16 (the default)
 * or 1, all 676
 * downloads give the exact counts, and more than one batch is in flight at
 * once (the queue is drained across iterations; fast LOCAL answers may end
 * transfers before the ramp reaches the maximum, so only a floor is checked). */
static void test_async_small_batches(void) {
    cfb__flags_async_set_batch(16);
    peak_floor = 17;
    test_every_local("async", 200);
    cfb__flags_async_set_batch(1);
    peak_floor = 2;
    test_every_local("async", 7);
    peak_floor = 0;
    cfb__flags_async_set_batch(0); /* back to the default */
}

/* One worker's handle alternates between two servers (bases differing in
 * port and in a trailing slash): the pre-parsed URL (CURLOPT_CURLU) follows
 * every change of base, and each request reaches the right server and path. */
static void test_base_changes(void) {
    cfb_server_opts o;
    cfb_server_opts_init(&o);
    cfb_flag_server *a, *b;
    char err[256] = "";
    CHECK_EQ_INT(cfb_flag_server_start(&o, &a, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_flag_server_start(&o, &b, err, sizeof err), 0);
    char burl[128];
    snprintf(burl, sizeof burl, "%s/", cfb_flag_server_url(b));
    const char *bases[] = {cfb_flag_server_url(a), burl};
    const char *codes[] = {"BR", "ZZ", "CN"}; /* ok, not found, ok */
    CHECK_EQ_INT(cfb_workload_flags.worker_setup(NULL), 0);
    int ok = 0, nf = 0, bad = 0;
    for (int i = 0; i < 12; i++) {
        const char *base = bases[(i / 2) % 2]; /* a a b b a a … */
        void *arg;
        size_t len;
        CHECK_EQ_INT(cfb_flags_task_arg(codes[i % 3], base, "-", 10, &arg, &len), 0);
        cf_future *f = cf_future_new();
        cf_future_set_running(f);
        cf_run_task(f, cfb_workload_flags.task, arg, len);
        const void *d;
        size_t dl;
        cfb_flag_result r;
        if (cf_future_result(f, 0, &d, &dl) == 0 && dl == sizeof r) {
            memcpy(&r, d, sizeof r);
            if (r.status == CFB_FLAG_NOT_FOUND)
                nf++;
            else if (!strcmp(r.cc, codes[i % 3]))
                ok++;
            else
                bad++;
        } else {
            bad++;
        }
        cf_future_release(f);
        free(arg);
    }
    cfb_workload_flags.worker_teardown();
    CHECK_EQ_INT(ok, 8);
    CHECK_EQ_INT(nf, 4);
    CHECK_EQ_INT(bad, 0);
    cfb_server_stats sa, sb;
    cfb_flag_server_stop(a, &sa);
    cfb_flag_server_stop(b, &sb);
    CHECK_EQ_INT(sa.requests, 6);
    CHECK_EQ_INT(sb.requests, 6);
    CHECK_EQ_INT(sa.ok + sb.ok, 8);
    CHECK_EQ_INT(sa.not_found + sb.not_found, 4);
}

static void test_error_seeded(void) {
    cfb_params *p = make_params("all", "", "-", "10");
    char err[256];
    CHECK_EQ_INT(cfb_params_set(p, "server", "ERROR", err, sizeof err), 0);
    CHECK_EQ_INT(cfb_params_set(p, "delay", "0:0.02", err, sizeof err), 0);
    CHECK_EQ_INT(cfb_params_set(p, "seed", "42", err, sizeof err), 0);
    /* The expected count, from the server's own decision function. */
    cfb_server_opts so;
    cfb_server_opts_init(&so);
    so.label = CFB_LABEL_ERROR;
    so.delay_min = 0;
    so.delay_max = 0.02;
    so.error_rate = 0.25;
    so.seed = 42;
    size_t want = 0;
    for (size_t i = 0; i < CFB_FLAG_COUNT; i++) {
        char path[64], lc[3];
        lc[0] = (char)(cfb_flag_at(i)->cc[0] + 32);
        lc[1] = (char)(cfb_flag_at(i)->cc[1] + 32);
        lc[2] = 0;
        snprintf(path, sizeof path, "/flags/%s/%s.gif", lc, lc);
        want += cfb_server_decide(&so, path, 0, NULL);
    }
    CHECK(want > 20 && want < 80); /* about 25% of 194 */
    const char *modes[] = {"async", "thread"};
    for (int m = 0; m < 2; m++) {
        void *rs;
        CHECK_EQ_INT(cfb_workload_flags.run_setup(p, &rs, err, sizeof err), 0);
        cfb_tasklist tl = {0};
        CHECK_EQ_INT(cfb_workload_flags.make_tasks(p, &tl, err, sizeof err), 0);
        outcome o = run_mode(modes[m], 50, p, &tl);
        CHECK_EQ_INT(o.errors, want);
        CHECK_EQ_INT(o.ok + o.errors, 194);
        CHECK_EQ_STR(o.first_error, "418 I'm a teapot");
        cfb_tasklist_free(&tl);
        cfb_workload_flags.run_teardown(rs);
        CHECK_EQ_INT(cfb_params_set(p, "base", "", err, sizeof err), 0);
    }
    cfb_params_free(p);
}

/* ---- misbehaving raw servers ------------------------------------------------------ */

typedef enum { RAW_500, RAW_SHORT, RAW_STALL, RAW_404_RECORD } raw_kind;

typedef struct raw_srv {
    int lfd, port;
    raw_kind kind;
    pthread_t th;
    int conns[64];
    atomic_int nconns;
    atomic_int asked_close, requests; /* RAW_404_RECORD: "Connection: close" seen */
} raw_srv;

static void read_request(int fd, char *buf, size_t cap) {
    size_t have = 0;
    buf[0] = 0;
    while (have < cap - 1) {
        ssize_t n = read(fd, buf + have, cap - 1 - have);
        if (n <= 0) return;
        have += (size_t)n;
        buf[have] = 0;
        if (strstr(buf, "\r\n\r\n")) return;
    }
}

static void *raw_main(void *arg) {
    raw_srv *s = arg;
    for (;;) {
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0) return NULL; /* listening socket shut down */
        char req[4096];
        read_request(fd, req, sizeof req);
        const char *resp = NULL;
        if (s->kind == RAW_404_RECORD) {
            atomic_fetch_add(&s->requests, 1);
            if (strcasestr(req, "\r\nConnection: close\r\n")) atomic_fetch_add(&s->asked_close, 1);
            resp = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        } else if (s->kind == RAW_500)
            resp = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 6\r\n"
                   "Connection: close\r\n\r\noops!\n";
        else if (s->kind == RAW_SHORT)
            resp = "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: 1000\r\n"
                   "Connection: close\r\n\r\nGIF89a only a little";
        if (resp) {
            ssize_t w = write(fd, resp, strlen(resp));
            (void)w;
            close(fd);
        } else { /* stall: keep it open, say nothing; closed at stop */
            int k = atomic_fetch_add(&s->nconns, 1);
            if (k < 64)
                s->conns[k] = fd;
            else
                close(fd);
        }
    }
}

static void raw_start(raw_srv *s, raw_kind kind) {
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_EQ_INT(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ_INT(listen(s->lfd, 64), 0);
    socklen_t al = sizeof a;
    getsockname(s->lfd, (struct sockaddr *)&a, &al);
    s->port = ntohs(a.sin_port);
    pthread_create(&s->th, NULL, raw_main, s);
}

static void raw_stop(raw_srv *s) {
    shutdown(s->lfd, SHUT_RDWR); /* wakes accept() */
    pthread_join(s->th, NULL);
    close(s->lfd);
    int n = atomic_load(&s->nconns);
    for (int i = 0; i < n && i < 64; i++)
        close(s->conns[i]);
}

/* Run BR and CN against the server on port with the client timeout
 * `timeout` (seconds, as text); both must fail with prefix, within max_s. */
static void expect_error(const char *mode, int port, const char *timeout, const char *prefix,
                         double max_s) {
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d/flags", port);
    cfb_params *p = make_params("BR CN", base, "-", timeout);
    char err[256];
    cfb_tasklist tl = {0};
    CHECK_EQ_INT(cfb_workload_flags.make_tasks(p, &tl, err, sizeof err), 0);
    double t0 = cf_loop_now();
    outcome o = run_mode(mode, 2, p, &tl);
    double el = cf_loop_now() - t0;
    CHECK_EQ_INT(o.errors, 2);
    CHECK_EQ_INT(o.ok + o.not_found, 0);
    if (strncmp(o.first_error, prefix, strlen(prefix))) {
        fprintf(stderr, "%s: error '%s' does not start with '%s'\n", mode, o.first_error, prefix);
        CHECK(0);
    }
    CHECK(el < max_s);
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
}

/* Servers that answer (or refuse) get a generous client timeout: a 0.3 s
 * one could expire on a loaded machine before the answer arrives and turn
 * "500" into "timeout". Only the stalling server gets 0.3 s — its timeout
 * is what is tested — and its bound stays far below the 60 s timeout of the
 * others, so a client that ignored the 0.3 s would fail it. */
static void test_bad_servers(void) {
    const char *modes[] = {"seq", "thread", "async"};
    for (int m = 0; m < 3; m++) {
        fprintf(stderr, "   mode %s\n", modes[m]);
        expect_error(modes[m], refused_port(), "60", "connection refused", 60);
        raw_srv s;
        raw_start(&s, RAW_500);
        expect_error(modes[m], s.port, "60", "500 Internal Server Error", 60);
        raw_stop(&s);
        raw_start(&s, RAW_SHORT);
        expect_error(modes[m], s.port, "60", "short body: got 20 of 1000 bytes", 60);
        raw_stop(&s);
        raw_start(&s, RAW_STALL);
        expect_error(modes[m], s.port, "0.3", "timeout after 0.3 s", 10);
        raw_stop(&s);
    }
}

/* Above 512 in flight the async driver opens one connection per transfer
 * and asks the server to close it ("Connection: close"), so TIME_WAIT stays
 * on the server's side; at or below 512 it keeps connections for reuse and
 * sends no such header. */
static void test_async_asks_close(void) {
    const int workers[] = {513, 2};
    for (int w = 0; w < 2; w++) {
        raw_srv s;
        raw_start(&s, RAW_404_RECORD);
        char base[64];
        snprintf(base, sizeof base, "http://127.0.0.1:%d/flags", s.port);
        cfb_params *p = make_params("BR CN JP", base, "-", "5");
        char err[256];
        cfb_tasklist tl = {0};
        CHECK_EQ_INT(cfb_workload_flags.make_tasks(p, &tl, err, sizeof err), 0);
        outcome o = run_mode("async", workers[w], p, &tl);
        CHECK_EQ_INT(o.not_found, 3);
        CHECK_EQ_INT(o.errors, 0);
        raw_stop(&s);
        CHECK_EQ_INT(atomic_load(&s.requests), 3);
        CHECK_EQ_INT(atomic_load(&s.asked_close), workers[w] > 512 ? 3 : 0);
        cfb_tasklist_free(&tl);
        cfb_params_free(p);
    }
}

/* A file that cannot be saved is an error naming the path; nothing is left. */
static void test_save_error(void) {
    cfb_params *p = make_params("BR CN ZZ", "", "-", "10");
    char err[256];
    void *rs;
    CHECK_EQ_INT(cfb_workload_flags.run_setup(p, &rs, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_params_set(p, "dest", "/proc/cfb-no-such-dir", err, sizeof err), 0);
    cfb_tasklist tl = {0};
    CHECK_EQ_INT(cfb_workload_flags.make_tasks(p, &tl, err, sizeof err), 0);
    const char *modes[] = {"seq", "async"};
    for (int m = 0; m < 2; m++) {
        outcome o = run_mode(modes[m], 3, p, &tl);
        CHECK_EQ_INT(o.errors, 2);    /* BR, CN */
        CHECK_EQ_INT(o.not_found, 1); /* ZZ: a 404 is never saved */
        CHECK(strstr(o.first_error, "save /proc/cfb-no-such-dir/") == o.first_error);
    }
    cfb_tasklist_free(&tl);
    cfb_workload_flags.run_teardown(rs);
    cfb_params_free(p);
}

/* ---- code lists ------------------------------------------------------------------- */

static void test_expand(void) {
    char(*c)[3];
    size_t n;
    char err[256];
    CHECK_EQ_INT(cfb_flags_expand("b", 0, &c, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 26);
    CHECK_EQ_STR(c[0], "BA");
    CHECK_EQ_STR(c[25], "BZ");
    free(c);
    CHECK_EQ_INT(cfb_flags_expand("every", 0, &c, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 676);
    free(c);
    CHECK_EQ_INT(cfb_flags_expand("all", 0, &c, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 194);
    free(c);
    CHECK_EQ_INT(cfb_flags_expand(CFB_FLAGS_POP20 " cn,us", 5, &c, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 5);
    CHECK_EQ_STR(c[0], "BD");
    CHECK_EQ_STR(c[4], "DE");
    free(c);
    CHECK_EQ_INT(cfb_flags_expand("ABC", 0, &c, &n, err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "'ABC'") != NULL);
    CHECK_EQ_INT(cfb_flags_expand("1", 0, &c, &n, err, sizeof err), CF_EINVAL);
}

int main(void) {
    RUN(test_expand);
    RUN(test_every_all_modes);
    RUN(test_async_small_batches);
    RUN(test_base_changes);
    RUN(test_error_seeded);
    RUN(test_bad_servers);
    RUN(test_async_asks_close);
    RUN(test_save_error);
    return check_summary();
}
