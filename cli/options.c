/*
 * options.c — the option vocabulary of every cfbench subcommand (options.h).
 *
 * Three tables: the vocabulary (one entry per option: long name, letter,
 * metavar, meaning), the hidden deprecated aliases, and per command the
 * list of ids it takes. cfb_opts_init() turns a command's list into a
 * getopt_long table; cfb_opts_next() wraps getopt_long and reports usage
 * errors itself, one line each, with a "did you mean".
 *
 * No threads, no locks: parsing runs once on the main thread before any work.
 */
#include "options.h"
#include "suggest.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* clang-format off */
static const cfb_optdef vocab[] = {
    /* the shared vocabulary: a letter here means this option in every command */
    {CFB_OPT_HELP,       "help",       'h', NULL,      "print the help and exit 0", false},
    {CFB_OPT_WORKLOAD,   "workload",   'w', "LIST",    "workloads, comma-separated (cfbench list)", false},
    {CFB_OPT_MODE,       "mode",       'm', "MODE",    "execution mode(s): seq, thread, process, async, hybrid, mpi", false},
    {CFB_OPT_WORKERS,    "workers",    'j', "N",       "pool size(s): how many workers", false},
    {CFB_OPT_REPEAT,     "repeat",     'r', "N",       "measured repetitions", false},
    {CFB_OPT_PARAM,      "param",      'p', "K=V",     "set a workload parameter (repeatable)", false},
    {CFB_OPT_OUT,        "out",        'o', "PATH",    "where the output goes (a file, or a directory)", false},
    {CFB_OPT_QUIET,      "quiet",      'q', NULL,      "no progress output", false},
    {CFB_OPT_VERBOSE,    "verbose",    'v', NULL,      "more output (a line per item)", false},
    {CFB_OPT_TASKS,      "tasks",      'n', "N",       "how many tasks", false},
    {CFB_OPT_FORMAT,     "format",     'f', "F",       "output format", false},
    {CFB_OPT_CASE,       "case",       'c', "GLOB",    "only the cases whose id matches GLOB (repeatable)", false},
    {CFB_OPT_THRESHOLD,  "threshold",  't', "X",       "noise band / smallest change, e.g. 5% or 0.05", false},
    {CFB_OPT_ALPHA,      "alpha",      'a', "A",       "significance level of the test", false},
    {CFB_OPT_UNIT,       "unit",       'u', "S",       "seconds per step", false},
    {CFB_OPT_BIND,       "bind",       'b', "ADDR",    "address to listen on", false},
    {CFB_OPT_LABEL,      "label",      'L', "NAME",    "flag server kind: LOCAL, DELAY or ERROR", false},
    {CFB_OPT_DELAY,      "delay",      'd', "MIN:MAX", "flag server delay range in seconds", false},
    {CFB_OPT_ERROR_RATE, "error-rate", 'e', "P",       "flag server share of 418 answers, 0..1", false},
    {CFB_OPT_EXPORT_DIR, "export",     'x', "DIR",     "write the generated flag files to DIR and exit", false},
    /* long-only */
    {CFB_OPT_WARMUP,     "warmup",     0, "N",         "unmeasured runs first", false},
    {CFB_OPT_INTERLEAVE, "interleave", 0, NULL,        "shuffle the repetitions of all cases", false},
    {CFB_OPT_SEED,       "seed",       0, "N",         "seed of the random choices (reproducible)", false},
    {CFB_OPT_IMPL,       "impl",       0, "LIST",      "implementations: c, c+gil", false},
    {CFB_OPT_NO_MEASURE, "no-measure", 0, NULL,        "skip per-task records, rusage and perf counters", false},
    {CFB_OPT_GIL,        "gil",        0, NULL,        "also sweep impl c+gil (an emulated GIL)", false},
    {CFB_OPT_SWITCH_INTERVAL, "switch-interval", 0, "S", "the GIL's switch interval in seconds", false},
    {CFB_OPT_REFERENCE,  "reference",  0, "python",    "also run through Python's concurrent.futures", false},
    {CFB_OPT_SET,        "set",        0, "NAME",      "a named set of inputs", false},
    {CFB_OPT_NUMBERS,    "numbers",    0, "N,N,...",   "your own comma-separated numbers", false},
    {CFB_OPT_AS_COMPLETED, "as-completed", 0, NULL,    "results in completion order", false},
    {CFB_OPT_REVERSE,    "reverse",    0, NULL,        "later inputs finish first", false},
    {CFB_OPT_PORT,       "port",       0, "N",         "TCP port to listen on", false},
    {CFB_OPT_ROOT,       "root",       0, "DIR",       "serve the files of DIR", false},
    {CFB_OPT_THREADS,    "threads",    0, "N",         "server threads", false},
    {CFB_OPT_MAX_CONNECTIONS, "max-connections", 0, "N", "connection limit", false},
    {CFB_OPT_TIMELINES,  "timelines",  0, "W",         "task timelines: one, all, none", false},
    {CFB_OPT_TIMEOUT,    "timeout",    0, "S",         "seconds per request", false},
    {CFB_OPT_METRIC,     "metric",     0, "M",         "what is compared: wall, cpu, ...", false},
    {CFB_OPT_FAIL_ON,    "fail-on",    0, "W",         "regression | never: when to exit 1", false},
    {CFB_OPT_RESAMPLES,  "resamples",  0, "N",         "bootstrap resamples", false},
    {CFB_OPT_CORRECTION, "correction", 0, "C",         "multiple-comparison correction: holm | none", false},
    {CFB_OPT_PERMUTATIONS, "permutations", 0, "N",     "permutation-test shuffles", false},
    {CFB_OPT_MIN_SIZE,   "min-size",   0, "N",         "fewest points in a segment", false},
    {CFB_OPT_RECENT,     "recent",     0, "K",         "a change within the newest K points is recent", false},
    {CFB_OPT_ORDER,      "order",      0, "O",         "run order: time | name", false},
    {CFB_OPT_CHARTS,     "charts",     0, "DIR",       "one chart per case into DIR", false},
    {CFB_OPT_AGGREGATES_ONLY, "aggregates-only", 0, NULL, "gbench: only the aggregate rows", false},
    {CFB_OPT_MEDIAN_ONLY, "median-only", 0, NULL,      "gbench: one median row per case", false},
    {CFB_OPT_BASE,       "base",       0, "REV",       "build git revision REV as BASE", false},
    {CFB_OPT_NEW,        "new",        0, "REV",       "build git revision REV as NEW", false},
    {CFB_OPT_BASE_BIN,   "base-bin",   0, "PATH",      "a cfbench binary as BASE", false},
    {CFB_OPT_NEW_BIN,    "new-bin",    0, "PATH",      "a cfbench binary as NEW", false},
    {CFB_OPT_BASE_ARG,   "base-arg",   0, "ARG",       "an extra argument for BASE's run", false},
    {CFB_OPT_NEW_ARG,    "new-arg",    0, "ARG",       "an extra argument for NEW's run", false},
    {CFB_OPT_BASE_ENV,   "base-env",   0, "K=V",       "environment for BASE's runs", false},
    {CFB_OPT_NEW_ENV,    "new-env",    0, "K=V",       "environment for NEW's runs", false},
    {CFB_OPT_BASE_CMD,   "base-cmd",   0, "CMD",       "a shell command as BASE", false},
    {CFB_OPT_NEW_CMD,    "new-cmd",    0, "CMD",       "a shell command as NEW", false},
    {CFB_OPT_ROUNDS,     "rounds",     0, "N",         "paired rounds", false},
    {CFB_OPT_ANALYZE,    "analyze",    0, "FILE",      "judge a saved A/B document again", false},
    {CFB_OPT_BASE_FAIL,  "base-fail",  0, "W",         "error | skip: when BASE cannot run", false},
    {CFB_OPT_CACHE,      "cache",      0, "DIR",       "where --base/--new builds go", false},
    {CFB_OPT_BUILD_TYPE, "build-type", 0, "T",         "CMAKE_BUILD_TYPE of those builds", false},
    {CFB_OPT_WORK,       "work",       0, "KIND",      "what the slow computation does: sleep, block, cpu", false},
    {CFB_OPT_SECONDS,    "seconds",    0, "S",         "how long the slow computation lasts", false},
    {CFB_OPT_NUMBER,     "number",     0, "N",         "the number the cpu computation checks", false},
    {CFB_OPT_INTERVAL,   "interval",   0, "S",         "seconds between frames", false},
    {CFB_OPT_MESSAGE,    "message",    0, "TEXT",      "the spinner's message", false},
    {CFB_OPT_NO_MAP,     "no-map",     0, NULL,        "skip the executor.map part", false},
    {CFB_OPT_FLOORS,     "floors",     0, "WHEN",      "host floors: auto (cached per boot), fresh, off", false},
    {CFB_OPT_NO_FLOORS,  "no-floors",  0, NULL,        "no host floors calibration (= --floors off)", false},
    {CFB_OPT_HYBRID_PROCS, "hybrid-procs", 0, "N",     "hybrid mode: processes (default: min(workers, CPUs))", false},
    {CFB_OPT_X,          "x",          0, "KEY",       "plot: the x axis, workers or a scanned parameter (loiter.tasks)", false},
    {CFB_OPT_PLUGIN,     "plugin",     0, "PATH",      "load plugin workloads from a shared object (repeatable)", false},
    /* flags3 (the flags command's --meta): added to o_flags with its code */
    {CFB_OPT_META,       "meta",       0, NULL,        "flags3: also fetch each metadata.json", false},
    /* the book set: Fluent Python's flags2_common.py, `cfbench flags` only */
    {CFB_OPT_BOOK_ALL,     "all",     'a', NULL,       "book: all the flags of the table", true},
    {CFB_OPT_BOOK_EVERY,   "every",   'e', NULL,       "book: every code from AA to ZZ", true},
    {CFB_OPT_BOOK_LIMIT,   "limit",   'l', "N",        "book: limit to the first N codes", true},
    {CFB_OPT_BOOK_MAX_REQ, "max-req", 'm', "N",        "book: maximum concurrent requests", true},
    {CFB_OPT_BOOK_SERVER,  "server",  's', "LABEL",    "book: LOCAL, DELAY, ERROR or a URL", true},
};

