/*
 * cmd.c — the command workload: each task runs a command of the user's
 * (issue 12, item 6) — "how does my CLI tool scale when N copies run at
 * once?", a concurrent hyperfine.
 *
 *   cfbench run -w cmd -p cmd.run='gzip -9 -c big.txt' -m seq,thread,async
 *
 * Params: cmd.run (the command; required), cmd.shell (false: argv form,
 * split by cfb_cmd_split; true: `/bin/sh -c RUN`), cmd.tasks (runs per
 * repetition), cmd.capture (false: the child's stdout goes to /dev/null;
 * true: it is read through a pipe and becomes the task's value, so the
 * results count its bytes). stdin and stderr are /dev/null.
 *
 * Outcome: exit 0 is an ok task; a non-zero exit ("exit 3"), a death by a
 * signal ("killed by SIGKILL") or a command that cannot start ("cannot run
 * 'x': No such file or directory") fails the task with that text as its
 * error — the sweep counts it (tasks_failed, counts.error) and records the
 * first cause, and goes on.
 *
 * Bound: I/O. The worker only waits for a child that runs elsewhere, so a
 * thread or a loop can keep far more children going than there are CPUs;
 * whether that helps is the command's own business, which is what the
 * ladder up to 64 shows.
 *
 * Modes. seq, thread, process (and hybrid without the driver): the task
 * function spawns with posix_spawn (never fork: the caller is a threaded
 * process) and waits with waitpid on that pid only — nothing in cfbench
 * reaps with waitpid(-1), and a pool's own workers are waited on by pid, so
 * the two never take each other's children. async and hybrid: the driver
 * below — each child is a pidfd watched on the cf_loop (plus, with
 * capture, its stdout pipe, read without blocking); when the pidfd is
 * readable, waitid(P_PIDFD) reaps it.
 *
 * Threads: the task function runs on whatever thread the mode gives it and
 * keeps nothing between calls. The driver runs wholly on the loop thread;
 * no locks.
 *
 * Who frees what: a task's argument bytes are the task list's; the driver
 * owns its `child` records (one per running or queued task, each holding
 * one reference to its future, the pidfd and the pipe) and frees each when
 * its future is resolved; close() SIGKILLs and reaps any child still
 * running and fails its future "interrupted".
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cf_gil.h"
#include "cf_loop.h"
#include "cmd.h"
#include "workload.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern char **environ;

#define CMD_MAX 65536 /* bytes of the split words of one command */

/* ---- splitting ------------------------------------------------------------ */

int cfb_cmd_split(const char *s, char *buf, size_t cap, size_t *nwords, char *err, size_t errlen) {
    size_t o = 0, n = 0;
    *nwords = 0;
#define PUT(ch)                                                                                    \
    do {                                                                                           \
        if (o + 1 >= cap) {                                                                        \
            snprintf(err, errlen, "the command is too long (over %zu bytes)", cap - 1);            \
            return CF_EINVAL;                                                                      \
        }                                                                                          \
        buf[o++] = (ch);                                                                           \
    } while (0)
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\n')
            s++;
        if (!*s) break;
        for (; *s && *s != ' ' && *s != '\t' && *s != '\n'; s++) {
            if (*s == '\'') {
                const char *e = strchr(s + 1, '\'');
                if (!e) {
                    snprintf(err, errlen, "unclosed ' quote");
                    return CF_EINVAL;
                }
                for (s++; s < e; s++)
                    PUT(*s);
            } else if (*s == '"') {
                for (s++; *s && *s != '"'; s++) {
                    if (*s == '\\' && s[1] && strchr("\"\\$`", s[1])) s++;
                    PUT(*s);
                }
                if (!*s) {
                    snprintf(err, errlen, "unclosed \" quote");
                    return CF_EINVAL;
                }
            } else if (*s == '\\') {
                if (!s[1]) {
                    snprintf(err, errlen, "a backslash at the end");
                    return CF_EINVAL;
                }
                PUT(*++s);
            } else {
                PUT(*s);
            }
        }
        PUT('\0');
        n++;
    }
#undef PUT
    if (!n) {
        snprintf(err, errlen, "empty command");
        return CF_EINVAL;
    }
    *nwords = n;
    return 0;
}

