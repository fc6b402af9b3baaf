/* test_flags_save.c — the saving path of one transfer handle (cfb__xfer),
 * used over and over as a pool thread or the async driver uses it: a save
 * over an existing flag swaps it in (RENAME_EXCHANGE) and recycles the old
 * file as the next temporary file. Checked: contents always whole and
 * right (a recycled spare longer than the new flag is cut), a hard link to
 * a replaced flag never sees its bytes change, a directory or a symlink at
 * the target is left as it was, a body cut short mid-write leaves the
 * final name as it was and no temporary file, a failed transfer followed
 * by a good one on the same handle, no hidden file once the handle is
 * freed; and the async driver over a directory of existing flags.
 *
 * Threads: the embedded server's (libmicrohttpd) and one raw server thread
 * that answers a short body; the transfers run in the test thread
 * (curl_easy_perform), bounded by curl's timeout. No sleeps. */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
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

static char g_base[256];

/* One download of cc with x into dest from base: finish's return, err filled. */
static int fetch(cfb__xfer *x, const char *base, const char *cc, const char *dest, char *err,
                 size_t errlen) {
    void *arg;
    size_t len;
    CHECK_EQ_INT(cfb_flags_task_arg(cc, base, dest, 30, &arg, &len), 0);
    int rc = cfb__xfer_prepare(x, arg, len, err, errlen);
    free(arg);
    if (rc) return rc;
    cfb_flag_result res;
    return cfb__xfer_finish(x, curl_easy_perform(x->easy), &res, err, errlen);
}

/* dir/name holds exactly the server's image of cc. */
static bool holds_flag(const char *dir, const char *name, const char *cc) {
    char path[1200];
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

static size_t hidden_files(const char *dir) {
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d) closedir(d);
    return n;
}

static void write_file(const char *path, const char *text, size_t n) {
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL);
    if (!fp) return;
    fwrite(text, 1, n, fp);
    fclose(fp);
}

static bool file_is(const char *path, const char *text) {
    char buf[256] = {0};
    FILE *fp = fopen(path, "rb");
    size_t got = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
    if (fp) fclose(fp);
    return got == strlen(text) && !memcmp(buf, text, got);
}

static void make_dest(char *dir) {
    CHECK(mkdtemp(dir) != NULL);
}

/* ---- overwriting existing flags, one handle ------------------------------------------ */

static void test_overwrite_recycles(void) {
    char dest[] = "save-over-XXXXXX";
    make_dest(dest);
    char path[256], err[512];
    /* An old BR.gif far longer than any flag: the recycled spare must be cut. */
    snprintf(path, sizeof path, "%s/BR.gif", dest);
    static char junk[300000];
    memset(junk, 'j', sizeof junk);
    write_file(path, junk, sizeof junk);
    cfb__xfer *x = calloc(1, sizeof *x);
    CHECK_EQ_INT(cfb__xfer_init(x), 0);
    CHECK_EQ_INT(fetch(x, g_base, "BR", dest, err, sizeof err), 0);
    CHECK(holds_flag(dest, "BR.gif", "BR"));
    CHECK(x->spare[0] != '\0');          /* the old BR.gif, kept under a hidden name */
    CHECK_EQ_INT(hidden_files(dest), 1); /* ... and nothing else */
    /* A new name: no file to swap; the spare stays for the next one. */
    CHECK_EQ_INT(fetch(x, g_base, "CN", dest, err, sizeof err), 0);
    CHECK(holds_flag(dest, "CN.gif", "CN"));
    CHECK_EQ_INT(hidden_files(dest), 0); /* the spare became CN's temporary file */
    /* Round and round: every flag whole, one spare at most. */
    const char *ccs[] = {"BR", "CN", "IN", "BR", "US", "IN", "CN", "BR"};
    for (size_t i = 0; i < sizeof ccs / sizeof ccs[0]; i++) {
        CHECK_EQ_INT(fetch(x, g_base, ccs[i], dest, err, sizeof err), 0);
        char name[8];
        snprintf(name, sizeof name, "%s.gif", ccs[i]);
        CHECK(holds_flag(dest, name, ccs[i]));
        CHECK(hidden_files(dest) <= 1);
    }
    CHECK(holds_flag(dest, "BR.gif", "BR") && holds_flag(dest, "CN.gif", "CN") &&
          holds_flag(dest, "IN.gif", "IN") && holds_flag(dest, "US.gif", "US"));
    /* Another dest: the spare of the first one is not carried over. */
    char dest2[] = "save-over2-XXXXXX";
    make_dest(dest2);
    CHECK_EQ_INT(fetch(x, g_base, "BR", dest2, err, sizeof err), 0);
    CHECK(holds_flag(dest2, "BR.gif", "BR"));
    CHECK_EQ_INT(hidden_files(dest), 0);
    CHECK_EQ_INT(hidden_files(dest2), 0);
    cfb__xfer_fini(x);
    free(x);
    CHECK_EQ_INT(hidden_files(dest), 0); /* freeing the handle removes its spare */
    rmtree_flat(dest);
    rmtree_flat(dest2);
}

