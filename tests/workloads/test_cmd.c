/* test_cmd.c — the command workload (workloads/cmd.c): the word splitter,
 * the wait-status texts, the task function through a thread pool (exit 0,
 * a non-zero exit, a missing command, a death by a signal, captured
 * output, the shell form, signal dispositions reset in the child), the
 * check_params refusals, and the async driver on a cf_loop (the same
 * outcomes, a bound on children in flight, close() with children still
 * running: killed, reaped, futures "interrupted"). Everything waits on
 * futures or on the loop; nothing sleeps. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cf_loop.h"
#include "check.h"
#include "cmd.h"
#include "cfutures.h"
#include "workload.h"

static const cfb_workload *W;

/* ---- the splitter ---------------------------------------------------------- */

static void expect_split(const char *text, const char *const *want, size_t nwant) {
    char buf[256], err[128] = "";
    size_t n = 99;
    int rc = cfb_cmd_split(text, buf, sizeof buf, &n, err, sizeof err);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(n, nwant);
    if (rc || n != nwant) {
        fprintf(stderr, "   split of [%s]: %s\n", text, err);
        return;
    }
    const char *w = buf;
    for (size_t k = 0; k < n; k++) {
        CHECK_EQ_STR(w, want[k]);
        w += strlen(w) + 1;
    }
}

static void expect_split_error(const char *text, const char *reason) {
    char buf[64], err[128] = "";
    size_t n = 7;
    CHECK_EQ_INT(cfb_cmd_split(text, buf, sizeof buf, &n, err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, reason) != NULL);
    CHECK_EQ_INT(n, 0);
}

static void test_split(void) {
    expect_split("gzip -9 -c", (const char *const[]){"gzip", "-9", "-c"}, 3);
    expect_split("  a\t b \n", (const char *const[]){"a", "b"}, 2);
    expect_split("'a b' c'd e'f", (const char *const[]){"a b", "cd ef"}, 2);
    expect_split("\"x\\\"y\\$ \\n\" z\\ w", (const char *const[]){"x\"y$ \\n", "z w"}, 2);
    expect_split("'' \"\"", (const char *const[]){"", ""}, 2);
    expect_split("a '$HOME' *", (const char *const[]){"a", "$HOME", "*"}, 3); /* no expansion */
    expect_split_error("", "empty command");
    expect_split_error("   ", "empty command");
    expect_split_error("echo 'abc", "unclosed ' quote");
    expect_split_error("echo \"abc", "unclosed \" quote");
    expect_split_error("echo abc\\", "backslash at the end");
    char big[200];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    expect_split_error(big, "too long");
}

static void test_status_text(void) {
    char b[64];
    CHECK(!cfb_cmd_status_text(0, b, sizeof b));
    CHECK_EQ_STR(b, "");
    CHECK(cfb_cmd_status_text(3 << 8, b, sizeof b));
    CHECK_EQ_STR(b, "exit 3");
    CHECK(cfb_cmd_status_text(SIGKILL, b, sizeof b));
    CHECK_EQ_STR(b, "killed by SIGKILL");
    CHECK(cfb_cmd_status_text(SIGSEGV | 0x80, b, sizeof b)); /* core dumped */
    CHECK_EQ_STR(b, "killed by SIGSEGV");
}

/* ---- params and tasks -------------------------------------------------------- */

static cfb_params *params(const char *run, const char *shell, const char *capture,
                          const char *tasks) {
    cfb_params *p = NULL;
    char err[256];
    CHECK_EQ_INT(cfb_params_new(W->params, W->nparams, &p, err, sizeof err), 0);
    if (!p) return NULL;
    CHECK_EQ_INT(cfb_params_set(p, "run", run, err, sizeof err), 0);
    if (shell) CHECK_EQ_INT(cfb_params_set(p, "shell", shell, err, sizeof err), 0);
    if (capture) CHECK_EQ_INT(cfb_params_set(p, "capture", capture, err, sizeof err), 0);
    if (tasks) CHECK_EQ_INT(cfb_params_set(p, "tasks", tasks, err, sizeof err), 0);
    return p;
}

