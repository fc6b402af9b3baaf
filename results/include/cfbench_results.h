/*
 * model.h — the typed results model: a cfbench results document
 * (docs/results-schema.md, schema_version 1) as C objects, and the one
 * JSON codec that reads and writes it (results/model_json.c).
 *
 *   cfb_results      the document: schema_version, complete / interrupted,
 *                    tool, created / finished, host, build, noise, config,
 *                    cases, and every top-level field the model does not
 *                    know (extensions such as `mpi`), kept verbatim;
 *   cfb_rcase        one case: id, workload, mode, workers, impl, bound,
 *                    processes, params and scan (ordered key / value text),
 *                    tasks, repetitions, timeline, metric_name, summary,
 *                    error. (Not `cfb_case`: runners/sweep.c has a private
 *                    type of that name for a case being run.)
 *   cfb_repetition   one measured repetition: index, wall_s, user / sys /
 *                    cpu, max_rss_kb, context switches, task counts and
 *                    failures, counts, check_failures, bytes, throughput,
 *                    latency percentiles, sample stride, instructions,
 *                    first_problem, metric.
 *
 * A value the schema allows to be null or absent keeps that distinction
 * (accessors return false for both; cfb_*_field_state() tells them apart);
 * a value the model cannot hold exactly (a field of an unexpected type in
 * a hand-made file, a string with a NUL byte) and every key it does not
 * know are kept verbatim with their position, so decode + encode gives the
 * same document, key order included (tests/results/test_model_json.c).
 * host, build, noise, config and a case's timeline are sections read as
 * JSON (borrowed json_t, read-only); the typed accessors below cover what
 * readers use of them.
 *
 * Derived metrics are defined here once: the seq reference of a case
 * (cfb_results_seq_of), its speedup, efficiency and overhead per task
 * (cfb_derived_compute / cfb_rcase_derived).
 *
 * Ownership: a document owns its cases, a case its repetitions. Getters
 * return borrowed pointers valid until the owner is changed or freed.
 * Setters copy strings; a json_t argument is a reference the setter takes
 * (steals), also when it fails. cfb_*_add_* take ownership of the object
 * added, also on failure (it is freed then). Every setter returns 0, or -1
 * on out of memory. Not thread-safe: one thread per document at a time
 * (reading a document from several threads at once is fine).
 */
#ifndef CFB_MODEL_H
#define CFB_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cfbench_stats.h"

typedef struct cfb_results cfb_results;
typedef struct cfb_rcase cfb_rcase;
typedef struct cfb_repetition cfb_repetition;

/* How a field of the model is recorded. */
typedef enum cfb_field_state {
    CFB_FIELD_ABSENT = 0, /* not in the document */
    CFB_FIELD_NULL,       /* null: could not be measured */
    CFB_FIELD_SET,        /* a value of the schema's type */
    CFB_FIELD_VERBATIM    /* a value of another type, kept as it was */
} cfb_field_state;

/* ---- the document ------------------------------------------------------ */

/* A new empty document (schema_version 1, complete false, no cases), owned
 * by the caller (cfb_results_free); NULL on out of memory. */
cfb_results *cfb_results_new(void);
void cfb_results_free(cfb_results *d); /* NULL is fine */

int cfb_results_schema_version(const cfb_results *d);
bool cfb_results_complete(const cfb_results *d);
bool cfb_results_interrupted(const cfb_results *d); /* false when absent */
int cfb_results_set_status(cfb_results *d, bool complete, bool interrupted);

/* tool.name / .version / .commit, created, finished: NULL when absent. */
const char *cfb_results_tool_name(const cfb_results *d);
const char *cfb_results_tool_version(const cfb_results *d);
const char *cfb_results_tool_commit(const cfb_results *d);
const char *cfb_results_created(const cfb_results *d);
const char *cfb_results_finished(const cfb_results *d);
int cfb_results_set_tool(cfb_results *d, const char *name, const char *version, const char *commit);
int cfb_results_set_times(cfb_results *d, const char *created, const char *finished);

