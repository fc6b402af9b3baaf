/*
 * plugin.c — the plugin loader (plugin.h).
 *
 * Order of checks, each a one-line error naming the plugin: the file
 * (missing, not a regular file), dlopen (not a shared object, a missing
 * dependency: dlerror's text cut to one line), dlsym of cfb_plugin_abi (no
 * entry point), its value (another ABI), dlsym of cfb_plugin_init, then
 * init, whose register_workload calls go to the registry (validation, a
 * taken name). A plugin that registers nothing is refused too.
 *
 * Threads: main thread only, before any work; no locks. Memory: `loaded`
 * holds a strdup'd path per plugin and its handle, kept until exit (a
 * plugin is never dlclose'd: its workload structs are in the registry).
 */
#include "plugin.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workload.h"

#define CFB_PLUGINS_MAX 64

typedef struct plugin {
    char *path; /* as given (messages, `cfbench list`, registry origin) */
    char *real; /* realpath (config) */
    off_t size;
    long long mtime;
    uint64_t hash;
    const cfb_workload *w[64];
    size_t nw;
} plugin;

static plugin loaded[CFB_PLUGINS_MAX];
static size_t nloaded;

/* The host handle's context during one init call. */
typedef struct host_ctx {
    plugin *pl;
    char err[512]; /* the first failure */
} host_ctx;

static void one_line(char *s) {
    for (; *s; s++)
        if (*s == '\n' || *s == '\r') *s = ' ';
}

static int host_register(const cfb_plugin_host *h, const cfb_workload *w) {
    host_ctx *c = h->ctx;
    char why[400];
    if (c->err[0]) return CF_ESTATE; /* already failed: refuse the rest */
    if (c->pl->nw == sizeof c->pl->w / sizeof c->pl->w[0]) {
        snprintf(c->err, sizeof c->err, "more than %zu workloads", c->pl->nw);
        return CF_ENOMEM;
    }
    int rc = cfb_workload_register(w, c->pl->path, why, sizeof why);
    if (rc) {
        snprintf(c->err, sizeof c->err, "%s", why);
        return rc;
    }
    c->pl->w[c->pl->nw++] = w;
    return 0;
}

