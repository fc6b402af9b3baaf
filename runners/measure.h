/*
 * measure.h — process-level counters around a repetition, and host facts.
 */
#ifndef CFB_MEASURE_H
#define CFB_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

/* getrusage(SELF) + getrusage(CHILDREN) at one instant. */
typedef struct cfb_usage {
    double user_s, sys_s;
    long max_rss_kb; /* largest of self and (reaped) children */
    long nvcsw, nivcsw;
} cfb_usage;

void cfb_usage_now(cfb_usage *u);

/* CPU instructions retired in user space by this process and every thread
 * and child it creates from now on (perf_event_open, inherit). An opaque
 * counter; cfb_instr_start() returns NULL where the kernel refuses (and
 * remembers, so later calls are cheap). cfb_instr_stop() reads and closes:
 * true with *count, or false (no count: record null). */
typedef struct cfb_instr cfb_instr;
cfb_instr *cfb_instr_start(void);
bool cfb_instr_stop(cfb_instr *c, uint64_t *count);

/* The schema's `host` object (new reference, owned by the caller). */
json_t *cfb_host_json(void);

/* ISO 8601 UTC of now ("2026-11-22T21:00:00Z") into buf (≥ 21 bytes). */
void cfb_iso_now(char *buf, size_t len);

#endif
