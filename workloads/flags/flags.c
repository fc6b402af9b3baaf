/*
 * flags.c — the flags workload: download the book's flags with libcurl.
 *
 * Threads and processes. The task runs in whatever worker the mode gives it
 * (the seq loop, a pool thread, a forked child). Each worker owns one curl
 * easy handle in a _Thread_local (`tl_xfer`), made by flags_worker_setup in
 * that worker — after fork in process mode — and freed by
 * flags_worker_teardown; a task that finds no handle (a runner that skipped
 * setup) makes one lazily. Nothing else is shared between workers except
 * the read-only flag table and `cfb_flags_abort`, an atomic_int set by the
 * CLI's SIGINT handler and read by the transfer progress callback.
 *
 * Signals. CURLOPT_NOSIGNAL is set on every handle (no SIGALRM for DNS
 * timeouts; threads must not get curl's signals) and SIGPIPE is ignored
 * process-wide in worker setup (a peer that closes mid-write must give an
 * error, not kill the process).
 *
 * The embedded server. When `base` is empty, run_setup starts the embedded
 * flag server in this process on an ephemeral 127.0.0.1 port with the
 * `server` label and stores its URL in `base`; run_teardown stops it. In
 * process mode the children inherit the parameters with the URL, and the
 * server keeps running in the parent.
 *
 * Files. A 200 body is written as it arrives into a temporary file in dest
 * (no body buffer: 10,000 transfers in flight cost no memory for bodies),
 * checked against Content-Length when complete, then renamed to {CC}.gif;
 * any failure unlinks it. A reader never sees a partial flag. Over an
 * existing regular {CC}.gif the rename is a RENAME_EXCHANGE, and the old
 * file (now under the temporary name) stays with the worker's xfer as
 * `spare`, reused as its next temporary file in the same dest and unlinked
 * by cfb__xfer_fini: a spare belongs to one xfer, so to one worker thread
 * or the loop thread, and needs no lock (commit_tmp says why: ext4 here).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cf_gil.h"
#include "flag_server.h"
#include "flags_internal.h"

atomic_int cfb_flags_abort;

/* ---- libcurl globals --------------------------------------------------------- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_rc;

static void global_init(void) {
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : CF_ENOMEM;
    /* Ignore SIGPIPE: a closed peer must be an error, not a dead process. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

int cfb__flags_global_init(void) {
    pthread_once(&global_once, global_init);
    return global_rc;
}

/* ---- one transfer --------------------------------------------------------------- */

static bool saving(const cfb__xfer *x) {
    return x->dest[0] && strcmp(x->dest, "-");
}

/* Forget the spare file, unlinking it (it is ours: a hidden temporary name). */
static void drop_spare(cfb__xfer *x) {
    if (x->spare[0]) unlink(x->spare);
    x->spare[0] = '\0';
}

/* Reuse the spare (the file the last save to this dest replaced) as the
 * temporary file: its bytes are overwritten from offset 0 and the tail cut
 * at close (never a truncation to 0 first: ext4 flushes a file truncated to
 * 0 at its close, auto_da_alloc). Only a regular file with one link and
 * ours: a hard link elsewhere must not see its bytes change, and a spare
 * name replaced meanwhile by something else is not written through
 * (O_NOFOLLOW, O_NONBLOCK for a FIFO). 0 (x->fd, x->tmp set) or -1: make a
 * new one. */
static int reuse_spare(cfb__xfer *x) {
    size_t dl = strlen(x->dest);
    if (strncmp(x->spare, x->dest, dl) || x->spare[dl] != '/') {
        drop_spare(x);
        return -1;
    }
    int fd = open(x->spare, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
        st.st_uid != geteuid()) {
        if (fd >= 0) close(fd);
        drop_spare(x);
        return -1;
    }
    memcpy(x->tmp, x->spare, strlen(x->spare) + 1);
    x->spare[0] = '\0';
    x->fd = fd;
    x->tmp_size = (long long)st.st_size;
    return 0;
}

/* Open the temporary file for a 200 body (once per transfer). 0 or -1 (errno in x->werr). */
static int open_tmp(cfb__xfer *x) {
    x->fd = -1;
    x->tmp_size = 0;
    long http = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &http);
    if (http != 200 || !saving(x)) return 0;
    if (x->spare[0] && reuse_spare(x) == 0) return 0;
    snprintf(x->tmp, sizeof x->tmp, "%s/.%s.gif.XXXXXX", x->dest, x->cc);
    x->fd = mkostemp(x->tmp, O_CLOEXEC);
    if (x->fd < 0) {
        x->werr = errno;
        x->tmp[0] = '\0';
        return -1;
    }
    return 0;
}

/* Drop the temporary file, open (a body being written) or closed (meta: a
 * flag waiting for its metadata). */
static void discard_tmp(cfb__xfer *x) {
    if (x->fd >= 0) close(x->fd);
    if (x->tmp[0]) unlink(x->tmp);
    x->fd = -1;
    x->tmp[0] = '\0';
}

