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
 *             --benchmark_repetitions produces), so tools that read Google
 *             Benchmark output (tools/compare.py, github-action-benchmark,
 *             bencher, …) can read ours. One repetition = one iteration; the
 *             benchmark name is the case id; threads = workers.
 */
#ifndef CFB_EXPORT_H
#define CFB_EXPORT_H

#include <stdio.h>

#include <jansson.h>

typedef enum cfb_export_format {
    CFB_EXPORT_CSV,
    CFB_EXPORT_MARKDOWN,
    CFB_EXPORT_GBENCH,
} cfb_export_format;

/* "csv", "markdown" or "gbench". 0, or -1 when unknown. */
int cfb_export_format_parse(const char *s, cfb_export_format *f);

/* Write doc (borrowed, a validated results document) to out in format f.
 * 0, or -1 when writing fails or memory runs out. */
int cfb_export(const json_t *doc, cfb_export_format f, FILE *out);

/* The gbench document as a new reference owned by the caller (NULL when out
 * of memory); cfb_export() serialises it. */
json_t *cfb_export_gbench(const json_t *doc);

#endif
