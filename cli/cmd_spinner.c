/*
 * cmd_spinner.c — `cfbench spinner`: Fluent Python's spinner_thread.py,
 * spinner_proc.py and spinner_async.py (and their spinner_prime_* and
 * "blocking" variants), with the spinner's responsiveness measured.
 *
 * A spinner draws `\|/-` and a message while a slow computation runs in
 * the main thread, then the main thread prints "Answer: 42" and the
 * measure: ticks drawn during the computation and the largest gap between
 * them (workloads/spinner.h: cfb_spin_measure).
 *
 * Threads and processes, by --mode:
 *   thread   the spinner is a second thread; the main thread computes. With
 *            --gil the emulated GIL is on (core/include/cf_gil.h): the main
 *            thread holds it, as Python's does, and the spinner thread must
 *            take it to draw — a CPU-bound computation hands it over only at
 *            its check points after a switch interval.
 *   process  the spinner is a fork()ed child (its own GIL); the main
 *            process computes.
 *   async    one thread, one cf_loop: the spinner is a timer re-armed every
 *            interval ("spin" coroutine); the computation is a timer for
 *            --work sleep (await asyncio.sleep), or a call on the loop thread
 *            for block (time.sleep) and cpu (is_prime), which freezes the
 *            loop and with it the spinner: 0 ticks, by construction.
 *
 * Shared state: one MAP_SHARED anonymous `spin_ctx` (so the same code
 * serves a thread and a forked child). The main thread writes t0/t1 and
 * then posts `done` (cfb_spin_event, process-shared: the book's Event); the
 * spinner waits on `done` one interval at a time (done.wait(.1)), and after
 * the post reads t0/t1 (ordered by the event's mutex), measures its own tick
 * array and writes ticks/gap into the context before it ends; the main
 * thread reads them after pthread_join / waitpid. Drawing (a TTY only)
 * happens on the spinner's side alone, so lines never interleave; the main
 * thread prints only after the spinner ended.
 *
 * Ownership: the context mapping, the loop and its timers belong to
 * cfb_cmd_spinner and are released before it returns; the tick arrays to
 * whoever records them (spinner thread/child, or the async state).
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cf_gil.h"
#include "cf_loop.h"
#include "commands.h"
#include "options.h"
#include "primes.h"
#include "spinner.h"

int cfb_cmd_spinner(int argc, char **argv);

#define MSG_MAX 64

typedef struct spin_ctx {
    cfb_spin_event done;
    double interval;
    bool tty;
    char msg[MSG_MAX];
    double t0, t1; /* the computation: written by main before posting done */
    size_t ticks;  /* results: written by the spinner before it ends */
    double gap;
    int failed; /* the spinner ran out of memory for ticks */
} spin_ctx;

static const char CHARS[] = "\\|/-";

