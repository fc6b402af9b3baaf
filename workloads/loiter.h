/* loiter.h — the loiter workload's argument format (for `cfbench loiter`). */
#ifndef CFB_LOITER_H
#define CFB_LOITER_H

#include <stdint.h>

#include "workload.h"

typedef struct cfb_loiter_arg {
    int64_t index;  /* i: the value is i * 10 */
    double seconds; /* how long the task sleeps */
} cfb_loiter_arg;

/* Sleep s seconds on the monotonic clock, resuming after signals. */
void cfb_sleep_s(double s);

extern const cfb_workload cfb_workload_loiter;

#endif