/* The body goes straight to the temporary file (200 and saving) or is only
 * counted (404 pages, dest "-"): no per-transfer body buffer. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *arg) {
    cfb__xfer *x = arg;
    size_t n = size * nmemb;
    if (x->phase == 1) { /* metadata.json: kept in memory, at most CFB__META_MAX - 1 bytes */
        if (x->mlen + n >= CFB__META_MAX)
            x->mbig = true;
        else {
            memcpy(x->mbuf + x->mlen, data, n);
            x->mlen += n;
            x->mbuf[x->mlen] = '\0';
        }
        x->len += n;
        return n;
    }
    if (x->fd == -2 && open_tmp(x)) return 0;
    for (size_t off = 0; x->fd >= 0 && off < n;) {
        ssize_t w = write(x->fd, data + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            x->werr = w < 0 ? errno : EIO;
            return 0; /* CURLE_WRITE_ERROR */
        }
        off += (size_t)w;
    }
    x->len += n;
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg) {
    cfb__xfer *x = arg;
    size_t n = size * nmemb;
    if (n > 5 && !strncmp(data, "HTTP/", 5)) {
        size_t k = n < sizeof x->status_line - 1 ? n : sizeof x->status_line - 1;
        memcpy(x->status_line, data, k);
        while (k && (x->status_line[k - 1] == '\r' || x->status_line[k - 1] == '\n'))
            k--;
        x->status_line[k] = '\0';
    }
    return n;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
    (void)arg, (void)dt, (void)dn, (void)ut, (void)un;
    return cfb_flags_abort ? 1 : 0; /* non-zero aborts: CURLE_ABORTED_BY_CALLBACK */
}

int cfb__xfer_init(cfb__xfer *x) {
    x->fd = -1;
    x->tmp[0] = '\0';
    int rc = cfb__flags_global_init();
    if (rc) return rc;
    x->easy = curl_easy_init();
    if (!x->easy) return CF_ENOMEM;
    CURL *h = x->easy;
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_PRIVATE, x);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    /* No User-Agent: libcurl formats the header anew for every transfer
     * (curl_maprintf), ~9% of the client's instructions per download in the
     * async loop (callgrind); the servers here do not look at it. */
    /* No proxy from the environment: the targets are local. */
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    return 0;
}

void cfb__xfer_fini(cfb__xfer *x) {
    if (x->easy) curl_easy_cleanup(x->easy);
    if (x->uh) curl_url_cleanup(x->uh);
    discard_tmp(x);
    drop_spare(x);
    free(x->mbuf);
    memset(x, 0, sizeof *x);
}

/* Hand libcurl the URL already parsed (CURLOPT_CURLU): it then skips
 * parsing and re-formatting the URL string for every transfer (~9k of its
 * ~64k instructions per download, callgrind). The base (scheme, host, port,
 * path prefix) is parsed once per handle; a transfer to the same base only
 * replaces the path. CURLOPT_URL stays set to the same text (what curl
 * reports as the effective URL). Any surprise (a base with a query, a path
 * curl normalises differently) drops the parsed handle: curl parses the
 * string as before. */
static void set_parsed_url(cfb__xfer *x, const char *base, size_t bl) {
    size_t sl = strlen(x->url) - bl; /* "/cc/cc.gif" */
    if (x->ubase[0] && bl == strlen(x->ubase) && !memcmp(x->ubase, base, bl)) {
        size_t pl = strlen(x->upath);
        memcpy(x->upath + pl, x->url + bl, sl + 1);
        CURLUcode uc = curl_url_set(x->uh, CURLUPART_PATH, x->upath, 0);
        x->upath[pl] = '\0';
        if (uc == CURLUE_OK) {
            curl_easy_setopt(x->easy, CURLOPT_CURLU, x->uh);
            return;
        }
    }
    x->ubase[0] = '\0';
    curl_easy_setopt(x->easy, CURLOPT_CURLU, NULL);
    if (!x->uh && !(x->uh = curl_url())) return;
    char *path = NULL, *q = NULL, *frag = NULL;
    bool ok = curl_url_set(x->uh, CURLUPART_URL, x->url, 0) == CURLUE_OK &&
              curl_url_get(x->uh, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
              curl_url_get(x->uh, CURLUPART_QUERY, &q, 0) == CURLUE_NO_QUERY &&
              curl_url_get(x->uh, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_NO_FRAGMENT &&
              strlen(path) >= sl && strlen(path) < sizeof x->upath - sl &&
              !strcmp(path + strlen(path) - sl, x->url + bl) && bl < sizeof x->ubase;
    if (ok) {
        memcpy(x->ubase, base, bl);
        x->ubase[bl] = '\0';
        memcpy(x->upath, path, strlen(path) - sl);
        x->upath[strlen(path) - sl] = '\0';
        curl_easy_setopt(x->easy, CURLOPT_CURLU, x->uh);
    }
    curl_free(path);
    curl_free(q);
    curl_free(frag);
}

/* Task argument: "CC\tTIMEOUT\tBASE\tDEST" (text, not NUL-terminated),
 * and for flags3 "\0meta" after DEST: a reader of the four fields as C
 * strings (runners/reference.c) sees the same DEST either way. */
int cfb_flags_task_arg_meta(const char *cc, const char *base, const char *dest, double timeout,
                            bool meta, void **arg, size_t *len) {
    if (!cc || !base || !arg || !len || strlen(cc) != 2 || strchr(base, '\t') ||
        (dest && strchr(dest, '\t')))
        return CF_EINVAL;
    char *buf = NULL;
    int n = asprintf(&buf, "%c%c\t%.17g\t%s\t%s%c%s", toupper((unsigned char)cc[0]),
                     toupper((unsigned char)cc[1]), timeout, base, dest ? dest : "-", '\0',
                     meta ? "meta" : "");
    if (n < 0) return CF_ENOMEM;
    *arg = buf;
    *len = meta ? (size_t)n : (size_t)n - 1; /* without meta, no "\0" either */
    return 0;
}

int cfb_flags_task_arg(const char *cc, const char *base, const char *dest, double timeout,
                       void **arg, size_t *len) {
    return cfb_flags_task_arg_meta(cc, base, dest, timeout, false, arg, len);
}

int cfb_flags_country_file(const char *country, char *out, size_t outlen) {
    size_t n = country ? strlen(country) : 0;
    if (!n || !out || n + 5 > outlen) return CF_EINVAL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)country[i];
        out[i] = c == ' ' || c == '/' || c == '\\' || c < 0x20 || c == 0x7f ? '_' : (char)c;
    }
    if (out[0] == '.') out[0] = '_'; /* no hidden file, no "." or ".." */
    memcpy(out + n, ".gif", 5);
    return 0;
}

