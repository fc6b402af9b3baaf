/*
 * gil_check_bench — what cf_gil_check() costs in a CPU-bound loop.
 *
 * Trial division of two of the book's large primes, three ways, interleaved and
 * repeated: a copy of the primes workload's loop with no check point at all;
 * the workload's cfb_is_prime (cf_gil_check() every 1024 divisors) with the
 * GIL off; the same with the GIL on (held, uncontended). Prints the
 * median wall time of each and the ratios to "no check". Built, not run by
 * `make test`:  build/bench/gil_check_bench [rounds]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <math.h>

#include "cf_gil.h"
#include "primes.h"

static const uint64_t numbers[] = {142702110479723ULL, 299593572317531ULL};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* workloads/primes.c's cfb_is_prime without its check point. */
__attribute__((noinline)) static int is_prime_plain(uint64_t n) {
    if (n < 2) return 0;
    if (n == 2) return 1;
    if (n % 2 == 0) return 0;
    uint64_t root = (uint64_t)sqrtl((long double)n);
    while (root * root > n)
        root--;
    while ((root + 1) * (root + 1) <= n)
        root++;
    for (uint64_t i = 3; i <= root; i += 2)
        if (n % i == 0) return 0;
    return 1;
}

/* The workload's own function: cf_gil_check() every 1024 divisors. */
static int is_prime_checked(uint64_t n) {
    return cfb_is_prime(n);
}

static double run(int (*fn)(uint64_t)) {
    double t0 = now_s();
    int found = 0;
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        found += fn(numbers[i]);
    double t = now_s() - t0;
    if (found != (int)(sizeof numbers / sizeof numbers[0])) fprintf(stderr, "wrong answer\n");
    return t;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    if (rounds < 1 || rounds > 1000) rounds = 7;
    double *plain = calloc((size_t)rounds, sizeof *plain);
    double *off = calloc((size_t)rounds, sizeof *off);
    double *on = calloc((size_t)rounds, sizeof *on);
    if (!plain || !off || !on) return 1;
    for (int r = 0; r < rounds; r++) {
        plain[r] = run(is_prime_plain);
        off[r] = run(is_prime_checked);
        cf_gil_enable(CF_GIL_DEFAULT_INTERVAL);
        cf_gil_acquire();
        on[r] = run(is_prime_checked);
        cf_gil_release();
        cf_gil_disable();
    }
    qsort(plain, (size_t)rounds, sizeof *plain, cmp);
    qsort(off, (size_t)rounds, sizeof *off, cmp);
    qsort(on, (size_t)rounds, sizeof *on, cmp);
    double p = plain[rounds / 2], f = off[rounds / 2], o = on[rounds / 2];
    printf("median of %d rounds (2 large primes by trial division)\n", rounds);
    printf("  no check point       %.4f s\n", p);
    printf("  check, GIL off       %.4f s  (%.3fx)\n", f, f / p);
    printf("  check, GIL on, held  %.4f s  (%.3fx)\n", o, o / p);
    free(plain);
    free(off);
    free(on);
    return 0;
}
