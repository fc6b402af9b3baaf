/* findings.c — the sentences a results document supports (findings.h).
 * Cases of a parameter scan (case.scan, docs/scans.md) are grouped per
 * value set: a finding compares the modes of one value set only. */
#include "findings.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cfbench_results.h"
#include "results_io.h"

/* ---- reading a case (the results model, results/include/cfbench_results.h) ---------------- */

static double case_med(const cfb_rcase *c) {
    return cfb_rcase_stat_median(c, CFB_STAT_WALL);
}

/* The ci95 of the median wall; false when null (one repetition) or absent. */
static bool case_ci(const cfb_rcase *c, double *lo, double *hi) {
    cfb_stat_summary st;
    *lo = *hi = NAN;
    if (!cfb_rcase_stat(c, CFB_STAT_WALL, &st)) return false;
    *lo = st.st.ci_lo;
    *hi = st.st.ci_hi;
    return isfinite(*lo) && isfinite(*hi);
}

static double case_speedup(const cfb_rcase *c) {
    return cfb_rcase_sum_value(c, CFB_SUM_SPEEDUP);
}

static bool case_usable(const cfb_rcase *c) {
    return !cfb_rcase_error(c) && cfb_rcase_has_summary(c) && isfinite(case_med(c)) &&
           case_med(c) > 0;
}

static int mode_rank(const char *m) {
    static const char *const order[] = {"seq", "thread", "process", "async", "hybrid", "mpi"};
    for (int i = 0; i < 6; i++)
        if (!strcmp(m, order[i])) return i;
    return 6;
}

/* ---- groups: one (workload, impl, scanned value set) ----------------------- */

/* The value set of a scanned case, "tasks=10 unit=0.01" (case.scan in its
 * order), or "" when the case is not part of a scan. */
static void scan_label(const cfb_rcase *c, char *out, size_t n) {
    out[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < cfb_rcase_nscan(c); i++) {
        const char *v = cfb_rcase_scan_value(c, i);
        if (!v || len >= n) continue;
        int w =
            snprintf(out + len, n - len, "%s%s=%s", len ? " " : "", cfb_rcase_scan_key(c, i), v);
        if (w > 0) len += (size_t)w;
    }
}

typedef struct grp {
    char scan[CFB_FINDING_SCAN];   /* scan_label() of its cases */
    const char *wl, *impl, *bound; /* borrowed from the document */
    const cfb_rcase **cases;       /* borrowed, usable cases in document order (owned array) */
    size_t n;
    const cfb_rcase *seq;
} grp;

static const char *case_bound(const cfb_results *doc, const cfb_rcase *c) {
    const char *b = cfb_rcase_bound(c);
    if (!b) b = cfb_results_ladder_bound(doc, cfb_rcase_workload(c)); /* else not recorded */
    return !b || (strcmp(b, "io") && strcmp(b, "cpu")) ? "" : b;
}

static void fill_mode(const grp *g, const char *mode, cfb_mode_best *mb) {
    memset(mb, 0, sizeof *mb);
    snprintf(mb->mode, sizeof mb->mode, "%s", mode);
    mb->speedup = mb->lo = mb->hi = mb->wall = NAN;
    double slo = NAN, shi = NAN;
    bool sci = g->seq && case_ci(g->seq, &slo, &shi);
    double smed = g->seq ? case_med(g->seq) : NAN;
    const cfb_rcase *best = NULL;
    for (size_t i = 0; i < g->n; i++) {
        const cfb_rcase *c = g->cases[i];
        if (strcmp(cfb_rcase_mode(c), mode)) continue;
        int w = cfb_rcase_workers(c);
        mb->ncounts++;
        if (w > mb->max_workers) mb->max_workers = w;
        double sp = case_speedup(c);
        if (!isfinite(sp)) continue;
        if (!best || sp > case_speedup(best)) best = c;
    }
    if (!best) return;
    mb->speedup = case_speedup(best);
    mb->workers = cfb_rcase_workers(best);
    mb->wall = case_med(best);
    double lo, hi;
    if (sci && case_ci(best, &lo, &hi) && lo > 0 && hi > 0) {
        mb->lo = smed / hi;
        mb->hi = smed / lo;
        mb->distinct = best != g->seq && (hi < slo || lo > shi);
    }
}