int cfb__xfer_prepare(cfb__xfer *x, const void *arg, size_t len, char *err, size_t errlen) {
    char buf[2200];
    if (!arg || len < 4 || len >= sizeof buf) {
        snprintf(err, errlen, "flags: bad task argument (%zu bytes)", len);
        return CF_EINVAL;
    }
    memcpy(buf, arg, len);
    buf[len] = '\0';
    size_t head = strlen(buf); /* "\0meta" may follow DEST */
    bool meta = head < len && !strcmp(buf + head + 1, "meta");
    if (head < len && !meta) {
        snprintf(err, errlen, "flags: bad task argument (options '%s')", buf + head + 1);
        return CF_EINVAL;
    }
    char *f[4] = {buf, NULL, NULL, NULL};
    for (int i = 1; i < 4; i++) {
        char *t = f[i - 1] ? strchr(f[i - 1], '\t') : NULL;
        if (!t) {
            snprintf(err, errlen, "flags: bad task argument");
            return CF_EINVAL;
        }
        *t = '\0';
        f[i] = t + 1;
    }
    if (strlen(f[0]) != 2 || strlen(f[2]) + 24 >= sizeof x->url || strlen(f[3]) >= sizeof x->dest) {
        snprintf(err, errlen, "flags: bad task argument");
        return CF_EINVAL;
    }
    memcpy(x->cc, f[0], 3);
    x->timeout = strtod(f[1], NULL);
    size_t bl = strlen(f[2]);
    while (bl && f[2][bl - 1] == '/')
        f[2][--bl] = '\0';
    char lc[3] = {(char)tolower((unsigned char)x->cc[0]), (char)tolower((unsigned char)x->cc[1]),
                  0};
    /* "{base}/{cc}/{cc}.gif" by hand (room for "/{cc}/metadata.json" too): two snprintf calls were
     * ~1.7k instructions per transfer (lengths checked above). */
    char *u = x->url;
    memcpy(u, f[2], bl);
    u += bl;
    memcpy(u, (const char[]){'/', lc[0], lc[1], '/', lc[0], lc[1], '.', 'g', 'i', 'f', '\0'}, 11);
    memcpy(x->dest, f[3], strlen(f[3]) + 1);
    discard_tmp(x); /* a transfer abandoned before finish (close after Ctrl-C) */
    x->meta = meta;
    x->phase = 0;
    x->baselen = bl;
    x->flag_len = 0;
    x->mlen = 0;
    x->mbig = false;
    x->len = 0;
    x->fd = -2;
    x->werr = 0;
    x->status_line[0] = '\0';
    x->errbuf[0] = '\0';
    CURL *h = x->easy;
    curl_easy_setopt(h, CURLOPT_URL, x->url);
    set_parsed_url(x, f[2], bl);
    long ms = x->timeout > 0 ? (long)(x->timeout * 1000.0 + 0.5) : 0L;
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms);
    return 0;
}

/* Close the temporary file of a complete flag (an empty body gets an empty
 * file); `tmp` stays for commit_tmp. name: the file it is for, in messages. */
static int close_tmp(cfb__xfer *x, const char *name, char *err, size_t errlen) {
    if (x->fd == -2 && open_tmp(x)) {
        snprintf(err, errlen, "save %s/%s: %s", x->dest, name, strerror(x->werr));
        return -1;
    }
    /* A recycled spare longer than this body: cut its tail. */
    if (x->tmp_size > (long long)x->len && ftruncate(x->fd, (off_t)x->len) < 0) {
        snprintf(err, errlen, "save %s/%s: %s", x->dest, name, strerror(errno));
        return -1;
    }
    fchmod(x->fd, 0644);
    int rc = close(x->fd);
    x->fd = -1;
    if (rc < 0) {
        snprintf(err, errlen, "save %s/%s: %s", x->dest, name, strerror(errno));
        return -1;
    }
    return 0;
}