/* ---- spawning ------------------------------------------------------------- */

int cfb_cmd_spawn(char *const argv[], pid_t *pid, int *out_fd) {
    int p[2] = {-1, -1};
    if (out_fd && pipe2(p, O_CLOEXEC)) return errno;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc) goto out_pipe;
    rc = posix_spawnattr_init(&at);
    if (rc) goto out_fa;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    rc = posix_spawnattr_setsigmask(&at, &none);
    if (!rc) rc = posix_spawnattr_setsigdefault(&at, &all);
    if (!rc) rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (!rc) rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (!rc) rc = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    if (!rc)
        rc = out_fd ? posix_spawn_file_actions_adddup2(&fa, p[1], 1)
                    : posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (!rc) rc = posix_spawnp(pid, argv[0], &fa, &at, argv, environ);
    posix_spawnattr_destroy(&at);
out_fa:
    posix_spawn_file_actions_destroy(&fa);
out_pipe:
    if (out_fd) {
        close(p[1]);
        if (rc)
            close(p[0]);
        else
            *out_fd = p[0];
    }
    return rc;
}

bool cfb_cmd_status_text(int st, char *buf, size_t n) {
    if (WIFEXITED(st)) {
        if (!WEXITSTATUS(st)) {
            if (n) buf[0] = '\0';
            return false;
        }
        snprintf(buf, n, "exit %d", WEXITSTATUS(st));
    } else if (WIFSIGNALED(st)) {
        const char *ab = sigabbrev_np(WTERMSIG(st));
        if (ab)
            snprintf(buf, n, "killed by SIG%s", ab);
        else
            snprintf(buf, n, "killed by signal %d", WTERMSIG(st));
    } else {
        snprintf(buf, n, "stopped (status %#x)", (unsigned)st);
    }
    return true;
}

/* ---- params and tasks ----------------------------------------------------- */

static const cfb_param_def cmd_params[] = {
    {"run", CFB_P_STRING, "", "the command each task runs (required): argv form, or see shell", 1,
     0, NULL},
    {"shell", CFB_P_BOOL, "false", "run it with /bin/sh -c (pipes, redirections, $VARS)", 0, 0,
     NULL},
    {"tasks", CFB_P_INT, "8", "runs of the command per repetition", 1, 100000, NULL},
    {"capture", CFB_P_BOOL, "false", "read the child's stdout as the task's value (else /dev/null)",
     0, 0, NULL},
};

/* A task's argument: this header, then nwords NUL-terminated words. */
typedef struct cmd_arg {
    uint32_t index;
    uint32_t nwords;
    uint8_t capture;
} cmd_arg;

static int split_params(const cfb_params *p, char *buf, size_t cap, size_t *nwords, char *err,
                        size_t errlen) {
    const char *run = cfb_params_str(p, "run");
    if (!run[0]) {
        snprintf(err, errlen, "cmd.run is empty: give the command to run, -p cmd.run='...'");
        return CF_EINVAL;
    }
    if (cfb_params_bool(p, "shell")) {
        size_t need = sizeof "/bin/sh" + sizeof "-c" + strlen(run) + 1;
        if (need > cap) {
            snprintf(err, errlen, "the command is too long (over %zu bytes)", cap - 1);
            return CF_EINVAL;
        }
        memcpy(buf, "/bin/sh\0-c", sizeof "/bin/sh" + sizeof "-c");
        memcpy(buf + sizeof "/bin/sh" + sizeof "-c", run, strlen(run) + 1);
        *nwords = 3;
        return 0;
    }
    return cfb_cmd_split(run, buf, cap, nwords, err, errlen);
}

static int cmd_check_params(const cfb_params *p, const char **param, char *err, size_t errlen) {
    char *buf = malloc(CMD_MAX);
    if (!buf) return CF_ENOMEM;
    size_t n;
    int rc = split_params(p, buf, CMD_MAX, &n, err, errlen);
    free(buf);
    if (rc) *param = "run";
    return rc;
}

