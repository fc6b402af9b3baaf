/* test_findings.c — the findings (results/findings.h) on hand-made results
 * documents: I/O-bound scaling, the CPU-bound plateau, threads flat under
 * the GIL, and each "not supported by the data" case (noisy, too few worker
 * counts, no seq case, one repetition); the terminal summary fits 80
 * columns. Deterministic: the documents are built here. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "findings.h"
#include "results_io.h"

/* The findings of the JSON document d (borrowed), through the model. */
static int compute(const json_t *d, cfb_findings *f) {
    cfb_results *m = NULL;
    char err[256];
    if (cfb_results_decode(d, &m, err, sizeof err)) {
        fprintf(stderr, "decode: %s\n", err);
        memset(f, 0, sizeof *f);
        return -1;
    }
    int r = cfb_findings_compute(m, f);
    cfb_results_free(m);
    return r;
}

static json_t *doc_new(int cpus) {
    return json_pack("{s:s, s:i, s:b, s:{s:s, s:i, s:i}, s:{}, s:[]}", "schema", "cfbench-results",
                     "schema_version", 1, "complete", 1, "host", "hostname", "fixture", "cpus",
                     cpus, "cpus_allowed", cpus, "config", "cases");
}

/* A case whose median wall is seq_wall / speedup, its ci95 ± spread (a
 * fraction of the median; spread < 0: null, one repetition). bound NULL:
 * no "bound" field (files from before issue 16). */
static void add_case(json_t *doc, const char *wl, const char *bound, const char *impl,
                     const char *mode, int workers, double seq_wall, double speedup,
                     double spread) {
    double med = seq_wall / speedup;
    char id[128];
    snprintf(id, sizeof id, "%s/%s/w%d%s%s", wl, mode, workers, strcmp(impl, "c") ? "/" : "",
             strcmp(impl, "c") ? impl : "");
    json_t *ci =
        spread < 0 ? json_null() : json_pack("[f, f]", med * (1 - spread), med * (1 + spread));
    int n = spread < 0 ? 1 : 6;
    json_t *reps = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(reps, json_pack("{s:i, s:f}", "index", i, "wall_s", med));
    json_t *c = json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:o, s:{s:{s:i, s:f, s:o}, s:f, s:f}}",
                          "id", id, "workload", wl, "mode", mode, "workers", workers, "impl", impl,
                          "tasks", 20, "repetitions", reps, "summary", "wall_s", "n", n, "median",
                          med, "ci95", ci, "speedup", speedup, "efficiency", speedup / workers);
    if (bound) json_object_set_new(c, "bound", json_string(bound));
    json_array_append_new(json_object_get(doc, "cases"), c);
}

/* Cases of one mode: workers[i] with speedups sp[i]. */
static void add_mode(json_t *doc, const char *wl, const char *bound, const char *impl,
                     const char *mode, const int *w, const double *sp, size_t n, double spread) {
    for (size_t i = 0; i < n; i++)
        add_case(doc, wl, bound, impl, mode, w[i], 0.2, sp[i], spread);
}

static const cfb_finding *find(const cfb_findings *f, const char *wl, const char *impl,
                               cfb_finding_kind kind) {
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->items[i].workload, wl) && !strcmp(f->items[i].impl, impl) &&
            f->items[i].kind == kind)
            return &f->items[i];
    return NULL;
}

#define HAS(f, s)                                                                                  \
    do {                                                                                           \
        const char *t_ = (f) ? (f)->text : "";                                                     \
        int ok_ = strstr(t_, (s)) != NULL;                                                         \
        if (!ok_) fprintf(stderr, "text: %s\n  lacks: %s\n", t_, (s));                             \
        CHECK(ok_);                                                                                \
    } while (0)

static const int IO_W[] = {1, 2, 4, 8, 16, 32, 64};
static const int AS_W[] = {1, 2, 4, 8, 16, 20};
static const int CPU_W[] = {1, 2, 4};

static json_t *io_doc(void) {
    json_t *d = doc_new(2);
    add_case(d, "flags", "io", "c", "seq", 1, 0.2, 1.0, 0.01);
    static const double th[] = {1.0, 1.9, 3.8, 7.2, 11.0, 12.5, 13.1};
    static const double pr[] = {0.8, 1.5, 2.6, 3.6, 4.2, 3.9, 3.1};
    static const double as[] = {1.0, 2.0, 3.9, 7.5, 13.0, 14.1};
    add_mode(d, "flags", "io", "c", "thread", IO_W, th, 7, 0.02);
    add_mode(d, "flags", "io", "c", "process", IO_W, pr, 7, 0.02);
    add_mode(d, "flags", "io", "c", "async", AS_W, as, 6, 0.02);
    return d;
}