static void out(const char *s, size_t len) {
    while (len) {
        ssize_t w = write(STDOUT_FILENO, s, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w;
        len -= (size_t)w;
    }
}

/* One frame: "\r<char> <msg>" (a TTY only). */
static void draw(const spin_ctx *c, size_t frame) {
    if (!c->tty) return;
    char buf[MSG_MAX + 8];
    int n = snprintf(buf, sizeof buf, "\r%c %s", CHARS[frame % 4], c->msg);
    if (n > 0) out(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static void clear_line(const spin_ctx *c) {
    if (!c->tty) return;
    char buf[2 * MSG_MAX + 8];
    size_t len = strlen(c->msg) + 2;
    buf[0] = '\r';
    memset(buf + 1, ' ', len);
    buf[len + 1] = '\r';
    out(buf, len + 2);
}

typedef struct ticks {
    double *t;
    size_t n, cap;
} ticks;

static int tick(ticks *tk) {
    if (tk->n == tk->cap) {
        size_t cap = tk->cap ? 2 * tk->cap : 256;
        double *t = realloc(tk->t, cap * sizeof *t);
        if (!t) return -1;
        tk->t = t;
        tk->cap = cap;
    }
    tk->t[tk->n++] = cf_loop_now();
    return 0;
}

/* The book's spin(): draw, then done.wait(interval), until done. Runs in
 * the spinner thread or child; takes the GIL (when on) to draw. */
static void spin_loop(spin_ctx *c) {
    bool mine = cf_gil_enabled() && !cf_gil_held();
    if (mine) cf_gil_acquire(); /* a new Python thread must take the GIL to run */
    ticks tk = {0};
    for (size_t frame = 0;; frame++) {
        draw(c, frame);
        if (tick(&tk)) c->failed = 1;
        if (cfb_spin_event_wait(&c->done, c->interval)) break; /* releases the GIL meanwhile */
    }
    clear_line(c);
    cfb_spin_measure(tk.t, tk.n, c->t0, c->t1, &c->ticks, &c->gap);
    free(tk.t);
    if (mine) cf_gil_release();
}

static void *spin_thread(void *arg) {
    spin_loop(arg);
    return NULL;
}

/* ---- async: the spinner and the computation on one loop -------------------- */

typedef struct async_run {
    spin_ctx *c;
    cfb_spin_work work;
    double seconds;
    uint64_t number;
    bool answer;
    cf_loop *loop;
    cf_loop_timer *spin, *slow;
    ticks tk;
    size_t frame;
    int rc;
} async_run;

static void on_spin(cf_loop *loop, void *arg) {
    (void)loop;
    async_run *a = arg;
    draw(a->c, a->frame++);
    if (tick(&a->tk)) a->c->failed = 1;
    if (cf_loop_timer_start(a->spin, a->c->interval)) a->rc = CF_ENOMEM;
}

static void finish(async_run *a) {
    a->c->t1 = cf_loop_now();
    cf_loop_timer_stop(a->spin); /* spinner.cancel() */
    clear_line(a->c);
    cf_loop_stop(a->loop);
}

static void on_slept(cf_loop *loop, void *arg) {
    (void)loop;
    async_run *a = arg;
    a->answer = true;
    finish(a);
}

/* The book's supervisor(): start the spinner task, then await slow(). */
static void supervisor(cf_loop *loop, void *arg) {
    (void)loop;
    async_run *a = arg;
    if (cf_loop_timer_start(a->spin, 0)) a->rc = CF_ENOMEM; /* create_task(spin(...)) */
    a->c->t0 = cf_loop_now();
    if (a->work == CFB_SPIN_SLEEP) { /* await asyncio.sleep(seconds): the loop runs on */
        if (cf_loop_timer_start(a->slow, a->seconds)) {
            a->rc = CF_ENOMEM;
            finish(a);
        }
        return;
    }
    /* time.sleep(seconds) or is_prime(number) in a coroutine: the loop is blocked */
    a->answer = cfb_spin_compute(a->work, a->seconds, a->number);
    finish(a);
}

static int run_async(spin_ctx *c, cfb_spin_work work, double seconds, uint64_t number,
                     bool *answer) {
    async_run a = {.c = c, .work = work, .seconds = seconds, .number = number};
    int rc = cf_loop_new(&a.loop);
    if (!rc) rc = cf_loop_timer_new(a.loop, on_spin, &a, &a.spin);
    if (!rc) rc = cf_loop_timer_new(a.loop, on_slept, &a, &a.slow);
    if (!rc) rc = cf_loop_call_later(a.loop, 0, supervisor, &a);
    if (!rc) rc = cf_loop_run(a.loop);
    if (!rc) rc = a.rc;
    cfb_spin_measure(a.tk.t, a.tk.n, c->t0, c->t1, &c->ticks, &c->gap);
    free(a.tk.t);
    cf_loop_timer_free(a.spin);
    cf_loop_timer_free(a.slow);
    cf_loop_free(a.loop);
    *answer = a.answer;
    return rc;
}

/* ---- the command ----------------------------------------------------------- */

static int bad(const char *msg, const char *arg) {
    return cfb_usage_error("spinner", msg, arg);
}

static void usage(void) {
    printf("usage: cfbench spinner [--mode thread|process|async] [--work sleep|block|cpu]\n"
           "                       [--seconds S] [--number N] [--gil] [--switch-interval S]\n"
           "                       [--interval S] [--message TEXT]\n\n"
           "Fluent Python's spinner: a spinner animates (\\|/- and a message, on a terminal)\n"
           "while a slow computation runs in the main thread, then the main thread prints\n"
           "the answer and how responsive the spinner stayed: the ticks it drew during the\n"
           "computation and the largest gap between them, e.g.\n"
           "    Answer: 42\n"
           "    spinner: 30 ticks, largest gap 0.100 s (thread mode, sleep for 3.000 s)\n"
           "Not on a terminal: no animation, just those lines.\n"
           "  -m, --mode M          thread (default: spinner_thread.py), process\n"
           "                        (spinner_proc.py) or async (spinner_async.py: the\n"
           "                        spinner is a timer on cfutures' event loop)\n"
           "      --work W          the computation: sleep (default: time.sleep in a thread\n"
           "                        or process, await asyncio.sleep in async), block\n"
           "                        (time.sleep even in async: it blocks the loop), cpu\n"
           "                        (is_prime(number): spinner_prime_*.py)\n"
           "      --seconds S       how long sleep and block last (default 3)\n"
           "      --number N        the prime that cpu checks (default 9223372036854775783,\n"
           "                        the largest below 2^63: a few seconds)\n"
           "      --gil             run under the emulated GIL: the spinner must take it to\n"
           "                        draw, and a cpu computation holds it\n"
           "      --switch-interval S  the GIL's switch interval (default 0.005, CPython's)\n"
           "      --interval S      seconds between frames (default 0.1, the book's)\n"
           "      --message TEXT    the spinner's message (default \"thinking!\")\n"
           "  -h, --help            this text\n"
           "The lessons, as numbers: a thread or a process keeps the gap near the interval\n"
           "(under the GIL, plus a switch interval); a blocking call in async mode freezes\n"
           "the spinner (0 ticks; the gap is the whole computation). Exit 1 if a cpu\n"
           "computation says the number is not prime.\n");
}

int cfb_cmd_spinner(int argc, char **argv) {
    const char *mode = "thread", *msg = "thinking!";
    cfb_spin_work work = CFB_SPIN_SLEEP;
    double seconds = 3.0, interval = 0.1, switch_iv = CF_GIL_DEFAULT_INTERVAL;
    uint64_t number = 9223372036854775783ULL;
    bool gil = false;
    cfb_optparser op;
    if (cfb_opts_init(&op, "spinner")) return CFB_EXIT_USAGE;
    int ch;
    while ((ch = cfb_opts_next(&op, argc, argv)) != -1) {
        switch (ch) {
        case CFB_OPT_MODE:
            mode = optarg;
            break;
        case CFB_OPT_WORK:
            if (cfb_spin_work_parse(optarg, &work))
                return bad("--work must be sleep, block or cpu, not", optarg);
            break;
        case CFB_OPT_SECONDS:
            if (cfb_opt_double(optarg, 0, 3600, &seconds))
                return bad("--seconds: not a number of seconds in 0..3600:", optarg);
            break;
        case CFB_OPT_NUMBER: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (!*optarg || *optarg == '-' || *end || errno || v > 9223372036854775807ULL ||
                !cfb_is_prime_mr(v))
                return bad("--number: not a prime below 2^63:", optarg);
            number = v;
            break;
        }
        case CFB_OPT_GIL:
            gil = true;
            break;
        case CFB_OPT_SWITCH_INTERVAL:
            if (cfb_opt_double(optarg, 1e-6, 10, &switch_iv))
                return bad("--switch-interval: not a number of seconds in 0.000001..10:", optarg);
            break;
        case CFB_OPT_INTERVAL:
            if (cfb_opt_double(optarg, 0.001, 10, &interval))
                return bad("--interval: not a number of seconds in 0.001..10:", optarg);
            break;
        case CFB_OPT_MESSAGE:
            if (strlen(optarg) >= MSG_MAX || strpbrk(optarg, "\r\n"))
                return bad("--message: one line of at most 63 bytes, not", optarg);
            msg = optarg;
            break;
        case CFB_OPT_HELP:
            usage();
            return CFB_EXIT_OK;
        default: /* CFB_OPT_ERROR, said by cfb_opts_next */
            return CFB_EXIT_USAGE;
        }
    }
    if (optind < argc) return bad("unexpected argument", argv[optind]);
    bool thread = !strcmp(mode, "thread"), proc = !strcmp(mode, "process"),
         async = !strcmp(mode, "async");
    if (!thread && !proc && !async)
        return bad("--mode must be thread, process or async, not", mode);

    spin_ctx *c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (c == MAP_FAILED) {
        fprintf(stderr, "cfbench spinner: mmap: %s\n", strerror(errno));
        return CFB_EXIT_ENV;
    }
    memset(c, 0, sizeof *c);
    int erc = cfb_spin_event_init(&c->done);
    if (erc) {
        fprintf(stderr, "cfbench spinner: cannot make the done event: %s\n", strerror(erc));
        munmap(c, sizeof *c);
        return CFB_EXIT_ENV;
    }
    c->interval = interval;
    c->tty = isatty(STDOUT_FILENO);
    snprintf(c->msg, sizeof c->msg, "%s", msg);
    if (gil) {
        int rc = cf_gil_enable(switch_iv);
        if (rc) {
            fprintf(stderr, "cfbench spinner: cannot enable the GIL: %s\n", cf_strerror(rc));
            cfb_spin_event_destroy(&c->done);
            munmap(c, sizeof *c);
            return CFB_EXIT_ENV;
        }
        cf_gil_acquire(); /* the main thread holds the GIL, as Python's does */
    }
    fflush(stdout);
    int ret = CFB_EXIT_OK;
    bool answer = false;
    if (async) {
        int rc = run_async(c, work, seconds, number, &answer);
        if (rc) {
            fprintf(stderr, "cfbench spinner: event loop: %s\n", cf_strerror(rc));
            ret = CFB_EXIT_ENV;
        }
    } else {
        pthread_t th;
        pid_t pid = -1;
        int rc = 0;
        if (thread)
            rc = pthread_create(&th, NULL, spin_thread, c);
        else if ((pid = fork()) == 0) {
            spin_loop(c); /* the child has its own GIL (held if the parent held it) */
            _exit(0);
        } else if (pid < 0)
            rc = errno;
        if (rc) {
            fprintf(stderr, "cfbench spinner: cannot start the spinner: %s\n", strerror(rc));
            ret = CFB_EXIT_ENV;
        } else {
            c->t0 = cf_loop_now();
            answer = cfb_spin_compute(work, seconds, number); /* the book's slow() */
            c->t1 = cf_loop_now();
            cfb_spin_event_post(&c->done); /* done.set() */
            int g = cf_gil_save();         /* join releases the GIL */
            int st = 0;
            if (thread)
                pthread_join(th, NULL);
            else
                while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                    ;
            cf_gil_restore(g);
            if (!thread && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
                fprintf(stderr, "cfbench spinner: the spinner process %d died (status %d)\n",
                        (int)pid, st);
                ret = CFB_EXIT_FAIL;
            }
        }
    }
    if (gil) {
        cf_gil_release();
        cf_gil_disable();
    }
    if (ret == CFB_EXIT_OK) {
        double comp = c->t1 - c->t0;
        if (work == CFB_SPIN_CPU)
            printf("Answer: %s\n", answer ? "True" : "False");
        else
            printf("Answer: 42\n");
        char gilbuf[64] = "";
        if (gil) snprintf(gilbuf, sizeof gilbuf, ", GIL switch interval %g s", switch_iv);
        printf("spinner: %zu tick%s, largest gap %.3f s (%s mode, %s for %.3f s%s)\n", c->ticks,
               c->ticks == 1 ? "" : "s", c->gap, mode, cfb_spin_work_name(work), comp, gilbuf);
        if (c->ticks == 0)
            printf("The spinner never drew while the computation ran: %s.\n",
                   async ? "the computation blocked the event loop"
                         : "nothing let it run (a held GIL?)");
        else if (c->gap > 2 * interval)
            printf("The spinner stalled: up to %.3f s without a frame (it asks for one every "
                   "%.3f s).\n",
                   c->gap, interval);
        else
            printf("The spinner stayed responsive: a frame every %.3f s at worst.\n", c->gap);
        if (c->failed) fprintf(stderr, "cfbench spinner: out of memory for ticks\n");
        if (work == CFB_SPIN_CPU && !answer) {
            fprintf(stderr, "cfbench spinner: WRONG: %" PRIu64 " is prime\n", number);
            ret = CFB_EXIT_FAIL;
        }
    }
    cfb_spin_event_destroy(&c->done);
    munmap(c, sizeof *c);
    return ret;
}
