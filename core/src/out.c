/*
 * out.c — cf_out: where a task puts its value or its error.
 *
 * A cf_out belongs to the one thread running the task; nothing here is
 * shared. The value buffer (data/cap) is reused between tasks until
 * cf__out_publish() moves it onto a future.
 *
 * cf_out_set() may be given bytes inside that same buffer (a task that
 * filled cf_out_alloc()'s buffer and then keeps only part of it, e.g.
 * cf_out_set(out, p + 4, 8)): the source and the destination then overlap,
 * so the copy is a memmove, and the buffer is not reallocated under the
 * source. A source range that starts inside the buffer but runs past its
 * end is CF_EINVAL (it reads memory the task does not own).
 */
#include "internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cf__out_init(cf_out *out) {
    memset(out, 0, sizeof *out);
}

void cf__out_reset(cf_out *out) {
    out->len = 0;
    out->failed = false;
    out->status = 0;
    out->code = 0;
    out->msg[0] = '\0';
}

void cf__out_free(cf_out *out) {
    free(out->data);
    cf__out_init(out);
}

static int out_reserve(cf_out *out, size_t len) {
    if (len <= out->cap) return 0;
    void *p = realloc(out->data, len);
    if (!p) {
        cf_out_error(out, CF_ENOMEM, "out of memory for a %zu-byte result", len);
        out->status = CF_ENOMEM;
        return CF_ENOMEM;
    }
    out->data = p;
    out->cap = len;
    return 0;
}

/* True when data points into out's own buffer. Compared as integers:
 * relational operators on pointers to different objects are undefined. */
static bool out_aliases(const cf_out *out, const void *data, size_t *off) {
    if (!out->data || !data) return false;
    uintptr_t base = (uintptr_t)out->data, at = (uintptr_t)data;
    if (at < base || at - base >= out->cap) return false;
    *off = (size_t)(at - base);
    return true;
}

/* data: borrowed; copied into out's buffer (which out owns). */
int cf_out_set(cf_out *out, const void *data, size_t len) {
    if (!out || (!data && len)) return CF_EINVAL;
    size_t off = 0;
    bool alias = len && out_aliases(out, data, &off);
    if (alias && len > out->cap - off) return CF_EINVAL; /* runs past the buffer */
    out->failed = false;
    out->status = 0;
    out->code = 0;
    out->msg[0] = '\0';
    if (!alias) { /* an aliased range already fits: no realloc under it */
        int rc = out_reserve(out, len);
        if (rc) return rc;
    }
    if (len) memmove(out->data, data, len);
    out->len = len;
    return 0;
}

void *cf_out_alloc(cf_out *out, size_t len) {
    if (!out) return NULL;
    out->failed = false;
    out->status = 0;
    if (out_reserve(out, len ? len : 1)) return NULL;
    out->len = len;
    return out->data;
}

void cf_out_error(cf_out *out, int code, const char *fmt, ...) {
    if (!out) return;
    out->failed = true;
    out->status = CF_ETASK;
    out->code = code;
    out->len = 0;
    out->msg[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(out->msg, sizeof out->msg, fmt, ap);
        va_end(ap);
    }
}

void cf__out_run(cf_out *out, cf_task_fn fn, const void *arg, size_t len) {
    cf__out_reset(out);
    fn(len ? arg : NULL, len, out);
}

int cf__out_publish(cf_out *out, cf_future *f) {
    int rc;
    if (out->failed) {
        rc = cf_future_set_error(f, out->status ? out->status : CF_ETASK, out->code, out->msg);
    } else if (out->len == 0) {
        rc = cf_future_set_result_owned(f, NULL, 0);
    } else {
        rc = cf_future_set_result_owned(f, out->data, out->len);
        if (rc == 0) {
            out->data = NULL;
            out->cap = 0;
        }
    }
    cf__out_reset(out);
    return rc;
}