/* A flag with a second hard link: the other link keeps its bytes, through
 * the save that replaces the flag and every save after it. */
static void test_hard_link_untouched(void) {
    char dest[] = "save-link-XXXXXX";
    make_dest(dest);
    char path[256], other[256], err[512];
    snprintf(path, sizeof path, "%s/BR.gif", dest);
    snprintf(other, sizeof other, "%s-keep.txt", dest);
    write_file(other, "keep me", 7);
    CHECK_EQ_INT(link(other, path), 0);
    cfb__xfer *x = calloc(1, sizeof *x);
    CHECK_EQ_INT(cfb__xfer_init(x), 0);
    CHECK_EQ_INT(fetch(x, g_base, "BR", dest, err, sizeof err), 0);
    CHECK(holds_flag(dest, "BR.gif", "BR"));
    CHECK(file_is(other, "keep me"));
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(fetch(x, g_base, i % 2 ? "CN" : "BR", dest, err, sizeof err), 0);
        CHECK(file_is(other, "keep me"));
    }
    struct stat st;
    CHECK_EQ_INT(stat(other, &st), 0);
    CHECK_EQ_INT(st.st_nlink, 1); /* our hidden link to it is gone */
    cfb__xfer_fini(x);
    free(x);
    CHECK(file_is(other, "keep me"));
    CHECK_EQ_INT(hidden_files(dest), 0);
    unlink(other);
    rmtree_flat(dest);
}

/* A directory or a symlink at the target is never replaced, with a spare
 * in hand or not; the next good save still works. */
static void test_not_regular_kept(void) {
    char dest[] = "save-keep-XXXXXX";
    make_dest(dest);
    char path[256], target[256], err[512];
    snprintf(path, sizeof path, "%s/CN.gif", dest);
    CHECK_EQ_INT(mkdir(path, 0755), 0);
    snprintf(target, sizeof target, "%s-target.txt", dest);
    write_file(target, "target", 6);
    snprintf(path, sizeof path, "%s/IN.gif", dest);
    char abs_target[1024];
    CHECK(realpath(target, abs_target) != NULL);
    CHECK_EQ_INT(symlink(abs_target, path), 0);
    snprintf(path, sizeof path, "%s/BR.gif", dest);
    write_file(path, "old", 3);
    cfb__xfer *x = calloc(1, sizeof *x);
    CHECK_EQ_INT(cfb__xfer_init(x), 0);
    CHECK_EQ_INT(fetch(x, g_base, "BR", dest, err, sizeof err), 0); /* makes a spare */
    CHECK(x->spare[0] != '\0');
    CHECK_EQ_INT(fetch(x, g_base, "CN", dest, err, sizeof err), -1);
    CHECK(strstr(err, "not a regular file") != NULL);
    CHECK_EQ_INT(fetch(x, g_base, "IN", dest, err, sizeof err), -1);
    CHECK(strstr(err, "not a regular file") != NULL);
    struct stat st;
    snprintf(path, sizeof path, "%s/CN.gif", dest);
    CHECK(lstat(path, &st) == 0 && S_ISDIR(st.st_mode));
    snprintf(path, sizeof path, "%s/IN.gif", dest);
    CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(file_is(target, "target"));
    CHECK_EQ_INT(fetch(x, g_base, "BR", dest, err, sizeof err), 0);
    CHECK(holds_flag(dest, "BR.gif", "BR"));
    cfb__xfer_fini(x);
    free(x);
    CHECK_EQ_INT(hidden_files(dest), 0);
    snprintf(path, sizeof path, "%s/CN.gif", dest);
    rmdir(path);
    unlink(target);
    rmtree_flat(dest);
}

/* ---- a body cut short, a refused connection, then a good one ------------------------- */

typedef struct short_srv {
    int lfd, port;
    pthread_t th;
} short_srv;

static void *short_main(void *arg) {
    short_srv *s = arg;
    for (;;) {
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0) return NULL;
        char req[4096];
        size_t have = 0;
        while (have < sizeof req - 1) {
            ssize_t n = read(fd, req + have, sizeof req - 1 - have);
            if (n <= 0) break;
            have += (size_t)n;
            req[have] = 0;
            if (strstr(req, "\r\n\r\n")) break;
        }
        const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: 1000\r\n"
                           "Connection: close\r\n\r\nGIF89a only a little";
        ssize_t w = write(fd, resp, strlen(resp));
        (void)w;
        close(fd);
    }
}