/* The best case among modes `modes` (NULL-terminated) whose workers are in
 * [wmin, wmax]; NULL when none. */
static const cfb_rcase *best_in(const grp *g, const char *const *modes, int wmin, int wmax) {
    const cfb_rcase *best = NULL;
    for (size_t i = 0; i < g->n; i++) {
        const cfb_rcase *c = g->cases[i];
        int w = cfb_rcase_workers(c);
        bool in = false;
        for (const char *const *m = modes; *m; m++)
            in |= !strcmp(cfb_rcase_mode(c), *m);
        double sp = case_speedup(c);
        if (!in || w < wmin || w > wmax || !isfinite(sp)) continue;
        if (!best || sp > case_speedup(best) ||
            (sp == case_speedup(best) && w < cfb_rcase_workers(best)))
            best = c;
    }
    return best;
}

static bool distinct_from_seq(const grp *g, const cfb_rcase *c) {
    double slo, shi, lo, hi;
    if (!g->seq || c == g->seq || !case_ci(g->seq, &slo, &shi) || !case_ci(c, &lo, &hi))
        return false;
    return hi < slo || lo > shi;
}

/* ---- text ------------------------------------------------------------------ */

typedef struct tbuf {
    char *s;
    size_t cap, len;
} tbuf;

static void tb_printf(tbuf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tb_printf(tbuf *t, const char *fmt, ...) {
    if (t->len >= t->cap) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (k > 0) t->len += (size_t)k;
    if (t->len >= t->cap) t->len = t->cap - 1;
}

static const char *mode_noun(const char *m) {
    if (!strcmp(m, "thread")) return "threads";
    if (!strcmp(m, "process")) return "processes";
    if (!strcmp(m, "mpi")) return "MPI ranks";
    return m;
}

/* "13.1x", "1.95x", "0.99x" */
static void fmt_x(char *out, size_t n, double v) {
    if (!isfinite(v))
        snprintf(out, n, "-");
    else if (v >= 100)
        snprintf(out, n, "%.0fx", v);
    else if (v >= 10)
        snprintf(out, n, "%.1fx", v);
    else
        snprintf(out, n, "%.2fx", v);
}

static const char *unit_of(const char *mode, int w) {
    /* hybrid: "workers" (in flight with a driver, inline tasks without one) */
    if (!strcmp(mode, "async")) return "in flight";
    return w == 1 ? "worker" : "workers";
}

/* "threads 13.1x at 64 workers" */
static void mode_phrase(tbuf *t, const cfb_mode_best *mb) {
    char x[32];
    fmt_x(x, sizeof x, mb->speedup);
    tb_printf(t, "%s %s at %d %s", mode_noun(mb->mode), x, mb->workers,
              unit_of(mb->mode, mb->workers));
}

static const cfb_mode_best *find_mode(const cfb_finding *f, const char *mode) {
    for (size_t i = 0; i < f->nmodes; i++)
        if (!strcmp(f->modes[i].mode, mode) && isfinite(f->modes[i].speedup)) return &f->modes[i];
    return NULL;
}

/* The parallel mode with the highest speedup (any mode but seq). */
static const cfb_mode_best *best_mode(const cfb_finding *f) {
    const cfb_mode_best *b = NULL;
    for (size_t i = 0; i < f->nmodes; i++) {
        const cfb_mode_best *mb = &f->modes[i];
        if (!strcmp(mb->mode, "seq") || !isfinite(mb->speedup)) continue;
        if (!b || mb->speedup > b->speedup) b = mb;
    }
    return b;
}

static void head(tbuf *t, const cfb_finding *f) {
    const char *kind = !strcmp(f->bound, "io")    ? ", I/O-bound"
                       : !strcmp(f->bound, "cpu") ? ", CPU-bound"
                                                  : "";
    char wl[sizeof f->workload + sizeof f->scan + 4];
    snprintf(wl, sizeof wl, "%s%s%s%s", f->workload, f->scan[0] ? " [" : "", f->scan,
             f->scan[0] ? "]" : "");
    if (f->kind == CFB_FINDING_GIL)
        tb_printf(t, "%s under the GIL (%s): ", wl, f->impl);
    else
        tb_printf(t, "%s%s%s%s%s: ", wl, kind, strcmp(f->impl, "c") ? " (" : "",
                  strcmp(f->impl, "c") ? f->impl : "", strcmp(f->impl, "c") ? ")" : "");
}

/* Mark f unsupported with why (printf-style). */
static void unsupported(cfb_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void unsupported(cfb_finding *f, const char *fmt, ...) {
    tbuf t = {f->text, sizeof f->text, 0};
    head(&t, f);
    tb_printf(&t, "not supported by the data: ");
    va_list ap;
    va_start(ap, fmt);
    if (t.len < t.cap) {
        int k = vsnprintf(t.s + t.len, t.cap - t.len, fmt, ap);
        if (k > 0) t.len += (size_t)k;
    }
    va_end(ap);
    f->supported = false;
}

/* The worker counts of g's parallel cases, "1, 2" (ascending, distinct). */
static void counts_list(const grp *g, char *out, size_t n) {
    int seen[64], ns = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (!strcmp(cfb_rcase_mode(g->cases[i]), "seq")) continue;
        int w = cfb_rcase_workers(g->cases[i]);
        bool have = false;
        for (int k = 0; k < ns; k++)
            have |= seen[k] == w;
        if (!have && ns < 64) seen[ns++] = w;
    }
    for (int a = 1; a < ns; a++) /* insertion sort: a handful of values */
        for (int b = a; b > 0 && seen[b - 1] > seen[b]; b--) {
            int tmp = seen[b];
            seen[b] = seen[b - 1];
            seen[b - 1] = tmp;
        }
    tbuf t = {out, n, 0};
    out[0] = '\0';
    for (int k = 0; k < ns; k++)
        tb_printf(&t, "%s%d", k ? ", " : "", seen[k]);
}

static int max_parallel_workers(const grp *g) {
    int m = 0;
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(cfb_rcase_mode(g->cases[i]), "seq")) {
            int w = cfb_rcase_workers(g->cases[i]);
            if (w > m) m = w;
        }
    return m;
}

