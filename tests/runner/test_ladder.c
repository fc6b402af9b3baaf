/* test_ladder.c — the default worker ladders by workload kind
 * (cfb_worker_ladder, runners/sweep.h; issue 16). Pure function: no
 * threads, no timing. */
#include "check.h"
#include "sweep.h"

static int eq(const int *got, size_t n, const int *want, size_t nw) {
    if (n != nw) return 0;
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i]) return 0;
    return 1;
}

#define LADDER(bound, inflight, ncpu, ntasks, ...)                                                 \
    do {                                                                                           \
        int got_[64], want_[] = {__VA_ARGS__};                                                     \
        size_t n_ = cfb_worker_ladder(bound, inflight, ncpu, ntasks, got_, 64);                    \
        int ok_ = eq(got_, n_, want_, sizeof want_ / sizeof want_[0]);                             \
        if (!ok_) {                                                                                \
            fprintf(stderr, "ladder(%d,%d,%d,%ld):", (int)(bound), (int)(inflight), ncpu,          \
                    (long)(ntasks));                                                               \
            for (size_t i_ = 0; i_ < n_; i_++)                                                     \
                fprintf(stderr, " %d", got_[i_]);                                                  \
            fprintf(stderr, "\n");                                                                 \
        }                                                                                          \
        CHECK(ok_);                                                                                \
    } while (0)

static void cpu_bound(void) {
    /* powers of two up to 2 x ncpu, with ncpu and 2 x ncpu; the mode does not matter */
    LADDER(CFB_BOUND_CPU, false, 1, -1, 1, 2);
    LADDER(CFB_BOUND_CPU, false, 2, -1, 1, 2, 4);
    LADDER(CFB_BOUND_CPU, true, 2, 20, 1, 2, 4);
    LADDER(CFB_BOUND_CPU, false, 3, -1, 1, 2, 3, 4, 6);
    LADDER(CFB_BOUND_CPU, false, 4, -1, 1, 2, 4, 8);
    LADDER(CFB_BOUND_CPU, false, 6, -1, 1, 2, 4, 6, 8, 12);
    LADDER(CFB_BOUND_CPU, false, 0, -1, 1, 2); /* unknown CPUs count as 1 */
}

static void io_bound(void) {
    LADDER(CFB_BOUND_IO, false, 2, 20, 1, 2, 4, 8, 16, 32, 64);
    LADDER(CFB_BOUND_IO, false, 64, 5, 1, 2, 4, 8, 16, 32, 64); /* not capped by tasks */
    /* async: up to the task count, the count itself included */
    LADDER(CFB_BOUND_IO, true, 2, 20, 1, 2, 4, 8, 16, 20);
    LADDER(CFB_BOUND_IO, true, 2, 16, 1, 2, 4, 8, 16);
    LADDER(CFB_BOUND_IO, true, 2, 1, 1);
    LADDER(CFB_BOUND_IO, true, 2, 3, 1, 2, 3);
    LADDER(CFB_BOUND_IO, true, 2, -1, 1, 2, 4, 8, 16, 32, 64); /* count unknown */
    LADDER(CFB_BOUND_IO, true, 2, 5000, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024);
}

static void capacity(void) {
    int out[3] = {0, 0, 0};
    CHECK_EQ_INT(cfb_worker_ladder(CFB_BOUND_IO, false, 2, 20, out, 3), 3);
    CHECK(out[0] == 1 && out[1] == 2 && out[2] == 4);
    CHECK_EQ_INT(cfb_worker_ladder(CFB_BOUND_IO, false, 2, 20, out, 0), 0);
}

int main(void) {
    RUN(cpu_bound);
    RUN(io_bound);
    RUN(capacity);
    return check_summary();
}
