/* cmd_history.c — `cfbench history FILES…|DIR`: one series per case over
 * many results files, change points, charts, and exit 1 when the newest
 * points are a change for the worse (docs/cli-history.md). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "history.h"
#include "plots.h"
#include "results_io.h"

int cfb_cmd_history(int argc, char **argv);

static const char history_usage[] =
    "usage: cfbench history FILES...|DIR [OPTIONS]\n"
    "\n"
    "One series per case (workload, mode, workers, impl, params) over many results\n"
    "files, in run order (`created`, ties by file name): each file gives the median\n"
    "of the case's repetitions. Change points by E-divisive means (a seeded\n"
    "permutation test), smaller than the threshold not reported; the newest points,\n"
    "which no segment can isolate yet, are checked against the last segment.\n"
    "A DIR stands for every cfbench results *.json in it (others skipped, noted).\n"
    "\n"
    "options:\n"
    "      --metric M        wall (default) | cpu | throughput | speedup | efficiency |\n"
    "                        overhead | instructions | cpucost (prefer cpu or cpucost\n"
    "                        on a shared or noisy host)\n"
    "  -t, --threshold X     smallest change reported, e.g. 5% or 0.05 (default 5%)\n"
    "  -a, --alpha A         significance level (default 0.01)\n"
    "      --permutations N  permutation-test shuffles (default 499)\n"
    "      --min-size N      fewest points in a segment (default 5)\n"
    "      --recent K        a change within the newest K points is recent (default 5)\n"
    "      --seed N          permutation seed (default 1)\n"
    "      --order O         time (default: the run's `created`) | name (file name)\n"
    "  -c, --case GLOB       only cases whose id matches GLOB (repeatable)\n"
    "  -f, --format F        text (default) | markdown | json\n"
    "  -o, --out FILE        write the report to FILE (atomically) instead of stdout\n"
    "                        ('-' = stdout; a device, FIFO or directory is refused: exit 3)\n"
    "      --charts DIR      one chart per case: DIR/history-<case>.png (gnuplot),\n"
    "                        DIR/data/history-<case>.dat\n"
    "      --fail-on W       regression (default) | never (report, always exit 0)\n"
    "  -h, --help            this help\n"
    "(-m for --metric is deprecated: -m is --mode in every other command)\n"
    "\n"
    "exit: 0 no recent regression, 1 the last change of some case is a regression\n"
    "within the newest K points, 2 bad usage or input (unreadable or invalid file,\n"
    "fewer than 2 results files, no case), 3 charts not drawn (gnuplot or its\n"
    "scripts missing; the report and data files are written) or output not written\n";

int cfb_cmd_history(int argc, char **argv) {
    cfb_history_opts o;
    cfb_history_opts_default(&o);
    const char *format = "text", *out_path = NULL, *charts = NULL;
    int fail_on_regression = 1, c, rc = CFB_EXIT_USAGE;
    const char **globs = calloc((size_t)argc + 1, sizeof *globs);
    if (!globs) return CFB_EXIT_ENV;
    size_t nglobs = 0;
    cfb_history h;
    int loaded = 0;
    char *text = NULL;
    size_t text_len = 0;

    cfb_optparser op;
    if (cfb_opts_init(&op, "history")) goto out;
    while ((c = cfb_opts_next(&op, argc, argv)) != -1) {
        unsigned long long u;
        switch (c) {
        case CFB_OPT_METRIC:
            if (cfb_metric_parse(optarg, &o.metric)) {
                rc = cfb_usage_errorf(
                    "history",
                    "unknown metric '%s' (wall, cpu, throughput, speedup, efficiency, "
                    "overhead, instructions, cpucost)",
                    optarg);
                goto out;
            }
            break;
        case CFB_OPT_THRESHOLD:
            if (cfb_opt_fraction(optarg, true, &o.cpd.threshold) || o.cpd.threshold < 0 ||
                o.cpd.threshold >= 10) {
                rc = cfb_usage_errorf("history", "bad --threshold '%s' (e.g. 5%% or 0.05)", optarg);
                goto out;
            }
            break;
        case CFB_OPT_ALPHA:
            if (cfb_opt_fraction(optarg, false, &o.cpd.alpha) ||
                !(o.cpd.alpha > 0 && o.cpd.alpha < 1)) {
                rc = cfb_usage_errorf("history", "bad --alpha '%s' (a number in (0, 1))", optarg);
                goto out;
            }
            break;
        case CFB_OPT_PERMUTATIONS:
            if (cfb_opt_u64(optarg, 19, 100000, &u)) {
                rc = cfb_usage_errorf("history", "bad --permutations '%s' (19 to 100000)", optarg);
                goto out;
            }
            o.cpd.permutations = (size_t)u;
            break;
        case CFB_OPT_MIN_SIZE:
            if (cfb_opt_u64(optarg, 2, 1000, &u)) {
                rc = cfb_usage_errorf("history", "bad --min-size '%s' (2 to 1000)", optarg);
                goto out;
            }
            o.cpd.min_size = (size_t)u;
            break;
        case CFB_OPT_RECENT:
            if (cfb_opt_u64(optarg, 1, 1000000, &u)) {
                rc = cfb_usage_errorf("history", "bad --recent '%s' (a positive integer)", optarg);
                goto out;
            }
            o.cpd.recent = (size_t)u;
            break;
        case CFB_OPT_SEED:
            if (cfb_opt_u64(optarg, 0, ~0ULL, &u)) {
                rc =
                    cfb_usage_errorf("history", "bad --seed '%s' (a non-negative integer)", optarg);
                goto out;
            }
            o.cpd.seed = u;
            break;
        case CFB_OPT_ORDER:
            if (!strcmp(optarg, "time"))
                o.order = CFB_HISTORY_BY_TIME;
            else if (!strcmp(optarg, "name"))
                o.order = CFB_HISTORY_BY_NAME;
            else {
                rc = cfb_usage_errorf("history", "bad --order '%s' (time, name)", optarg);
                goto out;
            }
            break;
        case CFB_OPT_CASE:
            globs[nglobs++] = optarg;
            break;
        case CFB_OPT_FORMAT:
            if (strcmp(optarg, "text") && strcmp(optarg, "markdown") && strcmp(optarg, "json")) {
                rc = cfb_usage_errorf("history", "unknown format '%s' (text, markdown, json)",
                                      optarg);
                goto out;
            }
            format = optarg;
            break;
        case CFB_OPT_OUT:
            out_path = optarg;
            break;
        case CFB_OPT_CHARTS:
            charts = optarg;
            break;
        case CFB_OPT_FAIL_ON:
            if (!strcmp(optarg, "regression"))
                fail_on_regression = 1;
            else if (!strcmp(optarg, "never"))
                fail_on_regression = 0;
            else {
                rc = cfb_usage_errorf("history", "bad --fail-on '%s' (regression, never)", optarg);
                goto out;
            }
            break;
        case CFB_OPT_HELP:
            fputs(history_usage, stdout);
            rc = CFB_EXIT_OK;
            goto out;
        default: /* CFB_OPT_ERROR, said by cfb_opts_next */
            goto out;
        }
    }
    if (optind >= argc) {
        rc = cfb_usage_errorf("history", "%s",
                              "needs results files or a directory of them (see --help)");
        goto out;
    }
    o.case_globs = globs;
    o.ncase_globs = nglobs;

    char err[1600];
    int r = cfb_history_load((const char *const *)argv + optind, (size_t)(argc - optind), &o, &h,
                             err, sizeof err);
    if (r) {
        fprintf(stderr, "cfbench history: %s\n", err);
        rc = r == -1 ? CFB_EXIT_USAGE : CFB_EXIT_ENV;
        goto out;
    }
    loaded = 1;
    size_t i;
    json_t *n;
    json_array_foreach(h.notes, i, n) {
        fprintf(stderr, "cfbench history: note: %s\n", json_string_value(n));
    }

    FILE *mem = open_memstream(&text, &text_len);
    if (!mem) {
        fprintf(stderr, "cfbench history: out of memory\n");
        rc = CFB_EXIT_ENV;
        goto out;
    }
    if (!strcmp(format, "json")) {
        json_t *rep = cfb_history_report(&h);
        if (rep)
            json_dumpf(rep, mem, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
        fputc('\n', mem);
        json_decref(rep);
        if (!rep) {
            fclose(mem);
            fprintf(stderr, "cfbench history: out of memory\n");
            rc = CFB_EXIT_ENV;
            goto out;
        }
    } else if (!strcmp(format, "markdown")) {
        cfb_history_render_markdown(&h, mem);
    } else {
        cfb_history_render_text(&h, mem);
    }
    if (fclose(mem)) {
        fprintf(stderr, "cfbench history: out of memory\n");
        rc = CFB_EXIT_ENV;
        goto out;
    }
    if (out_path && !cfb_out_is_stdout(out_path)) {
        if (cfb_write_atomic(out_path, text, text_len, err, sizeof err)) {
            fprintf(stderr, "cfbench history: %s\n", err);
            rc = CFB_EXIT_ENV;
            goto out;
        }
    } else if (fwrite(text, 1, text_len, stdout) != text_len || fflush(stdout)) {
        fprintf(stderr, "cfbench history: writing the report failed\n");
        rc = CFB_EXIT_ENV;
        goto out;
    }
    int regressed = fail_on_regression && cfb_history_regressed(&h) > 0;
    rc = regressed ? CFB_EXIT_FAIL : CFB_EXIT_OK;
    if (charts) {
        cfb_plot_options po = {0};
        po.out_dir = charts;
        po.formats = CFB_PLOT_PNG;
        cfb_plot_summary sum;
        int pr = cfb_plot_history(&h, &po, &sum, err, sizeof err);
        if (pr) {
            fprintf(stderr, "cfbench history: %s\n", err);
            /* a recent regression still says so (1); otherwise charts that
             * could not be drawn are an environment problem (3) */
            if (!regressed) rc = CFB_EXIT_ENV;
        } else {
            fprintf(stderr, "cfbench history: %d charts in %s\n", sum.images, sum.out_dir);
        }
    }
out:
    free(text);
    if (loaded) cfb_history_free(&h);
    free(globs);
    return rc;
}