/* Common preconditions: a seq case with a ci95, some parallel case. false
 * (and f marked unsupported) when they fail. */
static bool basics(cfb_finding *f, const grp *g) {
    double lo, hi;
    if (!g->seq) {
        unsupported(f, "no seq case, so no speedup (run with -m seq too)");
        return false;
    }
    if (!best_mode(f)) {
        unsupported(f, "no parallel case beside seq");
        return false;
    }
    if (!case_ci(g->seq, &lo, &hi)) {
        unsupported(f, "one repetition per case gives no confidence interval, so noise cannot "
                       "be told from a difference (run with -r 6 or more)");
        return false;
    }
    return true;
}

/* The best is not distinguishable from seq: say so, with its figures. */
static void noisy(cfb_finding *f, const cfb_mode_best *b) {
    char x[32], lo[32], hi[32];
    fmt_x(x, sizeof x, b->speedup);
    fmt_x(lo, sizeof lo, b->lo);
    fmt_x(hi, sizeof hi, b->hi);
    unsupported(f,
                "noisy: the best case (%s %s at %d %s, 95%% CI %s-%s) is not distinguishable "
                "from seq (their confidence intervals overlap)",
                mode_noun(b->mode), x, b->workers, unit_of(b->mode, b->workers), lo, hi);
}

static void io_finding(cfb_finding *f, const grp *g, int cpus) {
    if (!basics(f, g)) return;
    const cfb_mode_best *b = best_mode(f);
    int wmax = max_parallel_workers(g);
    if (cpus > 0 && wmax <= cpus) {
        char list[256];
        counts_list(g, list, sizeof list);
        unsupported(f,
                    "too few worker counts: only %s, none above the %d CPUs, so the sweep "
                    "cannot show waiting tasks scaling past the CPUs (run without -j)",
                    list, cpus);
        return;
    }
    if (!b->distinct) {
        noisy(f, b);
        return;
    }
    tbuf t = {f->text, sizeof f->text, 0};
    head(&t, f);
    /* threads, async, then the rest, as the chapter tells it */
    static const char *const order[] = {"thread", "async", "hybrid", "process", "mpi", NULL};
    int k = 0;
    for (const char *const *m = order; *m; m++) {
        const cfb_mode_best *mb = find_mode(f, *m);
        if (!mb) continue;
        tb_printf(&t, "%s", k++ ? ", " : "");
        mode_phrase(&t, mb);
    }
    const cfb_mode_best *th = find_mode(f, "thread"), *as = find_mode(f, "async"),
                        *pr = find_mode(f, "process");
    double top = fmax(th ? th->speedup : 0, as ? as->speedup : 0);
    if (pr && top > 0 && pr->speedup < 0.75 * top)
        tb_printf(&t, " (processes pay their start-up cost)");
    f->supported = true;
}

