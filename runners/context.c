/* context.c — the run's context and the noise guard (context.h). */
#include "context.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfutures.h"

#ifndef CFB_C_COMPILER
#define CFB_C_COMPILER "unknown"
#endif
#ifndef CFB_C_FLAGS
#define CFB_C_FLAGS ""
#endif
#ifndef CFB_BUILD_TYPE
#define CFB_BUILD_TYPE ""
#endif
#ifndef CFB_SANITIZE_LIST
#define CFB_SANITIZE_LIST ""
#endif

/* ---- the test knob (CFB_TEST_NOISE) ------------------------------------- */

typedef struct fake {
    bool set;
    bool has_load, has_steal, has_steal_before, has_governor, has_slow;
    double load, steal, steal_before, slow_s;
    int slow_index;
    char governor[64];
} fake;

static const fake *fake_get(void) {
    static fake f;
    static bool parsed;
    if (parsed) return &f;
    parsed = true;
    const char *env = getenv("CFB_TEST_NOISE");
    if (!env || !*env) return &f;
    f.set = true;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", env);
    char *save = NULL;
    for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) continue;
        *eq = '\0';
        const char *k = kv, *v = eq + 1;
        char *end;
        double d = strtod(v, &end);
        bool num = end != v && !*end && isfinite(d);
        if (!strcmp(k, "load") && num) {
            f.has_load = true;
            f.load = d;
        } else if (!strcmp(k, "steal") && num) {
            f.has_steal = true;
            f.steal = d;
        } else if (!strcmp(k, "steal_before") && num) {
            f.has_steal_before = true;
            f.steal_before = d;
        } else if (!strcmp(k, "governor")) {
            f.has_governor = true;
            snprintf(f.governor, sizeof f.governor, "%s", v);
        } else if (!strcmp(k, "slow_rep")) {
            int idx;
            double s;
            if (sscanf(v, "%d:%lf", &idx, &s) == 2 && idx >= 0 && s > 0 && s < 60) {
                f.has_slow = true;
                f.slow_index = idx;
                f.slow_s = s;
            }
        }
    }
    return &f;
}

double cfb_noise_slow_rep(int index) {
    const fake *f = fake_get();
    return f->has_slow && index == f->slow_index ? f->slow_s : 0;
}

/* ---- CPUs ---------------------------------------------------------------- */

static void append(char *list, size_t len, size_t *off, const char *item) {
    size_t il = strlen(item);
    if (*off + il + 1 > len) return; /* cut at a comma: the list stays well formed */
    memcpy(list + *off, item, il + 1);
    *off += il;
}

int cfb_cpus_allowed(char *list, size_t len) {
    cpu_set_t set;
    CPU_ZERO(&set);
    int n = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
    if (n < 1) { /* unknown: every online CPU */
        n = cf_cpu_count();
        CPU_ZERO(&set);
        for (int i = 0; i < n && i < CPU_SETSIZE; i++)
            CPU_SET(i, &set);
    }
    if (list && len) {
        list[0] = '\0';
        size_t off = 0;
        for (int i = 0; i < CPU_SETSIZE; i++) {
            if (!CPU_ISSET(i, &set)) continue;
            int j = i;
            while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, &set))
                j++;
            char item[32];
            if (j == i)
                snprintf(item, sizeof item, "%s%d", off ? "," : "", i);
            else
                snprintf(item, sizeof item, "%s%d-%d", off ? "," : "", i, j);
            append(list, len, &off, item);
            i = j;
        }
    }
    return n;
}

/* Far above any kernel's CPU numbers (NR_CPUS is at most 8192): a larger one
 * is no CPU list, and b - a + 1 cannot overflow (found by fuzz/params). */
#define CPU_ID_MAX (1L << 22)

int cfb_cpu_list_count(const char *list) {
    if (!list) return -1;
    int n = 0;
    const char *p = list;
    while (*p && *p != '\n') {
        char *end;
        errno = 0;
        long a = strtol(p, &end, 10), b;
        if (end == p || a < 0 || a > CPU_ID_MAX || errno) return -1;
        p = end;
        if (*p == '-') {
            p++;
            b = strtol(p, &end, 10);
            if (end == p || b < a || b > CPU_ID_MAX || errno) return -1;
            p = end;
        } else {
            b = a;
        }
        if (b - a + 1 > INT_MAX - n) return -1;
        n += (int)(b - a + 1);
        if (*p == ',') {
            p++;
            if (!*p || *p == '\n') return -1;
        } else if (*p && *p != '\n') {
            return -1;
        }
    }
    return n > 0 ? n : -1;
}

/* ---- load and steal ------------------------------------------------------ */

