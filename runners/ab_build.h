/*
 * ab_build.h — build cfbench at a git revision, in a git worktree, for
 * `cfbench ab --base REV` (docs/cli-ab.md).
 *
 * The worktree lives in CACHE/<12-hex commit> (CACHE defaults to
 * <repository top>/build/ab) with its build in CACHE/<commit>/build; a
 * successful build leaves a marker file, so a second job for the same
 * commit reuses the binary without building again. The build log goes to
 * CACHE/<commit>.log. Commands run: git rev-parse, git worktree add, cmake
 * (configure with CMAKE_BUILD_TYPE, build the cfbench target only).
 */
#ifndef CFB_AB_BUILD_H
#define CFB_AB_BUILD_H

#include <stddef.h>

/* Statuses of cfb_ab_build_rev(). */
enum {
    CFB_AB_BUILD_OK = 0,
    CFB_AB_BUILD_EREV = -1,  /* not a git repository, or an unknown revision */
    CFB_AB_BUILD_EFAIL = -2, /* git worktree or the build failed (log path in err) */
};

/* Resolve rev (borrowed) in the repository that holds the current
 * directory, and make sure a cfbench binary built from it exists. cache
 * (borrowed) may be NULL for the default; build_type NULL means
 * "RelWithDebInfo"; jobs is the build's -j (<= 0: the CPU count). On success
 * bin (binlen bytes) holds the binary's path and commit (commitlen bytes,
 * >= 13) its 12-hex abbreviation; *reused says whether an earlier build was
 * reused. Progress lines go to stderr unless quiet. On failure err says
 * why in one line. */
int cfb_ab_build_rev(const char *rev, const char *cache, const char *build_type, int jobs,
                     int quiet, char *bin, size_t binlen, char *commit, size_t commitlen,
                     int *reused, char *err, size_t errlen);

#endif
