/* test_registry.c — the runtime registry (workloads/registry.c) and the
 * reference codec's writer/reader (workloads/refcodec.c): built-ins in
 * listing order, every validation refusal with its reason, a taken name,
 * origins; the writer's sticky errors, arrays, and the reader's kinds; every
 * built-in codec writes what runners/reference_python.py reads. */
#include <jansson.h>
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "workload.h"

static int mk(const cfb_params *p, cfb_tasklist *tl, char *e, size_t n) {
    (void)p, (void)e, (void)n;
    return cfb_tasklist_add(tl, NULL, 0, NULL);
}
static void task(const void *a, size_t l, cf_out *o) {
    (void)a, (void)l, (void)o;
}
static void expect_refused(const cfb_workload *w, int code, const char *reason) {
    char err[256] = "";
    CHECK_EQ_INT(cfb_workload_register(w, "/x/p.so", err, sizeof err), code);
    if (!strstr(err, reason)) fprintf(stderr, "  want '%s', got '%s'\n", reason, err);
    CHECK(strstr(err, reason) != NULL);
}

static void test_builtins(void) {
    size_t n;
    const cfb_workload *const *all = cfb_workloads_all(&n);
    const char *want[] = {"primes", "loiter", "noop", "flags", "spinner", "cmd"};
    CHECK_EQ_INT(n, 6);
    for (size_t i = 0; i < n && i < 6; i++) {
        CHECK_EQ_STR(all[i]->name, want[i]);
        CHECK(cfb_workload_origin(all[i]) == NULL);
        CHECK(cfb_workload_find(want[i]) == all[i]);
    }
    CHECK(all[n] == NULL);
    CHECK(cfb_workload_find("nope") == NULL);
    CHECK(cfb_workload_find(NULL) == NULL);
    /* the ones the Python reference knows have a codec; the others none */
    CHECK(cfb_workload_find("primes")->reference && cfb_workload_find("flags")->reference);
    CHECK(!cfb_workload_find("cmd")->reference && !cfb_workload_find("spinner")->reference);
}

static const cfb_param_def p_ok[] = {{"n", CFB_P_INT, "3", "n", 1, 10, NULL}};
static const cfb_param_def p_bad[] = {{"n", CFB_P_INT, "30", "n", 1, 10, NULL}};
static const cfb_param_def p_twice[] = {{"n", CFB_P_INT, "3", "n", 1, 10, NULL},
                                        {"n", CFB_P_INT, "3", "n", 1, 10, NULL}};
static const char *const sd_bad_key[] = {"m=1", NULL};
static const char *const sd_bad_val[] = {"n=11", NULL};
static const char *const sd_no_eq[] = {"n", NULL};
static const char *const sd_ok[] = {"n=5", NULL};
static const cfb_reference_codec codec_empty = {NULL, NULL};

static void test_validation(void) {
    cfb_workload w = {.name = "t1", .make_tasks = mk, .task = task};
    cfb_workload v = w;
    v.name = NULL;
    expect_refused(&v, CF_EINVAL, "without a valid name");
    v.name = "";
    expect_refused(&v, CF_EINVAL, "without a valid name");
    v.name = "Upper";
    expect_refused(&v, CF_EINVAL, "without a valid name");
    v.name = "a.b";
    expect_refused(&v, CF_EINVAL, "without a valid name");
    v = w, v.task = NULL;
    expect_refused(&v, CF_EINVAL, "workload 't1': no task");
    v = w, v.make_tasks = NULL;
    expect_refused(&v, CF_EINVAL, "workload 't1': no make_tasks");
    v = w, v.nparams = 1;
    expect_refused(&v, CF_EINVAL, "nparams 1 but no params");
    v = w, v.params = p_bad, v.nparams = 1;
    expect_refused(&v, CF_EINVAL, "bad param default: n: 30 is above the maximum 10");
    v = w, v.params = p_twice, v.nparams = 2;
    expect_refused(&v, CF_EINVAL, "param 'n' declared twice");
    v = w, v.params = p_ok, v.nparams = 1, v.sweep_defaults = sd_bad_key;
    expect_refused(&v, CF_EINVAL, "sweep default: unknown parameter 'm'");
    v.sweep_defaults = sd_bad_val;
    expect_refused(&v, CF_EINVAL, "sweep default: n: 11 is above the maximum 10");
    v.sweep_defaults = sd_no_eq;
    expect_refused(&v, CF_EINVAL, "sweep default 'n' is not KEY=VALUE");
    v = w, v.reference = &codec_empty;
    expect_refused(&v, CF_EINVAL, "a reference codec without write_tasks");
    expect_refused(cfb_workload_find("noop"), CF_ESTATE, "'noop' is already registered (built in)");
    CHECK(cfb_workload_find("t1") == NULL); /* nothing above was added */
}

