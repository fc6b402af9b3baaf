/*
 * test_spin_measure.c — the spinner's pieces that the commands and the
 * workload share (workloads/spinner.h): the responsiveness measure, the
 * counting event between threads and between forked processes, the work
 * names, and the spinner workload's metric hook on its values.
 *
 * Deterministic: the event tests post before they wait, or wait with a
 * short timeout for a post that never comes (the only timing is "at least
 * that long"), and the fork test orders the child's post before the
 * parent's wait with waitpid.
 */
#include <string.h>
#include <math.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cf_loop.h"
#include "check.h"
#include "spinner.h"

static void test_measure(void) {
    size_t in;
    double gap;
    cfb_spin_measure(NULL, 0, 1.0, 4.0, &in, &gap); /* never drew: the whole computation */
    CHECK_EQ_INT(in, 0);
    CHECK(fabs(gap - 3.0) < 1e-12);
    double t[] = {0.5, 1.0, 1.1, 1.2, 1.6, 1.7, 5.0}; /* 0.5, 1.0 (= t0), 5.0 are outside */
    cfb_spin_measure(t, 7, 1.0, 2.0, &in, &gap);
    CHECK_EQ_INT(in, 4);
    CHECK(fabs(gap - 0.4) < 1e-12); /* 1.2 -> 1.6 */
    double u[] = {1.05, 1.95};
    cfb_spin_measure(u, 2, 1.0, 2.0, &in, &gap);
    CHECK_EQ_INT(in, 2);
    CHECK(fabs(gap - 0.9) < 1e-12);
    double v[] = {1.5};
    cfb_spin_measure(v, 1, 1.0, 3.0, &in, &gap); /* the last stretch counts: 1.5 -> t1 */
    CHECK(fabs(gap - 1.5) < 1e-12);
}

static void test_event_counts(void) {
    cfb_spin_event e;
    CHECK_EQ_INT(cfb_spin_event_init(&e), 0);
    double t0 = cf_loop_now();
    CHECK(!cfb_spin_event_wait(&e, 0.02)); /* nothing posted: times out */
    CHECK(cf_loop_now() - t0 >= 0.02 - 1e-4);
    cfb_spin_event_post(&e);
    cfb_spin_event_post(&e);
    CHECK(cfb_spin_event_wait(&e, 10)); /* each post consumed by one wait */
    CHECK(cfb_spin_event_wait(&e, 10));
    CHECK(!cfb_spin_event_wait(&e, 0));
    cfb_spin_event_destroy(&e);
}

static void test_event_across_fork(void) {
    struct shm {
        cfb_spin_event e;
        double value;
    } *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(s != MAP_FAILED);
    if (s == MAP_FAILED) return;
    CHECK_EQ_INT(cfb_spin_event_init(&s->e), 0);
    pid_t pid = fork();
    if (pid == 0) {
        s->value = 42.5; /* written before the post: visible after the wait */
        cfb_spin_event_post(&s->e);
        _exit(0);
    }
    CHECK(pid > 0);
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(cfb_spin_event_wait(&s->e, 10));
    CHECK(s->value == 42.5);
    CHECK(!cfb_spin_event_wait(&s->e, 0));
    cfb_spin_event_destroy(&s->e);
    munmap(s, sizeof *s);
}

static void test_names_and_metric(void) {
    cfb_spin_work w;
    CHECK(cfb_spin_work_parse("sleep", &w) == 0 && w == CFB_SPIN_SLEEP);
    CHECK(cfb_spin_work_parse("block", &w) == 0 && w == CFB_SPIN_BLOCK);
    CHECK(cfb_spin_work_parse("cpu", &w) == 0 && w == CFB_SPIN_CPU);
    CHECK(cfb_spin_work_parse("gil", &w) != 0);
    CHECK_EQ_STR(cfb_spin_work_name(CFB_SPIN_CPU), "cpu");
    const cfb_workload *sw = cfb_workload_find("spinner");
    CHECK(sw == &cfb_workload_spinner);
    CHECK(sw->opt_in && sw->metric && sw->async);
    CHECK_EQ_STR(sw->metric_name, "largest_gap_s");
    cfb_spin_value v = {.kind = CFB_SPIN_VALUE_SPINNER, .ticks = 3, .gap_s = 0.25, .window_s = 1};
    CHECK(sw->metric(&v, sizeof v) == 0.25);
    v.kind = CFB_SPIN_VALUE_COMPUTE; /* the computation carries no metric */
    CHECK(isnan(sw->metric(&v, sizeof v)));
    CHECK(isnan(sw->metric(&v, 3)));
    size_t n;
    const cfb_workload *const *all = cfb_workloads_all(&n);
    for (size_t i = 0; i < n; i++) { /* only the spinner has one */
        if (all[i] != sw) CHECK(!all[i]->metric);
        /* opt-in: the spinner, and cmd (no default command) */
        CHECK(all[i]->opt_in == (all[i] == sw || !strcmp(all[i]->name, "cmd")));
    }
}

int main(void) {
    RUN(test_measure);
    RUN(test_event_counts);
    RUN(test_event_across_fork);
    RUN(test_names_and_metric);
    return check_summary();
}
