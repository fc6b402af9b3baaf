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
 *   their outermost enter and its leave), and two thread-locals: `depth`
 *   (how many gated calls this thread is in; `inside` counts the thread
 *   once, while depth > 0) and `forking`, so the forking thread's own
 *   allocations (atfork handlers) pass the gate.
 *   Protocol (Dekker, all seq_cst): an outermost enter (depth 0) increments
 *   `inside`, then reads `pending`; if set, it decrements and sleeps on the
 *   `pending` futex until it is 0, then retries; once in, depth = 1. The
 *   forker sets `pending`, then waits (yielding) until `inside` is 0: from
 *   then on no thread is in the allocator or can enter it, so no allocator
 *   lock is held by a thread that fork() drops. Resume clears `pending` and
 *   wakes the sleepers; in the child it also resets `inside` (a thread that
 *   was between its increment and its decrement does not exist there).
 *   Reentrancy (issue 14, item 4): a gated call can reach another one on the
 *   same thread — TSan's strdup interceptor calls glibc's strdup, which
 *   calls malloc, i.e. this file's malloc again. A nested enter (depth > 0)
 *   only increments depth and never waits: the thread is already counted in
 *   `inside`, so the forker waits for its outermost leave. Only that leave
 *   (depth back to 0) decrements `inside`. Invariants: a thread is counted
 *   in `inside` iff depth > 0 or it is between the increment and the check
 *   of an outermost enter; a thread that sleeps on `pending` is never
 *   counted, so a fork can always complete. (Before, the nested enter saw
 *   `pending`, gave back one count and slept while its outer entry still
 *   held one: the manager spun in cf__fork_quiesce() for ever.)
 *   A signal handler that allocates (not async-signal-safe, as with glibc's
 *   malloc) is a nested call when it interrupts a gated call, an outermost
 *   one otherwise; only if it interrupts the few instructions of an
 *   outermost enter between the increment and `depth = 1` while a fork is
 *   pending could it sleep while its thread is counted.
 *   Forks that do not go through cf__fork_quiesce() (a plain fork() in a
 *   test or a child of posix_spawn) are not gated; a pthread_atfork child
 *   handler resets the gate there too, so such a child never inherits a
 *   `pending` set by a pool's forker in another thread (every allocation in
 *   it would sleep for ever) nor counts of threads it does not have.
 *   The file is compiled without sanitizer instrumentation (CMakeLists.txt):
 *   the gate's atomics must not be seen by TSan as synchronisation between
 *   every pair of allocating threads, which would hide real races.
 *   Allocations that do not go through these entry points (a few sanitizer
 *   interceptors, e.g. realpath(p, NULL), allocate internally) are not
 *   gated; none is used by the project's threads.
 *   Guarded by tests/proc/test_alloc_fork.c (threads in strdup, malloc,
 *   realloc, calloc, posix_memalign, strndup while a pool forks a worker per
 *   task).
 */
#ifdef CFB_SANITIZER

#include "proc_channel.h"

#include <errno.h>
#include <linux/futex.h>
#include <malloc.h>
#include <pthread.h>
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
static _Thread_local unsigned depth; /* gated calls this thread is in */

static inline void gate_enter(void) {
    if (forking) return;
    if (depth) { /* nested: already counted, must not wait (see above) */
        depth++;
        return;
    }
    for (;;) {
        atomic_fetch_add(&inside, 1);
        if (!atomic_load(&pending)) {
            depth = 1;
            return;
        }
        atomic_fetch_sub(&inside, 1);
        int e = errno; /* callers may print errno after allocating */
        while (atomic_load(&pending))
            syscall(SYS_futex, &pending, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
        errno = e;
    }
}

static inline void gate_leave(void) {
    if (forking) return;
    if (--depth == 0) atomic_fetch_sub(&inside, 1);
}

/* In any child of fork(): only the forking thread exists, and it is not in
 * the allocator (fork is not called from inside it). */
static void gate_atfork_child(void) {
    atomic_store(&inside, 0);
    depth = 0;
    forking = false;
    atomic_store(&pending, 0);
}

__attribute__((constructor)) static void gate_init(void) {
    pthread_atfork(NULL, NULL, gate_atfork_child);
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
    if (child) {   /* the atfork handler did this already; kept explicit */
        atomic_store(&inside, 0);
        depth = 0;
    }
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
