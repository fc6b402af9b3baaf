/* test_model_json.c — the results model's JSON codec (results/include/cfbench_results.h):
 *  - every results document under tests/, docs/results/ and the fuzz
 *    corpus decodes, and encodes back to the same JSON: equal dumps at 17
 *    significant digits with the keys in file order (exact), and, for a
 *    file in cfbench's own format, byte-identical through
 *    cfb_results_write;
 *  - a fresh in-process sweep's file, read and written back through the
 *    model, is byte-identical;
 *  - values the model cannot type (wrong types, NUL bytes, unknown keys)
 *    survive in place;
 *  - every validation error path gives cfb_results_validate's message. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cfbench_results.h"
#include "modes.h"
#include "results_io.h"
#include "sweep.h"
#include "sweep_support.h"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) b[n] = '\0', *len = (size_t)n;
    return b;
}

static char *exact(const json_t *j) {
    return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17) |
                             JSON_ENCODE_ANY);
}

static char tmpdir[] = "/tmp/cfb-model-XXXXXX";
static int nfiles, nbyte_identical, nrejected;

/* One file: decode + encode gives the same document; byte-identical when
 * the file is what cfb_results_save writes. */
static void round_trip(const char *path) {
    size_t len;
    char *bytes = slurp(path, &len);
    if (!bytes) return;
    json_error_t je;
    json_t *doc = json_loadb(bytes, len, JSON_DECODE_ANY, &je);
    char err[512];
    cfb_results *m = NULL;
    if (!doc || cfb_results_validate(doc, err, sizeof err)) { /* not a valid results file */
        CHECK(!doc || cfb_results_decode(doc, &m, err, sizeof err) == -1);
        CHECK(m == NULL);
        nrejected++;
        json_decref(doc);
        free(bytes);
        return;
    }
    nfiles++;
    CHECK_EQ_INT(cfb_results_decode(doc, &m, err, sizeof err), 0);
    json_t *enc = m ? cfb_results_encode(m) : NULL;
    char *a = exact(doc), *b = enc ? exact(enc) : NULL;
    CHECK(a && b && !strcmp(a, b));
    if (!(a && b && !strcmp(a, b))) fprintf(stderr, "  round trip differs: %s\n", path);
    /* the file as cfbench writes it? then the model writes the same bytes */
    char *canon = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (canon && strlen(canon) + 1 == len && !memcmp(canon, bytes, len - 1) &&
        bytes[len - 1] == '\n') {
        char out[512];
        snprintf(out, sizeof out, "%s/rt.json", tmpdir);
        CHECK_EQ_INT(cfb_results_write(out, m, err, sizeof err), 0);
        size_t l2;
        char *b2 = slurp(out, &l2);
        CHECK(b2 && l2 == len && !memcmp(b2, bytes, len));
        if (!(b2 && l2 == len && !memcmp(b2, bytes, len)))
            fprintf(stderr, "  bytes differ: %s\n", path);
        free(b2);
        unlink(out);
        nbyte_identical++;
    }
    /* and through the file reader */
    cfb_results *m2 = NULL;
    CHECK_EQ_INT(cfb_results_read(path, &m2, err, sizeof err), 0);
    CHECK(m2 && cfb_results_ncases(m2) == cfb_results_ncases(m));
    cfb_results_free(m2);
    free(canon);
    free(a);
    free(b);
    json_decref(enc);
    cfb_results_free(m);
    json_decref(doc);
    free(bytes);
}

static void walk(const char *dir, bool all_files) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st)) continue;
        size_t l = strlen(e->d_name);
        if (S_ISDIR(st.st_mode))
            walk(p, all_files);
        else if (all_files || (l > 5 && !strcmp(e->d_name + l - 5, ".json")))
            round_trip(p);
    }
    closedir(d);
}

static void test_files(void) {
    walk(CFB_TESTS_DIR, false);
    walk(CFB_SOURCE_DIR "/docs/results", false);
    walk(CFB_SOURCE_DIR "/fuzz/corpus/results_read", true);
    fprintf(stderr, "round trip: %d documents (%d byte-identical files), %d rejected\n", nfiles,
            nbyte_identical, nrejected);
    CHECK(nfiles >= 10);
    CHECK(nbyte_identical >= 4);
}

