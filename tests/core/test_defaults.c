/*
 * test_defaults.c — issue 14 item 10: default worker counts follow the CPUs
 * the process may use (sched_getaffinity, as Python 3.13+'s
 * os.process_cpu_count()), not the online count; max_workers 0 is the
 * default and a negative one is CF_EINVAL (docs/futures-behaviour.md 12).
 * The test pins itself to one CPU and back.
 */
#include "check.h"
#include "cfutures.h"

#include <sched.h>

static int thread_default(int cpus) {
    return cpus + 4 < 32 ? cpus + 4 : 32;
}

static void check_defaults(int cpus) {
    CHECK_EQ_INT(cf_process_cpu_count(), cpus);
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_thread_pool_new(NULL, &ex), 0);
    CHECK_EQ_INT(cf_executor_max_workers(ex), thread_default(cpus));
    cf_executor_free(ex);
    CHECK_EQ_INT(cf_thread_pool_new(&(cf_executor_opts){.max_workers = 0}, &ex), 0);
    CHECK_EQ_INT(cf_executor_max_workers(ex), thread_default(cpus));
    cf_executor_free(ex);
    CHECK_EQ_INT(cf_process_pool_new(NULL, &ex), 0);
    CHECK_EQ_INT(cf_executor_max_workers(ex), cpus);
    cf_executor_free(ex);
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 0}, &ex), 0);
    CHECK_EQ_INT(cf_executor_max_workers(ex), cpus);
    cf_executor_free(ex);
}

static void test_affinity(void) {
    cpu_set_t all;
    CPU_ZERO(&all);
    CHECK_EQ_INT(sched_getaffinity(0, sizeof all, &all), 0);
    int n = CPU_COUNT(&all);
    CHECK(n >= 1 && n <= cf_cpu_count());
    check_defaults(n);

    /* Pinned to one CPU: both defaults shrink, whatever the online count. */
    int first = -1;
    for (int i = 0; i < CPU_SETSIZE && first < 0; i++)
        if (CPU_ISSET(i, &all)) first = i;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    CHECK_EQ_INT(sched_setaffinity(0, sizeof one, &one), 0);
    fprintf(stderr, "online %d, allowed %d, pinned to CPU %d\n", cf_cpu_count(), n, first);
    check_defaults(1);
    CHECK_EQ_INT(sched_setaffinity(0, sizeof all, &all), 0);
    check_defaults(n);
}

static void test_negative(void) {
    cf_executor *ex = (cf_executor *)&ex;
    CHECK_EQ_INT(cf_thread_pool_new(&(cf_executor_opts){.max_workers = -1}, &ex), CF_EINVAL);
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = -1}, &ex), CF_EINVAL);
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = -1000}, &ex), CF_EINVAL);
}

int main(void) {
    RUN(test_affinity);
    RUN(test_negative);
    return check_summary();
}
