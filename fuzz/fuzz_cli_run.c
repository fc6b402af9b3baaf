/*
 * fuzz_cli_run.c — fuzz target `cli_run`: the option parsing of
 * `cfbench run` (cli/cmd_run.c: worker, mode, workload and impl lists,
 * -p overrides, numbers), end to end through cfb_cmd_run(). The harness is
 * linked with -Wl,--wrap=cfb_sweep_exec: the sweep is never run; the wrapper
 * records the configuration the CLI built and returns 3, as an unwritable
 * results file would.
 *
 * Input: lines. A line whose first byte is one of the option letters below
 * becomes `--option VALUE` (VALUE = the rest of the line); any other line is
 * passed verbatim as one argument. Options: j workers, m mode, w workload,
 * i impl, r repeat, W warmup, s seed, p param, S switch-interval,
 * g --gil, I --interleave, N --no-measure, h --help, R --reference.
 * Invariants:
 *   C1  the exit code is 0 (help), 2 (usage) or, once the sweep would run,
 *       3; the sweep runs only with a configuration that cfb_sweep_check
 *       accepts, and a --help run never reaches it;
 *   C2  the configuration keeps to sweep.h: per-kind ladders (no -j, or
 *       -j auto: issue 16) or workers sorted, distinct, each 1..1024; modes, workloads and impls
 * non-empty, known and without duplicates (issue 14 defect 9); repeat >= 1, warmup >= 0; C3  when
 * every argument came from an option line (no verbatim ones), the configuration is exactly what the
 * options say: the worker set of the last -j (a list of N and A..B items), the modes / workloads /
 *       impls of the last -m / -w / --impl as sets (nothing silently cut:
 *       issue 14 defect 7), the numbers, and every -p in order; and a -j
 *       that the grammar rejects is rejected.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "modes.h"
#include "sweep.h"
#include "workload.h"

int cfb_cmd_run(int argc, char **argv);
int __real_cfb_sweep_exec(const cfb_sweep_cfg *cfg, const cfb_reporter *const *reporters,
                          size_t nreporters, cfb_stop *stop, cfb_run_result **out, char *err,
                          size_t errlen);
int __wrap_cfb_sweep_exec(const cfb_sweep_cfg *cfg, const cfb_reporter *const *reporters,
                          size_t nreporters, cfb_stop *stop, cfb_run_result **out, char *err,
                          size_t errlen);

#define MAXARGS 64
#define MAXW 1024

/* What the wrapper saw (copied: cmd_run frees its strings on return). The
 * checks run after cfb_cmd_run returns, when stderr is back. */
static struct {
    bool called;
    int check_rc;
    char check_err[512];
    int workers[MAXW + 1];
    size_t nworkers;
    bool ladders;
    const cfb_mode *modes[64];
    const cfb_workload *wls[64];
    const cfb_impl *impls[64];
    size_t nmodes, nwls, nimpls;
    int repeat, warmup;
    unsigned long long seed;
    bool interleave, measure;
    char *ov[MAXARGS]; /* non-quiet overrides, "W\x1fK\x1fV" */
    size_t nov;
} seen;

int __wrap_cfb_sweep_exec(const cfb_sweep_cfg *cfg, const cfb_reporter *const *reporters,
                          size_t nreporters, cfb_stop *stop, cfb_run_result **out, char *err,
                          size_t errlen) {
    (void)reporters, (void)nreporters, (void)stop;
    if (out) *out = NULL;
    seen.called = true;
    seen.check_rc = cfb_sweep_check(cfg, seen.check_err, sizeof seen.check_err);
    seen.ladders = cfg->ladders;
    seen.nworkers = cfg->nworkers <= MAXW ? cfg->nworkers : MAXW + 1;
    for (size_t i = 0; i < cfg->nworkers && i <= MAXW; i++)
        seen.workers[i] = cfg->workers[i];
    seen.nmodes = cfg->nmodes <= 64 ? cfg->nmodes : 65;
    seen.nwls = cfg->nworkloads <= 64 ? cfg->nworkloads : 65;
    seen.nimpls = cfg->nimpls <= 64 ? cfg->nimpls : 65;
    for (size_t i = 0; i < cfg->nmodes && i < 64; i++)
        seen.modes[i] = cfg->modes[i];
    for (size_t i = 0; i < cfg->nworkloads && i < 64; i++)
        seen.wls[i] = cfg->workloads[i];
    for (size_t i = 0; i < cfg->nimpls && i < 64; i++)
        seen.impls[i] = cfg->impls[i];
    seen.repeat = cfg->repeat;
    seen.warmup = cfg->warmup;
    seen.seed = cfg->seed;
    seen.interleave = cfg->interleave;
    seen.measure = cfg->measure;
    for (size_t k = 0; k < cfg->noverrides; k++) {
        const cfb_override *o = &cfg->overrides[k];
        if (o->quiet || seen.nov >= MAXARGS) continue;
        size_t l = strlen(o->key) + strlen(o->value) + (o->workload ? strlen(o->workload) : 0) + 3;
        char *s = malloc(l);
        if (!s) continue;
        snprintf(s, l, "%s\x1f%s\x1f%s", o->workload ? o->workload : "", o->key, o->value);
        seen.ov[seen.nov++] = s;
    }
    snprintf(err, errlen, "fuzz: the sweep is not run");
    return CFB_EREPORTER; /* cfbench run exits 3, as for an unwritable results file */
}