/* A sweep written by today's writer, read and written through the model. */
static void test_sweep_file(void) {
    int workers[] = {1, 2};
    cfb_override ov[] = {{NULL, "set", "small", true}};
    char path[512], out[512], err[512];
    snprintf(path, sizeof path, "%s/sweep.json", tmpdir);
    snprintf(out, sizeof out, "%s/sweep-model.json", tmpdir);
    cfbt_sweep s;
    cfbt_sweep_init(&s, "primes", "seq,thread", workers, 2, 2, ov, 1);
    CHECK_EQ_INT(cfbt_sweep_run(&s.cfg, path, err, sizeof err), 0);
    cfb_results *m = NULL;
    CHECK_EQ_INT(cfb_results_read(path, &m, err, sizeof err), 0);
    if (!m) return;
    CHECK_EQ_INT(cfb_results_write(out, m, err, sizeof err), 0);
    size_t l1 = 0, l2 = 0;
    char *b1 = slurp(path, &l1), *b2 = slurp(out, &l2);
    CHECK(b1 && b2 && l1 == l2 && !memcmp(b1, b2, l1));
    /* typed reads of what the sweep wrote */
    CHECK_EQ_INT(cfb_results_ncases(m), 3);
    const cfb_rcase *seq = cfb_results_find(m, "primes/seq/w1");
    const cfb_rcase *t2 = cfb_results_find(m, "primes/thread/w2");
    CHECK(seq && t2);
    if (seq && t2) {
        CHECK(cfb_results_seq_of(m, t2) == seq);
        CHECK_EQ_STR(cfb_rcase_impl(t2), "c");
        CHECK_EQ_STR(cfb_rcase_bound(t2), "cpu");
        CHECK_EQ_STR(cfb_rcase_param(t2, "set"), "small");
        CHECK_EQ_INT(cfb_rcase_nreps(t2), 2);
        const cfb_repetition *r = cfb_rcase_rep(t2, 1);
        CHECK_EQ_INT(cfb_repetition_index(r), 1);
        CHECK(cfb_repetition_wall_s(r) > 0);
        long long ok;
        CHECK(cfb_repetition_int(r, CFB_REP_TASKS_OK, &ok) && ok == cfb_rcase_tasks(t2));
        cfb_latency lat;
        CHECK(cfb_repetition_latency(r, &lat) && lat.p50 <= lat.max);
        /* the speedup the sweep wrote is the one the model derives */
        double sp, eff, ov2;
        cfb_derived dv;
        CHECK(cfb_rcase_sum(t2, CFB_SUM_SPEEDUP, &sp));
        CHECK(cfb_rcase_sum(t2, CFB_SUM_EFFICIENCY, &eff));
        CHECK(cfb_rcase_sum(t2, CFB_SUM_OVERHEAD_PER_TASK_S, &ov2));
        CHECK_EQ_INT(cfb_rcase_derived(m, t2, &dv), 0);
        /* (the file holds 10 significant digits: the overhead, a difference,
         * is exact only to 1e-9 of its terms) */
        double scale = 2 * cfb_rcase_median_wall(t2) / (double)cfb_rcase_tasks(t2);
        CHECK(fabs(dv.speedup - sp) <= 1e-8 * sp);
        CHECK(fabs(dv.efficiency - eff) <= 1e-8 * eff);
        CHECK(fabs(dv.overhead_per_task_s - ov2) <= 1e-8 * scale);
    }
    free(b1);
    free(b2);
    cfb_results_free(m);
    unlink(path);
    unlink(out);
}

/* decode + encode of text s gives s back (compact, key order kept) */
static void same_back(const char *s) {
    json_t *doc = json_loads(s, JSON_ALLOW_NUL, NULL);
    char err[512];
    cfb_results *m = NULL;
    CHECK(doc && cfb_results_decode(doc, &m, err, sizeof err) == 0);
    json_t *enc = m ? cfb_results_encode(m) : NULL;
    char *a = doc ? exact(doc) : NULL, *b = enc ? exact(enc) : NULL;
    CHECK(a && b && !strcmp(a, b));
    if (a && b && strcmp(a, b)) fprintf(stderr, "  in:  %s\n  out: %s\n", a, b);
    free(a);
    free(b);
    json_decref(enc);
    json_decref(doc);
    cfb_results_free(m);
}