/* Rename the closed temporary file to {dest}/{name}. */
static int commit_tmp(cfb__xfer *x, const char *name, char *err, size_t errlen) {
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", x->dest, name);
    /* A flag replaces only a regular file (issue 14): a device node, FIFO,
     * socket, directory or symlink already at {CC}.gif is left as it was
     * and the download counts as an error. */
    struct stat st;
    bool exists = lstat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "save %s: not a regular file (left as it was)", path);
        unlink(x->tmp);
        x->tmp[0] = '\0';
        return -1;
    }
    /* A regular file is there: swap it with ours (RENAME_EXCHANGE, as
     * atomic as a rename: a reader sees the old file or the new one) and
     * keep the old one, now under the temporary name, as the spare for the
     * next save. A rename over it costs here ~1 ms per save, all in the
     * file system: ext4's auto_da_alloc writes the new file's data out at
     * once when a rename replaces a file, and freeing the old file's blocks
     * (its inode evicted) issues a synchronous discard on a `discard`
     * mount; creating a new inode each time walks past every recently
     * deleted one (ext4 without a journal). See docs/cli-flags.md. A file
     * system without RENAME_EXCHANGE (EINVAL), or a target gone meanwhile
     * (ENOENT), falls back to rename. */
    if (exists && renameat2(AT_FDCWD, x->tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
        struct stat old;
        if (lstat(x->tmp, &old) == 0 && !S_ISREG(old.st_mode)) {
            /* Something not a regular file took the name after our lstat:
             * put it back and fail as above. */
            renameat2(AT_FDCWD, x->tmp, AT_FDCWD, path, RENAME_EXCHANGE);
            snprintf(err, errlen, "save %s: not a regular file (left as it was)", path);
            unlink(x->tmp);
            x->tmp[0] = '\0';
            return -1;
        }
        drop_spare(x);
        memcpy(x->spare, x->tmp, strlen(x->tmp) + 1);
        x->tmp[0] = '\0';
        return 0;
    }
    if (rename(x->tmp, path) < 0) {
        snprintf(err, errlen, "save %s: %s", path, strerror(errno));
        unlink(x->tmp);
        x->tmp[0] = '\0';
        return -1;
    }
    x->tmp[0] = '\0';
    return 0;
}

/* Commit the temporary file as {dest}/{CC}.gif. */
static int save_file(cfb__xfer *x, char *err, size_t errlen) {
    if (!saving(x)) return 0;
    char name[8];
    snprintf(name, sizeof name, "%s.gif", x->cc);
    if (close_tmp(x, name, err, errlen)) return -1;
    return commit_tmp(x, name, err, errlen);
}

static const char *reason_phrase(long code) {
    static const struct {
        long code;
        const char *phrase;
    } t[] = {
        {301, "Moved Permanently"},
        {302, "Found"},
        {304, "Not Modified"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {410, "Gone"},
        {418, "I'm a teapot"},
        {429, "Too Many Requests"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].code == code) return t[i].phrase;
    return NULL;
}

/* "host:port" of x's URL, for messages ("127.0.0.1:1", "[::1]:8001"). */
static void url_hostport(const cfb__xfer *x, char *out, size_t outlen) {
    snprintf(out, outlen, "?");
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, x->url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        snprintf(out, outlen, "%s:%s", host, port);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

/* The one-line cause of a failed curl transfer (rc != CURLE_OK), said once:
 * our words where we know the cause, else curl's error text (its buffer or,
 * when empty, its code's description), never both. */
static void curl_cause(cfb__xfer *x, CURLcode rc, char *err, size_t errlen) {
    const char *detail = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
    char hp[300];
    switch (rc) {
    case CURLE_COULDNT_CONNECT: {
        long oserr = 0;
        curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &oserr);
        url_hostport(x, hp, sizeof hp);
        if (oserr == ECONNREFUSED)
            snprintf(err, errlen, "connection refused (%s)", hp);
        else if (oserr)
            snprintf(err, errlen, "cannot connect to %s: %s", hp, strerror((int)oserr));
        else
            snprintf(err, errlen, "cannot connect to %s", hp);
        return;
    }
    case CURLE_COULDNT_RESOLVE_HOST:
        url_hostport(x, hp, sizeof hp);
        snprintf(err, errlen, "cannot resolve the host of %s", hp);
        return;
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(err, errlen, "timeout after %g s", x->timeout);
        return;
    case CURLE_PARTIAL_FILE: {
        curl_off_t clen = -1;
        curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen);
        if (clen >= 0)
            snprintf(err, errlen, "short body: got %zu of %lld bytes", x->len, (long long)clen);
        else
            snprintf(err, errlen, "short body: %s", detail);
        return;
    }
    case CURLE_ABORTED_BY_CALLBACK:
        snprintf(err, errlen, "interrupted");
        return;
    case CURLE_WRITE_ERROR:
        if (x->werr && x->phase == 0) {
            snprintf(err, errlen, "save %s/%s.gif: %s", x->dest, x->cc, strerror(x->werr));
            return;
        }
        /* fall through */
    default:
        snprintf(err, errlen, "%s", detail);
        return;
    }
}

