/* cmd_ab.c — `cfbench ab`: measure BASE and NEW in one job, rounds
 * interleaved, and judge on the paired ratios (docs/cli-ab.md). Parses,
 * calls the builder (ab_build.h), the engine (ab_run.h) and the model
 * (results/ab.h), and maps statuses to exit codes. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ab.h"
#include "ab_build.h"
#include "ab_run.h"
#include "commands.h"
#include "options.h"
#include "results_io.h"

int cfb_cmd_ab(int argc, char **argv);

static const char ab_usage[] =
    "usage: cfbench ab [SIDES] [PLAN] [OPTIONS]\n"
    "\n"
    "Measure two versions in the same job: per round, every case in a random order\n"
    "and, per case, BASE and NEW back to back in a random order. Each round gives\n"
    "one pair per case; the verdict rests on the paired ratios NEW/BASE (Wilcoxon\n"
    "signed-rank test, bootstrap CI of the median ratio), so load and drift that\n"
    "hit both sides of a round cancel. A regression needs p < alpha (Holm over the\n"
    "cases) AND the whole CI above 1 + threshold.\n"
    "\n"
    "sides (BASE, then NEW; NEW defaults to this cfbench binary):\n"
    "      --base REV        build git revision REV in a worktree (build/ab/<commit>)\n"
    "      --new REV         build REV as NEW too (asv continuous BASE NEW)\n"
    "      --base-bin PATH   a cfbench binary as BASE (--new-bin PATH for NEW)\n"
    "      --base-arg ARG    an extra argument for BASE's `run` (repeatable; e.g. a\n"
    "                        plugin: --base-arg=--plugin=old.so); --new-arg for NEW\n"
    "      --base-env K=V    environment for BASE's runs (repeatable); --new-env\n"
    "      --base-cmd CMD    compare two shell commands instead (with --new-cmd CMD):\n"
    "                        each run is `sh -c CMD`, timed (wall, CPU of children)\n"
    "plan (as cfbench run; default: run's default plan):\n"
    "  -w, --workload LIST   -m, --mode LIST   -j, --workers LIST\n"
    "  -p, --param K=V       --impl LIST   --gil   --switch-interval S\n"
    "  -c, --case GLOB       measure only the cases whose id matches GLOB (repeatable;\n"
    "                        e.g. 'primes/*' or '*/thread/*')\n"
    "measuring:\n"
    "      --rounds N        paired rounds (default 15)\n"
    "  -r, --repeat K        repetitions per side per round; a pair is the medians\n"
    "                        (default 3)\n"
    "      --warmup N        unmeasured repetitions per run (default 1)\n"
    "      --seed N          the order of cases and sides (default 1)\n"
    "verdict:\n"
    "      --metric M        wall (default) or cpu; GLOB=M for the cases whose id\n"
    "                        matches GLOB (repeatable, the last match wins)\n"
    "  -t, --threshold X     noise band, e.g. 2% or 0.02 (default 2%)\n"
    "  -a, --alpha A         significance level (default 0.05)\n"
    "      --correction C    holm (default) | none\n"
    "      --analyze FILE    judge a saved A/B document (--out) again; no measuring\n"
    "output:\n"
    "  -f, --format F        text (default) | markdown | json, on stdout\n"
    "  -o, --out FILE        the A/B document: every pair and the verdicts (JSON,\n"
    "                        written atomically; a device, FIFO or directory is\n"
    "                        refused before any work: exit 3)\n"
    "      --fail-on W       regression (default) | never\n"
    "      --base-fail W     error (default) | skip: when BASE cannot be built or\n"
    "                        cannot run the plan, say so and exit 0 (for CI gates:\n"
    "                        the base already landed, it is not the change's fault)\n"
    "      --cache DIR       where --base/--new builds go (default build/ab)\n"
    "      --build-type T    CMAKE_BUILD_TYPE of those builds (RelWithDebInfo)\n"
    "  -q, --quiet           no progress on stderr\n"
    "  -h, --help            this help\n"
    "(deprecated spellings: -n and --runs for --rounds and --repeat; -n is --tasks\n"
    "elsewhere)\n"
    "\n"
    "exit: 0 no regression, 1 a regression (or interrupted), 2 bad usage or input,\n"
    "3 a side could not be built or run\n";

static volatile sig_atomic_t ab_stop;

static void on_signal(int sig) {
    (void)sig;
    ab_stop = 1;
}

static void progress(void *ctx, int round, int rounds) {
    int tty = *(int *)ctx;
    fprintf(stderr, tty ? "\rcfbench ab: round %d/%d" : "cfbench ab: round %d/%d\n", round, rounds);
    if (tty && round == rounds) fputc('\n', stderr);
}

typedef struct side_opts {
    const char *rev, *bin, *cmd;
    char **args, **env;
    size_t nargs, nenv;
    char bin_buf[1200], detail[1400], commit[16];
} side_opts;

/* Make a side's binary: build REV, or take PATH, or this binary. 0, or an
 * exit code. */
