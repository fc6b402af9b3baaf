/*
 * reference.c — run the Python reference runner and bring its cases back
 * (see reference.h).
 *
 * Processes: cfbench (this process) and one python3 child per call of
 * cfb_reference_run(), started with posix_spawn, its stdout read through a
 * pipe until EOF, then reaped with waitpid. Its stderr is cfbench's (the
 * script's progress lines). No threads, no locks. Memory: the plan and the
 * script go to files in a private mkdtemp() directory that is removed before
 * returning; every JSON object returned is a new reference for the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reference.h"
#include "sweep.h"
#include "results_io.h"

extern char **environ;

/* runners/reference_python.py, embedded by runners/embed.cmake. */
extern const char cfb_reference_python_src[];
extern const size_t cfb_reference_python_src_len;

char *cfb_reference_find_python(void) {
    const char *env = getenv("CFB_PYTHON");
    if (env && *env) return access(env, X_OK) == 0 ? strdup(env) : NULL;
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    char *copy = strdup(path);
    if (!copy) return NULL;
    char *found = NULL, *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char cand[PATH_MAX];
        if (snprintf(cand, sizeof cand, "%s/python3", *d ? d : ".") >= (int)sizeof cand) continue;
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
            found = strdup(cand);
    }
    free(copy);
    return found;
}

/* ---- the plan ---------------------------------------------------------------- */

static json_t *params_json(const cfb_params *p) {
    json_t *o = json_object();
    size_t n = p ? cfb_params_count(p) : 0;
    for (size_t i = 0; o && i < n; i++)
        json_object_set_new(o, cfb_params_name_at(p, i), json_string(cfb_params_text_at(p, i)));
    return o;
}

json_t *cfb_reference_plan_workload(const cfb_workload *w, const cfb_params *p,
                                    const cfb_tasklist *tl, char *err, size_t errlen) {
    if (!w->reference) {
        snprintf(err, errlen, "no Python reference for workload '%s'", w->name);
        return NULL;
    }
    cfb_refw *rw = cfb_refw_new();
    if (!rw) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char why[512] = "";
    int rc = w->reference->write_tasks(p, tl, rw, why, sizeof why);
    json_t *e = cfb_refw_finish(rw);
    if (rc || !e) {
        if (why[0])
            snprintf(err, errlen, "%s", why);
        else
            snprintf(err, errlen, "%s: a task list the reference runner cannot read", w->name);
        json_decref(e);
        return NULL;
    }
    json_object_set_new(e, "name", json_string(w->name));
    json_object_set_new(e, "params", params_json(p));
    return e;
}

/* ---- running the script --------------------------------------------------------- */

static int write_file(const char *path, const char *data, size_t len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    return close(fd);
}

/* Read fd to EOF into a malloc'd NUL-terminated buffer (caller frees). */
static char *read_all(int fd, size_t *len) {
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    for (;;) {
        if (n + 1 >= cap) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                return NULL;
            }
            buf = b;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            free(buf);
            return NULL;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int cfb_reference_run(const char *python, const json_t *plan, json_t **cases, char *err,
                      size_t errlen) {
    *cases = NULL;
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX], script[PATH_MAX + 32], planf[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/cfbench-ref-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "mkdtemp %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(script, sizeof script, "%s/reference_python.py", dir);
    snprintf(planf, sizeof planf, "%s/plan.json", dir);
    int rc = -1;
    char *text = json_dumps(plan, JSON_COMPACT);
    const char *alt = getenv("CFB_REFERENCE_SCRIPT");
    const char *run_script = alt && *alt ? alt : script;
    if (!text || write_file(planf, text, strlen(text)) ||
        (run_script == script &&
         write_file(script, cfb_reference_python_src, cfb_reference_python_src_len))) {
        snprintf(err, errlen, "cannot write the plan in %s: %s", dir, strerror(errno));
        free(text);
        goto out;
    }
    free(text);

    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC)) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto out;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    char *argv[] = {(char *)python, (char *)run_script, planf, NULL};
    pid_t pid;
    int se = posix_spawn(&pid, python, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    if (se) {
        close(pfd[0]);
        snprintf(err, errlen, "cannot run %s: %s", python, strerror(se));
        goto out;
    }
    size_t len = 0;
    char *out = read_all(pfd[0], &len);
    close(pfd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "%s %s failed (%s %d)", python, run_script,
                 WIFEXITED(status) ? "exit" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        free(out);
        goto out;
    }
    if (!out) {
        snprintf(err, errlen, "cannot read the reference runner's output");
        goto out;
    }
    json_error_t je;
    json_t *doc = json_loadb(out, len, 0, &je);
    free(out);
    json_t *c = doc ? json_object_get(doc, "cases") : NULL;
    const char *schema = doc ? json_string_value(json_object_get(doc, "schema")) : NULL;
    if (!json_is_array(c) || !schema || strcmp(schema, "cfbench-reference")) {
        snprintf(err, errlen,
                 "the reference runner's output is not a cfbench-reference document%s%s",
                 doc ? "" : ": ", doc ? "" : je.text);
        json_decref(doc);
        goto out;
    }
    *cases = json_incref(c);
    json_decref(doc);
    rc = 0;
out:
    unlink(planf);
    unlink(script);
    rmdir(dir);
    return rc;
}

