/*
 * ab_run.c — the A/B measuring engine (see ab_run.h).
 *
 * Design: one thread, no locks. The engine runs one child process at a time
 * (fork + execvp, the side's environment added in the child) and waits for
 * it with wait4(), so the two sides never overlap and each measurement has
 * the machine to itself as much as the machine allows. In run mode the
 * child is `BIN run …` and its measurements come back through a results
 * file in a private scratch directory (mkdtemp, removed at the end); the
 * child's stdout goes to /dev/null and its stderr to a scratch file whose
 * last line becomes the error message when the child fails. In command mode
 * the child is `/bin/sh -c CMD`: wall time is taken around fork..wait4 on
 * CLOCK_MONOTONIC, CPU time from wait4's rusage (the shell and everything
 * it waited for).
 *
 * Invariants: a pair is recorded only when both sides of a round finished
 * for that case, so an interrupted job leaves only whole pairs. The job's
 * randomness (case order per round, which side goes first) comes from one
 * cfb_rng seeded with job->seed. Memory: everything allocated here is freed
 * before returning, except the model handed to the caller in *out.
 */
#include "ab_run.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfbench_results.h"
#include "rstats.h"

typedef struct ab_case_sel {
    char *id, *workload, *mode, *impl;
    int workers;
} ab_case_sel;

typedef struct ctx {
    const cfb_ab_job *job;
    char dir[64];
    char *err;
    size_t errlen;
    int failed_side;
} ctx;

static int stopped(const cfb_ab_job *job) {
    return job->stop && *job->stop;
}

static double now_mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The last non-empty line of file path into buf ("" when none). */
static void last_line(const char *path, char *buf, size_t n) {
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0]) snprintf(buf, n, "%.300s", line);
    }
    fclose(f);
}

int cfb_ab_spawn(char *const *argv, char *const *env, size_t nenv, const char *out_path,
                 const char *err_path, int *status, double *wall, double *cpu) {
    *status = -1;
    double t0 = now_mono();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        int outfd = out_path ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600) : devnull;
        int errfd = err_path ? open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600) : outfd;
        if (devnull >= 0) dup2(devnull, STDIN_FILENO);
        if (outfd >= 0) dup2(outfd, STDOUT_FILENO);
        if (errfd >= 0) dup2(errfd, STDERR_FILENO);
        for (size_t i = 0; i < nenv; i++)
            putenv(env[i]);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    struct rusage ru;
    pid_t w;
    do
        w = wait4(pid, status, 0, &ru);
    while (w < 0 && errno == EINTR);
    if (wall) *wall = now_mono() - t0;
    if (w < 0) {
        *status = -1;
        return -1;
    }
    if (cpu)
        *cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    return 0;
}

/* One child of side s: stdout to /dev/null, stderr to errpath. The side's
 * environment comes after CFB_STEAL_WINDOW_S=0 (runners/context.h: no 0.2 s
 * steal window before each of the job's many short runs). */
static int spawn_wait(const cfb_ab_side_spec *s, char *const *argv, const char *errpath,
                      int *status, double *wall, double *cpu) {
    static char no_window[] = "CFB_STEAL_WINDOW_S=0";
    char *env[65];
    size_t n = 0;
    env[n++] = no_window;
    for (size_t i = 0; i < s->nenv && n < 65; i++)
        env[n++] = s->env[i];
    return cfb_ab_spawn(argv, env, n, NULL, errpath, status, wall, cpu);
}

static int side_failed(ctx *c, int side, const char *what, int status, const char *errpath) {
    char line[400];
    last_line(errpath, line, sizeof line);
    const char *name =
        c->job->side[side].label ? c->job->side[side].label : (side ? "new" : "base");
    if (status == -1)
        snprintf(c->err, c->errlen, "%s side, %s: could not be started", name, what);
    else if (WIFEXITED(status))
        snprintf(c->err, c->errlen, "%s side, %s: exit status %d%s%s", name, what,
                 WEXITSTATUS(status), line[0] ? ": " : "", line);
    else if (WIFSIGNALED(status))
        snprintf(c->err, c->errlen, "%s side, %s: killed by signal %d%s%s", name, what,
                 WTERMSIG(status), line[0] ? ": " : "", line);
    else
        snprintf(c->err, c->errlen, "%s side, %s: could not run", name, what);
    c->failed_side = side;
    return CFB_AB_RUN_ESIDE;
}

/* argv builder -------------------------------------------------------------- */

typedef struct argv_b {
    char *v[256];
    size_t n;
} argv_b;

static int push(argv_b *a, const char *s) {
    if (a->n + 1 >= sizeof a->v / sizeof a->v[0]) return -1;
    a->v[a->n++] = (char *)s;
    a->v[a->n] = NULL;
    return 0;
}

