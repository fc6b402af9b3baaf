/*
 * squares.c — a program of your own using the installed libcfutures (no
 * cfbench source needed): the same task function in a thread pool and in a
 * process pool; results in input order (cf_map_array) and in completion
 * order (cf_submit + cf_as_completed). Built against the installed package
 * by tests/install/test_install.sh, with pkg-config and with
 * find_package(cfutures) (CMakeLists.txt beside it).
 *
 *   cc squares.c $(pkg-config --cflags --libs cfutures) -o squares
 *   ./squares [N]        (N inputs, default 8; prints "sum N" last)
 *
 * Threads: main, plus the pools' workers (threads or forked processes).
 * Every future and iterator is freed before the pool that made it.
 * Exit 0 when every result is right, 1 otherwise, 2 for a bad N.
 */
#include <cfutures.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* bytes in (one long), bytes out (its square); runs in a thread or a child */
static void square(const void *arg, size_t len, cf_out *out) {
    long x;
    if (len != sizeof x) {
        cf_out_error(out, 1, "want %zu bytes, got %zu", sizeof x, len);
        return;
    }
    memcpy(&x, arg, sizeof x);
    long *r = cf_out_alloc(out, sizeof *r);
    if (r) *r = x * x;
}

/* map: results in input order; returns the sum, or -1 on an error */
static long sum_map(cf_executor *ex, const long *xs, size_t n) {
    const void *args[64];
    size_t lens[64];
    for (size_t i = 0; i < n; i++) {
        args[i] = &xs[i];
        lens[i] = sizeof xs[i];
    }
    cf_map_iter *it;
    int rc = cf_map_array(ex, square, args, lens, n, NULL, &it);
    if (rc) {
        fprintf(stderr, "squares: cf_map_array: %s\n", cf_strerror(rc));
        return -1;
    }
    long sum = 0;
    const void *data;
    size_t len;
    for (size_t i = 0; (rc = cf_map_next(it, &data, &len)) == 0; i++) {
        long r;
        memcpy(&r, data, sizeof r);
        if (r != xs[i] * xs[i]) sum = -1;
        if (sum >= 0) sum += r;
    }
    cf_map_free(it);
    if (rc != CF_EEOF) {
        fprintf(stderr, "squares: cf_map_next: %s\n", cf_strerror(rc));
        return -1;
    }
    return sum;
}

/* submit + as_completed: results in completion order */
static long sum_as_completed(cf_executor *ex, const long *xs, size_t n) {
    cf_future *fs[64];
    size_t made = 0;
    long sum = 0;
    for (; made < n; made++) {
        int rc = cf_submit(ex, square, &xs[made], sizeof xs[made], &fs[made]);
        if (rc) {
            fprintf(stderr, "squares: cf_submit: %s\n", cf_strerror(rc));
            sum = -1;
            break;
        }
    }
    cf_as_completed *ac;
    if (sum == 0 && cf_as_completed_new(fs, made, CF_FOREVER, &ac) == 0) {
        cf_future *f;
        while (cf_as_completed_next(ac, &f) == 0) {
            const void *v;
            size_t len;
            int rc = cf_future_result(f, 0, &v, &len);
            if (rc) {
                fprintf(stderr, "squares: a task failed: %s\n", cf_strerror(rc));
                sum = -1;
                break;
            }
            long r;
            memcpy(&r, v, sizeof r);
            sum += r;
        }
        cf_as_completed_free(ac);
    } else {
        sum = -1;
    }
    for (size_t i = 0; i < made; i++)
        cf_future_release(fs[i]);
    return sum;
}

int main(int argc, char **argv) {
    long n = 8;
    if (argc > 1) {
        char *end;
        n = strtol(argv[1], &end, 10);
        if (*end || n < 1 || n > 64) {
            fprintf(stderr, "usage: squares [N]   (N: 1..64)\n");
            return 2;
        }
    }
    long xs[64], want = 0;
    for (long i = 0; i < n; i++) {
        xs[i] = i + 1;
        want += xs[i] * xs[i];
    }
    int bad = 0;
    for (int kind = 0; kind < 2; kind++) {
        cf_executor *ex;
        cf_executor_opts opts = {.max_workers = 2};
        int rc = kind ? cf_process_pool_new(&opts, &ex) : cf_thread_pool_new(&opts, &ex);
        if (rc) {
            fprintf(stderr, "squares: pool: %s\n", cf_strerror(rc));
            return 1;
        }
        long a = sum_map(ex, xs, (size_t)n), b = sum_as_completed(ex, xs, (size_t)n);
        printf("%s pool: map %ld, as_completed %ld\n", cf_executor_kind(ex), a, b);
        bad |= a != want || b != want;
        cf_executor_free(ex); /* shutdown(wait) + free */
    }
    printf("sum %ld\n", want);
    return bad;
}