static cfb_workload t2 = {.name = "t2", .make_tasks = mk, .task = task};
static cfb_workload t2b = {.name = "t2", .make_tasks = mk, .task = task};

static void test_register(void) {
    char err[256] = "";
    size_t n0, n1;
    cfb_workloads_all(&n0);
    t2.params = p_ok, t2.nparams = 1, t2.sweep_defaults = sd_ok;
    CHECK_EQ_INT(cfb_workload_register(&t2, "/x/p.so", err, sizeof err), 0);
    const cfb_workload *const *all = cfb_workloads_all(&n1);
    CHECK_EQ_INT(n1, n0 + 1);
    CHECK(all[n1 - 1] == &t2 && all[n1] == NULL);
    CHECK(cfb_workload_find("t2") == &t2);
    CHECK_EQ_STR(cfb_workload_origin(&t2), "/x/p.so");
    expect_refused(&t2b, CF_ESTATE, "workload 't2' is already registered by /x/p.so");
    CHECK(cfb_workload_origin(&t2b) == NULL);
}

static void test_writer(void) {
    cfb_refw *w = cfb_refw_new();
    CHECK(w != NULL);
    CHECK_EQ_INT(cfb_refw_int(w, "n", 7), 0);
    CHECK_EQ_INT(cfb_refw_double(w, "x", 0.25), 0);
    CHECK_EQ_INT(cfb_refw_string(w, "s", "hi"), 0);
    CHECK_EQ_INT(cfb_refw_bool(w, "b", true), 0);
    CHECK_EQ_INT(cfb_refw_array_begin(w, "a"), 0);
    CHECK_EQ_INT(cfb_refw_int(w, NULL, 1), 0);
    CHECK_EQ_INT(cfb_refw_array_begin(w, NULL), 0);
    CHECK_EQ_INT(cfb_refw_string(w, NULL, "in"), 0);
    CHECK_EQ_INT(cfb_refw_array_end(w), 0);
    CHECK_EQ_INT(cfb_refw_array_end(w), 0);
    json_t *o = cfb_refw_finish(w);
    CHECK(o != NULL);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    CHECK_EQ_STR(text, "{\"a\":[1,[\"in\"]],\"b\":true,\"n\":7,\"s\":\"hi\",\"x\":0.25}");
    free(text);
    /* the reader over the same object */
    const cfb_refv *a = cfb_refv_of(json_object_get(o, "a"));
    CHECK_EQ_INT(cfb_refv_kind_of(a), CFB_REFV_ARRAY);
    CHECK_EQ_INT(cfb_refv_len(a), 2);
    CHECK_EQ_INT(cfb_refv_int(cfb_refv_at(a, 0)), 1);
    CHECK_EQ_INT(cfb_refv_kind_of(cfb_refv_at(a, 1)), CFB_REFV_ARRAY);
    CHECK_EQ_STR(cfb_refv_string(cfb_refv_at(cfb_refv_at(a, 1), 0)), "in");
    CHECK(cfb_refv_at(a, 2) == NULL);
    CHECK_EQ_INT(cfb_refv_kind_of(cfb_refv_at(a, 2)), CFB_REFV_NULL);
    CHECK(cfb_refv_double(cfb_refv_of(json_object_get(o, "x"))) == 0.25);
    CHECK(cfb_refv_double(cfb_refv_at(a, 0)) == 1.0); /* an INT converts */
    CHECK(cfb_refv_bool(cfb_refv_of(json_object_get(o, "b"))));
    CHECK_EQ_INT(cfb_refv_kind_of(cfb_refv_of(o)), CFB_REFV_OTHER);
    CHECK(cfb_refv_string(a) == NULL && cfb_refv_len(cfb_refv_of(json_object_get(o, "n"))) == 0);
    json_decref(o);

    /* errors are sticky and finish returns NULL */
    w = cfb_refw_new();
    CHECK_EQ_INT(cfb_refw_int(w, NULL, 1), CF_EINVAL); /* no key at the top */
    CHECK_EQ_INT(cfb_refw_int(w, "ok", 1), CF_EINVAL); /* sticky */
    CHECK(cfb_refw_finish(w) == NULL);
    w = cfb_refw_new();
    CHECK_EQ_INT(cfb_refw_array_begin(w, "a"), 0);
    CHECK_EQ_INT(cfb_refw_int(w, "k", 1), CF_EINVAL); /* a key inside an array */
    CHECK(cfb_refw_finish(w) == NULL);
    w = cfb_refw_new();
    CHECK_EQ_INT(cfb_refw_array_end(w), CF_EINVAL); /* end without begin */
    CHECK(cfb_refw_finish(w) == NULL);
    w = cfb_refw_new();
    CHECK_EQ_INT(cfb_refw_array_begin(w, "open"), 0);
    CHECK(cfb_refw_finish(w) == NULL); /* an array left open */
    w = cfb_refw_new();
    for (int i = 0; i < 8; i++)
        CHECK_EQ_INT(cfb_refw_array_begin(w, i ? NULL : "deep"), 0);
    CHECK_EQ_INT(cfb_refw_array_begin(w, NULL), CF_EINVAL); /* deeper than 8 */
    CHECK(cfb_refw_finish(w) == NULL);
    CHECK(cfb_refw_finish(NULL) == NULL);
    CHECK_EQ_INT(cfb_refw_int(NULL, "x", 1), CF_EINVAL);
}

