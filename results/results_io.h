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

#include <stdbool.h>
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

/* s (borrowed) as one printable line into out (outlen bytes, always
 * terminated; cut when full): control characters become \xHH, so a case id
 * or a quoted bit of a broken file cannot break a one-line message or drive
 * the terminal. */
void cfb_one_line(char *out, size_t outlen, const char *s);

/* Write len bytes at data to path atomically: a temp file in the target's
 * directory (unnamed while written, O_TMPFILE where the file system has
 * it), fsync, rename over the target (and fsync of the directory, best
 * effort). The target is path with symlinks followed (cfb_out_resolve):
 * a symlink stays a symlink and its final target gets the new content; a
 * target that exists and is not a regular file (directory, device node,
 * FIFO, socket) is refused and left alone. Missing directories on the
 * way to the target are created first (mode 0777 less the umask, like
 * mkdir -p); a component that exists and is not a directory is an error
 * ("PATH: cannot create its directory: X is not a directory"), and the
 * directories made stay when a later step fails. Stale temp files of this
 * target left by killed processes are removed first
 * (cfb_out_clean_stale). The temp file is removed on failure. 0 or -1
 * (one-line reason in err). Not thread-safe against itself (umask). */
int cfb_write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen);

/* The file a write to path replaces: path with every symlink of its last
 * component followed (at most 40, relative targets taken from the link's
 * directory; a dangling link resolves to the file it names, which the
 * write creates, with any missing directories). On success *out is a new
 * string owned by the caller
 * (free it); it names a regular file or nothing yet. -1 with the reason
 * in err when the final target exists and is not a regular file, the
 * chain is too long or unreadable, the name ends in '/', or a directory
 * on the way exists and is not a directory. */
int cfb_out_resolve(const char *path, char **out, char *err, size_t errlen);

/* Remove the temp files `BASE.tmp.PID.XXXXXX` (exactly that shape, PID
 * decimal, six letters or digits; regular files only) in directory dir
 * (NULL or "" = ".") whose PID is not a live process: what a write
 * killed between naming its temp file and renaming it leaves behind.
 * Another live process's temp files and everything else are untouched.
 * Returns how many were removed. (A directory shared between PID
 * namespaces or hosts can make a live writer look dead: its rename then
 * fails with a clear error; nothing is lost.) */
int cfb_out_clean_stale(const char *dir, const char *base);

/* True for "-" and "/dev/stdout": the commands that can print their
 * output (export, compare, history) write to stdout instead of a file. */
bool cfb_out_is_stdout(const char *path);

/* Serialise doc (borrowed; indented, keys in insertion order, trailing
 * newline) and write it with cfb_write_atomic(), or to stdout when
 * cfb_out_is_stdout(path). 0 or -1. */
int cfb_results_save(const char *path, const json_t *doc, char *err, size_t errlen);

#endif