/* "418 I'm a teapot": the standard reason phrase (as Python's
 * http.HTTPStatus names it), else the server's own ("HTTP/1.1 599
 * Whatever" -> "599 Whatever"), else the bare number. */
static void http_cause(const cfb__xfer *x, long http, char *err, size_t errlen) {
    const char *phrase = reason_phrase(http);
    const char *sp = strchr(x->status_line, ' ');
    if (phrase)
        snprintf(err, errlen, "%ld %s", http, phrase);
    else if (sp && sp[1])
        snprintf(err, errlen, "%s", sp + 1);
    else
        snprintf(err, errlen, "%ld", http);
}

static int judge(cfb__xfer *x, CURLcode rc, cfb_flag_result *res, char *err, size_t errlen);

int cfb__xfer_finish(cfb__xfer *x, CURLcode rc, cfb_flag_result *res, char *err, size_t errlen) {
    char why[2048]; /* room for paths; err may cut it */
    int r = judge(x, rc, res, why, sizeof why);
    if (r == 1) return 1; /* the flag waits (closed) for its metadata */
    /* A metadata request's failure says so first: the flag itself came. */
    if (r < 0)
        snprintf(err, errlen, "%s%s",
                 x->phase == 1 && rc != CURLE_ABORTED_BY_CALLBACK ? "metadata: " : "", why);
    discard_tmp(x); /* after an error; a no-op once saved */
    return r;
}

/* Switch x to the item's second request, {base}/{cc}/metadata.json. */
static int start_metadata(cfb__xfer *x, char *err, size_t errlen) {
    if (!x->mbuf && !(x->mbuf = malloc(CFB__META_MAX))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    x->flag_len = x->len;
    x->phase = 1;
    x->len = 0;
    x->mlen = 0;
    x->mbuf[0] = '\0';
    x->mbig = false;
    x->status_line[0] = '\0';
    x->errbuf[0] = '\0';
    char lc[3] = {(char)tolower((unsigned char)x->cc[0]), (char)tolower((unsigned char)x->cc[1]),
                  0};
    snprintf(x->url + x->baselen, sizeof x->url - x->baselen, "/%s/metadata.json", lc);
    curl_easy_setopt(x->easy, CURLOPT_URL, x->url);
    set_parsed_url(x, x->url, x->baselen);
    return 0;
}

/* The metadata body: the "country" string, and the flag saved under it. */
static int judge_metadata(cfb__xfer *x, cfb_flag_result *res, char *err, size_t errlen) {
    if (x->mbig) {
        snprintf(err, errlen, "body over %d bytes", CFB__META_MAX - 1);
        return -1;
    }
    json_error_t je;
    json_t *doc = json_loadb(x->mbuf, x->mlen, 0, &je);
    json_t *c = doc ? json_object_get(doc, "country") : NULL;
    if (!doc || !json_is_string(c) || !json_string_length(c)) {
        if (!doc)
            snprintf(err, errlen, "not JSON: %s", je.text);
        else
            snprintf(err, errlen, "no \"country\" string");
        json_decref(doc);
        return -1;
    }
    const char *country = json_string_value(c);
    char name[300];
    if (strlen(country) != json_string_length(c) ||
        cfb_flags_country_file(country, name, sizeof name)) {
        snprintf(err, errlen, "country name unusable as a file name (empty, NUL, over 290 bytes)");
        json_decref(doc);
        return -1;
    }
    snprintf(res->country, sizeof res->country, "%s", country);
    json_decref(doc);
    if (saving(x) && commit_tmp(x, name, err, errlen)) return -1;
    return 0;
}

static int judge(cfb__xfer *x, CURLcode rc, cfb_flag_result *res, char *err, size_t errlen) {
    if (rc != CURLE_OK) {
        curl_cause(x, rc, err, errlen);
        return -1;
    }
    curl_off_t clen = -1;
    curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen);
    long http = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &http);
    memset(res, 0, sizeof *res);
    memcpy(res->cc, x->cc, 3);
    res->http = (int32_t)http;
    res->bytes = x->flag_len + x->len;
    res->requests = x->phase + 1;
    if (http == 404) {
        res->status = CFB_FLAG_NOT_FOUND;
        return 0;
    }
    if (http != 200) {
        http_cause(x, http, err, errlen);
        return -1;
    }
    if (clen >= 0 && (size_t)clen != x->len) {
        snprintf(err, errlen, "short body: got %zu of %lld bytes", x->len, (long long)clen);
        return -1;
    }
    if (x->phase == 1) {
        if (judge_metadata(x, res, err, errlen)) return -1;
    } else if (x->meta) {
        char name[8];
        snprintf(name, sizeof name, "%s.gif", x->cc);
        if (saving(x) && close_tmp(x, name, err, errlen)) return -1;
        return start_metadata(x, err, errlen) ? -1 : 1;
    } else if (save_file(x, err, errlen)) {
        return -1;
    }
    res->status = CFB_FLAG_OK;
    return 0;
}

/* ---- per-worker state and the task -------------------------------------------------- */

static _Thread_local cfb__xfer *tl_xfer;

