/*
 * fuzz_params.c — fuzz target `params`: the value parsers behind the CLI.
 * Input: one selector byte, then the text. Selector % 6:
 *   0  "W.K=V" or "K=V" as `cfbench run -p` takes it (workloads/params.c,
 *      runners/sweep.c cfb_sweep_check);
 *   1  a flags code list (`-p flags.codes=…`, cfb_flags_expand);
 *   2, 3  the same text as a delay "MIN:MAX" (`-p flags.delay=…`,
 *      cfb__flags_parse_delay), a size "32K" (cfb_parse_size) and a kernel
 *      CPU list "0-3,8" (cfb_cpu_list_count);
 *   4  a name for the enum parsers: metric, export format, A/B metric,
 *      server label, mode, implementation, workload;
 *   5  a /proc/stat "cpu …" line (cfb_parse_stat_cpu).
 * Invariants:
 *   P1  cfb_params_set and cfb_param_check accept the same values; an
 *       accepted value reads back as its text, keeps to its type, bounds and
 *       choices, survives cfb_params_copy, and setting its own text again
 *       gives the same typed value;
 *   P2  a value that cfb_sweep_check accepts does not fail later: the
 *       workload makes its tasks with it (issue 14 defect 8: bad values
 *       must be usage errors, found before the sweep), and the flags
 *       server's delay and label parse;
 *   P3  code lists: sorted, distinct, two letters A-Z each, within the limit;
 *   P4  delays: 0 <= MIN <= MAX <= 3600 as the server checks (no NaN, no inf);
 *       sizes >= 0; CPU counts >= 1 or -1;
 *   P5  every enum parser accepts exactly its names: parse(name(x)) == x,
 *       and an accepted text names the value it gave;
 *   P6  every rejection comes with a one-line reason (that adds no line
 *       break of its own: it may quote a text that has one);
 *   P7  scans (param_scan.h, docs/scans.md: `-p K=1,2,4`, `A..B`, `A..B:xF`,
 *       `A..B:+S`): cfb_param_scan expands exactly what cfb_param_is_scan
 *       calls a scan (never a STRING's value); the values are 1 to
 *       CFB_SCAN_MAX_VALUES canonical texts, distinct, each accepted by
 *       cfb_param_check and none a scan itself; a single range ascends;
 *       when cfb_sweep_check accepts a scan, its first, second and last
 *       values make their tasks (P2 for each).
 */
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <strings.h>

#include "ab.h"
#include "compare.h"
#include "context.h"
#include "export.h"
#include "flags/flag_server.h"
#include "flags/flags.h"
#include "flags/flags_internal.h"
#include "fuzz_util.h"
#include "modes.h"
#include "param_scan.h"
#include "sweep.h"
#include "workload.h"

/* Does the text under test hold a newline? A message that quotes it then
 * holds one too; the check is that it adds none of its own. */
static bool input_nl;

static void one_line(const char *err, const char *what) {
    FUZZ_CHECK(err[0] && (input_nl || !strchr(err, '\n')), "%s: rejected without a one-line reason",
               what);
}

static long def_index(const cfb_workload *w, const char *key) {
    for (size_t j = 0; j < w->nparams; j++)
        if (!strcmp(w->params[j].name, key)) return (long)j;
    return -1;
}

