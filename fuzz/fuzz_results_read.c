/*
 * fuzz_results_read.c — fuzz target `results_read`: the readers of a cfbench
 * results file (results/results_io.c, results/json_filter.c) and what reads
 * the model they return (compare, export, history). Input: the bytes of a
 * results file. Invariants checked (docs/fuzzing.md):
 *   R1  the lean filtered reader (compare's: no timelines, latencies, counts)
 *       accepts every input that jansson accepts, and its document equals
 *       jansson's except that the values at the dropped paths are null
 *       (or, for a key written with an escape, untouched);
 *   R2  cfb_results_load, cfb_results_read_filtered and the model's reader
 *       (cfb_results_read, results/include/cfbench_results.h) on the file agree: all accept
 *       or all reject, and accept exactly the documents that
 *       cfb_results_validate accepts; the model's decoder gives the same
 *       message as the validator;
 *   R3  round trip: an accepted document serialised and read again is
 *       json_equal to itself and still valid; decoded into the model and
 *       encoded again it is the same document, key order included (and
 *       so is the lean one);
 *   R4  export: csv rows all have the header's number of fields (RFC 4180
 *       quoting), gbench output is a JSON object with a "benchmarks" array;
 *   R5  compare of a document with itself finds no regression;
 *   R6  history over three copies of one document finds no regression.
 * Files are memfds named /proc/self/fd/N, so nothing touches the disk.
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "compare.h"
#include "export.h"
#include "fuzz_util.h"
#include "history.h"
#include "json_filter.h"
#include "cfbench_results.h"
#include "results_io.h"

/* A memfd holding data, its path in *path. Returns the fd or -1. */
static int mem_file(const uint8_t *data, size_t size, char *path, size_t pathlen) {
    int fd = memfd_create("cfb-fuzz", MFD_CLOEXEC);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    snprintf(path, pathlen, "/proc/self/fd/%d", fd);
    return fd;
}

/* ---- R1: the filtered document against the full one ------------------- */

#define MAXDEPTH 64
typedef struct jpath {
    const char *comp[MAXDEPTH]; /* key, or NULL for an array element */
    size_t depth;
} jpath;

/* Does the member path end in one of the lean drop patterns? Patterns are
 * matched the way json_filter.h documents: "[]" is any array element. */
static bool dropped_path(const jpath *p) {
    size_t n;
    const char *const *drops = cfb_results_lean_drops(&n);
    for (size_t i = 0; i < n; i++) {
        /* split "cases[].repetitions[].latency_s" into keys and NULL for "[]" */
        const char *comp[16];
        char keys[16][64];
        size_t k = 0;
        for (const char *s = drops[i]; *s && k < 16;) {
            if (s[0] == '[' && s[1] == ']') {
                comp[k++] = NULL;
                s += 2;
            } else if (*s == '.') {
                s++;
            } else {
                size_t l = strcspn(s, ".[");
                snprintf(keys[k], sizeof keys[k], "%.*s", (int)l, s);
                comp[k] = keys[k];
                k++;
                s += l;
            }
        }
        if (k != p->depth) continue;
        bool ok = true;
        for (size_t j = 0; j < k && ok; j++)
            ok = comp[j] ? p->comp[j] && !strcmp(comp[j], p->comp[j]) : !p->comp[j];
        if (ok) return true;
    }
    return false;
}

/* full and filt correspond at p; escapes: the input has a backslash (a
 * key may then be written with escapes, which the filter leaves alone). */
static void same_but_dropped(const json_t *full, const json_t *filt, jpath *p, bool escapes) {
    if (p->depth >= MAXDEPTH) {
        FUZZ_CHECK(json_equal(full, filt), "documents differ below depth %d", MAXDEPTH);
        return;
    }
    if (json_is_object(full)) {
        FUZZ_CHECK(json_is_object(filt), "object became type %d", json_typeof(filt));
        FUZZ_CHECK(json_object_size(full) == json_object_size(filt), "member count differs");
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)full, k, v) {
            json_t *w = json_object_get(filt, k);
            FUZZ_CHECK(w != NULL, "member '%s' lost by the filter", k);
            p->comp[p->depth++] = k;
            if (dropped_path(p)) {
                if (escapes)
                    FUZZ_CHECK(json_is_null(w) || json_equal(v, w), "'%s' neither dropped nor kept",
                               k);
                else
                    FUZZ_CHECK(json_is_null(w), "'%s' at a drop path was not dropped", k);
            } else {
                same_but_dropped(v, w, p, escapes);
            }
            p->depth--;
        }
        return;
    }
    if (json_is_array(full)) {
        FUZZ_CHECK(json_is_array(filt), "array became type %d", json_typeof(filt));
        FUZZ_CHECK(json_array_size(full) == json_array_size(filt), "array length differs");
        for (size_t i = 0; i < json_array_size(full); i++) {
            p->comp[p->depth++] = NULL;
            same_but_dropped(json_array_get(full, i), json_array_get(filt, i), p, escapes);
            p->depth--;
        }
        return;
    }
    FUZZ_CHECK(json_equal(full, filt), "a kept value differs (type %d vs %d)", json_typeof(full),
               json_typeof(filt));
}

