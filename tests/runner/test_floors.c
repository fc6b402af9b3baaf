/*
 * test_floors.c — the host floors (runners/floors.h; issue 15, item 6):
 *  - the calibration returns a positive finite median and at least one
 *    iteration for every floor, and cleans up (no child left);
 *  - the JSON object round-trips through cfb_floors_from_json;
 *  - the per-boot cache: written on the first cfb_floors_get, reused on the
 *    second (cached), ignored and rewritten when corrupt, of another boot id
 *    (CFB_TEST_BOOT_ID), of another CPU model or of another version;
 *    fresh measures again.
 * No timing thresholds: only that figures exist and are sane.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "floors.h"

static char dir[] = "/tmp/cfb-test-floors-XXXXXX";
static char cache[256];

static void check_floors(const cfb_floors *f) {
    for (int k = 0; k < CFB_FLOOR_N; k++) {
        if (!(isfinite(f->f[k].median_s) && f->f[k].median_s > 0))
            fprintf(stderr, "floor %s: median %g (%s)\n", cfb_floor_key(k), f->f[k].median_s,
                    f->f[k].err);
        CHECK(isfinite(f->f[k].median_s) && f->f[k].median_s > 0);
        CHECK(f->f[k].iterations >= 1);
        CHECK(f->f[k].min_s <= f->f[k].median_s && f->f[k].median_s <= f->f[k].max_s);
    }
}

static void test_measure(void) {
    cfb_floors f;
    CHECK_EQ_INT(cfb_floors_measure(&f, 20), CFB_FLOOR_N);
    check_floors(&f);
    CHECK(!f.cached);
    CHECK(f.calibration_s > 0 && f.calibration_s < 30);
    CHECK(f.measured[0] == '2');
    /* every child reaped: none left to wait for */
    errno = 0;
    CHECK(waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD);
    /* JSON round trip */
    json_t *j = cfb_floors_json(&f);
    CHECK(json_is_false(json_object_get(j, "cached")));
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(j, "pipe_rt"), "unit")), "s");
    cfb_floors g;
    CHECK_EQ_INT(cfb_floors_from_json(j, &g), 0);
    for (int k = 0; k < CFB_FLOOR_N; k++) {
        CHECK(g.f[k].median_s == f.f[k].median_s);
        CHECK_EQ_INT(g.f[k].iterations, f.f[k].iterations);
    }
    /* a bad figure is not a floors object for the cache */
    json_object_set_new(json_object_get(j, "fork_exit_wait"), "median_s", json_real(-1));
    CHECK_EQ_INT(cfb_floors_from_json(j, &g), -1);
    json_decref(j);
    CHECK_EQ_INT(cfb_floors_from_json(NULL, &g), -1);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* Replace key's string value in the cache file with value. */
static void edit_cache(const char *key, const char *value) {
    json_t *doc = json_load_file(cache, 0, NULL);
    CHECK(doc != NULL);
    if (!doc) return;
    json_object_set_new(doc, key, json_string(value));
    CHECK_EQ_INT(json_dump_file(doc, cache, 0), 0);
    json_decref(doc);
}

static void test_cache(void) {
    cfb_floors f;
    char path[256];
    CHECK_EQ_INT(cfb_floors_cache_path(path, sizeof path), 0);
    CHECK_EQ_STR(path, cache);
    setenv("CFB_TEST_BOOT_ID", "boot-a", 1);
    char boot[64];
    cfb_floors_boot_id(boot, sizeof boot);
    CHECK_EQ_STR(boot, "boot-a");

    /* no file: measured, written */
    CHECK_EQ_INT(cfb_floors_get(&f, false), CFB_FLOOR_N);
    CHECK(!f.cached);
    CHECK(f.cache_written);
    CHECK(access(cache, R_OK) == 0);
    double pipe = f.f[CFB_FLOOR_PIPE].median_s;
    /* again: from the cache, the same figures */
    CHECK_EQ_INT(cfb_floors_get(&f, false), CFB_FLOOR_N);
    CHECK(f.cached);
    CHECK(!f.cache_written);
    CHECK(f.f[CFB_FLOOR_PIPE].median_s == pipe);
    check_floors(&f);
    json_t *j = cfb_floors_json(&f);
    CHECK(json_is_true(json_object_get(j, "cached")));
    json_decref(j);

    /* corrupt: ignored, measured, rewritten */
    write_file(cache, "{\"schema\": \"cfbench-floors\", trunc");
    CHECK_EQ_INT(cfb_floors_get(&f, false), CFB_FLOOR_N);
    CHECK(!f.cached);
    CHECK(f.cache_written);
    CHECK(strstr(f.cache_note, "ignored") != NULL);
    CHECK_EQ_INT(cfb_floors_get(&f, false), CFB_FLOOR_N);
    CHECK(f.cached);

    /* valid JSON, not a floors file */
    write_file(cache, "[1, 2, 3]\n");
    CHECK_EQ_INT(cfb_floors_get(&f, false), CFB_FLOOR_N);
    CHECK(!f.cached && f.cache_written);

    /* another boot */
    setenv("CFB_TEST_BOOT_ID", "boot-b", 1);
    CHECK_EQ_INT(cfb_floors_get(&f, false), CFB_FLOOR_N);
    CHECK(!f.cached && f.cache_written);
    CHECK(strstr(f.cache_note, "another boot") != NULL);
    CHECK_EQ_INT(cfb_floors_get(&f, false), CFB_FLOOR_N);
    CHECK(f.cached); /* now boot-b's */

    /* another CPU model */
    edit_cache("cpu_model", "Imaginary CPU 9000");
    CHECK_EQ_INT(cfb_floors_get(&f, false), CFB_FLOOR_N);
    CHECK(!f.cached && f.cache_written);
    CHECK(strstr(f.cache_note, "another CPU") != NULL);

    /* another schema */
    edit_cache("schema", "something-else");
    CHECK_EQ_INT(cfb_floors_get(&f, false), CFB_FLOOR_N);
    CHECK(!f.cached && f.cache_written);

    /* fresh: measured although the cache is valid */
    CHECK_EQ_INT(cfb_floors_get(&f, false), CFB_FLOOR_N);
    CHECK(f.cached);
    CHECK_EQ_INT(cfb_floors_get(&f, true), CFB_FLOOR_N);
    CHECK(!f.cached && f.cache_written);

    /* an unwritable cache: measured, not written, said why */
    setenv("CFB_FLOORS_CACHE", "/proc/cfb-no-such-dir/floors.json", 1);
    CHECK_EQ_INT(cfb_floors_get(&f, false), CFB_FLOOR_N);
    CHECK(!f.cached && !f.cache_written);
    CHECK(strstr(f.cache_note, "not written") != NULL);
    setenv("CFB_FLOORS_CACHE", cache, 1);

    /* the summary names every floor */
    char sum[256];
    cfb_floors_summary(&f, sum, sizeof sum);
    CHECK(strstr(sum, "futex") && strstr(sum, "pipe") && strstr(sum, "fork") &&
          strstr(sum, "HTTP"));
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    snprintf(cache, sizeof cache, "%s/sub/floors.json", dir); /* sub/: made by the writer */
    setenv("CFB_FLOORS_CACHE", cache, 1);
    RUN(test_measure);
    RUN(test_cache);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) fprintf(stderr, "cannot remove %s\n", dir);
    return check_summary();
}
