/*
 * flags.h — the flags workload (libcurl client of the book's flags2) and
 * what `cfbench flags` needs of it.
 *
 * A task downloads {base}/{cc}/{cc}.gif (cc in lower case in the URL), saves
 * it atomically as {dest}/{CC}.gif (unless dest is "-") and returns a
 * cfb_flag_result. With `meta` (the book's flags3) a task makes two
 * requests, one after the other: the flag, then {base}/{cc}/metadata.json
 * for the country name, and saves the flag as {dest}/{Country_Name}.gif
 * (spaces become underscores, as the book). Each request is one of the
 * requests a concurrency limit counts: a worker makes one at a time, and
 * the async driver puts the metadata request through its in-flight limit
 * like any other (ahead of the flags still queued, so an item's flag waits
 * in its temporary file as briefly as possible). Outcomes:
 *   ok         200 with a complete body (Content-Length checked) — and, with
 *              meta, a 200 metadata.json with a "country" string;
 *   not_found  404 of the flag or of its metadata (a value, not a failure,
 *              as the book counts it);
 *   error      the future fails (cf_out_error / cf_future_set_error) with
 *              one cause, said once: "418 I'm a teapot" (HTTP status and
 *              reason), "connection refused (127.0.0.1:1)", "timeout after
 *              3.1 s", "short body: got N of M bytes", "save …: <errno
 *              text>", …; a failed metadata request says "metadata: " first
 *              ("metadata: 418 I'm a teapot").
 *
 * Per-worker state: one reused curl easy handle per worker, in a
 * _Thread_local, made by worker_setup inside the worker (after fork in
 * process mode: curl handles must never cross a fork). curl_global_init runs
 * once per process (pthread_once) from worker_setup or from the async
 * driver's open, i.e. in the worker process itself; a child forked after the
 * parent initialised libcurl inherits the initialised globals (harmless: no
 * handle crosses the fork).
 */
#ifndef CFB_FLAGS_H
#define CFB_FLAGS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "workload.h"

extern const cfb_workload cfb_workload_flags;
/* The event-loop driver for flags (curl multi + cf_loop), also in the workload. */
extern const cfb_async_driver cfb_flags_async;

/* The most transfers the driver state had in flight at once (for tests:
 * never above max_inflight). Loop thread. */
size_t cfb_flags_async_peak(const void *state);

/* The value of a successful task. */
enum { CFB_FLAG_OK = 0, CFB_FLAG_NOT_FOUND = 1 };
typedef struct cfb_flag_result {
    char cc[4];       /* upper case, NUL-terminated */
    int32_t status;   /* CFB_FLAG_OK or CFB_FLAG_NOT_FOUND */
    int32_t http;     /* HTTP status (200, 404) of the last request */
    uint64_t bytes;   /* body bytes received (flag + metadata with meta) */
    int32_t requests; /* HTTP requests the task made: 1, or 2 with meta */
    char country[68]; /* meta and ok: the country name (cut to 67 bytes), else "" */
} cfb_flag_result;

/* The book's 20 most populous countries (space-separated). */
#define CFB_FLAGS_POP20 "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR"

/* Expand a code list as flags2 does: tokens separated by spaces or commas;
 * "AA".."ZZ" a code, a single letter X → XA..XZ, "all" → the 194 codes of
 * the flag table, "every" → AA..ZZ (676); sorted, duplicates removed, then
 * cut to `limit` (0 = no limit). *codes (an array of 3-byte strings) is
 * malloc'd, owned by the caller (free()). 0; CF_EINVAL with a one-line
 * reason in err ("each CC argument must be A to Z or AA to ZZ: 'xyz'");
 * CF_ENOMEM. An empty spec gives 0 codes. */
int cfb_flags_expand(const char *spec, size_t limit, char (**codes)[3], size_t *n, char *err,
                     size_t errlen);

/* Encode one task's argument for cc (copied). *arg is malloc'd, owned by
 * the caller. 0, CF_EINVAL, CF_ENOMEM. The _meta variant with meta true
 * makes a flags3 task (flag + metadata.json). */
int cfb_flags_task_arg(const char *cc, const char *base, const char *dest, double timeout,
                       void **arg, size_t *len);
int cfb_flags_task_arg_meta(const char *cc, const char *base, const char *dest, double timeout,
                            bool meta, void **arg, size_t *len);

/* The file name the book's flags3 saves a flag under: the country name with
 * spaces as underscores, plus ".gif" ("Cote_d'Ivoire.gif"). Made safe for
 * a directory entry: '/', '\\' and control bytes become '_', and so does a
 * leading '.'. 0; CF_EINVAL for an empty name or one that does not fit in
 * out (outlen bytes, NUL included). */
int cfb_flags_country_file(const char *country, char *out, size_t outlen);

/* Set by a SIGINT handler (a lock-free atomic: async-signal-safe to set and
 * race-free to read from other threads): transfers running in workers abort
 * at their next progress callback with "interrupted". */
extern atomic_int cfb_flags_abort;

/* Make dir and its parents (mode 0777 & umask). 0 or CF_ESYS (err filled). */
int cfb_flags_mkdirs(const char *dir, char *err, size_t errlen);

#endif
