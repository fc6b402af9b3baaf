/*
 * mhd_reason.c — "418 I'm a teapot" on the status line.
 *
 * libmicrohttpd has no API to choose a reason phrase and names 418
 * "Non-Standard Status" (0.9.75). The book's ERROR server answers
 * "418 I'm a teapot", and clients print the phrase they receive. The
 * library builds the status line with its two exported functions
 * MHD_get_reason_phrase_len_for / MHD_get_reason_phrase_for, called through
 * its PLT, so defining them in our program interposes them (ELF symbol
 * interposition): 418 gets its name, every other code is passed on to the
 * library's own functions, found with dlsym(RTLD_NEXT).
 * tests/server/test_server.c checks the status line, so a libmicrohttpd
 * built in a way that defeats this (-Bsymbolic, static linking) is noticed.
 *
 * Threads: any thread. The looked-up pointers are stored with atomics (the
 * lookup is idempotent, so a race only repeats it).
 */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>

#include <microhttpd.h>

#define TEAPOT "I'm a teapot"

typedef const char *(*phrase_fn)(unsigned int);
typedef size_t (*len_fn)(unsigned int);

static _Atomic(phrase_fn) next_phrase;
static _Atomic(len_fn) next_len;

_MHD_EXTERN const char *MHD_get_reason_phrase_for(unsigned int code) {
    if (code == 418) return TEAPOT;
    phrase_fn f = atomic_load_explicit(&next_phrase, memory_order_acquire);
    if (!f) {
        *(void **)&f = dlsym(RTLD_NEXT, "MHD_get_reason_phrase_for");
        if (!f) return "Unknown";
        atomic_store_explicit(&next_phrase, f, memory_order_release);
    }
    return f(code);
}

_MHD_EXTERN size_t MHD_get_reason_phrase_len_for(unsigned int code) {
    if (code == 418) return sizeof TEAPOT - 1;
    len_fn f = atomic_load_explicit(&next_len, memory_order_acquire);
    if (!f) {
        *(void **)&f = dlsym(RTLD_NEXT, "MHD_get_reason_phrase_len_for");
        if (!f) return 7; /* "Unknown" */
        atomic_store_explicit(&next_len, f, memory_order_release);
    }
    return f(code);
}