typedef struct outcome {
    int rc;          /* cf_future_result */
    int code;        /* the task's own code */
    char msg[256];   /* its error text */
    char data[4096]; /* the start of the value */
    size_t len;      /* the whole value's length */
} outcome;

static void take(cf_future *f, outcome *o) {
    const void *d = NULL;
    size_t len = 0;
    memset(o, 0, sizeof *o);
    o->rc = cf_future_result(f, 60, &d, &len);
    if (o->rc == 0) {
        o->len = len;
        if (len) memcpy(o->data, d, len < sizeof o->data ? len : sizeof o->data);
    } else {
        const char *m = "";
        cf_future_error(f, &o->code, &m);
        snprintf(o->msg, sizeof o->msg, "%s", m);
    }
}

/* One run of a command through the task function on a thread pool. */
static outcome sync_run(const char *run, const char *shell, const char *capture) {
    outcome o = {.rc = -999};
    cfb_params *p = params(run, shell, capture, "1");
    cfb_tasklist tl = {0};
    char err[256] = "";
    CHECK_EQ_INT(W->make_tasks(p, &tl, err, sizeof err), 0);
    CHECK_EQ_INT(tl.n, 1);
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_thread_pool_new(NULL, &ex), 0);
    cf_future *f = NULL;
    if (ex && tl.n == 1 && !cf_submit(ex, W->task, tl.tasks[0].arg, tl.tasks[0].len, &f)) {
        take(f, &o);
        cf_future_release(f);
    }
    cf_executor_free(ex);
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
    return o;
}

static void test_sync_outcomes(void) {
    outcome o = sync_run("true", NULL, NULL);
    CHECK_EQ_INT(o.rc, 0);
    CHECK_EQ_INT(o.len, 0);

    o = sync_run("sh -c 'exit 3'", NULL, NULL);
    CHECK_EQ_INT(o.rc, CF_ETASK);
    CHECK_EQ_INT(o.code, 3);
    CHECK_EQ_STR(o.msg, "exit 3");

    o = sync_run("/nonexistent/cfb-no-such-tool --x", NULL, NULL);
    CHECK_EQ_INT(o.rc, CF_ETASK);
    CHECK_EQ_INT(o.code, 127);
    CHECK_EQ_STR(o.msg, "cannot run '/nonexistent/cfb-no-such-tool': No such file or directory");

    o = sync_run("cfb-no-such-tool-in-path", NULL, NULL); /* the PATH search fails too */
    CHECK_EQ_INT(o.rc, CF_ETASK);
    CHECK(strstr(o.msg, "cannot run 'cfb-no-such-tool-in-path'") != NULL);

    o = sync_run("/dev/null", NULL, NULL); /* not executable */
    CHECK_EQ_INT(o.rc, CF_ETASK);
    CHECK(strstr(o.msg, "Permission denied") != NULL);

    o = sync_run("sh -c 'kill -9 $$'", NULL, NULL);
    CHECK_EQ_INT(o.rc, CF_ETASK);
    CHECK_EQ_INT(o.code, 128 + SIGKILL);
    CHECK_EQ_STR(o.msg, "killed by SIGKILL");

    o = sync_run("printf 'a b\\nc'", NULL, "true");
    CHECK_EQ_INT(o.rc, 0);
    CHECK_EQ_INT(o.len, 5);
    CHECK(!memcmp(o.data, "a b\nc", 5));

    o = sync_run("printf hello", NULL, NULL); /* not captured: discarded */
    CHECK_EQ_INT(o.rc, 0);
    CHECK_EQ_INT(o.len, 0);

    o = sync_run("head -c 300000 /dev/zero", NULL, "true"); /* more than a pipe holds */
    CHECK_EQ_INT(o.rc, 0);
    CHECK_EQ_INT(o.len, 300000);

    o = sync_run("echo abc | tr b x; exit 0", "true", "true"); /* the shell form */
    CHECK_EQ_INT(o.rc, 0);
    CHECK_EQ_INT(o.len, 4);
    CHECK(!memcmp(o.data, "axc\n", 4));

    o = sync_run("cat; echo err >&2; read x || exit 4", "true", "true"); /* stdin, stderr: null */
    CHECK_EQ_INT(o.rc, CF_ETASK);
    CHECK_EQ_INT(o.code, 4);
}