static void test_short_then_good(void) {
    short_srv s = {0};
    s.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_EQ_INT(bind(s.lfd, (struct sockaddr *)&a, sizeof a), 0);
    CHECK_EQ_INT(listen(s.lfd, 16), 0);
    socklen_t al = sizeof a;
    getsockname(s.lfd, (struct sockaddr *)&a, &al);
    s.port = ntohs(a.sin_port);
    pthread_create(&s.th, NULL, short_main, &s);
    char bad[64], refused[64], err[512];
    snprintf(bad, sizeof bad, "http://127.0.0.1:%d/flags", s.port);
    snprintf(refused, sizeof refused, "http://127.0.0.1:%d/flags", refused_port());

    char dest[] = "save-short-XXXXXX";
    make_dest(dest);
    cfb__xfer *x = calloc(1, sizeof *x);
    CHECK_EQ_INT(cfb__xfer_init(x), 0);
    /* A good BR first (a new file), then another (a swap: a spare in hand). */
    CHECK_EQ_INT(fetch(x, g_base, "BR", dest, err, sizeof err), 0);
    CHECK_EQ_INT(fetch(x, g_base, "BR", dest, err, sizeof err), 0);
    CHECK(x->spare[0] != '\0');
    /* Cut short mid-body: the recycled spare was being written; BR.gif is
     * still the whole flag and no temporary file is left. */
    CHECK_EQ_INT(fetch(x, bad, "BR", dest, err, sizeof err), -1);
    CHECK(strstr(err, "short body") == err);
    CHECK(holds_flag(dest, "BR.gif", "BR"));
    CHECK_EQ_INT(hidden_files(dest), 0);
    /* Cut short with no spare (a fresh temporary file), then refused. */
    CHECK_EQ_INT(fetch(x, bad, "CN", dest, err, sizeof err), -1);
    CHECK(strstr(err, "short body") == err);
    CHECK_EQ_INT(fetch(x, refused, "CN", dest, err, sizeof err), -1);
    CHECK(strstr(err, "connection refused") == err);
    char path[256];
    snprintf(path, sizeof path, "%s/CN.gif", dest);
    CHECK(access(path, F_OK) != 0);
    CHECK_EQ_INT(hidden_files(dest), 0);
    /* The same handle, after the failures: a whole good flag. */
    CHECK_EQ_INT(fetch(x, g_base, "CN", dest, err, sizeof err), 0);
    CHECK(holds_flag(dest, "CN.gif", "CN"));
    CHECK_EQ_INT(fetch(x, g_base, "BR", dest, err, sizeof err), 0);
    CHECK(holds_flag(dest, "BR.gif", "BR"));
    cfb__xfer_fini(x);
    free(x);
    CHECK_EQ_INT(hidden_files(dest), 0);
    rmtree_flat(dest);
    shutdown(s.lfd, SHUT_RDWR);
    pthread_join(s.th, NULL);
    close(s.lfd);
}

/* ---- the async driver over existing flags --------------------------------------------- */

static void test_async_overwrites(void) {
    char dest[] = "save-async-XXXXXX";
    make_dest(dest);
    cfb_params *p;
    char err[256];
    const cfb_workload *w = &cfb_workload_flags;
    CHECK_EQ_INT(cfb_params_new(w->params, w->nparams, &p, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_params_set(p, "codes", "all", err, sizeof err), 0);
    CHECK_EQ_INT(cfb_params_set(p, "base", g_base, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_params_set(p, "dest", dest, err, sizeof err), 0);
    cfb_tasklist tl = {0};
    CHECK_EQ_INT(cfb_workload_flags.make_tasks(p, &tl, err, sizeof err), 0);
    for (int run = 0; run < 3; run++) { /* runs 2 and 3 replace every flag */
        cf_future **fs = calloc(tl.n, sizeof *fs);
        flags_run_mode(run == 1 ? "thread" : "async", 8, p, &tl, fs, false);
        size_t ok = 0;
        for (size_t i = 0; i < tl.n; i++) {
            const void *d;
            size_t len;
            ok += cf_future_result(fs[i], 0, &d, &len) == 0;
            cf_future_release(fs[i]);
        }
        free(fs);
        CHECK_EQ_INT(ok, tl.n);
        CHECK_EQ_INT(hidden_files(dest), 0); /* every spare gone with its handle */
    }
    size_t whole = 0;
    for (size_t i = 0; i < CFB_FLAG_COUNT; i++) {
        char name[8];
        snprintf(name, sizeof name, "%s.gif", cfb_flag_at(i)->cc);
        whole += holds_flag(dest, name, cfb_flag_at(i)->cc);
    }
    CHECK_EQ_INT(whole, CFB_FLAG_COUNT);
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
    rmtree_flat(dest);
}

int main(void) {
    cfb_server_opts o;
    cfb_server_opts_init(&o);
    cfb_flag_server *srv;
    char err[256];
    if (cfb_flag_server_start(&o, &srv, err, sizeof err)) {
        fprintf(stderr, "server: %s\n", err);
        return 1;
    }
    snprintf(g_base, sizeof g_base, "%s", cfb_flag_server_url(srv));
    RUN(test_overwrite_recycles);
    RUN(test_hard_link_untouched);
    RUN(test_not_regular_kept);
    RUN(test_short_then_good);
    RUN(test_async_overwrites);
    cfb_flag_server_stop(srv, NULL);
    return check_summary();
}
