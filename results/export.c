/* export.c — CSV, markdown and Google Benchmark JSON exports (export.h). */
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

static const char *jstr(const json_t *o, const char *k) {
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* "k=v;k=v" with sorted keys: a new string (caller frees), NULL on ENOMEM. */
static char *params_string(const json_t *params) {
    size_t n = json_object_size(params), i = 0, len = 1;
    const char **keys = calloc(n + 1, sizeof *keys);
    if (!keys) return NULL;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)params, k, v) {
        keys[i++] = k;
        len += strlen(k) + 2 + (json_is_string(v) ? strlen(json_string_value(v)) : 32);
    }
    for (size_t a = 1; a < i; a++) /* insertion sort: a handful of keys */
        for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0; b--) {
            const char *t = keys[b];
            keys[b] = keys[b - 1];
            keys[b - 1] = t;
        }
    char *s = malloc(len);
    if (!s) {
        free(keys);
        return NULL;
    }
    size_t used = 0;
    s[0] = 0;
    for (size_t a = 0; a < i; a++) {
        json_t *val = json_object_get(params, keys[a]);
        char num[32] = "";
        const char *vs = json_string_value(val);
        if (!vs) {
            if (json_is_integer(val))
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(val));
            else if (json_is_number(val))
                snprintf(num, sizeof num, "%.17g", json_number_value(val));
            else if (json_is_boolean(val))
                snprintf(num, sizeof num, "%s", json_is_true(val) ? "true" : "false");
            vs = num;
        }
        used += (size_t)snprintf(s + used, len - used, "%s%s=%s", a ? ";" : "", keys[a], vs);
    }
    free(keys);
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

/* A number field: integers as integers, reals with 17 significant digits
 * (round-trips), null / absent / non-numeric as an empty field. */
static void csv_num(FILE *out, const json_t *v) {
    if (json_is_integer(v)) {
        fprintf(out, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        /* the shortest of %.15g / %.16g / %.17g that reads back exactly */
        double x = json_real_value(v);
        char buf[64];
        for (int prec = 15; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*g", prec, x);
            if (strtod(buf, NULL) == x) break;
        }
        fputs(buf, out);
    }
}

static const char *const csv_rep_fields[] = {
    "wall_s",        "user_s",          "sys_s",        "cpu_s",        "max_rss_kb",
    "ctx_voluntary", "ctx_involuntary", "tasks_ok",     "tasks_failed", "check_failures",
    "bytes",         "throughput_tps",  "instructions",
};
static const char *const csv_lat_fields[] = {"p50", "p90", "p99", "max", "mean"};

/* Whether some case carries a workload's own metric (the spinner's
 * metric_name, docs/results-schema.md): then CSV and markdown get a metric
 * column; documents without one export exactly as before. */
static bool any_metric(const json_t *doc) {
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "cases"), i, c) {
        if (json_is_string(json_object_get(c, "metric_name"))) return true;
    }
    return false;
}

static int export_csv(const json_t *doc, FILE *out) {
    bool metric = any_metric(doc);
    fputs("case_id,workload,mode,workers,impl,params,tasks,repetition", out);
    for (size_t f = 0; f < sizeof csv_rep_fields / sizeof *csv_rep_fields; f++)
        fprintf(out, ",%s", csv_rep_fields[f]);
    for (size_t f = 0; f < sizeof csv_lat_fields / sizeof *csv_lat_fields; f++)
        fprintf(out, ",latency_%s_s", csv_lat_fields[f]);
    if (metric) fputs(",metric_name,metric", out);
    fputs("\r\n", out);
    size_t i, j;
    json_t *c, *r;
    json_array_foreach(json_object_get(doc, "cases"), i, c) {
        char *ps = params_string(json_object_get(c, "params"));
        if (!ps) return -1;
        json_array_foreach(json_object_get(c, "repetitions"), j, r) {
            csv_str(out, jstr(c, "id"));
            fputc(',', out);
            csv_str(out, jstr(c, "workload"));
            fputc(',', out);
            csv_str(out, jstr(c, "mode"));
            fputc(',', out);
            csv_num(out, json_object_get(c, "workers"));
            fputc(',', out);
            csv_str(out, *jstr(c, "impl") ? jstr(c, "impl") : "c");
            fputc(',', out);
            csv_str(out, ps);
            fputc(',', out);
            csv_num(out, json_object_get(c, "tasks"));
            fputc(',', out);
            csv_num(out, json_object_get(r, "index"));
            for (size_t f = 0; f < sizeof csv_rep_fields / sizeof *csv_rep_fields; f++) {
                fputc(',', out);
                csv_num(out, json_object_get(r, csv_rep_fields[f]));
            }
            json_t *lat = json_object_get(r, "latency_s");
            for (size_t f = 0; f < sizeof csv_lat_fields / sizeof *csv_lat_fields; f++) {
                fputc(',', out);
                csv_num(out, json_object_get(lat, csv_lat_fields[f]));
            }
            if (metric) {
                fputc(',', out);
                csv_str(out, jstr(c, "metric_name"));
                fputc(',', out);
                csv_num(out, json_object_get(r, "metric"));
            }
            fputs("\r\n", out);
        }
        free(ps);
    }
    return ferror(out) ? -1 : 0;
}

