/*
 * fuzz_util.h — what the fuzz harnesses in fuzz/ share (docs/fuzzing.md).
 *
 * Each fuzz/fuzz_<target>.c defines LLVMFuzzerTestOneInput() (and may
 * define LLVMFuzzerInitialize()); it is linked either with libFuzzer
 * (-DCFB_FUZZ=ON, clang) or with fuzz/driver.c, a plain main() that feeds it
 * every file of the seed corpus (the CTest tests fuzz/<target>). A broken
 * invariant calls FUZZ_CHECK's abort(), which both treat as a crash.
 * Single-threaded: libFuzzer runs one input at a time.
 */
#ifndef CFB_FUZZ_UTIL_H
#define CFB_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Abort with a message naming the broken invariant. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n  ", __FILE__, __LINE__, #cond);  \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A NUL-terminated copy of data (caller frees); NULL when out of memory. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) return NULL;
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