int cfb_parse_stat_cpu(const char *line, cfb_cpu_times *t) {
    if (!line || strncmp(line, "cpu ", 4) != 0) return -1;
    unsigned long long v[8] = {0};
    int k = sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    if (k < 4) return -1;
    t->total = 0;
    for (int i = 0; i < 8; i++)
        t->total += v[i];
    t->steal = v[7];
    return 0;
}

int cfb_cpu_times_now(cfb_cpu_times *t) {
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    char line[512];
    int rc = fgets(line, sizeof line, f) ? cfb_parse_stat_cpu(line, t) : -1;
    fclose(f);
    return rc;
}

double cfb_steal_pct(const cfb_cpu_times *a, const cfb_cpu_times *b) {
    if (b->total <= a->total || b->steal < a->steal) return NAN;
    return 100.0 * (double)(b->steal - a->steal) / (double)(b->total - a->total);
}

int cfb_loadavg(double la[3]) {
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f) return -1;
    int k = fscanf(f, "%lf %lf %lf", &la[0], &la[1], &la[2]);
    fclose(f);
    return k == 3 ? 0 : -1;
}

/* ---- frequency, caches --------------------------------------------------- */

static int read_line(const char *path, char *buf, size_t len) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char *r = fgets(buf, (int)len, f);
    fclose(f);
    if (!r) return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

static void allowed_set(cpu_set_t *set) {
    CPU_ZERO(set);
    if (sched_getaffinity(0, sizeof *set, set) != 0 || CPU_COUNT(set) < 1) {
        CPU_ZERO(set);
        for (int i = 0; i < cf_cpu_count() && i < CPU_SETSIZE; i++)
            CPU_SET(i, set);
    }
}

static int first_allowed(void) {
    cpu_set_t set;
    allowed_set(&set);
    for (int i = 0; i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &set)) return i;
    return 0;
}

double cfb_cpu_mhz(void) {
    cpu_set_t set;
    allowed_set(&set);
    double sum = 0;
    int n = 0;
    for (int i = 0; i < CPU_SETSIZE; i++) {
        if (!CPU_ISSET(i, &set)) continue;
        char path[128], buf[64];
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_cur_freq", i);
        if (read_line(path, buf, sizeof buf)) continue;
        double khz = strtod(buf, NULL);
        if (khz > 0) {
            sum += khz / 1000.0;
            n++;
        }
    }
    if (n) return sum / n;
    /* /proc/cpuinfo: "processor : N" starts each CPU's block */
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return NAN;
    char line[512];
    int cpu = -1;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "processor", 9)) {
            const char *c = strchr(line, ':');
            cpu = c ? atoi(c + 1) : -1;
        } else if (!strncmp(line, "cpu MHz", 7)) {
            const char *c = strchr(line, ':');
            double mhz = c ? strtod(c + 1, NULL) : 0;
            if (mhz > 0 && (cpu < 0 || cpu >= CPU_SETSIZE || CPU_ISSET(cpu, &set))) {
                sum += mhz;
                n++;
            }
        }
    }
    fclose(f);
    return n ? sum / n : NAN;
}

int cfb_cpu_governor(char *buf, size_t len) {
    const fake *fk = fake_get();
    if (fk->has_governor) {
        snprintf(buf, len, "%s", fk->governor);
        return 0;
    }
    char path[128];
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor",
             first_allowed());
    if (read_line(path, buf, len) || !buf[0]) return -1;
    return 0;
}

int cfb_parse_size(const char *s, long long *bytes) {
    if (!s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || v < 0 || errno) return -1;
    long long mul = 1;
    switch (toupper((unsigned char)*end)) {
    case '\0':
        break;
    case 'K':
        mul = 1024;
        end++;
        break;
    case 'M':
        mul = 1024LL * 1024;
        end++;
        break;
    case 'G':
        mul = 1024LL * 1024 * 1024;
        end++;
        break;
    default:
        return -1;
    }
    if (*end == 'B' || *end == 'b') end++;
    if (*end && *end != '\n') return -1;
    if (v > LLONG_MAX / mul) return -1; /* "9223372036854775807G": no overflow */
    *bytes = v * mul;
    return 0;
}

static json_t *cache_obj(const char *type, int level, long long size, int sharing) {
    return json_pack("{s:s, s:i, s:I, s:o}", "type", type, "level", level, "size", (json_int_t)size,
                     "num_sharing", sharing > 0 ? json_integer(sharing) : json_null());
}