/* P1 for value v of parameter d of w. */
static void check_param(const cfb_workload *w, const cfb_param_def *d, const char *v) {
    cfb_params *p = NULL;
    char err[512] = "", err2[512] = "";
    FUZZ_CHECK(cfb_params_new(w->params, w->nparams, &p, err, sizeof err) == 0,
               "%s: the defaults are rejected: %s", w->name, err);
    int rs = cfb_params_set(p, d->name, v, err, sizeof err);
    int rc = cfb_param_check(d, v, err2, sizeof err2);
    FUZZ_CHECK((rs == 0) == (rc == 0), "%s.%s='%s': set %d but check %d", w->name, d->name, v, rs,
               rc);
    if (rs) {
        one_line(err, "cfb_params_set");
        FUZZ_CHECK(!strcmp(err, err2), "set and check give different reasons");
        cfb_params_free(p);
        return;
    }
    long i = def_index(w, d->name);
    FUZZ_CHECK(!strcmp(cfb_params_text_at(p, (size_t)i), v), "%s.%s: reads back as '%s'", w->name,
               d->name, cfb_params_text_at(p, (size_t)i));
    bool bounded = d->min <= d->max;
    long long iv = cfb_params_int(p, d->name);
    double dv = cfb_params_double(p, d->name);
    bool bv = cfb_params_bool(p, d->name);
    switch (d->type) {
    case CFB_P_INT:
        FUZZ_CHECK(!bounded || ((double)iv >= d->min && (double)iv <= d->max),
                   "%s.%s=%lld outside [%g, %g]", w->name, d->name, iv, d->min, d->max);
        break;
    case CFB_P_DOUBLE:
        FUZZ_CHECK(isfinite(dv), "%s.%s: accepted a non-finite %g", w->name, d->name, dv);
        FUZZ_CHECK(!bounded || (dv >= d->min && dv <= d->max), "%s.%s=%g outside [%g, %g]", w->name,
                   d->name, dv, d->min, d->max);
        break;
    case CFB_P_BOOL: {
        static const char *const yes[] = {"true", "1", "yes", "on"};
        bool any = false;
        for (size_t k = 0; k < 4; k++)
            any |= !strcasecmp(v, yes[k]);
        FUZZ_CHECK(bv == any, "%s.%s='%s' read as %d", w->name, d->name, v, bv);
        break;
    }
    case CFB_P_STRING:
        if (d->choices) {
            bool found = false;
            for (const char *const *c = d->choices; *c; c++)
                found |= !strcmp(*c, v);
            FUZZ_CHECK(found, "%s.%s='%s' is not one of the choices", w->name, d->name, v);
        }
        FUZZ_CHECK(!strcmp(cfb_params_str(p, d->name), v), "string reads back differently");
        break;
    }
    cfb_params *c = NULL;
    FUZZ_CHECK(cfb_params_copy(p, &c) == 0, "copy failed");
    FUZZ_CHECK(cfb_params_int(c, d->name) == iv && cfb_params_bool(c, d->name) == bv &&
                   !strcmp(cfb_params_text_at(c, (size_t)i), v),
               "the copy differs");
    /* setting the stored text again is idempotent */
    char *again = strdup(cfb_params_text_at(p, (size_t)i));
    FUZZ_CHECK(again && cfb_params_set(c, d->name, again, err, sizeof err) == 0,
               "its own text is rejected: %s", err);
    FUZZ_CHECK(cfb_params_int(c, d->name) == iv &&
                   (cfb_params_double(c, d->name) == dv || (isnan(dv) && isnan(dv))),
               "setting its own text changed the value");
    free(again);
    cfb_params_free(c);
    cfb_params_free(p);
}

