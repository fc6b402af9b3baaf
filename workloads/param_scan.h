/*
 * param_scan.h — parameter scans (issue 12 item 7, docs/scans.md): the value
 * of one --param expanded into a list of values, by the parameter's type.
 *
 *   INT, DOUBLE  items separated by commas; each item a value or a range
 *                A..B (step +1), A..B:+S (additive, S > 0) or A..B:xF
 *                (multiplicative, F > 1, A > 0); B itself is included when
 *                a step lands on it. INT steps are whole numbers.
 *   BOOL         a comma list of booleans (true,false).
 *   STRING       never a scan: commas are literal (primes.numbers and
 *                flags.codes are comma lists themselves); a value that is
 *                a numeric range (1..8, 1,2..4:x2) is refused, as for BOOL.
 *
 * Runner side only; the workload interface (workload.h) is unchanged.
 */
#ifndef CFB_PARAM_SCAN_H
#define CFB_PARAM_SCAN_H

#include <stddef.h>

#include "workload.h"

/* The most values one scanned key may expand to. */
#define CFB_SCAN_MAX_VALUES 10000

/* Is text a scan for d (a comma, or "..", in an INT/DOUBLE value; a comma
 * in a BOOL one)? Pure. */
bool cfb_param_is_scan(const cfb_param_def *d, const char *text);

/* Expand text by d into *values[0..*n): canonical texts (INT "%lld",
 * DOUBLE "%.15g", BOOL "true"/"false"), in the order given, a repeated
 * value kept once, each checked by cfb_param_check (bounds, type).
 * Returns 1 and the list (owned by the caller: cfb_param_scan_free) when
 * text is a scan; 0 (*values NULL, *n 0) when it is a single value (not
 * checked here); CF_EINVAL with a one-line reason in err (an empty item,
 * a reversed range, a step of zero or below, x1, an x range from 0 or
 * below, a numeric range given to a STRING or BOOL parameter, more than CFB_SCAN_MAX_VALUES values,
 * a value out of the parameter's bounds); CF_ENOMEM. */
int cfb_param_scan(const cfb_param_def *d, const char *text, char ***values, size_t *n, char *err,
                   size_t errlen);
void cfb_param_scan_free(char **values, size_t n); /* NULL is fine */

#endif