static int flags_worker_setup(const cfb_params *p) {
    (void)p;
    if (tl_xfer) return 0;
    cfb__xfer *x = calloc(1, sizeof *x);
    if (!x) return CF_ENOMEM;
    int rc = cfb__xfer_init(x);
    if (rc) {
        cfb__xfer_fini(x);
        free(x);
        return rc;
    }
    tl_xfer = x;
    return 0;
}

static void flags_worker_teardown(void) {
    if (!tl_xfer) return;
    cfb__xfer_fini(tl_xfer);
    free(tl_xfer);
    tl_xfer = NULL;
}

static void flags_task(const void *arg, size_t len, cf_out *out) {
    char err[CF_ERRMSG_MAX];
    if (!tl_xfer && flags_worker_setup(NULL)) {
        cf_out_error(out, CF_ENOMEM, "flags: cannot make a curl handle");
        return;
    }
    cfb__xfer *x = tl_xfer;
    if (cfb__xfer_prepare(x, arg, len, err, sizeof err)) {
        cf_out_error(out, CF_EINVAL, "%s", err);
        return;
    }
    if (cfb_flags_abort) {
        cf_out_error(out, CF_ECANCELLED, "%s: interrupted", x->cc);
        return;
    }
    cfb_flag_result res;
    int r;
    do { /* the flag, then (meta, after a 200) its metadata.json: one request at a time */
        int gil = cf_gil_save(); /* a blocking transfer releases the GIL (Py_BEGIN_ALLOW_THREADS) */
        CURLcode rc = curl_easy_perform(x->easy);
        cf_gil_restore(gil);
        r = cfb__xfer_finish(x, rc, &res, err, sizeof err);
    } while (r == 1);
    if (r) {
        cf_out_error(out, 1, "%s", err);
        return;
    }
    cf_out_set(out, &res, sizeof res);
}

static const char *flags_classify(const void *res, size_t len) {
    cfb_flag_result r;
    if (len != sizeof r) return "error";
    memcpy(&r, res, sizeof r);
    return r.status == CFB_FLAG_NOT_FOUND ? "not_found" : "ok";
}

static uint64_t flags_result_bytes(const void *res, size_t len) {
    cfb_flag_result r;
    if (len != sizeof r) return 0;
    memcpy(&r, res, sizeof r);
    return r.status == CFB_FLAG_OK ? r.bytes : 0;
}

/* ---- code lists ------------------------------------------------------------------------ */

static int cmp_cc(const void *a, const void *b) {
    return memcmp(a, b, 2);
}

int cfb_flags_expand(const char *spec, size_t limit, char (**codes)[3], size_t *n, char *err,
                     size_t errlen) {
    if (!spec || !codes || !n) return CF_EINVAL;
    bool set[26 * 26] = {false};
    char *copy = strdup(spec);
    if (!copy) return CF_ENOMEM;
    char *save = NULL;
    for (char *t = strtok_r(copy, " ,\t\n", &save); t; t = strtok_r(NULL, " ,\t\n", &save)) {
        size_t tl = strlen(t);
        if (!strcasecmp(t, "every")) {
            for (int i = 0; i < 26 * 26; i++)
                set[i] = true;
        } else if (!strcasecmp(t, "all")) {
            for (size_t i = 0; i < CFB_FLAG_COUNT; i++) {
                const char *c = cfb_flag_at(i)->cc;
                set[(c[0] - 'A') * 26 + (c[1] - 'A')] = true;
            }
        } else if (tl == 1 && isalpha((unsigned char)t[0]) && isascii((unsigned char)t[0])) {
            int a = toupper((unsigned char)t[0]) - 'A';
            for (int i = 0; i < 26; i++)
                set[a * 26 + i] = true;
        } else if (tl == 2 && isascii((unsigned char)t[0]) && isascii((unsigned char)t[1]) &&
                   isalpha((unsigned char)t[0]) && isalpha((unsigned char)t[1])) {
            set[(toupper((unsigned char)t[0]) - 'A') * 26 + (toupper((unsigned char)t[1]) - 'A')] =
                true;
        } else {
            snprintf(err, errlen, "each CC argument must be A to Z or AA to ZZ: '%s'", t);
            free(copy);
            return CF_EINVAL;
        }
    }
    free(copy);
    size_t count = 0;
    for (int i = 0; i < 26 * 26; i++)
        count += set[i];
    if (limit && count > limit) count = limit;
    char(*out)[3] = malloc((count ? count : 1) * sizeof *out);
    if (!out) return CF_ENOMEM;
    size_t k = 0;
    for (int i = 0; i < 26 * 26 && k < count; i++)
        if (set[i]) {
            out[k][0] = (char)('A' + i / 26);
            out[k][1] = (char)('A' + i % 26);
            out[k][2] = '\0';
            k++;
        }
    qsort(out, k, sizeof *out, cmp_cc); /* already sorted; kept for clarity */
    *codes = out;
    *n = k;
    return 0;
}