/* P2: what the sweep will do with a value cfb_sweep_check accepted. */
static void check_usable(const cfb_workload *w, const cfb_override *ov) {
    cfb_params *p = NULL;
    char err[512] = "";
    if (cfb_params_new(w->params, w->nparams, &p, err, sizeof err)) return;
    if ((ov->workload && strcmp(ov->workload, w->name)) || !cfb_params_has(p, ov->key) ||
        cfb_params_set(p, ov->key, ov->value, err, sizeof err)) {
        cfb_params_free(p);
        return;
    }
    if (!strcmp(w->name, "flags")) {
        /* run_setup would start the embedded server with these */
        cfb_server_label lab;
        double lo, hi;
        FUZZ_CHECK(cfb_server_label_parse(cfb_params_str(p, "server"), &lab) == 0,
                   "flags.server='%s' passes the check but the server rejects it",
                   cfb_params_str(p, "server"));
        FUZZ_CHECK(cfb__flags_parse_delay(cfb_params_str(p, "delay"), &lo, &hi) == 0,
                   "flags.delay='%s' passes the check but the server rejects it",
                   cfb_params_str(p, "delay"));
        if (!cfb_params_str(p, "base")[0] &&
            cfb_params_set(p, "base", "http://127.0.0.1:9", err, sizeof err)) {
            cfb_params_free(p);
            return;
        }
    }
    if (!strcmp(w->name, "noop") && cfb_params_int(p, "tasks") > 100000) {
        cfb_params_free(p); /* valid, just too big to make here */
        return;
    }
    cfb_tasklist tl = {0};
    int rc = w->make_tasks(p, &tl, err, sizeof err);
    FUZZ_CHECK(rc == 0, "%s: '%s%s%s=%s' passes cfb_sweep_check but making the tasks fails: %s",
               w->name, ov->workload ? ov->workload : "", ov->workload ? "." : "", ov->key,
               ov->value, err);
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* P7 for value v of parameter d of w. */
static void check_scan(const cfb_workload *w, const cfb_param_def *d, const char *v) {
    char **vals = NULL, err[512] = "";
    size_t n = 0;
    bool is = cfb_param_is_scan(d, v);
    int rc = cfb_param_scan(d, v, &vals, &n, err, sizeof err);
    FUZZ_CHECK(rc == 0 || rc == 1 || rc == CF_EINVAL || rc == CF_ENOMEM,
               "%s.%s='%s': cfb_param_scan returned %d", w->name, d->name, v, rc);
    if (rc < 0) {
        one_line(err, "cfb_param_scan");
        FUZZ_CHECK(!vals && !n, "a refused scan left values");
        return;
    }
    if (rc == 0) {
        FUZZ_CHECK(!is, "%s.%s='%s': a scan by cfb_param_is_scan, expanded to nothing", w->name,
                   d->name, v);
        FUZZ_CHECK(!vals && !n, "a single value left a list");
        return;
    }
    FUZZ_CHECK(is && d->type != CFB_P_STRING, "%s.%s='%s': expanded, but not a scan", w->name,
               d->name, v);
    FUZZ_CHECK(n >= 1 && n <= CFB_SCAN_MAX_VALUES, "%s.%s='%s': %zu values", w->name, d->name, v,
               n);
    bool range = !strchr(v, ',') && strstr(v, "..");
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(cfb_param_check(d, vals[i], err, sizeof err) == 0,
                   "%s.%s='%s': value '%s' is refused: %s", w->name, d->name, v, vals[i], err);
        FUZZ_CHECK(!cfb_param_is_scan(d, vals[i]), "value '%s' is itself a scan", vals[i]);
        if (range && i)
            FUZZ_CHECK(strtod(vals[i], NULL) > strtod(vals[i - 1], NULL),
                       "%s.%s='%s': the range does not ascend at '%s'", w->name, d->name, v,
                       vals[i]);
    }
    char **sorted = malloc(n * sizeof *sorted);
    if (sorted) {
        memcpy(sorted, vals, n * sizeof *sorted);
        qsort(sorted, n, sizeof *sorted, cmp_str);
        for (size_t i = 1; i < n; i++)
            FUZZ_CHECK(strcmp(sorted[i], sorted[i - 1]), "%s.%s='%s': '%s' twice", w->name, d->name,
                       v, sorted[i]);
        free(sorted);
    }
    cfb_param_scan_free(vals, n);
}

/* P7, last part: the sweep accepted the scan ov; some of its values make
 * their tasks in every workload that has the key. */
static void check_scan_usable(const cfb_workload *const *all, size_t nw, const cfb_override *ov) {
    for (size_t i = 0; i < nw; i++) {
        if (ov->workload && strcmp(ov->workload, all[i]->name)) continue;
        long j = def_index(all[i], ov->key);
        if (j < 0) continue;
        char **vals = NULL, err[512];
        size_t n = 0;
        if (cfb_param_scan(&all[i]->params[j], ov->value, &vals, &n, err, sizeof err) != 1)
            continue;
        size_t pick[3] = {0, 1, n - 1};
        for (size_t k = 0; k < 3; k++) {
            if (pick[k] >= n || (k && pick[k] == pick[k - 1])) continue;
            cfb_override one = *ov;
            one.value = vals[pick[k]];
            check_usable(all[i], &one);
        }
        cfb_param_scan_free(vals, n);
    }
}

static void target_param(char *s) {
    char *eq = strchr(s, '=');
    if (!eq || eq == s) return;
    *eq = '\0';
    cfb_override ov = {.value = eq + 1};
    char *dot = strchr(s, '.');
    if (dot) {
        *dot = '\0';
        ov.workload = s;
        ov.key = dot + 1;
    } else {
        ov.key = s;
    }
    size_t n;
    const cfb_workload *const *all = cfb_workloads_all(&n);
    for (size_t i = 0; i < n; i++) {
        if (ov.workload && strcmp(ov.workload, all[i]->name)) continue;
        long j = def_index(all[i], ov.key);
        if (j >= 0) {
            check_param(all[i], &all[i]->params[j], ov.value);
            check_scan(all[i], &all[i]->params[j], ov.value);
        }
    }
    /* P2: every workload selected, as `cfbench run` does by default */
    cfb_sweep_cfg cfg = {.workloads = all, .nworkloads = n, .overrides = &ov, .noverrides = 1};
    char err[512] = "";
    if (cfb_sweep_check(&cfg, err, sizeof err) != 0) {
        one_line(err, "cfb_sweep_check");
        return;
    }
    for (size_t i = 0; i < n; i++)
        check_usable(all[i], &ov);
    check_scan_usable(all, n, &ov);
}