static void io_scaling(void) {
    json_t *d = io_doc();
    char err[256];
    CHECK_EQ_INT(cfb_results_validate(d, err, sizeof err), 0);
    cfb_findings f;
    CHECK_EQ_INT(compute(d, &f), 0);
    CHECK_EQ_INT(f.cpus, 2);
    const cfb_finding *x = find(&f, "flags", "c", CFB_FINDING_IO_SCALING);
    CHECK(x && x->supported);
    CHECK_EQ_STR(x ? x->bound : NULL, "io");
    HAS(x, "flags, I/O-bound: ");
    HAS(x, "threads 13.1x at 64 workers");
    HAS(x, "async 14.1x at 20 in flight");
    HAS(x, "processes 4.20x at 16 workers");
    HAS(x, "start-up cost");
    /* the per-mode bests the summary table prints */
    CHECK_EQ_INT(f.ngroups, 1);
    CHECK_EQ_INT(f.groups[0].nmodes, 4);
    CHECK_EQ_STR(f.groups[0].modes[0].mode, "seq");
    CHECK_EQ_STR(f.groups[0].modes[3].mode, "async");
    CHECK_EQ_INT(f.groups[0].modes[3].workers, 20);
    CHECK(fabs(f.groups[0].modes[3].wall - 0.2 / 14.1) < 1e-9);
    cfb_findings_free(&f);
    json_decref(d);
}

static void cpu_plateau_and_gil(void) {
    json_t *d = doc_new(2);
    static const double th[] = {1.0, 1.95, 1.93}, pr[] = {0.97, 1.9, 1.92}, as[] = {1, 1, 1};
    static const double gth[] = {1.0, 1.01, 0.99}, gpr[] = {0.97, 1.9, 1.88};
    add_case(d, "primes", "cpu", "c", "seq", 1, 0.2, 1.0, 0.01);
    add_mode(d, "primes", "cpu", "c", "thread", CPU_W, th, 3, 0.01);
    add_mode(d, "primes", "cpu", "c", "process", CPU_W, pr, 3, 0.01);
    add_mode(d, "primes", "cpu", "c", "async", CPU_W, as, 3, 0.01);
    add_case(d, "primes", "cpu", "c+gil", "seq", 1, 0.2, 1.0, 0.01);
    add_mode(d, "primes", "cpu", "c+gil", "thread", CPU_W, gth, 3, 0.01);
    add_mode(d, "primes", "cpu", "c+gil", "process", CPU_W, gpr, 3, 0.01);
    cfb_findings f;
    CHECK_EQ_INT(compute(d, &f), 0);
    const cfb_finding *x = find(&f, "primes", "c", CFB_FINDING_CPU_PLATEAU);
    CHECK(x && x->supported);
    HAS(x, "primes, CPU-bound: best 1.95x (threads) at 2 workers = the CPUs");
    HAS(x, "more workers add nothing (1.93x at 4)");
    HAS(x, "async 1.00x");
    const cfb_finding *g = find(&f, "primes", "c+gil", CFB_FINDING_GIL);
    CHECK(g && g->supported);
    HAS(g, "primes under the GIL (c+gil): threads give 1.01x at best (2 workers)");
    HAS(g, "processes 1.90x at 2");
    HAS(g, "one GIL");
    /* order: the plain finding first, then the GIL one */
    CHECK(f.n == 2 && x == &f.items[0] && g == &f.items[1]);
    cfb_findings_free(&f);
    json_decref(d);
}

