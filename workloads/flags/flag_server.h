/*
 * flag_server.h — the embedded flag server (libmicrohttpd) and the flag table.
 *
 * The server answers, on 127.0.0.1 by default:
 *   GET /flags/{cc}/{cc}.gif        a deterministic, valid GIF89a image whose
 *                                   size is the real flag's (data/flag-sizes.tsv)
 *   GET /flags/{cc}/metadata.json   {"country": NAME, "iso_cc": "CC", ...}
 * with {cc} in lower case, as the book's server. Anything else is a 404
 * (or, with `root`, a file of that directory; see below).
 *
 * Labels (as the book's flags2 servers):
 *   LOCAL  answers at once;
 *   DELAY  holds each answer for a uniform random delay in [delay_min, delay_max];
 *   ERROR  DELAY, plus a share (error_rate) of answers are "418 I'm a teapot".
 * A delayed request holds no server thread: the connection is suspended and a
 * timer thread resumes it when its delay is over.
 *
 * Reproducibility: the delay and the 418 decision of a request are a pure
 * function of (seed, URL path, n) where n counts the earlier requests for the
 * same path (0 for the first). They do not depend on arrival order across
 * paths, nor on the number of server threads: two runs with the same seed
 * that request the same multiset of paths get the same delays and the same
 * number of 418s per path. cfb_server_decide() computes the decision, so a
 * test can predict the expected counts. (Paths outside the flag layout
 * /flags/xx/... share 1024 hashed counters; only for those can order between
 * different paths matter.)
 *
 * Threads (see flag_server.c for the full design note): MHD's thread pool
 * (epoll, `threads` threads) plus one timer thread for DELAY/ERROR.
 *
 * All functions return 0 or a negative CF_E* code (cfutures.h) unless said
 * otherwise.
 */
#ifndef CFB_FLAG_SERVER_H
#define CFB_FLAG_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the flag table (194 codes, embedded: no data file at run time) ------ */

#define CFB_FLAG_COUNT 194

typedef struct cfb_flag_info {
    const char *cc;   /* ISO 3166-1 alpha-2, upper case: "BR" */
    const char *name; /* country name, ASCII: "Brazil" */
    size_t size;      /* bytes of the served GIF (the real flag file's size) */
} cfb_flag_info;

/* The i-th flag, i in [0, CFB_FLAG_COUNT), sorted by code; NULL if out of
 * range. Static storage: never free. */
const cfb_flag_info *cfb_flag_at(size_t i);

/* The flag for a two-letter code, any case; NULL if unknown. Static storage. */
const cfb_flag_info *cfb_flag_find(const char *cc);

/* The exact bytes the server sends for {cc}.gif (any case of cc).
 * *data is BORROWED: a process-wide, read-only cache built on first use
 * (thread-safe), valid until exit; never free it. 0, CF_EINVAL (unknown code
 * or NULL argument) or CF_ENOMEM. */
int cfb_flag_image(const char *cc, const unsigned char **data, size_t *len);

/* The exact bytes the server sends for metadata.json, same rules as
 * cfb_flag_image (borrowed, NUL-terminated, len excludes the NUL). */
int cfb_flag_metadata(const char *cc, const char **json, size_t *len);

/* Write every generated file under dir, in the server's URL layout:
 * dir/flags/{cc}/{cc}.gif and dir/flags/{cc}/metadata.json (directories are
 * created; files are written atomically). Serving dir with `root` (or any
 * web server) gives the same bytes as the generated mode. 0, CF_EINVAL or
 * CF_ESYS (err, when not NULL, gets a one-line message). */
int cfb_flag_export(const char *dir, char *err, size_t errlen);

/* ---- the server ---------------------------------------------------------- */

typedef struct cfb_flag_server cfb_flag_server;

typedef enum cfb_server_label {
    CFB_LABEL_LOCAL,
    CFB_LABEL_DELAY,
    CFB_LABEL_ERROR
} cfb_server_label;