/* The sections kept as JSON (borrowed; NULL when absent). */
/* config.ladders.<workload>.bound ("io" / "cpu" as written), or NULL. */
const char *cfb_results_ladder_bound(const cfb_results *d, const char *workload);
const json_t *cfb_results_host(const cfb_results *d);
const json_t *cfb_results_build(const cfb_results *d);
const json_t *cfb_results_noise(const cfb_results *d);
const json_t *cfb_results_config(const cfb_results *d);
/* Set a section (sec stolen; NULL removes it). */
int cfb_results_set_host(cfb_results *d, json_t *sec);
int cfb_results_set_build(cfb_results *d, json_t *sec);
int cfb_results_set_noise(cfb_results *d, json_t *sec);
int cfb_results_set_config(cfb_results *d, json_t *sec);

/* Typed reads of the sections: host.hostname / cpu_model (NULL when
 * absent), host.cpus / cpus_allowed (-1 when absent), config.repeat (-1). */
const char *cfb_results_hostname(const cfb_results *d);
const char *cfb_results_cpu_model(const cfb_results *d);
int cfb_results_cpus(const cfb_results *d);
int cfb_results_cpus_allowed(const cfb_results *d);
int cfb_results_repeat(const cfb_results *d);

/* A top-level field the model does not know (`mpi`, …): borrowed, NULL
 * when absent. set: v stolen, replaces; written after the known fields. */
const json_t *cfb_results_extension(const cfb_results *d, const char *key);
int cfb_results_set_extension(cfb_results *d, const char *key, json_t *v);

size_t cfb_results_ncases(const cfb_results *d);
const cfb_rcase *cfb_results_case(const cfb_results *d, size_t i); /* NULL past the end */
cfb_rcase *cfb_results_case_mut(cfb_results *d, size_t i);
/* The first case with this id, or NULL. */
const cfb_rcase *cfb_results_find(const cfb_results *d, const char *id);
/* Append c (ownership taken, also on failure). */
int cfb_results_add_case(cfb_results *d, cfb_rcase *c);

/* the host / build / noise facts the gbench export reads
 * (the keys stay in model_json.c). Strings borrowed, NULL when absent or
 * not a string: host.kernel, build.build_type. host.cpu_mhz: NaN when
 * absent, null or not a number. noise.load_avg_before: true and out[0..2]
 * set when it is an array of exactly 3 numbers, else false. */
const char *cfb_results_kernel(const cfb_results *d);
const char *cfb_results_build_type(const cfb_results *d);
double cfb_results_cpu_mhz(const cfb_results *d);
bool cfb_results_load_avg_before(const cfb_results *d, double out[3]);

/* host.caches, entry by entry (docs/results-schema.md).
 * cfb_results_ncaches: the array's length (0 when absent or not an
 * array). cfb_results_cache: true and *out filled when entry i has a
 * string type and numeric level and size (num_sharing NaN when absent,
 * null or not a number); false for a malformed entry or past the end.
 * out->type is borrowed from d. */
typedef struct cfb_host_cache {
    const char *type; /* "Data", "Instruction", "Unified" */
    double level, size, num_sharing;
} cfb_host_cache;
size_t cfb_results_ncaches(const cfb_results *d);
bool cfb_results_cache(const cfb_results *d, size_t i, cfb_host_cache *out);

/* ---- a case ------------------------------------------------------------ */

/* A new case with its required fields (strings copied), owned by the
 * caller until added to a document; NULL on out of memory. */
cfb_rcase *cfb_rcase_new(const char *id, const char *workload, const char *mode, int workers,
                         long long tasks);
void cfb_rcase_free(cfb_rcase *c); /* NULL is fine */

const char *cfb_rcase_id(const cfb_rcase *c);
const char *cfb_rcase_workload(const cfb_rcase *c);
const char *cfb_rcase_mode(const cfb_rcase *c);
int cfb_rcase_workers(const cfb_rcase *c);
long long cfb_rcase_tasks(const cfb_rcase *c);
/* impl: "c" when absent (the schema's default); cfb_rcase_impl_raw: NULL. */
const char *cfb_rcase_impl(const cfb_rcase *c);
const char *cfb_rcase_impl_raw(const cfb_rcase *c);
const char *cfb_rcase_bound(const cfb_rcase *c);       /* "io", "cpu" or NULL */
int cfb_rcase_processes(const cfb_rcase *c);           /* hybrid only; -1 absent */
const char *cfb_rcase_error(const cfb_rcase *c);       /* NULL: the case ran */
const char *cfb_rcase_metric_name(const cfb_rcase *c); /* NULL: no metric */
bool cfb_rcase_is_seq(const cfb_rcase *c);             /* mode "seq" */

