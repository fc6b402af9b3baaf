/* cmd_run.c — `cfbench run` (the sweep) and `cfbench list`.
 *
 * `run` is a thin client of the engine (cfbench.h): parse the options →
 * a cfb_plan → cfb_run with the progress and JSON reporters and a stop
 * token → map the status and the outcome to an exit code (0 complete, 1 a
 * failed case / wrong answer / interrupted, 2 bad usage or plan, 3 the
 * results file cannot be written). The SIGINT/SIGTERM handler (installed
 * here, not by the engine) sets the stop token: the run ends after the
 * current repetition. */
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cfbench.h"
#include "commands.h"
#include "context.h"
#include "findings.h"
#include "floors.h"
#include "cf_gil.h"
#include "impl_gil.h"
#include "modes.h"
#include "mpi_session.h"
#include "progress.h"
#include "options.h"
#include "plugin.h"
#include "reference.h"
#include "results_io.h"
#include "sweep.h"
#include "workload.h"

int cfb_cmd_run(int argc, char **argv);
int cfb_cmd_list(int argc, char **argv);

/* The default sweep's parameter values come from each workload
 * (cfb_workload.sweep_defaults, cfbench_workload.h): applied before
 * --param (which wins) to the workloads that have them, as quiet
 * overrides "NAME.KEY=VALUE". */
static size_t count_sweep_defaults(void) {
    size_t n = 0, nw;
    const cfb_workload *const *all = cfb_workloads_all(&nw);
    for (size_t i = 0; i < nw; i++)
        for (size_t j = 0; all[i]->sweep_defaults && all[i]->sweep_defaults[j]; j++)
            n++;
    return n;
}

/* "NAME.KEY=VALUE" of the k-th sweep default (malloc'd), NULL past the end. */
static char *sweep_default_at(size_t k) {
    size_t nw;
    const cfb_workload *const *all = cfb_workloads_all(&nw);
    for (size_t i = 0; i < nw; i++)
        for (size_t j = 0; all[i]->sweep_defaults && all[i]->sweep_defaults[j]; j++)
            if (k-- == 0) {
                char *s = NULL;
                return asprintf(&s, "%s.%s", all[i]->name, all[i]->sweep_defaults[j]) < 0 ? NULL
                                                                                          : s;
            }
    return NULL;
}

#define MAX_WORKERS 1024

static int usage_error(const char *fmt, const char *a, const char *b) {
    fprintf(stderr, "cfbench run: ");
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, " (see cfbench run --help)\n");
    return CFB_EXIT_USAGE;
}

static int parse_override(char *s, cfb_override *o);

/* Load $CFBENCH_PLUGINS and the --plugin paths. 0, or -1 after the
 * one-line error (the caller exits 2). */
static int load_plugins(const char *cmd, const char *const *paths, size_t n) {
    char err[1024];
    int rc = cfb_plugins_load_env(err, sizeof err);
    for (size_t i = 0; !rc && i < n; i++)
        rc = cfb_plugin_load(paths[i], err, sizeof err);
    if (rc) fprintf(stderr, "cfbench %s: --plugin %s\n", cmd, err);
    return rc;
}

/* Put every registered workload's sweep defaults (quiet overrides) ahead
 * of the nov user overrides in *ov / *ovbuf (regrown). 0 or -1 (memory). */
static int prepend_sweep_defaults(cfb_override **ov, char ***ovbuf, size_t *nov, size_t *capov) {
    size_t nsd = count_sweep_defaults(), cap = nsd + *nov + 1;
    cfb_override *nov_ = calloc(cap, sizeof *nov_);
    char **nbuf = calloc(cap, sizeof *nbuf);
    if (!nov_ || !nbuf) {
        free(nov_);
        free(nbuf);
        return -1;
    }
    size_t k = 0;
    for (; k < nsd; k++) {
        nbuf[k] = sweep_default_at(k);
        if (!nbuf[k] || parse_override(nbuf[k], &nov_[k])) {
            for (size_t i = 0; i <= k; i++)
                free(nbuf[i]);
            free(nov_);
            free(nbuf);
            return -1;
        }
        nov_[k].quiet = true;
    }
    for (size_t i = 0; i < *nov; i++, k++) {
        nov_[k] = (*ov)[i];
        nbuf[k] = (*ovbuf)[i];
    }
    free(*ov);
    free(*ovbuf);
    *ov = nov_;
    *ovbuf = nbuf;
    *nov = k;
    *capov = cap;
    return 0;
}

