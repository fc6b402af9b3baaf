/* cmd_compare.c — `cfbench compare BASE.json NEW.json`: regression verdicts
 * between two results documents (docs/cli-compare.md). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "compare.h"
#include "json_filter.h"
#include "results_io.h"

int cfb_cmd_compare(int argc, char **argv);

static const char compare_usage[] =
    "usage: cfbench compare BASE.json NEW.json [OPTIONS]\n"
    "\n"
    "Match the cases of two results documents (workload, mode, workers, impl,\n"
    "params) and say, case by case, whether NEW is slower than BASE: both\n"
    "medians, the ratio NEW/BASE with a bootstrap 95% CI, a Mann-Whitney U\n"
    "p-value, and a verdict (regression, improvement, no change, can't tell).\n"
    "A regression needs p < alpha AND the whole CI beyond the threshold.\n"
    "\n"
    "options:\n"
    "      --metric M      wall (default) | cpu | throughput | speedup | efficiency |\n"
    "                      overhead | instructions | cpucost (CPU time / the seq\n"
    "                      case's median CPU time)\n"
    "  -t, --threshold X   noise band, e.g. 5% or 0.05 (default 5%)\n"
    "  -a, --alpha A       significance level of the U test (default 0.05)\n"
    "  -f, --format F      text (default) | markdown | json\n"
    "      --fail-on W     regression (default: exit 1 on a regression) | never\n"
    "  -c, --case GLOB     only cases whose id matches GLOB (repeatable)\n"
    "      --correction C  holm (default: p-values adjusted for the number of cases\n"
    "                      compared, intervals simultaneous 95%) | none (per case)\n"
    "      --seed N        bootstrap seed (default 1)\n"
    "      --resamples N   bootstrap resamples (default 2000; with holm raised to\n"
    "                      20m/0.05, within 1e7 over all cases: see the docs)\n"
    "  -o, --out FILE      write the report to FILE (atomically) instead of stdout\n"
    "                      ('-' = stdout; a device, FIFO or directory is refused: exit 3)\n"
    "  -h, --help          this help\n"
    "(-m for --metric is deprecated: -m is --mode in every other command)\n"
    "\n"
    "BASE and NEW from different CPU models or different numbers of usable CPUs\n"
    "(host.cpu_model, host.cpus_allowed): a warning on stderr and in the report.\n"
    "\n"
    "exit: 0 no regression, 1 a regression, 2 bad usage or input (unreadable file,\n"
    "wrong schema, nothing in common)\n";

/* Warnings when BASE and NEW were not measured in the same context (issue
 * 11): different CPU models (host.cpu_model) or different numbers of CPUs
 * the process could use (host.cpus_allowed, in files that have it). A new
 * JSON array of strings (owned by the caller), empty when nothing differs
 * or a file does not say. */
static json_t *context_warnings(const cfb_results *base, const cfb_results *new_doc) {
    json_t *w = json_array();
    const char *mb = cfb_results_cpu_model(base), *mn = cfb_results_cpu_model(new_doc);
    char line[1024];
    if (mb && mn && strcmp(mb, mn)) {
        snprintf(line, sizeof line,
                 "BASE and NEW come from different CPU models ('%s' vs '%s'): the ratios measure "
                 "the machines as much as the code",
                 mb, mn);
        json_array_append_new(w, json_string(line));
    }
    int ab = cfb_results_cpus_allowed(base),
        an = cfb_results_cpus_allowed(new_doc); /* -1: absent */
    if (ab >= 0 && an >= 0 && ab != an) {
        snprintf(line, sizeof line,
                 "BASE and NEW ran with different numbers of usable CPUs (%lld vs %lld, "
                 "host.cpus_allowed): parallel cases are not comparable",
                 (long long)ab, (long long)an);
        json_array_append_new(w, json_string(line));
    }
    return w;
}