int cfb_flags_mkdirs(const char *dir, char *err, size_t errlen) {
    char buf[1024];
    if (!dir || !*dir || strlen(dir) >= sizeof buf) {
        snprintf(err, errlen, "bad directory name");
        return CF_EINVAL;
    }
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) < 0 && errno != EEXIST) {
                snprintf(err, errlen, "mkdir %s: %s", buf, strerror(errno));
                return CF_ESYS;
            }
            *p = c;
            if (!c) break;
        }
    }
    struct stat st;
    if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", buf);
        return CF_ESYS;
    }
    return 0;
}

/* ---- the workload ---------------------------------------------------------------------- */

static const char *const server_choices[] = {"LOCAL", "DELAY", "ERROR", NULL};

static const cfb_param_def flags_params[] = {
    {"codes", CFB_P_STRING, CFB_FLAGS_POP20,
     "country codes: CC, a letter X (XA..XZ), 'all' (194) or 'every' (AA..ZZ)", 1, 0, NULL},
    {"limit", CFB_P_INT, "0", "download at most N codes (0 = all given)", 0, 1e6, NULL},
    {"base", CFB_P_STRING, "", "base URL ({base}/{cc}/{cc}.gif); empty = embedded server", 1, 0,
     NULL},
    {"server", CFB_P_STRING, "LOCAL", "embedded server label when base is empty", 1, 0,
     server_choices},
    {"delay", CFB_P_STRING, "0.5:5", "embedded DELAY/ERROR server: delay MIN:MAX seconds", 1, 0,
     NULL},
    {"error_rate", CFB_P_DOUBLE, "0.25", "embedded ERROR server: share of 418 answers", 0, 1, NULL},
    {"seed", CFB_P_INT, "1", "embedded server seed (delays, 418s)", 0, 9e18, NULL},
    {"dest", CFB_P_STRING, "cfbench-out/downloads/flags",
     "directory for {CC}.gif; '-' = don't save", 1, 0, NULL},
    {"timeout", CFB_P_DOUBLE, "3.1", "seconds per request (connect + transfer)", 0.001, 3600, NULL},
    {"meta", CFB_P_BOOL, "false",
     "flags3: also GET {cc}/metadata.json, save as {Country_Name}.gif (2 requests per flag)", 0, 0,
     NULL},
};

int cfb__flags_parse_delay(const char *s, double *lo, double *hi) {
    char *end;
    *lo = strtod(s, &end);
    if (end == s) return CF_EINVAL;
    if (*end == ':') {
        const char *h = end + 1;
        *hi = strtod(h, &end);
        if (end == h) return CF_EINVAL;
    } else {
        *hi = *lo;
    }
    /* the server's own range (check_opts): NaN and inf fail here, not mid-sweep */
    if (*end || !(*lo >= 0) || !(*hi >= *lo) || *hi > 3600) return CF_EINVAL;
    return 0;
}

static int flags_run_setup(cfb_params *p, void **run_state, char *err, size_t errlen) {
    *run_state = NULL;
    const char *dest = cfb_params_str(p, "dest");
    if (strcmp(dest, "-") && cfb_flags_mkdirs(dest, err, errlen)) return CF_ESYS;
    if (cfb_params_str(p, "base")[0]) return 0;
    cfb_server_opts o;
    cfb_server_opts_init(&o);
    if (cfb_server_label_parse(cfb_params_str(p, "server"), &o.label)) {
        snprintf(err, errlen, "server: unknown label '%s'", cfb_params_str(p, "server"));
        return CF_EINVAL;
    }
    if (cfb__flags_parse_delay(cfb_params_str(p, "delay"), &o.delay_min, &o.delay_max)) {
        snprintf(err, errlen, "delay: '%s' is not MIN:MAX seconds", cfb_params_str(p, "delay"));
        return CF_EINVAL;
    }
    o.error_rate = cfb_params_double(p, "error_rate");
    o.seeded = true;
    o.seed = (uint64_t)cfb_params_int(p, "seed");
    o.max_connections = 20000;
    cfb_flag_server *s;
    int rc = cfb_flag_server_start(&o, &s, err, errlen);
    if (rc) return rc;
    rc = cfb_params_set(p, "base", cfb_flag_server_url(s), err, errlen);
    if (rc) {
        cfb_flag_server_stop(s, NULL);
        return rc;
    }
    *run_state = s;
    return 0;
}

static void flags_run_teardown(void *run_state) {
    cfb_flag_server_stop(run_state, NULL);
}

static int flags_make_tasks(const cfb_params *p, cfb_tasklist *tl, char *err, size_t errlen) {
    char(*codes)[3];
    size_t n;
    int rc = cfb_flags_expand(cfb_params_str(p, "codes"), (size_t)cfb_params_int(p, "limit"),
                              &codes, &n, err, errlen);
    if (rc) return rc;
    const char *base = cfb_params_str(p, "base");
    if (!base[0]) {
        free(codes);
        snprintf(err, errlen, "flags: no base URL (run_setup starts the embedded server)");
        return CF_EINVAL;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        void *arg;
        size_t len;
        rc = cfb_flags_task_arg_meta(codes[i], base, cfb_params_str(p, "dest"),
                                     cfb_params_double(p, "timeout"), cfb_params_bool(p, "meta"),
                                     &arg, &len);
        if (rc) {
            snprintf(err, errlen, "flags: bad base URL or dest");
            break;
        }
        rc = cfb_tasklist_add(tl, arg, len, codes[i]);
        free(arg);
    }
    free(codes);
    return rc;
}