/* ---- R4: export ---------------------------------------------------------- */

/* Fields per record of RFC 4180 text; -1 when the quoting is broken. Every
 * record must have the first one's count. */
static void check_csv(const char *s, size_t len) {
    long want = -1, fields = 1;
    bool inq = false, any = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        any = true;
        if (inq) {
            if (c == '"') {
                if (i + 1 < len && s[i + 1] == '"')
                    i++;
                else
                    inq = false;
            }
            continue;
        }
        if (c == '"') {
            FUZZ_CHECK(i == 0 || s[i - 1] == ',' || s[i - 1] == '\n',
                       "csv: a quote inside an unquoted field at byte %zu", i);
            inq = true;
        } else if (c == ',') {
            fields++;
        } else if (c == '\n') {
            if (want < 0) want = fields;
            FUZZ_CHECK(fields == want, "csv: a record of %ld fields after a header of %ld", fields,
                       want);
            fields = 1;
            any = false;
        }
    }
    FUZZ_CHECK(!inq, "csv: an unterminated quoted field");
    FUZZ_CHECK(!any, "csv: the last record has no newline");
}

static void check_export(const json_t *doc) {
    static const cfb_gbench_rows rows[] = {CFB_GBENCH_ALL, CFB_GBENCH_AGGREGATES,
                                           CFB_GBENCH_MEDIAN};
    for (int f = CFB_EXPORT_CSV; f <= CFB_EXPORT_GBENCH; f++) {
        for (size_t r = 0; r < (f == CFB_EXPORT_GBENCH ? 3u : 1u); r++) {
            char *buf = NULL;
            size_t len = 0;
            FILE *out = open_memstream(&buf, &len);
            if (!out) return;
            size_t skipped = 0;
            cfb_export_opts o = {.gbench_rows = rows[r], .skipped = &skipped};
            int rc = cfb_export_opt(doc, (cfb_export_format)f, &o, out);
            fclose(out);
            if (rc == 0 && f == CFB_EXPORT_CSV) check_csv(buf, len);
            if (rc == 0 && f == CFB_EXPORT_GBENCH) {
                json_error_t je;
                json_t *g = json_loadb(buf, len, 0, &je);
                FUZZ_CHECK(g && json_is_array(json_object_get(g, "benchmarks")),
                           "gbench export is not a JSON object with benchmarks: %s", je.text);
                json_decref(g);
            }
            free(buf);
        }
    }
}

/* ---- R5: compare with itself --------------------------------------------- */

static void check_compare(const cfb_results *doc, unsigned pick) {
    cfb_compare_opts o;
    cfb_compare_opts_default(&o);
    o.metric = (cfb_metric)(pick % 8);
    o.resamples = 200; /* speed: the verdict of a self-compare does not depend on it */
    o.correction = (int)(pick / 8 % 2);
    json_t *report = NULL;
    char err[512];
    int rc = cfb_compare_docs(doc, doc, "base", "new", &o, &report, err, sizeof err);
    if (rc != 0) {
        FUZZ_CHECK(rc == -1 && report == NULL, "compare: rc %d", rc);
        FUZZ_CHECK(err[0] && !strchr(err, '\n'), "compare: no one-line reason");
        return;
    }
    FUZZ_CHECK(cfb_compare_regressions(report) == 0,
               "a document compared with itself shows %d regression(s) (metric %s)",
               cfb_compare_regressions(report), cfb_metric_name(o.metric));
    FILE *out = fopen("/dev/null", "w");
    if (out) {
        cfb_compare_render_text(report, out);
        cfb_compare_render_markdown(report, out);
        fclose(out);
    }
    json_decref(report);
}

/* ---- R6: history of three identical runs ------------------------------ */