static void run_help(FILE *to) {
    fprintf(to,
            "usage: cfbench run [OPTIONS]\n\n"
            "Sweep workloads x modes x workers x repetitions and write one results JSON\n"
            "(docs/results-schema.md). With no options: every workload in every mode at\n"
            "its kind's worker ladder (below), 8 repetitions after 1 warm-up, written to\n"
            "cfbench-out/results-<timestamp>.json (about 1 minute on 2 cores, under 2 with\n"
            "--gil), then a summary table and the findings on stderr.\n\n"
            "options:\n"
            "  -w, --workload LIST   workloads, comma-separated (cfbench list); default all;\n"
            "                        in any list a repeated name runs once (with a note)\n"
            "  -m, --mode LIST       seq,thread,process,async,hybrid,mpi (default: every mode;\n"
            "                        mpi only under mpirun: mpirun -np 3 cfbench run -m mpi\n"
            "                        runs on 2 worker ranks, docs/scale-out.md)\n"
            "  -j, --workers LIST    e.g. 1,2,4 or 1..8, for every workload; default (or auto):\n"
            "                        a ladder per workload kind (cfbench list), ncpu = the CPUs\n"
            "                        this process may use (taskset, cpusets):\n"
            "                          CPU-bound  1,2,4,... up to 2 x ncpu, with ncpu, 2 x ncpu\n"
            "                          I/O-bound  1,2,4,...,64; async up to the task count\n"
            "  -r, --repeat N        measured repetitions per case (default 8, for compare)\n"
            "      --warmup N        unmeasured runs per case first (default 1)\n"
            "  -p, --param K=V       set parameter K of every selected workload that has it;\n"
            "                        W.K=V for workload W only (repeatable; later wins);\n"
            "                        every value is checked before the sweep (exit 2)\n"
            "                        scan an int/number/bool parameter (docs/scans.md):\n"
            "                          K=1,2,4  K=1..64 (step 1)  K=1..64:x2  K=0..1:+0.25\n"
            "                          K=true,false; items mix: K=1..4,8,16..64:x4\n"
            "                        several scanned keys give their cross product, each\n"
            "                        value set a full sweep with its own seq reference; ids\n"
            "                        end in /K=V (loiter/thread/w4/tasks=10); at most\n"
            "                        10000 cases; string values keep commas literally\n"
            "      --interleave      shuffle repetitions of all cases (seeded) to spread drift\n"
            "      --seed N          the shuffle seed (default 1)\n"
            "  -o, --out FILE        results file (default cfbench-out/results-<UTC time>.json),\n"
            "                        replaced atomically; a device, FIFO or directory is\n"
            "                        refused (exit 3), a symlink written through; '-' = stdout\n"
            "  -q, --quiet           no progress output, notes or warnings (errors still print)\n"
            "      --impl LIST       implementations to sweep: c, c+gil (default c)\n"
            "      --gil             also sweep impl c+gil: the same C tasks under an emulated\n"
            "                        GIL (one per process), next to the plain C cases\n"
            "      --switch-interval S  the GIL's switch interval in seconds (default 0.005)\n"
            "      --reference python  also run the sweep through Python's concurrent.futures\n"
            "                        (python3 in PATH, or $CFB_PYTHON) and add impl python cases;\n"
            "                        -w naming a workload without one (cmd, spinner): exit 2\n"
            "      --hybrid-procs N  hybrid mode: run N processes (at most one per in-flight\n"
            "                        operation); default min(workers, ncpu) (docs/hybrid.md)\n"
            "      --no-measure      skip per-task records, rusage and perf counters (the\n"
            "                        baseline for measuring the measuring)\n"
            "      --floors WHEN     the host floors recorded in host.floors (futex wake-up,\n"
            "                        pipe round trip, fork+exit+wait, loopback HTTP request;\n"
            "                        a calibration of under 1 s): auto (default) takes them\n"
            "                        from the per-boot cache (~/.cache/cfbench/floors.json)\n"
            "                        or measures them; fresh measures again; off: none\n"
            "      --no-floors       the same as --floors off\n"
            "      --plugin PATH     load plugin workloads from a shared object built against\n"
            "                        cfbench_workload.h (docs/writing-workloads.md); repeatable,\n"
            "                        after the paths of $CFBENCH_PLUGINS (colon-separated); a\n"
            "                        missing file, not a shared object, another ABI or a name\n"
            "                        already taken: one line, exit 2; recorded in config.plugins\n"
            "  -h, --help            this help\n\n"
            "Progress goes to stderr (a bar on a terminal, a line per case otherwise), and\n"
            "at the end the best speedup per workload, impl and mode with what the data\n"
            "say (docs/cli.md \"Summary and findings\"; not with -q); the results path is\n"
            "printed on stdout. Ctrl-C stops after the current repetition\n"
            "and writes what finished, marked complete=false, interrupted=true.\n"
            "Noise guard: warnings (one line each, 'cfbench: warning: …') when the load\n"
            "average is above the CPUs this process may use, CPU steal is above 5%%, the\n"
            "frequency governor is not 'performance', cfbench is a sanitizer or debug build,\n"
            "or a case has outlier repetitions (|modified z| > 3.5). They are recorded in\n"
            "the results file (noise.warnings); -q keeps them off the terminal.\n"
            "exit: 0 ok, 1 a case failed / a wrong answer / interrupted, 2 bad usage,\n"
            "3 the results file cannot be written.\n");
}