/* Hidden old spellings, kept so scripts keep working (docs/cli.md). */
static const cfb_optalias aliases[] = {
    {"flags",   "output",  0,   CFB_OPT_OUT, false},
    {"flags",   "max_req", 0,   CFB_OPT_BOOK_MAX_REQ, true}, /* the book's spelling */
    {"flags",   NULL,      't', CFB_OPT_TIMEOUT, false},
    {"ab",      "runs",    0,   CFB_OPT_REPEAT, false},
    {"ab",      NULL,      'n', CFB_OPT_ROUNDS, false},
    {"compare", NULL,      'm', CFB_OPT_METRIC, false},
    {"history", NULL,      'm', CFB_OPT_METRIC, false},
    {"primes",  NULL,      's', CFB_OPT_SET, false},
    {"primes",  NULL,      'n', CFB_OPT_NUMBERS, false},
    {"loiter",  NULL,      't', CFB_OPT_TASKS, false},
    {"loiter",  NULL,      'a', CFB_OPT_AS_COMPLETED, false},
    {"loiter",  NULL,      'r', CFB_OPT_REVERSE, false},
    {"serve",   NULL,      'p', CFB_OPT_PORT, false},
    {"serve",   NULL,      'r', CFB_OPT_ROOT, false},
    {"serve",   NULL,      's', CFB_OPT_SEED, false},
    {"serve",   NULL,      't', CFB_OPT_THREADS, false},
    {"serve",   NULL,      'c', CFB_OPT_MAX_CONNECTIONS, false},
    {"plot",    NULL,      't', CFB_OPT_TIMELINES, false},
};

