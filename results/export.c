/* export.c — CSV, markdown and Google Benchmark JSON exports (export.h) of
 * the typed results model (cfbench_results.h): every value comes from its
 * accessors; derived values (speedup, efficiency, overhead) are the ones
 * the document records (cfb_rcase_sum), never derived again here. */
#include "export.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rstats.h"

int cfb_export_format_parse(const char *s, cfb_export_format *f) {
    if (!s) return -1;
    if (!strcmp(s, "csv"))
        *f = CFB_EXPORT_CSV;
    else if (!strcmp(s, "markdown") || !strcmp(s, "md"))
        *f = CFB_EXPORT_MARKDOWN;
    else if (!strcmp(s, "gbench"))
        *f = CFB_EXPORT_GBENCH;
    else
        return -1;
    return 0;
}

static const char *or_empty(const char *s) {
    return s ? s : "";
}

/* "k=v;k=v" with sorted keys: a new string (caller frees), NULL on ENOMEM. */
static char *params_string(const cfb_rcase *c) {
    size_t n = cfb_rcase_nparams(c), len = 1;
    size_t *idx = calloc(n + 1, sizeof *idx);
    char(*vals)[64] = calloc(n + 1, sizeof *vals);
    if (!idx || !vals) {
        free(idx);
        free(vals);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        idx[i] = i;
        const char *v = cfb_rcase_param_value(c, i);
        if (!v) cfb_rcase_param_text(c, i, vals[i], sizeof vals[i]); /* a number, say */
        len += strlen(cfb_rcase_param_key(c, i)) + 2 + strlen(v ? v : vals[i]);
    }
    for (size_t a = 1; a < n; a++) /* insertion sort: a handful of keys */
        for (size_t b = a; b > 0 && strcmp(cfb_rcase_param_key(c, idx[b - 1]),
                                           cfb_rcase_param_key(c, idx[b])) > 0;
             b--) {
            size_t t = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = t;
        }
    char *s = malloc(len);
    if (!s) {
        free(idx);
        free(vals);
        return NULL;
    }
    size_t used = 0;
    s[0] = 0;
    for (size_t a = 0; a < n; a++) {
        const char *v = cfb_rcase_param_value(c, idx[a]);
        used += (size_t)snprintf(s + used, len - used, "%s%s=%s", a ? ";" : "",
                                 cfb_rcase_param_key(c, idx[a]), v ? v : vals[idx[a]]);
    }
    free(idx);
    free(vals);
    return s;
}

/* ---- CSV ----------------------------------------------------------------- */

