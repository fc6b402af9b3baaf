/* suggest.h — "did you mean …?" for mistyped command and option names.
 *
 * cfb_suggest() picks the candidate closest to a mistyped word by the
 * optimal-string-alignment (restricted Damerau–Levenshtein) distance:
 * insertions, deletions, substitutions and swaps of two adjacent
 * characters each cost 1, letters compared without case. No state, no
 * allocation beyond a small stack buffer: safe from any thread. */
#ifndef CFB_SUGGEST_H
#define CFB_SUGGEST_H

#include <stddef.h>

/* The edit distance between a and b (both NUL-terminated, borrowed),
 * capped: returns cap + 1 as soon as the distance is known to exceed cap
 * (and for words longer than 63 characters when they differ). */
size_t cfb_edit_distance(const char *a, const char *b, size_t cap);

/* The best candidate for a mistyped word, or NULL when none is close
 * enough. candidates[0..n) are borrowed (NULL entries are skipped); the
 * result is one of them (borrowed, not a copy). In order: an exact match
 * (case-sensitive); the one candidate that word (at least 2 characters)
 * is a proper prefix of, ignoring case ("hist" -> "history"); the
 * nearest candidate at a distance of at most 1 for words of up to 4
 * characters, 2 up to 8, 3 beyond, and less than the candidate's length
 * (so that "x" does not become "ab"); ties go to the earlier candidate. Failing those, the longest
 * candidate of at least 3 characters that the word starts with ("outfile" -> "out"). Leading dashes
 * count like any character, so pass option names with or without them consistently. */
const char *cfb_suggest(const char *word, const char *const *candidates, size_t n);

#endif