static int resolve_side(side_opts *s, int which, const char *cache, const char *type, int quiet,
                        int *base_unusable) {
    const char *name = which ? "NEW" : "BASE";
    if (s->cmd) {
        snprintf(s->detail, sizeof s->detail, "sh -c '%s'", s->cmd);
        return 0;
    }
    if (s->rev) {
        char err[1400];
        int reused;
        int r = cfb_ab_build_rev(s->rev, cache, type, 0, quiet, s->bin_buf, sizeof s->bin_buf,
                                 s->commit, sizeof s->commit, &reused, err, sizeof err);
        if (r) {
            fprintf(stderr, "cfbench ab: %s: %s\n", name, err);
            if (r == CFB_AB_BUILD_EREV) return CFB_EXIT_USAGE;
            if (!which) *base_unusable = 1;
            return CFB_EXIT_ENV;
        }
        if (reused && !quiet)
            fprintf(stderr, "cfbench ab: %s: reusing the build of %s (%s)\n", name, s->rev,
                    s->commit);
        s->bin = s->bin_buf;
        snprintf(s->detail, sizeof s->detail, "%s = %s, %s", s->rev, s->commit, s->bin);
        return 0;
    }
    if (!s->bin) {
        ssize_t n = readlink("/proc/self/exe", s->bin_buf, sizeof s->bin_buf - 1);
        if (n <= 0) {
            fprintf(stderr, "cfbench ab: cannot find this binary's path; give --new-bin\n");
            return CFB_EXIT_ENV;
        }
        s->bin_buf[n] = 0;
        s->bin = s->bin_buf;
        snprintf(s->detail, sizeof s->detail, "this build (%s), %s", CFB_GIT_COMMIT, s->bin);
        return 0;
    }
    if (access(s->bin, X_OK)) {
        fprintf(stderr, "cfbench ab: %s binary '%s' is not executable\n", name, s->bin);
        return CFB_EXIT_USAGE;
    }
    snprintf(s->detail, sizeof s->detail, "%s", s->bin);
    return 0;
}

