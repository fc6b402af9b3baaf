/* registry.c — every loaded workload, in listing order (workload.h).
 *
 * Built at run time: the built-ins below are registered on first use (the
 * listing order of `cfbench list` and the default sweep's order), then
 * plugins are added by the loader (runners/plugin.c) through
 * cfb_workload_register, each checked first. A name taken twice is refused.
 *
 * To add a built-in workload, define `const cfb_workload cfb_workload_<name>`
 * in its own file and add one X(<name>) line below.
 *
 * Threads: registration runs on the main thread before any work; the
 * built-ins are registered under pthread_once so a first lookup from any
 * thread is safe. After that the table is only read (no lock). The table
 * is a fixed array: entries are never removed, the structs are borrowed
 * (static storage of cfbench or of a plugin, never unloaded).
 */
#include <pthread.h>
#include <stdio.h>
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

#define CFB_REGISTRY_MAX 256

static const cfb_workload *all[CFB_REGISTRY_MAX + 1]; /* NULL-terminated */
static const char *origins[CFB_REGISTRY_MAX];
static size_t nall;
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

static int add(const cfb_workload *w, const char *origin, char *err, size_t errlen);

static void register_builtins(void) {
    char err[256];
#define CFB_ADD(n)                                                                                 \
    if (add(&cfb_workload_##n, NULL, err, sizeof err))                                             \
        fprintf(stderr, "cfbench: built-in workload refused: %s\n", err);
    CFB_WORKLOAD_LIST(CFB_ADD)
#undef CFB_ADD
}

static void builtins(void) {
    pthread_once(&builtins_once, register_builtins);
}

static bool good_name(const char *s) {
    if (!s || !*s || strlen(s) > 64) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return false;
    return true;
}

int cfb_workload_validate(const cfb_workload *w, char *err, size_t errlen) {
    if (!w) {
        snprintf(err, errlen, "a NULL workload");
        return CF_EINVAL;
    }
    if (!good_name(w->name)) {
        snprintf(err, errlen, "a workload without a valid name (want [a-z0-9_-]+, 1-64 chars)");
        return CF_EINVAL;
    }
    if (!w->make_tasks || !w->task) {
        snprintf(err, errlen, "workload '%s': no %s", w->name, !w->task ? "task" : "make_tasks");
        return CF_EINVAL;
    }
    if (w->nparams && !w->params) {
        snprintf(err, errlen, "workload '%s': nparams %zu but no params", w->name, w->nparams);
        return CF_EINVAL;
    }
    for (size_t i = 0; i < w->nparams; i++) {
        const cfb_param_def *d = &w->params[i];
        if (!d->name || !*d->name || !d->defval ||
            (d->type != CFB_P_INT && d->type != CFB_P_DOUBLE && d->type != CFB_P_STRING &&
             d->type != CFB_P_BOOL)) {
            snprintf(err, errlen, "workload '%s': param %zu has no name, default or type", w->name,
                     i);
            return CF_EINVAL;
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(w->params[j].name, d->name)) {
                snprintf(err, errlen, "workload '%s': param '%s' declared twice", w->name, d->name);
                return CF_EINVAL;
            }
    }
    cfb_params *p = NULL;
    char why[256] = "";
    int rc = cfb_params_new(w->params, w->nparams, &p, why, sizeof why);
    if (rc == CF_ENOMEM) {
        snprintf(err, errlen, "out of memory");
        return rc;
    }
    if (rc) {
        snprintf(err, errlen, "workload '%s': bad param default: %s", w->name, why);
        return CF_EINVAL;
    }
    for (size_t i = 0; w->sweep_defaults && w->sweep_defaults[i] && !rc; i++) {
        char kv[256];
        const char *s = w->sweep_defaults[i];
        const char *eq = strchr(s, '=');
        if (!eq || eq == s || (size_t)(eq - s) >= sizeof kv) {
            snprintf(err, errlen, "workload '%s': sweep default '%s' is not KEY=VALUE", w->name, s);
            rc = CF_EINVAL;
            break;
        }
        memcpy(kv, s, (size_t)(eq - s));
        kv[eq - s] = '\0';
        if (cfb_params_set(p, kv, eq + 1, why, sizeof why)) {
            snprintf(err, errlen, "workload '%s': sweep default: %s", w->name, why);
            rc = CF_EINVAL;
        }
    }
    cfb_params_free(p);
    if (!rc && w->reference && !w->reference->write_tasks) {
        snprintf(err, errlen, "workload '%s': a reference codec without write_tasks", w->name);
        rc = CF_EINVAL;
    }
    return rc;
}

static int add(const cfb_workload *w, const char *origin, char *err, size_t errlen) {
    int rc = cfb_workload_validate(w, err, errlen);
    if (rc) return rc;
    for (size_t i = 0; i < nall; i++)
        if (!strcmp(all[i]->name, w->name)) {
            if (origins[i])
                snprintf(err, errlen, "workload '%s' is already registered by %s", w->name,
                         origins[i]);
            else
                snprintf(err, errlen, "workload '%s' is already registered (built in)", w->name);
            return CF_ESTATE;
        }
    if (nall == CFB_REGISTRY_MAX) {
        snprintf(err, errlen, "more than %d workloads", CFB_REGISTRY_MAX);
        return CF_ENOMEM;
    }
    origins[nall] = origin;
    all[nall++] = w;
    all[nall] = NULL;
    return 0;
}

int cfb_workload_register(const cfb_workload *w, const char *origin, char *err, size_t errlen) {
    builtins();
    return add(w, origin, err, errlen);
}

const char *cfb_workload_origin(const cfb_workload *w) {
    builtins();
    for (size_t i = 0; i < nall; i++)
        if (all[i] == w) return origins[i];
    return NULL;
}

const cfb_workload *const *cfb_workloads_all(size_t *n) {
    builtins();
    if (n) *n = nall;
    return all;
}

const cfb_workload *cfb_workload_find(const char *name) {
    builtins();
    if (!name) return NULL;
    for (size_t i = 0; i < nall; i++)
        if (!strcmp(all[i]->name, name)) return all[i];
    return NULL;
}
