/*
 * results_io.h — read, validate and write cfbench results JSON (jansson).
 *
 * The schema is docs/results-schema.md. Readers (plot, compare, export) load
 * with cfb_results_load(); the runner writes with cfb_results_save(). Every
 * function reports failure as -1 with a one-line reason (no trailing newline)
 * in err (errlen bytes, always NUL-terminated when errlen > 0).
 */
#ifndef CFB_RESULTS_IO_H
#define CFB_RESULTS_IO_H

#include <stddef.h>

#include <jansson.h>

#define CFB_RESULTS_SCHEMA "cfbench-results"
#define CFB_RESULTS_SCHEMA_VERSION 1

/* Read, parse and validate the results file at path. On success returns 0
 * and *out is a new reference owned by the caller (json_decref it). On
 * failure returns -1, *out is NULL, and err says why: unreadable file, not
 * JSON (with line:column), wrong schema, schema_version newer than
 * CFB_RESULTS_SCHEMA_VERSION ("written by a newer cfbench"), or a missing /
 * mistyped required field (naming the field and the case id). */
int cfb_results_load(const char *path, json_t **out, char *err, size_t errlen);

/* Check doc against the schema's required fields and types (doc borrowed).
 * Required: schema, schema_version, complete, cases; per case: id,
 * workload, mode, workers, tasks, repetitions, and summary unless the case
 * has an error; per repetition: index and wall_s (a number >= 0).
 * 0 when valid, else -1 with the reason in err. */
int cfb_results_validate(const json_t *doc, char *err, size_t errlen);

/* Write len bytes at data to path atomically: a temp file in the same
 * directory, fsync, rename over path (and fsync of the directory, best
 * effort). The temp file is removed on failure. 0 or -1 (reason in err). */
int cfb_write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen);

/* Serialise doc (borrowed; indented, keys in insertion order, trailing
 * newline) and write it with cfb_write_atomic(). 0 or -1. */
int cfb_results_save(const char *path, const json_t *doc, char *err, size_t errlen);

#endif