/* Per command, the options it takes, in --help order. */
static const int o_run[] = {CFB_OPT_WORKLOAD, CFB_OPT_MODE, CFB_OPT_WORKERS, CFB_OPT_REPEAT,
    CFB_OPT_WARMUP, CFB_OPT_PARAM, CFB_OPT_INTERLEAVE, CFB_OPT_SEED, CFB_OPT_OUT, CFB_OPT_QUIET,
    CFB_OPT_IMPL, CFB_OPT_GIL, CFB_OPT_SWITCH_INTERVAL, CFB_OPT_REFERENCE, CFB_OPT_NO_MEASURE,
    CFB_OPT_FLOORS, CFB_OPT_NO_FLOORS, CFB_OPT_HYBRID_PROCS, CFB_OPT_PLUGIN, CFB_OPT_HELP, 0};
static const int o_list[] = {CFB_OPT_PLUGIN, CFB_OPT_HELP, 0};
static const int o_primes[] = {CFB_OPT_MODE, CFB_OPT_WORKERS, CFB_OPT_SET, CFB_OPT_NUMBERS,
    CFB_OPT_HELP, 0};
static const int o_loiter[] = {CFB_OPT_WORKERS, CFB_OPT_TASKS, CFB_OPT_UNIT, CFB_OPT_AS_COMPLETED,
    CFB_OPT_REVERSE, CFB_OPT_MODE, CFB_OPT_HELP, 0};
