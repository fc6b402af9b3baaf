/*
 * inject.h — a TEST-ONLY slowdown knob, to check that the performance gate
 * (.ci/perf-gate, docs/ci.md) catches a real regression.
 *
 *   CFB_INJECT_SLOWDOWN=F          every task run through the engine's task
 *                                  wrapper busy-spins, after it returns, for
 *                                  F x its own duration (0 < F <= 10; 0.10
 *                                  makes each task ~10% slower, in wall and
 *                                  CPU time, and in instructions)
 *   CFB_INJECT_SLOWDOWN_MODES=M,…  only in these modes (default: every mode);
 *                                  e.g. "thread,process" leaves the seq
 *                                  reference alone, so speedup drops ~9%
 *
 * Unset (the normal case) it costs one predictable branch per task. The
 * wrapper is used whenever the sweep measures (the default). Never set
 * these in a real measurement: results written with the knob on carry no
 * marker.
 */
#ifndef CFB_INJECT_H
#define CFB_INJECT_H

/* In a worker (thread, forked child, seq loop) as it starts: decide, for
 * the calling thread, whether its tasks are slowed (mode borrowed). */
void cfb_inject_enter(const char *mode);

/* Around one task in the calling thread: begin returns a start time (0 when
 * the knob is off for this thread); end spins F x the elapsed time. */
double cfb_inject_begin(void);
void cfb_inject_end(double t0);

#endif
