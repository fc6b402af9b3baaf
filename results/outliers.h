/*
 * outliers.h — outlier repetitions of a case (the noise guard, issue 11).
 *
 * The rule (Iglewicz & Hoaglin's modified z-score, as hyperfine does it):
 *
 *     M_i = 0.6745 × (x_i − median) / MAD        MAD = median |x_i − median|
 *
 * x_i is an outlier when |M_i| > 3.5 (CFB_OUTLIER_Z). 0.6745 = 1/1.4826
 * makes MAD a consistent estimate of σ for normal data, so 3.5 is 3.5 σ of
 * the bulk of the data — a robust rule: the outliers themselves do not
 * inflate the scale (unlike mean ± k·stddev). Both sides count (a fast
 * repetition that far off is as suspect as a slow one).
 *
 * When MAD is 0 (more than half the values are equal) the scale falls back
 * to the mean absolute deviation from the median × 1.253314 (= √(π/2), the
 * same consistency for normal data): M_i = (x_i − median) / (1.253314 ×
 * MeanAD). When that is 0 too every value equals the median: no outlier.
 * Fewer than 5 values (CFB_OUTLIER_MIN_N): no outlier — with 3 or 4 values
 * the MAD is the smaller of one or two gaps and the rule fires on 29% / 17%
 * of samples of pure Gaussian noise (20% at 5, 12% at 10, 10% at 20:
 * simulated, 10 000 samples each; a 10σ outlier is caught 95% of the time
 * at 5, 99.9% at 10). Values that are not finite (NaN, ±inf) are ignored:
 * never counted, never flagged.
 */
#ifndef CFB_OUTLIERS_H
#define CFB_OUTLIERS_H

#include <stdbool.h>
#include <stddef.h>

#define CFB_OUTLIER_Z 3.5
#define CFB_OUTLIER_MIN_N 5

/* Count the outliers among x[0..n) (borrowed). When flags is not NULL it
 * gets n entries: flags[i] true when x[i] is an outlier (the caller owns
 * it). Returns 0 with *count set, or -1 when out of memory (*count = 0,
 * flags all false). */
int cfb_outliers(const double *x, size_t n, bool *flags, size_t *count);

/* The modified z-score of v against x[0..n) by the rule above (0 when the
 * scale is 0 and v equals the median, ±INFINITY when the scale is 0 and it
 * does not; NAN when x has no finite value or memory runs out). */
double cfb_modified_z(const double *x, size_t n, double v);

#endif