static const int o_serve[] = {CFB_OPT_BIND, CFB_OPT_PORT, CFB_OPT_LABEL, CFB_OPT_DELAY,
    CFB_OPT_ERROR_RATE, CFB_OPT_ROOT, CFB_OPT_SEED, CFB_OPT_THREADS, CFB_OPT_MAX_CONNECTIONS,
    CFB_OPT_EXPORT_DIR, CFB_OPT_HELP, 0};
static const int o_plot[] = {CFB_OPT_OUT, CFB_OPT_FORMAT, CFB_OPT_TIMELINES, CFB_OPT_X,
    CFB_OPT_VERBOSE, CFB_OPT_HELP, 0};
static const int o_flags[] = {CFB_OPT_BOOK_ALL, CFB_OPT_BOOK_EVERY, CFB_OPT_BOOK_LIMIT,
    CFB_OPT_BOOK_MAX_REQ, CFB_OPT_BOOK_SERVER, CFB_OPT_VERBOSE, CFB_OPT_MODE, CFB_OPT_OUT,
    CFB_OPT_TIMEOUT, CFB_OPT_DELAY, CFB_OPT_ERROR_RATE, CFB_OPT_SEED, CFB_OPT_META, CFB_OPT_HELP, 0};
static const int o_compare[] = {CFB_OPT_METRIC, CFB_OPT_THRESHOLD, CFB_OPT_ALPHA, CFB_OPT_FORMAT,
    CFB_OPT_FAIL_ON, CFB_OPT_CASE, CFB_OPT_CORRECTION, CFB_OPT_SEED, CFB_OPT_RESAMPLES,
    CFB_OPT_OUT, CFB_OPT_HELP, 0};
static const int o_ab[] = {CFB_OPT_BASE, CFB_OPT_NEW, CFB_OPT_BASE_BIN, CFB_OPT_NEW_BIN,
    CFB_OPT_BASE_ARG, CFB_OPT_NEW_ARG, CFB_OPT_BASE_ENV, CFB_OPT_NEW_ENV, CFB_OPT_BASE_CMD,
    CFB_OPT_NEW_CMD, CFB_OPT_WORKLOAD, CFB_OPT_MODE, CFB_OPT_WORKERS, CFB_OPT_PARAM, CFB_OPT_IMPL,
    CFB_OPT_GIL, CFB_OPT_SWITCH_INTERVAL, CFB_OPT_CASE, CFB_OPT_ROUNDS, CFB_OPT_REPEAT,
    CFB_OPT_WARMUP, CFB_OPT_SEED, CFB_OPT_METRIC, CFB_OPT_THRESHOLD, CFB_OPT_ALPHA,
    CFB_OPT_CORRECTION, CFB_OPT_ANALYZE, CFB_OPT_FORMAT, CFB_OPT_OUT, CFB_OPT_FAIL_ON,
    CFB_OPT_BASE_FAIL, CFB_OPT_CACHE, CFB_OPT_BUILD_TYPE, CFB_OPT_QUIET, CFB_OPT_HELP, 0};
static const int o_export[] = {CFB_OPT_FORMAT, CFB_OPT_OUT, CFB_OPT_AGGREGATES_ONLY,
    CFB_OPT_MEDIAN_ONLY, CFB_OPT_HELP, 0};
static const int o_history[] = {CFB_OPT_METRIC, CFB_OPT_THRESHOLD, CFB_OPT_ALPHA,
    CFB_OPT_PERMUTATIONS, CFB_OPT_MIN_SIZE, CFB_OPT_RECENT, CFB_OPT_SEED, CFB_OPT_ORDER,
    CFB_OPT_CASE, CFB_OPT_FORMAT, CFB_OPT_OUT, CFB_OPT_CHARTS, CFB_OPT_FAIL_ON, CFB_OPT_HELP, 0};