json_t *cfb_caches_json(void) {
    json_t *a = json_array();
    int cpu = first_allowed();
    for (int k = 0; k < 16; k++) {
        char dir[128], path[192], type[32], lvl[16], size[32], shared[256];
        snprintf(dir, sizeof dir, "/sys/devices/system/cpu/cpu%d/cache/index%d", cpu, k);
        snprintf(path, sizeof path, "%s/type", dir);
        if (read_line(path, type, sizeof type)) break;
        snprintf(path, sizeof path, "%s/level", dir);
        if (read_line(path, lvl, sizeof lvl)) continue;
        snprintf(path, sizeof path, "%s/size", dir);
        long long bytes;
        if (read_line(path, size, sizeof size) || cfb_parse_size(size, &bytes)) continue;
        snprintf(path, sizeof path, "%s/shared_cpu_list", dir);
        int sharing = read_line(path, shared, sizeof shared) ? -1 : cfb_cpu_list_count(shared);
        if (strcmp(type, "Data") && strcmp(type, "Instruction") && strcmp(type, "Unified"))
            continue;
        json_array_append_new(a, cache_obj(type, atoi(lvl), bytes, sharing));
    }
    if (json_array_size(a)) return a;
    static const struct {
        int name;
        const char *type;
        int level;
    } sc[] = {
#ifdef _SC_LEVEL1_DCACHE_SIZE
        {_SC_LEVEL1_DCACHE_SIZE, "Data", 1},
        {_SC_LEVEL1_ICACHE_SIZE, "Instruction", 1},
        {_SC_LEVEL2_CACHE_SIZE, "Unified", 2},
        {_SC_LEVEL3_CACHE_SIZE, "Unified", 3},
        {_SC_LEVEL4_CACHE_SIZE, "Unified", 4},
#endif
        {-1, NULL, 0},
    };
    for (size_t i = 0; sc[i].type; i++) {
        long v = sysconf(sc[i].name);
        if (v > 0) json_array_append_new(a, cache_obj(sc[i].type, sc[i].level, v, -1));
    }
    return a;
}

/* ---- the build ------------------------------------------------------------ */

static const char *sanitizers(void) {
    if (CFB_SANITIZE_LIST[0]) return CFB_SANITIZE_LIST;
#if defined(__SANITIZE_ADDRESS__)
    return "address";
#elif defined(__SANITIZE_THREAD__)
    return "thread";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return "address";
#elif __has_feature(thread_sanitizer)
    return "thread";
#endif
#endif
    return "";
}

json_t *cfb_build_json(void) {
    return json_pack("{s:s, s:s, s:s, s:s}", "compiler", CFB_C_COMPILER, "c_flags", CFB_C_FLAGS,
                     "build_type", CFB_BUILD_TYPE, "sanitizers", sanitizers());
}

/* The optimisation level the flags end with: the last -O… wins ("-O" is
 * -O1); 0 when there is none. */
static int opt_level(const char *flags) {
    int level = 0;
    for (const char *p = flags; (p = strstr(p, "-O")) != NULL; p += 2) {
        if (p != flags && p[-1] != ' ') continue;
        char c = p[2];
        if (c == '0')
            level = 0;
        else if (c == ' ' || c == '\0' || c == '1')
            level = 1;
        else /* 2, 3, s, z, g, fast */
            level = c == 'g' ? 0 : 2;
    }
    return level;
}

int cfb_build_warning(const json_t *build, char *buf, size_t len) {
    const char *san = json_string_value(json_object_get(build, "sanitizers"));
    const char *type = json_string_value(json_object_get(build, "build_type"));
    const char *flags = json_string_value(json_object_get(build, "c_flags"));
    if (san && *san) {
        snprintf(buf, len,
                 "this cfbench is a sanitizer build (%s): the timings measure instrumented code, "
                 "several times slower than a release build",
                 san);
        return 1;
    }
    if ((type && !strcmp(type, "Debug")) || (flags && opt_level(flags) == 0)) {
        snprintf(buf, len,
                 "this cfbench is an unoptimised build (%s%s%s): the timings are not those of a "
                 "release build",
                 type && *type ? type : "no build type", flags ? ", flags: " : "",
                 flags ? flags : "");
        return 1;
    }
    return 0;
}

/* ---- the noise guard -------------------------------------------------------- */

const char *cfb_noise_warn(cfb_noise *n, bool quiet_now, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (!n->warnings) n->warnings = json_array();
    json_t *s = json_string(line);
    if (!n->warnings || !s || json_array_append_new(n->warnings, s)) return NULL;
    const char *text = json_string_value(s);
    if (n->warn && !quiet_now) n->warn(n->warn_ctx, text);
    return json_string_value(json_array_get(n->warnings, json_array_size(n->warnings) - 1));
}

static void read_load(double la[3]) {
    const fake *f = fake_get();
    if (f->has_load) {
        la[0] = la[1] = la[2] = f->load;
    } else if (cfb_loadavg(la)) {
        la[0] = la[1] = la[2] = NAN;
    }
}

