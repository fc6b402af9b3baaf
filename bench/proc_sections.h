/*
 * proc_sections.h — the process-pool sections of core_bench (group
 * "process"), kept in their own file so the thread sections and these can
 * change independently. Included by core_bench.c after its helpers (now,
 * cpu_now, median, rss_kb, task_empty, die, reps, quick, use_python).
 *
 *   process/throughput  empty tasks submitted one by one on 2 workers,
 *                       Python ProcessPoolExecutor(2) in the same run
 *   process/map         cf_map with chunking over empty tasks (and Python's
 *                       ProcessPoolExecutor.map with the same chunksize)
 *   process/roundtrip   median submit -> done of one task at a time
 *   process/million     a million tasks: fds, processes, RSS before/after
 */
#include "../tests/proc/proc_census.h"

static const char py_proc_script[] =
    "import sys, time, statistics\n"
    "from concurrent.futures import ProcessPoolExecutor\n"
    "def empty(x=None):\n"
    "    pass\n"
    "def main():\n"
    "    what, n, reps, window = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), "
    "int(sys.argv[4])\n"
    "    res = []\n"
    "    with ProcessPoolExecutor(max_workers=2) as ex:\n"
    "        list(ex.map(empty, range(100)))\n"
    "        for _ in range(reps):\n"
    "            if what == 'throughput':\n"
    "                t0 = time.perf_counter()\n"
    "                done = 0\n"
    "                while done < n:\n"
    "                    k = min(window, n - done)\n"
    "                    fs = [ex.submit(empty) for _ in range(k)]\n"
    "                    for f in fs:\n"
    "                        f.result()\n"
    "                    done += k\n"
    "                res.append(n / (time.perf_counter() - t0))\n"
    "            elif what == 'map':\n"
    "                t0 = time.perf_counter()\n"
    "                for _ in ex.map(empty, range(n), chunksize=window):\n"
    "                    pass\n"
    "                res.append(n / (time.perf_counter() - t0))\n"
    "            else:\n"
    "                lat = []\n"
    "                for _ in range(n):\n"
    "                    t0 = time.perf_counter()\n"
    "                    ex.submit(empty).result()\n"
    "                    lat.append(time.perf_counter() - t0)\n"
    "                res.append(statistics.median(lat) * 1e6)\n"
    "    print(statistics.median(res), 0)\n"
    "if __name__ == '__main__':\n"
    "    main()\n";

static double python_proc_run(const char *what, long n, int window) {
    if (!use_python) return -1;
    char path[] = "/tmp/proc_bench_XXXXXX.py";
    int fd = mkstemps(path, 3);
    if (fd < 0) return -1;
    ssize_t want = (ssize_t)(sizeof py_proc_script - 1);
    if (write(fd, py_proc_script, (size_t)want) != want) {
        close(fd);
        unlink(path);
        return -1;
    }
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "python3 %s %s %ld %d %d 2>/dev/null", path, what, n, reps, window);
    FILE *p = popen(cmd, "r");
    double v = -1, c = 0;
    if (p) {
        if (fscanf(p, "%lf %lf", &v, &c) != 2) v = -1;
        if (pclose(p) != 0) v = -1;
    }
    unlink(path);
    return v;
}

static cf_executor *proc_pool2(void) {
    cf_executor *ex;
    cf_executor_opts o = {.max_workers = 2};
    int rc = cf_process_pool_new(&o, &ex);
    if (rc) die("process pool", rc);
    return ex;
}

static void proc_section_throughput(void) {
    long n = quick ? 200000 : 1000000;
    cf_executor *ex = proc_pool2();
    cf_future **fs = malloc(WINDOW * sizeof *fs);
    throughput_once(ex, n / 10, fs, NULL); /* warm-up: workers forked */
    double *v = malloc((size_t)reps * sizeof *v), *cpu = malloc((size_t)reps * sizeof *cpu);
    for (int r = 0; r < reps; r++)
        v[r] = throughput_once(ex, n, fs, &cpu[r]);
    double c = median(v, reps), ccpu = median(cpu, reps);
    free(v);
    free(cpu);
    free(fs);
    cf_executor_free(ex);
    printf("process/throughput: %ld empty tasks submitted one by one, 2 worker processes, "
           "windows of %d\n",
           n, WINDOW);
    printf("  cfutures: median %.0f tasks/s (parent CPU %.3f us/task) over %d reps\n", c, ccpu,
           reps);
    double py = python_proc_run("throughput", quick ? 5000 : 20000, WINDOW);
    if (py > 0)
        printf("  python  : median %.0f tasks/s (ProcessPoolExecutor(2))\n"
               "  ratio   : %.1fx\n",
               py, c / py);
    else
        printf("  python  : not run\n");
}