/* ---- markdown ------------------------------------------------------------ */

static void md_num(FILE *out, const json_t *v, const char *fmt) {
    if (json_is_number(v))
        fprintf(out, fmt, json_number_value(v));
    else
        fputs("–", out);
}

static int export_markdown(const json_t *doc, FILE *out) {
    json_t *host = json_object_get(doc, "host"), *tool = json_object_get(doc, "tool");
    fprintf(out, "### cfbench results\n\n");
    fprintf(out, "%s %s (commit %s) on %s (%lld CPUs, %s), %s%s\n\n", jstr(tool, "name"),
            jstr(tool, "version"), jstr(tool, "commit"), jstr(host, "hostname"),
            (long long)json_integer_value(json_object_get(host, "cpus")), jstr(host, "cpu_model"),
            jstr(doc, "created"),
            json_is_true(json_object_get(doc, "complete")) ? "" : " — **incomplete run**");
    bool metric = any_metric(doc);
    fputs("| case | params | tasks | reps | median wall (s) | 95% CI (s) | median CPU (s) | "
          "throughput (tasks/s) | speedup | efficiency | overhead/task (s) | instr/task |",
          out);
    fputs(metric ? " median metric |\n" : "\n", out);
    fputs("| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
          out);
    fputs(metric ? " ---: |\n" : "\n", out);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "cases"), i, c) {
        json_t *s = json_object_get(c, "summary"), *w = json_object_get(s, "wall_s");
        char *ps = params_string(json_object_get(c, "params"));
        if (!ps) return -1;
        for (char *p = ps; *p; p++) /* keep the table intact */
            if (*p == '|') *p = '/';
        fprintf(out, "| `%s` | %s | %lld | %zu | ", jstr(c, "id"), ps,
                (long long)json_integer_value(json_object_get(c, "tasks")),
                json_array_size(json_object_get(c, "repetitions")));
        free(ps);
        const char *err = json_string_value(json_object_get(c, "error"));
        if (err) {
            fprintf(out, "error: ");
            for (const char *p = err; *p; p++)
                fputc(*p == '|' ? '/' : (*p == '\n' ? ' ' : *p), out);
            fputs(metric ? " | | | | | | | | |\n" : " | | | | | | | |\n", out);
            continue;
        }
        md_num(out, json_object_get(w, "median"), "%.4g");
        fputs(" | ", out);
        json_t *ci = json_object_get(w, "ci95");
        if (json_array_size(ci) == 2)
            fprintf(out, "[%.4g, %.4g]", json_number_value(json_array_get(ci, 0)),
                    json_number_value(json_array_get(ci, 1)));
        else
            fputs("–", out);
        fputs(" | ", out);
        md_num(out, json_object_get(json_object_get(s, "cpu_s"), "median"), "%.4g");
        fputs(" | ", out);
        md_num(out, json_object_get(json_object_get(s, "throughput_tps"), "median"), "%.4g");
        fputs(" | ", out);
        md_num(out, json_object_get(s, "speedup"), "%.3f");
        fputs(" | ", out);
        md_num(out, json_object_get(s, "efficiency"), "%.3f");
        fputs(" | ", out);
        md_num(out, json_object_get(s, "overhead_per_task_s"), "%.3g");
        fputs(" | ", out);
        md_num(out, json_object_get(s, "instructions_per_task"), "%.4g");
        if (metric) {
            fputs(" | ", out);
            const char *mn = json_string_value(json_object_get(c, "metric_name"));
            if (mn) fprintf(out, "%s ", mn);
            md_num(out, json_object_get(json_object_get(s, "metric"), "median"), "%.4g");
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

static double num_or(const json_t *o, const char *k, double def) {
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : def;
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
static int add_aggregates(json_t *benchmarks, const json_t *c, size_t family, size_t nreps,
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
        snprintf(name, sizeof name, "%s_%s", jstr(c, "id"), names[a]);
        json_t *row = json_pack(
            "{s:s, s:I, s:i, s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:f, s:f, s:s, s:f}", "name", name,
            "family_index", (json_int_t)family, "per_family_instance_index", 0, "run_name",
            jstr(c, "id"), "run_type", "aggregate", "repetitions", (json_int_t)nreps, "threads",
            (json_int_t)json_integer_value(json_object_get(c, "workers")), "aggregate_name",
            names[a], "aggregate_unit", a == 3 ? "percentage" : "time", "iterations", (json_int_t)1,
            "real_time", rv, "cpu_time", cv, "time_unit", unit, "items_per_second", iv);
        if (!row || json_array_append_new(benchmarks, row)) return -1;
    }
    return 0;
}

/* library_build_type from build.build_type (see export.h); a static or
 * borrowed string, or NULL when it must be lowercased into buf. */
static const char *build_type(const json_t *doc, char *buf, size_t len) {
    const char *bt =
        json_string_value(json_object_get(json_object_get(doc, "build"), "build_type"));
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
 * of memory); entries without a string type and numeric level / size are
 * skipped, num_sharing defaults to 0. */
static json_t *caches_of(const json_t *host) {
    json_t *out = json_array(), *e;
    size_t i;
    if (!out) return NULL;
    json_array_foreach(json_object_get(host, "caches"), i, e) {
        const char *type = json_string_value(json_object_get(e, "type"));
        json_t *lv = json_object_get(e, "level"), *sz = json_object_get(e, "size"),
               *ns = json_object_get(e, "num_sharing");
        if (!type || !json_is_number(lv) || !json_is_number(sz)) continue;
        json_t *c =
            json_pack("{s:s, s:I, s:I, s:I}", "type", type, "level",
                      (json_int_t)llround(json_number_value(lv)), "size",
                      (json_int_t)llround(json_number_value(sz)), "num_sharing",
                      (json_int_t)(json_is_number(ns) ? llround(json_number_value(ns)) : 0));
        if (!c || json_array_append_new(out, c)) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* noise.load_avg_before (3 numbers) as a new array; [] when absent or not
 * 3 numbers; NULL out of memory. */
static json_t *load_avg_of(const json_t *doc) {
    json_t *la = json_object_get(json_object_get(doc, "noise"), "load_avg_before");
    json_t *out = json_array();
    if (!out || json_array_size(la) != 3) return out;
    for (size_t i = 0; i < 3; i++)
        if (!json_is_number(json_array_get(la, i))) return out;
    for (size_t i = 0; i < 3; i++)
        if (json_array_append_new(out, json_real(json_number_value(json_array_get(la, i))))) {
            json_decref(out);
            return NULL;
        }
    return out;
}

static json_t *gbench_context(const json_t *doc) {
    json_t *host = json_object_get(doc, "host"), *tool = json_object_get(doc, "tool");
    const char *exe = json_string_value(json_object_get(tool, "name"));
    json_t *mhz = json_object_get(host, "cpu_mhz");
    json_int_t mhz_i = json_is_number(mhz) && json_number_value(mhz) > 0
                           ? (json_int_t)llround(json_number_value(mhz))
                           : 0;
    char btbuf[64];
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:i}",
                     "date", jstr(doc, "created"), "host_name", jstr(host, "hostname"),
                     "executable", exe ? exe : "cfbench", "num_cpus",
                     (json_int_t)json_integer_value(json_object_get(host, "cpus")), "mhz_per_cpu",
                     mhz_i, "cpu_scaling_enabled", 0, "caches", caches_of(host), "load_avg",
                     load_avg_of(doc), "library_build_type", build_type(doc, btbuf, sizeof btbuf),
                     "library_version", jstr(tool, "version"), "cfbench_commit",
                     jstr(tool, "commit"), "cpu_model", jstr(host, "cpu_model"), "kernel",
                     jstr(host, "kernel"), "json_schema_version", 1);
}

json_t *cfb_export_gbench(const json_t *doc) {
    return cfb_export_gbench_rows(doc, CFB_GBENCH_ALL, NULL);
}

json_t *cfb_export_gbench_rows(const json_t *doc, cfb_gbench_rows rows, size_t *skipped) {
    if (skipped) *skipped = 0;
    json_t *context = gbench_context(doc);
    json_t *benchmarks = json_array(), *out = NULL;
    double *real = NULL, *cpu = NULL, *ips = NULL;
    if (!context || !benchmarks) goto fail;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "cases"), i, c) {
        json_t *reps = json_object_get(c, "repetitions"), *r;
        size_t n = json_array_size(reps), j;
        json_int_t threads = json_integer_value(json_object_get(c, "workers"));
        if (!n) {
            if (rows == CFB_GBENCH_MEDIAN) {
                if (skipped) ++*skipped;
                continue;
            }
            const char *err = json_string_value(json_object_get(c, "error"));
            json_t *row =
                json_pack("{s:s, s:I, s:i, s:s, s:s, s:i, s:i, s:I, s:b, s:s, s:i, s:f, s:f, s:s}",
                          "name", jstr(c, "id"), "family_index", (json_int_t)i,
                          "per_family_instance_index", 0, "run_name", jstr(c, "id"), "run_type",
                          "iteration", "repetitions", 1, "repetition_index", 0, "threads", threads,
                          "error_occurred", 1, "error_message", err ? err : "no repetitions",
                          "iterations", 0, "real_time", 0.0, "cpu_time", 0.0, "time_unit", "s");
            if (!row || json_array_append_new(benchmarks, row)) goto fail;
            continue;
        }
        free(real), free(cpu), free(ips);
        real = malloc(n * sizeof *real), cpu = malloc(n * sizeof *cpu),
        ips = malloc(n * sizeof *ips);
        if (!real || !cpu || !ips) goto fail;
        json_array_foreach(reps, j, r) {
            real[j] = num_or(r, "wall_s", 0.0);
            cpu[j] = num_or(r, "cpu_s", 0.0);
            double tasks = (double)json_integer_value(json_object_get(c, "tasks"));
            ips[j] = num_or(r, "throughput_tps", real[j] > 0 ? tasks / real[j] : 0.0);
        }
        double scale;
        const char *unit = pick_unit(cfb_median(real, n), &scale);
        /* Iteration rows: always with all rows; with aggregates only when
         * there are none (one repetition), as Google Benchmark does. */
        int iterations = rows == CFB_GBENCH_ALL || (rows == CFB_GBENCH_AGGREGATES && n < 2);
        json_array_foreach(reps, j, r) {
            if (!iterations) break;
            json_t *row = json_pack(
                "{s:s, s:I, s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:f, s:f, s:s, s:f}", "name",
                jstr(c, "id"), "family_index", (json_int_t)i, "per_family_instance_index", 0,
                "run_name", jstr(c, "id"), "run_type", "iteration", "repetitions", (json_int_t)n,
                "repetition_index", (json_int_t)j, "threads", threads, "iterations", (json_int_t)1,
                "real_time", real[j] * scale, "cpu_time", cpu[j] * scale, "time_unit", unit,
                "items_per_second", ips[j]);
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

int cfb_export(const json_t *doc, cfb_export_format f, FILE *out) {
    return cfb_export_opt(doc, f, NULL, out);
}

int cfb_export_opt(const json_t *doc, cfb_export_format f, const cfb_export_opts *o, FILE *out) {
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