static void not_supported(void) {
    cfb_findings f;
    /* noisy: the best case's CI overlaps seq's */
    json_t *d = doc_new(2);
    static const double th[] = {1.0, 1.2, 1.3, 1.25, 1.2, 1.2, 1.1};
    add_case(d, "loiter", "io", "c", "seq", 1, 0.2, 1.0, 0.3);
    add_mode(d, "loiter", "io", "c", "thread", IO_W, th, 7, 0.3);
    CHECK_EQ_INT(compute(d, &f), 0);
    const cfb_finding *x = find(&f, "loiter", "c", CFB_FINDING_IO_SCALING);
    CHECK(x && !x->supported);
    HAS(x, "loiter, I/O-bound: not supported by the data: noisy");
    HAS(x, "threads 1.30x at 4 workers");
    cfb_findings_free(&f);
    json_decref(d);

    /* too few worker counts: only 1 and 2 on 2 CPUs (the old --workers auto) */
    d = doc_new(2);
    static const int w12[] = {1, 2};
    static const double s12[] = {1.0, 1.96};
    add_case(d, "loiter", "io", "c", "seq", 1, 0.2, 1.0, 0.01);
    add_mode(d, "loiter", "io", "c", "thread", w12, s12, 2, 0.01);
    add_case(d, "primes", "cpu", "c", "seq", 1, 0.2, 1.0, 0.01);
    add_mode(d, "primes", "cpu", "c", "thread", w12, s12, 2, 0.01);
    CHECK_EQ_INT(compute(d, &f), 0);
    x = find(&f, "loiter", "c", CFB_FINDING_IO_SCALING);
    CHECK(x && !x->supported);
    HAS(x, "not supported by the data: too few worker counts: only 1, 2, none above the 2 CPUs");
    x = find(&f, "primes", "c", CFB_FINDING_CPU_PLATEAU);
    CHECK(x && !x->supported);
    HAS(x, "not supported by the data: too few worker counts");
    HAS(x, "plateau");
    cfb_findings_free(&f);
    json_decref(d);

    /* no seq case */
    d = doc_new(2);
    static const double s3[] = {1.0, 1.9, 1.9};
    add_mode(d, "primes", "cpu", "c", "thread", CPU_W, s3, 3, 0.01);
    CHECK_EQ_INT(compute(d, &f), 0);
    x = find(&f, "primes", "c", CFB_FINDING_CPU_PLATEAU);
    CHECK(x && !x->supported);
    HAS(x, "not supported by the data: no seq case");
    cfb_findings_free(&f);
    json_decref(d);

    /* one repetition: no confidence interval */
    d = doc_new(2);
    add_case(d, "primes", "cpu", "c", "seq", 1, 0.2, 1.0, -1);
    add_mode(d, "primes", "cpu", "c", "thread", CPU_W, s3, 3, -1);
    CHECK_EQ_INT(compute(d, &f), 0);
    x = find(&f, "primes", "c", CFB_FINDING_CPU_PLATEAU);
    CHECK(x && !x->supported);
    HAS(x, "one repetition");
    cfb_findings_free(&f);
    json_decref(d);

    /* CPU-bound work faster than the CPUs allow: the load changed, not the work */
    d = doc_new(2);
    static const double fast[] = {1.0, 2.2, 2.61};
    add_case(d, "primes", "cpu", "c", "seq", 1, 0.2, 1.0, 0.01);
    add_mode(d, "primes", "cpu", "c", "process", CPU_W, fast, 3, 0.01);
    CHECK_EQ_INT(compute(d, &f), 0);
    x = find(&f, "primes", "c", CFB_FINDING_CPU_PLATEAU);
    CHECK(x && !x->supported);
    HAS(x, "not supported by the data: noisy: 2.61x (processes at 4 workers) is more than 2 CPUs");
    cfb_findings_free(&f);
    json_decref(d);

    /* CPU-bound but still scaling past the CPUs: no plateau to claim */
    d = doc_new(2);
    static const double up[] = {1.0, 1.6, 2.2};
    add_case(d, "primes", "cpu", "c", "seq", 1, 0.2, 1.0, 0.01);
    add_mode(d, "primes", "cpu", "c", "thread", CPU_W, up, 3, 0.01);
    CHECK_EQ_INT(compute(d, &f), 0);
    x = find(&f, "primes", "c", CFB_FINDING_CPU_PLATEAU);
    CHECK(x && !x->supported);
    HAS(x, "no plateau");
    cfb_findings_free(&f);
    json_decref(d);
}