/* The experiments of issue 16 (cmd_spinner.c, cmd_procs.c, cmd_futures.c),
 * registered ahead of their merge with the options they had then. */
static const int o_spinner[] = {CFB_OPT_MODE, CFB_OPT_WORK, CFB_OPT_SECONDS, CFB_OPT_NUMBER,
    CFB_OPT_GIL, CFB_OPT_SWITCH_INTERVAL, CFB_OPT_INTERVAL, CFB_OPT_MESSAGE, CFB_OPT_HELP, 0};
static const int o_procs[] = {CFB_OPT_WORKERS, CFB_OPT_MODE, CFB_OPT_GIL, CFB_OPT_SWITCH_INTERVAL,
    CFB_OPT_SET, CFB_OPT_NUMBERS, CFB_OPT_HELP, 0};
static const int o_futures[] = {CFB_OPT_WORKERS, CFB_OPT_TASKS, CFB_OPT_UNIT, CFB_OPT_MODE,
    CFB_OPT_NO_MAP, CFB_OPT_HELP, 0};

static const cfb_cmdopts commands[] = {
    {"run", o_run},         {"list", o_list},       {"primes", o_primes},
    {"loiter", o_loiter},   {"serve", o_serve},     {"plot", o_plot},
    {"flags", o_flags},     {"compare", o_compare}, {"ab", o_ab},
    {"export", o_export},   {"history", o_history},
    {"spinner", o_spinner}, {"procs", o_procs},     {"futures", o_futures},
};
/* clang-format on */

#define NELEM(a) (sizeof(a) / sizeof(a)[0])

const cfb_optdef *cfb_opts_vocabulary(size_t *n) {
    *n = NELEM(vocab);
    return vocab;
}

const cfb_optalias *cfb_opts_aliases(size_t *n) {
    *n = NELEM(aliases);
    return aliases;
}

const cfb_cmdopts *cfb_opts_commands(size_t *n) {
    *n = NELEM(commands);
    return commands;
}

const cfb_optdef *cfb_opts_def(int id) {
    for (size_t i = 0; i < NELEM(vocab); i++)
        if (vocab[i].id == id) return &vocab[i];
    return NULL;
}

static const cfb_cmdopts *find_command(const char *command) {
    for (size_t i = 0; i < NELEM(commands); i++)
        if (!strcmp(commands[i].command, command)) return &commands[i];
    return NULL;
}

char cfb_opts_letter(const char *command, int id) {
    const cfb_cmdopts *c = find_command(command);
    const cfb_optdef *d = cfb_opts_def(id);
    if (!c || !d || !d->letter) return 0;
    if (!d->book)
        for (const int *k = c->ids; *k; k++) {
            const cfb_optdef *o = cfb_opts_def(*k);
            if (o && o->book && o->letter == d->letter) return 0; /* the book wins */
        }
    return d->letter;
}

