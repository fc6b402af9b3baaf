/*
 * inject.h — a TEST-ONLY slowdown knob, to check that the performance gate
 * (.ci/perf-gate, docs/ci.md) catches a real regression.
 *
 *   CFB_INJECT_SLOWDOWN=F          every task run through the engine's task
 *                                  wrapper, after it returns, burns F x its
 *                                  own CPU time more (busy loop on the
 *                                  thread's CPU clock), then sleeps until F x
 *                                  its wall time has passed too (0 < F <= 10;
 *                                  0.10: a CPU-bound task costs 10% more CPU
 *                                  and wall, a sleeping one 10% more wall)
 *   CFB_INJECT_SLOWDOWN_MODES=M,…  only in these modes (default: every mode);
 *                                  e.g. "thread,process" leaves the seq
 *                                  reference alone, so speedup drops ~9%
 *   CFB_INJECT_SLOWDOWN_WORKLOADS=W,… only in these workloads (default: every
 *                                  one); e.g. "primes,loiter" leaves noop's
 *                                  microsecond tasks alone, where the knob's
 *                                  own clock reads would add far more than F
 *
 * Unset (the normal case) it costs one predictable branch per task. The
 * wrapper is used whenever the sweep measures (the default). Never set
 * these in a real measurement: results written with the knob on carry no
 * marker.
 */
#ifndef CFB_INJECT_H
#define CFB_INJECT_H

/* In a worker (thread, forked child, seq loop) as it starts: decide, for
 * the calling thread, whether its tasks are slowed (names borrowed). */
void cfb_inject_enter(const char *workload, const char *mode);

/* Around one task in the calling thread: begin returns a start time (0 when
 * the knob is off for this thread) and notes the thread's CPU clock; end
 * adds F x the task's CPU time and F x its wall time. */
double cfb_inject_begin(void);
void cfb_inject_end(double t0);

#endif
