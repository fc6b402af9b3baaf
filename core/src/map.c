/*
 * map.c — cf_map(): results in input order over any executor.
 *
 * Built only on cf_submit(), so the same code serves the thread pool and
 * the process pool. Chunking (chunksize > 1) is generic too: several items
 * are packed into one task argument together with the user's function
 * pointer, a wrapper task (chunk_task) runs them one by one and packs their
 * outcomes into one result, and the iterator unpacks them. Function
 * pointers stay valid in forked process-pool workers (same binary).
 *
 *   chunk argument: [cf_task_fn fn][u64 count] then per item [u64 len][bytes]
 *   chunk result:   [u64 count]   then per item [u8 failed][i32 status]
 *                   [i32 code][u64 len][bytes: value, or message]
 *   A chunk stops at its first failing item (the rest count as cancelled).
 *
 * Threads: the iterator belongs to one thread at a time; the tasks run on
 * the executor's workers and touch only their argument/result bytes.
 * Ownership: the iterator holds one reference to every in-flight future (a
 * ring of slots) and to the future whose value it last lent out (`cur`).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct slot {
    cf_future *f;
    size_t nitems;
};

struct array_input {
    const void *const *args;
    const size_t *lens;
    size_t n, i;
};

struct cf_map_iter {
    cf_executor *ex;
    cf_task_fn fn;
    cf_input_fn next;
    void *state;
    struct array_input *owned_state;
    double deadline; /* INFINITY = none */
    int chunksize, buffersize;
    struct slot *q;
    size_t qhead, qlen, qcap;
    bool input_done;
    int pending_err; /* input or submit error, surfaces after the queue drains */
    uint64_t index;
    /* the result being lent out / the chunk being unpacked */
    cf_future *cur;
    const unsigned char *cpos, *cend;
    size_t cleft;
    bool finished;
    int err_status, err_code;
    char err_msg[CF_ERRMSG_MAX];
    unsigned char *pack;
    size_t packcap;
};

/* ---- the chunk wrapper task ---- */

static int out_append(cf_out *out, const void *p, size_t n) {
    if (out->len + n > out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 256;
        while (cap < out->len + n)
            cap *= 2;
        void *d = realloc(out->data, cap);
        if (!d) return CF_ENOMEM;
        out->data = d;
        out->cap = cap;
    }
    memcpy((unsigned char *)out->data + out->len, p, n);
    out->len += n;
    return 0;
}

void cf__map_chunk_task(const void *arg, size_t len, cf_out *out) {
    const unsigned char *p = arg, *end = p + len;
    cf_task_fn fn;
    uint64_t count;
    if (len < sizeof fn + sizeof count) {
        cf_out_error(out, CF_EINVAL, "map: malformed chunk");
        return;
    }
    memcpy(&fn, p, sizeof fn);
    p += sizeof fn;
    memcpy(&count, p, sizeof count);
    p += sizeof count;
    cf_out item;
    cf__out_init(&item);
    out->len = 0;
    uint64_t ran = 0;
    int rc = out_append(out, &ran, sizeof ran);
    for (uint64_t k = 0; k < count && rc == 0; k++) {
        uint64_t l;
        if ((size_t)(end - p) < sizeof l) {
            rc = CF_EINVAL;
            break;
        }
        memcpy(&l, p, sizeof l);
        p += sizeof l;
        if ((uint64_t)(end - p) < l) {
            rc = CF_EINVAL;
            break;
        }
        cf__out_run(&item, fn, p, (size_t)l);
        p += l;
        uint8_t failed = item.failed;
        int32_t status = item.status, code = item.code;
        const void *data = failed ? (const void *)item.msg : item.data;
        uint64_t dl = failed ? strlen(item.msg) : item.len;
        rc = out_append(out, &failed, 1);
        if (!rc) rc = out_append(out, &status, sizeof status);
        if (!rc) rc = out_append(out, &code, sizeof code);
        if (!rc) rc = out_append(out, &dl, sizeof dl);
        if (!rc && dl) rc = out_append(out, data, (size_t)dl);
        ran++;
        if (failed) break;
    }
    cf__out_free(&item);
    if (rc) {
        cf_out_error(out, rc, "map: %s while running a chunk", cf_strerror(rc));
        out->status = rc == CF_ENOMEM ? CF_ENOMEM : CF_ETASK;
        return;
    }
    memcpy(out->data, &ran, sizeof ran);
}

/* ---- submission ---- */

static int q_push(cf_map_iter *it, cf_future *f, size_t nitems) {
    if (it->qlen == it->qcap) {
        size_t cap = it->qcap ? it->qcap * 2 : 16;
        struct slot *q = malloc(cap * sizeof *q);
        if (!q) return CF_ENOMEM;
        for (size_t i = 0; i < it->qlen; i++)
            q[i] = it->q[(it->qhead + i) % it->qcap];
        free(it->q);
        it->q = q;
        it->qcap = cap;
        it->qhead = 0;
    }
    it->q[(it->qhead + it->qlen) % it->qcap] = (struct slot){f, nitems};
    it->qlen++;
    return 0;
}