/* Split s (modified) on commas into a new array of pointers into s, any
 * number of items (empty items are skipped). *n is the count; the array is
 * owned by the caller (free it). NULL when out of memory. */
static char **split(char *s, size_t *n) {
    size_t cap = 1;
    for (const char *c = s; *c; c++)
        cap += *c == ',';
    char **items = malloc(cap * sizeof *items);
    *n = 0;
    if (!items) return NULL;
    char *save = NULL;
    for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        items[(*n)++] = tok;
    return items;
}

/* Drop repeated names from items[0..n) (the first stays, order kept): a
 * name twice would make two cases under one id. Each repeated name gets one
 * note on stderr unless quiet. Returns the new count. */
static size_t dedupe(char **items, size_t n, const char *opt, bool quiet) {
    bool *noted = calloc(n ? n : 1, sizeof *noted); /* per kept item; NULL: note every repeat */
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < m && strcmp(items[j], items[i]))
            j++;
        if (j == m) {
            items[m++] = items[i];
        } else if (!quiet && !(noted && noted[j])) {
            fprintf(stderr, "cfbench run: note: %s lists '%s' more than once; it runs once\n", opt,
                    items[i]);
            if (noted) noted[j] = true;
        }
    }
    free(noted);
    return m;
}

static int parse_int(const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* "1,2,4", "1..8", "auto" (and mixes: "1..4,8"; any length) into a sorted
 * distinct list (w has room for MAX_WORKERS, the most distinct values).
 * 0; -1 bad syntax or a value outside 1..MAX_WORKERS; -2 out of memory. */
static int parse_workers(const char *arg, int *w, size_t *n) {
    *n = 0;
    if (!strcmp(arg, "auto")) {
        int cpus = cfb_cpus_allowed(NULL, 0); /* what taskset / a cpuset allows */
        for (int k = 1; k <= cpus && *n < MAX_WORKERS; k *= 2)
            w[(*n)++] = k;
        if (w[*n - 1] != cpus) w[(*n)++] = cpus;
        return 0;
    }
    char *buf = strdup(arg);
    size_t k = 0;
    char **items = buf ? split(buf, &k) : NULL;
    if (!items) {
        free(buf);
        return -2;
    }
    bool seen[MAX_WORKERS + 1] = {false};
    int rc = k ? 0 : -1;
    for (size_t i = 0; i < k && !rc; i++) {
        char *dots = strstr(items[i], "..");
        long a, b;
        if (dots) {
            *dots = '\0';
            if (parse_int(items[i], 1, MAX_WORKERS, &a) ||
                parse_int(dots + 2, 1, MAX_WORKERS, &b) || b < a)
                rc = -1;
        } else {
            if (parse_int(items[i], 1, MAX_WORKERS, &a)) rc = -1;
            b = a;
        }
        for (long v = a; !rc && v <= b; v++)
            seen[v] = true;
    }
    for (int v = 1; !rc && v <= MAX_WORKERS; v++)
        if (seen[v]) w[(*n)++] = v;
    free(items);
    free(buf);
    return rc;
}

/* Parse "key=value" or "workload.key=value" into o (s modified). */
static int parse_override(char *s, cfb_override *o) {
    char *eq = strchr(s, '=');
    if (!eq || eq == s) return -1;
    *eq = '\0';
    o->value = eq + 1;
    char *dot = strchr(s, '.');
    if (dot) {
        *dot = '\0';
        o->workload = s;
        o->key = dot + 1;
        if (!*o->workload || !*o->key) return -1;
    } else {
        o->workload = NULL;
        o->key = s;
    }
    return 0;
}

static int ensure_dir(const char *dir) {
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) return 0;
    return -1;
}

/* The sweep's before_work hook (sweep.h): the host floors (floors.h) as
 * {"floors": …} (a new object, the sweep's), and the one-line note saying
 * whether they were measured or cached, wrapped on a terminal; none with -q. */
typedef struct floors_ctx {
    int when; /* 1 auto (cached per boot), 2 fresh */
    bool quiet;
} floors_ctx;

static json_t *run_floors(void *arg) {
    const floors_ctx *fc = arg;
    cfb_floors fl;
    int nf = cfb_floors_get(&fl, fc->when == 2);
    json_t *add = json_object();
    json_object_set_new(add, "floors", cfb_floors_json(&fl));
    if (!fc->quiet) {
        char sum[256], line[800];
        cfb_floors_summary(&fl, sum, sizeof sum);
        if (fl.cached)
            snprintf(line, sizeof line, "cfbench run: note: host floors (cached, measured %s): %s",
                     fl.measured, sum);
        else
            snprintf(line, sizeof line,
                     "cfbench run: note: host floors measured in %.2f s%s: %s%s%s",
                     fl.calibration_s, nf < CFB_FLOOR_N ? " (some failed)" : "", sum,
                     fl.cache_note[0] ? "; " : "", fl.cache_note);
        cfb_progress_print(line);
    }
    return add;
}