int cfb_rcase_set_impl(cfb_rcase *c, const char *impl);
int cfb_rcase_set_bound(cfb_rcase *c, const char *bound);
int cfb_rcase_set_processes(cfb_rcase *c, int processes);
int cfb_rcase_set_error(cfb_rcase *c, const char *error);
int cfb_rcase_set_metric_name(cfb_rcase *c, const char *name);

/* params and scan: ordered key / value text. has_params: the case has a
 * params object (an empty one counts). value: NULL when not a string. */
bool cfb_rcase_has_params(const cfb_rcase *c);
size_t cfb_rcase_nparams(const cfb_rcase *c);
const char *cfb_rcase_param_key(const cfb_rcase *c, size_t i);
const char *cfb_rcase_param_value(const cfb_rcase *c, size_t i);
const char *cfb_rcase_param(const cfb_rcase *c, const char *key); /* NULL: none */
int cfb_rcase_add_param(cfb_rcase *c, const char *key, const char *value);
/* Give c an empty params / scan object (where there is none yet): the
 * sweep writes "params": {} for a workload without parameters. */
int cfb_rcase_init_params(cfb_rcase *c);
int cfb_rcase_init_scan(cfb_rcase *c);
size_t cfb_rcase_nscan(const cfb_rcase *c);
const char *cfb_rcase_scan_key(const cfb_rcase *c, size_t i);
const char *cfb_rcase_scan_value(const cfb_rcase *c, size_t i);
int cfb_rcase_add_scan(cfb_rcase *c, const char *key, const char *value);
/* Same params (both absent, or equal objects). */
bool cfb_rcase_same_params(const cfb_rcase *a, const cfb_rcase *b);
/* Same value set of a scan: equal scan objects (the keys' order aside), or
 * neither case has scan values (absent and {} alike). */
bool cfb_rcase_same_scan(const cfb_rcase *a, const cfb_rcase *b);

/* The timeline (borrowed JSON; NULL when absent); set: t stolen. */
const json_t *cfb_rcase_timeline(const cfb_rcase *c);
int cfb_rcase_set_timeline(cfb_rcase *c, json_t *t);

size_t cfb_rcase_nreps(const cfb_rcase *c);
const cfb_repetition *cfb_rcase_rep(const cfb_rcase *c, size_t i); /* NULL past the end */
int cfb_rcase_add_rep(cfb_rcase *c, cfb_repetition *r);            /* r taken */

/* param i's value as text in buf (len bytes, truncated,
 * NUL-terminated; len > 0): a string as it is; in a hand-made file an
 * integer (%lld), a real (%.17g) or a boolean ("true" / "false"); "" for
 * any other type (and past the end). Returns buf. */
const char *cfb_rcase_param_text(const cfb_rcase *c, size_t i, char *buf, size_t len);

/* A field of the case the model does not know (kept verbatim: `kind`, the
 * bound as hand-made files spell it, docs/cli-plot.md): borrowed, valid
 * while c is; NULL when absent, and for a key the model knows (a verbatim
 * known field is not an extension), like cfb_results_extension(). */
const json_t *cfb_rcase_extension(const cfb_rcase *c, const char *key);

/* ---- a case's summary -------------------------------------------------- */

typedef enum cfb_stat_which {
    CFB_STAT_WALL,       /* summary.wall_s */
    CFB_STAT_CPU,        /* summary.cpu_s */
    CFB_STAT_THROUGHPUT, /* summary.throughput_tps */
    CFB_STAT_METRIC      /* summary.metric (workloads with a metric hook) */
} cfb_stat_which;

/* A statistics object: cfb_stats (ci_lo / ci_hi NaN when ci95 is null) and
 * its outliers count (-1 when absent, in files before issue 11). */
typedef struct cfb_stat_summary {
    cfb_stats st;
    long long outliers;
} cfb_stat_summary;

typedef enum cfb_sum_which {
    CFB_SUM_INSTRUCTIONS_PER_TASK,
    CFB_SUM_SPEEDUP,
    CFB_SUM_EFFICIENCY,
    CFB_SUM_OVERHEAD_PER_TASK_S
} cfb_sum_which;

