/* test_progress_fit.c — the width arithmetic of the progress display
 * (runners/progress.h): cfb_progress_fit / cfb_progress_cols on ASCII,
 * UTF-8 (multi-byte, wide, combining), control characters and invalid
 * bytes; and cfb_progress_bar_line at every width from 1 to 200 columns,
 * with short, long and wide case ids and large counts: never more than
 * width - 1 columns, the id dropped first, then the rate, elapsed time
 * and ETA, then the bar narrowed. No terminal needed: a pure function test
 * (tests/cli/test_progress_pty.c runs the real thing under a pty). */
#include "check.h"
#include "progress.h"
#include "modes.h"
#include "sweep.h"

static int cols(const char *s) {
    return cfb_progress_cols(s);
}

static void test_fit(void) {
    char out[256];
    CHECK_EQ_INT(cols(""), 0);
    CHECK_EQ_INT(cols("abc"), 3);
    CHECK_EQ_INT(cols("h\xc3\xa9llo"), 5);             /* é: 2 bytes, 1 column */
    CHECK_EQ_INT(cols("\xe2\x80\xa6"), 1);             /* … */
    CHECK_EQ_INT(cols("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* 日本: wide */
    CHECK_EQ_INT(cols("e\xcc\x81"), 1);                /* e + combining acute */
    CHECK_EQ_INT(cols("\xf0\x9f\x98\x80"), 2);         /* emoji */
    CHECK_EQ_INT(cols("a\xff"
                      "b"),
                 3);                   /* invalid byte: one '?' */
    CHECK_EQ_INT(cols("\xe2\x80"), 2); /* truncated sequence: two '?' */

    CHECK_EQ_INT(cfb_progress_fit(out, sizeof out, "noop/thread/w2", 20), 14);
    CHECK_EQ_STR(out, "noop/thread/w2");
    CHECK_EQ_INT(cfb_progress_fit(out, sizeof out, "noop/thread/w2", 14), 14);
    CHECK_EQ_STR(out, "noop/thread/w2");
    CHECK_EQ_INT(cfb_progress_fit(out, sizeof out, "noop/thread/w2", 13), 13);
    CHECK_EQ_STR(out, "noop/thread/\xe2\x80\xa6");
    CHECK_EQ_INT(cfb_progress_fit(out, sizeof out, "noop", 1), 1);
    CHECK_EQ_STR(out, "\xe2\x80\xa6");
    CHECK_EQ_INT(cfb_progress_fit(out, sizeof out, "noop", 0), 0);
    CHECK_EQ_STR(out, "");
    /* control characters never reach the terminal */
    CHECK_EQ_INT(cfb_progress_fit(out, sizeof out, "a\nb\033[2Jc\td", 40), 10);
    CHECK_EQ_STR(out, "a?b?[2Jc?d");
    /* multi-byte characters are never split */
    CHECK_EQ_INT(cfb_progress_fit(out, sizeof out, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3), 3);
    CHECK_EQ_STR(out, "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
    /* a wide character that does not fit whole is left out */
    CHECK_EQ_INT(cfb_progress_fit(out, sizeof out, "a\xe6\x97\xa5\xe6\x9c\xac", 3), 2);
    CHECK_EQ_STR(out, "a\xe2\x80\xa6");
    /* the destination's size bounds the copy, NUL-terminated */
    char small[8];
    cfb_progress_fit(small, sizeof small, "abcdefghijklmnop", 100);
    CHECK(strlen(small) < sizeof small);
    /* every width: never more columns than asked */
    const char *ids[] = {"x", "noop/thread/w2",
                         "h\xc3\xa9llo/w\xc3\xb6rld/\xe6\x97\xa5\xe6\x9c\xac",
                         "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        for (int w = 0; w < 40; w++) {
            int got = cfb_progress_fit(out, sizeof out, ids[i], w);
            CHECK(got <= w);
            CHECK_EQ_INT(cols(out), got);
        }
}

static void test_bar(void) {
    const char *ids[] = {"", "noop/seq/w1", "flags/async/w64/c+gil",
                         "a-very-long-workload-name/process/w1024/c+gil-and-more-text-here",
                         "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e/thread/w8"};
    size_t totals[] = {9, 123456, 99999999};
    for (size_t t = 0; t < sizeof totals / sizeof totals[0]; t++)
        for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
            cfb_progress p;
            cfb_progress_init(&p, CFB_PROGRESS_BAR, totals[t], 3);
            p.done = totals[t] / 3;
            /* started 10^6 s ago: the rate, elapsed and ETA texts keep
             * their widths from one call to the next (a fresh start would
             * make the rate shrink digit by digit as the loop runs) */
            p.t0 = cfb_now() - 1e6;
            snprintf(p.current, sizeof p.current, "%s", ids[i]);
            int prev_has_id = 1, prev_has_rate = 1, prev_has_eta = 1, prev_bar = 1 << 20;
            for (int w = 200; w >= 1; w--) {
                char line[512];
                cfb_progress_bar_line(&p, w, line, sizeof line);
                int c = cols(line);
                if (c > w - 1 && !(w == 1 && c == 0))
                    fprintf(stderr, "width %d: %d columns: '%s'\n", w, c, line);
                CHECK(c <= (w > 1 ? w - 1 : 0));
                CHECK(strchr(line, '\r') == NULL && strchr(line, '\n') == NULL &&
                      strchr(line, '\033') == NULL);
                /* once dropped, a part stays dropped at narrower widths */
                int has_id = *ids[i] && strstr(line, "  ") &&
                             (strstr(line, ids[i]) || strstr(line, "\xe2\x80\xa6"));
                int has_rate = strstr(line, "/s") != NULL;
                int has_eta = strstr(line, "ETA") != NULL;
                const char *lb = strchr(line, '['), *rb = strchr(line, ']');
                int bar = lb && rb ? (int)(rb - lb - 1) : 0;
                CHECK(!has_id || prev_has_id);
                CHECK(!has_rate || prev_has_rate);
                CHECK(!has_eta || prev_has_eta);
                CHECK(bar <= prev_bar);
                /* the bar narrows only when rate, elapsed and ETA are gone */
                if (bar && bar < 24) CHECK(!has_rate && !has_eta && !strstr(line, "elapsed"));
                /* the id goes before anything else */
                if (has_rate) CHECK(bar == 24);
                /* at 120 columns everything is there, the id whole when short */
                if (w == 120) {
                    CHECK(has_rate && has_eta && strstr(line, "elapsed"));
                    if (*ids[i] && cols(ids[i]) <= 30) CHECK(strstr(line, ids[i]) != NULL);
                }
                prev_has_id = has_id;
                prev_has_rate = has_rate;
                prev_has_eta = has_eta;
                prev_bar = bar;
            }
        }
}

int main(void) {
    test_fit();
    test_bar();
    return check_summary();
}