/* The child starts with default signal dispositions and an empty mask,
 * whatever the spawning thread had (a pool worker ignores SIGINT). */
static void test_signals_reset(void) {
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &old);
    sigset_t term, oldmask;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, &oldmask);
    char *const a1[] = {"sh", "-c", "kill -INT $$; exit 0", NULL};
    char *const a2[] = {"sh", "-c", "kill -TERM $$; exit 0", NULL};
    char *const *cmds[] = {a1, a2};
    int want[] = {SIGINT, SIGTERM};
    for (int k = 0; k < 2; k++) {
        pid_t pid;
        CHECK_EQ_INT(cfb_cmd_spawn(cmds[k], &pid, NULL), 0);
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == want[k]);
    }
    pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
    sigaction(SIGINT, &old, NULL);
}

static void test_check_params(void) {
    const char *param = NULL;
    char err[256] = "";
    cfb_params *p = NULL;
    CHECK_EQ_INT(cfb_params_new(W->params, W->nparams, &p, err, sizeof err), 0);
    CHECK_EQ_INT(W->check_params(p, &param, err, sizeof err), CF_EINVAL); /* no cmd.run */
    CHECK_EQ_STR(param, "run");
    CHECK(strstr(err, "cmd.run is empty") != NULL);
    cfb_params_set(p, "run", "echo 'x", err, sizeof err);
    param = NULL;
    CHECK_EQ_INT(W->check_params(p, &param, err, sizeof err), CF_EINVAL);
    CHECK_EQ_STR(param, "run");
    CHECK(strstr(err, "unclosed") != NULL);
    cfb_params_set(p, "shell", "true", err, sizeof err); /* the shell parses it, not us */
    CHECK_EQ_INT(W->check_params(p, &param, err, sizeof err), 0);
    cfb_params_set(p, "shell", "false", err, sizeof err);
    cfb_params_set(p, "run", "true", err, sizeof err);
    CHECK_EQ_INT(W->check_params(p, &param, err, sizeof err), 0);
    cfb_params_free(p);
    CHECK(W->opt_in);        /* no default command: not in the default sweep */
    CHECK(W->async != NULL); /* async and hybrid use the pidfd driver */
}

/* ---- the async driver ------------------------------------------------------- */

typedef struct loopctx {
    cf_loop *loop;
    int left;
} loopctx;

static void on_done(cf_future *f, void *arg) {
    (void)f;
    loopctx *c = arg;
    if (--c->left == 0) cf_loop_stop(c->loop);
}

