/*
 * http_floor.c — the floor under the flags client's targets: a minimal
 * single-threaded HTTP/1.1 GET client written straight on epoll and
 * non-blocking sockets (no libcurl, no cfutures, no files), against the
 * same server and the same downloads as flags_bench. It does only what any
 * client must do: connect, send one request, read the status line, the
 * headers and Content-Length bytes of body, reuse the connection (or close
 * it with --fresh, or when it is the last download on it).
 *
 * What it is for: bench/flags_bench.sh runs it beside flags_bench so one run
 * shows three levels — wrk (a load generator in C with a hand-written HTTP
 * parser, 2 threads), this floor (1 thread, the syscalls any client needs),
 * and the libcurl client of the async mode (1 thread). The gap between the
 * floor and async is libcurl plus our driver; the gap between the floor
 * and a target is what no single-threaded client can close on this machine.
 *
 *   http_floor --url http://127.0.0.1:PORT/flags --n DOWNLOADS --inflight N
 *              [--client raw|curl] [--fresh] [--batch N] [--timeout S] [--runs R]
 *
 * --batch N (raw): new connections opened per round of I/O, 16 by default
 * like the async driver's transfers per loop iteration.
 *
 * --client curl runs the same downloads through bare libcurl instead: a
 * multi handle, one reused easy handle per slot, the textbook
 * curl_multi_perform + curl_multi_poll loop, a write callback that only
 * counts bytes — libcurl's own cost, without the cfutures loop, futures or
 * our driver around it.
 *
 * Output, parsed by flags_bench.sh (the same shape as flags_bench's):
 *   run 1: 10000 downloads, 10000 ok, 0 errors, 0.712 s, 14044.9 downloads/s, client CPU ...
 *   median: 14044.9 downloads/s (0.712 s)
 * Exit: 0 all downloads answered 200 with their whole body; 1 some failed;
 * 2 usage. Only numeric IPv4 URLs (it is a bench, not a client).
 *
 * Threads: one. No locks. Memory: one slot per connection in flight, freed
 * at the end of each run.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cf_loop.h"
#include "flags/flag_server.h"
#include "measure.h"
#include "rstats.h"

enum { HDR_MAX = 4096 };

typedef struct conn {
    int fd;
    size_t download; /* index of the download on this connection */
    char req[192];
    size_t req_len, sent;
    char hdr[HDR_MAX];
    size_t hdr_len;
    bool in_body, eof_wait; /* eof_wait: done, waiting for the server's close */
    long status;
    long long clen, got;
} conn;

typedef struct run {
    struct sockaddr_in addr;
    const char *prefix, *hostport;
    size_t n, next, done, ok, errs, conns;
    size_t nsent;      /* requests sent whole */
    double t0, t_sent; /* run start; when the last request was sent whole */
    bool fresh;
    int ep;
    char first_err[160];
} run;

static void fail(run *r, conn *c, const char *what) {
    if (!r->first_err[0])
        snprintf(r->first_err, sizeof r->first_err, "download %zu: %s", c->download, what);
    r->errs++;
    r->done++;
}

/* Download i fetches flag i mod 194, lower-case in the path as the server
 * (and the flags workload) has it. */
static void flag_cc(size_t i, char cc[3]) {
    const char *uc = cfb_flag_at(i % CFB_FLAG_COUNT)->cc;
    cc[0] = (char)tolower((unsigned char)uc[0]);
    cc[1] = (char)tolower((unsigned char)uc[1]);
    cc[2] = 0;
}

static void prepare(run *r, conn *c) {
    char cc[3];
    flag_cc(c->download, cc);
    /* The last download on a connection asks the server to close first, so
     * the TIME_WAIT state stays on the server's side: 10,000 client-side
     * TIME_WAIT sockets make every later connect() search the ephemeral
     * port range (measured: 3x the client's CPU on back-to-back runs). */
    bool last = r->fresh || r->next + r->conns > r->n; /* the other connections cover the rest */
    c->req_len =
        (size_t)snprintf(c->req, sizeof c->req, "GET %s/%s/%s.gif HTTP/1.1\r\nHost: %s\r\n%s\r\n",
                         r->prefix, cc, cc, r->hostport, last ? "Connection: close\r\n" : "");
    c->sent = 0;
    c->hdr_len = 0;
    c->in_body = false;
    c->eof_wait = false;
    c->status = 0;
    c->clen = -1;
    c->got = 0;
}

