/*
 * san_fork_gate.c — sanitizer builds only: make fork() wait until no thread
 * is inside the allocator.
 *
 * Why
 *   The ASan and TSan runtimes of GCC 12 replace malloc with their own
 *   allocator, whose per-size-class region mutexes (and large-mmap list
 *   mutex) are not taken around fork() (TSan's fork interceptor locks only
 *   its thread registry and report mutex; LLVM added the allocator lock much
 *   later). A child forked while another thread holds one of them inherits
 *   it locked, for ever: the child deadlocks the first time its thread cache
 *   for that size class runs dry or overflows, which can be many tasks
 *   later. Seen in CI (proc/test_map under TSan, -j2): the worker stuck in
 *   SizeClassAllocator64::GetFromAllocator -> Mutex::Lock under realloc in
 *   the map's chunk task, while the parent's main thread was freeing map
 *   results at fork time. glibc's malloc handles fork itself, so release
 *   builds do not compile this file's contents.
 *
 * What
 *   This file defines malloc, free, calloc, realloc and the other allocator
 *   entry points in the executable, so every caller in the process (our
 *   code, libc, libcurl, ...) comes here; each forwards to the sanitizer's
 *   own __interceptor_<name> inside an enter/leave gate. The process pool
 *   calls cf__fork_quiesce() just before fork() and cf__fork_resume() just
 *   after, in parent and child.
 *
 * Concurrency design
 *   Threads: any thread may allocate; any pool manager thread may fork.
 *   State: `pending` (1 while a fork is being prepared or running; also the
 *   lock that serialises forkers, taken by CAS), `inside` (threads between
 *   enter and leave), and a thread-local `forking` flag so the forking
 *   thread's own allocations (atfork handlers) pass the gate.
 *   Protocol (Dekker, all seq_cst): enter increments `inside`, then reads
 *   `pending`; if set, it decrements and sleeps on the `pending` futex until
 *   it is 0, then retries. The forker sets `pending`, then waits (yielding)
 *   until `inside` is 0: from then on no thread is in the allocator or can
 *   enter it, so no allocator lock is held by a thread that fork() drops.
 *   Resume clears `pending` and wakes the sleepers; in the child it also
 *   resets `inside` (a thread that was between its increment and its
 *   decrement does not exist there).
 *   The file is compiled without sanitizer instrumentation (CMakeLists.txt):
 *   the gate's atomics must not be seen by TSan as synchronisation between
 *   every pair of allocating threads, which would hide real races.
 *   Allocations that do not go through these entry points (a few sanitizer
 *   interceptors, e.g. realpath(p, NULL), allocate internally) are not
 *   gated; none is used by the project's threads.
 */
#ifdef CFB_SANITIZER

#include "proc_channel.h"

#include <errno.h>
#include <linux/futex.h>
#include <malloc.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The sanitizer runtime's allocator entry points (libasan / libtsan export
 * them under these names; the plain names are weak aliases we override). */
void *__interceptor_malloc(size_t n);
void __interceptor_free(void *p);
void *__interceptor_calloc(size_t n, size_t sz);
void *__interceptor_realloc(void *p, size_t n);
void *__interceptor_reallocarray(void *p, size_t n, size_t sz);
int __interceptor_posix_memalign(void **out, size_t align, size_t n);
void *__interceptor_aligned_alloc(size_t align, size_t n);
void *__interceptor_memalign(size_t align, size_t n);
void *__interceptor_valloc(size_t n);
void *__interceptor_pvalloc(size_t n);
char *__interceptor_strdup(const char *s);
char *__interceptor_strndup(const char *s, size_t n);

static atomic_int pending;
static atomic_long inside;
static _Thread_local bool forking;

static inline void gate_enter(void) {
    if (forking) return;
    for (;;) {
        atomic_fetch_add(&inside, 1);
        if (!atomic_load(&pending)) return;
        atomic_fetch_sub(&inside, 1);
        int e = errno; /* callers may print errno after allocating */
        while (atomic_load(&pending))
            syscall(SYS_futex, &pending, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
        errno = e;
    }
}

static inline void gate_leave(void) {
    if (!forking) atomic_fetch_sub(&inside, 1);
}

void cf__fork_quiesce(void) {
    int zero = 0;
    while (!atomic_compare_exchange_weak(&pending, &zero, 1)) {
        zero = 0;
        sched_yield();
    }
    forking = true;
    while (atomic_load(&inside) != 0)
        sched_yield();
}

void cf__fork_resume(bool child) {
    int e = errno; /* fork's, for the caller */
    if (child) atomic_store(&inside, 0);
    forking = false;
    atomic_store(&pending, 0);
    syscall(SYS_futex, &pending, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
    errno = e;
}

#define GATED(call)                                                                                \
    do {                                                                                           \
        gate_enter();                                                                              \
        __typeof__(call) r_ = call;                                                                \
        gate_leave();                                                                              \
        return r_;                                                                                 \
    } while (0)

void *malloc(size_t n) {
    GATED(__interceptor_malloc(n));
}
void *calloc(size_t n, size_t sz) {
    GATED(__interceptor_calloc(n, sz));
}
void *realloc(void *p, size_t n) {
    GATED(__interceptor_realloc(p, n));
}
void *reallocarray(void *p, size_t n, size_t sz) {
    GATED(__interceptor_reallocarray(p, n, sz));
}
int posix_memalign(void **out, size_t align, size_t n) {
    GATED(__interceptor_posix_memalign(out, align, n));
}
void *aligned_alloc(size_t align, size_t n) {
    GATED(__interceptor_aligned_alloc(align, n));
}
void *memalign(size_t align, size_t n) {
    GATED(__interceptor_memalign(align, n));
}
void *valloc(size_t n) {
    GATED(__interceptor_valloc(n));
}
void *pvalloc(size_t n) {
    GATED(__interceptor_pvalloc(n));
}
char *strdup(const char *s) {
    GATED(__interceptor_strdup(s));
}
char *__strdup(const char *s) {
    GATED(__interceptor_strdup(s));
}
char *strndup(const char *s, size_t n) {
    GATED(__interceptor_strndup(s, n));
}

void free(void *p) {
    if (!p) return;
    gate_enter();
    __interceptor_free(p);
    gate_leave();
}

#endif /* CFB_SANITIZER */