static void host_fail(const cfb_plugin_host *h, const char *fmt, ...) {
    host_ctx *c = h->ctx;
    if (c->err[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    one_line(c->err);
}

/* FNV-1a 64 of the file's bytes; 0 when it cannot be read. */
static uint64_t file_hash(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    uint64_t h = 1469598103934665603ULL;
    unsigned char buf[65536];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
        for (ssize_t i = 0; i < r; i++)
            h = (h ^ buf[i]) * 1099511628211ULL;
    close(fd);
    return h;
}

static int fail(char *err, size_t errlen, const char *path, const char *fmt, const char *a) {
    char msg[600];
    snprintf(msg, sizeof msg, fmt, a ? a : "");
    one_line(msg);
    snprintf(err, errlen, "%s: %s", path, msg);
    return -1;
}

int cfb_plugin_load(const char *path, char *err, size_t errlen) {
    if (!path || !*path) return fail(err, errlen, "''", "an empty path%s", NULL);
    char given[PATH_MAX];
    if (snprintf(given, sizeof given, "%s%s", strchr(path, '/') ? "" : "./", path) >=
        (int)sizeof given)
        return fail(err, errlen, path, "path too long%s", NULL);
    struct stat st;
    if (stat(given, &st)) return fail(err, errlen, path, "%s", strerror(errno));
    if (!S_ISREG(st.st_mode)) return fail(err, errlen, path, "not a regular file%s", NULL);
    char real[PATH_MAX];
    if (!realpath(given, real)) return fail(err, errlen, path, "%s", strerror(errno));
    for (size_t i = 0; i < nloaded; i++)
        if (!strcmp(loaded[i].real, real)) return 0; /* the same file twice: once */
    if (nloaded == CFB_PLUGINS_MAX) return fail(err, errlen, path, "more than 64 plugins%s", NULL);

    dlerror();
    void *h = dlopen(given, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        char msg[600];
        snprintf(msg, sizeof msg, "%s", e ? e : "dlopen failed");
        /* dlerror often starts with the path itself: say it once */
        const char *m = msg;
        size_t gl = strlen(given);
        if (!strncmp(m, given, gl) && m[gl] == ':') m += gl + 1 + (m[gl + 1] == ' ');
        return fail(err, errlen, path, "cannot load: %s", m);
    }
    dlerror();
    const int *abi = dlsym(h, CFB_PLUGIN_ABI_SYMBOL);
    if (!abi) {
        dlclose(h);
        return fail(err, errlen, path,
                    "not a cfbench plugin (no " CFB_PLUGIN_ABI_SYMBOL
                    " symbol: define the entry point with CFB_PLUGIN)%s",
                    NULL);
    }
    if (*abi != CFB_WORKLOAD_ABI_VERSION) {
        char msg[128];
        snprintf(msg, sizeof msg, "plugin ABI %d, this cfbench has %d", *abi,
                 CFB_WORKLOAD_ABI_VERSION);
        dlclose(h);
        return fail(err, errlen, path, "%s", msg);
    }
    cfb_plugin_init_fn init;
    *(void **)&init = dlsym(h, CFB_PLUGIN_INIT_SYMBOL);
    if (!init) {
        dlclose(h);
        return fail(err, errlen, path,
                    "not a cfbench plugin (no " CFB_PLUGIN_INIT_SYMBOL " function)%s", NULL);
    }
    plugin *pl = &loaded[nloaded];
    memset(pl, 0, sizeof *pl);
    pl->path = strdup(path);
    pl->real = strdup(real);
    if (!pl->path || !pl->real) {
        free(pl->path);
        free(pl->real);
        return fail(err, errlen, path, "out of memory%s", NULL);
    }
    pl->size = st.st_size;
    pl->mtime = (long long)st.st_mtime;
    pl->hash = file_hash(real);
    host_ctx ctx = {.pl = pl};
    cfb_plugin_host host = {.abi = CFB_WORKLOAD_ABI_VERSION,
                            .ctx = &ctx,
                            .register_workload = host_register,
                            .fail = host_fail};
    int rc = init(&host);
    nloaded++; /* kept even on failure: the registry may name pl->path */
    if (ctx.err[0]) return fail(err, errlen, path, "%s", ctx.err);
    if (rc) {
        char msg[64];
        snprintf(msg, sizeof msg, "its init failed (%d)", rc);
        return fail(err, errlen, path, "%s", msg);
    }
    if (!pl->nw) return fail(err, errlen, path, "registers no workload%s", NULL);
    return 0;
}

int cfb_plugins_load_env(char *err, size_t errlen) {
    const char *env = getenv("CFBENCH_PLUGINS");
    if (!env || !*env) return 0;
    char *copy = strdup(env);
    if (!copy) {
        snprintf(err, errlen, "CFBENCH_PLUGINS: out of memory");
        return -1;
    }
    int rc = 0;
    char *save = NULL;
    for (char *p = strtok_r(copy, ":", &save); p && !rc; p = strtok_r(NULL, ":", &save))
        rc = cfb_plugin_load(p, err, errlen);
    free(copy);
    return rc;
}

size_t cfb_plugins_count(void) {
    return nloaded;
}

json_t *cfb_plugins_json(void) {
    if (!nloaded) return NULL;
    json_t *a = json_array();
    for (size_t i = 0; a && i < nloaded; i++) {
        char hex[17];
        snprintf(hex, sizeof hex, "%016" PRIx64, loaded[i].hash);
        json_t *names = json_array();
        for (size_t j = 0; j < loaded[i].nw; j++)
            json_array_append_new(names, json_string(loaded[i].w[j]->name));
        json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:s, s:o}", "path", loaded[i].real,
                                           "size", (json_int_t)loaded[i].size, "mtime",
                                           (json_int_t)loaded[i].mtime, "fnv1a64", hex, "workloads",
                                           names));
    }
    return a;
}
