/*
 * cmd_flags.c — `cfbench flags`: the book's flags2 client (and flags3 with
 * --meta: per flag a second request, {cc}/metadata.json, for the country
 * name the flag is saved under; both requests under the one -m limit).
 *
 * Downloads flags from the embedded server (LOCAL / DELAY / ERROR, started
 * in this process on an ephemeral port) or from a URL, in one of four modes,
 * and prints what flags2 prints: the site line, the search line, the
 * connection count, a progress bar on a TTY (or one line per flag with -v),
 * then the counts and the elapsed time. When every flag failed (nothing
 * downloaded, nothing not found: an unreachable server), one more line on
 * stderr gives the cause and the exit status is 1.
 *
 * Modes. The tasks run through cfb_run_tasks() (runners/taskrun.h): the
 * engine's own seq, thread, process, async and hybrid modes, the ones the
 * sweep measures; this file has no pool or loop code of its own. Threads:
 * the main thread parses, starts the server (its own threads), and calls
 * cfb_run_tasks, which calls account() on the main thread once per flag in
 * completion order; account() prints the -v line or moves the bar. seq:
 * tasks run on the main thread. thread / process: a cfutures pool of
 * --max-req workers, each making its curl handle in the worker setup (in
 * the child, after fork, in process mode). async: the cf_loop with the
 * flags curl-multi driver runs on the main thread itself (before this file
 * ran it on a second thread and consumed futures on the main one; one
 * thread is simpler and is what the sweep measures). hybrid: forked
 * processes, each with its own loop and driver, --max-req split over them.
 *
 * Ctrl-C. The SIGINT handler only sets two lock-free atomic flags (`interrupted`
 * here, `cfb_flags_abort` in the workload, which makes every running curl
 * transfer abort at its next progress callback). `interrupted` is the run's
 * stop flag: the mode looks at it every CFB_REP_POLL_S (0.05 s), starts
 * nothing more, cancels what has not started (pool shutdown with
 * cancel_futures, or the driver's close, which also fails in-flight
 * transfers; hybrid: the processes claim nothing more), waits for the rest,
 * and every flag that never ran comes back cancelled; then this file prints
 * the report of what was done. Exit status 1 after an interruption.
 * Forked workers (process, hybrid) ignore SIGINT and do not see the abort
 * flag: their running transfers end by themselves (--timeout bounds them).
 *
 * Who frees what: this file owns the params, the task list (the engine
 * runs a copy) and the server; the engine owns everything of the run.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cf_loop.h"
#include "cfutures.h"
#include "commands.h"
#include "options.h"
#include "progress.h"
#include "taskrun.h"
#include "flags/flag_server.h"
#include "flags/flags.h"

static atomic_int interrupted; /* lock-free: set from the SIGINT handler */

static void on_sigint(int sig) {
    (void)sig;
    int saved = errno;
    atomic_store(&interrupted, 1);
    atomic_store(&cfb_flags_abort, 1);
    errno = saved;
}

