/* flags_internal.h — what flags.c and flags_async.c share: one transfer
 * (an easy handle and its buffers), prepared from a task argument and
 * judged when curl is done with it. Not for other modules. */
#ifndef CFB_FLAGS_INTERNAL_H
#define CFB_FLAGS_INTERNAL_H

#include <curl/curl.h>

#include "flags.h"

#define CFB__META_MAX 4096 /* the largest metadata.json accepted, NUL included */

typedef struct cfb__xfer {
    CURL *easy; /* owned */
    char cc[3]; /* upper case */
    double timeout;
    /* flags3 (meta): after a 200 flag, a second request on the same handle
     * for {base}/{cc}/metadata.json (phase 1); the flag waits in its
     * temporary file (closed, `tmp` kept) and is renamed to {country}.gif
     * when the metadata is in. */
    bool meta;
    int phase;         /* 0 the flag, 1 its metadata.json */
    size_t baselen;    /* bytes of the base URL at the start of `url` */
    uint64_t flag_len; /* phase 1: the flag's body bytes */
    char *mbuf;        /* phase 1: the metadata body (NUL-terminated; owned, made on the
                          first metadata request, CFB__META_MAX bytes) */
    size_t mlen;       /* bytes in mbuf */
    bool mbig;         /* the metadata body did not fit: the item fails */
    char url[1024];
    /* The URL pre-parsed for libcurl (CURLOPT_CURLU): `uh` holds the last
     * base's scheme, host and port; a transfer to the same base only sets
     * the path (prefix `upath` + "/cc/cc.gif"). ubase[0] == '\0': none. */
    CURLU *uh; /* owned */
    char ubase[1024];
    char upath[1024];
    char dest[1024];    /* "" or "-": do not save */
    size_t len;         /* body bytes received */
    int fd;             /* temporary file of a 200 body being saved; -1 none, -2 not decided */
    int werr;           /* errno of a failed write/mkstemp */
    char tmp[1100];     /* its path, "" when none */
    long long tmp_size; /* bytes already in tmp when it was opened (a recycled spare) */
    /* The file a save replaced (RENAME_EXCHANGE put it under the temporary
     * name): recycled as the next temporary file of a save to the same
     * dest, so a save on an existing name creates and deletes no inode;
     * unlinked by cfb__xfer_fini or when it cannot be reused. "" none. */
    char spare[1100];
    char status_line[160]; /* the last "HTTP/1.1 418 I'm a teapot" seen */
    char errbuf[CURL_ERROR_SIZE];
    void *user; /* the async driver's per-transfer data */
} cfb__xfer;

/* Make x->easy (a new easy handle) with the options every transfer shares.
 * 0, CF_ENOMEM. */
int cfb__xfer_init(cfb__xfer *x);
void cfb__xfer_fini(cfb__xfer *x); /* frees the handle and buffers; x itself is the caller's */

/* Decode the task argument and set URL, timeout, … on x->easy.
 * 0 or CF_EINVAL with the reason in err. */
int cfb__xfer_prepare(cfb__xfer *x, const void *arg, size_t len, char *err, size_t errlen);

/* Judge a finished transfer (curl's code rc): 0 with *res filled (ok or
 * not_found, the file saved for ok), or -1 with the error text in err
 * (one cause, said once: "418 I'm a teapot", "timeout after 3.1 s",
 * "connection refused (127.0.0.1:1)", "metadata: 418 I'm a teapot", …).
 * 1 (meta only): the flag is in, x is now prepared for its metadata.json
 * request — perform x->easy again (the same concurrency slot rules apply:
 * it is a second request) and call finish again. */
int cfb__xfer_finish(cfb__xfer *x, CURLcode rc, cfb_flag_result *res, char *err, size_t errlen);

/* "MIN:MAX" or "S" seconds -> *lo, *hi, 0 <= MIN <= MAX <= 3600 (the
 * server's range). 0 or CF_EINVAL. */
int cfb__flags_parse_delay(const char *s, double *lo, double *hi);

/* Tests: how many transfers the async driver adds per loop iteration
 * (n <= 0: the default, 256). Call before opening a driver, from the thread
 * that runs the loop; process-wide. */
void cfb__flags_async_set_batch(int n);

/* curl_global_init once per process. 0 or CF_ENOMEM. */
int cfb__flags_global_init(void);

#endif