/* ---- checking the answers ---------------------------------------------------------- */

long cfb_reference_check(const cfb_workload *w, const cfb_params *p, json_t *cases) {
    long total = 0;
    size_t ci;
    json_t *c;
    json_array_foreach(cases, ci, c) {
        json_t *reps = json_object_get(c, "repetitions");
        size_t ri;
        json_t *r;
        json_array_foreach(reps, ri, r) {
            json_t *vals = json_object_get(r, "values");
            const cfb_reference_codec *codec = w->reference;
            if (w->check && codec && codec->read_value && json_is_array(vals)) {
                long bad = 0;
                size_t vi;
                json_t *v;
                json_array_foreach(vals, vi, v) {
                    if (json_is_null(v)) continue; /* a failed task: counted in tasks_failed */
                    unsigned char buf[64];
                    size_t len = 0;
                    char why[256];
                    if (codec->read_value(p, cfb_refv_of(v), buf, sizeof buf, &len) ||
                        w->check(p, vi, buf, len, why, sizeof why))
                        bad++;
                }
                json_object_set_new(r, "check_failures", json_integer(bad));
                total += bad;
            } else {
                json_object_set_new(r, "check_failures", json_integer(0));
            }
            json_object_del(r, "values");
        }
    }
    return total;
}

/* ---- the sweep hook ------------------------------------------------------------------ */

json_t *cfb_reference_cases(void *ctx, const cfb_workload *w, const cfb_params *p,
                            const cfb_tasklist *tl) {
    cfb_reference *ref = ctx;
    char err[1024] = "";
    json_t *entry = cfb_reference_plan_workload(w, p, tl, err, sizeof err);
    if (!entry) {
        fprintf(stderr, "cfbench run: reference: %s\n", err);
        ref->failures++;
        return NULL;
    }
    json_t *plan = json_pack("{s:i, s:i, s:[], s:[], s:[o]}", "repeat", ref->repeat, "warmup",
                             ref->warmup, "modes", "workers", "workloads", entry);
    if (!plan) {
        ref->failures++;
        return NULL;
    }
    for (size_t i = 0; i < ref->nmodes; i++)
        json_array_append_new(json_object_get(plan, "modes"), json_string(ref->modes[i]));
    int lad[16];
    size_t nlad = ref->ladders ? cfb_worker_ladder(w->bound, false, ref->ncpu, (long)tl->n, lad,
                                                   sizeof lad / sizeof lad[0])
                               : 0;
    for (size_t i = 0; i < (ref->ladders ? nlad : ref->nworkers); i++)
        json_array_append_new(json_object_get(plan, "workers"),
                              json_integer(ref->ladders ? lad[i] : ref->workers[i]));
    json_t *cases = NULL;
    int rc = cfb_reference_run(ref->python, plan, &cases, err, sizeof err);
    json_decref(plan);
    if (rc) {
        fprintf(stderr, "cfbench run: reference %s: %s; the C cases stand alone\n", w->name, err);
        ref->failures++;
        return NULL;
    }
    long bad = cfb_reference_check(w, p, cases);
    if (bad)
        fprintf(stderr, "cfbench run: reference %s: %ld python answers are wrong\n", w->name, bad);
    ref->check_failures += bad;
    return cases;
}