bool cfb_rcase_has_summary(const cfb_rcase *c);
/* true and *out filled when that statistic is an object (a number it
 * lacks, or holds as another type, is NaN; n 0); false when absent or
 * null. */
bool cfb_rcase_stat(const cfb_rcase *c, cfb_stat_which w, cfb_stat_summary *out);
/* Set it: st NULL writes null; outliers < 0 writes no outliers field.
 * Creates the summary when there is none. */
int cfb_rcase_set_stat(cfb_rcase *c, cfb_stat_which w, const cfb_stats *st, long long outliers);
bool cfb_rcase_sum(const cfb_rcase *c, cfb_sum_which w, double *out);
/* The same as values for readers that show "not recorded" as NaN: the
 * median of statistic w / summary value w, NaN when absent or null. */
double cfb_rcase_stat_median(const cfb_rcase *c, cfb_stat_which w);
double cfb_rcase_sum_value(const cfb_rcase *c, cfb_sum_which w);
/* have false (or v not finite) writes null. */
int cfb_rcase_set_sum(cfb_rcase *c, cfb_sum_which w, bool have, double v);

/* ---- a repetition ------------------------------------------------------ */

/* Optional numeric fields of a repetition (the schema's types: the _S and
 * THROUGHPUT / METRIC ones are numbers, the others integers). */
typedef enum cfb_rep_field {
    CFB_REP_USER_S,
    CFB_REP_SYS_S,
    CFB_REP_CPU_S,
    CFB_REP_MAX_RSS_KB,
    CFB_REP_CTX_VOLUNTARY,
    CFB_REP_CTX_INVOLUNTARY,
    CFB_REP_TASKS_OK,
    CFB_REP_TASKS_FAILED,
    CFB_REP_CHECK_FAILURES,
    CFB_REP_BYTES,
    CFB_REP_THROUGHPUT_TPS,
    CFB_REP_LATENCY_SAMPLE_EVERY,
    CFB_REP_INSTRUCTIONS,
    CFB_REP_METRIC
} cfb_rep_field;

typedef struct cfb_latency {
    double p50, p90, p99, max, mean;
} cfb_latency;

/* A new repetition (owned by the caller until added to a case); NULL on
 * out of memory. */
cfb_repetition *cfb_repetition_new(long long index, double wall_s);
void cfb_repetition_free(cfb_repetition *r); /* NULL is fine */
/* A deep copy of r (owned by the caller); NULL on out of memory. */
cfb_repetition *cfb_repetition_copy(const cfb_repetition *r);

long long cfb_repetition_index(const cfb_repetition *r);
double cfb_repetition_wall_s(const cfb_repetition *r);
/* true and *out set when the field holds a number (an integer field as a
 * double); false when absent, null or of another type. */
bool cfb_repetition_num(const cfb_repetition *r, cfb_rep_field f, double *out);
/* Integer fields only: true and *out set when it holds an integer. */
bool cfb_repetition_int(const cfb_repetition *r, cfb_rep_field f, long long *out);
cfb_field_state cfb_repetition_state(const cfb_repetition *r, cfb_rep_field f);
/* Set f: a number (f a number field) / an integer (any numeric field) /
 * null. -1 also when v does not fit f's type. */
int cfb_repetition_set_num(cfb_repetition *r, cfb_rep_field f, double v);
int cfb_repetition_set_int(cfb_repetition *r, cfb_rep_field f, long long v);
int cfb_repetition_set_null(cfb_repetition *r, cfb_rep_field f);

/* latency_s: true and *out filled when it is an object with its five
 * numbers; false when null or absent. set: NULL writes null. */
bool cfb_repetition_latency(const cfb_repetition *r, cfb_latency *out);
int cfb_repetition_set_latency(cfb_repetition *r, const cfb_latency *l);

/* one number of latency_s, also when the object lacks
 * others (a hand-made file): true and *out set when that one is a number;
 * false when it, or latency_s, is absent, null or of another type. */
typedef enum cfb_latency_part {
    CFB_LAT_P50,
    CFB_LAT_P90,
    CFB_LAT_P99,
    CFB_LAT_MAX,
    CFB_LAT_MEAN
} cfb_latency_part;
bool cfb_repetition_latency_part(const cfb_repetition *r, cfb_latency_part k, double *out);

