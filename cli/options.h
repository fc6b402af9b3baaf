/*
 * options.h — the one option vocabulary of every cfbench subcommand.
 *
 * A single table (options.c) holds every option any subcommand takes: its
 * long name, its short letter (or none), whether it takes a value and the
 * value's metavar, and a one-line meaning. A short letter belongs to exactly
 * one long name in that table, so `-m` is --mode and `-o` is --out in every
 * command: the commands do not write their own getopt_long tables, they list
 * the ids of the entries they use (also in options.c, cfb_opts_commands) and
 * parse with cfb_opts_next(), which builds the getopt_long table from them.
 *
 * The exception: `cfbench flags` keeps the short flags of Fluent Python's
 * flags2 client (flags2_common.py: -a --all, -e --every, -l --limit,
 * -m --max_req, -s --server, -v --verbose) because readers type them from
 * the book. Those entries are marked `book`; only flags may use them, and
 * there a vocabulary option whose letter a book entry takes (--mode,
 * --error-rate) is long-only.
 *
 * Old spellings (--output, compare -m for --metric, serve -p for --port, …)
 * are hidden, deprecated aliases: they still work, print one note on stderr
 * and are not shown in --help (docs/cli.md lists them).
 *
 * Usage errors are printed by cfb_opts_next() itself, one line on stderr:
 *   cfbench CMD: unknown option '--wrokers' — did you mean '--workers'? (see cfbench CMD --help)
 * and the caller exits CFB_EXIT_USAGE.
 *
 * A new command: add its id list to `commands` in options.c (new options to
 * the vocabulary, long-only unless a letter is free everywhere), parse with
 *   cfb_optparser op;
 *   if (cfb_opts_init(&op, "cmd")) return CFB_EXIT_USAGE;
 *   while ((c = cfb_opts_next(&op, argc, argv)) != -1)
 *       switch (c) { case CFB_OPT_WORKERS: …; default: return CFB_EXIT_USAGE; }
 * and list it in tests/cli/test_options.c (which fails until it is).
 *
 * No threads, no locks: option parsing runs on the main thread, once, before
 * any work (getopt_long's globals optarg/optind are used as usual).
 */
#ifndef CFB_OPTIONS_H
#define CFB_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

/* Option ids: what cfb_opts_next() returns for an option (>= 256, never a
 * character, so a switch reads `case CFB_OPT_WORKLOAD:`). */
enum {
    CFB_OPT_FIRST_ = 256,
    /* the shared vocabulary (a letter means the same thing everywhere) */
    CFB_OPT_HELP = CFB_OPT_FIRST_,
    CFB_OPT_WORKLOAD,
    CFB_OPT_MODE,
    CFB_OPT_WORKERS,
    CFB_OPT_REPEAT,
    CFB_OPT_PARAM,
    CFB_OPT_OUT,
    CFB_OPT_QUIET,
    CFB_OPT_VERBOSE,
    CFB_OPT_TASKS,
    CFB_OPT_FORMAT,
    CFB_OPT_CASE,
    CFB_OPT_THRESHOLD,
    CFB_OPT_ALPHA,
    CFB_OPT_UNIT,
    CFB_OPT_BIND,
    CFB_OPT_LABEL,
    CFB_OPT_DELAY,
    CFB_OPT_ERROR_RATE,
    CFB_OPT_EXPORT_DIR,
    /* long-only */
    CFB_OPT_WARMUP,
    CFB_OPT_INTERLEAVE,
    CFB_OPT_SEED,
    CFB_OPT_IMPL,
    CFB_OPT_NO_MEASURE,
    CFB_OPT_GIL,
    CFB_OPT_SWITCH_INTERVAL,
    CFB_OPT_REFERENCE,
    CFB_OPT_SET,
    CFB_OPT_NUMBERS,
    CFB_OPT_AS_COMPLETED,
    CFB_OPT_REVERSE,
    CFB_OPT_PORT,
    CFB_OPT_ROOT,
    CFB_OPT_THREADS,
    CFB_OPT_MAX_CONNECTIONS,
    CFB_OPT_TIMELINES,
    CFB_OPT_TIMEOUT,
    CFB_OPT_METRIC,
    CFB_OPT_FAIL_ON,
    CFB_OPT_RESAMPLES,
    CFB_OPT_CORRECTION,
    CFB_OPT_PERMUTATIONS,
    CFB_OPT_MIN_SIZE,
    CFB_OPT_RECENT,
    CFB_OPT_ORDER,
    CFB_OPT_CHARTS,
    CFB_OPT_AGGREGATES_ONLY,
    CFB_OPT_MEDIAN_ONLY,
    CFB_OPT_BASE,
    CFB_OPT_NEW,
    CFB_OPT_BASE_BIN,
    CFB_OPT_NEW_BIN,
    CFB_OPT_BASE_ARG,
    CFB_OPT_NEW_ARG,
    CFB_OPT_BASE_ENV,
    CFB_OPT_NEW_ENV,
    CFB_OPT_BASE_CMD,
    CFB_OPT_NEW_CMD,
    CFB_OPT_ROUNDS,
    CFB_OPT_ANALYZE,
    CFB_OPT_BASE_FAIL,
    CFB_OPT_CACHE,
    CFB_OPT_BUILD_TYPE,
    CFB_OPT_WORK,
    CFB_OPT_SECONDS,
    CFB_OPT_NUMBER,
    CFB_OPT_INTERVAL,
    CFB_OPT_MESSAGE,
    CFB_OPT_NO_MAP,
    CFB_OPT_META,
    CFB_OPT_FLOORS,
    CFB_OPT_NO_FLOORS,
    CFB_OPT_HYBRID_PROCS,
    CFB_OPT_X,
    CFB_OPT_PLUGIN,
    /* the book set: flags2_common.py's flags, for `cfbench flags` only */
    CFB_OPT_BOOK_ALL,
    CFB_OPT_BOOK_EVERY,
    CFB_OPT_BOOK_LIMIT,
    CFB_OPT_BOOK_MAX_REQ,
    CFB_OPT_BOOK_SERVER,
    CFB_OPT_END_
};