static int cmd_make_tasks(const cfb_params *p, cfb_tasklist *tl, char *err, size_t errlen) {
    char *buf = malloc(sizeof(cmd_arg) + CMD_MAX);
    if (!buf) return CF_ENOMEM;
    size_t n;
    int rc = split_params(p, buf + sizeof(cmd_arg), CMD_MAX, &n, err, errlen);
    if (rc) {
        free(buf);
        return rc;
    }
    size_t words = 0;
    const char *w = buf + sizeof(cmd_arg);
    for (size_t k = 0; k < n; k++)
        words += strlen(w + words) + 1;
    long long tasks = cfb_params_int(p, "tasks");
    char label[32];
    for (long long i = 0; i < tasks && !rc; i++) {
        cmd_arg a = {
            .index = (uint32_t)i, .nwords = (uint32_t)n, .capture = cfb_params_bool(p, "capture")};
        memcpy(buf, &a, sizeof a);
        snprintf(label, sizeof label, "run %lld", i);
        rc = cfb_tasklist_add(tl, buf, sizeof a + words, label);
    }
    free(buf);
    return rc;
}

/* argv (malloc'd array of pointers into arg) of a task's argument, or NULL
 * with a reason. */
static char **decode(const void *arg, size_t len, cmd_arg *a, char *why, size_t n) {
    if (len < sizeof *a + 1) {
        snprintf(why, n, "cmd: bad argument (%zu bytes)", len);
        return NULL;
    }
    memcpy(a, arg, sizeof *a);
    const char *w = (const char *)arg + sizeof *a, *end = (const char *)arg + len;
    if (end[-1] != '\0' || !a->nwords) {
        snprintf(why, n, "cmd: bad argument");
        return NULL;
    }
    char **argv = malloc((a->nwords + 1) * sizeof *argv);
    if (!argv) {
        snprintf(why, n, "cmd: no memory");
        return NULL;
    }
    for (uint32_t k = 0; k < a->nwords; k++) {
        if (w >= end) {
            free(argv);
            snprintf(why, n, "cmd: bad argument");
            return NULL;
        }
        argv[k] = (char *)w;
        w += strlen(w) + 1;
    }
    argv[a->nwords] = NULL;
    return argv;
}

static void cmd_task(const void *arg, size_t len, cf_out *out) {
    cmd_arg a;
    char why[512];
    char **argv = decode(arg, len, &a, why, sizeof why);
    if (!argv) {
        cf_out_error(out, 1, "%s", why);
        return;
    }
    int gil = cf_gil_save(); /* waiting on a child releases the GIL, as subprocess.run does */
    pid_t pid;
    int fd = -1;
    int rc = cfb_cmd_spawn(argv, &pid, a.capture ? &fd : NULL);
    if (rc) {
        cf_gil_restore(gil);
        cf_out_error(out, 127, "cannot run '%s': %s", argv[0], strerror(rc));
        free(argv);
        return;
    }
    char *data = NULL;
    size_t dlen = 0, dcap = 0;
    bool nomem = false;
    if (fd >= 0) {
        for (;;) {
            if (dcap - dlen < 4096) {
                size_t nc = dcap ? dcap * 2 : 16384;
                char *nd = realloc(data, nc);
                if (!nd) {
                    nomem = true;
                    break;
                }
                data = nd;
                dcap = nc;
            }
            ssize_t r = read(fd, data + dlen, dcap - dlen);
            if (r > 0)
                dlen += (size_t)r;
            else if (r == 0 || errno != EINTR)
                break;
        }
        close(fd); /* a child still writing gets SIGPIPE/EPIPE: its business */
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    cf_gil_restore(gil);
    if (cfb_cmd_status_text(st, why, sizeof why))
        cf_out_error(out, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), "%s", why);
    else if (nomem)
        cf_out_error(out, CF_ENOMEM, "cmd: no memory for the captured output");
    else if (dlen && cf_out_set(out, data, dlen))
        cf_out_error(out, CF_ENOMEM, "cmd: no memory for the captured output");
    free(data);
    free(argv);
}

static uint64_t cmd_result_bytes(const void *res, size_t len) {
    (void)res;
    return len; /* the captured stdout; 0 without capture */
}

/* ---- the event-loop driver ------------------------------------------------ */