/* C1, C2 on what the wrapper saw. */
static void check_seen(void) {
    FUZZ_CHECK(seen.check_rc == 0,
               "C1: the sweep would run a configuration that cfb_sweep_check rejects: %s",
               seen.check_err);
    FUZZ_CHECK(seen.ladders || (seen.nworkers >= 1 && seen.nworkers <= MAXW), "C2: %zu workers",
               seen.nworkers);
    for (size_t i = 0; i < seen.nworkers; i++) {
        FUZZ_CHECK(seen.workers[i] >= 1 && seen.workers[i] <= MAXW, "C2: workers %d",
                   seen.workers[i]);
        FUZZ_CHECK(i == 0 || seen.workers[i - 1] < seen.workers[i],
                   "C2: workers not sorted and distinct");
    }
    FUZZ_CHECK(seen.nmodes >= 1 && seen.nmodes <= 64 && seen.nwls >= 1 && seen.nwls <= 64 &&
                   seen.nimpls >= 1 && seen.nimpls <= 64,
               "C2: %zu modes, %zu workloads, %zu impls", seen.nmodes, seen.nwls, seen.nimpls);
    for (size_t i = 0; i < seen.nmodes; i++) {
        FUZZ_CHECK(cfb_mode_find(seen.modes[i]->name) == seen.modes[i], "C2: unknown mode");
        for (size_t k = 0; k < i; k++)
            FUZZ_CHECK(seen.modes[k] != seen.modes[i], "C2: mode %s twice (issue 14 defect 9)",
                       seen.modes[i]->name);
    }
    for (size_t i = 0; i < seen.nwls; i++) {
        FUZZ_CHECK(cfb_workload_find(seen.wls[i]->name) == seen.wls[i], "C2: unknown workload");
        for (size_t k = 0; k < i; k++)
            FUZZ_CHECK(seen.wls[k] != seen.wls[i], "C2: workload %s twice (issue 14 defect 9)",
                       seen.wls[i]->name);
    }
    for (size_t i = 0; i < seen.nimpls; i++)
        for (size_t k = 0; k < i; k++)
            FUZZ_CHECK(seen.impls[k] != seen.impls[i], "C2: impl %s twice", seen.impls[i]->name);
    FUZZ_CHECK(seen.repeat >= 1 && seen.warmup >= 0, "C2: repeat %d, warmup %d", seen.repeat,
               seen.warmup);
}

/* ---- the reference: the documented grammar of each option --------------- */

static int ref_int(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* The items of a comma list (empty items skipped), copied into buf. */
static size_t ref_items(const char *s, char *buf, size_t buflen, char **items, size_t max) {
    snprintf(buf, buflen, "%s", s);
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && n < max;
         t = strtok_r(NULL, ",", &save))
        items[n++] = t;
    return n;
}

/* "-j": a set of worker counts, or -1 when the grammar rejects it. */
static int ref_workers(const char *s, bool set[MAXW + 1]) {
    memset(set, 0, (MAXW + 1) * sizeof *set);
    size_t len = strlen(s);
    char *buf = malloc(len + 1);
    char **items = malloc((len / 2 + 2) * sizeof *items);
    int rc = -1;
    if (!buf || !items) goto out;
    size_t n = ref_items(s, buf, len + 1, items, len / 2 + 2);
    if (!n) goto out;
    for (size_t i = 0; i < n; i++) {
        char *dots = strstr(items[i], "..");
        long a, b;
        if (dots) {
            *dots = '\0';
            if (ref_int(items[i], 1, MAXW, &a) || ref_int(dots + 2, 1, MAXW, &b) || b < a) goto out;
        } else {
            if (ref_int(items[i], 1, MAXW, &a)) goto out;
            b = a;
        }
        for (long v = a; v <= b; v++)
            set[v] = true;
    }
    rc = 0;
out:
    free(buf);
    free(items);
    return rc;
}

