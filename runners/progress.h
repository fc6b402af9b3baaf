/* progress.h — sweep progress on stderr: a bar with rate and ETA on a
 * terminal, one line per finished case otherwise, nothing when quiet —
 * except errors (a failed case, wrong answers), which are printed in every
 * style: -q silences progress, never a reason for exit 1. Main thread only. */
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