int cfb_cmd_compare(int argc, char **argv) {
    cfb_compare_opts o;
    cfb_compare_opts_default(&o);
    const char *format = "text", *out_path = NULL;
    int fail_on_regression = 1;
    const char **globs = calloc((size_t)argc + 1, sizeof *globs);
    if (!globs) return CFB_EXIT_ENV;
    size_t nglobs = 0;
    int rc = CFB_EXIT_USAGE, c;
    cfb_results *base = NULL, *new_doc = NULL;
    json_t *report = NULL, *ctxw = NULL;
    char *text = NULL;
    size_t text_len = 0;

    cfb_optparser op;
    if (cfb_opts_init(&op, "compare")) goto out;
    while ((c = cfb_opts_next(&op, argc, argv)) != -1) {
        unsigned long long u;
        switch (c) {
        case CFB_OPT_METRIC:
            if (cfb_metric_parse(optarg, &o.metric)) {
                rc = cfb_usage_errorf(
                    "compare",
                    "unknown metric '%s' (wall, cpu, throughput, speedup, efficiency, "
                    "overhead, instructions, cpucost)",
                    optarg);
                goto out;
            }
            break;
        case CFB_OPT_THRESHOLD:
            if (cfb_opt_fraction(optarg, true, &o.threshold) || o.threshold < 0 ||
                o.threshold >= 10) {
                rc = cfb_usage_errorf("compare", "bad --threshold '%s' (e.g. 5%% or 0.05)", optarg);
                goto out;
            }
            break;
        case CFB_OPT_ALPHA:
            if (cfb_opt_fraction(optarg, false, &o.alpha) || !(o.alpha > 0 && o.alpha < 1)) {
                rc = cfb_usage_errorf("compare", "bad --alpha '%s' (a number in (0, 1))", optarg);
                goto out;
            }
            break;
        case CFB_OPT_FORMAT:
            if (strcmp(optarg, "text") && strcmp(optarg, "markdown") && strcmp(optarg, "json")) {
                rc = cfb_usage_errorf("compare", "unknown format '%s' (text, markdown, json)",
                                      optarg);
                goto out;
            }
            format = optarg;
            break;
        case CFB_OPT_FAIL_ON:
            if (!strcmp(optarg, "regression"))
                fail_on_regression = 1;
            else if (!strcmp(optarg, "never"))
                fail_on_regression = 0;
            else {
                rc = cfb_usage_errorf("compare", "bad --fail-on '%s' (regression, never)", optarg);
                goto out;
            }
            break;
        case CFB_OPT_CASE:
            globs[nglobs++] = optarg;
            break;
        case CFB_OPT_SEED:
            if (cfb_opt_u64(optarg, 0, ULLONG_MAX, &u)) {
                rc =
                    cfb_usage_errorf("compare", "bad --seed '%s' (a non-negative integer)", optarg);
                goto out;
            }
            o.seed = u;
            break;
        case CFB_OPT_RESAMPLES:
            if (cfb_opt_u64(optarg, 0, ULLONG_MAX, &u) || u < 100 || u > 1000000) {
                rc = cfb_usage_errorf("compare", "bad --resamples '%s' (100 to 1000000)", optarg);
                goto out;
            }
            o.resamples = (size_t)u;
            break;
        case CFB_OPT_CORRECTION:
            if (!strcmp(optarg, "holm"))
                o.correction = 1;
            else if (!strcmp(optarg, "none"))
                o.correction = 0;
            else {
                rc = cfb_usage_errorf("compare", "bad --correction '%s' (holm, none)", optarg);
                goto out;
            }
            break;
        case CFB_OPT_OUT:
            out_path = optarg;
            break;
        case CFB_OPT_HELP:
            fputs(compare_usage, stdout);
            rc = CFB_EXIT_OK;
            goto out;
        default: /* CFB_OPT_ERROR, said by cfb_opts_next */
            goto out;
        }
    }
    if (argc - optind != 2) {
        rc =
            cfb_usage_errorf("compare", "%s",
                             argc - optind < 2 ? "needs BASE.json and NEW.json (see --help)"
                                               : "takes exactly two files, BASE.json and NEW.json");
        goto out;
    }
    o.case_globs = globs;
    o.ncase_globs = nglobs;

    const char *bpath = argv[optind], *npath = argv[optind + 1];
    char err[2048];
    /* Loaded without the per-task timelines and per-repetition latency and
     * count objects, which no metric uses: the memory is that of the
     * repetitions' scalar fields (docs/cli-compare.md, "cost"). */
    size_t ndrops;
    const char *const *drops = cfb_results_lean_drops(&ndrops);
    if (cfb_results_read_filtered(bpath, drops, ndrops, &base, err, sizeof err)) {
        fprintf(stderr, "cfbench compare: BASE: %s\n", err);
        goto out;
    }
    if (cfb_results_read_filtered(npath, drops, ndrops, &new_doc, err, sizeof err)) {
        fprintf(stderr, "cfbench compare: NEW: %s\n", err);
        goto out;
    }
    int r = cfb_compare_docs(base, new_doc, bpath, npath, &o, &report, err, sizeof err);
    if (r) {
        fprintf(stderr, "cfbench compare: %s\n", err);
        rc = r == -1 ? CFB_EXIT_USAGE : CFB_EXIT_ENV;
        goto out;
    }

    /* context warnings: stderr, and a note in the report itself */
    ctxw = context_warnings(base, new_doc);
    size_t wi;
    json_t *wv;
    json_array_foreach(ctxw, wi, wv) {
        fprintf(stderr, "cfbench compare: warning: %s\n", json_string_value(wv));
    }
    if (json_array_size(ctxw)) json_object_set(report, "context_warnings", ctxw);

    FILE *mem = open_memstream(&text, &text_len);
    if (!mem) {
        fprintf(stderr, "cfbench compare: out of memory\n");
        rc = CFB_EXIT_ENV;
        goto out;
    }
    json_array_foreach(ctxw, wi, wv) {
        if (!strcmp(format, "markdown"))
            fprintf(mem, "> **Warning:** %s\n\n", json_string_value(wv));
        else if (!strcmp(format, "text"))
            fprintf(mem, "warning: %s\n", json_string_value(wv));
    }
    if (!strcmp(format, "json"))
        json_dumpf(report, mem, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    else if (!strcmp(format, "markdown"))
        cfb_compare_render_markdown(report, mem);
    else
        cfb_compare_render_text(report, mem);
    if (!strcmp(format, "json")) fputc('\n', mem);
    if (fclose(mem)) {
        fprintf(stderr, "cfbench compare: out of memory\n");
        rc = CFB_EXIT_ENV;
        goto out;
    }
    if (out_path && !cfb_out_is_stdout(out_path)) {
        if (cfb_write_atomic(out_path, text, text_len, err, sizeof err)) {
            fprintf(stderr, "cfbench compare: %s\n", err);
            rc = CFB_EXIT_ENV;
            goto out;
        }
    } else if (fwrite(text, 1, text_len, stdout) != text_len || fflush(stdout)) {
        fprintf(stderr, "cfbench compare: writing the report failed\n");
        rc = CFB_EXIT_ENV;
        goto out;
    }
    rc = fail_on_regression && cfb_compare_regressions(report) > 0 ? CFB_EXIT_FAIL : CFB_EXIT_OK;
out:
    free(text);
    json_decref(report);
    json_decref(ctxw);
    cfb_results_free(base);
    cfb_results_free(new_doc);
    free(globs);
    return rc;
}