static void test_async(void) {
    const char *runs[] = {"true",
                          "sh -c 'exit 5'",
                          "cfb-no-such-tool-in-path",
                          "sh -c 'kill -KILL $$'",
                          "printf 'xyz'",
                          "head -c 200000 /dev/zero"};
    const char *cap[] = {NULL, NULL, NULL, NULL, "true", "true"};
    enum { N = 6, REPS = 3 };
    cf_loop *loop = NULL;
    CHECK_EQ_INT(cf_loop_new(&loop), 0);
    if (!loop) return;
    cfb_params *p = params("true", NULL, NULL, NULL);
    void *st = NULL;
    CHECK_EQ_INT(W->async->open(loop, p, 2, &st), 0); /* at most 2 children at once */
    cfb_tasklist tl[N] = {{0}};
    cf_future *f[N * REPS] = {0};
    loopctx ctx = {.loop = loop, .left = N * REPS};
    for (int k = 0; k < N; k++) {
        cfb_params *q = params(runs[k], NULL, cap[k], "1");
        char err[256];
        CHECK_EQ_INT(W->make_tasks(q, &tl[k], err, sizeof err), 0);
        cfb_params_free(q);
    }
    for (int r = 0; r < REPS; r++)
        for (int k = 0; k < N; k++) {
            cf_future *g = f[r * N + k] = cf_future_new();
            CHECK(g != NULL);
            cf_future_add_done_callback(g, on_done, &ctx);
            CHECK_EQ_INT(W->async->start(st, tl[k].tasks[0].arg, tl[k].tasks[0].len, g), 0);
        }
    CHECK_EQ_INT(cf_loop_run(loop), 0);
    CHECK_EQ_INT(ctx.left, 0);
    for (int r = 0; r < REPS; r++) {
        outcome o[N];
        for (int k = 0; k < N; k++)
            take(f[r * N + k], &o[k]);
        CHECK_EQ_INT(o[0].rc, 0);
        CHECK_EQ_INT(o[1].rc, CF_ETASK);
        CHECK_EQ_INT(o[1].code, 5);
        CHECK_EQ_STR(o[1].msg, "exit 5");
        CHECK_EQ_INT(o[2].rc, CF_ETASK);
        CHECK_EQ_INT(o[2].code, 127);
        CHECK(strstr(o[2].msg, "cannot run 'cfb-no-such-tool-in-path'") != NULL);
        CHECK_EQ_INT(o[3].rc, CF_ETASK);
        CHECK_EQ_STR(o[3].msg, "killed by SIGKILL");
        CHECK_EQ_INT(o[4].rc, 0);
        CHECK_EQ_INT(o[4].len, 3);
        CHECK(!memcmp(o[4].data, "xyz", 3));
        CHECK_EQ_INT(o[5].rc, 0);
        CHECK_EQ_INT(o[5].len, 200000);
    }
    for (int i = 0; i < N * REPS; i++)
        cf_future_release(f[i]);
    CHECK_EQ_INT(cf_loop_nwatched(loop), 0); /* every pidfd and pipe unwatched */

    /* close() with children running (2 in flight) and 2 queued: the
     * running ones are killed and reaped, every future is "interrupted"
     * or cancelled, nothing is left to reap. */
    cfb_tasklist sl = {0};
    cfb_params *q = params("sleep 100", NULL, NULL, "1");
    char err[256];
    CHECK_EQ_INT(W->make_tasks(q, &sl, err, sizeof err), 0);
    cf_future *g[4];
    for (int i = 0; i < 4; i++) {
        g[i] = cf_future_new();
        CHECK_EQ_INT(W->async->start(st, sl.tasks[0].arg, sl.tasks[0].len, g[i]), 0);
    }
    CHECK(cf_future_running(g[0]) && cf_future_running(g[1]));
    CHECK(!cf_future_running(g[2]) && !cf_future_done(g[2]));
    W->async->close(st);
    for (int i = 0; i < 4; i++) {
        CHECK(cf_future_done(g[i]));
        CHECK_EQ_INT(cf_future_result(g[i], 0, NULL, NULL), CF_ECANCELLED);
        cf_future_release(g[i]);
    }
    errno = 0;
    CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
    CHECK_EQ_INT(cf_loop_nwatched(loop), 0);
    cfb_tasklist_free(&sl);
    cfb_params_free(q);
    for (int k = 0; k < N; k++)
        cfb_tasklist_free(&tl[k]);
    cfb_params_free(p);
    cf_loop_free(loop);
}

int main(void) {
    W = cfb_workload_find("cmd");
    CHECK(W != NULL);
    if (!W) return check_summary();
    RUN(test_split);
    RUN(test_status_text);
    RUN(test_sync_outcomes);
    RUN(test_signals_reset);
    RUN(test_check_params);
    RUN(test_async);
    return check_summary();
}