/* `BIN run` + selection + plan options + side args. sel NULL: the whole
 * plan (probe). */
static int run_argv(const cfb_ab_job *job, int side, const ab_case_sel *sel, char *workers_buf,
                    size_t wbl, const char *reps, const char *warmup, const char *out, argv_b *a) {
    const cfb_ab_side_spec *s = &job->side[side];
    a->n = 0;
    int rc = push(a, s->bin) | push(a, "run");
    if (sel) {
        snprintf(workers_buf, wbl, "%d", sel->workers);
        rc |= push(a, "-w") | push(a, sel->workload) | push(a, "-m") | push(a, sel->mode) |
              push(a, "-j") | push(a, workers_buf) | push(a, "--impl") | push(a, sel->impl);
    } else {
        if (job->workloads) rc |= push(a, "-w") | push(a, job->workloads);
        if (job->modes) rc |= push(a, "-m") | push(a, job->modes);
        if (job->workers) rc |= push(a, "-j") | push(a, job->workers);
        if (job->impls) rc |= push(a, "--impl") | push(a, job->impls);
    }
    for (size_t i = 0; i < job->nparams; i++)
        rc |= push(a, "-p") | push(a, job->params[i]);
    if (job->switch_interval) rc |= push(a, "--switch-interval") | push(a, job->switch_interval);
    for (size_t i = 0; i < s->nargs; i++)
        rc |= push(a, s->args[i]);
    rc |= push(a, "-r") | push(a, reps) | push(a, "--warmup") | push(a, warmup) | push(a, "-q") |
          push(a, "-o") | push(a, out);
    return rc ? -1 : 0;
}

static int selected(const cfb_ab_job *job, const char *id) {
    for (size_t i = 0; i < job->ncase_globs; i++)
        if (!fnmatch(job->case_globs[i], id, 0)) return 1;
    return job->ncase_globs == 0;
}

static void free_sels(ab_case_sel *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(s[i].id);
        free(s[i].workload);
        free(s[i].mode);
        free(s[i].impl);
    }
    free(s);
}