static void flags_usage(FILE *to) {
    fprintf(to, "usage: cfbench flags [CC ...] [OPTIONS]\n\n"
                "Download flags for country codes (the book's flags2 client).\n"
                "Default: the 20 most populous countries (CN IN US ID BR PK NG BD RU JP\n"
                "MX PH VN ET EG DE IR TR CD FR). A single letter X means XA to XZ.\n\n"
                "options (-a -e -l -m -s -v are the book's flags2 flags, kept as readers type\n"
                "them: in this command -a is --all, -e --every and -m --max-req, not --alpha,\n"
                "--error-rate and --mode as in the other commands; docs/cli.md):\n"
                "  -a, --all              all 194 country codes of the flag table\n"
                "  -e, --every            every code from AA to ZZ (676; 482 are not found)\n"
                "  -l, --limit N          limit to the first N codes\n"
                "  -m, --max-req N        maximum concurrent requests (default: seq 1,\n"
                "                         thread 30, process and hybrid 4 x CPUs, async 5;\n"
                "                         --max_req, the book's spelling, works too)\n"
                "  -s, --server LABEL     LOCAL, DELAY or ERROR (embedded server started in\n"
                "                         this process on a free port; default LOCAL), or a URL\n"
                "                         such as http://127.0.0.1:8001/flags\n"
                "  -v, --verbose          one line per flag instead of the progress bar\n"
                "      --mode MODE        seq, thread, process, async or hybrid (default async;\n"
                "                         hybrid: processes with an event loop each)\n"
                "  -o, --out DIR          save {CC}.gif files here (default: a new directory\n"
                "                         under cfbench-out/downloads/; --output: deprecated)\n"
                "      --timeout S        seconds per request (default 3.1; -t: deprecated)\n"
                "  -d, --delay MIN:MAX    embedded DELAY/ERROR server delay (default 0.5:5)\n"
                "      --error-rate P     embedded ERROR server share of 418s (default 0.25)\n"
                "      --seed N           embedded server seed (default 1: reproducible)\n"
                "      --meta             the book's flags3: also GET {cc}/metadata.json and save\n"
                "                         the flag as {Country_Name}.gif; both requests count\n"
                "                         against -m/--max-req\n"
                "  -h, --help             this help\n\n"
                "exit status: 0 done (not found and errors are normal outcomes, as in the book),\n"
                "1 interrupted, or every flag failed (nothing downloaded, nothing not found:\n"
                "e.g. the server refuses connections; one line on stderr says why), 2 bad usage,\n"
                "3 the server or output directory could not be set up.\n");
}

static int usage_error(const char *msg, const char *arg) {
    fprintf(stderr, "cfbench flags: %s%s%s (see cfbench flags --help)\n", msg, arg ? ": " : "",
            arg ? arg : "");
    return CFB_EXIT_USAGE;
}

