/*
 * test_error_order.c — issue 14 item 6: on an executor that is both broken
 * and shut down, cf_submit() and cf_map() report CF_EBROKEN first, in every
 * executor (as CPython's submit checks _broken before _shutdown_thread);
 * cf_executor_is_broken() says so. Broken by a failing initializer (both
 * pools) and, for the process pool, by cf_executor_kill_workers().
 */
#include "check.h"
#include "core_helpers.h"

#include <unistd.h>

static int init_fail(void *arg) {
    (void)arg;
    return 5;
}

static void check_broken_then_shutdown(cf_executor *ex) {
    CHECK(!cf_executor_is_broken(ex));
    cf_future *f = NULL;
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &f), 0);
    CHECK_EQ_INT(cf_future_result(f, 30, NULL, NULL), CF_EBROKEN); /* the initializer failed */
    cf_future_release(f);
    CHECK(cf_executor_is_broken(ex));
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &f), CF_EBROKEN);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    /* broken and shut down: broken first */
    f = NULL;
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &f), CF_EBROKEN);
    CHECK(f == NULL);
    int a = 1;
    const void *args[1] = {&a};
    size_t lens[1] = {sizeof a};
    cf_map_iter *it = NULL;
    CHECK_EQ_INT(cf_map_array(ex, task_echo, args, lens, 1, NULL, &it), CF_EBROKEN);
    CHECK(it == NULL);
    CHECK(cf_executor_is_broken(ex));
    cf_executor_free(ex);
}

static void test_thread_pool(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(
        cf_thread_pool_new(&(cf_executor_opts){.max_workers = 1, .initializer = init_fail}, &ex),
        0);
    check_broken_then_shutdown(ex);
}

static void test_process_pool(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(
        cf_process_pool_new(&(cf_executor_opts){.max_workers = 1, .initializer = init_fail}, &ex),
        0);
    check_broken_then_shutdown(ex);
}

/* Shut down first, broken afterwards: still broken first. */
static void test_process_pool_shutdown_then_killed(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    cf_future *f = NULL;
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &f), 0);
    CHECK_EQ_INT(cf_future_result(f, 30, NULL, NULL), 0);
    cf_future_release(f);
    CHECK_EQ_INT(cf_executor_shutdown(ex, false, false), 0);
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &f), CF_ESHUTDOWN);
    CHECK(!cf_executor_is_broken(ex));
    CHECK_EQ_INT(cf_executor_kill_workers(ex), 0);
    CHECK(cf_executor_is_broken(ex));
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &f), CF_EBROKEN);
    cf_executor_free(ex);
}

static void test_null(void) {
    CHECK(!cf_executor_is_broken(NULL));
}

int main(void) {
    RUN(test_thread_pool);
    RUN(test_process_pool);
    RUN(test_process_pool_shutdown_then_killed);
    RUN(test_null);
    return check_summary();
}
