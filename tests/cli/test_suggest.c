/* test_suggest.c — cfb_edit_distance and cfb_suggest (cli/suggest.h):
 * the distances of the optimal-string-alignment metric, the thresholds,
 * the unique-prefix rule and the NULL answers. */
#include "check.h"
#include "suggest.h"

static const char *const cmds[] = {"run",     "list",  "primes",  "loiter", "serve",
                                   "plot",    "flags", "compare", "ab",     "export",
                                   "history", "help",  "version"};
#define NCMDS (sizeof cmds / sizeof cmds[0])

static void expect(const char *word, const char *want) {
    const char *got = cfb_suggest(word, cmds, NCMDS);
    if (want) {
        CHECK_EQ_STR(got, want);
    } else {
        if (got) fprintf(stderr, "cfb_suggest(%s) = %s, want NULL\n", word, got);
        CHECK(got == NULL);
    }
}

int main(void) {
    CHECK_EQ_INT(cfb_edit_distance("", "", 3), 0);
    CHECK_EQ_INT(cfb_edit_distance("run", "run", 3), 0);
    CHECK_EQ_INT(cfb_edit_distance("runn", "run", 3), 1); /* insertion */
    CHECK_EQ_INT(cfb_edit_distance("rn", "run", 3), 1);   /* deletion */
    CHECK_EQ_INT(cfb_edit_distance("rin", "run", 3), 1);  /* substitution */
    CHECK_EQ_INT(cfb_edit_distance("urn", "run", 3), 1);  /* adjacent swap */
    CHECK_EQ_INT(cfb_edit_distance("RUN", "run", 3), 0);  /* case ignored */
    CHECK_EQ_INT(cfb_edit_distance("kitten", "sitting", 5), 3);
    CHECK_EQ_INT(cfb_edit_distance("ca", "abc", 5), 3);        /* OSA, not full Damerau (2) */
    CHECK_EQ_INT(cfb_edit_distance("abcdef", "zzzzzz", 2), 3); /* capped: cap + 1 */
    CHECK_EQ_INT(cfb_edit_distance("a", "abcdefgh", 2), 3);    /* length gap beyond cap */
    char longa[100], longb[100];
    memset(longa, 'x', 99);
    longa[99] = '\0';
    memcpy(longb, longa, 100);
    CHECK_EQ_INT(cfb_edit_distance(longa, longb, 2), 0);
    longb[50] = 'y';
    CHECK_EQ_INT(cfb_edit_distance(longa, longb, 2), 3);

    expect("run", "run");
    expect("runn", "run");
    expect("urn", "run");
    expect("comapre", "compare");
    expect("compaer", "compare");
    expect("lst", "list");
    expect("hepl", "help");
    expect("hist", "history"); /* prefix beats the distance-1 "list" */
    expect("exp", "export");
    expect("abb", "ab");
    expect("histroy", "history");
    expect("x", NULL);
    expect("zzz", NULL);
    expect("p", NULL);      /* one letter: no prefix rule */
    expect("pr", "primes"); /* unique prefix */
    expect("verison", "version");
    expect("historyfile", "history"); /* the name and more: the longest such prefix */
    expect("compareXYZ", "compare");
    expect("benchmark", NULL);
    expect("", NULL);
    CHECK(cfb_suggest(NULL, cmds, NCMDS) == NULL);
    CHECK(cfb_suggest("run", NULL, 0) == NULL);
    const char *const with_null[] = {NULL, "alpha", NULL, "beta"};
    CHECK_EQ_STR(cfb_suggest("bta", with_null, 4), "beta");
    const char *const two[] = {"--workers", "--workload"};
    CHECK(cfb_suggest("--work", two, 2) == NULL);               /* ambiguous prefix, far */
    CHECK_EQ_STR(cfb_suggest("--worker", two, 2), "--workers"); /* prefix of one */
    CHECK_EQ_STR(cfb_suggest("--wrokers", two, 2), "--workers");
    return check_summary();
}