struct proc_count_input {
    long i, n;
};

static int proc_count_next(void *state, const void **arg, size_t *len) {
    struct proc_count_input *in = state;
    if (in->i >= in->n) return 0;
    in->i++;
    *arg = NULL;
    *len = 0;
    return 1;
}

static void proc_section_map(void) {
    long n = quick ? 1000000 : 5000000;
    int chunk = 1000;
    cf_executor *ex = proc_pool2();
    double *v = malloc((size_t)reps * sizeof *v);
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
        struct proc_count_input in = {0, r < 0 ? n / 10 : n};
        cf_map_opts mo = {.chunksize = chunk, .buffersize = 64};
        cf_map_iter *it;
        double t0 = now();
        int rc = cf_map(ex, task_empty, proc_count_next, &in, &mo, &it);
        if (rc) die("map", rc);
        const void *d;
        size_t len;
        long got = 0;
        while ((rc = cf_map_next(it, &d, &len)) == 0)
            got++;
        if (rc != CF_EEOF || got != in.n) die("map_next", rc);
        cf_map_free(it);
        if (r >= 0) v[r] = (double)in.n / (now() - t0);
    }
    double c = median(v, reps);
    free(v);
    cf_executor_free(ex);
    printf("process/map: %ld empty tasks through cf_map, chunksize %d, 2 worker processes\n", n,
           chunk);
    printf("  cfutures: median %.0f tasks/s over %d reps\n", c, reps);
    double py = python_proc_run("map", quick ? 200000 : 1000000, chunk);
    if (py > 0)
        printf("  python  : median %.0f tasks/s (ProcessPoolExecutor(2).map, chunksize %d)\n"
               "  ratio   : %.1fx\n",
               py, chunk, c / py);
    else
        printf("  python  : not run\n");
}

static void proc_section_roundtrip(void) {
    int n = quick ? 5000 : 20000;
    cf_executor *ex = proc_pool2();
    double c = roundtrip_median_us(ex, n);
    cf_executor_free(ex);
    printf("process/roundtrip: submit -> done of one empty task at a time, 2 worker processes\n");
    printf("  cfutures: median %.2f us over %d reps of %d\n", c, reps, n);
    double py = python_proc_run("roundtrip", quick ? 1000 : 5000, 0);
    if (py > 0)
        printf("  python  : median %.2f us\n  ratio   : %.1fx faster\n", py, py / c);
    else
        printf("  python  : not run\n");
}

static void proc_section_million(void) {
    long n = 1000000;
    int fds0 = pt_count_fds(), kids0 = pt_count_children((int)getpid());
    cf_executor *ex = proc_pool2();
    cf_future **fs = malloc(WINDOW * sizeof *fs);
    long warm = n / 10;
    throughput_once(ex, warm, fs, NULL);
    long rss0 = rss_kb();
    int fds_mid = pt_count_fds(), kids_mid = pt_count_children((int)getpid());
    double t0 = now();
    throughput_once(ex, n - warm, fs, NULL);
    double dt = now() - t0;
    long rss1 = rss_kb();
    int fds_end = pt_count_fds(), kids_end = pt_count_children((int)getpid());
    free(fs);
    cf_executor_stats st;
    cf_executor_stats_get(ex, &st);
    cf_executor_free(ex);
    int fds1 = pt_count_fds(), kids1 = pt_count_children((int)getpid());
    printf("process/million: %ld empty tasks in a row, 2 worker processes (%.0f tasks/s)\n", n,
           (double)(n - warm) / dt);
    printf("  fds      : %d before the pool, %d after warm-up, %d at the end, %d after free\n",
           fds0, fds_mid, fds_end, fds1);
    printf("  processes: %d before, %d after warm-up, %d at the end, %d after free "
           "(%llu started)\n",
           kids0, kids_mid, kids_end, kids1, (unsigned long long)st.workers_started);
    printf("  rss      : %ld kB after warm-up, %ld kB at the end: growth %ld kB\n", rss0, rss1,
           rss1 - rss0);
    printf("  verdict  : %s\n",
           fds1 == fds0 && kids1 == kids0 && rss1 - rss0 < 4096 ? "no leak" : "LEAK?");
}
