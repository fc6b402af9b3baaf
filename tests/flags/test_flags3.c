/* test_flags3.c — the book's flags3 (flags.meta=true): per item the flag,
 * then {cc}/metadata.json, under one concurrency limit; the flag saved as
 * {Country_Name}.gif; a failed metadata request fails the item. And the
 * error causes, said once, exactly.
 *
 * Every mode (seq, thread, process, async) against the embedded server
 * (LOCAL, DELAY with small delays, ERROR with a seed: the expected errors
 * come from the server's own decision function), and against a "gate"
 * server of this file that measures requests in flight deterministically.
 *
 * Threads. The gate server: one accept thread and one thread per
 * connection (at most GATE_CONNS); `mu` guards every counter; a request
 * waits on `cv` until the gate opens. No sleeps: the gate opens on counts,
 * with a 30 s bound that turns a hang into a failed check.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cf_loop.h"
#include "cfutures.h"
#include "check.h"
#include "flags/flag_server.h"
#include "flags/flags.h"
#include "flags/flags_internal.h"
#include "flags_harness.h"

/* ---- running the workload in a mode, one outcome per item ---------------------------- */

typedef struct item {
    int kind; /* 0 ok, 1 not found, 2 error */
    char msg[CF_ERRMSG_MAX];
    cfb_flag_result r;
} item;

/* Run tl in mode with `workers` (in flight for async); items[i] gets task
 * i's outcome. Returns the async driver's own peak in flight (0 otherwise). */
static size_t run_mode(const char *mode, int workers, const cfb_params *p, const cfb_tasklist *tl,
                       item *items) {
    cf_future **fs = calloc(tl->n, sizeof *fs);
    size_t peak = flags_run_mode(mode, workers, p, tl, fs, false);
    for (size_t i = 0; i < tl->n; i++) {
        const void *d;
        size_t len;
        memset(&items[i], 0, sizeof items[i]);
        if (cf_future_result(fs[i], CF_FOREVER, &d, &len) == 0 && len == sizeof(cfb_flag_result)) {
            memcpy(&items[i].r, d, sizeof items[i].r);
            items[i].kind = items[i].r.status == CFB_FLAG_NOT_FOUND ? 1 : 0;
        } else {
            int code;
            const char *msg = "";
            cf_future_error(fs[i], &code, &msg);
            items[i].kind = 2;
            snprintf(items[i].msg, sizeof items[i].msg, "%s", msg);
        }
        cf_future_release(fs[i]);
    }
    free(fs);
    return peak;
}

static cfb_params *make_params(const char *codes, const char *server, const char *delay,
                               const char *dest, bool meta) {
    cfb_params *p;
    char err[256];
    const cfb_workload *w = &cfb_workload_flags;
    if (cfb_params_new(w->params, w->nparams, &p, err, sizeof err)) return NULL;
    int rc = cfb_params_set(p, "codes", codes, err, sizeof err);
    rc = rc ? rc : cfb_params_set(p, "server", server, err, sizeof err);
    rc = rc ? rc : cfb_params_set(p, "delay", delay, err, sizeof err);
    rc = rc ? rc : cfb_params_set(p, "dest", dest, err, sizeof err);
    rc = rc ? rc : cfb_params_set(p, "timeout", "30", err, sizeof err);
    rc = rc ? rc : cfb_params_set(p, "meta", meta ? "true" : "false", err, sizeof err);
    if (rc) {
        fprintf(stderr, "params: %s\n", err);
        cfb_params_free(p);
        return NULL;
    }
    return p;
}

static size_t count_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* dir/{Country_Name}.gif holds exactly the server's image of cc. */
static bool saved_as_country(const char *dir, const char *cc) {
    const cfb_flag_info *f = cfb_flag_find(cc);
    char name[300], path[1400];
    if (!f || cfb_flags_country_file(f->name, name, sizeof name)) return false;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    const unsigned char *img;
    size_t len;
    if (cfb_flag_image(cc, &img, &len)) return false;
    static unsigned char buf[1 << 20];
    FILE *fp = fopen(path, "rb");
    size_t got = fp ? fread(buf, 1, sizeof buf, fp) : 0;
    if (fp) fclose(fp);
    return got == len && !memcmp(buf, img, len);
}