static int pack_reserve(cf_map_iter *it, size_t need) {
    if (need <= it->packcap) return 0;
    size_t cap = it->packcap ? it->packcap : 256;
    while (cap < need)
        cap *= 2;
    unsigned char *p = realloc(it->pack, cap);
    if (!p) return CF_ENOMEM;
    it->pack = p;
    it->packcap = cap;
    return 0;
}

/* Submit one task (one item, or one chunk). Returns 1 when a task was
 * submitted, 0 at the end of the input, or an error. */
static int submit_one(cf_map_iter *it) {
    const void *a;
    size_t l;
    cf_future *f = NULL;
    int rc;
    if (it->chunksize <= 1) {
        rc = it->next(it->state, &a, &l);
        if (rc <= 0) return rc;
        rc = cf_submit(it->ex, it->fn, l ? a : NULL, l, &f);
        if (rc) return rc;
        cf_future_set_tag(f, (uintptr_t)it->index);
        it->index++;
        rc = q_push(it, f, 1);
        if (rc) {
            cf_future_cancel(f);
            cf_future_release(f);
            return rc;
        }
        return 1;
    }
    size_t used = sizeof(cf_task_fn) + sizeof(uint64_t);
    if ((rc = pack_reserve(it, used))) return rc;
    memcpy(it->pack, &it->fn, sizeof(cf_task_fn));
    uint64_t count = 0;
    int in = 1;
    while (count < (uint64_t)it->chunksize) {
        in = it->next(it->state, &a, &l);
        if (in <= 0) break;
        uint64_t l64 = l;
        if ((rc = pack_reserve(it, used + sizeof l64 + l))) return rc;
        memcpy(it->pack + used, &l64, sizeof l64);
        used += sizeof l64;
        if (l) memcpy(it->pack + used, a, l);
        used += l;
        count++;
    }
    if (count == 0) return in; /* end of input (0) or its error */
    memcpy(it->pack + sizeof(cf_task_fn), &count, sizeof count);
    rc = cf_submit(it->ex, cf__map_chunk_task, it->pack, used, &f);
    if (rc) return rc;
    cf_future_set_tag(f, (uintptr_t)it->index);
    it->index += count;
    rc = q_push(it, f, (size_t)count);
    if (rc) {
        cf_future_cancel(f);
        cf_future_release(f);
        return rc;
    }
    if (in < 0) /* the input failed after this chunk's items */
        return in;
    return 1;
}

/* Keep the pipeline full: everything (buffersize 0) or buffersize tasks. */
static void fill(cf_map_iter *it) {
    while (!it->input_done && !it->pending_err &&
           (it->buffersize == 0 || it->qlen < (size_t)it->buffersize)) {
        int rc = submit_one(it);
        if (rc == 0)
            it->input_done = true;
        else if (rc < 0)
            it->pending_err = rc;
    }
}

static void cancel_rest(cf_map_iter *it) {
    while (it->qlen) {
        struct slot *s = &it->q[it->qhead];
        cf_future_cancel(s->f);
        cf_future_release(s->f);
        it->qhead = (it->qhead + 1) % it->qcap;
        it->qlen--;
    }
}

static int fail(cf_map_iter *it, int status, int code, const char *msg) {
    it->finished = true;
    it->err_status = status;
    it->err_code = code;
    snprintf(it->err_msg, sizeof it->err_msg, "%s", msg ? msg : "");
    cancel_rest(it);
    return status;
}

static int map_new(cf_executor *ex, cf_task_fn fn, cf_input_fn next, void *state,
                   struct array_input *owned, const cf_map_opts *opts, cf_map_iter **out) {
    cf_map_opts o = {0};
    if (opts) o = *opts;
    if (!ex || !fn || !next || !out || o.chunksize < 0 || o.buffersize < 0) {
        free(owned);
        return CF_EINVAL;
    }
    cf_map_iter *it = calloc(1, sizeof *it);
    if (!it) {
        free(owned);
        return CF_ENOMEM;
    }
    it->ex = ex;
    it->fn = fn;
    it->next = next;
    it->state = state;
    it->owned_state = owned;
    it->chunksize = o.chunksize ? o.chunksize : 1;
    it->buffersize = o.buffersize;
    it->deadline = (o.has_timeout && o.timeout >= 0) ? cf__now() + o.timeout : INFINITY;
    fill(it);
    if (it->pending_err) {
        int rc = it->pending_err;
        cf_map_free(it);
        return rc;
    }
    *out = it;
    return 0;
}

