/*
 * primes.c — the CPU-bound workload: trial-division primality, as
 * Fluent Python's is_prime (odd divisors up to isqrt(n)).
 *
 * Task argument: the number (uint64, host order). Value: cfb_primes_result
 * (the number and the verdict), so a reader can print it without the input.
 * Every value is checked: against the book's answers for the fixture, and
 * for any number against an independent deterministic Miller-Rabin test.
 */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_gil.h"
#include "primes.h"

typedef struct known {
    uint64_t n;
    bool prime;
} known;

/* The book's PRIME_FIXTURE: 9 primes, 6 easy composites, 5 squares of primes. */
static const known fixture[] = {
    {2, true},
    {142702110479723, true},
    {299593572317531, true},
    {3333333333333301, true},
    {3333333333333333, false},
    {3333335652092209, false}, /* 57735174^2-ish: square of a prime */
    {4444444444444423, true},
    {4444444444444444, false},
    {4444444488888889, false}, /* square of 66666667 */
    {5555553133149889, false}, /* square of a prime */
    {5555555555555503, true},
    {5555555555555555, false},
    {6666666666666666, false},
    {6666666666666719, true},
    {6666667141414921, false}, /* square of a prime */
    {7777777536340681, false}, /* square of a prime */
    {7777777777777753, true},
    {7777777777777777, false},
    {9999999999999917, true},
    {9999999999999999, false},
};

/* The same shape around 1e11 (about 1 ms each): for CI and quick runs. */
static const known small_set[] = {
    {100000000003, true},  {133333333421, true},  {166666666667, true},  {200000000041, true},
    {233333333339, true},  {266666666711, true},  {300000000077, true},  {333333333367, true},
    {366666666677, true},  {400000000004, false}, {600000000006, false}, {800000000005, false},
    {500000000005, false}, {700000000007, false}, {900000000009, false}, {400004386681, false},
    {600006709201, false}, {799999658329, false}, {900044971849, false}, {1100042271241, false},
};

/* Around 1e14 (tens of ms each): sweeps that must finish in minutes. */
static const known medium_set[] = {
    {100000000000031, true},  {133333333333339, true},   {166666666666667, true},
    {200000000000027, true},  {233333333333449, true},   {266666666666669, true},
    {300000000000089, true},  {333333333333389, true},   {366666666666749, true},
    {400000000000004, false}, {600000000000006, false},  {800000000000005, false},
    {500000000000005, false}, {700000000000007, false},  {900000000000009, false},
    {400000120000009, false}, {600000272979409, false},  {800000664824089, false},
    {900000060000001, false}, {1099999940065009, false},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

bool cfb_is_prime(uint64_t n) {
    if (n < 2) return false;
    if (n == 2) return true;
    if (n % 2 == 0) return false;
    uint64_t root = (uint64_t)sqrtl((long double)n);
    while (root * root > n)
        root--;
    while ((root + 1) * (root + 1) <= n)
        root++;
    for (uint64_t i = 3; i <= root; i += 2) {
        if (n % i == 0) return false;
        if (((i - 3) & 0x7fe) == 0)
            cf_gil_check(); /* every 1024 divisors: the GIL's eval breaker */
    }
    return true;
}

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) {
    return (uint64_t)((unsigned __int128)a * b % m);
}

static uint64_t powmod(uint64_t a, uint64_t e, uint64_t m) {
    uint64_t r = 1;
    a %= m;
    while (e) {
        if (e & 1) r = mulmod(r, a, m);
        a = mulmod(a, a, m);
        e >>= 1;
    }
    return r;
}

bool cfb_is_prime_mr(uint64_t n) {
    static const uint64_t bases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
    if (n < 2) return false;
    for (size_t i = 0; i < NELEM(bases); i++)
        if (n % bases[i] == 0) return n == bases[i];
    uint64_t d = n - 1;
    int s = 0;
    while (!(d & 1)) {
        d >>= 1;
        s++;
    }
    for (size_t i = 0; i < NELEM(bases); i++) {
        uint64_t x = powmod(bases[i], d, n);
        if (x == 1 || x == n - 1) continue;
        bool comp = true;
        for (int r = 1; r < s; r++) {
            x = mulmod(x, x, n);
            if (x == n - 1) {
                comp = false;
                break;
            }
        }
        if (comp) return false;
    }
    return true;
}