/* Returns true when no pool beats seq (then a GIL has nothing to take). */
static bool cpu_finding(cfb_finding *f, const grp *g, int cpus) {
    if (!basics(f, g)) return false;
    /* hybrid runs CPU-bound tasks inline in its processes: a pool of them */
    static const char *const pools[] = {"thread", "process", "hybrid", "mpi", NULL};
    const cfb_rcase *at = best_in(g, pools, 1, cpus > 0 ? cpus : 1 << 30);
    const cfb_rcase *past = cpus > 0 ? best_in(g, pools, cpus + 1, 1 << 30) : NULL;
    const cfb_rcase *any = best_in(g, pools, 1, 1 << 30);
    if (!any) {
        const cfb_mode_best *b = best_mode(f);
        tbuf t = {f->text, sizeof f->text, 0};
        head(&t, f);
        mode_phrase(&t, b);
        f->supported = b->distinct;
        if (!b->distinct) noisy(f, b);
        return false;
    }
    double sp = case_speedup(any);
    const char *am = cfb_rcase_mode(any);
    int aw = cfb_rcase_workers(any);
    char x[32];
    fmt_x(x, sizeof x, sp);
    if (sp < 1.1) { /* nothing to gain: a claim the noise cannot overturn */
        tbuf t = {f->text, sizeof f->text, 0};
        head(&t, f);
        tb_printf(&t,
                  "no pool beats seq (best %s, %s at %d %s): the per-task overhead outweighs "
                  "the work",
                  x, mode_noun(am), aw, unit_of(am, aw));
        f->supported = true;
        return true;
    }
    if (cpus > 0 && sp > 1.15 * cpus) { /* more than the CPUs can give: seq was disturbed */
        unsupported(f,
                    "noisy: %s (%s at %d %s) is more than %d CPUs can give CPU-bound work; the "
                    "machine's load changed during the sweep (rerun on a quiet machine)",
                    x, mode_noun(am), aw, unit_of(am, aw), cpus);
        return false;
    }
    if (!distinct_from_seq(g, any)) {
        cfb_mode_best mb;
        fill_mode(g, am, &mb);
        noisy(f, &mb);
        return false;
    }
    if (!past) {
        char list[256];
        counts_list(g, list, sizeof list);
        unsupported(f,
                    "too few worker counts: only %s, none above the %d CPUs, so a plateau "
                    "past the CPUs cannot be shown (best %s, %s at %d %s)",
                    list, cpus, x, mode_noun(am), aw, unit_of(am, aw));
        return false;
    }
    double sat = at ? case_speedup(at) : NAN, spast = case_speedup(past);
    const char *atm = at ? cfb_rcase_mode(at) : am;
    int atw = at ? cfb_rcase_workers(at) : aw;
    int pw = cfb_rcase_workers(past);
    char xa[32], xp[32];
    fmt_x(xa, sizeof xa, sat);
    fmt_x(xp, sizeof xp, spast);
    if (!isfinite(sat) || spast > 1.1 * sat) {
        unsupported(f,
                    "no plateau: past the %d CPUs it still scales (%s, %s at %d workers, against "
                    "%s at %d)",
                    cpus, xp, mode_noun(cfb_rcase_mode(past)), pw, xa, atw);
        return false;
    }
    tbuf t = {f->text, sizeof f->text, 0};
    head(&t, f);
    tb_printf(&t, "best %s (%s) at %d %s%s; more workers add nothing (%s at %d)", xa,
              mode_noun(atm), atw, unit_of(atm, atw), atw == cpus ? " = the CPUs" : "", xp, pw);
    const cfb_mode_best *as = find_mode(f, "async");
    if (as && as->speedup < 1.2) {
        char xs[32];
        fmt_x(xs, sizeof xs, as->speedup);
        tb_printf(&t, "; async %s (one thread runs them in turn)", xs);
    }
    f->supported = true;
    return false;
}