static void target_codes(const char *s, unsigned limit) {
    char(*codes)[3] = NULL;
    size_t n = 0;
    char err[512] = "";
    int rc = cfb_flags_expand(s, limit, &codes, &n, err, sizeof err);
    if (rc) {
        FUZZ_CHECK(rc == CF_EINVAL || rc == CF_ENOMEM, "rc %d", rc);
        one_line(err, "cfb_flags_expand");
        return;
    }
    FUZZ_CHECK(!limit || n <= limit, "%zu codes above the limit %u", n, limit);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(isupper((unsigned char)codes[i][0]) && isupper((unsigned char)codes[i][1]) &&
                       !codes[i][2],
                   "code %zu is '%.3s'", i, codes[i]);
        FUZZ_CHECK(i == 0 || strcmp(codes[i - 1], codes[i]) < 0, "codes not sorted and distinct");
    }
    free(codes);
}

static void target_numbers(const char *s) {
    double lo, hi;
    if (cfb__flags_parse_delay(s, &lo, &hi) == 0)
        FUZZ_CHECK(lo >= 0 && lo <= hi && hi <= 3600,
                   "delay '%s' accepted as %g:%g (the server takes 0 <= MIN <= MAX <= 3600)", s, lo,
                   hi);
    long long b;
    if (cfb_parse_size(s, &b) == 0) FUZZ_CHECK(b >= 0, "size '%s' accepted as %lld", s, b);
    int k = cfb_cpu_list_count(s);
    FUZZ_CHECK(k == -1 || k >= 1, "cpu list '%s' counted %d", s, k);
}

static void target_names(const char *s) {
    cfb_metric m;
    if (cfb_metric_parse(s, &m) == 0) {
        cfb_metric m2;
        FUZZ_CHECK(cfb_metric_parse(cfb_metric_name(m), &m2) == 0 && m2 == m, "metric '%s'", s);
    }
    for (int x = CFB_METRIC_WALL; x <= CFB_METRIC_CPUCOST; x++) {
        FUZZ_CHECK(cfb_metric_parse(cfb_metric_name((cfb_metric)x), &m) == 0 && (int)m == x,
                   "metric %d does not parse its name", x);
    }
    cfb_export_format f;
    if (cfb_export_format_parse(s, &f) == 0)
        FUZZ_CHECK(f == CFB_EXPORT_CSV || f == CFB_EXPORT_MARKDOWN || f == CFB_EXPORT_GBENCH,
                   "export format %d", (int)f);
    cfb_ab_metric am;
    if (cfb_ab_metric_parse(s, &am) == 0)
        FUZZ_CHECK(!strcmp(cfb_ab_metric_name(am), s), "A/B metric '%s' read as '%s'", s,
                   cfb_ab_metric_name(am));
    cfb_server_label l;
    if (cfb_server_label_parse(s, &l) == 0) {
        cfb_server_label l2;
        FUZZ_CHECK(cfb_server_label_parse(cfb_server_label_name(l), &l2) == 0 && l2 == l,
                   "label '%s'", s);
    }
    const cfb_mode *md = cfb_mode_find(s);
    if (md) FUZZ_CHECK(!strcmp(md->name, s), "mode '%s' found as '%s'", s, md->name);
    const cfb_impl *im = cfb_impl_find(s);
    if (im) FUZZ_CHECK(!strcmp(im->name, s), "impl '%s' found as '%s'", s, im->name);
    const cfb_workload *w = cfb_workload_find(s);
    if (w) FUZZ_CHECK(!strcmp(w->name, s), "workload '%s' found as '%s'", s, w->name);
}

static void target_stat(const char *s) {
    cfb_cpu_times t;
    memset(&t, 0, sizeof t);
    (void)cfb_parse_stat_cpu(s, &t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 4096) return 0;
    char *s = fuzz_strndup(data + 1, size - 1);
    if (!s) return 0;
    input_nl = strchr(s, '\n') != NULL;
    switch (data[0] % 6) {
    case 0:
        target_param(s);
        break;
    case 1:
        target_codes(s, data[0] / 6 % 8 == 0 ? 0u : data[0] / 6u);
        break;
    case 2:
    case 3:
        target_numbers(s);
        break;
    case 4:
        target_names(s);
        break;
    case 5:
        target_stat(s);
        break;
    }
    free(s);
    return 0;
}