static const known *set_table(const char *set, size_t *n) {
    if (!strcmp(set, "small")) {
        *n = NELEM(small_set);
        return small_set;
    }
    if (!strcmp(set, "medium")) {
        *n = NELEM(medium_set);
        return medium_set;
    }
    *n = NELEM(fixture);
    return fixture;
}

/* Parse "a,b,c" into a new array (*out owned by the caller). 0 or CF_EINVAL. */
static int parse_numbers(const char *s, uint64_t **out, size_t *n, char *err, size_t errlen) {
    *out = NULL;
    *n = 0;
    size_t cap = 1;
    for (const char *c = s; *c; c++)
        cap += *c == ',';
    uint64_t *v = malloc(cap * sizeof *v);
    if (!v) return CF_ENOMEM;
    const char *p = s;
    while (*p) {
        char *end;
        if (*p < '0' || *p > '9') {
            snprintf(err, errlen, "numbers: '%s' is not a comma-separated list of integers", s);
            free(v);
            return CF_EINVAL;
        }
        unsigned long long x = strtoull(p, &end, 10);
        if (end == p || (*end && *end != ',') || x == ULLONG_MAX) {
            snprintf(err, errlen, "numbers: '%s' is not a comma-separated list of integers", s);
            free(v);
            return CF_EINVAL;
        }
        v[(*n)++] = x;
        p = *end ? end + 1 : end;
    }
    if (*n == 0) {
        snprintf(err, errlen, "numbers: empty list");
        free(v);
        return CF_EINVAL;
    }
    *out = v;
    return 0;
}

static const char *const set_choices[] = {"fixture", "small", "medium", NULL};

static const cfb_param_def primes_params[] = {
    {"set", CFB_P_STRING, "fixture",
     "number set: fixture (the book's 20, seconds), small (~1e11, ms), medium (~1e14)", 1, 0,
     set_choices},
    {"numbers", CFB_P_STRING, "", "comma-separated numbers; overrides set when not empty", 1, 0,
     NULL},
};

static int primes_check_params(const cfb_params *p, const char **param, char *err, size_t errlen) {
    const char *nums = cfb_params_str(p, "numbers");
    if (!nums || !*nums) return 0;
    uint64_t *v;
    size_t n;
    int rc = parse_numbers(nums, &v, &n, err, errlen);
    if (rc == 0) free(v);
    if (rc) *param = "numbers";
    return rc == CF_ENOMEM ? 0 : rc; /* out of memory is no verdict on the value */
}

static int primes_make_tasks(const cfb_params *p, cfb_tasklist *tl, char *err, size_t errlen) {
    const char *nums = cfb_params_str(p, "numbers");
    char label[32];
    if (nums && *nums) {
        uint64_t *v;
        size_t n;
        int rc = parse_numbers(nums, &v, &n, err, errlen);
        if (rc) return rc;
        for (size_t i = 0; i < n && !rc; i++) {
            snprintf(label, sizeof label, "%" PRIu64, v[i]);
            rc = cfb_tasklist_add(tl, &v[i], sizeof v[i], label);
        }
        free(v);
        return rc;
    }
    size_t n;
    const known *k = set_table(cfb_params_str(p, "set"), &n);
    for (size_t i = 0; i < n; i++) {
        snprintf(label, sizeof label, "%" PRIu64, k[i].n);
        int rc = cfb_tasklist_add(tl, &k[i].n, sizeof k[i].n, label);
        if (rc) return rc;
    }
    return 0;
}

static void primes_task(const void *arg, size_t len, cf_out *out) {
    uint64_t n;
    if (len != sizeof n) {
        cf_out_error(out, 1, "primes: bad argument (%zu bytes)", len);
        return;
    }
    memcpy(&n, arg, sizeof n);
    cfb_primes_result r = {.n = n, .prime = cfb_is_prime(n) ? 1 : 0};
    cf_out_set(out, &r, sizeof r);
}

