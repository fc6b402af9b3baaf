/*
 * workload.h — the internal side of the workload interface.
 *
 * The interface itself — parameters and their getters, the task list, the
 * async driver, the reference codec, cfb_workload, plugins — is public and
 * versioned: workloads/include/cfbench_workload.h (read it first; it is
 * what the built-in workloads and plugins are written against). This header
 * adds what only cfbench itself uses: making and copying params
 * (workloads/params.c), the registry's registration side
 * (workloads/registry.c) and the reference codec's host side
 * (workloads/refcodec.c).
 *
 * Workloads include only core (cfutures.h, cf_loop.h). They know nothing of
 * runners or results.
 */
#ifndef CFB_WORKLOAD_H
#define CFB_WORKLOAD_H

#include "cfbench_workload.h"

/* Runner side (workloads/params.c). */

/* New params for the given definitions (borrowed: must outlive p), every
 * value at its default. *out is owned by the caller (cfb_params_free).
 * 0; CF_ENOMEM; CF_EINVAL when a default does not validate (reason in err). */
int cfb_params_new(const cfb_param_def *defs, size_t ndefs, cfb_params **out, char *err,
                   size_t errlen);
void cfb_params_free(cfb_params *p); /* NULL is fine */
/* A deep copy (*out owned by the caller). 0 or CF_ENOMEM. */
int cfb_params_copy(const cfb_params *p, cfb_params **out);
/* Validate text for one definition without storing it. 0 or CF_EINVAL. */
int cfb_param_check(const cfb_param_def *d, const char *text, char *err, size_t errlen);

/* ---- the registry's host side (workloads/registry.c) ----------------------
 * The registry is built at run time: the built-ins on first use, then
 * plugins through cfb_workload_register (runners/plugin.c). Main thread
 * only, before any work (no lock: the sweep only reads it). */

/* Check w (a name of [a-z0-9_-], make_tasks and task set, params that make
 * a valid cfb_params with their defaults, sweep_defaults of declared
 * parameters that validate) and add it after the others. origin: NULL for a
 * built-in, else the plugin's path (borrowed: must outlive the registry).
 * 0; CF_EINVAL (validation, reason in err); CF_ESTATE (the name is taken:
 * "workload 'x' is already registered (built in|by PATH)"); CF_ENOMEM. */
int cfb_workload_register(const cfb_workload *w, const char *origin, char *err, size_t errlen);
/* Check w as above without registering it. */
int cfb_workload_validate(const cfb_workload *w, char *err, size_t errlen);
/* The plugin path w came from, or NULL for a built-in (or an unknown w). */
const char *cfb_workload_origin(const cfb_workload *w);

/* ---- the reference codec's host side (workloads/refcodec.c) --------------- */
/* A writer whose object is the opaque `obj` (a jansson json_t *, kept
 * opaque here so that workloads need not include jansson): cfb_refw_new
 * makes an empty one (NULL: out of memory); cfb_refw_finish returns the
 * object (a new reference owned by the caller) or NULL after an error, and
 * frees w. cfb_refv_of views a json_t * as a cfb_refv (borrowed). */
cfb_refw *cfb_refw_new(void);
void *cfb_refw_finish(cfb_refw *w);
const cfb_refv *cfb_refv_of(const void *json);

#endif