static int parse_ll(const char *s, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int parse_d(const char *s, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

static double now_s(void) {
    return cf_loop_now();
}

/* ---- progress and counting --------------------------------------------------------- */

typedef struct tally {
    size_t total, done, ok, not_found, errors, interrupted;
    bool verbose, bar;
    double t0, last_draw;
    char first_error[CF_ERRMSG_MAX]; /* the first error's cause, "" before any */
    bool mixed;                      /* a later error had another cause */
} tally;

/* tqdm's bar, as the book's flags2 shows it ("45%|#####     | 9/20 [00:01<00:01,
 * 8.50it/s]"), fitted to the terminal: at most its width - 1 columns, so it
 * never wraps; the bar narrows first (25 down to 5 cells), then the
 * bracketed times go, then the bar. */
static void draw_bar(tally *t, bool final) {
    double now = now_s();
    if (!final && now - t->last_draw < 0.05) return;
    t->last_draw = now;
    double el = now - t->t0;
    double rate = el > 0 ? (double)t->done / el : 0;
    double eta = rate > 0 ? (double)(t->total - t->done) / rate : 0;
    int pct = t->total ? (int)(100.0 * (double)t->done / (double)t->total) : 100;
    char count[64], times[96];
    snprintf(count, sizeof count, " %zu/%zu", t->done, t->total);
    snprintf(times, sizeof times, " [%02d:%02d<%02d:%02d, %.2fit/s]", (int)el / 60, (int)el % 60,
             (int)eta / 60, (int)eta % 60, rate);
    int room = cfb_progress_columns(STDERR_FILENO) - 1 - 6; /* "100%|" and "|" */
    int tl = (int)strlen(times), cl = (int)strlen(count);
    int width = room - cl - tl;
    if (width < 5) { /* no room for the times */
        times[0] = '\0';
        width = room - cl;
    }
    if (width < 5) { /* nor for the bar */
        width = 0;
        if (room + 6 - 4 < cl) count[0] = '\0';
    }
    if (width > 25) width = 25;
    int fill = t->total ? (int)((double)width * (double)t->done / (double)t->total) : width;
    char bar[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : ' ';
    bar[width] = '\0';
    if (width)
        fprintf(stderr, "\r\033[K%3d%%|%s|%s%s", pct, bar, count, times);
    else
        fprintf(stderr, "\r\033[K%3d%%%s", pct, count);
    if (final) fputc('\n', stderr);
    fflush(stderr);
}

/* Count one finished task and print its line or move the bar (on the
 * calling thread: cfb_run_tasks delivers every event there). */
static void account(void *arg, const cfb_task_event *ev) {
    tally *t = arg;
    const char *label = ev->label ? ev->label : "??";
    const char *msg = NULL;
    if (ev->status == CF_ECANCELLED || (ev->status && ev->code == CF_ECANCELLED) ||
        (ev->status && !strcmp(ev->msg, "interrupted"))) {
        t->interrupted++; /* never started, or cut short by Ctrl-C */
        return;
    }
    /* The counts by the workload's own classify(), as the sweep counts them. */
    if (ev->status == 0 && !strcmp(ev->outcome, "not_found")) {
        t->not_found++;
        msg = "not found";
    } else if (ev->status == 0 && !strcmp(ev->outcome, "ok")) {
        t->ok++;
        msg = "OK";
        cfb_flag_result r = {0};
        if (ev->len == sizeof r) memcpy(&r, ev->value, sizeof r);
        if (ev->len == sizeof r && r.country[0]) { /* flags3: "BR OK Brazil" */
            r.country[sizeof r.country - 1] = '\0';
            if (t->verbose) printf("%s OK %s\n", label, r.country);
            msg = NULL;
        }
    } else {
        t->errors++;
        const char *cause = ev->status == 0 ? "bad result" : ev->msg;
        if (t->errors == 1)
            snprintf(t->first_error, sizeof t->first_error, "%s", cause);
        else if (strcmp(t->first_error, cause))
            t->mixed = true;
        if (t->verbose) printf("%s error: %s\n", label, cause);
    }
    t->done++;
    if (t->verbose && msg) printf("%s %s\n", label, msg);
    if (t->verbose)
        fflush(stdout);
    else if (t->bar)
        draw_bar(t, false);
}

/* Raise the soft fd limit to the hard one (10,000 transfers need 10,000 fds). */
static void raise_nofile(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ---- the command --------------------------------------------------------------------- */

int cfb_cmd_flags(int argc, char **argv) {
    bool all = false, every = false, verbose = false, meta = false;
    long long limit = 0, max_req = 0, seed = 1;
    double timeout = 3.1, error_rate = 0.25, dmin = 0.5, dmax = 5.0;
    const char *server = "LOCAL", *mode = "async", *outdir = NULL;
    cfb_optparser op;
    if (cfb_opts_init(&op, "flags")) return CFB_EXIT_USAGE;
    int c;
    while ((c = cfb_opts_next(&op, argc, argv)) != -1) {
        switch (c) {
        case CFB_OPT_BOOK_ALL:
            all = true;
            break;
        case CFB_OPT_BOOK_EVERY:
            every = true;
            break;
        case CFB_OPT_BOOK_LIMIT:
            if (parse_ll(optarg, 1, INT_MAX, &limit))
                return usage_error("-l/--limit must be a positive integer", optarg);
            break;
        case CFB_OPT_BOOK_MAX_REQ:
            if (parse_ll(optarg, 1, 100000, &max_req))
                return usage_error("-m/--max-req must be an integer from 1 to 100000", optarg);
            break;
        case CFB_OPT_BOOK_SERVER:
            server = optarg;
            break;
        case CFB_OPT_VERBOSE:
            verbose = true;
            break;
        case CFB_OPT_MODE:
            mode = optarg;
            if (!cfb_taskrun_mode_find(mode)) {
                char names[128], msg[160];
                snprintf(msg, sizeof msg, "--mode must be %s",
                         cfb_taskrun_mode_names(names, sizeof names));
                return usage_error(msg, optarg);
            }
            break;
        case CFB_OPT_OUT:
            outdir = optarg;
            break;
        case CFB_OPT_TIMEOUT:
            if (parse_d(optarg, 0.001, 3600, &timeout))
                return usage_error("--timeout must be seconds from 0.001 to 3600", optarg);
            break;
        case CFB_OPT_DELAY: {
            char *colon = strchr(optarg, ':');
            char lo[64];
            if (!colon || (size_t)(colon - optarg) >= sizeof lo)
                return usage_error("--delay must be MIN:MAX seconds", optarg);
            memcpy(lo, optarg, (size_t)(colon - optarg));
            lo[colon - optarg] = '\0';
            if (parse_d(lo, 0, 3600, &dmin) || parse_d(colon + 1, 0, 3600, &dmax) || dmax < dmin)
                return usage_error("--delay must be MIN:MAX seconds", optarg);
            break;
        }
        case CFB_OPT_ERROR_RATE:
            if (parse_d(optarg, 0, 1, &error_rate))
                return usage_error("--error-rate must be a number from 0 to 1", optarg);
            break;
        case CFB_OPT_SEED:
            if (parse_ll(optarg, 0, LLONG_MAX, &seed))
                return usage_error("--seed must be a non-negative integer", optarg);
            break;
        case CFB_OPT_META:
            meta = true;
            break;
        case CFB_OPT_HELP:
            flags_usage(stdout);
            return CFB_EXIT_OK;
        default: /* CFB_OPT_ERROR, said by cfb_opts_next */
            return CFB_EXIT_USAGE;
        }
    }
    if (all && every) return usage_error("-a/--all and -e/--every exclude each other", NULL);
    if ((all || every) && optind < argc)
        return usage_error("-a/--all and -e/--every take no CC arguments", argv[optind]);

    /* The code list. */
    char spec[4096] = "";
    if (every)
        snprintf(spec, sizeof spec, "every");
    else if (all)
        snprintf(spec, sizeof spec, "all");
    else if (optind == argc)
        snprintf(spec, sizeof spec, "%s", CFB_FLAGS_POP20);
    for (int i = optind; i < argc; i++) {
        if (strlen(spec) + strlen(argv[i]) + 2 >= sizeof spec)
            return usage_error("too many CC arguments", NULL);
        strcat(spec, " ");
        strcat(spec, argv[i]);
    }
    char err[512];
    char(*codes)[3] = NULL;
    size_t ncodes = 0;
    if (cfb_flags_expand(spec, (size_t)limit, &codes, &ncodes, err, sizeof err))
        return usage_error(err, NULL);
    if (!ncodes) {
        free(codes);
        return usage_error("no country codes to download", NULL);
    }

    /* The server. */
    cfb_server_opts so;
    cfb_server_opts_init(&so);
    bool embedded = cfb_server_label_parse(server, &so.label) == 0;
    if (!embedded && strncmp(server, "http://", 7) && strncmp(server, "https://", 8)) {
        free(codes);
        return usage_error("-s/--server must be LOCAL, DELAY, ERROR or an http:// URL", server);
    }
    int ex = CFB_EXIT_OK;
    /* Catch Ctrl-C from here on, before anything is printed: a SIGINT that
     * arrives once the header is out is always handled (a background job of
     * a non-interactive shell starts with SIGINT ignored). */
    struct sigaction sa, old_sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint; /* no SA_RESTART: blocking calls return EINTR */
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    cfb_flags_abort = 0;
    sigaction(SIGINT, &sa, &old_sa);
    raise_nofile();
    cfb_flag_server *srv = NULL;
    cfb_params *params = NULL;
    cfb_tasklist tl = {0};
    char dirbuf[PATH_MAX];
    const char *base = server;
    if (embedded) {
        so.delay_min = dmin;
        so.delay_max = dmax;
        so.error_rate = error_rate;
        so.seeded = true;
        so.seed = (uint64_t)seed;
        so.max_connections = 20000;
        if (cfb_flag_server_start(&so, &srv, err, sizeof err)) {
            fprintf(stderr, "cfbench flags: cannot start the %s server: %s\n", server, err);
            ex = CFB_EXIT_ENV;
            goto out;
        }
        base = cfb_flag_server_url(srv);
    }

    /* The output directory. */
    if (!outdir) {
        if (cfb_flags_mkdirs("cfbench-out/downloads", err, sizeof err)) {
            fprintf(stderr, "cfbench flags: %s\n", err);
            ex = CFB_EXIT_ENV;
            goto out;
        }
        snprintf(dirbuf, sizeof dirbuf, "cfbench-out/downloads/flags-XXXXXX");
        if (!mkdtemp(dirbuf)) {
            fprintf(stderr, "cfbench flags: mkdtemp %s: %s\n", dirbuf, strerror(errno));
            ex = CFB_EXIT_ENV;
            goto out;
        }
        outdir = dirbuf;
    } else if (strcmp(outdir, "-") && cfb_flags_mkdirs(outdir, err, sizeof err)) {
        fprintf(stderr, "cfbench flags: %s\n", err);
        ex = CFB_EXIT_ENV;
        goto out;
    }

    /* Params and tasks, through the workload itself. */
    const cfb_workload *w = &cfb_workload_flags;
    char lim[32];
    snprintf(lim, sizeof lim, "%lld", limit);
    char tbuf[64];
    snprintf(tbuf, sizeof tbuf, "%.17g", timeout);
    if (cfb_params_new(w->params, w->nparams, &params, err, sizeof err) ||
        cfb_params_set(params, "codes", spec, err, sizeof err) ||
        cfb_params_set(params, "limit", lim, err, sizeof err) ||
        cfb_params_set(params, "base", base, err, sizeof err) ||
        cfb_params_set(params, "dest", outdir, err, sizeof err) ||
        cfb_params_set(params, "timeout", tbuf, err, sizeof err) ||
        cfb_params_set(params, "meta", meta ? "true" : "false", err, sizeof err) ||
        w->make_tasks(params, &tl, err, sizeof err)) {
        fprintf(stderr, "cfbench flags: %s\n", err);
        ex = CFB_EXIT_USAGE;
        goto out;
    }

    bool seq = !strcmp(mode, "seq");
    if (!max_req)
        max_req = seq                       ? 1
                  : !strcmp(mode, "thread") ? 30
                  : !strcmp(mode, "async")  ? 5
                                            : 4LL * cf_cpu_count(); /* process, hybrid */
    if (seq) max_req = 1;
    long long actual = max_req < (long long)tl.n ? max_req : (long long)tl.n;

    printf("%s site: %s\n", embedded ? cfb_server_label_name(so.label) : "URL", base);
    printf("Searching for %zu flag%s: from %s to %s\n", tl.n, tl.n != 1 ? "s" : "",
           tl.tasks[0].label, tl.tasks[tl.n - 1].label);
    printf("%lld concurrent connection%s will be used.\n", actual, actual != 1 ? "s" : "");
    fflush(stdout);

    tally t = {.total = tl.n, .verbose = verbose, .bar = !verbose && isatty(2), .t0 = now_s()};
    cfb_taskrun run = {.workload = w,
                       .params = params,
                       .tasks = &tl,
                       .mode = cfb_taskrun_mode_find(mode),
                       .workers = (int)actual,
                       .on_done = account,
                       .ctx = &t,
                       .stop = &interrupted};
    int rc = cfb_run_tasks(&run, err, sizeof err);
    t.interrupted = tl.n - t.done; /* whatever had no outcome counts as not fetched */
    double elapsed = now_s() - t.t0;
    if (t.bar) draw_bar(&t, true);
    if (rc) fprintf(stderr, "cfbench flags: %s\n", err);
    if (interrupted)
        printf("*** Interrupted: %zu of %zu flags not fetched.\n", tl.n - t.done, tl.n);
    printf("--------------------\n");
    printf("%3zu flag%s downloaded.\n", t.ok, t.ok != 1 ? "s" : "");
    if (t.not_found) printf("%3zu not found.\n", t.not_found);
    if (t.errors) printf("%3zu error%s.\n", t.errors, t.errors != 1 ? "s" : "");
    printf("Elapsed time: %.2fs\n", elapsed);
    fflush(stdout);
    if (interrupted || rc) ex = CFB_EXIT_FAIL;
    /* Every flag failed (none downloaded, none reported missing): the
     * server is unreachable or answers nothing useful. Say why on one line
     * and exit 1; with at least one answer the counts are the report, as
     * in the book, and the exit status is 0. */
    if (!interrupted && !rc && t.errors && !t.ok && !t.not_found) {
        if (t.mixed)
            fprintf(
                stderr,
                "cfbench flags: no flag downloaded: %zu errors, the first: %s (-v shows each)\n",
                t.errors, t.first_error);
        else
            fprintf(stderr, "cfbench flags: no flag downloaded: %s\n", t.first_error);
        ex = CFB_EXIT_FAIL;
    }
out:
    sigaction(SIGINT, &old_sa, NULL);
    cfb_tasklist_free(&tl);
    cfb_params_free(params);
    if (srv) cfb_flag_server_stop(srv, NULL);
    free(codes);
    return ex;
}