static void csv_str(FILE *out, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"') fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* A real with the shortest of %.15g / %.16g / %.17g that reads back
 * exactly (round-trips). */
static void csv_real(FILE *out, double x) {
    char buf[64];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    fputs(buf, out);
}

/* A repetition's field: integers as integers, reals as csv_real, null /
 * absent / of another type as an empty field. */
static void csv_field(FILE *out, const cfb_repetition *r, cfb_rep_field f) {
    long long i;
    double x;
    if (cfb_repetition_int(r, f, &i))
        fprintf(out, "%lld", i);
    else if (cfb_repetition_num(r, f, &x))
        csv_real(out, x);
}

static const char *const csv_rep_names[] = {
    "wall_s",        "user_s",          "sys_s",        "cpu_s",        "max_rss_kb",
    "ctx_voluntary", "ctx_involuntary", "tasks_ok",     "tasks_failed", "check_failures",
    "bytes",         "throughput_tps",  "instructions",
};
/* the model's fields of the columns after wall_s, in csv_rep_names' order */
static const cfb_rep_field csv_rep_fields[] = {
    CFB_REP_USER_S,         CFB_REP_SYS_S,           CFB_REP_CPU_S,          CFB_REP_MAX_RSS_KB,
    CFB_REP_CTX_VOLUNTARY,  CFB_REP_CTX_INVOLUNTARY, CFB_REP_TASKS_OK,       CFB_REP_TASKS_FAILED,
    CFB_REP_CHECK_FAILURES, CFB_REP_BYTES,           CFB_REP_THROUGHPUT_TPS, CFB_REP_INSTRUCTIONS,
};
/* the columns of cfb_latency_part, in its order */
static const char *const csv_lat_names[] = {"p50", "p90", "p99", "max", "mean"};

/* Whether some case carries a workload's own metric (the spinner's
 * metric_name, docs/results-schema.md): then CSV and markdown get a metric
 * column; documents without one export exactly as before. */
static bool any_metric(const cfb_results *doc) {
    for (size_t i = 0; i < cfb_results_ncases(doc); i++)
        if (cfb_rcase_metric_name(cfb_results_case(doc, i))) return true;
    return false;
}

static int export_csv(const cfb_results *doc, FILE *out) {
    bool metric = any_metric(doc);
    fputs("case_id,workload,mode,workers,impl,params,tasks,repetition", out);
    for (size_t f = 0; f < sizeof csv_rep_names / sizeof *csv_rep_names; f++)
        fprintf(out, ",%s", csv_rep_names[f]);
    for (size_t f = 0; f < sizeof csv_lat_names / sizeof *csv_lat_names; f++)
        fprintf(out, ",latency_%s_s", csv_lat_names[f]);
    if (metric) fputs(",metric_name,metric", out);
    fputs("\r\n", out);
    for (size_t i = 0; i < cfb_results_ncases(doc); i++) {
        const cfb_rcase *c = cfb_results_case(doc, i);
        char *ps = params_string(c);
        if (!ps) return -1;
        for (size_t j = 0; j < cfb_rcase_nreps(c); j++) {
            const cfb_repetition *r = cfb_rcase_rep(c, j);
            csv_str(out, or_empty(cfb_rcase_id(c)));
            fputc(',', out);
            csv_str(out, or_empty(cfb_rcase_workload(c)));
            fputc(',', out);
            csv_str(out, or_empty(cfb_rcase_mode(c)));
            fprintf(out, ",%d,", cfb_rcase_workers(c));
            csv_str(out, cfb_rcase_impl(c));
            fputc(',', out);
            csv_str(out, ps);
            fprintf(out, ",%lld,%lld,", cfb_rcase_tasks(c), cfb_repetition_index(r));
            csv_real(out, cfb_repetition_wall_s(r)); /* a number: validated */
            for (size_t f = 0; f < sizeof csv_rep_fields / sizeof *csv_rep_fields; f++) {
                fputc(',', out);
                csv_field(out, r, csv_rep_fields[f]);
            }
            for (int k = CFB_LAT_P50; k <= CFB_LAT_MEAN; k++) {
                double x;
                fputc(',', out);
                if (cfb_repetition_latency_part(r, (cfb_latency_part)k, &x)) csv_real(out, x);
            }
            if (metric) {
                fputc(',', out);
                csv_str(out, or_empty(cfb_rcase_metric_name(c)));
                fputc(',', out);
                csv_field(out, r, CFB_REP_METRIC);
            }
            fputs("\r\n", out);
        }
        free(ps);
    }
    return ferror(out) ? -1 : 0;
}

/* ---- markdown ------------------------------------------------------------ */

/* x with fmt, or "–" when it is not recorded (NaN). */
static void md_num(FILE *out, double x, const char *fmt) {
    if (!isnan(x))
        fprintf(out, fmt, x);
    else
        fputs("–", out);
}

static int export_markdown(const cfb_results *doc, FILE *out) {
    int cpus = cfb_results_cpus(doc);
    fprintf(out, "### cfbench results\n\n");
    fprintf(out, "%s %s (commit %s) on %s (%d CPUs, %s), %s%s\n\n",
            or_empty(cfb_results_tool_name(doc)), or_empty(cfb_results_tool_version(doc)),
            or_empty(cfb_results_tool_commit(doc)), or_empty(cfb_results_hostname(doc)),
            cpus < 0 ? 0 : cpus, or_empty(cfb_results_cpu_model(doc)),
            or_empty(cfb_results_created(doc)),
            cfb_results_complete(doc) ? "" : " — **incomplete run**");
    bool metric = any_metric(doc);
    fputs("| case | params | tasks | reps | median wall (s) | 95% CI (s) | median CPU (s) | "
          "throughput (tasks/s) | speedup | efficiency | overhead/task (s) | instr/task |",
          out);
    fputs(metric ? " median metric |\n" : "\n", out);
    fputs("| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
          out);
    fputs(metric ? " ---: |\n" : "\n", out);
    for (size_t i = 0; i < cfb_results_ncases(doc); i++) {
        const cfb_rcase *c = cfb_results_case(doc, i);
        char *ps = params_string(c);
        if (!ps) return -1;
        for (char *p = ps; *p; p++) /* keep the table intact */
            if (*p == '|') *p = '/';
        fprintf(out, "| `%s` | %s | %lld | %zu | ", or_empty(cfb_rcase_id(c)), ps,
                cfb_rcase_tasks(c), cfb_rcase_nreps(c));
        free(ps);
        const char *err = cfb_rcase_error(c);
        if (err) {
            fprintf(out, "error: ");
            for (const char *p = err; *p; p++)
                fputc(*p == '|' ? '/' : (*p == '\n' ? ' ' : *p), out);
            fputs(metric ? " | | | | | | | | |\n" : " | | | | | | | |\n", out);
            continue;
        }
        cfb_stat_summary wall;
        bool have_wall = cfb_rcase_stat(c, CFB_STAT_WALL, &wall);
        md_num(out, have_wall ? wall.st.median : NAN, "%.4g");
        fputs(" | ", out);
        if (have_wall && !isnan(wall.st.ci_lo))
            fprintf(out, "[%.4g, %.4g]", wall.st.ci_lo, wall.st.ci_hi);
        else
            fputs("–", out);
        fputs(" | ", out);
        md_num(out, cfb_rcase_stat_median(c, CFB_STAT_CPU), "%.4g");
        fputs(" | ", out);
        md_num(out, cfb_rcase_stat_median(c, CFB_STAT_THROUGHPUT), "%.4g");
        fputs(" | ", out);
        md_num(out, cfb_rcase_sum_value(c, CFB_SUM_SPEEDUP), "%.3f");
        fputs(" | ", out);
        md_num(out, cfb_rcase_sum_value(c, CFB_SUM_EFFICIENCY), "%.3f");
        fputs(" | ", out);
        md_num(out, cfb_rcase_sum_value(c, CFB_SUM_OVERHEAD_PER_TASK_S), "%.3g");
        fputs(" | ", out);
        md_num(out, cfb_rcase_sum_value(c, CFB_SUM_INSTRUCTIONS_PER_TASK), "%.4g");
        if (metric) {
            fputs(" | ", out);
            const char *mn = cfb_rcase_metric_name(c);
            if (mn) fprintf(out, "%s ", mn);
            md_num(out, cfb_rcase_stat_median(c, CFB_STAT_METRIC), "%.4g");
        }
        fputs(" |\n", out);
    }
    return ferror(out) ? -1 : 0;
}

/* ---- Google Benchmark JSON ----------------------------------------------- */

/* The time unit for a case whose median wall is m seconds, and its scale. */
static const char *pick_unit(double m, double *scale) {
    if (m >= 1.0) {
        *scale = 1.0;
        return "s";
    }
    if (m >= 1e-3) {
        *scale = 1e3;
        return "ms";
    }
    if (m >= 1e-6) {
        *scale = 1e6;
        return "us";
    }
    *scale = 1e9;
    return "ns";
}

static double mean_of(const double *x, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

static double sd_of(const double *x, size_t n) {
    if (n < 2) return 0.0;
    double m = mean_of(x, n), s = 0;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - m) * (x[i] - m);
    return sqrt(s / (double)(n - 1));
}

/* The aggregate rows of case c (all four, or only the median when
 * median_only) from its n >= 1 scaled per-repetition values. 0 or -1. */
static int add_aggregates(json_t *benchmarks, const cfb_rcase *c, size_t family, size_t nreps,
                          const double *real, const double *cpu, const double *ips,
                          const char *unit, int median_only) {
    static const char *const names[] = {"mean", "median", "stddev", "cv"};
    for (size_t a = median_only ? 1 : 0; a < (median_only ? 2u : 4u); a++) {
        double rv, cv, iv;
        switch (a) {
        case 0:
            rv = mean_of(real, nreps), cv = mean_of(cpu, nreps), iv = mean_of(ips, nreps);
            break;
        case 1:
            rv = cfb_median(real, nreps), cv = cfb_median(cpu, nreps), iv = cfb_median(ips, nreps);
            break;
        case 2:
            rv = sd_of(real, nreps), cv = sd_of(cpu, nreps), iv = sd_of(ips, nreps);
            break;
        default: {
            double mr = mean_of(real, nreps), mc = mean_of(cpu, nreps), mi = mean_of(ips, nreps);
            rv = mr > 0 ? sd_of(real, nreps) / mr : 0;
            cv = mc > 0 ? sd_of(cpu, nreps) / mc : 0;
            iv = mi > 0 ? sd_of(ips, nreps) / mi : 0;
        }
        }
        char name[512];
        const char *id = or_empty(cfb_rcase_id(c));
        snprintf(name, sizeof name, "%s_%s", id, names[a]);
        json_t *row =
            json_pack("{s:s, s:I, s:i, s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:f, s:f, s:s, s:f}",
                      "name", name, "family_index", (json_int_t)family, "per_family_instance_index",
                      0, "run_name", id, "run_type", "aggregate", "repetitions", (json_int_t)nreps,
                      "threads", (json_int_t)cfb_rcase_workers(c), "aggregate_name", names[a],
                      "aggregate_unit", a == 3 ? "percentage" : "time", "iterations", (json_int_t)1,
                      "real_time", rv, "cpu_time", cv, "time_unit", unit, "items_per_second", iv);
        if (!row || json_array_append_new(benchmarks, row)) return -1;
    }
    return 0;
}

/* library_build_type from build.build_type (see export.h); a static or
 * borrowed string, or NULL when it must be lowercased into buf. */
static const char *build_type(const cfb_results *doc, char *buf, size_t len) {
    const char *bt = cfb_results_build_type(doc);
    if (!bt || !*bt) return "release";
    if (!strcasecmp(bt, "debug")) return "debug";
    if (!strcasecmp(bt, "release") || !strcasecmp(bt, "relwithdebinfo") ||
        !strcasecmp(bt, "minsizerel"))
        return "release";
    size_t i = 0;
    for (; bt[i] && i + 1 < len; i++)
        buf[i] = (char)tolower((unsigned char)bt[i]);
    buf[i] = 0;
    return buf;
}

/* host.caches as Google Benchmark's context.caches: a new array (NULL out
 * of memory); malformed entries (cfb_results_cache) are skipped,
 * num_sharing defaults to 0. */
static json_t *caches_of(const cfb_results *doc) {
    json_t *out = json_array();
    if (!out) return NULL;
    for (size_t i = 0; i < cfb_results_ncaches(doc); i++) {
        cfb_host_cache hc;
        if (!cfb_results_cache(doc, i, &hc)) continue;
        json_t *c = json_pack("{s:s, s:I, s:I, s:I}", "type", hc.type, "level",
                              (json_int_t)llround(hc.level), "size", (json_int_t)llround(hc.size),
                              "num_sharing",
                              (json_int_t)(isnan(hc.num_sharing) ? 0 : llround(hc.num_sharing)));
        if (!c || json_array_append_new(out, c)) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* noise.load_avg_before (3 numbers) as a new array; [] when absent or not
 * 3 numbers; NULL out of memory. */
static json_t *load_avg_of(const cfb_results *doc) {
    double la[3];
    json_t *out = json_array();
    if (!out || !cfb_results_load_avg_before(doc, la)) return out;
    for (size_t i = 0; i < 3; i++)
        if (json_array_append_new(out, json_real(la[i]))) {
            json_decref(out);
            return NULL;
        }
    return out;
}

static json_t *gbench_context(const cfb_results *doc) {
    const char *exe = cfb_results_tool_name(doc);
    double mhz = cfb_results_cpu_mhz(doc);
    json_int_t mhz_i = !isnan(mhz) && mhz > 0 ? (json_int_t)llround(mhz) : 0;
    int cpus = cfb_results_cpus(doc);
    char btbuf[64];
    return json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:b, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:i}", "date",
        or_empty(cfb_results_created(doc)), "host_name", or_empty(cfb_results_hostname(doc)),
        "executable", exe ? exe : "cfbench", "num_cpus", (json_int_t)(cpus < 0 ? 0 : cpus),
        "mhz_per_cpu", mhz_i, "cpu_scaling_enabled", 0, "caches", caches_of(doc), "load_avg",
        load_avg_of(doc), "library_build_type", build_type(doc, btbuf, sizeof btbuf),
        "library_version", or_empty(cfb_results_tool_version(doc)), "cfbench_commit",
        or_empty(cfb_results_tool_commit(doc)), "cpu_model", or_empty(cfb_results_cpu_model(doc)),
        "kernel", or_empty(cfb_results_kernel(doc)), "json_schema_version", 1);
}

json_t *cfb_export_gbench(const cfb_results *doc) {
    return cfb_export_gbench_rows(doc, CFB_GBENCH_ALL, NULL);
}

json_t *cfb_export_gbench_rows(const cfb_results *doc, cfb_gbench_rows rows, size_t *skipped) {
    if (skipped) *skipped = 0;
    json_t *context = gbench_context(doc);
    json_t *benchmarks = json_array(), *out = NULL;
    double *real = NULL, *cpu = NULL, *ips = NULL;
    if (!context || !benchmarks) goto fail;
    for (size_t i = 0; i < cfb_results_ncases(doc); i++) {
        const cfb_rcase *c = cfb_results_case(doc, i);
        const char *id = or_empty(cfb_rcase_id(c));
        size_t n = cfb_rcase_nreps(c);
        json_int_t threads = cfb_rcase_workers(c);
        if (!n) {
            if (rows == CFB_GBENCH_MEDIAN) {
                if (skipped) ++*skipped;
                continue;
            }
            const char *err = cfb_rcase_error(c);
            json_t *row = json_pack(
                "{s:s, s:I, s:i, s:s, s:s, s:i, s:i, s:I, s:b, s:s, s:i, s:f, s:f, s:s}", "name",
                id, "family_index", (json_int_t)i, "per_family_instance_index", 0, "run_name", id,
                "run_type", "iteration", "repetitions", 1, "repetition_index", 0, "threads",
                threads, "error_occurred", 1, "error_message", err ? err : "no repetitions",
                "iterations", 0, "real_time", 0.0, "cpu_time", 0.0, "time_unit", "s");
            if (!row || json_array_append_new(benchmarks, row)) goto fail;
            continue;
        }
        free(real), free(cpu), free(ips);
        real = malloc(n * sizeof *real), cpu = malloc(n * sizeof *cpu),
        ips = malloc(n * sizeof *ips);
        if (!real || !cpu || !ips) goto fail;
        double tasks = (double)cfb_rcase_tasks(c);
        for (size_t j = 0; j < n; j++) {
            const cfb_repetition *r = cfb_rcase_rep(c, j);
            real[j] = cfb_repetition_wall_s(r); /* a number: validated */
            if (!cfb_repetition_num(r, CFB_REP_CPU_S, &cpu[j])) cpu[j] = 0.0;
            if (!cfb_repetition_num(r, CFB_REP_THROUGHPUT_TPS, &ips[j]))
                ips[j] = real[j] > 0 ? tasks / real[j] : 0.0;
        }
        double scale;
        const char *unit = pick_unit(cfb_median(real, n), &scale);
        /* Iteration rows: always with all rows; with aggregates only when
         * there are none (one repetition), as Google Benchmark does. */
        int iterations = rows == CFB_GBENCH_ALL || (rows == CFB_GBENCH_AGGREGATES && n < 2);
        for (size_t j = 0; iterations && j < n; j++) {
            json_t *row =
                json_pack("{s:s, s:I, s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:f, s:f, s:s, s:f}",
                          "name", id, "family_index", (json_int_t)i, "per_family_instance_index", 0,
                          "run_name", id, "run_type", "iteration", "repetitions", (json_int_t)n,
                          "repetition_index", (json_int_t)j, "threads", threads, "iterations",
                          (json_int_t)1, "real_time", real[j] * scale, "cpu_time", cpu[j] * scale,
                          "time_unit", unit, "items_per_second", ips[j]);
            if (!row || json_array_append_new(benchmarks, row)) goto fail;
        }
        if (n >= 2 || rows == CFB_GBENCH_MEDIAN) {
            for (size_t k = 0; k < n; k++)
                real[k] *= scale, cpu[k] *= scale;
            if (add_aggregates(benchmarks, c, i, n, real, cpu, ips, unit,
                               rows == CFB_GBENCH_MEDIAN))
                goto fail;
        }
    }
    out = json_object();
    if (!out || json_object_set_new(out, "context", context) ||
        json_object_set_new(out, "benchmarks", benchmarks)) {
        json_decref(out);
        out = NULL;
    }
    free(real), free(cpu), free(ips);
    return out;
fail:
    free(real), free(cpu), free(ips);
    json_decref(context);
    json_decref(benchmarks);
    return NULL;
}

int cfb_export(const cfb_results *doc, cfb_export_format f, FILE *out) {
    return cfb_export_opt(doc, f, NULL, out);
}

int cfb_export_opt(const cfb_results *doc, cfb_export_format f, const cfb_export_opts *o,
                   FILE *out) {
    cfb_gbench_rows rows = o ? o->gbench_rows : CFB_GBENCH_ALL;
    size_t skipped = 0;
    if (o && o->skipped) *o->skipped = 0;
    switch (f) {
    case CFB_EXPORT_CSV:
        return export_csv(doc, out);
    case CFB_EXPORT_MARKDOWN:
        return export_markdown(doc, out);
    case CFB_EXPORT_GBENCH: {
        json_t *g = cfb_export_gbench_rows(doc, rows, &skipped);
        if (!g) return -1;
        if (o && o->skipped) *o->skipped = skipped;
        int rc = json_dumpf(g, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
        fputc('\n', out);
        json_decref(g);
        return rc || ferror(out) ? -1 : 0;
    }
    }
    return -1;
}
