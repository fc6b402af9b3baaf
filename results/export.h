/*
 * export.h — turn a cfbench results document into other formats
 * (`cfbench export`; docs/cli-compare.md):
 *
 *   csv       one row per repetition, with a header row (RFC 4180 quoting;
 *             a null or absent metric is an empty field);
 *   markdown  one summary row per case (medians, CI, speedup, …);
 *   gbench    Google Benchmark's JSON layout ({"context", "benchmarks"}, one
 *             "iteration" row per repetition plus mean / median / stddev / cv
 *             "aggregate" rows per case when it has >= 2 repetitions, as
 *             --benchmark_repetitions produces; or only the aggregates, or
 *             only the medians: cfb_gbench_rows), so tools that read Google
 *             Benchmark output (tools/compare.py, github-action-benchmark,
 *             bencher, …) can read ours. One repetition = one iteration; the
 *             benchmark name is the case id; threads = workers.
 */
#ifndef CFB_EXPORT_H
#define CFB_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "cfbench_results.h"

typedef enum cfb_export_format {
    CFB_EXPORT_CSV,
    CFB_EXPORT_MARKDOWN,
    CFB_EXPORT_GBENCH,
} cfb_export_format;

/* Which rows of each case the gbench export writes. */
typedef enum cfb_gbench_rows {
    CFB_GBENCH_ALL,        /* one row per repetition, then the aggregates (default) */
    CFB_GBENCH_AGGREGATES, /* --aggregates-only: Google Benchmark's
                              --benchmark_report_aggregates_only — the mean / median /
                              stddev / cv rows only; a case with a single repetition
                              (no aggregates) keeps its one iteration row, a failed
                              case its error row, as Google Benchmark does */
    CFB_GBENCH_MEDIAN,     /* --median-only: exactly one row per case, "<id>_median",
                              run_type "aggregate", aggregate_name "median" (also for
                              one repetition); failed cases are left out (a tool that
                              charts real_time would chart their 0) */
} cfb_gbench_rows;

typedef struct cfb_export_opts {
    cfb_gbench_rows gbench_rows; /* gbench only; default CFB_GBENCH_ALL */
    size_t *skipped;             /* if not NULL: set to the number of failed cases that
                                    CFB_GBENCH_MEDIAN left out (0 otherwise) */
} cfb_export_opts;

/* "csv", "markdown" or "gbench". 0, or -1 when unknown. */
int cfb_export_format_parse(const char *s, cfb_export_format *f);

/* Write doc (borrowed; the results model, cfbench_results.h) to out in
 * format f. 0, or -1 when writing fails or memory runs out. */
int cfb_export(const cfb_results *doc, cfb_export_format f, FILE *out);

/* cfb_export() with options o (borrowed; NULL = defaults). */
int cfb_export_opt(const cfb_results *doc, cfb_export_format f, const cfb_export_opts *o,
                   FILE *out);

/* The gbench document as a new reference owned by the caller (NULL when out
 * of memory); cfb_export() serialises it. All rows (CFB_GBENCH_ALL).
 *
 * context: date, host_name, executable, num_cpus, cpu_model, kernel,
 * library_version, cfbench_commit, json_schema_version, and from the
 * results document when it has them (older files do not: then 0 / [] /
 * "release"):
 *   mhz_per_cpu        host.cpu_mhz rounded to an integer (null -> 0);
 *   caches             host.caches, each {"type", "level", "size" (bytes),
 *                      "num_sharing"} (malformed entries are skipped);
 *   load_avg           noise.load_avg_before (3 numbers);
 *   library_build_type build.build_type: "debug" for Debug, "release" for
 *                      Release / RelWithDebInfo / MinSizeRel (any case),
 *                      any other value lowercased. */
json_t *cfb_export_gbench(const cfb_results *doc);

/* cfb_export_gbench() with a row selection; *skipped (when skipped is not
 * NULL) = failed cases left out by CFB_GBENCH_MEDIAN. */
json_t *cfb_export_gbench_rows(const cfb_results *doc, cfb_gbench_rows rows, size_t *skipped);

#endif
