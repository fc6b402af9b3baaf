/*
 * core_bench — hot-path benchmarks of libcfutures, compared in the same run
 * with Python's concurrent.futures when python3 is present.
 *
 *   core_bench [--only GROUP] [--reps N] [--quick] [--no-python] [--list]
 *
 * Sections live in a table (group, name, function): the process-pool
 * sections can be added to the "process" group without touching the rest.
 * Each section prints the median of --reps repetitions (default 5) and,
 * when it has a Python counterpart, Python's median and the ratio.
 */
#include "bench_loops.h"
#include "cfutures.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int reps = 5;
static bool quick, use_python = true;

static long rss_kb(void) {
    FILE *fp = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (fp) {
        if (fscanf(fp, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(fp);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void die(const char *what, int rc) {
    fprintf(stderr, "core_bench: %s: %s\n", what, cf_strerror(rc));
    exit(1);
}

/* ---- Python reference ---- */

static const char py_script[] =
    "import sys, time, statistics\n"
    "from concurrent.futures import ThreadPoolExecutor\n"
    "def empty():\n"
    "    pass\n"
    "what, n, reps, window = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])\n"
    "res = []\n"
    "cpu = []\n"
    "with ThreadPoolExecutor(max_workers=2) as ex:\n"
    "    for _ in range(reps):\n"
    "        if what == 'throughput':\n"
    "            t0 = time.perf_counter()\n"
    "            c0 = time.process_time()\n"
    "            done = 0\n"
    "            while done < n:\n"
    "                k = min(window, n - done)\n"
    "                fs = [ex.submit(empty) for _ in range(k)]\n"
    "                for f in fs:\n"
    "                    f.result()\n"
    "                done += k\n"
    "            res.append(n / (time.perf_counter() - t0))\n"
    "            cpu.append((time.process_time() - c0) / n * 1e6)\n"
    "        else:\n"
    "            lat = []\n"
    "            for _ in range(n):\n"
    "                t0 = time.perf_counter()\n"
    "                ex.submit(empty).result()\n"
    "                lat.append(time.perf_counter() - t0)\n"
    "            res.append(statistics.median(lat) * 1e6)\n"
    "print(statistics.median(res), statistics.median(cpu) if cpu else 0)\n";

/* Runs the embedded script; returns its number (and the CPU time per task
 * in *cpu_us when not NULL), or -1 without python3. */
static double python_run(const char *what, long n, int window, double *cpu_us) {
    if (!use_python) return -1;
    char path[] = "/tmp/core_bench_XXXXXX.py";
    int fd = mkstemps(path, 3);
    if (fd < 0) return -1;
    if (write(fd, py_script, sizeof py_script - 1) != (ssize_t)(sizeof py_script - 1)) {
        close(fd);
        unlink(path);
        return -1;
    }
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "python3 %s %s %ld %d %d 2>/dev/null", path, what, n, reps, window);
    FILE *p = popen(cmd, "r");
    double v = -1;
    if (p) {
        double c = 0;
        if (fscanf(p, "%lf %lf", &v, &c) != 2) v = -1;
        if (cpu_us) *cpu_us = c;
        if (pclose(p) != 0) v = -1;
    }
    unlink(path);
    return v;
}

/* ---- thread sections ---- */

static void section_throughput(void) {
    long n = quick ? 200000 : 2000000;
    cf_executor *ex;
    cf_executor_opts o = {.max_workers = 2};
    int rc = cf_thread_pool_new(&o, &ex);
    if (rc) die("pool", rc);
    cf_future **fs = malloc(WINDOW * sizeof *fs);
    throughput_once(ex, n / 10, fs, NULL); /* warm-up: threads started, caches warm */
    double *v = malloc((size_t)reps * sizeof *v), *cpu = malloc((size_t)reps * sizeof *cpu);
    for (int r = 0; r < reps; r++)
        v[r] = throughput_once(ex, n, fs, &cpu[r]);
    double c = median(v, reps), ccpu = median(cpu, reps);
    free(v);
    free(cpu);
    free(fs);
    cf_executor_free(ex);
    printf("thread/throughput: %ld empty tasks, submit+result, pool of 2, windows of %d\n", n,
           WINDOW);
    printf("  cfutures: median %.0f tasks/s, %.3f us CPU/task over %d reps\n", c, ccpu, reps);
    double pycpu = 0;
    double py = python_run("throughput", quick ? 20000 : 100000, WINDOW, &pycpu);
    if (py > 0)
        printf("  python  : median %.0f tasks/s, %.3f us CPU/task (ThreadPoolExecutor)\n"
               "  ratio   : %.1fx tasks/s, %.1fx less CPU per task\n",
               py, pycpu, c / py, ccpu > 0 ? pycpu / ccpu : 0);
    else
        printf("  python  : not run\n");
}

/* Median (over `reps` repetitions, after one warm-up) of the per-task
 * median submit -> done time, in µs, of n empty tasks one at a time on ex.
 * Shared by the thread and process round-trip sections. */
static double roundtrip_median_us(cf_executor *ex, int n) {
    double *lat = malloc((size_t)n * sizeof *lat);
    double *v = malloc((size_t)reps * sizeof *v);
    if (!lat || !v) die("malloc", CF_ENOMEM);
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
        double m = roundtrip_rep_us(ex, n, lat);
        if (r >= 0) v[r] = m;
    }
    double c = median(v, reps);
    free(lat);
    free(v);
    return c;
}

static void section_roundtrip(void) {
    int n = quick ? 5000 : 50000;
    cf_executor *ex;
    cf_executor_opts o = {.max_workers = 2};
    int rc = cf_thread_pool_new(&o, &ex);
    if (rc) die("pool", rc);
    double c = roundtrip_median_us(ex, n);
    cf_executor_free(ex);
    printf("thread/roundtrip: submit -> done of one empty task at a time, pool of 2\n");
    printf("  cfutures: median %.2f us over %d reps of %d\n", c, reps, n);
    double py = python_run("roundtrip", quick ? 2000 : 10000, 0, NULL);
    if (py > 0)
        printf("  python  : median %.2f us\n  ratio   : %.1fx faster\n", py, py / c);
    else
        printf("  python  : not run\n");
}

/* cf_map over n small items; returns items/s. */
static double map_once(cf_executor *ex, const void *const *args, const size_t *lens, long n,
                       int chunksize) {
    cf_map_opts o = {.chunksize = chunksize};
    cf_map_iter *it;
    double t0 = now();
    int rc = cf_map_array(ex, task_empty, args, lens, (size_t)n, &o, &it);
    if (rc) die("map", rc);
    long got = 0;
    while ((rc = cf_map_next(it, NULL, NULL)) == 0)
        got++;
    if (rc != CF_EEOF || got != n) die("map_next", rc);
    cf_map_free(it);
    return (double)n / (now() - t0);
}

static void section_map(void) {
    long n = quick ? 100000 : 1000000;
    cf_executor *ex;
    cf_executor_opts o = {.max_workers = 2};
    int rc = cf_thread_pool_new(&o, &ex);
    if (rc) die("pool", rc);
    static const int item = 0;
    const void **args = malloc((size_t)n * sizeof *args);
    size_t *lens = malloc((size_t)n * sizeof *lens);
    for (long i = 0; i < n; i++) {
        args[i] = &item;
        lens[i] = sizeof item;
    }
    printf("thread/map: cf_map_array over %ld 4-byte items, empty task, pool of 2\n", n);
    int chunks[] = {1, 16, 256};
    double *v = malloc((size_t)reps * sizeof *v);
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        map_once(ex, args, lens, n / 10, chunks[c]);
        for (int r = 0; r < reps; r++)
            v[r] = map_once(ex, args, lens, n, chunks[c]);
        printf("  cfutures: chunksize %3d: median %.0f items/s over %d reps\n", chunks[c],
               median(v, reps), reps);
        fflush(stdout);
    }
    free(v);
    free(args);
    free(lens);
    cf_executor_free(ex);
}

static void section_memory(void) {
    long n = quick ? 1000000 : 10000000;
    cf_executor *ex;
    cf_executor_opts o = {.max_workers = 2};
    int rc = cf_thread_pool_new(&o, &ex);
    if (rc) die("pool", rc);
    cf_future **fs = malloc(WINDOW * sizeof *fs);
    long warm = n / 10;
    throughput_once(ex, warm, fs, NULL);
    long rss0 = rss_kb();
    double t0 = now();
    throughput_once(ex, n - warm, fs, NULL);
    double dt = now() - t0;
    long rss1 = rss_kb();
    free(fs);
    cf_executor_free(ex);
    printf("thread/memory: %ld empty tasks in a row, pool of 2\n", n);
    printf("  rss after %ld (warm-up): %ld kB; at the end: %ld kB; growth %ld kB (%.0f tasks/s)\n",
           warm, rss0, rss1, rss1 - rss0, (double)(n - warm) / dt);
}

/* ---- process sections (owned by the proc helper) ---- */
#include "proc_sections.h"

struct section {
    const char *group, *name;
    void (*run)(void);
};

static const struct section sections[] = {
    {"thread", "throughput", section_throughput},
    {"thread", "roundtrip", section_roundtrip},
    {"thread", "memory", section_memory},
    {"thread", "map", section_map},
    /* process-pool sections go here, group "process" */
    {"process", "throughput", proc_section_throughput},
    {"process", "map", proc_section_map},
    {"process", "roundtrip", proc_section_roundtrip},
    {"process", "million", proc_section_million},
};

static void usage(FILE *fp) {
    fprintf(fp, "usage: core_bench [--only GROUP|GROUP/NAME] [--reps N] [--quick] [--no-python] "
                "[--list]\n");
}

int main(int argc, char **argv) {
    const char *only = NULL;
    static const struct option longopts[] = {{"only", required_argument, NULL, 'o'},
                                             {"reps", required_argument, NULL, 'r'},
                                             {"quick", no_argument, NULL, 'q'},
                                             {"no-python", no_argument, NULL, 'n'},
                                             {"list", no_argument, NULL, 'l'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    int c;
    size_t nsec = sizeof sections / sizeof sections[0];
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            only = optarg;
            break;
        case 'r':
            reps = atoi(optarg);
            if (reps < 1) {
                fprintf(stderr, "core_bench: --reps must be >= 1\n");
                return 2;
            }
            break;
        case 'q':
            quick = true;
            break;
        case 'n':
            use_python = false;
            break;
        case 'l':
            for (size_t i = 0; i < nsec; i++)
                printf("%s/%s\n", sections[i].group, sections[i].name);
            return 0;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (use_python && system("python3 -c 'import concurrent.futures' >/dev/null 2>&1") != 0)
        use_python = false;
    printf("core_bench: %d cpus, %d reps%s\n", cf_cpu_count(), reps, quick ? ", quick" : "");
    int ran = 0;
    for (size_t i = 0; i < nsec; i++) {
        char full[64];
        snprintf(full, sizeof full, "%s/%s", sections[i].group, sections[i].name);
        if (only && strcmp(only, sections[i].group) != 0 && strcmp(only, full) != 0) continue;
        sections[i].run();
        fflush(stdout);
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "core_bench: no section matches '%s'\n", only ? only : "");
        return 2;
    }
    return 0;
}
