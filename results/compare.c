/* compare.c — match cases, derive per-repetition metrics, decide verdicts,
 * render the report (see compare.h and docs/cli-compare.md). */
#include "compare.h"
#include "cfbench_results.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rstats.h"

/* ---- metrics ------------------------------------------------------------- */

static const struct {
    const char *name;
    const char *unit;
    int higher_is_better;
    int needs_seq; /* derived from the seq case's median wall */
} metric_info[] = {
    [CFB_METRIC_WALL] = {"wall", "s", 0, 0},
    [CFB_METRIC_CPU] = {"cpu", "s", 0, 0},
    [CFB_METRIC_THROUGHPUT] = {"throughput", "tasks/s", 1, 0},
    [CFB_METRIC_SPEEDUP] = {"speedup", "x", 1, 1},
    [CFB_METRIC_EFFICIENCY] = {"efficiency", "", 1, 1},
    [CFB_METRIC_OVERHEAD] = {"overhead", "s/task", 0, 1},
    [CFB_METRIC_INSTRUCTIONS] = {"instructions", "instr/task", 0, 0},
    [CFB_METRIC_CPUCOST] = {"cpucost", "x seq cpu", 0, 1},
};
#define NMETRICS (sizeof metric_info / sizeof metric_info[0])

int cfb_metric_parse(const char *s, cfb_metric *m) {
    for (size_t i = 0; s && i < NMETRICS; i++)
        if (!strcmp(s, metric_info[i].name)) {
            *m = (cfb_metric)i;
            return 0;
        }
    return -1;
}

const char *cfb_metric_name(cfb_metric m) {
    return (size_t)m < NMETRICS ? metric_info[m].name : "?";
}

void cfb_compare_opts_default(cfb_compare_opts *o) {
    memset(o, 0, sizeof *o);
    o->metric = CFB_METRIC_WALL;
    o->threshold = 0.05;
    o->alpha = 0.05;
    o->seed = 1;
    o->resamples = 2000;
    o->correction = 1;
}

/* The bootstrap's resample budget under the Holm correction (see
 * cfb_compare_docs): 10^7 resamples over all cases, at least 5000 a case. */
#define CFB_RESAMPLE_BUDGET 1e7
#define CFB_RESAMPLE_FLOOR 5000.0

/* ---- the report's own fields ---------------------------------------------
 *
 * The compare report is its own JSON output format (docs/cli-compare.md):
 * these read it back for the renderers, never a results document (those
 * are read through the model, results/include/cfbench_results.h). */

