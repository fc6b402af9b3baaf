/* test_context.c — the context readers and parsers of runners/context.h:
 * CPU lists, cache sizes, /proc/stat lines, steal, the build warning, and
 * what the live readers return on this machine (consistent, never made up). */
#include <math.h>
#include <sched.h>
#include <string.h>

#include "check.h"
#include "context.h"

static void test_cpu_list(void) {
    static const struct {
        const char *s;
        int want;
    } t[] = {
        {"0", 1},   {"0-1", 2},  {"0-3,8", 5}, {"0,2-3,5-7", 6}, {"12\n", 1},
        {"", -1},   {"a", -1},   {"3-1", -1},  {"0,", -1},       {"0-", -1},
        {"-1", -1}, {"0;1", -1}, {"0-63", 64},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        int got = cfb_cpu_list_count(t[i].s);
        if (got != t[i].want) fprintf(stderr, "cpu list '%s': ", t[i].s);
        CHECK_EQ_INT(got, t[i].want);
    }
    CHECK_EQ_INT(cfb_cpu_list_count(NULL), -1);
    /* found by fuzz/params: b - a + 1 and the sum overflowed (undefined behaviour) */
    CHECK_EQ_INT(cfb_cpu_list_count("0-9223372036854775807"), -1);
    CHECK_EQ_INT(cfb_cpu_list_count("0-4194304"), 4194305);
    CHECK_EQ_INT(cfb_cpu_list_count("0-4194305"), -1);
    static char many[8192];
    for (int i = 0; i < 520; i++)
        strcat(many, i ? ",0-4194304" : "0-4194304");
    CHECK_EQ_INT(cfb_cpu_list_count(many), -1); /* 520 x 4194305 > INT_MAX */
}