static int array_next(void *state, const void **arg, size_t *len) {
    struct array_input *ai = state;
    if (ai->i == ai->n) return 0;
    *arg = ai->args[ai->i];
    *len = ai->lens[ai->i];
    ai->i++;
    return 1;
}

int cf_map(cf_executor *ex, cf_task_fn fn, cf_input_fn next, void *state, const cf_map_opts *opts,
           cf_map_iter **out) {
    if (out) *out = NULL;
    return map_new(ex, fn, next, state, NULL, opts, out);
}

int cf_map_array(cf_executor *ex, cf_task_fn fn, const void *const *args, const size_t *lens,
                 size_t n, const cf_map_opts *opts, cf_map_iter **out) {
    if (out) *out = NULL;
    if (n > 0 && (!args || !lens)) return CF_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!args[i] && lens[i]) return CF_EINVAL;
    struct array_input *ai = calloc(1, sizeof *ai);
    if (!ai) return CF_ENOMEM;
    ai->args = args;
    ai->lens = lens;
    ai->n = n;
    return map_new(ex, fn, array_next, ai, ai, opts, out);
}

/* Next item of the chunk being unpacked. */
static int chunk_item(cf_map_iter *it, const void **data, size_t *len) {
    const unsigned char *p = it->cpos;
    uint8_t failed;
    int32_t status, code;
    uint64_t l;
    size_t hdr = 1 + sizeof status + sizeof code + sizeof l;
    if ((size_t)(it->cend - p) < hdr)
        return fail(it, CF_ETASK, CF_EINVAL, "map: malformed chunk result");
    failed = p[0];
    memcpy(&status, p + 1, sizeof status);
    memcpy(&code, p + 1 + sizeof status, sizeof code);
    memcpy(&l, p + 1 + sizeof status + sizeof code, sizeof l);
    p += hdr;
    if ((uint64_t)(it->cend - p) < l)
        return fail(it, CF_ETASK, CF_EINVAL, "map: malformed chunk result");
    it->cpos = p + l;
    it->cleft--;
    if (failed) {
        char msg[CF_ERRMSG_MAX];
        size_t ml = l < sizeof msg - 1 ? (size_t)l : sizeof msg - 1;
        memcpy(msg, p, ml);
        msg[ml] = '\0';
        return fail(it, status ? status : CF_ETASK, code, msg);
    }
    if (data) *data = l ? p : NULL;
    if (len) *len = (size_t)l;
    return 0;
}

int cf_map_next(cf_map_iter *it, const void **data, size_t *len) {
    if (!it) return CF_EINVAL;
    if (it->finished) return CF_EEOF;
    if (it->cur && it->cleft > 0) return chunk_item(it, data, len);
    cf_future_release(it->cur);
    it->cur = NULL;
    if (it->qlen == 0) {
        if (it->pending_err)
            return fail(it, it->pending_err, it->pending_err, cf_strerror(it->pending_err));
        it->finished = true;
        return CF_EEOF;
    }
    struct slot s = it->q[it->qhead];
    double timeout = CF_FOREVER;
    if (!isinf(it->deadline)) {
        timeout = it->deadline - cf__now();
        if (timeout < 0) timeout = 0;
    }
    const void *d = NULL;
    size_t l = 0;
    int rc = cf_future_result(s.f, timeout, &d, &l);
    if (rc) {
        int code = rc;
        const char *msg = cf_strerror(rc);
        if (rc != CF_ETIMEDOUT && rc != CF_ECANCELLED) cf_future_error(s.f, &code, &msg);
        char copy[CF_ERRMSG_MAX];
        snprintf(copy, sizeof copy, "%s", msg);
        return fail(it, rc, code, copy); /* cancels s.f too on timeout */
    }
    it->qhead = (it->qhead + 1) % it->qcap;
    it->qlen--;
    it->cur = s.f;
    fill(it);
    if (s.nitems == 1 && it->chunksize <= 1) {
        if (data) *data = d;
        if (len) *len = l;
        return 0;
    }
    uint64_t count;
    if (l < sizeof count) return fail(it, CF_ETASK, CF_EINVAL, "map: malformed chunk result");
    memcpy(&count, d, sizeof count);
    it->cpos = (const unsigned char *)d + sizeof count;
    it->cend = (const unsigned char *)d + l;
    it->cleft = (size_t)count;
    if (count == 0) return fail(it, CF_ETASK, CF_EINVAL, "map: empty chunk result");
    return chunk_item(it, data, len);
}

int cf_map_error(const cf_map_iter *it, int *code, const char **msg) {
    if (!it || !it->err_status) return 0;
    if (code) *code = it->err_code;
    if (msg) *msg = it->err_msg;
    return it->err_status;
}

void cf_map_free(cf_map_iter *it) {
    if (!it) return;
    cancel_rest(it);
    cf_future_release(it->cur);
    free(it->q);
    free(it->pack);
    free(it->owned_state);
    free(it);
}