/* SIGINT/SIGTERM: ask the run to stop after the current repetition
 * (cfb_stop_request is async-signal-safe). SA_RESETHAND: a second signal
 * acts as usual. */
static cfb_stop *run_stop;
static struct sigaction old_int, old_term; /* restored when the run is over */

static void on_signal(int sig) {
    (void)sig;
    cfb_stop_request(run_stop);
}

static void install_signals(cfb_stop *stop) {
    run_stop = stop;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
}

/* The plan of the parsed options (names and values copied into it). 0, or
 * the status with its reason printed. */
static int make_plan(cfb_plan *plan, const cfb_workload *const *wls, size_t nwl,
                     const cfb_mode *const *modes, size_t nmodes, const cfb_impl *const *impls,
                     size_t nimpls, const int *workers, size_t nworkers, const cfb_override *ov,
                     size_t nov) {
    int rc = 0;
    for (size_t i = 0; i < nwl && !rc; i++)
        rc = cfb_plan_add_workload(plan, wls[i]->name);
    for (size_t i = 0; i < nmodes && !rc; i++)
        rc = cfb_plan_add_mode(plan, modes[i]->name);
    for (size_t i = 0; i < nimpls && !rc; i++)
        rc = cfb_plan_add_impl(plan, impls[i]->name);
    for (size_t i = 0; i < nworkers && !rc; i++)
        rc = cfb_plan_add_workers(plan, workers[i]);
    for (size_t i = 0; i < nov && !rc; i++)
        rc = cfb_plan_set_param_for(plan, ov[i].workload, ov[i].key, ov[i].value, ov[i].quiet);
    if (rc) fprintf(stderr, "cfbench run: %s\n", cfb_plan_error(plan));
    return rc;
}

