/* test_outliers.c — the outlier rule (results/outliers.h), data-driven:
 * each case gives the values, the expected count and the flagged indices. */
#include <math.h>
#include <stdbool.h>

#include "check.h"
#include "outliers.h"

typedef struct tcase {
    const char *name;
    double x[12];
    size_t n;
    size_t want;
    int flagged[4]; /* indices, -1 ends */
} tcase;

static const tcase cases[] = {
    {"empty", {0}, 0, 0, {-1}},
    {"one value", {3}, 1, 0, {-1}},
    {"two values far apart: too few to judge", {1, 100}, 2, 0, {-1}},
    {"four values: still too few", {1, 1.01, 0.99, 100}, 4, 0, {-1}},
    {"five values: enough", {1, 1.01, 0.99, 1.02, 100}, 5, 1, {4, -1}},
    {"all equal: scale 0, no outlier", {1, 1, 1, 1, 1}, 5, 0, {-1}},
    {"one slow repetition", {10, 11, 12, 11, 10, 100}, 6, 1, {5, -1}},
    {"one fast repetition (both sides count)",
     {1.0, 1.1, 0.9, 1.0, 1.05, 0.95, 0.1},
     7,
     1,
     {6, -1}},
    {"two slow repetitions", {1, 1.1, 0.9, 1, 1.05, 50, 60}, 7, 2, {5, 6, -1}},
    /* median 0, MAD 0.6745, so scale 1: z equals the value */
    {"|z| = 3.5 exactly is not an outlier",
     {-0.6745, 0, 0.6745, 3.5, -0.6745, 0.6745, 0},
     7,
     0,
     {-1}},
    {"|z| = 3.51 is", {-0.6745, 0, 0.6745, 3.51, -0.6745, 0.6745, 0}, 7, 1, {3, -1}},
    /* MAD 0: mean absolute deviation 4/7, scale 0.716, z(9) = 5.6 */
    {"MAD 0: falls back to the mean absolute deviation", {5, 5, 5, 5, 5, 5, 9}, 7, 1, {6, -1}},
    /* MAD 0, MeanAD 0.4, scale 0.501, z(6) = 2.0 */
    {"MAD 0, nothing far enough", {5, 5, 5, 6, 6}, 5, 0, {-1}},
    {"NaN ignored, never flagged", {1, 2, 3, NAN, 1000, 2, 2}, 7, 1, {4, -1}},
    {"quiet timing data", {0.101, 0.103, 0.099, 0.100, 0.102, 0.098, 0.101, 0.100}, 8, 0, {-1}},
};

int main(void) {
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const tcase *t = &cases[k];
        bool flags[12];
        size_t count = 99;
        int rc = cfb_outliers(t->x, t->n, flags, &count);
        CHECK_EQ_INT(rc, 0);
        if (count != t->want) fprintf(stderr, "case '%s': ", t->name);
        CHECK_EQ_INT(count, t->want);
        bool want[12] = {false};
        for (size_t j = 0; t->flagged[j] >= 0; j++)
            want[t->flagged[j]] = true;
        for (size_t i = 0; i < t->n; i++) {
            if (flags[i] != want[i]) fprintf(stderr, "case '%s' index %zu: ", t->name, i);
            CHECK(flags[i] == want[i]);
        }
        /* flags may be NULL */
        size_t c2 = 99;
        CHECK_EQ_INT(cfb_outliers(t->x, t->n, NULL, &c2), 0);
        CHECK_EQ_INT(c2, t->want);
    }
    /* the score itself: (100 - 11) / (1 / 0.6745) */
    const double x[] = {10, 11, 12, 11, 10, 100};
    CHECK(fabs(cfb_modified_z(x, 6, 100) - 89 * 0.6745) < 1e-9);
    CHECK(fabs(cfb_modified_z(x, 6, 11)) < 1e-12);
    const double eq[] = {2, 2, 2};
    CHECK(cfb_modified_z(eq, 3, 2) == 0);
    CHECK(isinf(cfb_modified_z(eq, 3, 3)) && cfb_modified_z(eq, 3, 3) > 0);
    const double none[] = {NAN, INFINITY};
    CHECK(isnan(cfb_modified_z(none, 2, 1)));
    return check_summary();
}
