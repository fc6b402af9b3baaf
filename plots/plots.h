/*
 * plots.h — charts and an HTML report from cfbench results JSON (libcfb_plots).
 *
 * cfb_plot_files() reads one or more results documents
 * (docs/results-schema.md), writes one gnuplot data file per chart into
 * OUT/data/, runs the readable gnuplot scripts plots/<chart>.gp on them (one
 * gnuplot process per chart, fed with -e variable assignments), and writes
 * OUT/report.html: every chart inlined as a data: URI plus a summary table
 * per case, readable offline. Every file is written atomically (temp file +
 * rename); gnuplot draws into a temp file that is renamed once it succeeded.
 *
 * gnuplot is an external program: $CFB_GNUPLOT, else `gnuplot` in PATH.
 * When it is missing the data files and a table-only report are still
 * written and CFB_PLOT_ENOGNUPLOT is returned.
 *
 * This library includes jansson and results/ only (nothing of runners).
 */
#ifndef CFB_PLOTS_H
#define CFB_PLOTS_H

#include <stddef.h>
#include <stdio.h>

/* Return codes (0 = success). The CLI maps them to exit codes. */
enum {
    CFB_PLOT_OK = 0,
    CFB_PLOT_EINPUT = -1,     /* a results file is unreadable, invalid or of a newer schema */
    CFB_PLOT_ENOGNUPLOT = -2, /* gnuplot not found (data files and report still written) */
    CFB_PLOT_EGNUPLOT = -3,   /* gnuplot ran but failed on a chart */
    CFB_PLOT_EIO = -4,        /* the output directory or a file could not be written */
    CFB_PLOT_ENOMEM = -5,     /* out of memory */
    CFB_PLOT_ESCRIPTS = -6,   /* the gnuplot scripts (plots/<chart>.gp) were not found */
};

/* Output formats, a bit set. */
enum { CFB_PLOT_PNG = 1, CFB_PLOT_SVG = 2 };

/* Which task timelines to draw. */
enum {
    CFB_PLOT_TIMELINES_ONE = 0, /* per workload and mode: the case closest to the host's CPUs */
    CFB_PLOT_TIMELINES_ALL = 1, /* every case that carries a timeline */
    CFB_PLOT_TIMELINES_NONE = 2,
};

typedef struct cfb_plot_options {
    const char *out_dir;     /* NULL: "plots" next to the first results file; created */
    unsigned formats;        /* CFB_PLOT_PNG | CFB_PLOT_SVG; 0 means PNG */
    int timelines;           /* CFB_PLOT_TIMELINES_* */
    const char *gnuplot;     /* NULL: $CFB_GNUPLOT if set, else "gnuplot" searched in PATH */
    const char *scripts_dir; /* NULL: $CFB_PLOTS_DIR if set, else cfb_datadir_find()'s plots/ */
    FILE *log;               /* one line per file written; NULL = quiet */
    /* The x axis of the per-workload wall and speedup charts (docs/scans.md):
     * NULL = the default (workers; a scanned workload also gets a chart
     * against each scanned key), "workers" (against workers, one pair per
     * value set of a scan), or a scanned parameter, "loiter.tasks" or
     * "tasks" (every workload that scans it). A key no case has, or one no
     * case scans, is CFB_PLOT_EINPUT with a one-line reason. Borrowed. */
    const char *x_key;
} cfb_plot_options;

/* What was produced (filled as far as the run got, also on failure). */
typedef struct cfb_plot_summary {
    char out_dir[1024]; /* the output directory */
    char report[1100];  /* OUT/report.html ("" when not written) */
    int charts;         /* chart jobs planned */
    int images;         /* image files drawn (a chart in both formats counts 2) */
    int data_files;     /* data files written */
} cfb_plot_summary;

/*
 * Chart `npaths` results files into opt->out_dir.
 * paths: borrowed; opt: may be NULL (all defaults); sum: may be NULL.
 * err receives a one-line reason (no trailing newline) on failure and, for
 * CFB_PLOT_ENOGNUPLOT, the "gnuplot not found … apt-get install gnuplot-nox"
 * line. Returns 0 or a CFB_PLOT_E* code.
 */
int cfb_plot_files(const char *const *paths, size_t npaths, const cfb_plot_options *opt,
                   cfb_plot_summary *sum, char *err, size_t errlen);

/*
 * Find gnuplot: `override` (or $CFB_GNUPLOT when override is NULL) if set —
 * a path, or a name searched in PATH — else "gnuplot" in PATH.
 * Writes the resolved path to out (size outlen). 0, or CFB_PLOT_ENOGNUPLOT.
 */
int cfb_plot_find_gnuplot(const char *override, char *out, size_t outlen);

/*
 * cfbench's data directory (share/cfbench; plots/plot_datadir.c): the first
 * of $CFBENCH_DATADIR (when set: only there), <exe dir>/../share/cfbench
 * (installed) and <exe dir>/share/cfbench (the build tree) that holds the
 * file `probe` (a path relative to it, e.g. "plots/common.gp"). 0 with the
 * absolute directory in out (size n); -1 when none does, with the places
 * looked at, comma-separated, in looked (size lookedlen; may be NULL).
 * No compiled-in source path. No state; thread-safe.
 */
int cfb_datadir_find(const char *probe, char *out, size_t n, char *looked, size_t lookedlen);

/*
 * `cfbench history` charts: one chart per series of h (borrowed; a
 * struct cfb_history from results/history.h) with plots/history.gp — the
 * per-file medians with their min–max bars, the segment medians, and a
 * dashed vertical line at each change point (red: regression, green:
 * improvement). Writes OUT/history-<case>.png|svg and the data files
 * OUT/data/history-<case>.dat; opt->out_dir is required (created).
 * sum->charts counts the series, sum->images the images drawn. Returns 0,
 * CFB_PLOT_ENOGNUPLOT (data files written, err says so), CFB_PLOT_ESCRIPTS,
 * CFB_PLOT_EGNUPLOT, CFB_PLOT_EIO or CFB_PLOT_ENOMEM.
 */
struct cfb_history;
int cfb_plot_history(const struct cfb_history *h, const cfb_plot_options *opt,
                     cfb_plot_summary *sum, char *err, size_t errlen);

#endif