int cfb_cmd_run(int argc, char **argv) {
    const char *wl_arg = NULL, *mode_arg = NULL, *workers_arg = NULL, *impl_arg = "c";
    const char *out = NULL;
    long repeat = 8, warmup = 1, seed = 1;
    bool interleave = false, quiet = false, measure = true, gil = false, swi_set = false;
    int floors_when = 1; /* 0 off, 1 auto (cached per boot), 2 fresh */
    const char *ref_arg = NULL;
    char *python = NULL, *listbuf = NULL, **items = NULL;
    const cfb_workload **wls = NULL;
    const cfb_mode **modes = NULL;
    const cfb_impl **impls = NULL;
    const char **mode_names = NULL;
    json_t *extra = NULL;
    cfb_plan *plan = NULL;
    cfb_stop *stop = NULL;
    cfb_reporter *reps[2] = {NULL, NULL};
    cfb_run_result *results = NULL;
    double switch_interval = CF_GIL_DEFAULT_INTERVAL;
    size_t nov = 0, capov = (size_t)argc + 1;
    const char **plugins = calloc((size_t)argc + 1, sizeof *plugins);
    size_t nplugins = 0;
    cfb_override *ov = calloc(capov, sizeof *ov);
    char **ovbuf = calloc(capov, sizeof *ovbuf);
    int ret = CFB_EXIT_USAGE;
    if (!ov || !ovbuf || !plugins) {
        fprintf(stderr, "cfbench run: out of memory\n");
        free(ov);
        free(ovbuf);
        free(plugins);
        return CFB_EXIT_ENV;
    }
    cfb_optparser op;
    if (cfb_opts_init(&op, "run")) goto done;
    int c;
    while ((c = cfb_opts_next(&op, argc, argv)) != -1) {
        switch (c) {
        case CFB_OPT_WORKLOAD:
            wl_arg = optarg;
            break;
        case CFB_OPT_MODE:
            mode_arg = optarg;
            break;
        case CFB_OPT_WORKERS:
            workers_arg = optarg;
            break;
        case CFB_OPT_REPEAT:
            if (parse_int(optarg, 1, 100000, &repeat)) {
                ret = usage_error("--repeat: '%s' is not a whole number >= 1%s", optarg, "");
                goto done;
            }
            break;
        case CFB_OPT_WARMUP:
            if (parse_int(optarg, 0, 100000, &warmup)) {
                ret = usage_error("--warmup: '%s' is not a whole number >= 0%s", optarg, "");
                goto done;
            }
            break;
        case CFB_OPT_SEED:
            if (parse_int(optarg, 0, LONG_MAX, &seed)) {
                ret = usage_error("--seed: '%s' is not a whole number >= 0%s", optarg, "");
                goto done;
            }
            break;
        case CFB_OPT_PARAM:
            ovbuf[nov] = strdup(optarg);
            if (!ovbuf[nov] || parse_override(ovbuf[nov], &ov[nov])) {
                ret = usage_error("--param: '%s' is not key=value or workload.key=value%s", optarg,
                                  "");
                goto done;
            }
            nov++;
            break;
        case CFB_OPT_INTERLEAVE:
            interleave = true;
            break;
        case CFB_OPT_OUT:
            out = optarg;
            break;
        case CFB_OPT_QUIET:
            quiet = true;
            break;
        case CFB_OPT_IMPL:
            impl_arg = optarg;
            break;
        case CFB_OPT_NO_MEASURE:
            measure = false;
            break;
        case CFB_OPT_NO_FLOORS:
            floors_when = 0;
            break;
        case CFB_OPT_FLOORS:
            if (!strcmp(optarg, "off"))
                floors_when = 0;
            else if (!strcmp(optarg, "auto"))
                floors_when = 1;
            else if (!strcmp(optarg, "fresh"))
                floors_when = 2;
            else {
                ret = usage_error("--floors: '%s' is not auto, fresh or off%s", optarg, "");
                goto done;
            }
            break;
        case CFB_OPT_GIL:
            gil = true;
            break;
        case CFB_OPT_HYBRID_PROCS: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > MAX_WORKERS) {
                ret = usage_error("--hybrid-procs: '%s' is not a process count in 1..1024%s",
                                  optarg, "");
                goto done;
            }
            cfb_hybrid_set_procs((int)v);
            break;
        }
        case CFB_OPT_SWITCH_INTERVAL: {
            char *end;
            double v = strtod(optarg, &end);
            if (!*optarg || *end || !(v >= 1e-6 && v <= 10.0)) {
                ret = usage_error("--switch-interval: '%s' is not a number of seconds in "
                                  "0.000001..10%s",
                                  optarg, "");
                goto done;
            }
            swi_set = true;
            switch_interval = v;
            break;
        }
        case CFB_OPT_REFERENCE:
            if (strcmp(optarg, "python")) {
                ret = usage_error("--reference: '%s' is not a reference implementation (python)%s",
                                  optarg, "");
                goto done;
            }
            ref_arg = optarg;
            break;
        case CFB_OPT_PLUGIN:
            plugins[nplugins++] = optarg;
            break;
        case CFB_OPT_HELP:
            run_help(stdout);
            ret = CFB_EXIT_OK;
            goto done;
        default: /* CFB_OPT_ERROR: cfb_opts_next said what */
            goto done;
        }
    }
    if (optind < argc) {
        ret = usage_error("unexpected argument '%s'%s", argv[optind], "");
        goto done;
    }
    /* plugins ($CFBENCH_PLUGINS, then --plugin), then every workload's sweep
     * defaults ahead of the user's --param (which win) */
    if (load_plugins("run", plugins, nplugins)) goto done;
    if (prepend_sweep_defaults(&ov, &ovbuf, &nov, &capov)) goto oom;
    {
        /* workloads, modes, impls: lists of any length; a name given twice
         * runs once (a note says so), so each fits in its registry's size */
        size_t nall_w, nall_m, nall_i;
        const cfb_workload *const *all_w = cfb_workloads_all(&nall_w);
        const cfb_mode *const *all_m = cfb_modes_all(&nall_m);
        (void)cfb_impls_all(&nall_i);
        wls = calloc(nall_w + 1, sizeof *wls);
        modes = calloc(nall_m + 1, sizeof *modes);
        impls = calloc(nall_i + 2, sizeof *impls);
        mode_names = calloc(nall_m + 1, sizeof *mode_names);
        if (!wls || !modes || !impls || !mode_names) goto oom;
        size_t nwl = 0, nmodes = 0, nimpls = 0;
        if (wl_arg) {
            size_t k;
            if (!(listbuf = strdup(wl_arg)) || !(items = split(listbuf, &k))) goto oom;
            k = dedupe(items, k, "--workload", quiet);
            for (size_t i = 0; i < k; i++) {
                const cfb_workload *w = cfb_workload_find(items[i]);
                if (!w) {
                    ret = usage_error("unknown workload '%s'%s (cfbench list shows them)", items[i],
                                      "");
                    goto done;
                }
                if (ref_arg && !w->reference) {
                    ret = usage_error("--reference python: workload '%s' has no Python "
                                      "reference%s",
                                      items[i], "");
                    goto done;
                }
                if (nwl < nall_w) wls[nwl++] = w;
            }
            if (!nwl) {
                ret = usage_error("--workload: empty list%s%s", "", "");
                goto done;
            }
            free(items), items = NULL;
            free(listbuf), listbuf = NULL;
        } else {
            for (size_t i = 0; i < nall_w; i++)
                if (!all_w[i]->opt_in) wls[nwl++] = all_w[i]; /* opt-in: only with -w */
        }
        /* modes */
        if (mode_arg) {
            size_t k;
            if (!(listbuf = strdup(mode_arg)) || !(items = split(listbuf, &k))) goto oom;
            k = dedupe(items, k, "--mode", quiet);
            for (size_t i = 0; i < k; i++) {
                const cfb_mode *m = cfb_mode_find(items[i]);
                if (!m) {
                    ret = usage_error("unknown mode '%s'%s", items[i], "");
                    goto done;
                }
                if (nmodes < nall_m) modes[nmodes++] = m;
            }
            if (!nmodes) {
                ret = usage_error("--mode: empty list%s%s", "", "");
                goto done;
            }
            free(items), items = NULL;
            free(listbuf), listbuf = NULL;
        } else {
            for (size_t i = 0; i < nall_m; i++)
                if (strcmp(all_m[i]->name, "mpi") || (cfb_mpi_launched() && cfb_mpi_built()))
                    modes[nmodes++] = all_m[i]; /* mpi by default only under mpirun */
        }
        /* impls */
        {
            size_t k;
            if (!(listbuf = strdup(impl_arg)) || !(items = split(listbuf, &k))) goto oom;
            k = dedupe(items, k, "--impl", quiet);
            for (size_t i = 0; i < k; i++) {
                const cfb_impl *im = cfb_impl_find(items[i]);
                if (!im) {
                    ret = usage_error("unknown implementation '%s'%s", items[i], "");
                    goto done;
                }
                if (nimpls < nall_i) impls[nimpls++] = im;
            }
            if (!nimpls) {
                ret = usage_error("--impl: empty list%s%s", "", "");
                goto done;
            }
            free(items), items = NULL;
            free(listbuf), listbuf = NULL;
            bool has_gil = false;
            for (size_t i = 0; i < nimpls; i++)
                has_gil |= impls[i] == &cfb_impl_gil;
            if (gil && !has_gil) impls[nimpls++] = &cfb_impl_gil;
            gil = gil || has_gil;
            if (swi_set && !gil) {
                ret = usage_error("--switch-interval needs --gil (or --impl c+gil)%s%s", "", "");
                goto done;
            }
        }
        /* no --workers (or auto): each workload its ladder by kind (sweep.h) */
        bool ladders = !workers_arg || !strcmp(workers_arg, "auto");
        static int workers[MAX_WORKERS];
        size_t nworkers = 0;
        int pw = ladders ? 0 : parse_workers(workers_arg, workers, &nworkers);
        if (pw == -2) goto oom;
        if (pw || (!ladders && !nworkers)) {
            ret = usage_error("--workers: '%s' is not a list like 1,2,4 or 1..8 or auto "
                              "(each 1..1024)%s",
                              workers_arg, "");
            goto done;
        }
        if (!(plan = cfb_plan_new())) goto oom;
        if (make_plan(plan, wls, nwl, modes, nmodes, impls, nimpls, workers, nworkers, ov, nov)) {
            ret = CFB_EXIT_USAGE;
            goto done;
        }
        cfb_plan_set_repeat(plan, (int)repeat);
        cfb_plan_set_warmup(plan, (int)warmup);
        cfb_plan_set_interleave(plan, interleave);
        cfb_plan_set_seed(plan, (unsigned long long)seed);
        cfb_plan_set_measure(plan, measure);
        cfb_plan_set_gil_interval(plan, switch_interval);
        if (cfb_plan_set_argv(plan, argc, argv)) goto oom;
        int style = quiet                   ? CFB_PROGRESS_QUIET
                    : isatty(STDERR_FILENO) ? CFB_PROGRESS_BAR
                                            : CFB_PROGRESS_LINES;
        /* issue 8: the GIL's configuration and the Python reference run */
        extra = json_object();
        if (gil) {
            json_object_set_new(extra, "gil", json_true());
            json_object_set_new(extra, "switch_interval_s", json_real(cfb_plan_gil_interval(plan)));
        }
        if (cfb_hybrid_get_procs() > 0) /* hybrid cases also record their own `processes` */
            json_object_set_new(extra, "hybrid_procs", json_integer(cfb_hybrid_get_procs()));
        size_t nmode_names = 0;
        bool want_mpi = false;
        for (size_t i = 0; i < nmodes; i++) {
            want_mpi |= !strcmp(modes[i]->name, "mpi");
            if (strcmp(modes[i]->name, "mpi") && strcmp(modes[i]->name, "hybrid"))
                mode_names[nmode_names++] = modes[i]->name; /* the Python reference's modes */
        }
        cfb_reference ref = {.repeat = (int)repeat,
                             .warmup = (int)warmup,
                             .modes = mode_names,
                             .nmodes = nmode_names,
                             .workers = workers,
                             .nworkers = nworkers,
                             .ladders = ladders,
                             .ncpu = cfb_cpus_allowed(NULL, 0)};
        if (ref_arg) {
            python = cfb_reference_find_python();
            if (!python) {
                fprintf(stderr, "cfbench run: no python3 in PATH (or $CFB_PYTHON): the Python "
                                "reference is skipped, C cases only\n");
            } else {
                ref.python = python;
                cfb_plan_set_extra_cases(plan, cfb_reference_cases, &ref);
                json_object_set_new(extra, "reference", json_string("python"));
            }
        }
        json_t *pj = cfb_plugins_json(); /* the plugins loaded: path, size, mtime, hash */
        if (pj) json_object_set_new(extra, "plugins", pj);
        if (cfb_plan_set_config_extra(plan, extra)) goto oom;
        char err[1024];
        if (cfb_plan_check(plan, err, sizeof err)) {
            fprintf(stderr, "cfbench run: %s\n", err);
            ret = CFB_EXIT_USAGE;
            goto done;
        }
        /* issue 13: under mpirun, ranks 1..N-1 serve the mpi mode and stop here */
        int mpi_code = 0, mrc = cfb_mpi_session_begin(want_mpi, &mpi_code, err, sizeof err);
        if (mrc) {
            if (mrc == 2) fprintf(stderr, "cfbench run: %s\n", err);
            ret = mpi_code;
            goto done;
        }
        cfb_plan_set_doc_extra(plan, cfb_mpi_session_doc());
        if (want_mpi && !ladders) {
            int nw = cfb_mpi_worker_ranks(), skipped = 0;
            for (size_t i = 0; i < nworkers; i++)
                skipped += workers[i] > nw;
            if (skipped == (int)nworkers) {
                fprintf(stderr,
                        "cfbench run: mode mpi: no --workers value fits the job's %d worker "
                        "rank(s) (mpirun -np N gives N-1)\n",
                        nw);
                ret = CFB_EXIT_USAGE;
                goto done;
            }
            if (skipped && !quiet)
                fprintf(stderr,
                        "cfbench run: note: mode mpi runs at workers <= %d (the job's worker "
                        "ranks); %d larger value(s) of --workers left out for it\n",
                        nw, skipped);
        }
        char pathbuf[PATH_MAX];
        if (!out) {
            if (ensure_dir("cfbench-out")) {
                fprintf(stderr, "cfbench run: cannot create cfbench-out/: %s\n", strerror(errno));
                ret = CFB_EXIT_ENV;
                goto done;
            }
            time_t t = time(NULL);
            struct tm tm;
            gmtime_r(&t, &tm);
            char stamp[32];
            strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
            snprintf(pathbuf, sizeof pathbuf, "cfbench-out/results-%s.json", stamp);
            out = pathbuf;
        }
        /* issue 15: the host floors, once the results file is known to be
         * writable and before any work */
        floors_ctx fctx = {floors_when, quiet};
        if (floors_when) cfb_plan_set_before_work(plan, run_floors, &fctx);
        if (!(stop = cfb_stop_new()) || !(reps[0] = cfb_reporter_progress_new(style)) ||
            !(reps[1] = cfb_reporter_json_new(out)))
            goto oom;
        install_signals(stop);
        cfb_mpi_session_signals();
        int rc =
            cfb_run(plan, (const cfb_reporter *const *)reps, 2, stop, &results, err, sizeof err);
        if (rc) { /* the run did not happen, or a reporter (the results file) stopped it */
            fprintf(stderr, "cfbench run: %s\n", err);
            ret = rc == CF_EINVAL ? CFB_EXIT_USAGE : CFB_EXIT_ENV;
            goto done;
        }
        const cfb_results *final_doc = cfb_run_result_results(results);
        /* issue 16: the summary table and the findings, on stderr (stdout
         * is the results path alone) */
        if (final_doc && !quiet) {
            fflush(stdout);
            /* on a terminal, one column short of its width (nothing in the
             * last column, as the progress display); else 80 */
            int cols = isatty(STDERR_FILENO) ? cfb_progress_columns(STDERR_FILENO) - 1 : 80;
            cfb_findings_print(stderr, final_doc, cols < 80 ? cols : 80);
        }
        if (!cfb_out_is_stdout(out)) printf("%s\n", out); /* else the document itself is there */
        fflush(stdout);
        ret = cfb_run_result_outcome(results) == CFB_RUN_COMPLETE ? CFB_EXIT_OK : CFB_EXIT_FAIL;
    }
    goto done;