static void test_size(void) {
    static const struct {
        const char *s;
        int rc;
        long long want;
    } t[] = {
        {"32K", 0, 32768}, {"1024K", 0, 1048576}, {"16M", 0, 16777216}, {"1G", 0, 1073741824},
        {"512", 0, 512},   {"48K\n", 0, 49152},   {"32KB", 0, 32768},   {"", -1, 0},
        {"K", -1, 0},      {"12X", -1, 0},        {"-4K", -1, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        long long b = -1;
        int rc = cfb_parse_size(t[i].s, &b);
        if (rc != t[i].rc) fprintf(stderr, "size '%s': ", t[i].s);
        CHECK_EQ_INT(rc, t[i].rc);
        if (rc == 0) CHECK_EQ_INT(b, t[i].want);
    }
    /* found by fuzz/params: the product overflowed (undefined behaviour) */
    long long b = -1;
    CHECK_EQ_INT(cfb_parse_size("9223372036854775807G", &b), -1);
    CHECK_EQ_INT(cfb_parse_size("8589934592G", &b), -1);
    CHECK_EQ_INT(cfb_parse_size("8589934591G", &b), 0);
    CHECK(b == 8589934591LL * 1073741824LL);
}

static void test_stat(void) {
    cfb_cpu_times a, b;
    /* user nice system idle iowait irq softirq steal guest guest_nice */
    CHECK_EQ_INT(cfb_parse_stat_cpu("cpu  100 0 50 800 10 0 5 35 7 0\n", &a), 0);
    CHECK_EQ_INT(a.total, 1000);
    CHECK_EQ_INT(a.steal, 35);
    CHECK_EQ_INT(cfb_parse_stat_cpu("cpu  200 0 100 1600 20 0 10 70 0 0\n", &b), 0);
    CHECK(fabs(cfb_steal_pct(&a, &b) - 3.5) < 1e-12);
    CHECK(isnan(cfb_steal_pct(&b, &a))); /* backwards */
    CHECK(isnan(cfb_steal_pct(&a, &a))); /* no tick */
    /* an old kernel without steal: steal 0 */
    CHECK_EQ_INT(cfb_parse_stat_cpu("cpu  1 2 3 4\n", &a), 0);
    CHECK_EQ_INT(a.total, 10);
    CHECK_EQ_INT(a.steal, 0);
    CHECK_EQ_INT(cfb_parse_stat_cpu("cpu0 1 2 3 4 5 6 7 8\n", &a), -1); /* a per-CPU line */
    CHECK_EQ_INT(cfb_parse_stat_cpu("intr 1 2 3\n", &a), -1);
    CHECK_EQ_INT(cfb_parse_stat_cpu("cpu  1 2\n", &a), -1);
}

static void test_build_warning(void) {
    static const struct {
        const char *type, *flags, *san;
        const char *want; /* a substring, NULL: no warning */
    } t[] = {
        {"RelWithDebInfo", "-O2 -g -std=c11 -Wall", "", NULL},
        {"Release", "-O3 -DNDEBUG", "", NULL},
        {"RelWithDebInfo", "-O2 -g -fsanitize=address,undefined", "address,undefined",
         "sanitizer build (address,undefined)"},
        {"Debug", "-g", "", "unoptimised build (Debug"},
        {"", "-g -Wall", "", "unoptimised"},
        {"Custom", "-O2 -O0", "", "unoptimised"}, /* the last -O wins */
        {"Custom", "-O0 -O2", "", NULL},
        {"Custom", "-Og", "", "unoptimised"},
        {"Custom", "-Os", "", NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "compiler", "GNU 12.2.0", "c_flags",
                              t[i].flags, "build_type", t[i].type, "sanitizers", t[i].san);
        char line[1024] = "";
        int rc = cfb_build_warning(b, line, sizeof line);
        if (rc != (t[i].want != NULL) || (t[i].want && !strstr(line, t[i].want)))
            fprintf(stderr, "build '%s' '%s' '%s': got %d '%s'\n", t[i].type, t[i].flags, t[i].san,
                    rc, line);
        CHECK_EQ_INT(rc, t[i].want != NULL);
        if (t[i].want) CHECK(strstr(line, t[i].want) != NULL);
        json_decref(b);
    }
}

static void test_live(void) {
    char list[1024];
    int n = cfb_cpus_allowed(list, sizeof list);
    cpu_set_t set;
    CHECK(sched_getaffinity(0, sizeof set, &set) == 0);
    CHECK_EQ_INT(n, CPU_COUNT(&set));
    CHECK_EQ_INT(cfb_cpu_list_count(list), n);
    CHECK_EQ_INT(cfb_cpus_allowed(NULL, 0), n);
    /* a short buffer: cut at a comma or empty, never half a number */
    char tiny[2];
    cfb_cpus_allowed(tiny, sizeof tiny);
    CHECK(tiny[0] == '\0' || cfb_cpu_list_count(tiny) >= 1);

    double la[3];
    if (cfb_loadavg(la) == 0) CHECK(la[0] >= 0 && la[1] >= 0 && la[2] >= 0);
    cfb_cpu_times t;
    if (cfb_cpu_times_now(&t) == 0) CHECK(t.total > 0 && t.steal <= t.total);
    double mhz = cfb_cpu_mhz();
    CHECK(isnan(mhz) || (mhz > 10 && mhz < 100000));

    json_t *c = cfb_caches_json();
    CHECK(json_is_array(c));
    size_t i;
    json_t *e;
    json_array_foreach(c, i, e) {
        const char *type = json_string_value(json_object_get(e, "type"));
        CHECK(type &&
              (!strcmp(type, "Data") || !strcmp(type, "Instruction") || !strcmp(type, "Unified")));
        CHECK(json_integer_value(json_object_get(e, "level")) >= 1);
        CHECK(json_integer_value(json_object_get(e, "size")) > 0);
        json_t *ns = json_object_get(e, "num_sharing");
        CHECK(json_is_null(ns) || json_integer_value(ns) >= 1);
    }
    json_decref(c);

    json_t *b = cfb_build_json();
    CHECK(json_string_length(json_object_get(b, "compiler")) > 0);
    CHECK(strcmp(json_string_value(json_object_get(b, "compiler")), "unknown") != 0);
    CHECK(json_string_length(json_object_get(b, "build_type")) > 0);
    CHECK(strstr(json_string_value(json_object_get(b, "c_flags")), "-Wall") != NULL);
    CHECK(json_is_string(json_object_get(b, "sanitizers")));
#if defined(CFB_SANITIZER)
    CHECK(json_string_length(json_object_get(b, "sanitizers")) > 0);
#endif
    json_decref(b);
}

int main(void) {
    test_cpu_list();
    test_size();
    test_stat();
    test_build_warning();
    test_live();
    return check_summary();
}