/* Opens a connection for the next download; false when none is left or the
 * socket could not be made (the download is then counted as an error). */
static bool open_conn(run *r, conn *c) {
    while (r->next < r->n) {
        c->download = r->next++;
        prepare(r, c);
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
            fail(r, c, strerror(errno));
            continue;
        }
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int rc = connect(c->fd, (struct sockaddr *)&r->addr, sizeof r->addr);
        if (rc < 0 && errno != EINPROGRESS) {
            fail(r, c, strerror(errno));
            close(c->fd);
            continue;
        }
        /* edge-triggered, both directions, once: no epoll_ctl per state */
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
        epoll_ctl(r->ep, EPOLL_CTL_ADD, c->fd, &ev);
        return true;
    }
    c->fd = -1;
    return false;
}

static void close_conn(conn *c) {
    close(c->fd); /* also leaves the epoll set */
    c->fd = -1;
}

/* Sends what is left of the request (EAGAIN: the next EPOLLOUT edge goes on). */
static bool send_req(run *r, conn *c) {
    while (c->sent < c->req_len) {
        ssize_t k = send(c->fd, c->req + c->sent, c->req_len - c->sent, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EAGAIN) return true;
            fail(r, c, strerror(errno));
            return false;
        }
        c->sent += (size_t)k;
    }
    if (++r->nsent == r->n) r->t_sent = cf_loop_now() - r->t0;
    return true;
}

/* Parses the header block in c->hdr (complete, ends with CRLFCRLF at end). */
static bool parse_head(conn *c, size_t end) {
    c->hdr[end] = 0;
    if (sscanf(c->hdr, "HTTP/1.%*d %ld", &c->status) != 1) return false;
    for (char *p = strstr(c->hdr, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n"))
        if (!strncasecmp(p + 2, "Content-Length:", 15)) c->clen = atoll(p + 17);
    return c->clen >= 0;
}

/* Reads; returns false when the connection is finished with (closed). */
static bool read_resp(run *r, conn *c, char *buf, size_t cap) {
    for (;;) {
        ssize_t k = recv(c->fd, buf, cap, 0);
        if (k < 0 && errno == EAGAIN) return true;
        if (c->eof_wait) return false; /* the server closed (or reset): ours to close */
        if (k <= 0) {
            fail(r, c, k == 0 ? "connection closed before the whole response" : strerror(errno));
            return false;
        }
        size_t off = 0;
        if (!c->in_body) {
            size_t take =
                (size_t)k < HDR_MAX - 1 - c->hdr_len ? (size_t)k : HDR_MAX - 1 - c->hdr_len;
            memcpy(c->hdr + c->hdr_len, buf, take);
            size_t old = c->hdr_len;
            c->hdr_len += take;
            c->hdr[c->hdr_len] = 0;
            char *e = strstr(c->hdr + (old > 3 ? old - 3 : 0), "\r\n\r\n");
            if (!e) {
                if (c->hdr_len == HDR_MAX - 1) {
                    fail(r, c, "headers too long");
                    return false;
                }
                continue;
            }
            size_t end = (size_t)(e - c->hdr) + 4;
            off = end - old; /* body bytes start here in buf */
            if (!parse_head(c, end)) {
                fail(r, c, "bad response head");
                return false;
            }
            c->in_body = true;
        }
        c->got += (long long)((size_t)k - off);
        if (c->got < c->clen) continue;
        r->done++;
        if (c->status == 200 && c->got == c->clen) {
            r->ok++;
        } else {
            char m[64];
            snprintf(m, sizeof m, "HTTP %ld, %lld of %lld bytes", c->status, c->got, c->clen);
            r->done--;
            fail(r, c, m);
        }
        if (r->fresh || r->next >= r->n) {
            c->eof_wait = true; /* asked for "Connection: close": let the server close first */
            continue;
        }
        c->download = r->next++; /* keep-alive: the next download on this connection */
        prepare(r, c);
        return send_req(r, c);
    }
}

/* --- bare libcurl -------------------------------------------------------- */

typedef struct cslot {
    CURL *easy;
    size_t download;
    long long got;
} cslot;

static size_t count_body(char *p, size_t size, size_t nmemb, void *ud) {
    (void)p;
    ((cslot *)ud)->got += (long long)(size * nmemb);
    return size * nmemb;
}

static void curl_next(run *r, CURLM *m, cslot *s, const char *base) {
    s->download = r->next++;
    char cc[3];
    flag_cc(s->download, cc);
    char u[512];
    snprintf(u, sizeof u, "%s/%s/%s.gif", base, cc, cc);
    curl_easy_setopt(s->easy, CURLOPT_URL, u); /* libcurl copies the string */
    s->got = 0;
    curl_multi_add_handle(m, s->easy);
}

/* One run through bare libcurl; returns 0, or -1 when the deadline passed. */
static int curl_run(run *r, cslot *ss, long inflight, const char *base, double timeout) {
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, inflight);
    for (long i = 0; i < inflight && r->next < r->n; i++)
        curl_next(r, m, &ss[i], base);
    double deadline = cf_loop_now() + timeout;
    int running = 1, rc = 0;
    while (r->done < r->n) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            cslot *s;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            long code = 0;
            curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &code);
            r->done++;
            if (msg->data.result == CURLE_OK && code == 200) {
                r->ok++;
            } else {
                r->errs++;
                if (!r->first_err[0])
                    snprintf(r->first_err, sizeof r->first_err, "download %zu: %s (HTTP %ld)",
                             s->download, curl_easy_strerror(msg->data.result), code);
            }
            curl_multi_remove_handle(m, s->easy);
            if (r->next < r->n) curl_next(r, m, s, base);
        }
        if (r->done >= r->n) break;
        if (cf_loop_now() > deadline) {
            r->errs += r->n - r->done;
            if (!r->first_err[0])
                snprintf(r->first_err, sizeof r->first_err, "timed out after %.1f s", timeout);
            rc = -1;
            break;
        }
        curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    for (long i = 0; i < inflight; i++)
        curl_multi_remove_handle(m, ss[i].easy);
    curl_multi_cleanup(m);
    return rc;
}