static const char *const modes[] = {"seq", "thread", "process", "async"};

/* ---- LOCAL: two requests per item, names, files ------------------------------------------ */

static void test_local_all_modes(void) {
    /* 4 countries (one with an apostrophe, one with spaces) and 2 unknown codes. */
    const char *codes = "BR CI US CD XX ZZ";
    for (int m = 0; m < 4; m++) {
        fprintf(stderr, "   mode %s\n", modes[m]);
        char dest[64];
        snprintf(dest, sizeof dest, "flags3-%s-XXXXXX", modes[m]);
        CHECK(mkdtemp(dest) != NULL);
        cfb_params *p = make_params(codes, "LOCAL", "0", dest, true);
        char err[256];
        void *rs = NULL;
        CHECK_EQ_INT(cfb_workload_flags.run_setup(p, &rs, err, sizeof err), 0);
        cfb_tasklist tl = {0};
        CHECK_EQ_INT(cfb_workload_flags.make_tasks(p, &tl, err, sizeof err), 0);
        item it[6];
        run_mode(modes[m], 3, p, &tl, it);
        cfb_workload_flags.run_teardown(rs); /* stops the server */
        for (size_t i = 0; i < tl.n; i++) {
            const char *cc = tl.tasks[i].label;
            const cfb_flag_info *f = cfb_flag_find(cc);
            if (f) {
                CHECK_EQ_INT(it[i].kind, 0);
                CHECK_EQ_INT(it[i].r.requests, 2);
                CHECK_EQ_STR(it[i].r.country, f->name);
                const char *json;
                size_t jl;
                CHECK_EQ_INT(cfb_flag_metadata(cc, &json, &jl), 0);
                CHECK_EQ_INT(it[i].r.bytes, f->size + jl);
                CHECK(saved_as_country(dest, cc));
            } else {
                CHECK_EQ_INT(it[i].kind, 1); /* the flag's 404: no metadata request */
                CHECK_EQ_INT(it[i].r.requests, 1);
            }
        }
        CHECK_EQ_INT(count_entries(dest), 4); /* 4 flags, no temporary file left */
        char path[200];
        snprintf(path, sizeof path, "%s/Cote_d'Ivoire.gif", dest);
        CHECK(access(path, F_OK) == 0);
        snprintf(path, sizeof path, "%s/Democratic_Republic_of_the_Congo.gif", dest);
        CHECK(access(path, F_OK) == 0);
        cfb_tasklist_free(&tl);
        cfb_params_free(p);
        rmtree_flat(dest);
    }
}

/* Without meta nothing changes: one request, {CC}.gif, no country. */
static void test_meta_off(void) {
    cfb_params *p = make_params("BR", "LOCAL", "0", "-", false);
    char err[256];
    void *rs;
    CHECK_EQ_INT(cfb_workload_flags.run_setup(p, &rs, err, sizeof err), 0);
    cfb_tasklist tl = {0};
    CHECK_EQ_INT(cfb_workload_flags.make_tasks(p, &tl, err, sizeof err), 0);
    item it[1];
    run_mode("async", 1, p, &tl, it);
    CHECK_EQ_INT(it[0].kind, 0);
    CHECK_EQ_INT(it[0].r.requests, 1);
    CHECK_EQ_STR(it[0].r.country, "");
    cfb_server_stats st;
    cfb_flag_server_stop(rs, &st);
    CHECK_EQ_INT(st.requests, 1);
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
}

/* ---- DELAY: the limit bounds both requests together (server-side peak) ------------------- */

/* The embedded server counts a request in flight from its headers to its
 * answer's queueing — inside the client's own span — so its peak can never
 * exceed what the client had in flight: <= the limit, whatever the timing. */