/* Every value that run_setup or make_tasks would reject, before the sweep
 * (workload.h, check_params). */
static int flags_check_params(const cfb_params *p, const char **param, char *err, size_t errlen) {
    char why[256] = "";
    char(*codes)[3] = NULL;
    size_t n = 0;
    int rc = cfb_flags_expand(cfb_params_str(p, "codes"), 0, &codes, &n, why, sizeof why);
    free(codes);
    if (rc == CF_EINVAL || (rc == 0 && n == 0)) {
        *param = "codes";
        snprintf(err, errlen, "codes: %s", rc ? why : "no country codes given");
        return CF_EINVAL;
    }
    double lo, hi;
    const char *delay = cfb_params_str(p, "delay");
    if (cfb__flags_parse_delay(delay, &lo, &hi)) {
        *param = "delay";
        snprintf(err, errlen, "delay: '%s' is not MIN:MAX seconds (0 <= MIN <= MAX) or one number",
                 delay);
        return CF_EINVAL;
    }
    const char *base = cfb_params_str(p, "base"), *dest = cfb_params_str(p, "dest");
    if (strchr(base, '\t') || strlen(base) + 24 >= sizeof(((cfb__xfer *)0)->url)) {
        *param = "base";
        snprintf(err, errlen, "base: a URL without tabs, at most %zu characters",
                 sizeof(((cfb__xfer *)0)->url) - 25);
        return CF_EINVAL;
    }
    if (!*dest || strchr(dest, '\t') || strlen(dest) >= sizeof(((cfb__xfer *)0)->dest)) {
        *param = "dest";
        snprintf(err, errlen, "dest: a directory name without tabs, 1 to %zu characters, or '-'",
                 sizeof(((cfb__xfer *)0)->dest) - 1);
        return CF_EINVAL;
    }
    return 0;
}

/* The Python reference (task_flag): the server's base URL, the codes, the
 * timeout, and where the Python run saves its files — the C run's
 * destination + "-python" ("flag_dir"; absent when the C run saves none).
 * Each task argument is "CC\tTIMEOUT\tBASE\tDEST[\0meta]". */
static int flags_ref_write(const cfb_params *p, const cfb_tasklist *tl, cfb_refw *w, char *err,
                           size_t errlen) {
    char buf[2400], base[2400] = "", dest[2400] = "";
    double timeout = 10.0;
    int rc = cfb_refw_array_begin(w, "codes");
    for (size_t i = 0; !rc && i < tl->n; i++) {
        const cfb_task *t = &tl->tasks[i];
        if (!t->arg || t->len < 4 || t->len >= sizeof buf) goto bad;
        memcpy(buf, t->arg, t->len);
        buf[t->len] = '\0';
        char *f1 = strchr(buf, '\t');
        char *f2 = f1 ? strchr(f1 + 1, '\t') : NULL;
        char *f3 = f2 ? strchr(f2 + 1, '\t') : NULL;
        if (!f3 || f1 - buf != 2) goto bad;
        *f1 = *f2 = *f3 = '\0';
        timeout = strtod(f1 + 1, NULL);
        snprintf(base, sizeof base, "%s", f2 + 1);
        if (i == 0) snprintf(dest, sizeof dest, "%s", strcmp(f3 + 1, "-") ? f3 + 1 : "");
        rc = cfb_refw_string(w, NULL, buf);
    }
    if (!rc) rc = cfb_refw_array_end(w);
    if (!rc) rc = cfb_refw_string(w, "base_url", base);
    if (!rc) rc = cfb_refw_double(w, "timeout_s", timeout > 0 ? timeout : 10.0);
    if (!rc && dest[0]) {
        char pydest[2500];
        snprintf(pydest, sizeof pydest, "%s-python", dest);
        rc = cfb_refw_string(w, "flag_dir", pydest);
    }
    return rc;
bad:
    snprintf(err, errlen, "flags: a task argument the reference runner cannot read");
    return CF_EINVAL;
}

static const cfb_reference_codec flags_reference = {flags_ref_write, NULL};

/* The default sweep: the book's 20 flags from the embedded DELAY server,
 * 10-15 ms per answer (about 15x with enough workers). */
static const char *const flags_sweep_defaults[] = {"server=DELAY", "delay=0.01:0.015", NULL};

const cfb_workload cfb_workload_flags = {
    .name = "flags",
    .description = "I/O-bound: download flag GIFs over HTTP with libcurl (the book's flags2)",
    .bound = CFB_BOUND_IO,
    .params = flags_params,
    .nparams = sizeof flags_params / sizeof flags_params[0],
    .run_setup = flags_run_setup,
    .run_teardown = flags_run_teardown,
    .make_tasks = flags_make_tasks,
    .task = flags_task,
    .worker_setup = flags_worker_setup,
    .worker_teardown = flags_worker_teardown,
    .classify = flags_classify,
    .result_bytes = flags_result_bytes,
    .async = &cfb_flags_async,
    .check_params = flags_check_params,
    .sweep_defaults = flags_sweep_defaults,
    .reference = &flags_reference,
};
