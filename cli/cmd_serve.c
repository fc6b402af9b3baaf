/*
 * cmd_serve.c — `cfbench serve`: run the embedded flag server until SIGINT or
 * SIGTERM, then print its counters.
 *
 * Threads: SIGINT/SIGTERM are blocked in the calling thread before the server
 * starts, so every server thread inherits the mask and the signals are taken
 * only by sigwait() here; the stop then runs in this ordinary thread (no work
 * in a signal handler).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfutures.h"
#include "commands.h"
#include "options.h"
#include "flags/flag_server.h"

static void serve_usage(FILE *to) {
    fprintf(to,
            "usage: cfbench serve [OPTIONS]\n\n"
            "Serve the flag files of the book's flags examples over HTTP, until Ctrl-C.\n"
            "  GET /flags/{cc}/{cc}.gif        a generated GIF89a of the real flag's size\n"
            "  GET /flags/{cc}/metadata.json   country name and ISO code\n\n"
            "options:\n"
            "  -b, --bind ADDR        address to listen on (default 127.0.0.1)\n"
            "      --port N           port (default 8001 LOCAL, 8002 DELAY, 8003 ERROR; 0 = any)\n"
            "  -L, --label NAME       LOCAL (no delay), DELAY (random delay) or ERROR\n"
            "                         (delay + a share of 418 I'm a teapot); default LOCAL\n"
            "  -d, --delay MIN:MAX    delay range in seconds (default 0.5:5)\n"
            "  -e, --error-rate P     share of 418 answers with ERROR, 0..1 (default 0.25)\n"
            "      --root DIR         serve the files of DIR instead of generated ones\n"
            "                         (regular files only; anything else is a 404)\n"
            "      --seed N           make delays and errors reproducible (default random)\n"
            "      --threads N        server threads (default: number of CPUs)\n"
            "      --max-connections N  connection limit (default: libmicrohttpd's)\n"
            "  -x, --export DIR       write the generated files to DIR/flags/ and exit\n"
            "  -h, --help             this help\n"
            "(-p, -r, -s, -t and -c are deprecated spellings of --port, --root, --seed,\n"
            "--threads and --max-connections: those letters mean other things elsewhere)\n");
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "cfbench serve: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see cfbench serve --help)\n");
    return CFB_EXIT_USAGE;
}

static int parse_double(const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end) return -1;
    *out = v;
    return 0;
}

static int parse_long(const char *s, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cfb_cmd_serve(int argc, char **argv) {
    cfb_server_opts o;
    cfb_server_opts_init(&o);
    bool port_set = false;
    const char *export_dir = NULL;
    long long v;
    int c;
    cfb_optparser op;
    if (cfb_opts_init(&op, "serve")) return CFB_EXIT_USAGE;
    while ((c = cfb_opts_next(&op, argc, argv)) != -1) {
        switch (c) {
        case CFB_OPT_BIND:
            o.bind = optarg;
            break;
        case CFB_OPT_PORT:
            if (parse_long(optarg, 0, 65535, &v))
                return usage_error("bad port '%s' (0..65535)", optarg);
            o.port = (int)v;
            port_set = true;
            break;
        case CFB_OPT_LABEL:
            if (cfb_server_label_parse(optarg, &o.label))
                return usage_error("bad label '%s' (LOCAL, DELAY or ERROR)", optarg);
            break;
        case CFB_OPT_DELAY: {
            char buf[64];
            const char *colon = strchr(optarg, ':');
            size_t n = colon ? (size_t)(colon - optarg) : 0;
            if (!colon || n >= sizeof buf)
                return usage_error("bad delay '%s' (MIN:MAX in seconds)", optarg);
            memcpy(buf, optarg, n);
            buf[n] = 0;
            if (parse_double(buf, &o.delay_min) || parse_double(colon + 1, &o.delay_max) ||
                !(o.delay_min >= 0) || !(o.delay_max >= o.delay_min) || o.delay_max > 3600)
                return usage_error("bad delay '%s' (MIN:MAX, 0 <= MIN <= MAX <= 3600)", optarg);
            break;
        }
        case CFB_OPT_ERROR_RATE:
            if (parse_double(optarg, &o.error_rate) || !(o.error_rate >= 0) || !(o.error_rate <= 1))
                return usage_error("bad error rate '%s' (0..1)", optarg);
            break;
        case CFB_OPT_ROOT:
            o.root = optarg;
            break;
        case CFB_OPT_SEED: {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(optarg, &end, 0);
            if (errno || end == optarg || *end || optarg[0] == '-')
                return usage_error("bad seed '%s' (a non-negative integer)", optarg);
            o.seed = s;
            o.seeded = true;
            break;
        }
        case CFB_OPT_THREADS:
            if (parse_long(optarg, 1, 1024, &v))
                return usage_error("bad thread count '%s' (1..1024)", optarg);
            o.threads = (int)v;
            break;
        case CFB_OPT_MAX_CONNECTIONS:
            if (parse_long(optarg, 1, INT_MAX, &v))
                return usage_error("bad connection limit '%s'", optarg);
            o.max_connections = (unsigned)v;
            break;
        case CFB_OPT_EXPORT_DIR:
            export_dir = optarg;
            break;
        case CFB_OPT_HELP:
            serve_usage(stdout);
            return CFB_EXIT_OK;
        default: /* CFB_OPT_ERROR, said by cfb_opts_next */
            return CFB_EXIT_USAGE;
        }
    }
    if (optind < argc) return usage_error("unexpected argument '%s'", argv[optind]);
    if (!port_set) o.port = 8001 + (int)o.label;

    char err[256];
    if (export_dir) {
        if (cfb_flag_export(export_dir, err, sizeof err)) {
            fprintf(stderr, "cfbench serve: %s\n", err);
            return CFB_EXIT_ENV;
        }
        printf("wrote %d flags (.gif + metadata.json) under %s/flags/\n", CFB_FLAG_COUNT,
               export_dir);
        return CFB_EXIT_OK;
    }

    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    signal(SIGPIPE, SIG_IGN);

    cfb_flag_server *srv;
    int rc = cfb_flag_server_start(&o, &srv, err, sizeof err);
    if (rc) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        fprintf(stderr, "cfbench serve: %s\n", err);
        return rc == CF_EINVAL ? CFB_EXIT_USAGE : CFB_EXIT_ENV;
    }
    printf("Serving %s flags on %s", cfb_server_label_name(o.label), cfb_flag_server_url(srv));
    if (o.label != CFB_LABEL_LOCAL) printf("  (delay %g-%g s", o.delay_min, o.delay_max);
    if (o.label == CFB_LABEL_ERROR) printf(", %g%% 418", o.error_rate * 100);
    if (o.label != CFB_LABEL_LOCAL) printf(", seed %" PRIu64 ")", cfb_flag_server_seed(srv));
    if (o.root) printf("  root %s", o.root);
    printf("\nPress Ctrl-C to stop.\n");
    fflush(stdout);

    int sig = 0;
    while (sigwait(&set, &sig) != 0)
        ;
    printf("\n%s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    fflush(stdout);
    cfb_server_stats st;
    cfb_flag_server_stop(srv, &st);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    printf("%" PRIu64 " requests: %" PRIu64 " OK (200), %" PRIu64 " not found (404), %" PRIu64
           " teapot (418), %" PRIu64 " bad (400), %" PRIu64 " other\n",
           st.requests, st.ok, st.not_found, st.teapot, st.bad_request, st.other);
    printf("%" PRIu64 " delayed, %" PRIu64 " body bytes, %" PRIu64 " connections\n", st.delayed,
           st.bytes, st.connections);
    return CFB_EXIT_OK;
}