int main(int argc, char **argv) {
    const char *url = NULL;
    long n = 1000, inflight = 64, runs = 3;
    double timeout = 60;
    bool fresh = false, use_curl = false;
    long batch = 16;
    static const struct option lo[] = {
        {"client", 1, NULL, 'c'}, {"batch", 1, NULL, 'b'},    {"url", 1, NULL, 'u'},
        {"n", 1, NULL, 'n'},      {"inflight", 1, NULL, 'i'}, {"timeout", 1, NULL, 't'},
        {"runs", 1, NULL, 'r'},   {"fresh", 0, NULL, 'f'},    {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'u':
            url = optarg;
            break;
        case 'n':
            n = atol(optarg);
            break;
        case 'i':
            inflight = atol(optarg);
            break;
        case 't':
            timeout = atof(optarg);
            break;
        case 'r':
            runs = atol(optarg);
            break;
        case 'f':
            fresh = true;
            break;
        case 'b':
            batch = atol(optarg);
            break;
        case 'c':
            if (!strcmp(optarg, "curl") || !strcmp(optarg, "raw")) {
                use_curl = !strcmp(optarg, "curl");
                break;
            }
            /* fall through */
        default:
            fprintf(stderr,
                    "usage: http_floor --url http://IP:PORT/PREFIX [--client raw|curl] [--n N] "
                    "[--inflight N] [--fresh] [--batch N] [--timeout S] [--runs R]\n");
            return 2;
        }
    }
    static char host[64], prefix[256];
    int port = 0;
    if (!url || n < 1 || inflight < 1 || runs < 1 || timeout <= 0 || batch < 1 ||
        sscanf(url, "http://%63[0-9.]:%d%255s", host, &port, prefix) != 3 || port <= 0 ||
        port > 65535) {
        fprintf(stderr,
                "http_floor: need --url http://IP:PORT/PREFIX and n, inflight, runs >= 1\n");
        return 2;
    }
    run r = {.prefix = prefix, .n = (size_t)n, .fresh = fresh};
    r.addr.sin_family = AF_INET;
    r.addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &r.addr.sin_addr) != 1) {
        fprintf(stderr, "http_floor: %s is not a numeric IPv4 address\n", host);
        return 2;
    }
    char hostport[80];
    snprintf(hostport, sizeof hostport, "%s:%d", host, port);
    r.hostport = hostport;
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (inflight > n) inflight = n;
    r.conns = (size_t)inflight;
    conn *cs = calloc((size_t)inflight, sizeof *cs);
    struct epoll_event *evs = calloc(1024, sizeof *evs);
    double *walls = calloc((size_t)runs, sizeof *walls);
    static char buf[65536];
    int exit_code = 0;
    cslot *ss = NULL;
    char base[400];
    snprintf(base, sizeof base, "http://%s%s", hostport, prefix);
    if (use_curl) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        ss = calloc((size_t)inflight, sizeof *ss);
        for (long i = 0; i < inflight; i++) {
            ss[i].easy = curl_easy_init();
            curl_easy_setopt(ss[i].easy, CURLOPT_NOSIGNAL, 1L);
            curl_easy_setopt(ss[i].easy, CURLOPT_WRITEFUNCTION, count_body);
            curl_easy_setopt(ss[i].easy, CURLOPT_WRITEDATA, &ss[i]);
            curl_easy_setopt(ss[i].easy, CURLOPT_PRIVATE, (char *)&ss[i]);
            curl_easy_setopt(ss[i].easy, CURLOPT_TCP_NODELAY, 1L);
            curl_easy_setopt(ss[i].easy, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
            curl_easy_setopt(ss[i].easy, CURLOPT_FORBID_REUSE, fresh ? 1L : 0L);
        }
    }
    for (long k = 0; k < runs; k++) {
        r.next = r.done = r.ok = r.errs = r.nsent = 0;
        r.t_sent = -1;
        r.first_err[0] = 0;
        r.ep = epoll_create1(EPOLL_CLOEXEC);
        cfb_usage u0, u1;
        cfb_usage_now(&u0);
        double t0 = cf_loop_now(), deadline = t0 + timeout;
        r.t0 = t0;
        bool timed_out = false;
        if (use_curl) timed_out = curl_run(&r, ss, inflight, base, timeout) != 0;
        long opened = 0; /* slots whose first connection is open */
        for (long i = 0; i < inflight; i++)
            cs[i].fd = -1;
        while (!use_curl && r.done < r.n) {
            /* Open new connections in batches, between rounds of I/O, as
             * the async driver adds transfers (10,000 SYNs at once would
             * overflow a 4096-deep accept queue: 1 s SYN retransmits). */
            for (long j = 0; j < batch && opened < inflight; j++)
                open_conn(&r, &cs[opened++]);
            int m = epoll_wait(r.ep, evs, 1024, opened < inflight ? 0 : 100);
            if (cf_loop_now() > deadline) {
                timed_out = true;
                break;
            }
            for (int e = 0; e < m; e++) {
                conn *c = evs[e].data.ptr;
                bool keep = true;
                if (evs[e].events & (EPOLLERR | EPOLLHUP) && !(evs[e].events & EPOLLIN)) {
                    int so = 0;
                    socklen_t sl = sizeof so;
                    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &so, &sl);
                    fail(&r, c, so ? strerror(so) : "connection hung up");
                    keep = false;
                } else {
                    if (evs[e].events & EPOLLOUT && c->sent < c->req_len) keep = send_req(&r, c);
                    if (keep && evs[e].events & EPOLLIN) keep = read_resp(&r, c, buf, sizeof buf);
                }
                if (!keep) {
                    close_conn(c);
                    open_conn(&r, c);
                }
            }
        }
        double wall = cf_loop_now() - t0;
        for (long i = 0; i < inflight && !use_curl; i++)
            if (cs[i].fd >= 0) close(cs[i].fd);
        close(r.ep);
        cfb_usage_now(&u1);
        double cpu = (u1.user_s + u1.sys_s) - (u0.user_s + u0.sys_s);
        if (timed_out && !use_curl) {
            r.errs += r.n - r.done;
            if (!r.first_err[0])
                snprintf(r.first_err, sizeof r.first_err, "timed out after %.1f s", timeout);
        }
        walls[k] = wall;
        printf("run %ld: %zu downloads, %zu ok, %zu errors, %.3f s, %.1f downloads/s, "
               "client CPU %.3f s (%.1f us/download)\n",
               k + 1, r.n, r.ok, r.errs, wall, (double)r.n / wall, cpu, cpu * 1e6 / (double)r.n);
        if (r.first_err[0]) printf("  first error: %s\n", r.first_err);
        if (!use_curl && r.t_sent >= 0)
            printf("  last request sent at %.3f s (connections opened and requests written)\n",
                   r.t_sent);
        if (r.errs) exit_code = 1;
        fflush(stdout);
    }
    double mw = cfb_median(walls, (size_t)runs);
    printf("median: %.1f downloads/s (%.3f s)\n", (double)n / mw, mw);
    for (long i = 0; ss && i < inflight; i++)
        curl_easy_cleanup(ss[i].easy);
    free(ss);
    free(cs);
    free(evs);
    free(walls);
    return exit_code;
}