int cfb_primes_decode(const void *res, size_t len, cfb_primes_result *r) {
    if (!res || len != sizeof *r) return -1;
    memcpy(r, res, sizeof *r);
    return 0;
}

static int primes_check(const cfb_params *p, size_t i, const void *res, size_t len, char *why,
                        size_t whylen) {
    cfb_primes_result r;
    if (cfb_primes_decode(res, len, &r)) {
        snprintf(why, whylen, "value of %zu bytes, expected %zu", len, sizeof r);
        return -1;
    }
    const char *nums = cfb_params_str(p, "numbers");
    if (!nums || !*nums) {
        size_t n;
        const known *k = set_table(cfb_params_str(p, "set"), &n);
        if (i >= n || k[i].n != r.n) {
            snprintf(why, whylen, "task %zu answered for %" PRIu64 ", not its input", i, r.n);
            return -1;
        }
        if (k[i].prime != (r.prime != 0)) {
            snprintf(why, whylen, "%" PRIu64 ": said %s, the known answer is %s", r.n,
                     r.prime ? "prime" : "composite", k[i].prime ? "prime" : "composite");
            return -1;
        }
    }
    bool want = cfb_is_prime_mr(r.n);
    if (want != (r.prime != 0)) {
        snprintf(why, whylen, "%" PRIu64 ": said %s, Miller-Rabin says %s", r.n,
                 r.prime ? "prime" : "composite", want ? "prime" : "composite");
        return -1;
    }
    return 0;
}

static const char *primes_classify(const void *res, size_t len) {
    cfb_primes_result r;
    if (cfb_primes_decode(res, len, &r)) return "bad_value";
    return r.prime ? "prime" : "composite";
}

/* The Python reference (runners/reference_python.py, task_primes): the
 * numbers to check; each answer is [n, is_prime]. */
static int primes_ref_write(const cfb_params *p, const cfb_tasklist *tl, cfb_refw *w, char *err,
                            size_t errlen) {
    int rc = cfb_refw_array_begin(w, "numbers");
    for (size_t i = 0; !rc && i < tl->n; i++) {
        uint64_t n;
        if (tl->tasks[i].len != sizeof n) {
            snprintf(err, errlen, "primes: task %zu is not a number", i);
            return CF_EINVAL;
        }
        memcpy(&n, tl->tasks[i].arg, sizeof n);
        rc = cfb_refw_int(w, NULL, (long long)n);
    }
    return rc ? rc : cfb_refw_array_end(w);
}

static int primes_ref_read(const cfb_params *p, const cfb_refv *v, void *buf, size_t cap,
                           size_t *len) {
    cfb_primes_result r;
    if (cfb_refv_kind_of(v) != CFB_REFV_ARRAY || cfb_refv_len(v) != 2 || cap < sizeof r) return -1;
    memset(&r, 0, sizeof r);
    r.n = (uint64_t)cfb_refv_int(cfb_refv_at(v, 0));
    r.prime = cfb_refv_bool(cfb_refv_at(v, 1)) ? 1 : 0;
    memcpy(buf, &r, sizeof r);
    *len = sizeof r;
    return 0;
}

static const cfb_reference_codec primes_reference = {primes_ref_write, primes_ref_read};

/* The default sweep: the medium set (~1e14, tens of ms a number) outweighs
 * a process pool's start-up. */
static const char *const primes_sweep_defaults[] = {"set=medium", NULL};

const cfb_workload cfb_workload_primes = {
    .name = "primes",
    .description =
        "CPU-bound: trial-division primality of large numbers (Fluent Python's is_prime)",
    .bound = CFB_BOUND_CPU,
    .params = primes_params,
    .nparams = NELEM(primes_params),
    .make_tasks = primes_make_tasks,
    .task = primes_task,
    .check = primes_check,
    .classify = primes_classify,
    .check_params = primes_check_params,
    .sweep_defaults = primes_sweep_defaults,
    .reference = &primes_reference,
};
