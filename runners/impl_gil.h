/*
 * impl_gil.h — the "c+gil" implementation (runners/impl_gil.c) and the
 * switch interval the CLI sets for it (`cfbench run --gil --switch-interval S`).
 */
#ifndef CFB_IMPL_GIL_H
#define CFB_IMPL_GIL_H

#include "modes.h"

extern const cfb_impl cfb_impl_gil;

/* Set the switch interval in seconds (1e-6 .. 10) for later repetitions;
 * call before the sweep. 0 or CF_EINVAL. Default 0.005 (CPython's). */
int cfb_gil_set_interval(double s);
double cfb_gil_interval(void);

#endif
