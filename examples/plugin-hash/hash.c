/*
 * hash.c — an example cfbench plugin: the `hash` workload, SipHash-2-4
 * (Aumasson & Bernstein, "SipHash: a fast short-input PRF", 2012) written
 * from the paper, over deterministic data. CPU-bound.
 *
 * Each task hashes `size` bytes with the 128-bit key (seed, task index): the
 * bytes are the same for every task (made once per worker from `seed` by
 * splitmix64), the key differs, so every task has its own answer. The value
 * is the 64-bit hash (8 bytes, little-endian on this machine).
 *
 *   params   size (bytes per task), tasks, seed
 *   check    run_setup first checks the implementation against the
 *            paper's test vectors (appendix A and the reference
 *            vectors.h); check() then recomputes each task's hash in the
 *            parent, so a wrong answer from any mode is counted
 *
 * Per-worker state: worker_setup (in every worker thread, in each child
 * process after fork, on the seq loop and on the loop thread) makes the
 * data buffer in a _Thread_local pointer; worker_teardown frees it. The
 * task makes it itself if its worker had no setup. Nothing is shared
 * between workers, nothing is locked.
 *
 * Build: see README.md (pkg-config --cflags --libs cfbench, or
 * find_package(cfbench)). It uses only the public interface,
 * cfbench_workload.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cfbench_workload.h>

/* ---- SipHash-2-4 ----------------------------------------------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t load64_le(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = ROTL(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = ROTL(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = ROTL(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = ROTL(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = ROTL(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = ROTL(v2, 32);                                                                         \
    } while (0)

/* SipHash-2-4 of in[0..len) under the key k0 || k1 (k0: bytes 0-7, little-endian). */
static uint64_t siphash24(uint64_t k0, uint64_t k1, const unsigned char *in, size_t len) {
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    const unsigned char *end = in + (len & ~(size_t)7);
    for (; in != end; in += 8) {
        uint64_t m = load64_le(in);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++)
        b |= (uint64_t)in[i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

/* The known answers: key 00 01 .. 0f, message 00 01 .. (len-1). */
static int siphash_selftest(char *err, size_t errlen) {
    static const struct {
        size_t len;
        uint64_t want;
    } vec[] = {
        {0, 0x726fdb47dd0e0e31ULL},  /* vectors.h, vectors_sip64[0] */
        {15, 0xa129ca6149be45e5ULL}, /* the paper, appendix A */
    };
    unsigned char key[16], msg[16];
    for (int i = 0; i < 16; i++)
        key[i] = msg[i] = (unsigned char)i;
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        uint64_t got = siphash24(load64_le(key), load64_le(key + 8), msg, vec[i].len);
        if (got != vec[i].want) {
            snprintf(err, errlen,
                     "hash: SipHash-2-4 self-test failed (%zu bytes: %016llx, want %016llx)",
                     vec[i].len, (unsigned long long)got, (unsigned long long)vec[i].want);
            return CF_EINVAL;
        }
    }
    return 0;
}

/* ---- the data: splitmix64 from the seed -------------------------------------- */

static unsigned char *make_data(uint64_t seed, size_t size) {
    unsigned char *d = malloc(size ? size : 1);
    if (!d) return NULL;
    uint64_t x = seed;
    for (size_t i = 0; i < size; i += 8) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        for (size_t k = 0; k < 8 && i + k < size; k++)
            d[i + k] = (unsigned char)(z >> (8 * k));
    }
    return d;
}

typedef struct hash_arg {
    uint64_t seed, index, size;
} hash_arg;

/* One buffer per worker (thread or process), for one (seed, size). */
static _Thread_local unsigned char *w_data;
static _Thread_local uint64_t w_seed, w_size;

static const unsigned char *data_for(uint64_t seed, uint64_t size) {
    if (w_data && w_seed == seed && w_size == size) return w_data;
    free(w_data);
    w_data = make_data(seed, (size_t)size);
    w_seed = seed;
    w_size = size;
    return w_data;
}