static void test_delay_bound(void) {
    const int limit = 3;
    for (int m = 0; m < 4; m++) {
        int workers = strcmp(modes[m], "seq") ? limit : 1;
        cfb_params *p = make_params("a", "DELAY", "0.01:0.03", "-", true); /* AA..AZ: 12 real */
        char err[256];
        void *rs;
        CHECK_EQ_INT(cfb_workload_flags.run_setup(p, &rs, err, sizeof err), 0);
        cfb_tasklist tl = {0};
        CHECK_EQ_INT(cfb_workload_flags.make_tasks(p, &tl, err, sizeof err), 0);
        item it[26];
        size_t apeak = run_mode(modes[m], workers, p, &tl, it);
        size_t ok = 0, nf = 0;
        for (size_t i = 0; i < tl.n; i++)
            ok += it[i].kind == 0, nf += it[i].kind == 1;
        cfb_server_stats st;
        cfb_flag_server_stop(rs, &st);
        fprintf(stderr, "   mode %s: server peak %llu in flight (limit %d)\n", modes[m],
                (unsigned long long)st.inflight_peak, workers);
        CHECK_EQ_INT(ok + nf, 26);
        CHECK_EQ_INT(st.requests, 2 * ok + nf);
        CHECK(st.inflight_peak >= 1 && st.inflight_peak <= (uint64_t)workers);
        if (!strcmp(modes[m], "async")) CHECK(apeak >= 1 && apeak <= (size_t)workers);
        cfb_tasklist_free(&tl);
        cfb_params_free(p);
    }
}

/* ---- ERROR with a seed: a failed metadata request fails the item ---------------------------- */

static void test_error_seeded(void) {
    cfb_server_opts so;
    cfb_server_opts_init(&so);
    so.label = CFB_LABEL_ERROR;
    so.delay_min = 0;
    so.delay_max = 0.01;
    so.error_rate = 0.25;
    so.seed = 5;
    /* Expected outcome per code, from the server's decisions (first request of each path). */
    size_t want_ok = 0, want_flag418 = 0, want_meta418 = 0;
    for (size_t i = 0; i < CFB_FLAG_COUNT; i++) {
        const char *cc = cfb_flag_at(i)->cc;
        char lc[3] = {(char)(cc[0] + 32), (char)(cc[1] + 32), 0}, path[64];
        snprintf(path, sizeof path, "/flags/%s/%s.gif", lc, lc);
        if (cfb_server_decide(&so, path, 0, NULL)) {
            want_flag418++;
            continue;
        }
        snprintf(path, sizeof path, "/flags/%s/metadata.json", lc);
        if (cfb_server_decide(&so, path, 0, NULL))
            want_meta418++;
        else
            want_ok++;
    }
    CHECK(want_flag418 > 10 && want_meta418 > 10);
    for (int m = 0; m < 4; m++) {
        cfb_params *p = make_params("all", "ERROR", "0:0.01", "-", true);
        char err[256];
        CHECK_EQ_INT(cfb_params_set(p, "seed", "5", err, sizeof err), 0);
        void *rs;
        CHECK_EQ_INT(cfb_workload_flags.run_setup(p, &rs, err, sizeof err), 0);
        cfb_tasklist tl = {0};
        CHECK_EQ_INT(cfb_workload_flags.make_tasks(p, &tl, err, sizeof err), 0);
        item *it = calloc(tl.n, sizeof *it);
        run_mode(modes[m], strcmp(modes[m], "seq") ? 8 : 1, p, &tl, it);
        size_t ok = 0, f418 = 0, m418 = 0, other = 0;
        for (size_t i = 0; i < tl.n; i++) {
            if (it[i].kind == 0)
                ok++;
            else if (it[i].kind == 2 && !strcmp(it[i].msg, "418 I'm a teapot"))
                f418++;
            else if (it[i].kind == 2 && !strcmp(it[i].msg, "metadata: 418 I'm a teapot"))
                m418++;
            else {
                other++;
                fprintf(stderr, "   %s: unexpected: kind %d '%s'\n", tl.tasks[i].label, it[i].kind,
                        it[i].msg);
            }
        }
        fprintf(stderr, "   mode %s: %zu ok, %zu flag 418, %zu metadata 418\n", modes[m], ok, f418,
                m418);
        CHECK_EQ_INT(ok, want_ok);
        CHECK_EQ_INT(f418, want_flag418);
        CHECK_EQ_INT(m418, want_meta418);
        CHECK_EQ_INT(other, 0);
        cfb_server_stats st;
        cfb_flag_server_stop(rs, &st);
        CHECK_EQ_INT(st.requests, 194 + want_ok + want_meta418); /* no metadata after a 418 flag */
        free(it);
        cfb_tasklist_free(&tl);
        cfb_params_free(p);
    }
}