/* cfb_opts_next() at a usage error it has already reported (exit 2). */
#define CFB_OPT_ERROR (-2)

/* One entry of the vocabulary. */
typedef struct cfb_optdef {
    int id;
    const char *name;    /* long name, without the dashes */
    char letter;         /* short letter, 0 = long only */
    const char *metavar; /* NULL = takes no value */
    const char *meaning; /* one line */
    bool book;           /* flags2's book set (cfbench flags only) */
} cfb_optdef;

/* A hidden, deprecated spelling of an option (not shown in --help). */
typedef struct cfb_optalias {
    const char *command; /* the command it applies to; NULL = every one using `of` */
    const char *name;    /* a long alias (without dashes), or NULL */
    char letter;         /* a short alias, or 0 */
    int of;              /* the id it stands for */
    bool quiet;          /* no deprecation note (the book's own spelling) */
} cfb_optalias;

/* The options one command takes, in --help order. */
typedef struct cfb_cmdopts {
    const char *command;
    const int *ids; /* terminated by 0 */
} cfb_cmdopts;

/* The tables (static storage, never freed). n gets the number of entries. */
const cfb_optdef *cfb_opts_vocabulary(size_t *n);
const cfb_optalias *cfb_opts_aliases(size_t *n);
const cfb_cmdopts *cfb_opts_commands(size_t *n);
/* The entry of id, or NULL. Static storage. */
const cfb_optdef *cfb_opts_def(int id);
/* The letter id has in command (0 = long only there: none, or a book
 * entry of the same command takes it). */
char cfb_opts_letter(const char *command, int id);

/* A parser for one command, built from its id list. No heap memory: the
 * caller owns the struct (usually on its stack). */
#define CFB_OPTS_MAX 64
typedef struct cfb_optparser {
    const char *command;
    struct option longopts[CFB_OPTS_MAX + 1];
    bool alias[CFB_OPTS_MAX]; /* longopts[i] is a deprecated alias */
    bool quiet_alias[CFB_OPTS_MAX];
    size_t nlong;
    char shortopts[2 * CFB_OPTS_MAX + 2];
    int short_id[128]; /* letter -> id; 0 = not an option */
    bool short_alias[128];
    bool started;
    int deprecated; /* how many deprecated spellings were used so far */
} cfb_optparser;

/* Build p for command (a name in cfb_opts_commands). 0, or -1 when the
 * command is unknown or its list is inconsistent (a letter twice: a bug,
 * reported on stderr). */
int cfb_opts_init(cfb_optparser *p, const char *command);

/* getopt_long over argv with p's table: the next option's id (optarg set
 * as usual), -1 when the options end (optind = the first operand), or
 * CFB_OPT_ERROR after printing the usage error (unknown option with a
 * "did you mean", missing value, ambiguous abbreviation). Deprecated
 * aliases print a one-line note on stderr and return the id they stand for. */
int cfb_opts_next(cfb_optparser *p, int argc, char **argv);

/* Parse argv (argv[0] = the command) against command's table without doing
 * anything: 0 when every option is known and has its value, else
 * CFB_OPT_ERROR with the error printed on stderr. *deprecated (if not NULL)
 * gets the number of deprecated spellings used. For tests and docs checks. */
int cfb_opts_check(const char *command, int argc, char **argv, int *deprecated);

/* ---- option values (every command) ----------------------------------------- */

/* A whole decimal integer in lo..hi into *out. 0, or -1 (out untouched)
 * for an empty string, trailing text, overflow or a value outside. */
int cfb_opt_long(const char *s, long lo, long hi, long *out);
/* A whole decimal floating-point number in lo..hi (so never NaN) into
 * *out. 0, or -1 (out untouched). */
int cfb_opt_double(const char *s, double lo, double hi, double *out);
/* A finite decimal number into *out; with allow_pct a trailing '%' divides
 * it by 100 ("5%" = 0.05). 0, or -1 (out untouched). The range is the
 * caller's: its message names it. */
int cfb_opt_fraction(const char *s, bool allow_pct, double *out);
/* A whole non-negative decimal integer in lo..hi into *out (no sign, no
 * trailing text). 0, or -1 (out untouched). */
int cfb_opt_u64(const char *s, unsigned long long lo, unsigned long long hi,
                unsigned long long *out);
/* The one usage-error line of every command, "cfbench CMD: MSG ARG (see
 * cfbench CMD --help)" (ARG may be NULL), on stderr. Returns
 * CFB_EXIT_USAGE (2). */
int cfb_usage_error(const char *cmd, const char *msg, const char *arg);
/* "cfbench CMD: " and fmt with its one string argument arg, on stderr (the
 * result-reading commands' messages, which say their own hint). Returns
 * CFB_EXIT_USAGE (2). */
int cfb_usage_errorf(const char *cmd, const char *fmt, const char *arg)
    __attribute__((format(printf, 2, 0)));

#endif