/* ---- the workload ---------------------------------------------------------------- */

static const cfb_param_def hash_params[] = {
    {"size", CFB_P_INT, "1048576", "bytes each task hashes", 1, 1 << 28, NULL},
    {"tasks", CFB_P_INT, "64", "number of tasks", 1, 1000000, NULL},
    {"seed", CFB_P_INT, "1", "seed of the data and the keys", 0, 9007199254740991.0, NULL},
};

static int hash_run_setup(cfb_params *p, void **run_state, char *err, size_t errlen) {
    (void)p, (void)run_state;
    return siphash_selftest(err, errlen);
}

static int hash_make_tasks(const cfb_params *p, cfb_tasklist *tl, char *err, size_t errlen) {
    (void)err, (void)errlen; /* cfb_tasklist_add can only run out of memory */
    long long n = cfb_params_int(p, "tasks");
    for (long long i = 0; i < n; i++) {
        hash_arg a = {(uint64_t)cfb_params_int(p, "seed"), (uint64_t)i,
                      (uint64_t)cfb_params_int(p, "size")};
        char label[32];
        snprintf(label, sizeof label, "k=%lld", i);
        int rc = cfb_tasklist_add(tl, &a, sizeof a, label);
        if (rc) return rc;
    }
    return 0;
}

static void hash_task(const void *arg, size_t len, cf_out *out) {
    hash_arg a;
    if (len != sizeof a) {
        cf_out_error(out, 1, "hash: bad task argument (%zu bytes)", len);
        return;
    }
    memcpy(&a, arg, sizeof a);
    const unsigned char *d = data_for(a.seed, a.size);
    if (!d) {
        cf_out_error(out, 2, "hash: out of memory for %llu bytes", (unsigned long long)a.size);
        return;
    }
    uint64_t h = siphash24(a.seed, a.index, d, (size_t)a.size);
    uint64_t *r = cf_out_alloc(out, sizeof *r);
    if (r) *r = h;
}

static int hash_worker_setup(const cfb_params *p) {
    return data_for((uint64_t)cfb_params_int(p, "seed"), (uint64_t)cfb_params_int(p, "size"))
               ? 0
               : CF_ENOMEM;
}

static void hash_worker_teardown(void) {
    free(w_data);
    w_data = NULL;
}

static int hash_check(const cfb_params *p, size_t i, const void *res, size_t len, char *why,
                      size_t whylen) {
    uint64_t got;
    if (len != sizeof got) {
        snprintf(why, whylen, "a %zu-byte value, want 8", len);
        return -1;
    }
    memcpy(&got, res, sizeof got);
    uint64_t seed = (uint64_t)cfb_params_int(p, "seed"), size = (uint64_t)cfb_params_int(p, "size");
    const unsigned char *d = data_for(seed, size); /* the main thread's own buffer */
    if (!d) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    uint64_t want = siphash24(seed, (uint64_t)i, d, (size_t)size);
    if (got != want) {
        snprintf(why, whylen, "hash %016llx, want %016llx", (unsigned long long)got,
                 (unsigned long long)want);
        return -1;
    }
    return 0;
}

static const cfb_workload hash_workload = {
    .name = "hash",
    .description = "CPU-bound: SipHash-2-4 of SIZE deterministic bytes per task (example plugin)",
    .bound = CFB_BOUND_CPU,
    .params = hash_params,
    .nparams = sizeof hash_params / sizeof hash_params[0],
    .run_setup = hash_run_setup,
    .make_tasks = hash_make_tasks,
    .task = hash_task,
    .worker_setup = hash_worker_setup,
    .worker_teardown = hash_worker_teardown,
    .check = hash_check,
};

static int hash_init(const cfb_plugin_host *host) {
    return host->register_workload(host, &hash_workload);
}

CFB_PLUGIN(hash_init)