typedef struct child {
    struct child *prev, *next; /* running list, or queue (next only) */
    struct cdrv *d;
    cf_future *fut; /* one reference */
    void *arg;      /* a copy of the task's argument (queued tasks outlive start) */
    size_t len;
    pid_t pid;
    int pidfd, outfd; /* -1 when closed */
    bool exited;      /* reaped: status in st */
    int st;
    char *data; /* captured stdout */
    size_t dlen, dcap;
} child;

typedef struct cdrv {
    cf_loop *loop;
    int max_inflight, inflight;
    child *running;
    child *qhead, *qtail;
} cdrv;

static void launch(cdrv *d, child *c);

static void child_free(child *c) {
    cf_future_release(c->fut);
    free(c->data);
    free(c->arg);
    free(c);
}

static void unlink_running(cdrv *d, child *c) {
    if (c->prev)
        c->prev->next = c->next;
    else
        d->running = c->next;
    if (c->next) c->next->prev = c->prev;
    d->inflight--;
}

static void close_fd(cdrv *d, int *fd) {
    if (*fd < 0) return;
    cf_loop_unwatch(d->loop, *fd);
    close(*fd);
    *fd = -1;
}

/* Resolve c when it has exited and its stdout (if captured) is at EOF. */
static void maybe_finish(cdrv *d, child *c) {
    if (!c->exited || c->outfd >= 0) return;
    unlink_running(d, c);
    char why[128];
    if (cfb_cmd_status_text(c->st, why, sizeof why))
        cf_future_set_error(c->fut, CF_ETASK,
                            WIFEXITED(c->st) ? WEXITSTATUS(c->st) : 128 + WTERMSIG(c->st), why);
    else
        cf_future_set_result(c->fut, c->data, c->dlen);
    child_free(c);
    while (d->qhead && d->inflight < d->max_inflight) {
        child *q = d->qhead;
        d->qhead = q->next;
        if (!d->qhead) d->qtail = NULL;
        launch(d, q);
    }
}

static void on_exit_fd(cf_loop *loop, int fd, unsigned ev, void *arg) {
    (void)loop, (void)fd, (void)ev;
    child *c = arg;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &si, WEXITED | WNOHANG) < 0) {
        if (errno == EINTR) return;
        c->st = 0x7f00; /* cannot be: reported as "exit 127" */
    } else if (si.si_pid == 0) {
        return; /* not yet (spurious readiness) */
    } else {
        c->st = si.si_code == CLD_EXITED ? (si.si_status & 0xff) << 8 : si.si_status & 0x7f;
    }
    c->exited = true;
    close_fd(c->d, &c->pidfd);
    maybe_finish(c->d, c);
}

