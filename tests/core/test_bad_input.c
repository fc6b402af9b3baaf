/* test_bad_input: every documented error path in one place — NULL
 * pointers, bad counts, bad options, use after shutdown — returns its
 * documented code and never crashes or hangs. */
#include "check.h"
#include "core_helpers.h"

static void test_out_null(void) {
    CHECK_EQ_INT(cf_out_set(NULL, "x", 1), CF_EINVAL);
    CHECK(cf_out_alloc(NULL, 4) == NULL);
    cf_out_error(NULL, 1, "ignored");
}

static void task_bad_set(const void *a, size_t l, cf_out *out) {
    /* NULL data with a length is rejected; the task then returns empty */
    if (cf_out_set(out, NULL, 5) != CF_EINVAL)
        cf_out_error(out, 1, "cf_out_set accepted NULL data");
}

static void test_task_misuse(void) {
    cf_executor *ex = pool(1);
    cf_future *f;
    CHECK_EQ_INT(cf_submit(ex, task_bad_set, NULL, 0, &f), 0);
    size_t l = 1;
    CHECK_EQ_INT(cf_future_result(f, CF_FOREVER, NULL, &l), 0);
    CHECK_EQ_INT(l, 0);
    cf_future_release(f);
    cf_executor_free(ex);
}

static void test_pool_options(void) {
    cf_executor *ex = (cf_executor *)1;
    cf_executor_opts o = {.max_workers = -1};
    CHECK_EQ_INT(cf_thread_pool_new(&o, &ex), CF_EINVAL);
    CHECK(ex == NULL);
    o = (cf_executor_opts){.max_tasks_per_child = 1};
    CHECK_EQ_INT(cf_thread_pool_new(&o, &ex), CF_EINVAL);
    CHECK_EQ_INT(cf_thread_pool_new(&o, NULL), CF_EINVAL);
}

static void test_after_shutdown(void) {
    cf_executor *ex = pool(2);
    cf_executor_shutdown(ex, false, false);
    cf_future *f = (cf_future *)1;
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &f), CF_ESHUTDOWN);
    CHECK(f == NULL);
    cf_map_iter *it = (cf_map_iter *)1;
    int x = 1;
    const void *a = &x;
    size_t l = sizeof x;
    CHECK_EQ_INT(cf_map_array(ex, task_square, &a, &l, 1, NULL, &it), CF_ESHUTDOWN);
    CHECK(it == NULL);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, true), 0);
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &f), CF_ESHUTDOWN);
    cf_executor_free(ex);
}

static void test_map_opts(void) {
    cf_executor *ex = pool(1);
    int x = 1;
    const void *a = &x;
    size_t l = sizeof x;
    cf_map_iter *it;
    cf_map_opts o = {.chunksize = -3};
    CHECK_EQ_INT(cf_map_array(ex, task_square, &a, &l, 1, &o, &it), CF_EINVAL);
    o = (cf_map_opts){.buffersize = -3};
    CHECK_EQ_INT(cf_map_array(ex, task_square, &a, &l, 1, &o, &it), CF_EINVAL);
    const void *nullarg = NULL;
    CHECK_EQ_INT(cf_map_array(ex, task_square, &nullarg, &l, 1, NULL, &it), CF_EINVAL);
    cf_executor_free(ex);
}

static void test_wait_opts(void) {
    cf_future *f = cf_future_new();
    int bad[] = {0, 4, 100, -3};
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(cf_wait(&f, 1, CF_FOREVER, bad[i], NULL, NULL, NULL, NULL), CF_EINVAL);
    cf_future_release(f);
}

int main(void) {
    RUN(test_out_null);
    RUN(test_task_misuse);
    RUN(test_pool_options);
    RUN(test_after_shutdown);
    RUN(test_map_opts);
    RUN(test_wait_opts);
    return check_summary();
}