/* loiter's codec: sleeps out, i*10 back */
static void test_builtin_codec(void) {
    const cfb_workload *w = cfb_workload_find("loiter");
    cfb_params *p = NULL;
    char err[256];
    CHECK_EQ_INT(cfb_params_new(w->params, w->nparams, &p, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_params_set(p, "tasks", "3", err, sizeof err), 0);
    CHECK_EQ_INT(cfb_params_set(p, "unit", "0.5", err, sizeof err), 0);
    cfb_tasklist tl = {0};
    CHECK_EQ_INT(w->make_tasks(p, &tl, err, sizeof err), 0);
    cfb_refw *rw = cfb_refw_new();
    CHECK_EQ_INT(w->reference->write_tasks(p, &tl, rw, err, sizeof err), 0);
    json_t *o = cfb_refw_finish(rw);
    json_t *s = json_object_get(o, "sleeps");
    CHECK(json_is_array(s) && json_array_size(s) == 3);
    CHECK(fabs(json_number_value(json_array_get(s, 2)) - 1.0) < 1e-12); /* ramp: 2 * 0.5 */
    json_t *ans = json_integer(20);
    unsigned char buf[64];
    size_t len = 0;
    CHECK_EQ_INT(w->reference->read_value(p, cfb_refv_of(ans), buf, sizeof buf, &len), 0);
    char why[128];
    CHECK_EQ_INT(w->check(p, 2, buf, len, why, sizeof why), 0);
    json_t *bad = json_string("x");
    CHECK_EQ_INT(w->reference->read_value(p, cfb_refv_of(bad), buf, sizeof buf, &len), -1);
    json_decref(bad);
    json_decref(ans);
    json_decref(o);
    /* a task list the codec cannot read: a reason, not a crash */
    cfb_tasklist odd = {0};
    CHECK_EQ_INT(cfb_tasklist_add(&odd, "xy", 2, NULL), 0);
    rw = cfb_refw_new();
    CHECK(w->reference->write_tasks(p, &odd, rw, err, sizeof err) != 0);
    CHECK(strstr(err, "loiter: task 0") != NULL);
    json_decref(cfb_refw_finish(rw));
    cfb_tasklist_free(&odd);
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
}

int main(void) {
    test_builtins();
    test_validation();
    test_register();
    test_writer();
    test_builtin_codec();
    return check_summary();
}
