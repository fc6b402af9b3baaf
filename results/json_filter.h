/*
 * json_filter.h — load JSON while dropping named subtrees on the way in.
 *
 * Readers that need only part of a big results document (compare: no
 * per-task timelines, no per-repetition latency objects) load it through a
 * byte-level filter in front of jansson's json_load_callback(): the value
 * of every object member whose path matches one of the `drop` patterns is
 * replaced by `null` before jansson sees it, so its tree is never built.
 * Memory: two fixed 64 KiB buffers plus the tree of what is kept.
 *
 * A pattern is a dot-separated member path from the top-level object with
 * "[]" standing for any array element, e.g. "cases[].timeline" or
 * "cases[].repetitions[].latency_s". Keys are compared byte for byte as
 * written in the file (a key spelled with escapes does not match).
 * Newlines inside a dropped value are passed through, so jansson's line
 * numbers in error messages stay those of the file. A dropped value is
 * checked only for balanced brackets and strings, not parsed.
 */
#ifndef CFB_JSON_FILTER_H
#define CFB_JSON_FILTER_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "cfbench_results.h"

/* Parse the JSON text read from f (borrowed, read to its end) with the
 * values at the ndrop patterns in drop (borrowed) replaced by null. flags
 * are jansson's decoding flags. On success returns 0 and *out is a new
 * reference owned by the caller; *ndropped (may be NULL) counts the values
 * replaced. On failure returns -1, *out is NULL and je says why (as from
 * json_loadf; a read error reads as a premature end of input). */
int cfb_json_load_filtered(FILE *f, const char *const *drop, size_t ndrop, size_t flags,
                           json_t **out, size_t *ndropped, json_error_t *je);

/* cfb_results_read() (results/include/cfbench_results.h) through the
 * filter: read, parse with the drop patterns, validate and decode into the
 * model. On success returns 0 and *out is a new document owned by the
 * caller (cfb_results_free); a dropped value reads as null (a case's
 * timeline, a repetition's latency_s or counts: absent for the model's
 * accessors). On failure returns -1, *out is NULL and err says why, with
 * cfb_results_read()'s messages: "PATH: cannot read: …", "PATH: not valid
 * JSON (line L, column C: …)", "PATH: " + the validation message, "PATH:
 * out of memory". */
int cfb_results_read_filtered(const char *path, const char *const *drop, size_t ndrop,
                              cfb_results **out, char *err, size_t errlen);

/* The patterns compare and export drop: "cases[].timeline",
 * "cases[].repetitions[].latency_s", "cases[].repetitions[].counts"
 * (NULL-terminated, static; *n set to their number). */
const char *const *cfb_results_lean_drops(size_t *n);

#endif