/* Probe one side: the plan once, one repetition; its cases into *sels. */
static int probe(ctx *c, int side, ab_case_sel **sels, size_t *n) {
    char out[96], errp[96], wb[16];
    snprintf(out, sizeof out, "%s/probe-%d.json", c->dir, side);
    snprintf(errp, sizeof errp, "%s/probe-%d.err", c->dir, side);
    argv_b a;
    if (run_argv(c->job, side, NULL, wb, sizeof wb, "1", "0", out, &a)) {
        snprintf(c->err, c->errlen, "too many plan options");
        return CFB_AB_RUN_EINVAL;
    }
    int status;
    double wall, cpu;
    if (spawn_wait(&c->job->side[side], a.v, errp, &status, &wall, &cpu))
        return side_failed(c, side, "the plan's probe run", status, errp);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return side_failed(c, side, "the plan's probe run", status, errp);
    cfb_results *doc;
    char e[300];
    if (cfb_results_read(out, &doc, e, sizeof e)) {
        snprintf(c->err, c->errlen, "%s side: its results file: %s", side ? "new" : "base", e);
        c->failed_side = side;
        return CFB_AB_RUN_ESIDE;
    }
    size_t k = cfb_results_ncases(doc);
    *sels = calloc(k ? k : 1, sizeof **sels);
    *n = 0;
    if (!*sels) {
        cfb_results_free(doc);
        return CFB_AB_RUN_ENOMEM;
    }
    for (size_t i = 0; i < k; i++) {
        const cfb_rcase *cs = cfb_results_case(doc, i);
        const char *impl = cfb_rcase_impl_raw(cs); /* as written: "" stays "" */
        const char *cid = cfb_rcase_id(cs);
        if (!cid || !selected(c->job, cid)) continue;
        ab_case_sel *s = &(*sels)[(*n)++];
        s->id = strdup(cid);
        s->workload = strdup(cfb_rcase_workload(cs));
        s->mode = strdup(cfb_rcase_mode(cs));
        s->impl = strdup(impl ? impl : "c");
        s->workers = cfb_rcase_workers(cs);
        if (!s->id || !s->workload || !s->mode || !s->impl) {
            cfb_results_free(doc);
            return CFB_AB_RUN_ENOMEM;
        }
    }
    cfb_results_free(doc);
    return 0;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median(double *v, size_t n) {
    if (!n) return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* One side, one case, one round: the medians of its K repetitions. */
static int measure_run(ctx *c, int side, const ab_case_sel *sel, cfb_ab_obs *obs) {
    const cfb_ab_job *job = c->job;
    char out[96], errp[96], wb[16], reps[16], warm[16];
    snprintf(out, sizeof out, "%s/m-%d.json", c->dir, side);
    snprintf(errp, sizeof errp, "%s/m-%d.err", c->dir, side);
    snprintf(reps, sizeof reps, "%d", job->runs);
    snprintf(warm, sizeof warm, "%d", job->warmup);
    argv_b a;
    if (run_argv(job, side, sel, wb, sizeof wb, reps, warm, out, &a)) return CFB_AB_RUN_EINVAL;
    int status;
    double wall, cpu;
    char what[300];
    snprintf(what, sizeof what, "case %s", sel->id);
    if (spawn_wait(&job->side[side], a.v, errp, &status, &wall, &cpu) || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
        return side_failed(c, side, what, status, errp);
    cfb_results *doc;
    char e[300];
    if (cfb_results_read(out, &doc, e, sizeof e)) {
        snprintf(c->err, c->errlen, "%s side, %s: %s", side ? "new" : "base", what, e);
        c->failed_side = side;
        return CFB_AB_RUN_ESIDE;
    }
    const cfb_rcase *found = NULL;
    for (size_t i = 0; i < cfb_results_ncases(doc); i++) { /* the last of that id */
        const char *cid = cfb_rcase_id(cfb_results_case(doc, i));
        if (cid && !strcmp(cid, sel->id)) found = cfb_results_case(doc, i);
    }
    size_t n = found ? cfb_rcase_nreps(found) : 0;
    double *w = malloc((n ? n : 1) * sizeof *w), *u = malloc((n ? n : 1) * sizeof *u);
    size_t nw = 0, nu = 0;
    if (!w || !u) {
        free(w);
        free(u);
        cfb_results_free(doc);
        return CFB_AB_RUN_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const cfb_repetition *r = cfb_rcase_rep(found, i);
        double ws = cfb_repetition_wall_s(r); /* NaN when not a number */
        if (!isnan(ws)) w[nw++] = ws;
        if (cfb_repetition_num(r, CFB_REP_CPU_S, &u[nu])) nu++;
    }
    int rc = 0;
    if (!found || !nw) {
        snprintf(c->err, c->errlen, "%s side, %s: the results file has no repetition of it",
                 side ? "new" : "base", what);
        c->failed_side = side;
        rc = CFB_AB_RUN_ESIDE;
    } else {
        obs->wall_s = median(w, nw);
        obs->cpu_s = median(u, nu);
    }
    free(w);
    free(u);
    cfb_results_free(doc);
    return rc;
}

/* Command mode: K runs of the side's command, medians of wall and CPU. */
static int measure_cmd(ctx *c, int side, int k, cfb_ab_obs *obs) {
    const cfb_ab_side_spec *s = &c->job->side[side];
    char errp[96];
    snprintf(errp, sizeof errp, "%s/cmd-%d.err", c->dir, side);
    char *argv[] = {"/bin/sh", "-c", (char *)s->command, NULL};
    double w[64], u[64];
    if (k > 64) k = 64;
    for (int i = 0; i < k; i++) {
        int status;
        if (spawn_wait(s, argv, errp, &status, &w[i], &u[i]) || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            return side_failed(c, side, "its command", status, errp);
    }
    obs->wall_s = median(w, (size_t)k);
    obs->cpu_s = median(u, (size_t)k);
    return 0;
}

static void shuffle(size_t *v, size_t n, cfb_rng *rng) {
    for (size_t i = n; i > 1; i--) {
        size_t j = cfb_rng_below(rng, i), t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

static void cleanup_dir(const char *dir) {
    static const char *const names[] = {
        "probe-0.json", "probe-1.json", "probe-0.err", "probe-1.err", "m-0.json", "m-1.json",
        "m-0.err",      "m-1.err",      "cmd-0.err",   "cmd-1.err",   NULL};
    char p[128];
    for (int i = 0; names[i]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

int cfb_ab_measure(const cfb_ab_job *job, cfb_ab **out, int *failed_side, char *err,
                   size_t errlen) {
    *out = NULL;
    if (failed_side) *failed_side = -1;
    int cmd_mode = job->side[0].command != NULL;
    for (int s = 0; s < 2; s++)
        if ((cmd_mode && !job->side[s].command) || (!cmd_mode && !job->side[s].bin)) {
            snprintf(err, errlen, "both sides need a binary, or both a command");
            return CFB_AB_RUN_EINVAL;
        }
    if (job->rounds < 1 || job->runs < 1 || job->warmup < 0) {
        snprintf(err, errlen, "rounds and runs must be >= 1, warmup >= 0");
        return CFB_AB_RUN_EINVAL;
    }
    ctx c = {.job = job, .err = err, .errlen = errlen, .failed_side = -1};
    /* Scratch in $TMPDIR, else in /dev/shm (a tmpfs: the runs' atomic
     * writes fsync, which costs real time on a disk), else /tmp. */
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || strlen(tmp) >= 40) tmp = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
    snprintf(c.dir, sizeof c.dir, "%s/cfbench-ab.XXXXXX", tmp);
    if (!mkdtemp(c.dir)) {
        snprintf(err, errlen, "cannot make a scratch directory in %s: %s", tmp, strerror(errno));
        return CFB_AB_RUN_ESIDE;
    }
    int rc = CFB_AB_RUN_ENOMEM;
    ab_case_sel *sel[2] = {NULL, NULL};
    size_t nsel[2] = {0, 0}, *order = NULL, *index = NULL, nboth = 0;
    cfb_ab *ab = cfb_ab_new();
    if (!ab) goto out;
    for (int s = 0; s < 2; s++)
        if (cfb_ab_set_side(ab, s,
                            job->side[s].label ? job->side[s].label
                            : s                ? "new"
                                               : "base",
                            job->side[s].detail ? job->side[s].detail : ""))
            goto out;

    /* The cases: both probes in run mode, one "command" case otherwise. */
    if (cmd_mode) {
        size_t idx;
        if (cfb_ab_add_case(ab, "command", &idx)) goto out;
        nboth = 1;
        for (int s = 0; s < 2; s++)
            for (int i = 0; i < job->warmup; i++) {
                cfb_ab_obs o;
                if ((rc = measure_cmd(&c, s, 1, &o))) goto out;
            }
    } else {
        for (int s = 0; s < 2; s++)
            if ((rc = probe(&c, s, &sel[s], &nsel[s]))) goto out;
        rc = CFB_AB_RUN_ENOMEM;
        index = malloc((nsel[1] ? nsel[1] : 1) * sizeof *index);
        if (!index) goto out;
        for (size_t i = 0; i < nsel[1]; i++) {
            int in_base = 0;
            for (size_t j = 0; j < nsel[0]; j++)
                in_base |= !strcmp(sel[0][j].id, sel[1][i].id);
            if (!in_base) {
                if (cfb_ab_add_only(ab, CFB_AB_NEW, sel[1][i].id)) goto out;
                continue;
            }
            size_t idx;
            if (cfb_ab_add_case(ab, sel[1][i].id, &idx)) goto out;
            index[nboth++] = i; /* model case idx == nboth - 1 */
        }
        for (size_t j = 0; j < nsel[0]; j++) {
            int in_new = 0;
            for (size_t i = 0; i < nsel[1]; i++)
                in_new |= !strcmp(sel[0][j].id, sel[1][i].id);
            if (!in_new && cfb_ab_add_only(ab, CFB_AB_BASE, sel[0][j].id)) goto out;
        }
        if (!nboth) {
            snprintf(err, errlen, "the two sides have no %scase in common",
                     job->ncase_globs ? "selected " : "");
            rc = CFB_AB_RUN_EINVAL;
            goto out;
        }
    }

    order = malloc(nboth * sizeof *order);
    if (!order) goto out;
    cfb_rng rng;
    cfb_rng_seed(&rng, job->seed);
    rc = 0;
    for (int round = 0; round < job->rounds && !rc; round++) {
        for (size_t i = 0; i < nboth; i++)
            order[i] = i;
        shuffle(order, nboth, &rng);
        for (size_t k = 0; k < nboth && !rc; k++) {
            size_t ci = order[k];
            int base_first = (int)(cfb_rng_next(&rng) >> 63);
            cfb_ab_obs obs[2];
            for (int t = 0; t < 2 && !rc; t++) {
                int s = base_first ? t : 1 - t;
                if (stopped(job))
                    rc = CFB_AB_RUN_EINTR;
                else if (cmd_mode)
                    rc = measure_cmd(&c, s, job->runs, &obs[s]);
                else
                    rc = measure_run(&c, s, &sel[1][index[ci]], &obs[s]);
            }
            if (!rc && cfb_ab_add_pair(ab, ci, obs[0], obs[1], base_first)) rc = CFB_AB_RUN_ENOMEM;
        }
        if (!rc && job->progress) job->progress(job->progress_ctx, round + 1, job->rounds);
    }
    if (rc == CFB_AB_RUN_EINTR) snprintf(err, errlen, "interrupted");
out:
    if (rc == CFB_AB_RUN_ENOMEM) snprintf(err, errlen, "out of memory");
    if (failed_side) *failed_side = c.failed_side;
    for (int s = 0; s < 2; s++)
        free_sels(sel[s], nsel[s]);
    free(order);
    free(index);
    cleanup_dir(c.dir);
    if (rc == CFB_AB_RUN_OK || rc == CFB_AB_RUN_EINTR)
        *out = ab;
    else
        cfb_ab_free(ab);
    return rc;
}