/* ---- the gate server: requests in flight, exactly ---------------------------------------- */

#define GATE_CONNS 64

typedef struct gate gate;
struct gate {
    int lfd, port;
    int limit;         /* the client's limit under test */
    int unfinished;    /* items whose metadata has not been answered */
    int waiting;       /* requests held at the gate */
    int inflight;      /* requests read and not yet answered */
    int peak;          /* the most in flight at once */
    int timeouts;      /* the gate never opened within 30 s (a failure) */
    unsigned long gen; /* bumps when the gate opens */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t acceptor, conn_th[GATE_CONNS];
    int conn_fd[GATE_CONNS], nconns;
    struct gate_conn_arg {
        struct gate *g;
        int fd;
    } conn_arg[GATE_CONNS];
};

/* Open when as many requests wait as the client can have in flight:
 * min(limit, items not finished). A client at its limit reaches it; one
 * that could not would hang (bounded: 30 s, counted in `timeouts`). */
static void gate_maybe_open(gate *g) {
    int need = g->limit < g->unfinished ? g->limit : g->unfinished;
    if (g->waiting > 0 && g->waiting >= need) {
        g->waiting = 0;
        g->gen++;
        pthread_cond_broadcast(&g->cv);
    }
}

static void *gate_conn(void *arg) {
    struct gate_conn_arg *ca = arg;
    gate *g = ca->g;
    int fd = ca->fd;
    char buf[4096];
    size_t have = 0;
    for (;;) {
        char *end;
        while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
            if (have == sizeof buf) return NULL;
            ssize_t n = read(fd, buf + have, sizeof buf - have);
            if (n <= 0) return NULL;
            have += (size_t)n;
        }
        char path[256] = "";
        sscanf(buf, "GET %255s", path);
        size_t used = (size_t)(end + 4 - buf);
        memmove(buf, end + 4, have - used);
        have -= used;
        bool meta = strstr(path, "/metadata.json") != NULL;
        pthread_mutex_lock(&g->mu);
        g->inflight++;
        if (g->inflight > g->peak) g->peak = g->inflight;
        g->waiting++;
        unsigned long my = g->gen;
        gate_maybe_open(g);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 30;
        while (g->gen == my)
            if (pthread_cond_timedwait(&g->cv, &g->mu, &until) == ETIMEDOUT) {
                g->timeouts++;
                g->waiting--;
                break;
            }
        /* Out of flight before the client can see the answer. */
        g->inflight--;
        if (meta) {
            g->unfinished--;
            gate_maybe_open(g);
        }
        pthread_mutex_unlock(&g->mu);
        char resp[512];
        if (meta)
            snprintf(resp, sizeof resp,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 22\r\n"
                     "\r\n{\"country\": \"Gateway\"}");
        else
            snprintf(resp, sizeof resp,
                     "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: 6\r\n"
                     "\r\nGIF89a");
        if (write(fd, resp, strlen(resp)) < 0) return NULL;
    }
}

static void *gate_accept(void *arg) {
    gate *g = arg;
    for (;;) {
        int fd = accept(g->lfd, NULL, NULL);
        if (fd < 0) return NULL;
        pthread_mutex_lock(&g->mu);
        if (g->nconns == GATE_CONNS) {
            pthread_mutex_unlock(&g->mu);
            close(fd);
            continue;
        }
        int k = g->nconns++;
        g->conn_fd[k] = fd;
        g->conn_arg[k] = (struct gate_conn_arg){g, fd};
        pthread_create(&g->conn_th[k], NULL, gate_conn, &g->conn_arg[k]);
        pthread_mutex_unlock(&g->mu);
    }
}