static void test_verbatim(void) {
    /* unknown keys at the top, in a case, a repetition, a summary, a stats
     * object; known keys of unexpected types; an integer wall_s; a NUL in
     * a string; keys in a hand-made order */
    same_back("{\"x-first\": 1, \"cases\": [{\"summary\": {\"wall_s\": {\"n\": 1, \"median\": 2,"
              " \"zz\": [1]}, \"speedup\": \"fast\", \"new\": {}}, \"id\": \"a\\u0000b\","
              " \"workload\": \"w\", \"mode\": \"seq\", \"workers\": 1, \"tasks\": 3,"
              " \"repetitions\": [{\"wall_s\": 1, \"index\": 0, \"user_s\": \"n/a\","
              " \"latency_s\": [1, 2], \"counts\": {\"ok\": 3, \"error\": 0}, \"mine\": true}],"
              " \"impl\": 7, \"params\": {\"k\": 1}}], \"schema\": \"cfbench-results\","
              " \"schema_version\": 1, \"complete\": false, \"mpi\": {\"world_size\": 3},"
              " \"tool\": {\"name\": \"x\", \"extra\": null}, \"interrupted\": \"maybe\"}");
    /* typed reads of such a document */
    const char *s =
        "{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true,"
        " \"mpi\": {\"world_size\": 3}, \"cases\": [{\"id\": \"i\", \"workload\": \"w\","
        " \"mode\": \"thread\", \"workers\": 2, \"tasks\": 4, \"error\": \"boom\","
        " \"repetitions\": [{\"index\": 0, \"wall_s\": 2, \"user_s\": \"n/a\","
        " \"cpu_s\": null}]}]}";
    json_t *doc = json_loads(s, 0, NULL);
    cfb_results *m = NULL;
    char err[256];
    CHECK(doc && cfb_results_decode(doc, &m, err, sizeof err) == 0);
    if (m) {
        CHECK(cfb_results_complete(m) && !cfb_results_interrupted(m));
        CHECK(json_integer_value(json_object_get(cfb_results_extension(m, "mpi"), "world_size")) ==
              3);
        CHECK(cfb_results_extension(m, "cases") == NULL);
        const cfb_rcase *c = cfb_results_case(m, 0);
        CHECK_EQ_STR(cfb_rcase_error(c), "boom");
        CHECK_EQ_STR(cfb_rcase_impl(c), "c");
        CHECK(cfb_rcase_impl_raw(c) == NULL);
        CHECK(!cfb_rcase_has_summary(c) && !cfb_rcase_has_params(c));
        const cfb_repetition *r = cfb_rcase_rep(c, 0);
        double v;
        CHECK(cfb_repetition_wall_s(r) == 2.0);
        CHECK(!cfb_repetition_num(r, CFB_REP_USER_S, &v));
        CHECK_EQ_INT(cfb_repetition_state(r, CFB_REP_USER_S), CFB_FIELD_VERBATIM);
        CHECK_EQ_INT(cfb_repetition_state(r, CFB_REP_CPU_S), CFB_FIELD_NULL);
        CHECK_EQ_INT(cfb_repetition_state(r, CFB_REP_SYS_S), CFB_FIELD_ABSENT);
        CHECK(!cfb_repetition_latency(r, &(cfb_latency){0}));
        /* a setter replaces a verbatim value in place */
        cfb_repetition *rw = (cfb_repetition *)cfb_rcase_rep(cfb_results_case_mut(m, 0), 0);
        CHECK_EQ_INT(cfb_repetition_set_num(rw, CFB_REP_USER_S, 0.5), 0);
        CHECK(cfb_repetition_num(rw, CFB_REP_USER_S, &v) && v == 0.5);
        json_t *enc = cfb_results_encode(m);
        char *e = enc ? exact(enc) : NULL;
        CHECK(e && strstr(e, "\"repetitions\":[{\"index\":0,\"wall_s\":2,\"cpu_s\":null,"
                             "\"user_s\":0.5}]"));
        free(e);
        json_decref(enc);
    }
    cfb_results_free(m);
    json_decref(doc);
}

