/*
 * findings.h — what a results document says, in a few sentences computed
 * from its data (issue 16): per workload (and per value set of a parameter
 * scan, docs/scans.md), the best speedup of each mode and
 * at which worker count, read by the workload's kind (I/O- or CPU-bound),
 * and what the GIL (impl c+gil, or Python's own) does to it. A sentence the
 * data cannot carry (noisy, too few worker counts, no seq case) is kept,
 * marked unsupported, and says why instead.
 *
 * Speedup is the results' own (docs/results-schema.md: summary.speedup =
 * the seq case's median wall ÷ this case's); its 95% interval is the seq
 * median over this case's ci95 of the wall time, as `cfbench plot` draws it.
 * "Distinguishable from seq" means the two cases' ci95 of the median wall
 * do not overlap.
 *
 * Pure: reads a document (borrowed), allocates only the list it returns.
 * Used by `cfbench run` (the summary at the end, on stderr) and by
 * `cfbench plot` (the findings section of report.html).
 */
#ifndef CFB_FINDINGS_H
#define CFB_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cfbench_results.h"

#define CFB_FINDING_SCAN 128

typedef enum cfb_finding_kind {
    CFB_FINDING_IO_SCALING,  /* I/O-bound workload: how far each mode scales */
    CFB_FINDING_CPU_PLATEAU, /* CPU-bound workload: best at the CPUs, flat beyond */
    CFB_FINDING_GIL,         /* impl c+gil or python: threads against processes */
    CFB_FINDING_OTHER,       /* kind not recorded (older files): best per mode */
} cfb_finding_kind;

/* The best case of one mode of one (workload, impl). */
typedef struct cfb_mode_best {
    char mode[16];   /* "seq", "thread", "process", "async", "mpi", … */
    double speedup;  /* summary.speedup of the best case (1 for seq); NaN if none */
    double lo, hi;   /* its 95% interval; NaN when a ci95 is null (1 repetition) */
    int workers;     /* that case's workers */
    double wall;     /* that case's median wall, seconds */
    bool distinct;   /* its wall ci95 and seq's do not overlap */
    int ncounts;     /* how many worker counts the mode has */
    int max_workers; /* the largest of them */
} cfb_mode_best;

#define CFB_FINDING_MODES 8

typedef struct cfb_finding {
    cfb_finding_kind kind;
    char workload[64];
    char impl[32];
    char bound[8]; /* "io", "cpu", or "" when the results do not say */
    /* the scanned value set this finding is about, "tasks=10 unit=0.01"
     * (case.scan, docs/scans.md); "" when the cases are not a scan */
    char scan[CFB_FINDING_SCAN];
    bool supported; /* false: text says "not supported by the data: …" and why */
    char text[720]; /* one sentence, plain ASCII */
    cfb_mode_best modes[CFB_FINDING_MODES]; /* seq first, then the others in canonical order */
    size_t nmodes;
} cfb_finding;

typedef struct cfb_findings {
    cfb_finding *items; /* owned */
    size_t n;
    int cpus; /* host.cpus_allowed (else host.cpus; 0 unknown) */
    /* every (workload, impl) group with its per-mode bests, for the summary
     * table (owned; a finding's modes are a copy of its group's) */
    cfb_finding *groups;
    size_t ngroups;
} cfb_findings;

/* Compute the findings of doc (borrowed; the results model,
 * results/include/cfbench_results.h). *out is filled (free with
 * cfb_findings_free, also on failure). 0, or -1 when out of memory or doc
 * is NULL. Deterministic: the same document gives the same sentences. */
int cfb_findings_compute(const cfb_results *doc, cfb_findings *out);
void cfb_findings_free(cfb_findings *f);

/* The end-of-run summary for a terminal: a table (workload, kind, impl,
 * mode, best speedup, at workers, median wall of that case) and the
 * findings, each line at most width columns (sentences wrapped). Writes
 * nothing when doc has no case. */
void cfb_findings_print(FILE *to, const cfb_results *doc, int width);

#endif