typedef struct cfb_server_opts {
    const char *bind;         /* IPv4 or IPv6 literal; default "127.0.0.1" (borrowed) */
    int port;                 /* 0 = an ephemeral port (read it back with _port) */
    cfb_server_label label;   /* default LOCAL */
    double delay_min;         /* seconds, DELAY/ERROR; default 0.5 */
    double delay_max;         /* seconds, DELAY/ERROR; default 5.0 */
    double error_rate;        /* share of 418s in [0, 1], ERROR only; default 0.25 */
    const char *root;         /* NULL = generated images; else serve this directory (borrowed,
                                 only during _start) */
    bool seeded;              /* false = a random seed (see cfb_flag_server_seed) */
    uint64_t seed;            /* used when seeded */
    int threads;              /* MHD thread pool size; 0 = number of CPUs */
    unsigned max_connections; /* 0 = from RLIMIT_NOFILE at start (soft limit - 64; at least
                                 1020): raise the fd limit first for 10k clients */
} cfb_server_opts;

/* Defaults as above. */
void cfb_server_opts_init(cfb_server_opts *o);

/* "LOCAL" / "DELAY" / "ERROR" (any case) → label; 0 or CF_EINVAL. */
int cfb_server_label_parse(const char *s, cfb_server_label *out);
const char *cfb_server_label_name(cfb_server_label l); /* static string */

/* Start a server. On success *out is owned by the caller: stop it with
 * cfb_flag_server_stop. On failure *out is NULL and err (when not NULL) gets a
 * one-line message ("bind 127.0.0.1:80: Permission denied").
 * CF_EINVAL (bad options), CF_ENOMEM, CF_ESYS (bind, root not a directory, …). */
int cfb_flag_server_start(const cfb_server_opts *o, cfb_flag_server **out, char *err,
                          size_t errlen);

/* "http://127.0.0.1:PORT/flags" — the base URL a client appends "/cc/cc.gif"
 * to. Borrowed, valid until _stop. */
const char *cfb_flag_server_url(const cfb_flag_server *s);
int cfb_flag_server_port(const cfb_flag_server *s);
uint64_t cfb_flag_server_seed(const cfb_flag_server *s); /* the seed in effect */

typedef struct cfb_server_stats {
    uint64_t requests;    /* answered requests (all statuses) */
    uint64_t ok;          /* 200 */
    uint64_t not_found;   /* 404 */
    uint64_t teapot;      /* 418 (ERROR label) */
    uint64_t bad_request; /* 400 (path traversal attempts, bad methods…) */
    uint64_t other;       /* any other status (405, 500) */
    uint64_t delayed;     /* requests that were suspended for a delay */
    uint64_t bytes;       /* body bytes queued (200 bodies + error pages) */
    uint64_t connections; /* TCP connections accepted */
    /* The most requests in flight at once, each counted from its headers'
     * arrival to the queueing of its answer (or its end, unanswered). That
     * span lies inside the client's own for the same request, so this is
     * never above what the client had in flight: a test of a client's
     * concurrency limit. */
    uint64_t inflight_peak;
} cfb_server_stats;

/* A snapshot of the counters (each counter is read atomically; the set is
 * not one instant). Callable from any thread while the server runs. */
void cfb_flag_server_stats(const cfb_flag_server *s, cfb_server_stats *out);

/* Stop: no new connections are accepted; delayed requests still pending
 * are answered at once (their delay cut short; stop waits up to 2 s for
 * those answers to go out); then MHD closes every connection and every
 * thread is joined. final (may be NULL) gets the counters after everything stopped.
 * Frees s. s NULL is a no-op (final is zeroed). */
void cfb_flag_server_stop(cfb_flag_server *s, cfb_server_stats *final);

/* The decision the server makes for the n-th request (n from 0) of `path`
 * (the decoded URL path, e.g. "/flags/br/br.gif") under options o (o->seed
 * is used as is, o->seeded is ignored). *delay_s (when not NULL) gets the
 * delay in seconds (0 for LOCAL). Returns true when the answer is a 418. */
bool cfb_server_decide(const cfb_server_opts *o, const char *path, uint64_t n, double *delay_s);

#endif