static void no_gain_and_old_files(void) {
    cfb_findings f;
    /* noop: nothing beats seq; then no GIL finding */
    json_t *d = doc_new(2);
    static const double sl[] = {0.2, 0.4, 0.35};
    add_case(d, "noop", "cpu", "c", "seq", 1, 0.2, 1.0, 0.01);
    add_mode(d, "noop", "cpu", "c", "thread", CPU_W, sl, 3, 0.01);
    add_case(d, "noop", "cpu", "c+gil", "seq", 1, 0.2, 1.0, 0.01);
    add_mode(d, "noop", "cpu", "c+gil", "thread", CPU_W, sl, 3, 0.01);
    add_mode(d, "noop", "cpu", "c+gil", "process", CPU_W, sl, 3, 0.01);
    CHECK_EQ_INT(compute(d, &f), 0);
    CHECK_EQ_INT(f.n, 1);
    const cfb_finding *x = find(&f, "noop", "c", CFB_FINDING_CPU_PLATEAU);
    CHECK(x && x->supported);
    HAS(x, "no pool beats seq (best 0.40x, threads at 2 workers)");
    cfb_findings_free(&f);
    json_decref(d);

    /* a file from before the kind was recorded: best per mode, no kind claimed */
    d = doc_new(2);
    static const double s3[] = {1.0, 1.8, 1.9};
    add_case(d, "primes", NULL, "c", "seq", 1, 0.2, 1.0, 0.01);
    add_mode(d, "primes", NULL, "c", "thread", CPU_W, s3, 3, 0.01);
    CHECK_EQ_INT(compute(d, &f), 0);
    x = find(&f, "primes", "c", CFB_FINDING_OTHER);
    CHECK(x && x->supported);
    CHECK_EQ_STR(x ? x->bound : NULL, "");
    HAS(x, "primes: threads 1.90x at 4 workers");
    cfb_findings_free(&f);
    /* ... and with nothing gained, says so (and no GIL sentence follows) */
    json_t *d2 = doc_new(2);
    static const double sl2[] = {0.5, 0.9, 0.92};
    add_case(d2, "noop", NULL, "c", "seq", 1, 0.2, 1.0, 0.01);
    add_mode(d2, "noop", NULL, "c", "async", CPU_W, sl2, 3, 0.2);
    add_case(d2, "noop", NULL, "c+gil", "seq", 1, 0.2, 1.0, 0.01);
    add_mode(d2, "noop", NULL, "c+gil", "thread", CPU_W, sl2, 3, 0.01);
    add_mode(d2, "noop", NULL, "c+gil", "process", CPU_W, sl2, 3, 0.01);
    CHECK_EQ_INT(compute(d2, &f), 0);
    CHECK_EQ_INT(f.n, 1);
    x = find(&f, "noop", "c", CFB_FINDING_OTHER);
    CHECK(x && x->supported);
    HAS(x, "noop: no mode beats seq (best 0.92x, async at 4 in flight)");
    cfb_findings_free(&f);
    json_decref(d2);
    /* ... unless config.ladders says it */
    json_object_set_new(json_object_get(d, "config"), "ladders",
                        json_pack("{s:{s:s}}", "primes", "bound", "cpu"));
    CHECK_EQ_INT(compute(d, &f), 0);
    CHECK(find(&f, "primes", "c", CFB_FINDING_CPU_PLATEAU) != NULL);
    cfb_findings_free(&f);
    json_decref(d);

    /* no case at all */
    d = doc_new(2);
    CHECK_EQ_INT(compute(d, &f), 0);
    CHECK_EQ_INT(f.n, 0);
    cfb_findings_free(&f);
    json_decref(d);

    /* no document: -1, and the summary prints nothing */
    CHECK_EQ_INT(cfb_findings_compute(NULL, &f), -1);
    CHECK_EQ_INT(f.n, 0);
    cfb_findings_free(&f);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    cfb_findings_print(m, NULL, 80);
    fclose(m);
    CHECK_EQ_INT(len, 0);
    free(buf);
}

static void summary_fits(void) {
    json_t *d = io_doc();
    static const double th[] = {1.0, 1.95, 1.93};
    add_case(d, "primes", "cpu", "c+gil", "seq", 1, 0.2, 1.0, 0.01);
    add_mode(d, "primes", "cpu", "c+gil", "thread", CPU_W, th, 3, 0.01);
    add_mode(d, "primes", "cpu", "c+gil", "process", CPU_W, th, 3, 0.01);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    cfb_results *md = NULL;
    CHECK_EQ_INT(cfb_results_decode(d, &md, NULL, 0), 0);
    cfb_findings_print(m, md, 80);
    cfb_results_free(md);
    fclose(m);
    CHECK(buf && strstr(buf, "Summary"));
    CHECK(buf && strstr(buf, "Findings (2 CPUs):"));
    CHECK(buf && strstr(buf, "flags        io   c      async        14.1x         20"));
    int longest = 0, cur = 0, lines = 0;
    for (const char *p = buf; p && *p; p++) {
        if (*p == '\n') {
            lines++;
            if (cur > longest) longest = cur;
            cur = 0;
        } else {
            cur++;
        }
    }
    CHECK(lines > 10);
    if (longest > 80) fprintf(stderr, "%s", buf);
    CHECK(longest <= 80);
    free(buf);
    json_decref(d);
}

int main(void) {
    RUN(io_scaling);
    RUN(cpu_plateau_and_gil);
    RUN(not_supported);
    RUN(no_gain_and_old_files);
    RUN(summary_fits);
    return check_summary();
}