void cfb_noise_begin(cfb_noise *n, int cpus_allowed, const json_t *build,
                     void (*warn)(void *ctx, const char *text), void *warn_ctx) {
    memset(n, 0, sizeof *n);
    const fake *f = fake_get();
    n->warn = warn;
    n->warn_ctx = warn_ctx;
    n->test_override = f->set;
    n->cpus_allowed = cpus_allowed;
    n->warnings = json_array();
    n->load_after[0] = n->load_after[1] = n->load_after[2] = NAN;
    n->steal_run = NAN;
    read_load(n->load_before);
    /* steal: a short window now, then the run from its end */
    cfb_cpu_times a, b;
    n->steal_before = NAN;
    if (f->has_steal_before) {
        n->steal_before = f->steal_before;
        n->have_t0 = cfb_cpu_times_now(&n->t0) == 0;
    } else if (cfb_cpu_times_now(&a) == 0) {
        /* $CFB_STEAL_WINDOW_S (0 to 1) overrides the window: `cfbench ab`
         * sets 0 for its hundreds of short runs (steal is then measured over
         * the run only). */
        double win = CFB_STEAL_WINDOW_S;
        const char *w = getenv("CFB_STEAL_WINDOW_S");
        if (w && *w) {
            char *end;
            double v = strtod(w, &end);
            if (end != w && !*end && v >= 0 && v <= 1) win = v;
        }
        struct timespec ts = {(time_t)win, (long)((win - (double)(time_t)win) * 1e9)};
        while (win > 0 && nanosleep(&ts, &ts) && errno == EINTR)
            ;
        if (cfb_cpu_times_now(&b) == 0) {
            n->steal_before = cfb_steal_pct(&a, &b);
            n->t0 = b;
            n->have_t0 = true;
        }
    }
    if (isfinite(n->load_before[0]) && n->load_before[0] > cpus_allowed)
        cfb_noise_warn(n, false,
                       "load average %.2f (1 min) before the run is above the %d CPU%s this "
                       "process may use: other programs compete for the CPUs; measure on a "
                       "quiet machine",
                       n->load_before[0], cpus_allowed, cpus_allowed == 1 ? "" : "s");
    if (isfinite(n->steal_before) && n->steal_before > CFB_STEAL_WARN_PCT)
        cfb_noise_warn(n, false,
                       "CPU steal %.1f%% in the %.1f s before the run: the hypervisor is giving "
                       "this machine's CPUs to other guests; the timings will be noisy",
                       n->steal_before, CFB_STEAL_WINDOW_S);
    char gov[64];
    if (cfb_cpu_governor(gov, sizeof gov) == 0 && strcmp(gov, "performance"))
        cfb_noise_warn(n, false,
                       "CPU frequency governor is '%s', not 'performance': the clock speed may "
                       "change during the run",
                       gov);
    char line[1024];
    if (build && cfb_build_warning(build, line, sizeof line)) cfb_noise_warn(n, false, "%s", line);
}

void cfb_noise_end(cfb_noise *n) {
    const fake *f = fake_get();
    read_load(n->load_after);
    cfb_cpu_times t1;
    if (f->has_steal)
        n->steal_run = f->steal;
    else if (n->have_t0 && cfb_cpu_times_now(&t1) == 0)
        n->steal_run = cfb_steal_pct(&n->t0, &t1);
    if (isfinite(n->steal_run) && n->steal_run > CFB_STEAL_WARN_PCT)
        cfb_noise_warn(n, false,
                       "CPU steal %.1f%% during the run: the hypervisor took CPU time from this "
                       "machine; the timings are inflated and noisy",
                       n->steal_run);
}

static json_t *num3(const double v[3]) {
    if (!isfinite(v[0])) return json_null();
    return json_pack("[f, f, f]", v[0], v[1], v[2]);
}

json_t *cfb_noise_json(const cfb_noise *n) {
    json_t *o = json_object();
    json_object_set_new(o, "load_avg_before", num3(n->load_before));
    json_object_set_new(o, "load_avg_after", num3(n->load_after));
    json_object_set_new(o, "steal_pct_before",
                        isfinite(n->steal_before) ? json_real(n->steal_before) : json_null());
    json_object_set_new(o, "steal_pct",
                        isfinite(n->steal_run) ? json_real(n->steal_run) : json_null());
    json_object_set_new(o, "warnings", n->warnings ? json_copy(n->warnings) : json_array());
    if (n->test_override) json_object_set_new(o, "test_override", json_true());
    return o;
}

void cfb_noise_free(cfb_noise *n) {
    json_decref(n->warnings);
    n->warnings = NULL;
}