int cfb_opts_init(cfb_optparser *p, const char *command) {
    memset(p, 0, sizeof *p);
    p->command = command;
    const cfb_cmdopts *c = find_command(command);
    if (!c) {
        fprintf(stderr, "cfbench %s: no option table (a bug: add it to cli/options.c)\n", command);
        return -1;
    }
    size_t ns = 0;
    p->shortopts[ns++] = ':'; /* a missing value returns ':' */
    for (const int *k = c->ids; *k; k++) {
        const cfb_optdef *d = cfb_opts_def(*k);
        if (!d || p->nlong >= CFB_OPTS_MAX) {
            fprintf(stderr, "cfbench %s: bad option table (a bug in cli/options.c)\n", command);
            return -1;
        }
        p->longopts[p->nlong++] =
            (struct option){d->name, d->metavar ? required_argument : no_argument, NULL, d->id};
        char l = cfb_opts_letter(command, d->id);
        if (!l) continue;
        if (p->short_id[(unsigned char)l]) {
            fprintf(stderr, "cfbench %s: letter -%c given twice (a bug in cli/options.c)\n",
                    command, l);
            return -1;
        }
        p->short_id[(unsigned char)l] = d->id;
        p->shortopts[ns++] = l;
        if (d->metavar) p->shortopts[ns++] = ':';
    }
    for (size_t i = 0; i < NELEM(aliases); i++) {
        const cfb_optalias *a = &aliases[i];
        if (a->command && strcmp(a->command, command)) continue;
        const cfb_optdef *d = cfb_opts_def(a->of);
        bool has = false;
        for (const int *k = c->ids; *k; k++)
            has |= *k == a->of;
        if (!has || !d) continue;
        if (a->name) {
            if (p->nlong >= CFB_OPTS_MAX) return -1;
            p->alias[p->nlong] = true;
            p->quiet_alias[p->nlong] = a->quiet;
            p->longopts[p->nlong++] =
                (struct option){a->name, d->metavar ? required_argument : no_argument, NULL, d->id};
        }
        if (a->letter) {
            if (p->short_id[(unsigned char)a->letter]) {
                fprintf(stderr, "cfbench %s: letter -%c given twice (a bug in cli/options.c)\n",
                        command, a->letter);
                return -1;
            }
            p->short_id[(unsigned char)a->letter] = d->id;
            p->short_alias[(unsigned char)a->letter] = !a->quiet;
            p->shortopts[ns++] = a->letter;
            if (d->metavar) p->shortopts[ns++] = ':';
        }
    }
    p->shortopts[ns] = '\0';
    p->longopts[p->nlong] = (struct option){NULL, 0, NULL, 0};
    return 0;
}

/* The name of the long option d, as the user should write it in this command. */
static void canonical(const cfb_optparser *p, int id, char *buf, size_t size) {
    const cfb_optdef *d = cfb_opts_def(id);
    char l = cfb_opts_letter(p->command, id);
    if (l)
        snprintf(buf, size, "-%c/--%s", l, d ? d->name : "?");
    else
        snprintf(buf, size, "--%s", d ? d->name : "?");
}

static void unknown_long(const cfb_optparser *p, const char *arg) {
    char word[128];
    const char *s = arg + 2;
    size_t len = strcspn(s, "=");
    if (len >= sizeof word) len = sizeof word - 1;
    memcpy(word, s, len);
    word[len] = '\0';
    /* an abbreviation of two or more options */
    const char *names[CFB_OPTS_MAX];
    size_t n = 0, nprefix = 0;
    char list[512] = "";
    for (size_t i = 0; i < p->nlong; i++) {
        if (p->alias[i]) continue;
        names[n++] = p->longopts[i].name;
        if (len && !strncmp(p->longopts[i].name, word, len)) {
            size_t off = strlen(list);
            snprintf(list + off, sizeof list - off, "%s--%s", nprefix ? ", " : "",
                     p->longopts[i].name);
            nprefix++;
        }
    }
    if (nprefix > 1) {
        fprintf(stderr, "cfbench %s: option '--%s' is ambiguous: %s (see cfbench %s --help)\n",
                p->command, word, list, p->command);
        return;
    }
    const char *best = cfb_suggest(word, names, n);
    const cfb_optdef *other = NULL; /* an option of other commands */
    for (size_t i = 0; i < NELEM(vocab); i++)
        if (!strcmp(vocab[i].name, word)) other = &vocab[i];
    if (!best && other)
        fprintf(stderr,
                "cfbench %s: unknown option '--%s' (an option of other commands, not of this "
                "one; see cfbench %s --help)\n",
                p->command, word, p->command);
    else if (best)
        fprintf(stderr,
                "cfbench %s: unknown option '--%s' \xe2\x80\x94 did you mean '--%s'? "
                "(see cfbench %s --help)\n",
                p->command, word, best, p->command);
    else
        fprintf(stderr, "cfbench %s: unknown option '--%s' (see cfbench %s --help)\n", p->command,
                word, p->command);
}

