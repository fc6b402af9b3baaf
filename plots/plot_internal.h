/*
 * plot_internal.h — shared between the files of libcfb_plots; not public.
 *
 * Data flow: plot_model.c turns the results documents into a model (sources,
 * cases, series) → plot_charts.c writes one data file per chart and plans a
 * job (script + gnuplot variables) for it → plot_gnuplot.c runs gnuplot per
 * job → plot_report.c writes report.html. plot_main.c drives the four.
 */
#ifndef CFB_PLOT_INTERNAL_H
#define CFB_PLOT_INTERNAL_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "cfbench_results.h"
#include "plots.h"

/* ---- a growable string (plot_util.c) ----------------------------------- */

/* Zero-initialise; pb_free releases. After an allocation failure `oom` is set
 * and further appends are ignored, so callers check once at the end. */
typedef struct pbuf {
    char *s;
    size_t len, cap;
    int oom;
} pbuf;

void pb_put(pbuf *b, const char *s, size_t n);
void pb_puts(pbuf *b, const char *s);
void pb_printf(pbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pb_free(pbuf *b);
/* Append s as a gnuplot single-quoted string ('' for a quote; newlines → space). */
void pb_gpstr(pbuf *b, const char *s);
/* Append s as a double-quoted data-file column ('"' → '\''). */
void pb_datastr(pbuf *b, const char *s);
/* Append s escaped for HTML text and attribute values. */
void pb_html(pbuf *b, const char *s);
/* Append the base64 encoding of data. */
void pb_base64(pbuf *b, const unsigned char *data, size_t n);
/* Append a duration in seconds with a fitting unit: "2.26 ms", "0.166 s". */
void pb_seconds(pbuf *b, double s);

/* Create dir and its parents (mode 0777 & ~umask). 0 or -1 with err set. */
int plot_mkdirs(const char *dir, char *err, size_t errlen);
/* Read a whole file into *data (malloc'd, caller frees). 0 or -1. */
int plot_read_file(const char *path, unsigned char **data, size_t *len);
/* Write b atomically to path (temp + rename). 0 or CFB_PLOT_EIO/ENOMEM. */
int plot_write_buf(const char *path, const pbuf *b, char *err, size_t errlen);
/* Keep [A-Za-z0-9._+-] of s, others → '_' (for file names). */
void plot_slug(char *out, size_t outlen, const char *s);

/* ---- the model (plot_model.c) ------------------------------------------ */

/* Read from the results model (results/include/cfbench_results.h) through its
 * accessors; no file of plots/ reads a results document as JSON but for the
 * sections the model keeps as JSON (a case's timeline, host.floors). */
typedef struct plot_source {
    const char *path;                                    /* borrowed from the caller */
    cfb_results *doc;                                    /* owned (cfb_results_read) */
    const char *hostname, *created, *commit, *cpu_model; /* borrowed from doc, never NULL */
    int cpus;
    int complete, interrupted;
} plot_source;

#define PLOT_LAT_N 4 /* p50 p90 p99 max */

typedef struct plot_case {
    int source;                              /* index into model.src */
    const char *id, *workload, *mode, *impl; /* borrowed from the document */
    int workers, tasks, nreps;
    double med, lo, hi;         /* wall_s median and its 95% CI */
    double cpu_med, tps_med;    /* NAN when absent */
    double speedup, efficiency; /* as recorded (summary); NAN when null/absent */
    /* the median wall time of the case's seq reference (cfb_results_seq_of:
     * same workload, impl and params), NAN when it has none */
    double seq_med;
    double lat[PLOT_LAT_N]; /* medians over repetitions of latency_s p50/p90/p99/max */
    const json_t *timeline; /* borrowed (cfb_rcase_timeline); NULL when absent */
    const char *error;      /* non-NULL: the case did not run, kept for the table */
    /* the workload's own measurement (a `metric` hook: the spinner's largest gap
     * between ticks): NULL name when the case has none */
    const char *metric_name;
    double metric_med, metric_lo, metric_hi; /* median and 95% CI (else [min, max]) */
    int bound;           /* PLOT_BOUND_*: what bounds the workload (plot_case_bound) */
    const cfb_rcase *rc; /* the case, borrowed from m->src[source].doc */
    /* its value set when part of a parameter scan (case.scan, docs/scans.md):
     * "tasks=10 unit=0.01" in scan order (cut at 159 bytes); "" when not scanned */
    char scan[160];
} plot_case;

/* What bounds a workload's speed, as the crossover chart needs it. */
enum { PLOT_BOUND_UNKNOWN = 0, PLOT_BOUND_CPU = 1, PLOT_BOUND_IO = 2 };

typedef struct plot_series {
    int source;       /* index into model.src */
    const char *impl; /* borrowed */
    char label[160];  /* "c @1a2b3c4d5e6f"; "c @1a2b3c4d5e6f (base.json)" with several files */
    char brief[96];   /* for chart titles: "c", "python", "c, file 2" */
    char slug[64];    /* "" when there is a single series, else "c", "python", "c-2" */
    size_t *cases;    /* indexes into model.cases, document order (owned) */
    size_t ncases;
} plot_series;

typedef struct plot_model {
    plot_source *src;
    size_t nsrc;
    plot_case *cases;
    size_t ncases;
    plot_series *series;
    size_t nseries;
} plot_model;

/* Load and validate the documents. 0, or CFB_PLOT_EINPUT / ENOMEM with err
 * set. On failure the model is freed. */
int plot_model_load(plot_model *m, const char *const *paths, size_t npaths, char *err,
                    size_t errlen);
void plot_model_free(plot_model *m);

/* The bound of case c of document doc (both borrowed) as recorded: the
 * case's bound (cfb_rcase_bound, or the field "kind" of hand-made files,
 * cfb_rcase_extension) when it says io/I/O-bound or cpu/CPU-bound, else the
 * document's config.ladders.<workload>.bound (cfb_results_ladder_bound), else
 * PLOT_BOUND_UNKNOWN. plot_model_load() then settles the unknown ones of
 * files written before the field existed from their own numbers (no
 * workload is named anywhere in plots/): a workload whose seq cases (else
 * its 1-worker cases) use at least half a CPU second per wall second is
 * CPU-bound, one that uses less is I/O-bound (it mostly waits); without
 * CPU times it stays unknown. Those two are the only places that decide
 * it. PLOT_BOUND_*. */
int plot_case_bound(const cfb_results *doc, const cfb_rcase *c);
/* "I/O-bound", "CPU-bound" or "" (static strings). */
const char *plot_bound_name(int bound);

/* Canonical mode rank: seq 0, thread 1, process 2, async 3, hybrid 4, mpi 5,
 * other 6. */
int plot_mode_rank(const char *mode);
/* Distinct workloads of a series in document order; *out malloc'd (caller
 * frees), entries borrowed. Returns the count, or -1 on ENOMEM. */
int plot_series_workloads(const plot_model *m, const plot_series *s, const char ***out);

/* Scans (docs/scans.md). The value of parameter / scanned key `key` of a
 * case (params.<key> / scan.<key>, borrowed), or NULL when it has none. */
const char *plot_case_param(const plot_case *c, const char *key);
const char *plot_case_scan(const plot_case *c, const char *key);
/* The scanned keys of workload wl in series s, in scan order (the keys of
 * its cases' case.scan, first seen first); *out malloc'd (caller frees),
 * entries borrowed. The count, or -1 on ENOMEM. */
int plot_workload_scan_keys(const plot_model *m, const plot_series *s, const char *wl,
                            const char ***out);
/* Does x_key ("workload.key" or "key") name scanned key `key` of workload wl? */
int plot_x_matches(const char *x_key, const char *wl, const char *key);
/* Check a --x key against the model: 0 when it is NULL, "workers" or a key
 * some case scans; else CFB_PLOT_EINPUT with a one-line reason in err (no
 * case has such a parameter; or it is not scanned: one value). */
int plot_x_check(const plot_model *m, const char *x_key, char *err, size_t errlen);

/* ---- charts (plot_charts.c) ----------------------------------------------- */

typedef struct plot_job {
    char script[16];   /* "wall" → SCRIPTS/wall.gp */
    char name[256];    /* output base name: "wall-primes", "timeline-loiter-thread-w4-python" */
    int series;        /* index into model.series, -1 for cross-series charts */
    char workload[64]; /* "" for charts over all workloads */
    char caption[320]; /* one sentence for the report */
    pbuf vars;         /* gnuplot assignments "a='x'; b=2; " (without term/outfile) */
    int drawn;         /* bit set of CFB_PLOT_PNG / SVG actually drawn */
} plot_job;

typedef struct plot_plan {
    plot_job *jobs;
    size_t njobs;
    int data_files;
} plot_plan;

/* Write the data files under data_dir and plan the jobs; x_key as
 * cfb_plot_options.x_key (already checked by plot_x_check). 0 or CFB_PLOT_E*. */
int plot_charts_plan(const plot_model *m, const char *data_dir, int timelines, const char *x_key,
                     FILE *log, plot_plan *plan, char *err, size_t errlen);
void plot_plan_free(plot_plan *plan);

/* ---- gnuplot (plot_gnuplot.c) ------------------------------------------- */

/* Draw one job in one format (CFB_PLOT_PNG or SVG) to out_path, via a temp
 * file renamed on success. 0, CFB_PLOT_EGNUPLOT (err has gnuplot's last
 * output line, where it names the error), CFB_PLOT_EIO or ENOMEM. Warnings
 * of a successful run go to log (may be NULL). */
int plot_gnuplot_run(const char *gnuplot, const char *scripts_dir, const plot_job *job,
                     unsigned format, const char *out_path, FILE *log, char *err, size_t errlen);
/* Append the shell command that draws job to out_path (for replot.sh). */
void plot_gnuplot_cmdline(pbuf *b, const char *scripts_dir, const plot_job *job, unsigned format,
                          const char *out_path);

/* The gnuplot scripts' directory (plot_main.c): o->scripts_dir, else
 * $CFB_PLOTS_DIR (each: only there), else plots/ of cfb_datadir_find();
 * must hold common.gp. The absolute path goes to out. 0, or
 * CFB_PLOT_ESCRIPTS with err set (naming every place looked at). */
int plot_find_scripts(const cfb_plot_options *o, char *out, size_t n, char *err, size_t errlen);

/* ---- report (plot_report.c) --------------------------------------------- */

/* Write OUT/report.html. note: a line shown on top (e.g. "gnuplot missing"),
 * or NULL. 0 or CFB_PLOT_EIO/ENOMEM. */
int plot_report_write(const plot_model *m, const plot_plan *plan, const char *out_dir,
                      const char *note, char *err, size_t errlen);

#endif