/* The distinct names of a list, or -1 when one is not known (find). */
typedef const void *(*finder)(const char *);
static const void *find_mode(const char *s) {
    return cfb_mode_find(s);
}
static const void *find_wl(const char *s) {
    return cfb_workload_find(s);
}
static const void *find_impl(const char *s) {
    return cfb_impl_find(s);
}
static int ref_names(const char *s, finder find, const void **out, size_t *n) {
    size_t len = strlen(s);
    char *buf = malloc(len + 1);
    char **items = malloc((len / 2 + 2) * sizeof *items);
    int rc = -1;
    *n = 0;
    if (!buf || !items) goto out;
    size_t k = ref_items(s, buf, len + 1, items, len / 2 + 2);
    for (size_t i = 0; i < k; i++) {
        const void *x = find(items[i]);
        if (!x) goto out;
        bool dup = false;
        for (size_t j = 0; j < *n; j++)
            dup |= out[j] == x;
        if (!dup && *n < 64) out[(*n)++] = x;
    }
    rc = *n ? 0 : -1;
out:
    free(buf);
    free(items);
    return rc;
}

/* got (distinct, checked by C2) is the set want. */
static bool same_set(const void *const *want, size_t nwant, const void *const *got, size_t n) {
    if (nwant != n) return false;
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t j = 0; j < nwant; j++)
            found |= got[i] == want[j];
        if (!found) return false;
    }
    return true;
}

