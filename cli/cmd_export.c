/* cmd_export.c — `cfbench export RESULTS.json --format csv|markdown|gbench
 * [--aggregates-only | --median-only]` (docs/cli-compare.md). */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "cfbench_results.h"
#include "export.h"
#include "json_filter.h"
#include "results_io.h"

int cfb_cmd_export(int argc, char **argv);

static const char export_usage[] =
    "usage: cfbench export RESULTS.json --format csv|markdown|gbench [--out FILE]\n"
    "                      [--aggregates-only | --median-only]\n"
    "\n"
    "Convert a results document:\n"
    "  csv       one row per repetition, with a header row\n"
    "  markdown  one summary row per case\n"
    "  gbench    Google Benchmark's JSON layout (context + benchmarks, one row per\n"
    "            repetition plus mean/median/stddev/cv aggregates), for tools that\n"
    "            read Google Benchmark output (e.g. its tools/compare.py)\n"
    "\n"
    "options:\n"
    "  -f, --format F         csv | markdown | gbench (required)\n"
    "  -o, --out FILE         write to FILE (atomically) instead of stdout ('-' = stdout;\n"
    "                         a device, FIFO or directory is refused: exit 3)\n"
    "      --aggregates-only  gbench: only the mean/median/stddev/cv rows per case,\n"
    "                         as Google Benchmark's --benchmark_report_aggregates_only\n"
    "      --median-only      gbench: exactly one row per case, <id>_median (the\n"
    "                         median of its repetitions); failed cases are left out.\n"
    "                         For github-action-benchmark (tool: googlecpp), which\n"
    "                         charts every row's real_time as a time, _stddev and\n"
    "                         _cv rows included\n"
    "  -h, --help             this help\n";

int cfb_cmd_export(int argc, char **argv) {
    cfb_export_format fmt = CFB_EXPORT_CSV;
    int have_fmt = 0, c, rc = CFB_EXIT_USAGE;
    const char *out_path = NULL, *rows_opt = NULL;
    cfb_export_opts eo = {0};
    size_t skipped = 0;
    eo.skipped = &skipped;
    cfb_results *doc = NULL;
    char *text = NULL, err[512];
    size_t len = 0;

    cfb_optparser op;
    if (cfb_opts_init(&op, "export")) return CFB_EXIT_USAGE;
    while ((c = cfb_opts_next(&op, argc, argv)) != -1) {
        switch (c) {
        case CFB_OPT_FORMAT:
            if (cfb_export_format_parse(optarg, &fmt)) {
                fprintf(stderr, "cfbench export: unknown format '%s' (csv, markdown, gbench)\n",
                        optarg);
                return CFB_EXIT_USAGE;
            }
            have_fmt = 1;
            break;
        case CFB_OPT_OUT:
            out_path = optarg;
            break;
        case CFB_OPT_AGGREGATES_ONLY:
        case CFB_OPT_MEDIAN_ONLY: {
            const char *name = c == CFB_OPT_AGGREGATES_ONLY ? "--aggregates-only" : "--median-only";
            cfb_gbench_rows want =
                c == CFB_OPT_AGGREGATES_ONLY ? CFB_GBENCH_AGGREGATES : CFB_GBENCH_MEDIAN;
            if (rows_opt && eo.gbench_rows != want) {
                fprintf(stderr, "cfbench export: %s and %s cannot be used together\n", rows_opt,
                        name);
                return CFB_EXIT_USAGE;
            }
            rows_opt = name;
            eo.gbench_rows = want;
            break;
        }
        case CFB_OPT_HELP:
            fputs(export_usage, stdout);
            return CFB_EXIT_OK;
        default: /* CFB_OPT_ERROR, said by cfb_opts_next */
            return CFB_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "cfbench export: %s\n",
                argc - optind < 1 ? "needs a RESULTS.json (see --help)"
                                  : "takes exactly one RESULTS.json");
        return CFB_EXIT_USAGE;
    }
    if (!have_fmt) {
        fprintf(stderr, "cfbench export: --format is required (csv, markdown, gbench)\n");
        return CFB_EXIT_USAGE;
    }
    if (rows_opt && fmt != CFB_EXPORT_GBENCH) {
        fprintf(stderr, "cfbench export: %s needs --format gbench\n", rows_opt);
        return CFB_EXIT_USAGE;
    }
#ifdef M_MXFAST
    /* cfb_results_read frees the parsed JSON (millions of small chunks for
     * a big file) before the export's first large allocation; with glibc's
     * fastbins that allocation then consolidates them all at once (about
     * 50 ms for 20,000 repetitions, 15% of the whole export). Without
     * fastbins free coalesces as it goes, at no cost we could measure
     * (bench/export_ab.sh). One command per process: the setting is ours. */
    mallopt(M_MXFAST, 0);
#endif
    /* without what no format shows: the per-task timelines (the bulk of a
     * real file: docs/results-schema.md) and the repetitions' count
     * objects; markdown and gbench, which show no latency either, read the
     * lean document of compare */
    static const char *const csv_drop[] = {"cases[].timeline", "cases[].repetitions[].counts"};
    size_t ndrop = 2;
    const char *const *drop = csv_drop;
    if (fmt != CFB_EXPORT_CSV) drop = cfb_results_lean_drops(&ndrop);
    if (cfb_results_read_filtered(argv[optind], drop, ndrop, &doc, err, sizeof err)) {
        fprintf(stderr, "cfbench export: %s\n", err);
        return CFB_EXIT_USAGE;
    }
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        fprintf(stderr, "cfbench export: out of memory\n");
        rc = CFB_EXIT_ENV;
        goto out;
    }
    int r = cfb_export_opt(doc, fmt, &eo, mem);
    if (fclose(mem) || r) {
        fprintf(stderr, "cfbench export: out of memory\n");
        rc = CFB_EXIT_ENV;
        goto out;
    }
    if (out_path && !cfb_out_is_stdout(out_path)) {
        if (cfb_write_atomic(out_path, text, len, err, sizeof err)) {
            fprintf(stderr, "cfbench export: %s\n", err);
            rc = CFB_EXIT_ENV;
            goto out;
        }
    } else if (fwrite(text, 1, len, stdout) != len || fflush(stdout)) {
        fprintf(stderr, "cfbench export: writing to stdout failed\n");
        rc = CFB_EXIT_ENV;
        goto out;
    }
    if (skipped)
        fprintf(stderr, "cfbench export: %zu failed case(s) left out (--median-only)\n", skipped);
    rc = CFB_EXIT_OK;
out:
    free(text);
    cfb_results_free(doc);
    return rc;
}
