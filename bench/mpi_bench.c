/*
 * mpi_bench.c — the MPI executor's own costs, for bench/mpi_bench.py, which
 * runs this under `mpirun -np 3` and mpi4py.futures' MPIPoolExecutor on the
 * same ranks, and prints the ratios (issue 13 targets).
 *
 *   mpirun -np 3 --oversubscribe build/mpi/mpi_bench [--tasks N] [--trips N] [--reps N]
 *
 * Prints one JSON object on stdout (rank 0):
 *   empty_tps      empty tasks per second: N submits, then every result
 *   round_trip_s   submit one empty task and wait for it, median over trips
 *   primes_seq_s / primes_mpi_s / primes_process_s: the book's 20-number
 *                  primes fixture sequentially on rank 0, on 2 worker ranks
 *                  (MPI executor), on a 2-process pool (rank 0 forks)
 *   efficiency_mpi, efficiency_process: seq / (2 × parallel); and their ratio
 *   floor_mpi_pingpong_s  this job's transport floor: a blocking 1-byte
 *                  MPI_Send/MPI_Recv round trip rank 0 <-> rank 1 on
 *                  MPI_COMM_WORLD, before the executor starts (Open MPI's
 *                  blocking calls poll, so this is the fastest it allows)
 *   floor_thread_pingpong_s  a mutex + condition-variable round trip
 *                  between two threads of rank 0 (the executor's round trip
 *                  has one: caller -> progress thread -> caller)
 *   floor_sum_s    the two added: what a round trip through the executor
 *                  cannot go below on this host without busy-waiting
 * Each figure is the median of --reps runs (default 5).
 */
#include <math.h>
#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cf_mpi.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmpd(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmpd);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void empty_task(const void *arg, size_t len, cf_out *out) {
    (void)arg, (void)len, (void)out;
}

static bool is_prime(uint64_t n) {
    if (n < 2) return false;
    if (n == 2) return true;
    if (n % 2 == 0) return false;
    uint64_t root = (uint64_t)floor(sqrt((double)n));
    for (uint64_t i = 3; i <= root; i += 2)
        if (n % i == 0) return false;
    return true;
}

static void prime_task(const void *arg, size_t len, cf_out *out) {
    uint64_t n;
    memcpy(&n, arg, sizeof n);
    (void)len;
    uint8_t r = is_prime(n);
    cf_out_set(out, &r, 1);
}

/* The book's fixture (Fluent Python, chapter 20 / 19). */
static const uint64_t NUMBERS[] = {
    2ULL,
    142702110479723ULL,
    299593572317531ULL,
    3333333333333301ULL,
    3333333333333333ULL,
    3333335652092209ULL,
    4444444444444423ULL,
    4444444444444444ULL,
    4444444488888889ULL,
    5555553133149889ULL,
    5555555555555503ULL,
    5555555555555555ULL,
    6666666666666666ULL,
    6666666666666719ULL,
    6666667141414921ULL,
    7777777536340681ULL,
    7777777777777753ULL,
    7777777777777777ULL,
    9999999999999917ULL,
    9999999999999999ULL,
};
#define NNUM (sizeof NUMBERS / sizeof NUMBERS[0])

static double run_all(cf_executor *ex, cf_task_fn fn, size_t n, bool primes) {
    cf_future **fs = malloc(n * sizeof *fs);
    double t0 = now();
    for (size_t i = 0; i < n; i++)
        if (cf_submit(ex, fn, primes ? &NUMBERS[i] : NULL, primes ? 8 : 0, &fs[i])) abort();
    for (size_t i = 0; i < n; i++) {
        if (cf_future_result(fs[i], CF_FOREVER, NULL, NULL)) abort();
        cf_future_release(fs[i]);
    }
    double t = now() - t0;
    free(fs);
    return t;
}

/* ---- host floors (same job, before the executor) ------------------------------------- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int turn; /* 0: main's turn, 1: the echo thread's; -1 stop */
} PP = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};

static void *echo_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&PP.mu);
    for (;;) {
        while (PP.turn == 0)
            pthread_cond_wait(&PP.cv, &PP.mu);
        if (PP.turn < 0) break;
        PP.turn = 0;
        pthread_cond_broadcast(&PP.cv);
    }
    pthread_mutex_unlock(&PP.mu);
    return NULL;
}

/* Median round trip between two threads handing a turn back and forth. */
static double thread_pingpong(int trips, int reps) {
    pthread_t t;
    if (pthread_create(&t, NULL, echo_main, NULL)) abort();
    double *one = malloc((size_t)trips * sizeof *one), *med = malloc((size_t)reps * sizeof *med);
    for (int r = 0; r < reps; r++) {
        for (int k = 0; k < trips; k++) {
            double t0 = now();
            pthread_mutex_lock(&PP.mu);
            PP.turn = 1;
            pthread_cond_broadcast(&PP.cv);
            while (PP.turn == 1)
                pthread_cond_wait(&PP.cv, &PP.mu);
            pthread_mutex_unlock(&PP.mu);
            one[k] = now() - t0;
        }
        med[r] = median(one, trips);
    }
    pthread_mutex_lock(&PP.mu);
    PP.turn = -1;
    pthread_cond_broadcast(&PP.cv);
    pthread_mutex_unlock(&PP.mu);
    pthread_join(t, NULL);
    double m = median(med, reps);
    free(one), free(med);
    return m;
}

