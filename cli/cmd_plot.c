/* cmd_plot.c — `cfbench plot RESULTS.json… [--out DIR] [--format png|svg|both] [--x KEY]`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "options.h"
#include "plots.h"

int cfb_cmd_plot(int argc, char **argv);

static void plot_usage(FILE *to) {
    fprintf(to, "usage: cfbench plot RESULTS.json... [--out DIR] [--format png|svg|both]\n"
                "                    [--timelines one|all|none] [--x KEY] [--verbose]\n\n"
                "Draw charts (gnuplot) and an offline HTML report from results files:\n"
                "wall time and speedup vs workers, best of each mode, task timelines,\n"
                "latency CDFs, the crossover chart (an I/O-bound and a CPU-bound workload's\n"
                "speedup on one plot) and, for several files or impls, the same cases side\n"
                "by side. report.html opens with the findings computed from the data.\n"
                "A parameter scan (run -p loiter.tasks=1..64:x2) also gets wall time and\n"
                "speedup against each scanned key, one line per mode at each value's\n"
                "fastest worker count (docs/scans.md).\n\n"
                "  -o, --out DIR        output directory (default: plots/ next to the first file)\n"
                "  -f, --format FMT     png (default), svg or both\n"
                "      --timelines W    one per workload and mode (default), all, none\n"
                "      --x KEY          x axis of the wall/speedup charts: workers (one pair\n"
                "                       per value set of a scan), or a scanned parameter,\n"
                "                       e.g. loiter.tasks (or tasks: every workload scanning it)\n"
                "  -v, --verbose        print every file written\n"
                "  -h, --help           this help\n"
                "(-t for --timelines is deprecated: -t is --threshold in other commands)\n\n"
                "Writes DIR/*.png|svg, DIR/report.html, DIR/data/*.dat (the numbers behind\n"
                "each chart) and DIR/data/replot.sh. gnuplot: $CFB_GNUPLOT, else PATH;\n"
                "scripts: $CFB_PLOTS_DIR, else $CFBENCH_DATADIR/plots, else share/cfbench/plots\n"
                "beside the executable's bin/ (installed) or beside it (build tree).\n"
                "exit: 0 ok, 1 gnuplot failed, 2 bad usage or results file,\n"
                "      3 gnuplot or its scripts missing (data files still written) or output\n"
                "      not writable\n");
}

int cfb_cmd_plot(int argc, char **argv) {
    cfb_plot_options o = {0};
    o.formats = CFB_PLOT_PNG;
    int verbose = 0, c;
    cfb_optparser op;
    if (cfb_opts_init(&op, "plot")) return CFB_EXIT_USAGE;
    while ((c = cfb_opts_next(&op, argc, argv)) != -1) {
        switch (c) {
        case CFB_OPT_OUT:
            o.out_dir = optarg;
            break;
        case CFB_OPT_FORMAT:
            if (!strcmp(optarg, "png"))
                o.formats = CFB_PLOT_PNG;
            else if (!strcmp(optarg, "svg"))
                o.formats = CFB_PLOT_SVG;
            else if (!strcmp(optarg, "both"))
                o.formats = CFB_PLOT_PNG | CFB_PLOT_SVG;
            else {
                fprintf(stderr, "cfbench plot: --format must be png, svg or both, not '%s'\n",
                        optarg);
                return CFB_EXIT_USAGE;
            }
            break;
        case CFB_OPT_TIMELINES:
            if (!strcmp(optarg, "one"))
                o.timelines = CFB_PLOT_TIMELINES_ONE;
            else if (!strcmp(optarg, "all"))
                o.timelines = CFB_PLOT_TIMELINES_ALL;
            else if (!strcmp(optarg, "none"))
                o.timelines = CFB_PLOT_TIMELINES_NONE;
            else {
                fprintf(stderr, "cfbench plot: --timelines must be one, all or none, not '%s'\n",
                        optarg);
                return CFB_EXIT_USAGE;
            }
            break;
        case CFB_OPT_X:
            if (!*optarg) {
                fprintf(stderr, "cfbench plot: --x needs a key: workers, or a scanned parameter "
                                "such as loiter.tasks\n");
                return CFB_EXIT_USAGE;
            }
            o.x_key = optarg;
            break;
        case CFB_OPT_VERBOSE:
            verbose = 1;
            break;
        case CFB_OPT_HELP:
            plot_usage(stdout);
            return CFB_EXIT_OK;
        default: /* CFB_OPT_ERROR, said by cfb_opts_next */
            return CFB_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "cfbench plot: no results file given (usage: cfbench plot "
                        "RESULTS.json... [--out DIR])\n");
        return CFB_EXIT_USAGE;
    }
    o.log = verbose ? stderr : NULL;
    cfb_plot_summary sum;
    char err[1024];
    int rc = cfb_plot_files((const char *const *)argv + optind, (size_t)(argc - optind), &o, &sum,
                            err, sizeof err);
    switch (rc) {
    case CFB_PLOT_OK:
        printf("cfbench plot: %d charts, %d image files in %s\n", sum.charts, sum.images,
               sum.out_dir);
        printf("report: %s\n", sum.report);
        return CFB_EXIT_OK;
    case CFB_PLOT_EINPUT:
        fprintf(stderr, "cfbench plot: %s\n", err);
        return CFB_EXIT_USAGE;
    case CFB_PLOT_ENOGNUPLOT:
    case CFB_PLOT_ESCRIPTS:
    case CFB_PLOT_EIO:
        fprintf(stderr, "cfbench plot: %s\n", err);
        return CFB_EXIT_ENV;
    default:
        fprintf(stderr, "cfbench plot: %s\n", err);
        return CFB_EXIT_FAIL;
    }
}