static const struct {
    char letter;
    const char *opt;
    bool arg;
} optmap[] = {
    {'j', "--workers", true}, {'m', "--mode", true},        {'w', "--workload", true},
    {'i', "--impl", true},    {'r', "--repeat", true},      {'W', "--warmup", true},
    {'s', "--seed", true},    {'p', "--param", true},       {'S', "--switch-interval", true},
    {'g', "--gil", false},    {'I', "--interleave", false}, {'N', "--no-measure", false},
    {'h', "--help", false},   {'R', "--reference", true},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 8192) return 0;
    char *text = fuzz_strndup(data, size);
    if (!text) return 0;
    char *argv[2 * MAXARGS + 8];
    int argc = 0;
    argv[argc++] = "run";
    bool raw = false, help = false, gil = false, interleave = false, measure = true;
    const char *last[128] = {0}; /* last value per option letter */
    const char *params[MAXARGS];
    size_t nparams = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && argc < 2 * MAXARGS;
         line = strtok_r(NULL, "\n", &save)) {
        size_t k = 0;
        while (k < sizeof optmap / sizeof optmap[0] && optmap[k].letter != line[0])
            k++;
        if (k == sizeof optmap / sizeof optmap[0]) {
            raw = true;
            argv[argc++] = line;
            continue;
        }
        argv[argc++] = (char *)optmap[k].opt;
        if (optmap[k].arg) argv[argc++] = line + 1;
        last[(unsigned char)line[0]] = line + 1;
        switch (line[0]) {
        case 'p':
            if (nparams < MAXARGS) params[nparams++] = line + 1;
            break;
        case 'h':
            help = true;
            break;
        case 'g':
            gil = true;
            break;
        case 'I':
            interleave = true;
            break;
        case 'N':
            measure = false;
            break;
        }
    }
    /* never the default output directory, never a progress display */
    argv[argc++] = "--quiet";
    argv[argc++] = "--out";
    argv[argc++] = "/nonexistent-cfb-fuzz/results.json";
    argv[argc] = NULL;

    memset(&seen, 0, sizeof seen);
    /* GNU getopt keeps a pointer into the last argv: make it start afresh */
    optind = 0;
    char *reset[] = {"reset", NULL};
    opterr = 0;
    (void)getopt(1, reset, "");

    /* the CLI's messages and --help go to /dev/null; ours stay */
    fflush(stdout);
    fflush(stderr);
    int save_out = dup(STDOUT_FILENO), save_err = dup(STDERR_FILENO);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        close(devnull);
    }
    int rc = cfb_cmd_run(argc, argv);
    fflush(stdout);
    fflush(stderr);
    if (save_out >= 0) {
        dup2(save_out, STDOUT_FILENO);
        close(save_out);
    }
    if (save_err >= 0) {
        dup2(save_err, STDERR_FILENO);
        close(save_err);
    }
    if (seen.called) check_seen();

    /* C1 */
    FUZZ_CHECK(rc == 0 || rc == 2 || rc == 3, "C1: exit %d", rc);
    FUZZ_CHECK(seen.called == (rc == 3), "C1: exit %d but the sweep %s", rc,
               seen.called ? "would run" : "would not run");
    if (!raw) FUZZ_CHECK(rc != 0 || help, "C1: exit 0 without --help");
    if (!raw) FUZZ_CHECK(!help || !seen.called, "C1: --help, yet the sweep would run");

    if (!raw && !help) {
        /* C3: -j */
        const char *j = last['j'] ? last['j'] : "auto";
        static bool set[MAXW + 1];
        if (seen.called)
            FUZZ_CHECK(seen.ladders == !strcmp(j, "auto"),
                       "C3: -j '%.200s' %s the per-kind ladders", j,
                       seen.ladders ? "gave" : "did not give");
        if (strcmp(j, "auto") != 0) {
            int r = ref_workers(j, set);
            if (r != 0) FUZZ_CHECK(!seen.called, "C3: -j '%s' is not a list, but was accepted", j);
            if (seen.called) {
                size_t n = 0;
                for (int v = 1; v <= MAXW; v++)
                    n += set[v];
                bool same = n == seen.nworkers;
                for (size_t i = 0; same && i < seen.nworkers; i++)
                    same = set[seen.workers[i]];
                FUZZ_CHECK(same, "C3: -j '%.200s' gave %zu workers, the list has %zu", j,
                           seen.nworkers, n);
            }
        }
        if (seen.called) {
            const void *want[64];
            size_t n;
            if (last['m']) {
                FUZZ_CHECK(ref_names(last['m'], find_mode, want, &n) == 0,
                           "C3: -m '%.200s' accepted", last['m']);
                FUZZ_CHECK(same_set(want, n, (const void *const *)seen.modes, seen.nmodes),
                           "C3: -m '%.200s' gave %zu modes, the list has %zu", last['m'],
                           seen.nmodes, n);
            }
            if (last['w']) {
                FUZZ_CHECK(ref_names(last['w'], find_wl, want, &n) == 0, "C3: -w '%.200s' accepted",
                           last['w']);
                FUZZ_CHECK(same_set(want, n, (const void *const *)seen.wls, seen.nwls),
                           "C3: -w '%.200s' gave %zu workloads, the list has %zu", last['w'],
                           seen.nwls, n);
            }
            const char *im = last['i'] ? last['i'] : "c";
            FUZZ_CHECK(ref_names(im, find_impl, want, &n) == 0, "C3: --impl '%.200s' accepted", im);
            const void *gil_impl = cfb_impl_find("c+gil");
            bool has = false;
            for (size_t i = 0; i < n; i++)
                has |= want[i] == gil_impl;
            if (gil && !has && gil_impl) want[n++] = gil_impl;
            FUZZ_CHECK(same_set(want, n, (const void *const *)seen.impls, seen.nimpls),
                       "C3: --impl '%.200s'%s gave %zu impls, want %zu", im, gil ? " --gil" : "",
                       seen.nimpls, n);
            long v;
            if (last['r'])
                FUZZ_CHECK(ref_int(last['r'], 1, 100000, &v) == 0 && v == seen.repeat,
                           "C3: --repeat '%s' gave %d", last['r'], seen.repeat);
            else
                FUZZ_CHECK(seen.repeat == 8, "C3: default repeat %d", seen.repeat);
            if (last['W'])
                FUZZ_CHECK(ref_int(last['W'], 0, 100000, &v) == 0 && v == seen.warmup,
                           "C3: --warmup '%s' gave %d", last['W'], seen.warmup);
            if (last['s'])
                FUZZ_CHECK(ref_int(last['s'], 0, LONG_MAX, &v) == 0 &&
                               (unsigned long long)v == seen.seed,
                           "C3: --seed '%s' gave %llu", last['s'], seen.seed);
            FUZZ_CHECK(seen.interleave == interleave && seen.measure == measure,
                       "C3: --interleave / --no-measure lost");
            /* -p, in order */
            FUZZ_CHECK(seen.nov == nparams, "C3: %zu -p given, %zu overrides", nparams, seen.nov);
            for (size_t i = 0; i < nparams; i++) {
                const char *eq = strchr(params[i], '=');
                FUZZ_CHECK(eq && eq != params[i], "C3: -p '%s' accepted", params[i]);
                const char *dot = memchr(params[i], '.', (size_t)(eq - params[i]));
                char want_s[8300];
                if (dot)
                    snprintf(want_s, sizeof want_s, "%.*s\x1f%.*s\x1f%s", (int)(dot - params[i]),
                             params[i], (int)(eq - dot - 1), dot + 1, eq + 1);
                else
                    snprintf(want_s, sizeof want_s, "\x1f%.*s\x1f%s", (int)(eq - params[i]),
                             params[i], eq + 1);
                FUZZ_CHECK(!strcmp(want_s, seen.ov[i]), "C3: -p '%s' became '%s'", params[i],
                           seen.ov[i]);
            }
        }
    }
    for (size_t i = 0; i < seen.nov; i++)
        free(seen.ov[i]);
    free(text);
    return 0;
}
