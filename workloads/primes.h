/* primes.h — the primes workload's value format and helpers (for the
 * `cfbench primes` command and tests). */
#ifndef CFB_PRIMES_H
#define CFB_PRIMES_H

#include <stdbool.h>
#include <stdint.h>

#include "workload.h"

/* A primes task's value. */
typedef struct cfb_primes_result {
    uint64_t n;
    uint8_t prime; /* 1 = prime */
    uint8_t pad[7];
} cfb_primes_result;

/* Decode a task value into *r. 0, or -1 when it is not a primes value. */
int cfb_primes_decode(const void *res, size_t len, cfb_primes_result *r);

/* Trial division by odd numbers up to isqrt(n), as the book. */
bool cfb_is_prime(uint64_t n);
/* Deterministic Miller-Rabin for 64-bit n (the independent check). */
bool cfb_is_prime_mr(uint64_t n);

extern const cfb_workload cfb_workload_primes;

#endif
