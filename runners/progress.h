/* progress.h — sweep progress on stderr: a bar with rate and ETA on a
 * terminal, one line per finished case otherwise, nothing when quiet —
 * except errors (a failed case, wrong answers), which are printed in every
 * style: -q silences progress, never a reason for exit 1. Main thread only.
 *
 * On a terminal every line fits its width, read again at every draw (a
 * resize is followed): the bar drops the case id, then rate / elapsed /
 * ETA, then narrows; case lines cut their id with "…"; notes and errors
 * are wrapped at spaces. Not on a terminal: plain lines, no escape codes
 * (progress.c). */
#ifndef CFB_PROGRESS_H
#define CFB_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct cfb_progress {
    int style; /* CFB_PROGRESS_* */
    size_t total, done;
    size_t ncases, cases_done;
    double t0;
    char current[192];
} cfb_progress;

/* The width in columns of the terminal on fd (TIOCGWINSZ), else $COLUMNS
 * (1..10000), else 80. Any thread; the result can change between calls. */
int cfb_progress_columns(int fd);

/* Print line (no newline in it) and a newline on stderr outside any bar:
 * wrapped at spaces to the width when stderr is a terminal, as is
 * otherwise (the noise guard's warnings before and after the sweep). */
void cfb_progress_print(const char *line);

/* Copy src (UTF-8, borrowed) into dst (dstlen >= 4 bytes) as at most
 * maxcols terminal columns: control characters and invalid bytes become
 * '?', combining marks take 0 columns, East Asian wide characters and
 * emoji 2; when src is wider it is cut and ends in "…" (one column).
 * Returns the columns written. */
int cfb_progress_fit(char *dst, size_t dstlen, const char *src, int maxcols);
/* The columns src takes on a terminal, measured as cfb_progress_fit does
 * (for strings up to ~1000 bytes). */
int cfb_progress_cols(const char *s);
/* The bar line of p for a terminal of cols columns, without the leading
 * "\r\033[K", in out (len bytes, 512 is plenty): at most cols - 1
 * columns (progress.c says what goes first). */
void cfb_progress_bar_line(const cfb_progress *p, int cols, char *out, size_t len);

void cfb_progress_init(cfb_progress *p, int style, size_t total_units, size_t ncases);
void cfb_progress_case(cfb_progress *p, const char *id);
void cfb_progress_unit(cfb_progress *p, const char *id);
/* error NULL: finished with reps repetitions and median wall median_s.
 * With an error: "cfbench run: case ID failed: ERROR", also when quiet. */
void cfb_progress_case_done(cfb_progress *p, const char *id, const char *error, double median_s,
                            int reps);
/* A line of text (no newline) above the bar, or on its own line; nothing
 * when quiet. */
void cfb_progress_note(cfb_progress *p, const char *line);
/* The same for an error line: printed when quiet too. */
void cfb_progress_error(cfb_progress *p, const char *line);
void cfb_progress_end(cfb_progress *p, bool interrupted);

#endif
