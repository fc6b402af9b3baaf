/*
 * plot_datadir.c — cfb_datadir_find(): where cfbench's data files are
 * (share/cfbench: the gnuplot scripts under plots/), found at run time from
 * the executable's own place, so an installed tree can move (issue 12: no
 * compiled-in source path).
 *
 * The places, in order (the first that holds the probe file wins):
 *   1. $CFBENCH_DATADIR, when set and not empty — and then only there: an
 *      override is obeyed, not second-guessed;
 *   2. <dir of /proc/self/exe>/CFB_DATADIR_FROM_BIN — the installed layout,
 *      bin/../share/cfbench (cmake/install.cmake computes the relative path
 *      from the install dirs);
 *   3. <dir of /proc/self/exe>/share/cfbench — the build tree, where
 *      cmake/install.cmake links share/cfbench/plots to the source's plots/.
 *
 * No threads, no locks, no state: each call looks again (the environment
 * and the files may change between calls).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plots.h"

#ifndef CFB_DATADIR_FROM_BIN
#define CFB_DATADIR_FROM_BIN "../share/cfbench"
#endif

/* Append s to the "looked in" list (", " between entries), cut to fit. */
static void looked_add(char *looked, size_t n, const char *s) {
    if (!looked || !n) return;
    size_t used = strlen(looked);
    if (used + 1 >= n) return;
    snprintf(looked + used, n - used, "%s%s", used ? ", " : "", s);
}

/* dir holds probe: the absolute path of dir into out. */
static int try_dir(const char *dir, const char *probe, char *out, size_t n, char *looked,
                   size_t lookedlen) {
    char path[PATH_MAX + 256];
    snprintf(path, sizeof path, "%s/%s", dir, probe);
    char abs[PATH_MAX];
    if (!access(path, R_OK) && realpath(dir, abs) && strlen(abs) < n) {
        snprintf(out, n, "%s", abs);
        return 0;
    }
    looked_add(looked, lookedlen, dir);
    return -1;
}

int cfb_datadir_find(const char *probe, char *out, size_t n, char *looked, size_t lookedlen) {
    if (looked && lookedlen) looked[0] = '\0';
    const char *env = getenv("CFBENCH_DATADIR");
    if (env && *env) {
        char what[PATH_MAX + 32];
        if (!try_dir(env, probe, out, n, NULL, 0)) return 0;
        snprintf(what, sizeof what, "$CFBENCH_DATADIR=%s", env);
        looked_add(looked, lookedlen, what);
        return -1;
    }
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) {
        looked_add(looked, lookedlen, "(no /proc/self/exe: set CFBENCH_DATADIR)");
        return -1;
    }
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return -1;
    *slash = '\0';
    const char *rel[] = {CFB_DATADIR_FROM_BIN, "share/cfbench"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char dir[PATH_MAX + 64];
        if (rel[i][0] == '/') {
            snprintf(dir, sizeof dir, "%s", rel[i]);
        } else {
            /* exe's dir joined with rel, its leading "../" taken lexically,
             * so the message names /opt/x/share/cfbench, not /opt/x/bin/../ */
            char base[PATH_MAX];
            snprintf(base, sizeof base, "%s", exe);
            const char *r = rel[i];
            while (!strncmp(r, "../", 3)) {
                char *s = strrchr(base, '/');
                if (!s) break;
                *s = '\0';
                r += 3;
            }
            snprintf(dir, sizeof dir, "%s/%s", base, r);
        }
        if (!try_dir(dir, probe, out, n, looked, lookedlen)) return 0;
    }
    return -1;
}
