/*
 * impl_gil.h — the "c+gil" implementation (runners/impl_gil.c). Its switch
 * interval is a plan setting (cfbench.h: cfb_plan_set_gil_interval, the
 * CLI's --switch-interval S); the engine hands it over below when a run
 * starts.
 */
#ifndef CFB_IMPL_GIL_H
#define CFB_IMPL_GIL_H

#include "modes.h"

extern const cfb_impl cfb_impl_gil;

/* For the engine only (sweep.c, at the start of every run, from the
 * plan): the switch interval in seconds (1e-6 .. 10) the repetitions of
 * this run use. 0 or CF_EINVAL. The emulated GIL is one lock per process
 * (core/include/cf_gil.h), so its interval is process state while a run
 * lasts; runs do not overlap (cfbench.h). */
int cfb_gil_use_interval(double s);

#endif
