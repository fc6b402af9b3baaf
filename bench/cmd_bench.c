/*
 * cmd_bench.c — the cmd workload's own cost per task against the host's
 * floors, in one run (issue 12, target: <= 1.2x a bare fork+exec+wait loop).
 *
 *   build/bench/cmd_bench [--rounds N (9)] [--tasks N (300)] [--cmd PATH (/bin/true)]
 *
 * Each round measures, in an order shuffled per round (fixed seed):
 *   F  fork + execve + waitpid of PATH, a bare loop in C;
 *   S  posix_spawn + waitpid of PATH, a bare loop in C (what cmd uses);
 *   C  the cmd workload's task function, one task at a time through a
 *      1-worker cfutures thread pool (submit, result): its argument
 *      decoding, spawn setup (signal defaults, /dev/null fds), wait, and
 *      the pool's round trip (well under a µs).
 * It prints µs per task per round, the medians, and C/F and C/S.
 *
 * Threads: the main thread, and the pool's one worker for C. No locks of
 * its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfutures.h"
#include "workload.h"

extern char **environ;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double bare_fork(const char *path, int n) {
    char *argv[] = {(char *)path, NULL};
    double t0 = now();
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            int fd = open("/dev/null", O_RDWR);
            dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
            execve(path, argv, environ);
            _exit(127);
        }
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    return (now() - t0) / n * 1e6;
}

int cfb_cmd_spawn(char *const argv[], pid_t *pid, int *out_fd); /* workloads/cmd.h */

static double bare_spawn(const char *path, int n) {
    char *argv[] = {(char *)path, NULL};
    double t0 = now();
    for (int i = 0; i < n; i++) {
        pid_t pid;
        if (cfb_cmd_spawn(argv, &pid, NULL)) return -1;
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    return (now() - t0) / n * 1e6;
}

static double through_cmd(cf_executor *ex, const cfb_workload *w, const cfb_task *t, int n) {
    double t0 = now();
    for (int i = 0; i < n; i++) {
        cf_future *f;
        if (cf_submit(ex, w->task, t->arg, t->len, &f)) return -1;
        int rc = cf_future_result(f, -1, NULL, NULL);
        cf_future_release(f);
        if (rc) return -1;
    }
    return (now() - t0) / n * 1e6;
}

static int cmpd(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int rounds = 9, tasks = 300;
    const char *path = "/bin/true";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--tasks") && i + 1 < argc)
            tasks = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--cmd") && i + 1 < argc)
            path = argv[++i];
        else {
            fprintf(stderr, "usage: cmd_bench [--rounds N] [--tasks N] [--cmd PATH]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > 1000 || tasks < 1 || path[0] != '/') {
        fprintf(stderr, "cmd_bench: --rounds 1..1000, --tasks >= 1, --cmd an absolute path\n");
        return 2;
    }
    const cfb_workload *w = cfb_workload_find("cmd");
    cfb_params *p = NULL;
    char err[256];
    cfb_tasklist tl = {0};
    if (!w || cfb_params_new(w->params, w->nparams, &p, err, sizeof err) ||
        cfb_params_set(p, "run", path, err, sizeof err) ||
        cfb_params_set(p, "tasks", "1", err, sizeof err) ||
        w->make_tasks(p, &tl, err, sizeof err)) {
        fprintf(stderr, "cmd_bench: %s\n", err);
        return 1;
    }
    cf_executor_opts o = {.max_workers = 1};
    cf_executor *ex = NULL;
    if (cf_thread_pool_new(&o, &ex)) return 1;
    double *F = calloc(rounds, sizeof *F), *S = calloc(rounds, sizeof *S),
           *C = calloc(rounds, sizeof *C);
    unsigned seed = 12345;
    printf("cmd_bench: %d rounds of %d runs of %s each, order shuffled per round\n", rounds, tasks,
           path);
    printf("round order   fork+exec+wait  posix_spawn+wait  cmd task (us per run)\n");
    for (int r = 0; r < rounds; r++) {
        char order[4] = "FSC";
        for (int k = 2; k > 0; k--) {
            seed = seed * 1103515245u + 12345u;
            int j = (int)((seed >> 16) % (unsigned)(k + 1));
            char t = order[k];
            order[k] = order[j];
            order[j] = t;
        }
        for (int k = 0; k < 3; k++) {
            if (order[k] == 'F') F[r] = bare_fork(path, tasks);
            if (order[k] == 'S') S[r] = bare_spawn(path, tasks);
            if (order[k] == 'C') C[r] = through_cmd(ex, w, &tl.tasks[0], tasks);
        }
        if (F[r] < 0 || S[r] < 0 || C[r] < 0) {
            fprintf(stderr, "cmd_bench: a run of %s failed\n", path);
            return 1;
        }
        printf("%5d %s   %14.1f  %16.1f  %10.1f\n", r + 1, order, F[r], S[r], C[r]);
    }
    qsort(F, rounds, sizeof *F, cmpd);
    qsort(S, rounds, sizeof *S, cmpd);
    qsort(C, rounds, sizeof *C, cmpd);
    double f = F[rounds / 2], s = S[rounds / 2], c = C[rounds / 2];
    printf("\nmedians: fork+exec+wait %.1f us, posix_spawn+wait %.1f us, cmd task %.1f us\n", f, s,
           c);
    printf("ratio cmd / fork+exec+wait: %.2fx (target <= 1.2x); cmd / posix_spawn+wait: %.2fx\n",
           c / f, c / s);
    cf_executor_free(ex);
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
    free(F), free(S), free(C);
    return 0;
}