static void gil_finding(cfb_finding *f, const grp *g, int cpus) {
    if (!basics(f, g)) return;
    const cfb_mode_best *th = find_mode(f, "thread"), *pr = find_mode(f, "process");
    if (!th || !pr || th->max_workers < 2 || pr->max_workers < 2) {
        unsupported(f, "it needs thread and process cases with 2 or more workers");
        return;
    }
    if (!strcmp(f->bound, "io")) {
        if (cpus > 0 && th->max_workers <= cpus) {
            unsupported(f, "too few worker counts: no thread case above the %d CPUs", cpus);
            return;
        }
        if (!th->distinct) {
            noisy(f, th);
            return;
        }
        tbuf t = {f->text, sizeof f->text, 0};
        head(&t, f);
        tb_printf(&t, "threads still ");
        char x[32];
        fmt_x(x, sizeof x, th->speedup);
        tb_printf(&t, "%s at %d workers%s", x, th->workers,
                  th->speedup >= 2 ? ": a waiting task releases the GIL" : "");
        f->supported = true;
        return;
    }
    const cfb_mode_best *b = pr->speedup >= th->speedup ? pr : th;
    if (!b->distinct && b->speedup >= 1.1) {
        noisy(f, b);
        return;
    }
    char xt[32], xp[32];
    fmt_x(xt, sizeof xt, th->speedup);
    fmt_x(xp, sizeof xp, pr->speedup);
    tbuf t = {f->text, sizeof f->text, 0};
    head(&t, f);
    tb_printf(&t, "threads give %s at best (%d %s), processes %s at %d", xt, th->workers,
              unit_of("thread", th->workers), xp, pr->workers);
    if (th->speedup < 1.2 && pr->speedup >= 1.1 && pr->distinct)
        tb_printf(&t, ": one GIL lets one thread compute at a time; each process has its own");
    f->supported = true;
}

/* ---- the list ---------------------------------------------------------------- */

void cfb_findings_free(cfb_findings *f) {
    if (!f) return;
    free(f->items);
    free(f->groups);
    memset(f, 0, sizeof *f);
}

static int add(cfb_finding **v, size_t *n, size_t *cap, const cfb_finding *x) {
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        cfb_finding *nv = realloc(*v, nc * sizeof *nv);
        if (!nv) return -1;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = *x;
    return 0;
}

static bool gil_impl(const char *impl) {
    return !strcmp(impl, "c+gil") || !strcmp(impl, "python");
}

/* Same workload and value set (any impl). */
static bool same_set(const grp *a, const grp *b) {
    return !strcmp(a->wl, b->wl) && !strcmp(a->scan, b->scan);
}