int cfb_cmd_ab(int argc, char **argv) {
    side_opts *side = calloc(2, sizeof *side);
    char **lists = calloc((size_t)argc * 5 + 5, sizeof *lists); /* args, env, params, rules */
    if (!side || !lists) {
        free(side);
        free(lists);
        return CFB_EXIT_ENV;
    }
    side[0].args = lists;
    side[1].args = lists + argc + 1;
    side[0].env = lists + 2 * (argc + 1);
    side[1].env = lists + 3 * ((size_t)argc + 1);
    char **params = lists + 4 * ((size_t)argc + 1);
    size_t nparams = 0;
    const char **rules = calloc((size_t)argc + 1, sizeof *rules);
    const char **globs = calloc((size_t)argc + 1, sizeof *globs);
    size_t nrules = 0, nglobs = 0;
    cfb_ab_job job = {.rounds = 15, .runs = 3, .warmup = 1, .seed = 1};
    cfb_ab_opts o;
    cfb_ab_opts_default(&o);
    const char *impls = NULL, *format = "text", *out_path = NULL, *analyze = NULL, *cache = NULL,
               *btype = NULL;
    int gil = 0, fail_on = 1, base_skip = 0, quiet = 0, rc = CFB_EXIT_USAGE, c;
    char impl_buf[256];
    cfb_ab *ab = NULL;
    char *text = NULL;
    size_t text_len = 0;
    if (!rules || !globs) goto out;

    cfb_optparser op;
    if (cfb_opts_init(&op, "ab")) goto out;
    while ((c = cfb_opts_next(&op, argc, argv)) != -1) {
        long v;
        switch (c) {
        case CFB_OPT_BASE:
            side[0].rev = optarg;
            break;
        case CFB_OPT_NEW:
            side[1].rev = optarg;
            break;
        case CFB_OPT_BASE_BIN:
            side[0].bin = optarg;
            break;
        case CFB_OPT_NEW_BIN:
            side[1].bin = optarg;
            break;
        case CFB_OPT_BASE_ARG:
            side[0].args[side[0].nargs++] = optarg;
            break;
        case CFB_OPT_NEW_ARG:
            side[1].args[side[1].nargs++] = optarg;
            break;
        case CFB_OPT_BASE_ENV:
        case CFB_OPT_NEW_ENV:
            if (!strchr(optarg, '=') || optarg[0] == '=') {
                rc = cfb_usage_errorf("ab", "bad environment setting '%s' (KEY=VALUE)", optarg);
                goto out;
            }
            if (c == CFB_OPT_BASE_ENV)
                side[0].env[side[0].nenv++] = optarg;
            else
                side[1].env[side[1].nenv++] = optarg;
            break;
        case CFB_OPT_BASE_CMD:
            side[0].cmd = optarg;
            break;
        case CFB_OPT_NEW_CMD:
            side[1].cmd = optarg;
            break;
        case CFB_OPT_WORKLOAD:
            job.workloads = optarg;
            break;
        case CFB_OPT_MODE:
            job.modes = optarg;
            break;
        case CFB_OPT_WORKERS:
            job.workers = optarg;
            break;
        case CFB_OPT_PARAM:
            if (!strchr(optarg, '=')) {
                rc = cfb_usage_errorf("ab", "bad --param '%s' (KEY=VALUE or WORKLOAD.KEY=VALUE)",
                                      optarg);
                goto out;
            }
            params[nparams++] = optarg;
            break;
        case CFB_OPT_CASE:
            globs[nglobs++] = optarg;
            break;
        case CFB_OPT_IMPL:
            impls = optarg;
            break;
        case CFB_OPT_GIL:
            gil = 1;
            break;
        case CFB_OPT_SWITCH_INTERVAL:
            job.switch_interval = optarg;
            break;
        case CFB_OPT_ROUNDS:
            if (cfb_opt_long(optarg, 1, 10000, &v)) {
                rc = cfb_usage_errorf("ab", "bad --rounds '%s' (1 to 10000)", optarg);
                goto out;
            }
            job.rounds = (int)v;
            break;
        case CFB_OPT_REPEAT:
            if (cfb_opt_long(optarg, 1, 64, &v)) {
                rc = cfb_usage_errorf("ab", "bad --repeat '%s' (1 to 64)", optarg);
                goto out;
            }
            job.runs = (int)v;
            break;
        case CFB_OPT_WARMUP:
            if (cfb_opt_long(optarg, 0, 1000, &v)) {
                rc = cfb_usage_errorf("ab", "bad --warmup '%s' (0 to 1000)", optarg);
                goto out;
            }
            job.warmup = (int)v;
            break;
        case CFB_OPT_SEED:
            if (cfb_opt_long(optarg, 0, LONG_MAX, &v)) {
                rc = cfb_usage_errorf("ab", "bad --seed '%s' (a non-negative integer)", optarg);
                goto out;
            }
            job.seed = (uint64_t)v;
            break;
        case CFB_OPT_METRIC: {
            cfb_ab_metric m;
            const char *eq = strrchr(optarg, '=');
            if (!eq && !cfb_ab_metric_parse(optarg, &m))
                o.metric = m;
            else if (eq && eq != optarg && !cfb_ab_metric_parse(eq + 1, &m))
                rules[nrules++] = optarg;
            else {
                rc = cfb_usage_errorf("ab", "bad --metric '%s' (wall, cpu, or GLOB=wall|cpu)",
                                      optarg);
                goto out;
            }
            break;
        }
        case CFB_OPT_THRESHOLD:
            if (cfb_opt_fraction(optarg, true, &o.threshold) || o.threshold < 0 ||
                o.threshold >= 10) {
                rc = cfb_usage_errorf("ab", "bad --threshold '%s' (e.g. 2%% or 0.02)", optarg);
                goto out;
            }
            break;
        case CFB_OPT_ALPHA:
            if (cfb_opt_fraction(optarg, false, &o.alpha) || !(o.alpha > 0 && o.alpha < 1)) {
                rc = cfb_usage_errorf("ab", "bad --alpha '%s' (a number in (0, 1))", optarg);
                goto out;
            }
            break;
        case CFB_OPT_CORRECTION:
            if (!strcmp(optarg, "holm"))
                o.correction = 1;
            else if (!strcmp(optarg, "none"))
                o.correction = 0;
            else {
                rc = cfb_usage_errorf("ab", "bad --correction '%s' (holm, none)", optarg);
                goto out;
            }
            break;
        case CFB_OPT_ANALYZE:
            analyze = optarg;
            break;
        case CFB_OPT_FORMAT:
            if (strcmp(optarg, "text") && strcmp(optarg, "markdown") && strcmp(optarg, "json")) {
                rc = cfb_usage_errorf("ab", "unknown format '%s' (text, markdown, json)", optarg);
                goto out;
            }
            format = optarg;
            break;
        case CFB_OPT_OUT:
            out_path = optarg;
            break;
        case CFB_OPT_FAIL_ON:
            if (!strcmp(optarg, "regression"))
                fail_on = 1;
            else if (!strcmp(optarg, "never"))
                fail_on = 0;
            else {
                rc = cfb_usage_errorf("ab", "bad --fail-on '%s' (regression, never)", optarg);
                goto out;
            }
            break;
        case CFB_OPT_BASE_FAIL:
            if (!strcmp(optarg, "error"))
                base_skip = 0;
            else if (!strcmp(optarg, "skip"))
                base_skip = 1;
            else {
                rc = cfb_usage_errorf("ab", "bad --base-fail '%s' (error, skip)", optarg);
                goto out;
            }
            break;
        case CFB_OPT_CACHE:
            cache = optarg;
            break;
        case CFB_OPT_BUILD_TYPE:
            btype = optarg;
            break;
        case CFB_OPT_QUIET:
            quiet = 1;
            break;
        case CFB_OPT_HELP:
            fputs(ab_usage, stdout);
            rc = CFB_EXIT_OK;
            goto out;
        default: /* CFB_OPT_ERROR, said by cfb_opts_next */
            goto out;
        }
    }
    if (optind < argc) {
        rc = cfb_usage_errorf("ab", "unexpected argument '%s' (see cfbench ab --help)",
                              argv[optind]);
        goto out;
    }
    if (out_path && cfb_out_is_stdout(out_path)) {
        rc = cfb_usage_errorf(
            "ab",
            "--out %s: the report goes to stdout; --format json prints the A/B document "
            "there",
            out_path);
        goto out;
    }
    if (out_path) {
        /* refuse a device, FIFO or directory before minutes of measuring */
        char why[1024], *resolved = NULL;
        if (cfb_out_resolve(out_path, &resolved, why, sizeof why)) {
            fprintf(stderr, "cfbench ab: %s\n", why);
            rc = CFB_EXIT_ENV;
            goto out;
        }
        free(resolved);
    }
    o.metric_case = rules;
    o.nmetric_case = nrules;
    char err[2048];
    {
        /* Validate the metric rules before any measuring. */
        cfb_ab *probe = cfb_ab_new();
        if (!probe || cfb_ab_analyze(probe, &o, err, sizeof err)) {
            cfb_ab_free(probe);
            rc = cfb_usage_errorf("ab", "%s", probe ? err : "out of memory");
            goto out;
        }
        cfb_ab_free(probe);
    }

    if (analyze) {
        json_t *doc = json_load_file(analyze, 0, NULL);
        if (!doc) {
            rc = cfb_usage_errorf("ab", "--analyze: cannot read '%s' as JSON", analyze);
            goto out;
        }
        int r = cfb_ab_from_json(doc, &ab, err, sizeof err);
        json_decref(doc);
        if (r) {
            fprintf(stderr, "cfbench ab: %s: %s\n", analyze, err);
            goto out;
        }
    } else {
        int cmd_mode = side[0].cmd || side[1].cmd;
        if (cmd_mode && !(side[0].cmd && side[1].cmd)) {
            rc = cfb_usage_errorf("ab", "%s", "--base-cmd and --new-cmd go together");
            goto out;
        }
        if (cmd_mode && (side[0].rev || side[1].rev || side[0].bin || side[1].bin)) {
            rc = cfb_usage_errorf("ab", "%s",
                                  "--base-cmd/--new-cmd compare commands: no --base/--new/--*-bin");
            goto out;
        }
        if (side[0].rev && side[0].bin) {
            rc = cfb_usage_errorf("ab", "%s", "--base and --base-bin exclude each other");
            goto out;
        }
        if (side[1].rev && side[1].bin) {
            rc = cfb_usage_errorf("ab", "%s", "--new and --new-bin exclude each other");
            goto out;
        }
        if (!cmd_mode && !side[0].rev && !side[0].bin && !side[0].nargs && !side[0].nenv &&
            !side[1].nargs && !side[1].nenv) {
            rc = cfb_usage_errorf("ab", "%s",
                                  "no BASE: give --base REV, --base-bin PATH, --base-cmd CMD, or "
                                  "per-side --base-arg/--base-env on one binary");
            goto out;
        }
        if (gil) {
            snprintf(impl_buf, sizeof impl_buf, "%s%s", impls ? impls : "c",
                     impls && strstr(impls, "c+gil") ? "" : ",c+gil");
            impls = impl_buf;
        }
        int base_unusable = 0;
        for (int s = 0; s < 2; s++) {
            /* One binary, two settings: BASE defaults to NEW's binary. */
            if (s == 0 && !cmd_mode && !side[0].rev && !side[0].bin) continue;
            int r = resolve_side(&side[s], s, cache, btype, quiet, &base_unusable);
            if (r) {
                rc = r;
                if (base_unusable && base_skip) {
                    fprintf(stderr, "cfbench ab: skipped: BASE cannot be built "
                                    "(--base-fail skip)\n");
                    rc = CFB_EXIT_OK;
                }
                goto out;
            }
        }
        if (!cmd_mode && !side[0].bin) {
            side[0].bin = side[1].bin;
            snprintf(side[0].detail, sizeof side[0].detail, "%s", side[1].detail);
        }
        for (int s = 0; s < 2; s++) {
            job.side[s] = (cfb_ab_side_spec){
                .label = side[s].rev ? side[s].rev
                         : s         ? "new"
                                     : "base",
                .detail = side[s].detail,
                .bin = cmd_mode ? NULL : side[s].bin,
                .command = side[s].cmd,
                .args = side[s].args,
                .nargs = side[s].nargs,
                .env = side[s].env,
                .nenv = side[s].nenv,
            };
        }
        job.impls = impls;
        job.case_globs = globs;
        job.ncase_globs = nglobs;
        job.params = params;
        job.nparams = nparams;
        int tty = isatty(STDERR_FILENO);
        if (!quiet) {
            job.progress = progress;
            job.progress_ctx = &tty;
        }
        ab_stop = 0;
        job.stop = &ab_stop;
        struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        int failed_side;
        int r = cfb_ab_measure(&job, &ab, &failed_side, err, sizeof err);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        if (r == CFB_AB_RUN_ESIDE && ab_stop) r = CFB_AB_RUN_EINTR;
        if (r != CFB_AB_RUN_OK && r != CFB_AB_RUN_EINTR) {
            if (r == CFB_AB_RUN_ESIDE && failed_side == CFB_AB_BASE && base_skip) {
                fprintf(stderr, "cfbench ab: skipped: BASE cannot run the plan (%s)\n", err);
                rc = CFB_EXIT_OK;
                goto out;
            }
            fprintf(stderr, "cfbench ab: %s\n", err);
            rc = r == CFB_AB_RUN_EINVAL ? CFB_EXIT_USAGE : CFB_EXIT_ENV;
            goto out;
        }
        if (r == CFB_AB_RUN_EINTR) {
            fprintf(stderr, "cfbench ab: interrupted; judging the rounds that finished\n");
            if (!ab) goto out;
        }
        json_t *cfg = json_pack("{s:i, s:i, s:i, s:I, s:b}", "rounds", job.rounds, "runs", job.runs,
                                "warmup", job.warmup, "seed", (json_int_t)job.seed, "interrupted",
                                r == CFB_AB_RUN_EINTR);
        json_t *plan = json_array();
        for (int i = 0; plan && i < argc; i++)
            json_array_append_new(plan, json_string(argv[i]));
        if (cfg) json_object_set_new(cfg, "argv", plan ? plan : json_null());
        char now[32];
        time_t t = time(NULL);
        strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
        if (cfb_ab_set_meta(ab, "config", cfg) ||
            cfb_ab_set_meta(ab, "finished", json_string(now)) ||
            cfb_ab_set_meta(
                ab, "tool",
                json_pack("{s:s, s:s}", "version", CFB_VERSION, "commit", CFB_GIT_COMMIT))) {
            fprintf(stderr, "cfbench ab: out of memory\n");
            rc = CFB_EXIT_ENV;
            goto out;
        }
        if (r == CFB_AB_RUN_EINTR) fail_on = 2; /* exit 1 below, whatever the verdicts */
    }

    if (cfb_ab_analyze(ab, &o, err, sizeof err)) {
        fprintf(stderr, "cfbench ab: %s\n", err);
        rc = CFB_EXIT_ENV;
        goto out;
    }
    if (out_path) {
        json_t *doc = cfb_ab_to_json(ab);
        char *s =
            doc ? json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9))
                : NULL;
        json_decref(doc);
        int w = s ? cfb_write_atomic(out_path, s, strlen(s), err, sizeof err) : -1;
        free(s);
        if (w) {
            fprintf(stderr, "cfbench ab: %s\n", s ? err : "out of memory");
            rc = CFB_EXIT_ENV;
            goto out;
        }
    }
    FILE *mem = open_memstream(&text, &text_len);
    if (!mem) {
        rc = CFB_EXIT_ENV;
        goto out;
    }
    if (!strcmp(format, "json")) {
        json_t *doc = cfb_ab_to_json(ab);
        if (doc)
            json_dumpf(doc, mem, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
        fputc('\n', mem);
        json_decref(doc);
    } else if (!strcmp(format, "markdown")) {
        cfb_ab_render_markdown(ab, mem);
    } else {
        cfb_ab_render_text(ab, mem);
    }
    if (fclose(mem) || fwrite(text, 1, text_len, stdout) != text_len || fflush(stdout)) {
        fprintf(stderr, "cfbench ab: writing the report failed\n");
        rc = CFB_EXIT_ENV;
        goto out;
    }
    if (fail_on == 2)
        rc = CFB_EXIT_FAIL;
    else
        rc = fail_on && cfb_ab_regressions(ab) > 0 ? CFB_EXIT_FAIL : CFB_EXIT_OK;
out:
    free(text);
    cfb_ab_free(ab);
    free(rules);
    free(globs);
    free(lists);
    free(side);
    return rc;
}