static const char *rstr(const json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static long long rint_(const json_t *o, const char *k, long long def) {
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? json_integer_value(v) : def;
}

/* A number field (integer or real); 0 when present and numeric. */
static int rnum(const json_t *o, const char *k, double *out) {
    json_t *v = json_object_get(o, k);
    if (!json_is_number(v)) return -1;
    *out = json_number_value(v);
    return isfinite(*out) ? 0 : -1;
}

/* ---- cases of the results model ------------------------------------------ */

static const char *str_or(const char *s) {
    return s ? s : "";
}

/* c's params as a JSON object for the report and the key, in document
 * order (a value the model holds as no string — outside the schema — as
 * null); a new reference, or NULL out of memory. */
static json_t *params_obj(const cfb_rcase *c) {
    json_t *o = json_object();
    size_t n = cfb_rcase_nparams(c);
    for (size_t i = 0; o && i < n; i++) {
        const char *v = cfb_rcase_param_value(c, i);
        if (json_object_set_new(o, str_or(cfb_rcase_param_key(c, i)),
                                v ? json_string(v) : json_null())) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

char *cfb_case_key(const cfb_rcase *c) {
    if (!c) return NULL;
    json_t *params = params_obj(c);
    char *pj = params ? json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(params);
    if (!pj) return NULL;
    const char *wl = str_or(cfb_rcase_workload(c)), *mode = str_or(cfb_rcase_mode(c)),
               *impl = cfb_rcase_impl(c);
    size_t len = strlen(wl) + strlen(mode) + strlen(impl) + strlen(pj) + 64;
    char *k = malloc(len);
    if (k) snprintf(k, len, "%s\x1f%s\x1f%d\x1f%s\x1f%s", wl, mode, cfb_rcase_workers(c), impl, pj);
    free(pj);
    return k;
}

/* ---- an index of case keys (sorted, binary search) ----------------------- */

typedef struct key_ent {
    char *key;  /* owned */
    size_t idx; /* position in the document's cases */
} key_ent;

static int cmp_key_ent(const void *a, const void *b) {
    const key_ent *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* A sorted array of (cfb_case_key, position) over a document's cases. */
typedef struct key_index {
    key_ent *e;
    size_t n;
} key_index;

static void key_index_free(key_index *ix) {
    for (size_t i = 0; ix->e && i < ix->n; i++)
        free(ix->e[i].key);
    free(ix->e);
    ix->e = NULL;
    ix->n = 0;
}

/* Index the cases of d (borrowed). 0, or -2 out of memory (ix then empty). */
static int key_index_build(const cfb_results *d, key_index *ix) {
    size_t n = cfb_results_ncases(d);
    ix->n = 0;
    ix->e = calloc(n + 1, sizeof *ix->e);
    if (!ix->e) return -2;
    for (size_t i = 0; i < n; i++) {
        if (!(ix->e[i].key = cfb_case_key(cfb_results_case(d, i)))) {
            key_index_free(ix);
            return -2;
        }
        ix->e[i].idx = i;
        ix->n = i + 1;
    }
    qsort(ix->e, ix->n, sizeof *ix->e, cmp_key_ent);
    return 0;
}

/* The first entry (lowest position) with this key, or NULL. */
static key_ent *key_index_find(const key_index *ix, const char *key) {
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ix->e[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ix->n && !strcmp(ix->e[lo].key, key) ? &ix->e[lo] : NULL;
}

/* ---- per-repetition values ----------------------------------------------- */

/* A numeric field of a repetition: true with a finite *out. */
static bool rep_num(const cfb_repetition *r, cfb_rep_field f, double *out) {
    return cfb_repetition_num(r, f, out) && isfinite(*out);
}

/* The median CPU time of c's repetitions (the reference of cpucost); NaN
 * when none has one. */
static double median_cpu(const cfb_rcase *c) {
    size_t n = cfb_rcase_nreps(c), k = 0;
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return NAN;
    for (size_t i = 0; i < n; i++)
        if (rep_num(cfb_rcase_rep(c, i), CFB_REP_CPU_S, &v[k])) k++;
    double m = k ? cfb_median(v, k) : NAN;
    free(v);
    return m;
}

/* cfb_metric_values() of case c with its seq reference seq (the model's,
 * cfb_results_seq_of; looked up by the caller, NULL: none). */
static int values_of(const cfb_rcase *c, const cfb_rcase *seq, cfb_metric m, double **out,
                     size_t *n, const char **why) {
    *out = NULL;
    *n = 0;
    size_t nreps = cfb_rcase_nreps(c);
    if (!nreps) {
        *why = cfb_rcase_error(c) ? "the case failed" : "no repetitions";
        return 1;
    }
    int workers = cfb_rcase_workers(c);
    long long tasks = cfb_rcase_tasks(c);
    double seq_med = NAN;
    if (metric_info[m].needs_seq) {
        if (cfb_rcase_is_seq(c)) {
            *why = "seq is the reference of this metric";
            return 1;
        }
        if (seq) seq_med = m == CFB_METRIC_CPUCOST ? median_cpu(seq) : cfb_rcase_median_wall(seq);
        if (!(seq_med > 0.0)) {
            *why = "no seq case to derive it from";
            return 1;
        }
    }
    if ((m == CFB_METRIC_OVERHEAD || m == CFB_METRIC_INSTRUCTIONS) && !(tasks > 0)) {
        *why = "no tasks";
        return 1;
    }
    double *v = malloc(nreps * sizeof *v);
    if (!v) return -1;
    size_t k = 0;
    for (size_t i = 0; i < nreps; i++) {
        const cfb_repetition *r = cfb_rcase_rep(c, i);
        double wall = cfb_repetition_wall_s(r), x = NAN;
        bool have_wall = isfinite(wall);
        cfb_derived dv; /* the model's formulas, for this repetition's wall time */
        (void)cfb_derived_compute(seq_med, have_wall ? wall : NAN, workers >= 1 ? workers : 0,
                                  tasks, &dv);
        switch (m) {
        case CFB_METRIC_WALL:
            if (have_wall) x = wall;
            break;
        case CFB_METRIC_CPU:
            if (!rep_num(r, CFB_REP_CPU_S, &x)) x = NAN;
            break;
        case CFB_METRIC_THROUGHPUT:
            if (!rep_num(r, CFB_REP_THROUGHPUT_TPS, &x))
                x = (have_wall && wall > 0 && tasks > 0) ? (double)tasks / wall : NAN;
            break;
        case CFB_METRIC_SPEEDUP:
            x = dv.speedup;
            break;
        case CFB_METRIC_EFFICIENCY:
            x = dv.efficiency;
            break;
        case CFB_METRIC_OVERHEAD:
            x = dv.overhead_per_task_s;
            break;
        case CFB_METRIC_CPUCOST:
            if (rep_num(r, CFB_REP_CPU_S, &x))
                x /= seq_med;
            else
                x = NAN;
            break;
        case CFB_METRIC_INSTRUCTIONS:
            if (rep_num(r, CFB_REP_INSTRUCTIONS, &x))
                x /= (double)tasks;
            else
                x = NAN;
            break;
        }
        if (isfinite(x)) v[k++] = x;
    }
    if (!k) {
        free(v);
        *why = m == CFB_METRIC_INSTRUCTIONS ? "instructions not recorded (perf_event_open refused)"
                                            : "metric missing in the repetitions";
        return 1;
    }
    *out = v;
    *n = k;
    return 0;
}

/* The public entry point (used by results/history.c), one case at a time:
 * the seq reference by cfb_results_seq_of's scan; compare itself looks
 * them all up at once (cfb_results_seq_refs). */
int cfb_metric_values(const cfb_results *doc, const cfb_rcase *c, cfb_metric m, double **out,
                      size_t *n, const char **why) {
    *out = NULL;
    *n = 0;
    if (!c || (size_t)m >= NMETRICS) {
        *why = "no such case or metric";
        return 1;
    }
    const cfb_rcase *seq = metric_info[m].needs_seq ? cfb_results_seq_of(doc, c) : NULL;
    return values_of(c, seq, m, out, n, why);
}

int cfb_metric_higher_is_better(cfb_metric m) {
    return (size_t)m < NMETRICS ? metric_info[m].higher_is_better : 0;
}

const char *cfb_metric_unit(cfb_metric m) {
    return (size_t)m < NMETRICS ? metric_info[m].unit : "";
}

static int id_selected(const cfb_rcase *c, const cfb_compare_opts *o) {
    if (!o->ncase_globs) return 1;
    for (size_t i = 0; i < o->ncase_globs; i++)
        if (!fnmatch(o->case_globs[i], str_or(cfb_rcase_id(c)), 0)) return 1;
    return 0;
}

static json_t *side_info(const cfb_results *doc, const char *label) {
    return json_pack("{s:s, s:s, s:s, s:s, s:b}", "label", label ? label : "", "commit",
                     str_or(cfb_results_tool_commit(doc)), "created",
                     str_or(cfb_results_created(doc)), "hostname",
                     str_or(cfb_results_hostname(doc)), "complete", cfb_results_complete(doc));
}

static json_t *case_ref(const cfb_rcase *c) {
    return json_pack("{s:s, s:o}", "id", str_or(cfb_rcase_id(c)), "params", params_obj(c));
}

/* ---- one case ------------------------------------------------------------ */

typedef struct verdict_counts {
    int regression, improvement, no_change, cant_tell, na;
    double log_sum;
    int nlog;
} verdict_counts;

/* One matched case between the two phases. */
typedef struct prep {
    json_t *row;   /* borrowed from the rows array */
    double *x, *y; /* owned: per-repetition values, BASE and NEW */
    size_t nx, ny;
    int valid; /* both sides have positive values: a ratio exists */
    cfb_mwu u;
    double p_adj; /* Holm-adjusted p (= u.p without correction) */
    char note[160];
} prep;

static long long need_from_ci(double fhat, double flo, double fhi, double t, size_t n,
                              size_t nmin) {
    double band_hi = log1p(t), band_lo = -log1p(t), lf = log(fhat);
    double d = fmin(fabs(lf - band_hi), fabs(lf - band_lo));
    double hw = 0.5 * (log(fhi) - log(flo));
    double need = d > 0 ? ceil((double)n * (hw / d) * (hw / d)) : 1e9;
    if (need < (double)(n + 1)) need = (double)(n + 1);
    if (need < (double)nmin) need = (double)nmin;
    return need > 1e9 ? 1000000000LL : (long long)need;
}

/* The fewest repetitions per side a verdict may rest on: below, the
 * percentile bootstrap interval of the median ratio under-covers (measured
 * by tests/compare/test_boot_coverage.c at a nominal 95%: 90% at n = 3,
 * 93% at n = 4, 96-97% from n = 5), so the verdict is "can't tell: need >= 5"
 * (docs/cli-compare.md). */
#define CFB_BOOT_MIN_N 5

/* The most repetitions per side "can't tell" ever asks for; above it the
 * note says the noise is too high for this threshold instead. */
#define CFB_NEED_CAP 200

/* Coefficient of variation (sample sd / mean) of v[0..n-1]; 0 when n < 2. */
static double cv_of(const double *v, size_t n) {
    if (n < 2) return 0.0;
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    double mean = s / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    return mean != 0 ? sqrt(ss / (double)(n - 1)) / fabs(mean) : 0.0;
}

/* Phase 1: the per-repetition values of both sides, the medians and the U
 * test. 0, or -2 out of memory. */
static int prepare_case(const cfb_rcase *bc, const cfb_rcase *bseq, const cfb_rcase *nc,
                        const cfb_rcase *nseq, const cfb_compare_opts *o, prep *pc) {
    const char *why = NULL;
    int rb = values_of(bc, bseq, o->metric, &pc->x, &pc->nx, &why);
    int rn = rb ? 0 : values_of(nc, nseq, o->metric, &pc->y, &pc->ny, &why);
    if (rb < 0 || rn < 0) return -2;
    json_object_set_new(pc->row, "base",
                        json_pack("{s:I, s:o}", "n", (json_int_t)pc->nx, "median",
                                  pc->nx ? json_real(cfb_median(pc->x, pc->nx)) : json_null()));
    json_object_set_new(pc->row, "new",
                        json_pack("{s:I, s:o}", "n", (json_int_t)pc->ny, "median",
                                  pc->ny ? json_real(cfb_median(pc->y, pc->ny)) : json_null()));
    if (rb || rn) {
        if (cfb_rcase_is_seq(bc) && metric_info[o->metric].needs_seq)
            snprintf(pc->note, sizeof pc->note, "%s", why);
        else
            snprintf(pc->note, sizeof pc->note, "%s in %s", why, rb ? "BASE" : "NEW");
        return 0;
    }
    for (size_t i = 0; i < pc->nx; i++)
        if (!(pc->x[i] > 0)) {
            snprintf(pc->note, sizeof pc->note, "values <= 0 in BASE: no ratio");
            return 0;
        }
    for (size_t j = 0; j < pc->ny; j++)
        if (!(pc->y[j] > 0)) {
            snprintf(pc->note, sizeof pc->note, "values <= 0 in NEW: no ratio");
            return 0;
        }
    if (cfb_mwu_test(pc->x, pc->nx, pc->y, pc->ny, &pc->u)) return -2;
    pc->valid = 1;
    pc->p_adj = pc->u.p;
    return 0;
}

static int cmp_prep_p(const void *a, const void *b) {
    double x = (*(prep *const *)a)->u.p, y = (*(prep *const *)b)->u.p;
    return (x > y) - (x < y);
}

/* Holm's step-down adjustment over the m valid cases. 0 or -2. */
static int holm_adjust(prep *pcs, size_t n, size_t m) {
    prep **order = malloc((m ? m : 1) * sizeof *order);
    if (!order) return -2;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (pcs[i].valid) order[k++] = &pcs[i];
    qsort(order, m, sizeof *order, cmp_prep_p);
    double run = 0.0;
    for (size_t i = 0; i < m; i++) {
        double adj = fmin(1.0, (double)(m - i) * order[i]->u.p);
        run = fmax(run, adj);
        order[i]->p_adj = run;
    }
    free(order);
    return 0;
}

/* Phase 2: interval and verdict for one case. level: the CI level; alpha_case:
 * the per-case level the smallest achievable p must reach (alpha / m). */
static int decide_case(prep *pc, const cfb_compare_opts *o, double level, double alpha_case,
                       size_t resamples, cfb_rng *rng, cfb_boot_ws *ws, verdict_counts *vc) {
    json_t *row = pc->row;
    const char *verdict = "n/a";
    json_t *need = json_null();
    if (!pc->valid) goto done;

    double ratio, lo, hi;
    if (cfb_bootstrap_ratio_ci_ws(pc->x, pc->nx, pc->y, pc->ny, resamples, level, rng, ws, &ratio,
                                  &lo, &hi))
        return -2;
    json_object_set_new(row, "ratio", json_real(ratio));
    json_object_set_new(row, "ci95", json_pack("[f, f]", lo, hi));
    json_object_set_new(row, "p_value", json_real(pc->u.p));
    json_object_set_new(row, "p_adjusted", json_real(pc->p_adj));
    json_object_set_new(row, "test",
                        json_string(pc->u.method == CFB_MWU_EXACT ? "exact" : "normal"));
    vc->log_sum += log(ratio);
    vc->nlog++;

    int hib = metric_info[o->metric].higher_is_better;
    double f = hib ? 1.0 / ratio : ratio, flo = hib ? 1.0 / hi : lo, fhi = hib ? 1.0 / lo : hi;
    double up = 1.0 + o->threshold, down = 1.0 / (1.0 + o->threshold);
    size_t nmin = cfb_mwu_reps_for_alpha(alpha_case);
    if (nmin < CFB_BOOT_MIN_N) nmin = CFB_BOOT_MIN_N;
    int sig = pc->p_adj < o->alpha;
    if (cfb_mwu_min_p(pc->nx, pc->ny) > alpha_case || pc->nx < CFB_BOOT_MIN_N ||
        pc->ny < CFB_BOOT_MIN_N) {
        verdict = "can't tell";
        need = json_integer((json_int_t)nmin);
        snprintf(pc->note, sizeof pc->note, "need >= %zu repetitions per side, have %zu and %zu",
                 nmin, pc->nx, pc->ny);
    } else if (sig && flo > up) {
        verdict = "regression";
    } else if (sig && fhi < down) {
        verdict = "improvement";
    } else if (flo >= down && fhi <= up) {
        verdict = "no change";
    } else {
        size_t n = pc->nx > pc->ny ? pc->nx : pc->ny;
        long long k = need_from_ci(f, flo, fhi, o->threshold, n, nmin);
        double cvb = 100.0 * cv_of(pc->x, pc->nx), cvn = 100.0 * cv_of(pc->y, pc->ny);
        verdict = "can't tell";
        if (k <= CFB_NEED_CAP) {
            need = json_integer(k);
            snprintf(pc->note, sizeof pc->note,
                     "need >= %lld repetitions per side, have %zu and %zu; noise CV %.1f%% / "
                     "%.1f%%",
                     k, pc->nx, pc->ny, cvb, cvn);
        } else {
            snprintf(pc->note, sizeof pc->note,
                     "noise too high for a %g%% threshold here: CV %.1f%% / %.1f%%, CI "
                     "[%.3f, %.3f]; more than %d repetitions per side would be needed",
                     o->threshold * 100.0, cvb, cvn, lo, hi, CFB_NEED_CAP);
        }
    }
    json_object_set_new(
        row, "noise_cv",
        json_pack("{s:f, s:f}", "base", cv_of(pc->x, pc->nx), "new", cv_of(pc->y, pc->ny)));
done:
    if (!strcmp(verdict, "regression"))
        vc->regression++;
    else if (!strcmp(verdict, "improvement"))
        vc->improvement++;
    else if (!strcmp(verdict, "no change"))
        vc->no_change++;
    else if (!strcmp(verdict, "can't tell"))
        vc->cant_tell++;
    else
        vc->na++;
    if (!json_object_get(row, "ratio")) {
        json_object_set_new(row, "ratio", json_null());
        json_object_set_new(row, "ci95", json_null());
        json_object_set_new(row, "p_value", json_null());
        json_object_set_new(row, "p_adjusted", json_null());
        json_object_set_new(row, "test", json_null());
    }
    json_object_set_new(row, "verdict", json_string(verdict));
    json_object_set_new(row, "need_repetitions", need);
    json_object_set_new(row, "note", *pc->note ? json_string(pc->note) : json_null());
    return 0;
}

/* ---- why nothing matched ------------------------------------------------- *
 *
 * When no case of BASE matches one of NEW, the error says why, on one line
 * of sentences: the parameters (or impl) that differ between cases of the
 * same workload, mode and workers; the workload, mode, worker and impl
 * lists when they differ; and a few ids found on one side only. */

/* A growing one-line message: appends are cut at the buffer's end. */
typedef struct msgbuf {
    char *s;
    size_t len, cap;
} msgbuf;

static void msg_add(msgbuf *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg_add(msgbuf *m, const char *fmt, ...) {
    if (m->len + 1 >= m->cap) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(m->s + m->len, m->cap - m->len, fmt, ap);
    va_end(ap);
    if (n > 0) m->len += (size_t)n < m->cap - m->len ? (size_t)n : m->cap - m->len - 1;
}

/* A value for the message (out, len bytes): control characters as '?',
 * cut to 40 bytes with "...", quoted when empty or holding ',', ';' or a
 * space (primes.numbers=2,3,5; flags.codes=CN IN). NULL: "unset". */
static void show_value(char *out, size_t len, const char *v) {
    if (!v) {
        snprintf(out, len, "unset");
        return;
    }
    bool quote = !*v || strpbrk(v, ",; ") != NULL;
    char body[64];
    size_t k = 0, n = strlen(v);
    for (size_t i = 0; i < n && k < 40; i++)
        body[k++] = (unsigned char)v[i] < 0x20 || v[i] == 0x7f ? '?' : v[i];
    body[k] = '\0';
    snprintf(out, len, "%s%s%s%s", quote ? "'" : "", body, n > 40 ? "..." : "", quote ? "'" : "");
}

/* Whether case c has a param named key (whatever its value). */
static bool has_param(const cfb_rcase *c, const char *key) {
    size_t n = cfb_rcase_nparams(c);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(str_or(cfb_rcase_param_key(c, i)), key)) return true;
    return false;
}

/* A small set of distinct strings, in first-seen order. */
typedef struct strset {
    char **v;
    size_t n, cap;
} strset;

static bool set_has(const strset *st, const char *x) {
    for (size_t i = 0; i < st->n; i++)
        if (!strcmp(st->v[i], x)) return true;
    return false;
}

/* Add a copy of x unless present. 0, or -1 when out of memory. */
static int set_add(strset *st, const char *x) {
    if (set_has(st, x)) return 0;
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 8;
        char **v = realloc(st->v, cap * sizeof *v);
        if (!v) return -1;
        st->v = v;
        st->cap = cap;
    }
    if (!(st->v[st->n] = strdup(x))) return -1;
    st->n++;
    return 0;
}

static void set_free(strset *st) {
    for (size_t i = 0; i < st->n; i++)
        free(st->v[i]);
    free(st->v);
    memset(st, 0, sizeof *st);
}

static bool sets_equal(const strset *a, const strset *b) {
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++)
        if (!set_has(b, a->v[i])) return false;
    return true;
}

static int by_number(const void *a, const void *b) {
    long long x = atoll(*(char *const *)a), y = atoll(*(char *const *)b);
    return (x > y) - (x < y);
}

/* "a,b,c" of a set, at most 8 items then ",... (N)"; numeric sets (the
 * worker counts) in ascending order */
static void set_join(msgbuf *m, strset *st, bool numeric) {
    if (numeric) qsort(st->v, st->n, sizeof *st->v, by_number);
    for (size_t i = 0; i < st->n && i < 8; i++) {
        char v[64];
        show_value(v, sizeof v, st->v[i]);
        msg_add(m, "%s%s", i ? "," : "", v);
    }
    if (st->n > 8) msg_add(m, ",... (%zu)", st->n);
}

/* The differences between two cases of the same workload (borrowed) as
 * "KEY: VB in BASE, VN in NEW" strings into diffs: their params, and with
 * impl non-NULL their impls (*impl set when they differ). 0, or -1 when
 * out of memory. */
static int case_diffs(const cfb_rcase *b, const cfb_rcase *n, strset *diffs, bool *impl) {
    const char *ib = cfb_rcase_impl(b), *in = cfb_rcase_impl(n);
    char item[256], vb[64], vn[64];
    if (impl && strcmp(ib, in)) {
        show_value(vb, sizeof vb, ib);
        show_value(vn, sizeof vn, in);
        snprintf(item, sizeof item, "impl: %s in BASE, %s in NEW", vb, vn);
        if (set_add(diffs, item)) return -1;
        *impl = true;
    }
    const char *wl = str_or(cfb_rcase_workload(b));
    for (int side = 0; side < 2; side++) {
        const cfb_rcase *from = side ? n : b, *other = side ? b : n;
        size_t np = cfb_rcase_nparams(from);
        for (size_t i = 0; i < np; i++) {
            const char *key = str_or(cfb_rcase_param_key(from, i));
            if (side && has_param(other, key)) continue; /* done from BASE */
            /* a value that is no string (outside the schema) shows as unset */
            const char *xb = cfb_rcase_param(b, key), *xn = cfb_rcase_param(n, key);
            if (!(xb && xn && !strcmp(xb, xn))) {
                show_value(vb, sizeof vb, xb);
                show_value(vn, sizeof vn, xn);
                snprintf(item, sizeof item, "%s%s%.60s: %s in BASE, %s in NEW", wl, *wl ? "." : "",
                         key, vb, vn);
                if (set_add(diffs, item)) return -1;
            }
        }
    }
    return 0;
}

/* The dimension sets of one side's selected cases. */
typedef struct dims {
    strset workload, mode, workers, impl, id;
    size_t n;
} dims;

static int dims_build(const cfb_results *doc, const cfb_compare_opts *o, dims *d) {
    memset(d, 0, sizeof *d);
    size_t nc = cfb_results_ncases(doc);
    for (size_t i = 0; i < nc; i++) {
        const cfb_rcase *c = cfb_results_case(doc, i);
        if (!id_selected(c, o)) continue;
        d->n++;
        char w[32];
        snprintf(w, sizeof w, "%d", cfb_rcase_workers(c));
        if (set_add(&d->workload, str_or(cfb_rcase_workload(c))) ||
            set_add(&d->mode, str_or(cfb_rcase_mode(c))) || set_add(&d->workers, w) ||
            set_add(&d->impl, cfb_rcase_impl(c)) || set_add(&d->id, str_or(cfb_rcase_id(c))))
            return -1;
    }
    return 0;
}

static void dims_free(dims *d) {
    set_free(&d->workload);
    set_free(&d->mode);
    set_free(&d->workers);
    set_free(&d->impl);
    set_free(&d->id);
}

/* " Only in BASE: a, b, c (+N more)." for the ids of `of` not in `other` */
static void only_ids(msgbuf *m, const char *side, const strset *of, const strset *other) {
    size_t shown = 0, more = 0;
    for (size_t i = 0; i < of->n; i++) {
        if (set_has(other, of->v[i])) continue;
        if (shown == 3) {
            more++;
            continue;
        }
        char v[64];
        show_value(v, sizeof v, of->v[i]);
        msg_add(m, "%s%s", shown ? ", " : " Only in ", shown ? "" : side);
        msg_add(m, "%s%s", shown ? "" : ": ", v);
        shown++;
    }
    if (more) msg_add(m, " (+%zu more)", more);
    if (shown) msg_add(m, ".");
}

static bool same_wl(const cfb_rcase *b, const cfb_rcase *n) {
    return !strcmp(str_or(cfb_rcase_workload(b)), str_or(cfb_rcase_workload(n)));
}

/* Append to m why no case of base matches one of new_doc (both borrowed).
 * 0, or -1 when out of memory. */
static int explain_no_match(const cfb_results *base, const cfb_results *new_doc,
                            const cfb_compare_opts *o, msgbuf *m) {
    dims db, dn;
    strset diffs = {0};
    int rc = -1;
    if (dims_build(base, o, &db) | dims_build(new_doc, o, &dn)) goto out;
    if (o->ncase_globs && (!db.n || !dn.n)) {
        msg_add(m, " --case selects no case in %s.",
                !db.n && !dn.n ? "either file"
                : !db.n        ? "BASE"
                               : "NEW");
        rc = 0;
        goto out;
    }
    /* pairs of the same workload, mode and workers: what differs? */
    bool impl = false;
    size_t pairs = 0, nb = cfb_results_ncases(base), nn = cfb_results_ncases(new_doc);
    for (size_t i = 0; i < nb; i++) {
        const cfb_rcase *b = cfb_results_case(base, i);
        if (!id_selected(b, o)) continue;
        for (size_t j = 0; j < nn; j++) {
            const cfb_rcase *n = cfb_results_case(new_doc, j);
            if (!id_selected(n, o) || !same_wl(b, n) ||
                strcmp(str_or(cfb_rcase_mode(b)), str_or(cfb_rcase_mode(n))) ||
                cfb_rcase_workers(b) != cfb_rcase_workers(n))
                continue;
            pairs++;
            if (case_diffs(b, n, &diffs, &impl)) goto out;
            break; /* one partner per BASE case is enough */
        }
    }
    if (diffs.n) {
        bool params = diffs.n > (impl ? 1u : 0u);
        msg_add(m, " Same workload, mode and workers, different %s",
                params && impl ? "parameters and impl: "
                : params       ? "parameters: "
                               : "");
        for (size_t k = 0; k < diffs.n && k < 4; k++)
            msg_add(m, "%s%s", k ? "; " : "", diffs.v[k]);
        if (diffs.n > 4) msg_add(m, " (+%zu more)", diffs.n - 4);
        msg_add(m, ".");
    }
    struct {
        const char *name;
        strset *b, *n;
    } dim[] = {{"workloads", &db.workload, &dn.workload},
               {"modes", &db.mode, &dn.mode},
               {"workers", &db.workers, &dn.workers},
               {"impls", &db.impl, &dn.impl}};
    for (size_t k = 0; k < sizeof dim / sizeof dim[0]; k++) {
        if (sets_equal(dim[k].b, dim[k].n) || (k == 3 && impl)) continue;
        msg_add(m, " %c%s: ", dim[k].name[0] - 'a' + 'A', dim[k].name + 1);
        set_join(m, dim[k].b, k == 2);
        msg_add(m, " in BASE, ");
        set_join(m, dim[k].n, k == 2);
        msg_add(m, " in NEW.");
    }
    if (!pairs) { /* no case to pair: do the parameters of a workload differ too? */
        for (size_t i = 0; i < nb; i++) {
            const cfb_rcase *b = cfb_results_case(base, i);
            if (!id_selected(b, o)) continue;
            for (size_t j = 0; j < nn; j++) {
                const cfb_rcase *n = cfb_results_case(new_doc, j);
                if (!id_selected(n, o) || !same_wl(b, n)) continue;
                if (case_diffs(b, n, &diffs, NULL)) goto out;
                break;
            }
        }
        if (diffs.n) {
            msg_add(m, " Parameters differ too: ");
            for (size_t k = 0; k < diffs.n && k < 4; k++)
                msg_add(m, "%s%s", k ? "; " : "", diffs.v[k]);
            if (diffs.n > 4) msg_add(m, " (+%zu more)", diffs.n - 4);
            msg_add(m, ".");
        }
    }
    only_ids(m, "BASE", &db.id, &dn.id);
    only_ids(m, "NEW", &dn.id, &db.id);
    if (!pairs && !diffs.n && sets_equal(&db.id, &dn.id) && db.n)
        msg_add(m, " The same case ids, with different keys (workload, mode, workers, impl).");
    rc = 0;
out:
    dims_free(&db);
    dims_free(&dn);
    set_free(&diffs);
    return rc;
}

/* ---- the comparison ------------------------------------------------------ */

int cfb_compare_docs(const cfb_results *base, const cfb_results *new_doc, const char *base_label,
                     const char *new_label, const cfb_compare_opts *o, json_t **report, char *err,
                     size_t errlen) {
    *report = NULL;
    if (!base || !new_doc || !o) {
        snprintf(err, errlen, "no results document to compare");
        return -1;
    }
    size_t nb = cfb_results_ncases(base), nn = cfb_results_ncases(new_doc);
    char **bkeys = calloc(nb + 1, sizeof *bkeys);
    char *matched_new = calloc(nn + 1, 1);
    json_t *rep = json_object(), *rows = json_array(), *only_b = json_array(),
           *only_n = json_array();
    prep *pcs = calloc(nb + 1, sizeof *pcs);
    /* NEW's cases by matching key in a sorted index (a group of equal keys
     * is consumed in document order through ncur, as the first unmatched
     * NEW case with the key), and each side's seq references, all looked up
     * at once by the model (cfb_results_seq_refs). */
    key_index nix = {0};
    size_t *ncur = calloc(nn + 1, sizeof *ncur);
    const cfb_rcase **bref = NULL, **nref = NULL;
    cfb_boot_ws ws = {0};
    int rc = -2;
    if (!bkeys || !matched_new || !rep || !rows || !only_b || !only_n || !pcs || !ncur) goto out;
    for (size_t i = 0; i < nb; i++)
        if (!(bkeys[i] = cfb_case_key(cfb_results_case(base, i)))) goto out;
    if (key_index_build(new_doc, &nix)) goto out;
    if (metric_info[o->metric].needs_seq) {
        bref = calloc(nb + 1, sizeof *bref);
        nref = calloc(nn + 1, sizeof *nref);
        if (!bref || !nref || cfb_results_seq_refs(base, bref) ||
            cfb_results_seq_refs(new_doc, nref))
            goto out;
    }

    cfb_rng rng;
    cfb_rng_seed(&rng, o->seed);
    verdict_counts vc = {0};
    size_t matched = 0;
    for (size_t i = 0; i < nb; i++) {
        const cfb_rcase *bc = cfb_results_case(base, i);
        if (!id_selected(bc, o)) continue;
        key_ent *e = key_index_find(&nix, bkeys[i]);
        size_t g = e ? (size_t)(e - nix.e) : 0;
        if (!e || g + ncur[g] >= nix.n || strcmp(nix.e[g + ncur[g]].key, bkeys[i])) {
            if (json_array_append_new(only_b, case_ref(bc))) goto out;
            continue;
        }
        size_t j = nix.e[g + ncur[g]++].idx;
        matched_new[j] = 1;
        matched++;
        const cfb_rcase *nc = cfb_results_case(new_doc, j);
        json_t *row =
            json_pack("{s:s, s:s, s:s, s:I, s:s, s:o}", "id", str_or(cfb_rcase_id(bc)), "workload",
                      str_or(cfb_rcase_workload(bc)), "mode", str_or(cfb_rcase_mode(bc)), "workers",
                      (json_int_t)cfb_rcase_workers(bc), "impl", cfb_rcase_impl(bc), "params",
                      params_obj(bc));
        if (!row || json_array_append_new(rows, row)) goto out;
        pcs[matched - 1].row = row;
        if (prepare_case(bc, bref ? bref[i] : NULL, nc, nref ? nref[j] : NULL, o,
                         &pcs[matched - 1]))
            goto out;
    }
    /* Phase 2: m cases have a ratio. With the Holm correction (default)
     * the p-values are adjusted for m tests and each interval is made at
     * 1 - alpha/m (Bonferroni), so that the family of verdicts keeps the
     * false-alarm rate at alpha, not m x alpha. */
    size_t m = 0;
    for (size_t k = 0; k < matched; k++)
        m += (size_t)pcs[k].valid;
    double level = 0.95, alpha_case = o->alpha;
    size_t resamples = o->resamples;
    if (o->correction && m > 1) {
        if (holm_adjust(pcs, matched, m)) goto out;
        alpha_case = o->alpha / (double)m;
        level = 1.0 - 0.05 / (double)m;
        /* At least ~10 resamples beyond each end of the interval, within a
         * budget of CFB_RESAMPLE_BUDGET resamples over all m cases (and
         * never fewer than CFB_RESAMPLE_FLOOR per case). When the budget
         * caps the resamples, the interval is made at the level they can
         * estimate with 10 beyond each end, 1 - 20 / resamples, and that
         * level is what the report states (docs/cli-compare.md, "accuracy"). */
        double want = ceil(20.0 / (1.0 - level));
        double cap = fmax(CFB_RESAMPLE_FLOOR, floor(CFB_RESAMPLE_BUDGET / (double)m));
        if ((double)resamples < want) resamples = (size_t)fmin(want, cap);
        if ((double)resamples < want) level = 1.0 - 20.0 / (double)resamples;
    }
    for (size_t k = 0; k < matched; k++)
        if (decide_case(&pcs[k], o, level, alpha_case, resamples, &rng, &ws, &vc)) goto out;
    for (size_t j = 0; j < nn; j++) {
        const cfb_rcase *nc = cfb_results_case(new_doc, j);
        if (!matched_new[j] && id_selected(nc, o) && json_array_append_new(only_n, case_ref(nc)))
            goto out;
    }
    if (!matched) {
        msgbuf mb = {err, 0, errlen};
        msg_add(&mb, "no case in common between BASE (%zu case%s) and NEW (%zu case%s)%s.", nb,
                nb == 1 ? "" : "s", nn, nn == 1 ? "" : "s",
                o->ncase_globs ? " among the selected ones" : "");
        size_t head = mb.len;
        if (explain_no_match(base, new_doc, o, &mb)) goto out;
        if (mb.len == head && head && err[head - 1] == '.') err[head - 1] = '\0';
        rc = -1;
        goto out;
    }
    if (vc.na == (int)matched) {
        const char *why = json_string_value(
            json_object_get(json_array_get(rows, json_array_size(rows) - 1), "note"));
        snprintf(err, errlen, "metric '%s' is not available in any of the %zu cases in common (%s)",
                 cfb_metric_name(o->metric), matched, why ? why : "?");
        rc = -1;
        goto out;
    }
    json_t *geo = vc.nlog ? json_real(exp(vc.log_sum / vc.nlog)) : json_null();
    json_object_set_new(rep, "schema", json_string("cfbench-compare"));
    json_object_set_new(rep, "schema_version", json_integer(1));
    json_object_set_new(rep, "metric", json_string(cfb_metric_name(o->metric)));
    json_object_set_new(rep, "unit", json_string(metric_info[o->metric].unit));
    json_object_set_new(rep, "higher_is_better",
                        json_boolean(metric_info[o->metric].higher_is_better));
    json_object_set_new(rep, "threshold", json_real(o->threshold));
    json_object_set_new(rep, "alpha", json_real(o->alpha));
    json_object_set_new(rep, "seed", json_integer((json_int_t)o->seed));
    json_object_set_new(rep, "resamples", json_integer((json_int_t)resamples));
    json_object_set_new(rep, "correction", json_string(o->correction && m > 1 ? "holm" : "none"));
    json_object_set_new(rep, "family_size", json_integer((json_int_t)m));
    json_object_set_new(rep, "ci_level_per_case", json_real(level));
    json_object_set_new(rep, "base", side_info(base, base_label));
    json_object_set_new(rep, "new", side_info(new_doc, new_label));
    json_object_set_new(rep, "cases", rows);
    json_object_set_new(rep, "only_base", only_b);
    json_object_set_new(rep, "only_new", only_n);
    rows = only_b = only_n = NULL;
    json_object_set_new(
        rep, "summary",
        json_pack("{s:I, s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:o}", "compared", (json_int_t)matched,
                  "regressions", vc.regression, "improvements", vc.improvement, "no_change",
                  vc.no_change, "cant_tell", vc.cant_tell, "na", vc.na, "only_base",
                  (json_int_t)json_array_size(json_object_get(rep, "only_base")), "only_new",
                  (json_int_t)json_array_size(json_object_get(rep, "only_new")), "geomean_ratio",
                  geo));
    *report = rep;
    rep = NULL;
    rc = 0;
out:
    if (rc == -2) snprintf(err, errlen, "out of memory");
    for (size_t i = 0; bkeys && i < nb; i++)
        free(bkeys[i]);
    free(bkeys);
    key_index_free(&nix);
    free(bref);
    free(nref);
    free(ncur);
    cfb_boot_ws_free(&ws);
    free(matched_new);
    for (size_t k = 0; pcs && k < nb; k++) {
        free(pcs[k].x);
        free(pcs[k].y);
    }
    free(pcs);
    json_decref(rep);
    json_decref(rows);
    json_decref(only_b);
    json_decref(only_n);
    return rc;
}

int cfb_compare_regressions(const json_t *report) {
    return (int)rint_(json_object_get(report, "summary"), "regressions", 0);
}

/* ---- rendering ----------------------------------------------------------- */

static void fmt_num(char *buf, size_t len, const json_t *v) {
    if (json_is_number(v))
        snprintf(buf, len, "%.4g", json_number_value(v));
    else
        snprintf(buf, len, "-");
}

static void fmt_p(char *buf, size_t len, const json_t *v) {
    if (!json_is_number(v))
        snprintf(buf, len, "-");
    else if (json_number_value(v) < 0.0001)
        snprintf(buf, len, "<0.0001");
    else
        snprintf(buf, len, "%.4f", json_number_value(v));
}

static void fmt_ci(char *buf, size_t len, const json_t *ci) {
    if (json_array_size(ci) == 2)
        snprintf(buf, len, "[%.3f, %.3f]", json_number_value(json_array_get(ci, 0)),
                 json_number_value(json_array_get(ci, 1)));
    else
        snprintf(buf, len, "-");
}

static void fmt_ratio(char *buf, size_t len, const json_t *v) {
    if (json_is_number(v))
        snprintf(buf, len, "%.3f", json_number_value(v));
    else
        snprintf(buf, len, "-");
}

/* The formatted cells of one case row, shared by the text and markdown tables. */
typedef struct row_cells {
    char base[32], new_[32], ratio[32], ci[48], p[32];
} row_cells;

static void fmt_row(const json_t *r, row_cells *c) {
    fmt_num(c->base, sizeof c->base, json_object_get(json_object_get(r, "base"), "median"));
    fmt_num(c->new_, sizeof c->new_, json_object_get(json_object_get(r, "new"), "median"));
    fmt_ratio(c->ratio, sizeof c->ratio, json_object_get(r, "ratio"));
    fmt_ci(c->ci, sizeof c->ci, json_object_get(r, "ci95"));
    fmt_p(c->p, sizeof c->p, json_object_get(r, "p_adjusted"));
}

static void summary_line(const json_t *rep, char *buf, size_t len) {
    json_t *s = json_object_get(rep, "summary");
    snprintf(buf, len,
             "%lld compared: %lld regression%s, %lld improvement%s, %lld no change, %lld can't "
             "tell, %lld n/a; %lld only in BASE, %lld only in NEW",
             rint_(s, "compared", 0), rint_(s, "regressions", 0),
             rint_(s, "regressions", 0) == 1 ? "" : "s", rint_(s, "improvements", 0),
             rint_(s, "improvements", 0) == 1 ? "" : "s", rint_(s, "no_change", 0),
             rint_(s, "cant_tell", 0), rint_(s, "na", 0), rint_(s, "only_base", 0),
             rint_(s, "only_new", 0));
}

static void header_line(const json_t *rep, char *buf, size_t len) {
    const char *unit = rstr(rep, "unit");
    double t = 0, a = 0;
    rnum(rep, "threshold", &t);
    rnum(rep, "alpha", &a);
    char corr[96] = "";
    if (!strcmp(rstr(rep, "correction"), "holm"))
        snprintf(corr, sizeof corr, "; p Holm-adjusted over %lld cases, CIs simultaneous 95%%",
                 rint_(rep, "family_size", 0));
    snprintf(buf, len, "metric %s%s%s%s (%s is better), threshold %g%%, alpha %g%s",
             rstr(rep, "metric"), *unit ? " [" : "", unit, *unit ? "]" : "",
             json_is_true(json_object_get(rep, "higher_is_better")) ? "higher" : "lower", t * 100.0,
             a, corr);
}

static void side_line(FILE *out, const char *prefix, const json_t *side, const char *what) {
    fprintf(out, "%s%s %s (commit %s, %s, host %s)%s\n", prefix, what, rstr(side, "label"),
            rstr(side, "commit"), rstr(side, "created"), rstr(side, "hostname"),
            json_is_true(json_object_get(side, "complete")) ? "" : " — INCOMPLETE run");
}

static void params_text(const json_t *params, char *buf, size_t len) {
    const char *k;
    json_t *v;
    size_t used = 0;
    buf[0] = 0;
    json_object_foreach((json_t *)params, k, v) {
        const char *s = json_string_value(v);
        char num[32] = "";
        if (!s) {
            fmt_num(num, sizeof num, v);
            s = num;
        }
        int w = snprintf(buf + used, len - used, "%s%s=%s", used ? "," : "", k, s);
        if (w < 0 || (size_t)w >= len - used) break;
        used += (size_t)w;
    }
}

static void one_side_lists(FILE *out, const json_t *rep, int md) {
    const char *names[2] = {"only_base", "only_new"}, *what[2] = {"BASE", "NEW"};
    for (int s = 0; s < 2; s++) {
        json_t *list = json_object_get(rep, names[s]), *c;
        size_t i;
        if (!json_array_size(list)) continue;
        fprintf(out, "%sonly in %s:", md ? "\n**" : "", what[s]);
        if (md) fprintf(out, "**");
        json_array_foreach(list, i, c) {
            char p[256];
            params_text(json_object_get(c, "params"), p, sizeof p);
            fprintf(out, "%s %s%s%s%s%s", i ? "," : "", md ? "`" : "", rstr(c, "id"),
                    *p ? " {" : "", p, *p ? "}" : "");
            if (md) fprintf(out, "`");
        }
        fprintf(out, "\n");
    }
}

int cfb_compare_render_text(const json_t *rep, FILE *out) {
    char line[512];
    header_line(rep, line, sizeof line);
    fprintf(out, "cfbench compare: %s\n", line);
    side_line(out, "", json_object_get(rep, "base"), "BASE");
    side_line(out, "", json_object_get(rep, "new"), "NEW ");
    json_t *rows = json_object_get(rep, "cases"), *r;
    size_t i, idw = 14;
    json_array_foreach(rows, i, r) {
        size_t l = strlen(rstr(r, "id"));
        if (l > idw) idw = l;
    }
    fprintf(out, "\n%-*s  %11s  %11s  %8s  %-18s  %8s  %s\n", (int)idw, "case", "BASE median",
            "NEW median", "NEW/BASE", "95% CI", "p", "verdict");
    json_array_foreach(rows, i, r) {
        row_cells c;
        fmt_row(r, &c);
        const char *note = json_string_value(json_object_get(r, "note"));
        const char *v = rstr(r, "verdict");
        fprintf(out, "%-*s  %11s  %11s  %8s  %-18s  %8s  %s%s%s%s\n", (int)idw, rstr(r, "id"),
                c.base, c.new_, c.ratio, c.ci, c.p, !strcmp(v, "regression") ? "REGRESSION" : v,
                note ? " (" : "", note ? note : "", note ? ")" : "");
    }
    char g[32];
    fmt_ratio(g, sizeof g, json_object_get(json_object_get(rep, "summary"), "geomean_ratio"));
    fprintf(out, "%-*s  %11s  %11s  %8s\n", (int)idw, "geometric mean", "", "", g);
    one_side_lists(out, rep, 0);
    summary_line(rep, line, sizeof line);
    fprintf(out, "\nsummary: %s\n", line);
    return ferror(out) ? -1 : 0;
}

int cfb_compare_render_markdown(const json_t *rep, FILE *out) {
    char line[512];
    header_line(rep, line, sizeof line);
    fprintf(out, "### cfbench compare\n\n%s\n\n", line);
    side_line(out, "- ", json_object_get(rep, "base"), "**BASE**");
    side_line(out, "- ", json_object_get(rep, "new"), "**NEW**");
    fprintf(out, "\n| case | BASE median | NEW median | NEW/BASE | 95%% CI | p | verdict |\n"
                 "| --- | ---: | ---: | ---: | --- | ---: | --- |\n");
    json_t *rows = json_object_get(rep, "cases"), *r;
    size_t i;
    json_array_foreach(rows, i, r) {
        row_cells c;
        fmt_row(r, &c);
        const char *note = json_string_value(json_object_get(r, "note"));
        const char *v = rstr(r, "verdict");
        int reg = !strcmp(v, "regression");
        fprintf(out, "| `%s` | %s | %s | %s | %s | %s | %s%s%s%s%s%s |\n", rstr(r, "id"), c.base,
                c.new_, c.ratio, c.ci, c.p, reg ? "**" : "", reg ? "REGRESSION" : v,
                reg ? "**" : "", note ? " (" : "", note ? note : "", note ? ")" : "");
    }
    char g[32];
    fmt_ratio(g, sizeof g, json_object_get(json_object_get(rep, "summary"), "geomean_ratio"));
    fprintf(out, "| *geometric mean* | | | %s | | | |\n", g);
    one_side_lists(out, rep, 1);
    summary_line(rep, line, sizeof line);
    fprintf(out, "\n**Summary:** %s\n", line);
    return ferror(out) ? -1 : 0;
}