int cfb_findings_compute(const cfb_results *doc, cfb_findings *out) {
    memset(out, 0, sizeof *out);
    if (!doc) return -1;
    int cpus = cfb_results_cpus_allowed(doc);
    if (cpus <= 0) cpus = cfb_results_cpus(doc);
    out->cpus = cpus > 0 ? cpus : 0;
    size_t nc = cfb_results_ncases(doc);
    grp *g = calloc(nc ? nc : 1, sizeof *g);
    if (!g) return -1;
    size_t ng = 0;
    int rc = 0;
    for (size_t i = 0; i < nc && !rc; i++) {
        const cfb_rcase *c = cfb_results_case(doc, i);
        if (!case_usable(c)) continue;
        const char *wl = cfb_rcase_workload(c), *impl = cfb_rcase_impl(c);
        char scan[CFB_FINDING_SCAN];
        scan_label(c, scan, sizeof scan);
        size_t k = 0;
        while (k < ng &&
               (strcmp(g[k].wl, wl) || strcmp(g[k].impl, impl) || strcmp(g[k].scan, scan)))
            k++;
        if (k == ng) {
            snprintf(g[k].scan, sizeof g[k].scan, "%s", scan);
            g[k].wl = wl;
            g[k].impl = impl;
            g[k].bound = case_bound(doc, c);
            g[k].cases = calloc(nc, sizeof *g[k].cases);
            if (!g[k].cases) {
                rc = -1;
                break;
            }
            ng++;
        }
        g[k].cases[g[k].n++] = c;
        if (!g[k].seq && cfb_rcase_is_seq(c)) g[k].seq = c;
    }
    size_t cap = 0, gcap = 0;
    for (size_t k = 0; k < ng && !rc; k++) { /* the groups' per-mode bests */
        cfb_finding f;
        memset(&f, 0, sizeof f);
        snprintf(f.workload, sizeof f.workload, "%s", g[k].wl);
        snprintf(f.impl, sizeof f.impl, "%s", g[k].impl);
        snprintf(f.bound, sizeof f.bound, "%s", g[k].bound);
        snprintf(f.scan, sizeof f.scan, "%s", g[k].scan);
        const char *modes[CFB_FINDING_MODES];
        size_t nm = 0;
        for (size_t i = 0; i < g[k].n; i++) {
            const char *m = cfb_rcase_mode(g[k].cases[i]);
            bool have = false;
            for (size_t q = 0; q < nm; q++)
                have |= !strcmp(modes[q], m);
            if (!have && nm < CFB_FINDING_MODES) modes[nm++] = m;
        }
        for (size_t a = 1; a < nm; a++) /* canonical mode order */
            for (size_t b = a; b > 0 && mode_rank(modes[b - 1]) > mode_rank(modes[b]); b--) {
                const char *t = modes[b];
                modes[b] = modes[b - 1];
                modes[b - 1] = t;
            }
        for (size_t q = 0; q < nm; q++)
            fill_mode(&g[k], modes[q], &f.modes[q]);
        f.nmodes = nm;
        rc = add(&out->groups, &out->ngroups, &gcap, &f);
    }
    /* per workload and value set (document order): its plain finding, then
     * the GIL ones */
    for (size_t k = 0; k < ng && !rc; k++) {
        bool first = true;
        for (size_t q = 0; q < k; q++)
            first &= !same_set(&g[q], &g[k]);
        if (!first) continue;
        size_t plain = ng;
        for (size_t q = k; q < ng && plain == ng; q++)
            if (same_set(&g[q], &g[k]) && !strcmp(g[q].impl, "c")) plain = q;
        for (size_t q = k; q < ng && plain == ng; q++)
            if (same_set(&g[q], &g[k]) && !gil_impl(g[q].impl)) plain = q;
        bool flat = false; /* nothing to lose under a GIL: no GIL finding */
        if (plain < ng) {
            cfb_finding f = out->groups[plain];
            if (!strcmp(f.bound, "io")) {
                f.kind = CFB_FINDING_IO_SCALING;
                io_finding(&f, &g[plain], out->cpus);
            } else if (!strcmp(f.bound, "cpu")) {
                f.kind = CFB_FINDING_CPU_PLATEAU;
                flat = cpu_finding(&f, &g[plain], out->cpus);
            } else {
                f.kind = CFB_FINDING_OTHER;
                if (basics(&f, &g[plain])) {
                    const cfb_mode_best *b = best_mode(&f);
                    char x[32];
                    fmt_x(x, sizeof x, b->speedup);
                    if (b->speedup < 1.1) { /* as for CPU-bound: nothing to gain */
                        tbuf t = {f.text, sizeof f.text, 0};
                        head(&t, &f);
                        tb_printf(&t, "no mode beats seq (best %s, %s at %d %s)", x,
                                  mode_noun(b->mode), b->workers, unit_of(b->mode, b->workers));
                        f.supported = flat = true;
                    } else if (!b->distinct) {
                        noisy(&f, b);
                    } else {
                        tbuf t = {f.text, sizeof f.text, 0};
                        head(&t, &f);
                        int n = 0;
                        for (size_t i = 0; i < f.nmodes; i++)
                            if (strcmp(f.modes[i].mode, "seq") && isfinite(f.modes[i].speedup)) {
                                tb_printf(&t, "%s", n++ ? ", " : "");
                                mode_phrase(&t, &f.modes[i]);
                            }
                        f.supported = true;
                    }
                }
            }
            rc = add(&out->items, &out->n, &cap, &f);
        }
        for (size_t q = k; q < ng && !rc && !flat; q++) {
            if (!same_set(&g[q], &g[k]) || !gil_impl(g[q].impl)) continue;
            cfb_finding f = out->groups[q];
            f.kind = CFB_FINDING_GIL;
            gil_finding(&f, &g[q], out->cpus);
            rc = add(&out->items, &out->n, &cap, &f);
        }
    }
    for (size_t k = 0; k < ng; k++)
        free(g[k].cases);
    free(g);
    return rc;
}