oom:
    fprintf(stderr, "cfbench run: out of memory\n");
    ret = CFB_EXIT_ENV;
done:
    cfb_mpi_session_end();
    if (stop && run_stop == stop) { /* the caller's actions back before the token goes */
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        run_stop = NULL;
    }
    cfb_run_result_free(results);
    cfb_reporter_free(reps[0]);
    cfb_reporter_free(reps[1]);
    cfb_stop_free(stop);
    cfb_plan_free(plan);
    free(items);
    free(listbuf);
    free(wls);
    free(modes);
    free(impls);
    free(mode_names);
    json_decref(extra);
    free(python);
    for (size_t i = 0; i < nov + 1 && i < capov; i++)
        free(ovbuf[i]);
    free(ovbuf);
    free(ov);
    free(plugins);
    return ret;
}

static const char *type_name(cfb_ptype t) {
    switch (t) {
    case CFB_P_INT:
        return "int";
    case CFB_P_DOUBLE:
        return "number";
    case CFB_P_BOOL:
        return "bool";
    default:
        return "string";
    }
}

int cfb_cmd_list(int argc, char **argv) {
    cfb_optparser op;
    if (cfb_opts_init(&op, "list")) return CFB_EXIT_USAGE;
    int c;
    const char *plugins[64];
    size_t nplugins = 0;
    while ((c = cfb_opts_next(&op, argc, argv)) != -1) {
        if (c == CFB_OPT_HELP) {
            printf("usage: cfbench list [--plugin PATH]...\n\nList the workloads with their "
                   "parameters (type, default, bounds or choices), the modes and the "
                   "implementations.\n\n"
                   "      --plugin PATH   also load the workloads of a plugin (a shared object,\n"
                   "                      docs/writing-workloads.md; repeatable; and the paths of\n"
                   "                      $CFBENCH_PLUGINS, colon-separated); they are listed\n"
                   "                      with \"(plugin PATH)\"\n"
                   "  -h, --help          this help\n");
            return CFB_EXIT_OK;
        }
        if (c == CFB_OPT_PLUGIN) {
            if (nplugins == sizeof plugins / sizeof plugins[0]) {
                fprintf(stderr, "cfbench list: more than 64 --plugin options\n");
                return CFB_EXIT_USAGE;
            }
            plugins[nplugins++] = optarg;
            continue;
        }
        return CFB_EXIT_USAGE; /* CFB_OPT_ERROR, said by cfb_opts_next */
    }
    if (optind < argc) {
        fprintf(stderr, "cfbench list: unexpected argument '%s' (see cfbench list --help)\n",
                argv[optind]);
        return CFB_EXIT_USAGE;
    }
    if (load_plugins("list", plugins, nplugins)) return CFB_EXIT_USAGE;
    size_t n;
    const cfb_workload *const *all = cfb_workloads_all(&n);
    printf("workloads:\n");
    for (size_t i = 0; i < n; i++) {
        const cfb_workload *w = all[i];
        const char *origin = cfb_workload_origin(w);
        if (origin)
            printf("  %-10s %s (plugin %s)\n", w->name, w->description ? w->description : "",
                   origin);
        else
            printf("  %-10s %s\n", w->name, w->description);
        printf("      kind: %s (its default worker ladder: cfbench run --help)\n",
               w->bound == CFB_BOUND_IO ? "I/O-bound" : "CPU-bound");
        for (size_t j = 0; j < w->nparams; j++) {
            const cfb_param_def *d = &w->params[j];
            char extra[256] = "";
            if ((d->type == CFB_P_INT || d->type == CFB_P_DOUBLE) && d->min <= d->max)
                snprintf(extra, sizeof extra, " [%g..%g]", d->min, d->max);
            else if (d->choices) {
                size_t off = 0;
                off += (size_t)snprintf(extra, sizeof extra, " {");
                for (const char *const *ch = d->choices; *ch && off < sizeof extra; ch++)
                    off += (size_t)snprintf(extra + off, sizeof extra - off, "%s%s",
                                            ch == d->choices ? "" : ",", *ch);
                if (off < sizeof extra) snprintf(extra + off, sizeof extra - off, "}");
            }
            printf("      %s.%s=%s  (%s%s) %s\n", w->name, d->name,
                   d->defval && *d->defval ? d->defval : "\"\"", type_name(d->type), extra,
                   d->help ? d->help : "");
        }
    }
    printf("\nmodes:\n");
    const cfb_mode *const *modes = cfb_modes_all(&n);
    for (size_t i = 0; i < n; i++)
        printf("  %-10s %s\n", modes[i]->name, modes[i]->description);
    printf("\nimplementations:");
    const cfb_impl *const *impls = cfb_impls_all(&n);
    for (size_t i = 0; i < n; i++)
        printf(" %s", impls[i]->name);
    printf("\n\ndefault sweep parameters (cfbench run without --param):\n");
    char *sd;
    for (size_t i = 0; (sd = sweep_default_at(i)); i++) {
        printf("  %s\n", sd);
        free(sd);
    }
    return CFB_EXIT_OK;
}