/* every validation failure: decode fails with the validator's message */
static void test_errors(void) {
    static const struct {
        const char *doc, *msg;
    } bad[] = {
        {"[]", "not a cfbench results document (top level is not an object)"},
        {"{\"schema\": \"x\"}",
         "not a cfbench results document (schema is not \"cfbench-results\")"},
        {"{\"schema\": \"cfbench-results\"}", "missing required field 'schema_version'"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 2}",
         "schema_version 2 was written by a newer cfbench (this one reads up to 1)"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 0}", "invalid schema_version 0"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1}",
         "missing required field 'complete'"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": 1}",
         "field 'complete' is not a boolean"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true}",
         "missing required field 'cases'"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "{}}",
         "field 'cases' is not an array"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "[1]}",
         "cases[0] is not an object"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "[{}]}",
         "missing required field 'id' in cases[0]"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "[{\"id\": \"a\\nb\"}]}",
         "missing required field 'workload' in case a\\x0ab"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "[{\"id\": \"a\", \"workload\": \"w\", \"mode\": 1}]}",
         "field 'mode' in case a is not a string"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "[{\"id\": \"a\", \"workload\": \"w\", \"mode\": \"m\", \"workers\": 1.5}]}",
         "field 'workers' in case a is not an integer"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "[{\"id\": \"a\", \"workload\": \"w\", \"mode\": \"m\", \"workers\": 1}]}",
         "missing required field 'tasks' in case a"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "[{\"id\": \"a\", \"workload\": \"w\", \"mode\": \"m\", \"workers\": 1, \"tasks\": 1}]}",
         "missing required field 'repetitions' in case a"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "[{\"id\": \"a\", \"workload\": \"w\", \"mode\": \"m\", \"workers\": 1, \"tasks\": 1, "
         "\"repetitions\": []}]}",
         "missing required field 'summary' in case a"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "[{\"id\": \"a\", \"workload\": \"w\", \"mode\": \"m\", \"workers\": 1, \"tasks\": 1, "
         "\"repetitions\": [], \"summary\": []}]}",
         "field 'summary' in case a is not an object"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "[{\"id\": \"a\", \"workload\": \"w\", \"mode\": \"m\", \"workers\": 1, \"tasks\": 1, "
         "\"error\": \"e\", \"repetitions\": [2]}]}",
         "case a repetition 0 is not an object"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "[{\"id\": \"a\", \"workload\": \"w\", \"mode\": \"m\", \"workers\": 1, \"tasks\": 1, "
         "\"error\": \"e\", \"repetitions\": [{\"wall_s\": 1}]}]}",
         "missing required field 'index' in case a repetition 0"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "[{\"id\": \"a\", \"workload\": \"w\", \"mode\": \"m\", \"workers\": 1, \"tasks\": 1, "
         "\"error\": \"e\", \"repetitions\": [{\"index\": 0, \"wall_s\": \"1\"}]}]}",
         "field 'wall_s' in case a repetition 0 is not a number"},
        {"{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, \"cases\": "
         "[{\"id\": \"a\", \"workload\": \"w\", \"mode\": \"m\", \"workers\": 1, \"tasks\": 1, "
         "\"error\": \"e\", \"repetitions\": [{\"index\": 0, \"wall_s\": -1}]}]}",
         "field 'wall_s' in case a repetition 0 is negative"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *doc = json_loads(bad[i].doc, JSON_DECODE_ANY, NULL);
        char err[512] = "", verr[512] = "";
        cfb_results *m = (cfb_results *)1;
        CHECK(doc != NULL);
        CHECK_EQ_INT(cfb_results_decode(doc, &m, err, sizeof err), -1);
        CHECK(m == NULL);
        CHECK_EQ_STR(err, bad[i].msg);
        CHECK_EQ_INT(cfb_results_validate(doc, verr, sizeof verr), -1);
        CHECK_EQ_STR(verr, err);
        json_decref(doc);
    }
    char err[512];
    cfb_results *m;
    CHECK_EQ_INT(cfb_results_decode(NULL, &m, err, sizeof err), -1);
    CHECK_EQ_INT(cfb_results_decode(NULL, NULL, err, sizeof err), -1);
    /* the file reader: cfb_results_load's messages */
    CHECK_EQ_INT(cfb_results_read("/nonexistent/x.json", &m, err, sizeof err), -1);
    CHECK(m == NULL && strstr(err, "/nonexistent/x.json: cannot read: "));
    char p[512];
    snprintf(p, sizeof p, "%s/bad.json", tmpdir);
    FILE *f = fopen(p, "w");
    if (f) fputs("{\"schema\": ", f), fclose(f);
    CHECK_EQ_INT(cfb_results_read(p, &m, err, sizeof err), -1);
    CHECK(strstr(err, ": not valid JSON (line 1, column "));
    f = fopen(p, "w");
    if (f) fputs("{\"schema\": \"cfbench-results\", \"schema_version\": 9}", f), fclose(f);
    CHECK_EQ_INT(cfb_results_read(p, &m, err, sizeof err), -1);
    CHECK(strstr(err, "bad.json: schema_version 9 was written by a newer cfbench"));
    unlink(p);
    /* writing: an unwritable target says so */
    cfb_results *d = cfb_results_new();
    CHECK(d != NULL);
    CHECK_EQ_INT(cfb_results_write("/proc/version", d, err, sizeof err), -1);
    CHECK(err[0] != '\0');
    cfb_results_free(d);
}

int main(void) {
    if (!mkdtemp(tmpdir)) return 1;
    test_files();
    test_sweep_file();
    test_verbatim();
    test_errors();
    rmdir(tmpdir);
    return check_summary();
}