/* ---- the terminal summary -------------------------------------------------------- */

static void fmt_secs(char *out, size_t n, double s) {
    if (!isfinite(s))
        snprintf(out, n, "-");
    else if (s < 1e-3)
        snprintf(out, n, "%.3g us", s * 1e6);
    else if (s < 1)
        snprintf(out, n, "%.3g ms", s * 1e3);
    else
        snprintf(out, n, "%.3g s", s);
}

/* Print s wrapped at width, the first line after prefix, the others after
 * as many spaces. */
static void wrap(FILE *to, const char *prefix, const char *s, int width) {
    int indent = (int)strlen(prefix), col = indent;
    fputs(prefix, to);
    while (*s) {
        const char *e = s;
        while (*e && *e != ' ')
            e++;
        int wl = (int)(e - s);
        if (col > indent && col + 1 + wl > width) {
            fprintf(to, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', to);
            col++;
        }
        fwrite(s, 1, (size_t)wl, to);
        col += wl;
        s = e;
        while (*s == ' ')
            s++;
    }
    fputc('\n', to);
}

/* The table's three layouts, by the width they need: every column (67),
 * without the kind and with narrower columns (49), or one wrapped line per
 * row for narrower terminals. */
enum { TABLE_FULL = 67, TABLE_COMPACT = 49 };

void cfb_findings_print(FILE *to, const cfb_results *doc, int width) {
    if (width < 20) width = 20;
    cfb_findings f;
    if (cfb_findings_compute(doc, &f) || !f.ngroups) {
        cfb_findings_free(&f);
        return;
    }
    fputc('\n', to);
    wrap(to, "",
         "Summary: best speedup over seq per mode, the workers it took, and that case's "
         "median wall time.",
         width);
    if (width >= TABLE_FULL)
        fprintf(to, "%-12s %-4s %-6s %-8s %9s %10s %12s\n", "workload", "kind", "impl", "mode",
                "speedup", "at workers", "median wall");
    else if (width >= TABLE_COMPACT)
        fprintf(to, "%-10s %-5s %-7s %8s %4s %10s\n", "workload", "impl", "mode", "speedup", "at",
                "wall");
    for (size_t k = 0; k < f.ngroups; k++) {
        const cfb_finding *g = &f.groups[k];
        if (g->scan[0] && (k == 0 || strcmp(g->scan, f.groups[k - 1].scan) ||
                           strcmp(g->workload, f.groups[k - 1].workload))) {
            char line[sizeof g->workload + sizeof g->scan + 16];
            snprintf(line, sizeof line, "%s [%s]:", g->workload, g->scan);
            wrap(to, "", line, width);
        }
        for (size_t i = 0; i < g->nmodes; i++) {
            const cfb_mode_best *mb = &g->modes[i];
            char x[32], wall[32], w[16];
            fmt_x(x, sizeof x, mb->speedup);
            fmt_secs(wall, sizeof wall, mb->wall);
            if (isfinite(mb->speedup))
                snprintf(w, sizeof w, "%d", mb->workers);
            else
                snprintf(w, sizeof w, "-");
            if (width >= TABLE_FULL) {
                fprintf(to, "%-12.12s %-4s %-6.6s %-8.8s %9s %10s %12s\n", g->workload,
                        g->bound[0] ? g->bound : "?", g->impl, mb->mode, x, w, wall);
            } else if (width >= TABLE_COMPACT) {
                fprintf(to, "%-10.10s %-5.5s %-7.7s %8s %4s %10s\n", g->workload, g->impl, mb->mode,
                        x, w, wall);
            } else {
                char line[256];
                snprintf(line, sizeof line, "%s %s %s: %s at %s, %s", g->workload, g->impl,
                         mb->mode, x, w, wall);
                wrap(to, "", line, width);
            }
        }
    }
    if (f.n) fprintf(to, "\nFindings (%d CPUs):\n", f.cpus);
    for (size_t i = 0; i < f.n; i++)
        wrap(to, f.items[i].supported ? "  - " : "  ? ", f.items[i].text, width);
    cfb_findings_free(&f);
}