static void check_history(const char *path, unsigned pick) {
    const char *paths[3] = {path, path, path};
    cfb_history_opts o;
    cfb_history_opts_default(&o);
    o.metric = (cfb_metric)(pick % 8);
    o.order = CFB_HISTORY_BY_NAME;
    o.cpd.permutations = 19;
    o.cpd.min_size = 2;
    o.cpd.recent = 2;
    cfb_history h;
    char err[512];
    int rc = cfb_history_load(paths, 3, &o, &h, err, sizeof err);
    if (rc != 0) {
        FUZZ_CHECK(rc == -1 || rc == -2, "history: rc %d", rc);
        return;
    }
    FUZZ_CHECK(cfb_history_regressed(&h) == 0, "three identical runs show %zu regression(s)",
               cfb_history_regressed(&h));
    json_t *rep = cfb_history_report(&h);
    json_decref(rep);
    FILE *out = fopen("/dev/null", "w");
    if (out) {
        cfb_history_render_text(&h, out);
        cfb_history_render_markdown(&h, out);
        fclose(out);
    }
    cfb_history_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    int fd = mem_file(data, size, path, sizeof path);
    if (fd < 0) return 0;
    bool escapes = memchr(data, '\\', size) != NULL;
    unsigned pick = 0;
    for (size_t i = 0; i < size; i++)
        pick = pick * 31 + data[i];

    json_error_t je;
    json_t *full = json_loadb((const char *)data, size, JSON_DECODE_ANY, &je);
    size_t ndrop;
    const char *const *drops = cfb_results_lean_drops(&ndrop);
    json_t *filt = NULL;
    FILE *f = fopen(path, "rb");
    if (f) {
        size_t nd = 0;
        int rc = cfb_json_load_filtered(f, drops, ndrop, JSON_DECODE_ANY, &filt, &nd, &je);
        fclose(f);
        FUZZ_CHECK((rc == 0) == (filt != NULL), "filtered load: rc %d but doc %p", rc,
                   (void *)filt);
        /* R1 */
        if (full) {
            FUZZ_CHECK(filt != NULL, "jansson accepts the input, the filter does not: %s", je.text);
            jpath p = {.depth = 0};
            same_but_dropped(full, filt, &p, escapes);
        }
    }

    /* R2 */
    char err1[1024] = "", err2[1024] = "";
    json_t *a = NULL;
    cfb_results *lean = NULL;
    int ra = cfb_results_load(path, &a, err1, sizeof err1);
    int rb = cfb_results_read_filtered(path, drops, ndrop, &lean, err2, sizeof err2);
    FUZZ_CHECK((rb == 0) == (lean != NULL), "filtered read %d but doc %p", rb, (void *)lean);
    int valid = full ? cfb_results_validate(full, NULL, 0) == 0 : 0;
    FUZZ_CHECK((ra == 0) == valid && (ra == 0) == (a != NULL), "load %d, validate %d", ra, valid);
    if (full) FUZZ_CHECK(ra == rb, "load %d but filtered load %d (%s)", ra, rb, err2);
    if (ra) FUZZ_CHECK(err1[0] && !strchr(err1, '\n'), "load: no one-line reason");
    char err3[1024] = "";
    cfb_results *m = NULL;
    int rm = cfb_results_read(path, &m, err3, sizeof err3);
    FUZZ_CHECK(rm == ra && (rm == 0) == (m != NULL) && !strcmp(err1, err3),
               "model read %d (%s) but load %d (%s)", rm, err3, ra, err1);
    if (full) {
        char ev[1024] = "", ed[1024] = "";
        cfb_results *md = NULL;
        int rv = cfb_results_validate(full, ev, sizeof ev);
        int rd = cfb_results_decode(full, &md, ed, sizeof ed);
        FUZZ_CHECK(rv == rd && !strcmp(ev, ed), "decode %d (%s) but validate %d (%s)", rd, ed, rv,
                   ev);
        cfb_results_free(md);
    }

    if (a) {
        /* R3 */
        FUZZ_CHECK(json_equal(a, full), "cfb_results_load and json_loadb differ");
        char *s = json_dumps(a, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
        if (s) {
            json_t *again = json_loads(s, JSON_DECODE_ANY, &je);
            FUZZ_CHECK(again && json_equal(again, a), "round trip changed the document: %s",
                       again ? "not equal" : je.text);
            FUZZ_CHECK(cfb_results_validate(again, NULL, 0) == 0, "round trip made it invalid");
            json_decref(again);
            free(s);
        }
        if (m) { /* the model: decode + encode is the identity */
            json_t *enc = cfb_results_encode(m);
            char *x = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
            char *y =
                enc ? json_dumps(enc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17))
                    : NULL;
            FUZZ_CHECK(x && y && !strcmp(x, y), "model round trip changed the document");
            free(x);
            free(y);
            json_decref(enc);
        }
        if (lean && filt) { /* the lean model is the filtered JSON, decoded */
            json_t *enc = cfb_results_encode(lean);
            FUZZ_CHECK(enc && json_equal(enc, filt), "model round trip changed the lean document");
            json_decref(enc);
        }
        check_export(a);                     /* R4: export reads the full document */
        if (lean) check_compare(lean, pick); /* R5: compare reads the lean one */
        check_history(path, pick);           /* R6 */
    }
    cfb_results_free(m);
    cfb_results_free(lean);
    json_decref(a);
    json_decref(full);
    json_decref(filt);
    close(fd);
    return 0;
}
