/*
 * floors.h — the host's own floors (issue 15, item 6): a short calibration
 * at the start of `cfbench run` that says what this machine's cheapest
 * round trips cost, so that absolute figures in a results file can be read
 * against them ("a process-pool task is 0.8x this host's pipe round trip").
 *
 * Four floors, each the median of a few hundred timed iterations (after a
 * few unmeasured ones), the whole calibration well under 1 s:
 *   futex_wake      two threads ping-pong through a raw futex word
 *                   (FUTEX_WAIT / FUTEX_WAKE, private): one round trip = two
 *                   wake-ups, the floor of a thread pool's submit -> done
 *   pipe_rt         one byte there and back between two processes over two
 *                   pipes, the floor of a process pool's round trip
 *   fork_exit_wait  fork(), the child _exit(0)s, the parent reaps it: the
 *                   floor of starting a worker process
 *   http_loopback   one HTTP/1.1 GET (keep-alive) of /flags/br/metadata.json
 *                   to the embedded flag server (LOCAL, one thread) over
 *                   127.0.0.1, request written to answer read: the floor of
 *                   the flags workload's requests
 *
 * Cached per boot: the file (cfb_floors_cache_path) is keyed by
 * /proc/sys/kernel/random/boot_id and the CPU model; written atomically
 * (temp file + rename); a file that does not parse, is of another version,
 * boot or CPU, or holds a bad figure is ignored and replaced.
 *
 * TEST-ONLY knobs (environment): CFB_FLOORS_CACHE=PATH the cache file;
 * CFB_TEST_BOOT_ID=ID replaces the boot id read from /proc.
 *
 * Nothing here prints: results go back in return values and err buffers.
 */
#ifndef CFB_FLOORS_H
#define CFB_FLOORS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum { CFB_FLOOR_FUTEX, CFB_FLOOR_PIPE, CFB_FLOOR_FORK, CFB_FLOOR_HTTP, CFB_FLOOR_N };

/* The schema version of a floors object (and of the cache file). */
#define CFB_FLOORS_VERSION 1

typedef struct cfb_floor {
    double median_s; /* NAN: not measured (err says why) */
    double min_s, max_s;
    int iterations; /* timed iterations behind the median (0: none) */
    char err[160];  /* why it was not measured; "" otherwise */
} cfb_floor;

typedef struct cfb_floors {
    cfb_floor f[CFB_FLOOR_N];
    bool cached;          /* taken from the cache file, not measured now */
    double calibration_s; /* wall time of the calibration when it ran */
    char measured[32];    /* ISO 8601 UTC of the calibration */
    bool cache_written;   /* cfb_floors_get: the cache file was (re)written */
    char cache_note[256]; /* cfb_floors_get: why the cache was not used or written */
} cfb_floors;

/* JSON key, label and what one iteration is, of floor k (static strings). */
const char *cfb_floor_key(int k);
const char *cfb_floor_label(int k);
const char *cfb_floor_method(int k);

/* Run the calibration into out (every field set). iterations: timed
 * iterations per floor (0 = the default, 300; the fork floor takes at most
 * 200); each floor also stops at its time budget (0.2 s), so a slow host
 * gets fewer. Makes, and always cleans up before returning: one thread
 * (joined), one child process per pipe measurement and per fork iteration
 * (all reaped; one that outlives its deadline is killed with SIGKILL), one
 * flag server (stopped) and one TCP connection. Every wait has a deadline
 * (1 s per step), so it cannot hang. Returns how many floors were measured
 * (0..CFB_FLOOR_N); a floor that could not be measured has median NAN and
 * its err set. */
int cfb_floors_measure(cfb_floors *out, int iterations);

/* The floors for this run: with fresh false, the cache file's when it is
 * valid for this boot and CPU (out->cached true); else a new calibration,
 * written to the cache (out->cache_written; out->cache_note says why not,
 * or why an existing file was ignored). Returns as cfb_floors_measure (the
 * number of floors available). */
int cfb_floors_get(cfb_floors *out, bool fresh);

/* The schema's `host.floors` object (new reference): version, cached,
 * measured, calibration_s and per floor {median_s, min_s, max_s, unit,
 * iterations, method}; a floor not measured is {"median_s": null, "error"}. */
json_t *cfb_floors_json(const cfb_floors *f);

/* Parse a floors object (borrowed) into out: 0, or -1 when it is not one
 * of this version with every floor a positive finite median and at least
 * one iteration (what the cache needs). out->cached comes from j. */
int cfb_floors_from_json(const json_t *j, cfb_floors *out);

/* The cache file: $CFB_FLOORS_CACHE, else $XDG_CACHE_HOME/cfbench/floors.json,
 * else $HOME/.cache/cfbench/floors.json. 0, or -1 (no HOME: no cache). */
int cfb_floors_cache_path(char *buf, size_t len);

/* This boot's id ($CFB_TEST_BOOT_ID, else /proc/sys/kernel/random/boot_id)
 * and the CPU model (/proc/cpuinfo "model name", "" when unknown). */
void cfb_floors_boot_id(char *buf, size_t len);
void cfb_floors_cpu_model(char *buf, size_t len);

/* A one-line human summary ("futex wake-up 12.3 us, pipe round trip ...")
 * into buf, for the CLI's note. */
void cfb_floors_summary(const cfb_floors *f, char *buf, size_t len);

#endif
