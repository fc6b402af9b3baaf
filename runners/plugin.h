/*
 * plugin.h — loading plugin workloads: `cfbench run|list --plugin PATH`
 * and $CFBENCH_PLUGINS (a colon-separated list of paths).
 *
 * A plugin is a shared object written against the public interface
 * (workloads/include/cfbench_workload.h, CFB_PLUGIN). Loading one: the file
 * must exist and be a regular file; dlopen(RTLD_NOW | RTLD_LOCAL); dlsym
 * "cfb_plugin_abi" read and compared with CFB_WORKLOAD_ABI_VERSION before
 * any of the plugin's code is called; then "cfb_plugin_init" is called with
 * a host handle through which it registers its workloads (each validated,
 * a taken name refused: workloads/registry.c). Any failure is one line in
 * err naming the plugin ("PATH: plugin ABI 2, this cfbench has 1") and the
 * caller exits 2 before any work and before any results file. A plugin is
 * never unloaded (its workloads stay registered until exit); a path given
 * twice is loaded once.
 *
 * Threads: main thread only, before any work (the registry is not locked).
 * Memory: the table of loaded plugins is this file's; the JSON is the
 * caller's.
 */
#ifndef CFB_PLUGIN_H
#define CFB_PLUGIN_H

#include <stddef.h>

#include <jansson.h>

/* Load the plugin at path (a file path; one without '/' is taken in the
 * current directory, never looked up in the library path). 0, or -1 with
 * the one-line reason in err. */
int cfb_plugin_load(const char *path, char *err, size_t errlen);

/* Load every path of $CFBENCH_PLUGINS (colon-separated; empty items are
 * skipped). 0 (also when unset), or -1 at the first failure, reason in err. */
int cfb_plugins_load_env(char *err, size_t errlen);

/* How many plugins are loaded. */
size_t cfb_plugins_count(void);

/* The loaded plugins for the results' config: [{"path": real path,
 * "size": bytes, "mtime": seconds, "fnv1a64": content hash (hex),
 * "workloads": [names]}]; a new reference, NULL when none is loaded. */
json_t *cfb_plugins_json(void);

#endif
