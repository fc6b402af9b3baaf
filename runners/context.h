/*
 * context.h — the context a measurement ran in, and the noise guard
 * (issue 11): the CPUs this process may use, load average, CPU steal, CPU
 * frequency and governor, caches, and how cfbench itself was built. The
 * sweep records them in every results file (`host`, `build`, `noise`; see
 * docs/results-schema.md) and warns on stderr when they make the timings
 * doubtful.
 *
 * Every reader is best effort: what the machine does not expose is NAN /
 * NULL / an empty array (null in JSON), never a made-up 0.
 *
 * TEST-ONLY knob (like CFB_INJECT_SLOWDOWN in inject.h), for deterministic
 * tests of the warnings; never set it in a real measurement (files written
 * with it carry "noise": {"test_override": true}):
 *
 *   CFB_TEST_NOISE=KEY=VALUE[,KEY=VALUE…]
 *     load=L          the 1/5/15-minute load averages read before and after
 *                     are all L
 *     steal=P         CPU steal over the run is P percent
 *     steal_before=P  CPU steal in the window before the run is P percent
 *                     (and the 0.2 s sampling window is skipped)
 *     governor=NAME   the frequency governor reads NAME
 *     slow_rep=I:S    measured repetition I of every case sleeps S seconds
 *                     just after it starts (inside its wall time): a real,
 *                     known outlier
 *   A key left out is read from the machine as usual. A malformed value is
 *   ignored (the knob is for tests, not users).
 */
#ifndef CFB_CONTEXT_H
#define CFB_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Warn when CPU steal is above this many percent (before or over the run). */
#define CFB_STEAL_WARN_PCT 5.0
/* The window over which steal is sampled before the run (seconds). */
#define CFB_STEAL_WINDOW_S 0.2 /* $CFB_STEAL_WINDOW_S (0..1) overrides it */

/* ---- CPUs ---------------------------------------------------------------- */

/* How many CPUs this process may run on (sched_getaffinity: what `taskset`
 * or a cgroup cpuset allows), ≥ 1. When list is not NULL it gets the CPU
 * numbers as ranges, e.g. "0-1" or "0,2-3" (len bytes, always terminated;
 * a list longer than len is cut at a comma). Where sched_getaffinity
 * fails: the online count and "0-(n-1)". */
int cfb_cpus_allowed(char *list, size_t len);

/* The number of CPUs in a kernel CPU list ("0-3,8" → 5), or -1 when it is
 * not one. */
int cfb_cpu_list_count(const char *list);

/* ---- load and steal ---------------------------------------------------- */

typedef struct cfb_cpu_times {
    unsigned long long steal, total; /* USER_HZ ticks, all CPUs, since boot */
} cfb_cpu_times;

/* Parse the aggregate "cpu  user nice system idle iowait irq softirq steal
 * …" line of /proc/stat (total = the first eight fields; guest time is
 * already in user). 0, or -1 when line is not one (older kernels without a
 * steal field count as steal 0). */
int cfb_parse_stat_cpu(const char *line, cfb_cpu_times *t);

/* /proc/stat now: 0 or -1 (unreadable). */
int cfb_cpu_times_now(cfb_cpu_times *t);

/* Steal between two readings in percent of all CPU time; NAN when no tick
 * passed or the counters went backwards. */
double cfb_steal_pct(const cfb_cpu_times *a, const cfb_cpu_times *b);

/* /proc/loadavg: 0 with la[0..2] = 1, 5, 15 minutes, or -1. */
int cfb_loadavg(double la[3]);

/* ---- frequency, caches ------------------------------------------------- */

/* Mean current clock of the CPUs this process may use, in MHz: cpufreq's
 * scaling_cur_freq where the kernel has it, else /proc/cpuinfo "cpu MHz";
 * NAN when neither is readable. */
double cfb_cpu_mhz(void);

/* The cpufreq scaling governor of the first allowed CPU ("performance",
 * "powersave", "schedutil", …) into buf: 0, or -1 where there is none
 * (virtual machines often have no cpufreq). */
int cfb_cpu_governor(char *buf, size_t len);

/* "32K" → 32768, "16M", "1G", "512" (bytes): 0 or -1. */
int cfb_parse_size(const char *s, long long *bytes);

/* The schema's `host.caches`: a new JSON array (owned by the caller) of
 * {"type": "Data"|"Instruction"|"Unified", "level", "size" (bytes),
 * "num_sharing" (CPUs sharing it)} from
 * /sys/devices/system/cpu/cpuN/cache/indexK/ of the first allowed CPU;
 * where sysfs has none, from sysconf(_SC_LEVEL*_CACHE_SIZE) (glibc reads
 * CPUID) with num_sharing null; [] when neither knows. */
json_t *cfb_caches_json(void);

/* ---- the build ---------------------------------------------------------- */

/* The schema's `build` object (new reference): compiler ("GNU 12.2.0"),
 * c_flags (the effective flags of the build type), build_type, sanitizers
 * ("address,undefined" or ""), from CMake at configure time. */
json_t *cfb_build_json(void);

/* When build (borrowed, a cfb_build_json() object) is a sanitizer build or
 * an unoptimised one (build type Debug, or no -O level above 0 in c_flags),
 * write a one-line warning into buf and return 1; else 0. */
int cfb_build_warning(const json_t *build, char *buf, size_t len);

/* ---- the noise guard ------------------------------------------------------ */

typedef struct cfb_noise {
    /* called with each warning as it is found (the text, without the
     * "cfbench: warning: " prefix), e.g. the sweep's reporters; NULL: only
     * recorded */
    void (*warn)(void *ctx, const char *text);
    void *warn_ctx;
    bool test_override; /* CFB_TEST_NOISE was set */
    int cpus_allowed;
    double load_before[3], load_after[3]; /* NAN: unreadable / not yet */
    double steal_before;                  /* percent over the window before; NAN unreadable */
    double steal_run;                     /* percent over the run; NAN unreadable / not yet */
    cfb_cpu_times t0;
    bool have_t0;
    json_t *warnings; /* owned array of strings */
} cfb_noise;

/* Before the run: read load and steal (sleeping CFB_STEAL_WINDOW_S to
 * sample steal), and record (and hand to warn, when not NULL) the warnings
 * about the load, steal, the governor and build (borrowed; NULL: no build
 * check). Nothing is printed here. */
void cfb_noise_begin(cfb_noise *n, int cpus_allowed, const json_t *build,
                     void (*warn)(void *ctx, const char *text), void *warn_ctx);

/* Record one warning (printf format) and hand it to n->warn unless
 * quiet_now (the caller reports it itself). Returns the recorded text,
 * owned by n (valid until cfb_noise_free), or NULL when out of memory. */
const char *cfb_noise_warn(cfb_noise *n, bool quiet_now, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* After the run: read load and steal over the run, warn about steal. */
void cfb_noise_end(cfb_noise *n);

/* The schema's `noise` object (new reference). */
json_t *cfb_noise_json(const cfb_noise *n);

void cfb_noise_free(cfb_noise *n);

/* The slow_rep test knob: seconds measured repetition `index` must sleep
 * (0 normally). */
double cfb_noise_slow_rep(int index);

#endif
