/* registry.c — every workload, in listing order.
 *
 * To add a workload, define `const cfb_workload cfb_workload_<name>` in its
 * own file and add one X(<name>) line below (listing order = default sweep
 * order). */
#include <string.h>

#include "workload.h"

#define CFB_WORKLOAD_LIST(X)                                                                       \
    X(primes)                                                                                      \
    X(loiter)                                                                                      \
    X(noop)                                                                                        \
    X(flags)                                                                                       \
    X(spinner)                                                                                     \
    X(cmd)

#define CFB_DECLARE(n) extern const cfb_workload cfb_workload_##n;
CFB_WORKLOAD_LIST(CFB_DECLARE)
#undef CFB_DECLARE

#define CFB_ENTRY(n) &cfb_workload_##n,
static const cfb_workload *const all[] = {CFB_WORKLOAD_LIST(CFB_ENTRY) NULL};
#undef CFB_ENTRY

const cfb_workload *const *cfb_workloads_all(size_t *n) {
    if (n) *n = sizeof all / sizeof all[0] - 1;
    return all;
}

const cfb_workload *cfb_workload_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; all[i]; i++)
        if (!strcmp(all[i]->name, name)) return all[i];
    return NULL;
}