/* Median blocking 1-byte round trip rank 0 <-> rank 1 (rank 0's figure;
 * other ranks return 0). Every rank must call it. */
static double mpi_pingpong(int rank, int trips, int reps) {
    char b = 0;
    double m = 0;
    if (rank == 0) {
        double *one = malloc((size_t)trips * sizeof *one),
               *med = malloc((size_t)reps * sizeof *med);
        for (int r = 0; r < reps; r++) {
            for (int k = 0; k < trips; k++) {
                double t0 = now();
                MPI_Send(&b, 1, MPI_CHAR, 1, 7, MPI_COMM_WORLD);
                MPI_Recv(&b, 1, MPI_CHAR, 1, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                one[k] = now() - t0;
            }
            med[r] = median(one, trips);
        }
        m = median(med, reps);
        free(one), free(med);
    } else if (rank == 1) {
        for (long k = 0; k < (long)trips * reps; k++) {
            MPI_Recv(&b, 1, MPI_CHAR, 0, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(&b, 1, MPI_CHAR, 0, 7, MPI_COMM_WORLD);
        }
    }
    MPI_Barrier(MPI_COMM_WORLD);
    return m;
}

int main(int argc, char **argv) {
    cf_mpi_register_task("empty", empty_task);
    cf_mpi_register_task("prime", prime_task);
    int rank;
    if (cf_mpi_init(&argc, &argv, &rank)) return 1;
    int tasks = 100000, trips = 2000, reps = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--tasks")) tasks = atoi(argv[i + 1]);
        if (!strcmp(argv[i], "--trips")) trips = atoi(argv[i + 1]);
        if (!strcmp(argv[i], "--reps")) reps = atoi(argv[i + 1]);
    }
    if (tasks < 1 || trips < 1 || reps < 1 || reps > 100 || cf_mpi_world_size() < 3) {
        if (rank == 0)
            fprintf(stderr, "usage: mpirun -np 3 mpi_bench [--tasks N] [--trips N] [--reps N]\n");
        cf_mpi_finalize();
        return 2;
    }
    /* Every rank takes part in the transport floor before rank 0 starts the
     * executor and ranks 1..N-1 start serving it. */
    double floor_mpi = mpi_pingpong(rank, trips, reps);
    if (rank > 0) return cf_mpi_serve() ? 1 : 0;
    double floor_thr = thread_pingpong(trips, reps);
    double tps[100], rt[100], seq[100], mp[100], pp[100];
    cf_executor *ex;
    if (cf_mpi_executor_new(NULL, &ex)) return 1;
    run_all(ex, empty_task, 1000, false); /* warm-up */
    for (int r = 0; r < reps; r++)
        tps[r] = tasks / run_all(ex, empty_task, (size_t)tasks, false);
    double *one = malloc((size_t)trips * sizeof *one);
    for (int r = 0; r < reps; r++) {
        for (int k = 0; k < trips; k++) {
            double t0 = now();
            cf_future *f;
            if (cf_submit(ex, empty_task, NULL, 0, &f)) abort();
            cf_future_result(f, CF_FOREVER, NULL, NULL);
            cf_future_release(f);
            one[k] = now() - t0;
        }
        rt[r] = median(one, trips);
    }
    free(one);
    cf_executor_free(ex);
    cf_mpi_opts two = {.max_workers = 2};
    cf_executor_opts ptwo = {.max_workers = 2};
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        for (size_t i = 0; i < NNUM; i++)
            (void)is_prime(NUMBERS[i]);
        seq[r] = now() - t0;
        if (cf_mpi_executor_new(&two, &ex)) return 1;
        mp[r] = run_all(ex, prime_task, NNUM, true);
        cf_executor_free(ex);
        t0 = now();
        if (cf_process_pool_new(&ptwo, &ex)) return 1;
        run_all(ex, prime_task, NNUM, true);
        cf_executor_free(ex);
        pp[r] = now() - t0; /* like a Python `with ProcessPoolExecutor()`: start-up counted */
    }
    double s = median(seq, reps), m = median(mp, reps), p = median(pp, reps);
    printf("{\"empty_tps\": %.1f, \"round_trip_s\": %.9f, \"primes_seq_s\": %.6f, "
           "\"primes_mpi_s\": %.6f, \"primes_process_s\": %.6f, \"efficiency_mpi\": %.4f, "
           "\"efficiency_process\": %.4f, \"efficiency_ratio\": %.4f, \"tasks\": %d, "
           "\"trips\": %d, \"reps\": %d, \"floor_mpi_pingpong_s\": %.9f, "
           "\"floor_thread_pingpong_s\": %.9f, \"floor_sum_s\": %.9f}\n",
           median(tps, reps), median(rt, reps), s, m, p, s / (2 * m), s / (2 * p), p / m, tasks,
           trips, reps, floor_mpi, floor_thr, floor_mpi + floor_thr);
    fflush(stdout);
    return cf_mpi_finalize() ? 1 : 0;
}