static void on_out(cf_loop *loop, int fd, unsigned ev, void *arg) {
    (void)loop, (void)fd, (void)ev;
    child *c = arg;
    for (;;) {
        if (c->dcap - c->dlen < 4096) {
            size_t nc = c->dcap ? c->dcap * 2 : 16384;
            char *nd = realloc(c->data, nc);
            if (!nd) break; /* keep what we have; EOF still ends it */
            c->data = nd;
            c->dcap = nc;
        }
        ssize_t r = read(c->outfd, c->data + c->dlen, c->dcap - c->dlen);
        if (r > 0) {
            c->dlen += (size_t)r;
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
        break; /* EOF or an error: the output is complete */
    }
    close_fd(c->d, &c->outfd);
    maybe_finish(c->d, c);
}

static void fail_now(cdrv *d, child *c, int code, const char *msg) {
    (void)d;
    cf_future_set_error(c->fut, CF_ETASK, code, msg);
    child_free(c);
}

static void launch(cdrv *d, child *c) {
    if (cf_future_set_running(c->fut)) { /* cancelled while queued */
        child_free(c);
        return;
    }
    cmd_arg a;
    char why[512];
    char **argv = decode(c->arg, c->len, &a, why, sizeof why);
    if (!argv) {
        fail_now(d, c, 1, why);
        return;
    }
    int rc = cfb_cmd_spawn(argv, &c->pid, a.capture ? &c->outfd : NULL);
    if (rc) {
        snprintf(why, sizeof why, "cannot run '%s': %s", argv[0], strerror(rc));
        free(argv);
        fail_now(d, c, 127, why);
        return;
    }
    free(argv);
    c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
    if (c->pidfd < 0) {
        int e = errno;
        kill(c->pid, SIGKILL);
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        if (c->outfd >= 0) close(c->outfd);
        snprintf(why, sizeof why, "cmd: pidfd_open: %s (async needs Linux 5.3 or later)",
                 strerror(e));
        fail_now(d, c, 1, why);
        return;
    }
    fcntl(c->pidfd, F_SETFD, FD_CLOEXEC);
    if (c->outfd >= 0) fcntl(c->outfd, F_SETFL, fcntl(c->outfd, F_GETFL) | O_NONBLOCK);
    c->prev = NULL;
    c->next = d->running;
    if (d->running) d->running->prev = c;
    d->running = c;
    d->inflight++;
    if (cf_loop_watch(d->loop, c->pidfd, CF_LOOP_READ, on_exit_fd, c) ||
        (c->outfd >= 0 && cf_loop_watch(d->loop, c->outfd, CF_LOOP_READ, on_out, c))) {
        /* cannot watch: take it back synchronously */
        kill(c->pid, SIGKILL);
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        close_fd(d, &c->pidfd);
        close_fd(d, &c->outfd);
        unlink_running(d, c);
        fail_now(d, c, CF_ENOMEM, "cmd: cannot watch the child on the loop");
    }
}

static int cmd_open(cf_loop *loop, const cfb_params *p, int max_inflight, void **state) {
    (void)p;
    if (!loop || max_inflight < 1 || !state) return CF_EINVAL;
    cdrv *d = calloc(1, sizeof *d);
    if (!d) return CF_ENOMEM;
    d->loop = loop;
    d->max_inflight = max_inflight;
    *state = d;
    return 0;
}

static int cmd_start(void *state, const void *arg, size_t len, cf_future *fut) {
    cdrv *d = state;
    if (!d || !fut) return CF_EINVAL;
    child *c = calloc(1, sizeof *c);
    if (!c) return CF_ENOMEM;
    c->arg = malloc(len ? len : 1);
    if (!c->arg) {
        free(c);
        return CF_ENOMEM;
    }
    memcpy(c->arg, arg, len);
    c->len = len;
    c->d = d;
    c->pidfd = c->outfd = -1;
    c->fut = cf_future_retain(fut);
    if (d->inflight < d->max_inflight && !d->qhead) {
        launch(d, c);
    } else {
        if (d->qtail)
            d->qtail->next = c;
        else
            d->qhead = c;
        d->qtail = c;
    }
    return 0;
}

static void cmd_close(void *state) {
    cdrv *d = state;
    if (!d) return;
    while (d->running) {
        child *c = d->running;
        if (!c->exited) {
            kill(c->pid, SIGKILL);
            while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        close_fd(d, &c->pidfd);
        close_fd(d, &c->outfd);
        unlink_running(d, c);
        if (!cf_future_cancel(c->fut))
            cf_future_set_error(c->fut, CF_ECANCELLED, CF_ECANCELLED, "interrupted");
        child_free(c);
    }
    while (d->qhead) {
        child *c = d->qhead;
        d->qhead = c->next;
        if (!cf_future_cancel(c->fut))
            cf_future_set_error(c->fut, CF_ECANCELLED, CF_ECANCELLED, "interrupted");
        child_free(c);
    }
    free(d);
}

static const cfb_async_driver cmd_async = {
    .open = cmd_open,
    .start = cmd_start,
    .close = cmd_close,
};

const cfb_workload cfb_workload_cmd = {
    .name = "cmd",
    .description = "your command: each task runs cmd.run and waits for it (exit 0 = ok)",
    .bound = CFB_BOUND_IO,
    .params = cmd_params,
    .nparams = sizeof cmd_params / sizeof cmd_params[0],
    .make_tasks = cmd_make_tasks,
    .task = cmd_task,
    .result_bytes = cmd_result_bytes,
    .async = &cmd_async,
    .check_params = cmd_check_params,
    .opt_in = true,
};
