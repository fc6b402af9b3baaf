/* test_param_scan.c — the scan syntax of a --param value (param_scan.h,
 * docs/scans.md): lists, ranges with additive and multiplicative steps,
 * canonical texts, repeats, and every refused form. */
#include <math.h>

#include "check.h"
#include "param_scan.h"
#include "workload.h"

static const char *const colours[] = {"red", "green", NULL};
static const cfb_param_def d_int = {"n", CFB_P_INT, "5", "count", 1, 100000, NULL};
static const cfb_param_def d_big = {"big", CFB_P_INT, "1", "huge", 0, 9e18, NULL};
static const cfb_param_def d_dbl = {"x", CFB_P_DOUBLE, "0.5", "secs", 0, 2, NULL};
static const cfb_param_def d_neg = {"y", CFB_P_DOUBLE, "0", "any", 1, 0, NULL};
static const cfb_param_def d_bool = {"b", CFB_P_BOOL, "false", "flag", 1, 0, NULL};
static const cfb_param_def d_str = {"s", CFB_P_STRING, "", "free text", 1, 0, NULL};
static const cfb_param_def d_choice = {"c", CFB_P_STRING, "red", "colour", 1, 0, colours};

/* Expand text by d and compare with the space-separated want. */
static void expect(const cfb_param_def *d, const char *text, const char *want) {
    char **v = NULL, err[256] = "";
    size_t n = 0;
    int rc = cfb_param_scan(d, text, &v, &n, err, sizeof err);
    CHECK_EQ_INT(rc, 1);
    char got[4096] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof got; i++)
        len += (size_t)snprintf(got + len, sizeof got - len, "%s%s", i ? " " : "", v[i]);
    if (strcmp(got, want))
        fprintf(stderr, "  %s=%s: got '%s' want '%s' (%s)\n", d->name, text, got, want, err);
    CHECK_EQ_STR(got, want);
    cfb_param_scan_free(v, n);
}

/* text is refused with a reason containing `why`. */
static void refused(const cfb_param_def *d, const char *text, const char *why) {
    char **v = (char **)1, err[256] = "";
    size_t n = 7;
    CHECK_EQ_INT(cfb_param_scan(d, text, &v, &n, err, sizeof err), CF_EINVAL);
    CHECK(v == NULL && n == 0);
    if (!strstr(err, why)) fprintf(stderr, "  %s=%s: '%s' lacks '%s'\n", d->name, text, err, why);
    CHECK(strstr(err, why) != NULL);
    CHECK(strncmp(err, d->name, strlen(d->name)) == 0); /* names the parameter */
    CHECK(strchr(err, '\n') == NULL);
}

/* text is a single value, not a scan. */
static void single(const cfb_param_def *d, const char *text) {
    char **v = (char **)1, err[64];
    size_t n = 7;
    CHECK(!cfb_param_is_scan(d, text));
    CHECK_EQ_INT(cfb_param_scan(d, text, &v, &n, err, sizeof err), 0);
    CHECK(v == NULL && n == 0);
}

static void test_lists_and_ranges(void) {
    expect(&d_int, "1,2,4", "1 2 4");
    expect(&d_int, "1..5", "1 2 3 4 5");
    expect(&d_int, "1..64:x2", "1 2 4 8 16 32 64");
    expect(&d_int, "1..100:x3", "1 3 9 27 81");
    expect(&d_int, "0010,20", "10 20"); /* canonical text */
    expect(&d_int, "1..10:+4", "1 5 9");
    expect(&d_int, "5..5", "5");
    expect(&d_int, "1..4,8,16..64:x4", "1 2 3 4 8 16 64");
    expect(&d_int, "4,1..4", "4 1 2 3"); /* order given, a repeat kept once */
    expect(&d_big, "9000000000000000000,8999999999999999999",
           "9000000000000000000 8999999999999999999");
    expect(&d_big, "8999999999999999998..9000000000000000000",
           "8999999999999999998 8999999999999999999 9000000000000000000"); /* exact past 2^53 */
    expect(&d_big, "1..9000000000000000000:x1000000000", "1 1000000000 1000000000000000000");
    expect(&d_dbl, "0..1:+0.25", "0 0.25 0.5 0.75 1");
    expect(&d_dbl, "0..0.3:+0.1", "0 0.1 0.2 0.3"); /* the end despite rounding */
    expect(&d_dbl, "0.001..0.008:x2", "0.001 0.002 0.004 0.008");
    expect(&d_dbl, "0..2", "0 1 2");
    expect(&d_dbl, "0.5,0.50,1e-1", "0.5 0.1");
    expect(&d_neg, "-1..1:+0.5", "-1 -0.5 0 0.5 1");
    expect(&d_bool, "true,false", "true false");
    expect(&d_bool, "yes,0,on", "true false");
}

static void test_single_values(void) {
    single(&d_int, "5");
    single(&d_dbl, "0.5");
    single(&d_bool, "true");
    single(&d_str, "a,b,c"); /* commas are literal in strings */
    single(&d_str, "../dir");
    single(&d_str, "1..x");
    single(&d_choice, "red");
    single(&d_bool, "1..0x"); /* not a numeric range: the value's own check says no */
}

static void test_refused(void) {
    refused(&d_int, "5,,10", "empty item");
    refused(&d_int, ",5", "empty item");
    refused(&d_int, "5,", "empty item");
    refused(&d_int, "10..5", "reversed range");
    refused(&d_int, "..5", "both ends");
    refused(&d_int, "1..", "both ends");
    refused(&d_int, "1..64:x0", "above 1");
    refused(&d_int, "1..64:x1", "above 1");
    refused(&d_int, "1..64:x-2", "above 1");
    refused(&d_int, "1..64:+0", "above 0");
    refused(&d_int, "1..64:+-1", "above 0");
    refused(&d_int, "1..64:+1.5", "whole number");
    refused(&d_int, "1..64:2", "is not +S");
    refused(&d_int, "1..64:x", "not a number");
    refused(&d_int, "1..64:xabc", "not a number");
    refused(&d_int, "1..64x2", "not an integer"); /* the step needs its colon */
    refused(&d_int, "0,5", "below the minimum");
    refused(&d_int, "5,100001", "above the maximum");
    refused(&d_int, "1..100001", "above the maximum");
    refused(&d_int, "a,b", "not an integer");
    refused(&d_int, "1..100000", "more than 10000 values");
    refused(&d_dbl, "0..1:+0.00001", "more than 10000 values");
    refused(&d_dbl, "0..1:x2", "start above 0");
    refused(&d_dbl, "0,3", "above the maximum");
    refused(&d_dbl, "nan,1", "not a number");
    refused(&d_bool, "true,maybe", "not a boolean");
    refused(&d_bool, "0..1", "a range needs an INT or DOUBLE");
    refused(&d_str, "1..8", "a range needs an INT or DOUBLE");
    refused(&d_str, "1,2..8:x2", "a range needs an INT or DOUBLE");
    refused(&d_choice, "1..2", "a range needs an INT or DOUBLE");
}

int main(void) {
    RUN(test_lists_and_ranges);
    RUN(test_single_values);
    RUN(test_refused);
    return check_summary();
}