static void gate_start(gate *g, int limit, int items) {
    memset(g, 0, sizeof *g);
    g->limit = limit;
    g->unfinished = items;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_EQ_INT(bind(g->lfd, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ_INT(listen(g->lfd, 64), 0);
    socklen_t al = sizeof a;
    getsockname(g->lfd, (struct sockaddr *)&a, &al);
    g->port = ntohs(a.sin_port);
    pthread_create(&g->acceptor, NULL, gate_accept, g);
}

static void gate_stop(gate *g) {
    shutdown(g->lfd, SHUT_RDWR);
    pthread_join(g->acceptor, NULL);
    close(g->lfd);
    for (int i = 0; i < g->nconns; i++)
        shutdown(g->conn_fd[i], SHUT_RDWR); /* wakes a read of a connection kept alive */
    for (int i = 0; i < g->nconns; i++) {
        pthread_join(g->conn_th[i], NULL);
        close(g->conn_fd[i]);
    }
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
}

/* 8 items, 16 requests, limit 3: the gate holds requests until 3 are in
 * flight, so the peak is exactly 3 in every mode (1 in seq) — reached, and
 * never passed: the flag and the metadata requests share the limit. */
static void test_gate_exact(void) {
    const char *codes = "AD AE AF AG AL AM AO AR";
    for (int m = 0; m < 4; m++) {
        int limit = strcmp(modes[m], "seq") ? 3 : 1;
        gate g;
        gate_start(&g, limit, 8);
        char base[64];
        snprintf(base, sizeof base, "http://127.0.0.1:%d/flags", g.port);
        cfb_params *p = make_params(codes, "LOCAL", "0", "-", true);
        char err[256];
        CHECK_EQ_INT(cfb_params_set(p, "base", base, err, sizeof err), 0);
        cfb_tasklist tl = {0};
        CHECK_EQ_INT(cfb_workload_flags.make_tasks(p, &tl, err, sizeof err), 0);
        item it[8];
        run_mode(modes[m], limit, p, &tl, it);
        gate_stop(&g);
        size_t ok = 0;
        for (size_t i = 0; i < tl.n; i++) {
            ok += it[i].kind == 0 && !strcmp(it[i].r.country, "Gateway");
            if (it[i].kind == 2) fprintf(stderr, "   error: %s\n", it[i].msg);
        }
        fprintf(stderr, "   mode %s: peak %d in flight at the server (limit %d)\n", modes[m],
                g.peak, limit);
        CHECK_EQ_INT(ok, 8);
        CHECK_EQ_INT(g.timeouts, 0);
        CHECK_EQ_INT(g.unfinished, 0);
        CHECK_EQ_INT(g.peak, limit);
        cfb_tasklist_free(&tl);
        cfb_params_free(p);
    }
}

/* ---- error causes: one each, exactly ------------------------------------------------------ */

static void one_error(const char *mode, const char *base, const char *timeout, bool meta,
                      const char *want) {
    cfb_params *p = make_params("BR", "LOCAL", "0", "-", meta);
    char err[256];
    CHECK_EQ_INT(cfb_params_set(p, "base", base, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_params_set(p, "timeout", timeout, err, sizeof err), 0);
    cfb_tasklist tl = {0};
    CHECK_EQ_INT(cfb_workload_flags.make_tasks(p, &tl, err, sizeof err), 0);
    item it[1];
    run_mode(mode, 1, p, &tl, it);
    CHECK_EQ_INT(it[0].kind, 2);
    CHECK_EQ_STR(it[0].msg, want);
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
}

static void test_error_texts(void) {
    for (int m = 0; m < 4; m++) {
        char base[64], want[96];
        int port = refused_port();
        snprintf(base, sizeof base, "http://127.0.0.1:%d/flags", port);
        snprintf(want, sizeof want, "connection refused (127.0.0.1:%d)", port);
        one_error(modes[m], base, "30", false, want);
        one_error(modes[m], base, "30", true, want);
        /* A DELAY server answering after 5 s, a client timeout of 0.2 s:
         * always a timeout, said once; on the metadata request it says so. */
        cfb_server_opts so;
        cfb_server_opts_init(&so);
        so.label = CFB_LABEL_DELAY;
        so.delay_min = so.delay_max = 5;
        cfb_flag_server *s;
        CHECK_EQ_INT(cfb_flag_server_start(&so, &s, NULL, 0), 0);
        one_error(modes[m], cfb_flag_server_url(s), "0.2", false, "timeout after 0.2 s");
        cfb_flag_server_stop(s, NULL);
        /* ERROR with every answer a 418: the flag's own, so no metadata
         * request (test_error_seeded has metadata 418s). */
        so.label = CFB_LABEL_ERROR;
        so.delay_min = so.delay_max = 0;
        so.error_rate = 1;
        CHECK_EQ_INT(cfb_flag_server_start(&so, &s, NULL, 0), 0);
        one_error(modes[m], cfb_flag_server_url(s), "30", true, "418 I'm a teapot");
        cfb_flag_server_stop(s, NULL);
    }
}

/* A metadata.json without "country", or not JSON: the item fails, saying so. */
static void test_bad_metadata(void) {
    char dir[] = "flags3-root-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/flags", dir);
    mkdir(path, 0777);
    const char *cc[] = {"br", "cn", "jp"};
    const char *body[] = {"{\"name\": \"Brazil\"}", "not json", "{\"country\": \"../../etc\"}"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/flags/%s", dir, cc[i]);
        mkdir(path, 0777);
        snprintf(path, sizeof path, "%s/flags/%s/%s.gif", dir, cc[i], cc[i]);
        FILE *f = fopen(path, "w");
        fputs("GIF89a", f);
        fclose(f);
        snprintf(path, sizeof path, "%s/flags/%s/metadata.json", dir, cc[i]);
        f = fopen(path, "w");
        fputs(body[i], f);
        fclose(f);
    }
    cfb_server_opts so;
    cfb_server_opts_init(&so);
    so.root = dir;
    cfb_flag_server *s;
    CHECK_EQ_INT(cfb_flag_server_start(&so, &s, NULL, 0), 0);
    char dest[] = "flags3-dest-XXXXXX";
    CHECK(mkdtemp(dest) != NULL);
    cfb_params *p = make_params("BR CN JP", "LOCAL", "0", dest, true);
    char err[256];
    CHECK_EQ_INT(cfb_params_set(p, "base", cfb_flag_server_url(s), err, sizeof err), 0);
    cfb_tasklist tl = {0};
    CHECK_EQ_INT(cfb_workload_flags.make_tasks(p, &tl, err, sizeof err), 0);
    item it[3];
    run_mode("thread", 3, p, &tl, it);
    CHECK_EQ_INT(it[0].kind, 2);
    CHECK_EQ_STR(it[0].msg, "metadata: no \"country\" string");
    CHECK_EQ_INT(it[1].kind, 2);
    CHECK(strncmp(it[1].msg, "metadata: not JSON: ", 20) == 0);
    /* "../../etc" cannot leave dest: '/' becomes '_' and a leading '.' too. */
    CHECK_EQ_INT(it[2].kind, 0);
    snprintf(path, sizeof path, "%s/_._.._etc.gif", dest);
    CHECK(access(path, F_OK) == 0);
    CHECK_EQ_INT(count_entries(dest), 1); /* the failed items left nothing */
    cfb_flag_server_stop(s, NULL);
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
    rmtree_flat(dest);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/flags/%s", dir, cc[i]);
        rmtree_flat(path);
    }
    snprintf(path, sizeof path, "%s/flags", dir);
    rmdir(path);
    rmdir(dir);
}

static void test_country_file(void) {
    char out[64];
    CHECK_EQ_INT(cfb_flags_country_file("United States", out, sizeof out), 0);
    CHECK_EQ_STR(out, "United_States.gif");
    CHECK_EQ_INT(cfb_flags_country_file("Cote d'Ivoire", out, sizeof out), 0);
    CHECK_EQ_STR(out, "Cote_d'Ivoire.gif");
    CHECK_EQ_INT(cfb_flags_country_file("..", out, sizeof out), 0);
    CHECK_EQ_STR(out, "_..gif");
    CHECK_EQ_INT(cfb_flags_country_file("a/b\\c\td", out, sizeof out), 0);
    CHECK_EQ_STR(out, "a_b_c_d.gif");
    CHECK_EQ_INT(cfb_flags_country_file("", out, sizeof out), CF_EINVAL);
    CHECK_EQ_INT(cfb_flags_country_file("abcdefghij", out, 14), CF_EINVAL);
    CHECK_EQ_INT(cfb_flags_country_file("abcdefghi", out, 14), 0);
}

int main(void) {
    RUN(test_country_file);
    RUN(test_meta_off);
    RUN(test_local_all_modes);
    RUN(test_delay_bound);
    RUN(test_error_seeded);
    RUN(test_gate_exact);
    RUN(test_error_texts);
    RUN(test_bad_metadata);
    return check_summary();
}