int cfb_opts_next(cfb_optparser *p, int argc, char **argv) {
    if (!p->started) {
        p->started = true;
        optind = 0; /* glibc: a full re-initialisation */
        opterr = 0;
    }
    int longindex = -1;
    int c = getopt_long(argc, argv, p->shortopts, p->longopts, &longindex);
    if (c == -1) return -1;
    const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
    if (c == ':') {
        char name[96];
        if (optopt >= 256 && !strncmp(arg, "--", 2)) /* as typed: --out, --output */
            snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
        else if (optopt >= 256)
            canonical(p, optopt, name, sizeof name);
        else
            snprintf(name, sizeof name, "-%c", optopt);
        const cfb_optdef *d = cfb_opts_def(optopt >= 256 ? optopt : p->short_id[optopt & 127]);
        fprintf(stderr, "cfbench %s: option '%s' needs a value%s%s%s (see cfbench %s --help)\n",
                p->command, name, d && d->metavar ? " (" : "", d && d->metavar ? d->metavar : "",
                d && d->metavar ? ")" : "", p->command);
        return CFB_OPT_ERROR;
    }
    if (c == '?') {
        const cfb_optdef *other = NULL; /* the letter in the other commands */
        for (size_t i = 0; optopt > 0 && optopt < 128 && i < NELEM(vocab); i++)
            if (vocab[i].letter == optopt && !vocab[i].book) other = &vocab[i];
        if (other)
            fprintf(stderr,
                    "cfbench %s: unknown option '-%c' (-%c is --%s, which cfbench %s does not "
                    "take; see cfbench %s --help)\n",
                    p->command, optopt, optopt, other->name, p->command, p->command);
        else if (optopt > 0 && optopt < 128)
            fprintf(stderr, "cfbench %s: unknown option '-%c' (see cfbench %s --help)\n",
                    p->command, optopt, p->command);
        else if (optopt >= 256)
            /* a long option given a value it does not take (--quiet=1) */
            fprintf(stderr, "cfbench %s: option '%s' takes no value (see cfbench %s --help)\n",
                    p->command, arg, p->command);
        else if (!strncmp(arg, "--", 2))
            unknown_long(p, arg);
        else
            fprintf(stderr, "cfbench %s: unknown option '%s' (see cfbench %s --help)\n", p->command,
                    arg, p->command);
        return CFB_OPT_ERROR;
    }
    if (c < 128) { /* a letter */
        int id = p->short_id[c & 127];
        if (!id) return CFB_OPT_ERROR; /* not reached: getopt knows only our letters */
        if (p->short_alias[c & 127]) {
            char name[96];
            canonical(p, id, name, sizeof name);
            fprintf(stderr, "cfbench %s: note: '-%c' is deprecated here, use '%s'\n", p->command, c,
                    name);
            p->deprecated++;
        }
        return id;
    }
    if (longindex >= 0 && (size_t)longindex < p->nlong && p->alias[longindex] &&
        !p->quiet_alias[longindex]) {
        char name[96];
        canonical(p, c, name, sizeof name);
        fprintf(stderr, "cfbench %s: note: '--%s' is deprecated, use '%s'\n", p->command,
                p->longopts[longindex].name, name);
        p->deprecated++;
    }
    return c;
}

int cfb_opts_check(const char *command, int argc, char **argv, int *deprecated) {
    cfb_optparser p;
    if (deprecated) *deprecated = 0;
    if (cfb_opts_init(&p, command)) return CFB_OPT_ERROR;
    int c;
    while ((c = cfb_opts_next(&p, argc, argv)) != -1)
        if (c == CFB_OPT_ERROR) return CFB_OPT_ERROR;
    if (deprecated) *deprecated = p.deprecated;
    return 0;
}

int cfb_opt_long(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cfb_opt_double(const char *s, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

int cfb_opt_fraction(const char *s, bool allow_pct, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno) return -1;
    if (allow_pct && *end == '%') {
        v /= 100.0;
        end++;
    }
    if (*end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int cfb_opt_u64(const char *s, unsigned long long lo, unsigned long long hi,
                unsigned long long *out) {
    char *end;
    errno = 0;
    if (*s == '-' || !*s) return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cfb_usage_errorf(const char *cmd, const char *fmt, const char *arg) {
    fprintf(stderr, "cfbench %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 2; /* CFB_EXIT_USAGE (cli/commands.h) */
}

int cfb_usage_error(const char *cmd, const char *msg, const char *arg) {
    fprintf(stderr, "cfbench %s: %s%s%s (see cfbench %s --help)\n", cmd, msg, arg ? " " : "",
            arg ? arg : "", cmd);
    return 2; /* CFB_EXIT_USAGE (cli/commands.h) */
}