/* counts: ordered name -> integer. */
size_t cfb_repetition_ncounts(const cfb_repetition *r);
const char *cfb_repetition_count_name(const cfb_repetition *r, size_t i);
long long cfb_repetition_count_value(const cfb_repetition *r, size_t i); /* -1: not an int */
int cfb_repetition_add_count(cfb_repetition *r, const char *name, long long n);

const char *cfb_repetition_first_problem(const cfb_repetition *r); /* NULL: none */
int cfb_repetition_set_first_problem(cfb_repetition *r, const char *s);

/* ---- derived metrics (defined here once) ------------------------------- */

/* The seq reference of case c in d: the first case of d with mode "seq",
 * the same workload, the same impl (absent = "c"), the same value set
 * (cfb_rcase_same_scan: each value set of a parameter scan has its own
 * reference), no error, and at least one repetition — the rule the sweep
 * itself applies. The other params are not compared: a run gives one set
 * per workload, and a workload's run setup may put run-time values there
 * (files before 2026-12-07 record flags' per-case server URL in `base`).
 * c itself when c is such a seq case. NULL when there is none. */
const cfb_rcase *cfb_results_seq_of(const cfb_results *d, const cfb_rcase *c);

/* The median wall time of c: summary.wall_s.median when recorded, else
 * the median of the repetitions' wall_s; NaN when neither. */
double cfb_rcase_median_wall(const cfb_rcase *c);

typedef struct cfb_derived {
    double speedup;             /* seq median wall / median wall */
    double efficiency;          /* speedup / workers */
    double overhead_per_task_s; /* (median wall × workers − seq median wall) / tasks */
} cfb_derived;

/* The formulas, for a median wall time or one repetition's wall time
 * (compare derives them per repetition). Each field is NaN where its
 * formula is undefined: speedup and efficiency need median > 0 (and
 * workers > 0), overhead needs tasks > 0 and workers > 0; all need
 * seq_median and median finite. 0 when all three are defined, else -1. */
int cfb_derived_compute(double seq_median, double median, int workers, long long tasks,
                        cfb_derived *out);
/* cfb_derived_compute of c against cfb_results_seq_of(d, c). */
int cfb_rcase_derived(const cfb_results *d, const cfb_rcase *c, cfb_derived *out);

/* cfb_results_seq_of(d, c) for every case c of d at once, through a sorted
 * index instead of one scan per case (compare of two big documents):
 * refs[i] = the seq reference of case i, or NULL. refs: an array of
 * cfb_results_ncases(d) entries (the caller's; filled, not owned by d;
 * the pointers are borrowed from d like cfb_results_case()'s). 0, or -1
 * when out of memory or d or refs is NULL (refs then untouched). */
int cfb_results_seq_refs(const cfb_results *d, const cfb_rcase **refs);

/* ---- the JSON codec (results/model_json.c) ----------------------------- */

/* Check doc and build the model (doc borrowed). 0 and *out (owned by the
 * caller), or -1, *out NULL, and err says why: exactly the messages of
 * cfb_results_validate() (results_io.h), or out of memory. */
int cfb_results_decode(const json_t *doc, cfb_results **out, char *err, size_t errlen);

/* One case object (o borrowed; not validated: what the required fields
 * lack reads as absent) as a new case owned by the caller: the cases
 * another runner hands over as JSON (the Python reference). 0, or -1 when
 * o is not an object or out of memory (*out NULL). */
int cfb_rcase_from_json(const json_t *o, cfb_rcase **out);

/* The document as JSON: a new reference owned by the caller; NULL on out
 * of memory. Keys in the order they were read (new fields after them, in
 * the order cfbench writes), so decode + encode is the identity. */
json_t *cfb_results_encode(const cfb_results *d);

/* Read and decode the results file at path: cfb_results_load()'s messages
 * (unreadable, not JSON, wrong schema, newer version, missing field). */
int cfb_results_read(const char *path, cfb_results **out, char *err, size_t errlen);

/* Encode and write d with cfb_results_save() (atomic; "-" = stdout). */
int cfb_results_write(const char *path, const cfb_results *d, char *err, size_t errlen);

/* Whether doc (borrowed JSON) says it is a cfbench results document: an
 * object whose schema is "cfbench-results" (nothing else is checked:
 * cfb_results_decode validates). For readers of a directory of JSON files
 * that skip the other ones (cfbench history). */
bool cfb_results_json_is_results(const json_t *doc);

#endif
