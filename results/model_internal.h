/*
 * model_internal.h — the storage of the results model (results/include/cfbench_results.h),
 * shared by model.c (accessors, builders, derived metrics) and
 * model_json.c (the codec, the only place that spells schema keys).
 * Not for readers: they use model.h.
 *
 * Every object of the schema the model types (document, tool, case,
 * repetition, summary, statistics, latency) is a cfb_rec: one slot per
 * known field (by the enums below, in the order cfbench writes them), an
 * object of the fields it does not know (extra, verbatim, insertion
 * order), and the order the keys were read in (ord: a field index, or
 * ORD_EXTRA for "the next key of extra"), so the codec writes a decoded
 * object back exactly. A record made by a builder has no ord: the codec
 * writes the enum order, then extra.
 *
 * Ownership: a rec owns its slots (strings, json_t references, nested
 * recs and rec lists), extra and ord. Single-threaded like the model.
 */
#ifndef CFB_MODEL_INTERNAL_H
#define CFB_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cfbench_results.h"

typedef enum rec_type {
    RT_DOC,
    RT_TOOL,
    RT_CASE,
    RT_REP,
    RT_SUMMARY,
    RT_STATS,
    RT_LAT,
    RT_N
} rec_type;

typedef enum fkind {
    FK_INT,  /* json integer -> long long */
    FK_NUM,  /* json number -> double (an integer is kept as one: FS_INT) */
    FK_STR,  /* json string without NUL bytes -> char * */
    FK_BOOL, /* json true / false */
    FK_JSON, /* any JSON value, a reference */
    FK_REC,  /* an object of another rec type */
    FK_RECS  /* an array of objects of another rec type */
} fkind;

/* slot states: cfb_field_state plus FS_INT (an FK_NUM written as an
 * integer: u.i holds it, so it goes back out as an integer) */
enum { FS_ABSENT = CFB_FIELD_ABSENT, FS_NULL = CFB_FIELD_NULL, FS_SET = CFB_FIELD_SET, FS_INT = 4 };

typedef struct cfb_rec cfb_rec;

typedef struct rec_list {
    cfb_rec **v;
    size_t n, cap;
} rec_list;

typedef struct fval {
    unsigned char st;
    union {
        long long i;
        double d;
        char *s;
        bool b;
        json_t *j;
        cfb_rec *r;
        rec_list l;
    } u;
} fval;

#define ORD_EXTRA (-1)

struct cfb_rec {
    rec_type type;
    fval *f;       /* rec_nfields(type) slots */
    json_t *extra; /* object of unknown / verbatim keys, or NULL */
    signed char *ord;
    size_t nord; /* 0: no recorded order */
    size_t ordcap;
};

/* The public types are recs (first member), allocated as such. */
struct cfb_results {
    cfb_rec rec;
};
struct cfb_rcase {
    cfb_rec rec;
};
struct cfb_repetition {
    cfb_rec rec;
};

/* Fields by record type, in the order cfbench writes them. */
enum {
    D_SCHEMA,
    D_VERSION,
    D_COMPLETE,
    D_INTERRUPTED,
    D_TOOL,
    D_CREATED,
    D_FINISHED,
    D_HOST,
    D_BUILD,
    D_NOISE,
    D_CONFIG,
    D_CASES,
    D_N
};
enum { T_NAME, T_VERSION, T_COMMIT, T_N };
enum {
    C_ID,
    C_WORKLOAD,
    C_MODE,
    C_WORKERS,
    C_IMPL,
    C_BOUND,
    C_PROCESSES,
    C_PARAMS,
    C_SCAN,
    C_TASKS,
    C_REPS,
    C_TIMELINE,
    C_METRIC_NAME,
    C_SUMMARY,
    C_ERROR,
    C_N
};
enum {
    R_INDEX,
    R_WALL,
    R_USER,
    R_SYS,
    R_CPU,
    R_RSS,
    R_CTXV,
    R_CTXI,
    R_OK,
    R_FAILED,
    R_COUNTS,
    R_CHECK,
    R_BYTES,
    R_TPS,
    R_LAT,
    R_SAMPLE,
    R_INSTR,
    R_FIRST,
    R_METRIC,
    R_N
};
enum { S_WALL, S_CPU, S_TPS, S_IPT, S_SPEEDUP, S_EFF, S_OVERHEAD, S_METRIC, S_N };
enum { ST_N_, ST_MEDIAN, ST_MEAN, ST_STDDEV, ST_MAD, ST_MIN, ST_MAX, ST_CI, ST_OUTLIERS, ST_NF };
enum { L_P50, L_P90, L_P99, L_MAX, L_MEAN, L_N };

/* The shape of a record type (model_json.c holds the tables). */
typedef struct fdesc {
    const char *key;
    fkind kind;
    rec_type sub; /* FK_REC / FK_RECS: the nested type */
} fdesc;

size_t rec_nfields(rec_type t);
const fdesc *rec_fields(rec_type t);

/* model.c */
cfb_rec *rec_new(rec_type t); /* NULL on out of memory */
void rec_free(cfb_rec *r);
cfb_rec *rec_copy(const cfb_rec *r);        /* NULL is fine */
void slot_clear(cfb_rec *r, size_t f);      /* back to FS_ABSENT, value freed */
int rec_list_push(rec_list *l, cfb_rec *r); /* r taken, also on failure */
int ord_push(cfb_rec *r, signed char v);
/* The value of string slot f, or of a verbatim string at that key. */
const char *slot_str(const cfb_rec *r, size_t f);

#endif
