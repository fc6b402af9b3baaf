/* ab_build.c — build cfbench at a git revision in a worktree (see
 * ab_build.h). Runs one child process at a time through cfb_ab_spawn(). */
#include "ab_build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ab_run.h"
#include "cfutures.h"

/* Run argv, its stdout into out (outlen, trimmed), stderr into a scratch
 * file whose last line goes to err on failure. 0 when it exited 0. */
static int capture(char *const *argv, const char *scratch, char *out, size_t outlen) {
    char opath[512], epath[512];
    snprintf(opath, sizeof opath, "%s.out", scratch);
    snprintf(epath, sizeof epath, "%s.err", scratch);
    int status;
    int rc = cfb_ab_spawn(argv, NULL, 0, opath, epath, &status, NULL, NULL);
    out[0] = 0;
    FILE *f = fopen(opath, "r");
    if (f) {
        size_t n = fread(out, 1, outlen - 1, f);
        out[n] = 0;
        fclose(f);
        out[strcspn(out, "\n")] = 0;
    }
    unlink(opath);
    unlink(epath);
    return rc || !WIFEXITED(status) || WEXITSTATUS(status) ? -1 : 0;
}

/* Run argv with stdout and stderr to log (truncated). 0 when it exited 0. */
static int step(char *const *argv, const char *log) {
    int status;
    if (cfb_ab_spawn(argv, NULL, 0, log, NULL, &status, NULL, NULL)) return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int is_exec(const char *p) {
    struct stat st;
    return !stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK);
}

static int mkdir_p(const char *path) {
    char buf[1200];
    snprintf(buf, sizeof buf, "%.1100s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0755) && errno != EEXIST) return -1;
            *p = '/';
        }
    return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

int cfb_ab_build_rev(const char *rev, const char *cache, const char *build_type, int jobs,
                     int quiet, char *bin, size_t binlen, char *commit, size_t commitlen,
                     int *reused, char *err, size_t errlen) {
    char top[1024], sha[128], scratch[64], spec[300];
    *reused = 0;
    snprintf(scratch, sizeof scratch, "/tmp/cfbench-ab-git.%d", (int)getpid());
    char *a1[] = {"git", "rev-parse", "--show-toplevel", NULL};
    if (capture(a1, scratch, top, sizeof top) || !top[0]) {
        snprintf(err, errlen,
                 "--base needs a git repository (run it inside the checkout, or "
                 "give --base-bin PATH)");
        return CFB_AB_BUILD_EREV;
    }
    snprintf(spec, sizeof spec, "%s^{commit}", rev);
    char *a2[] = {"git", "-C", top, "rev-parse", "--verify", "--quiet", spec, NULL};
    if (capture(a2, scratch, sha, sizeof sha) || strlen(sha) < 12) {
        snprintf(err, errlen, "unknown git revision '%s'", rev);
        return CFB_AB_BUILD_EREV;
    }
    snprintf(commit, commitlen, "%.12s", sha);
    char root[1100], dir[1200], bdir[1300], marker[1300], log[1300];
    if (cache && *cache)
        snprintf(root, sizeof root, "%.1000s", cache);
    else
        snprintf(root, sizeof root, "%.1000s/build/ab", top);
    snprintf(dir, sizeof dir, "%s/%.12s", root, sha);
    snprintf(bdir, sizeof bdir, "%s/build", dir);
    snprintf(bin, binlen, "%s/cfbench", bdir);
    snprintf(marker, sizeof marker, "%s/.cfbench-ab-built", dir);
    snprintf(log, sizeof log, "%s/%.12s.log", root, sha);
    if (is_exec(bin) && !access(marker, F_OK)) {
        *reused = 1;
        return CFB_AB_BUILD_OK;
    }
    if (mkdir_p(root)) {
        snprintf(err, errlen, "cannot create %s: %s", root, strerror(errno));
        return CFB_AB_BUILD_EFAIL;
    }
    if (!quiet)
        fprintf(stderr, "cfbench ab: building %s (%.12s) in %s (log: %s)\n", rev, sha, dir, log);
    /* A half-made worktree from an interrupted build: remove and redo. */
    char *rm[] = {"git", "-C", top, "worktree", "remove", "--force", dir, NULL};
    char *prune[] = {"git", "-C", top, "worktree", "prune", NULL};
    struct stat st;
    if (!stat(dir, &st)) {
        step(rm, log);
        step(prune, log);
    }
    char *add[] = {"git", "-C", top, "worktree", "add", "--force", "--detach", dir, sha, NULL};
    if (step(add, log)) {
        snprintf(err, errlen, "git worktree add %s failed (see %s)", dir, log);
        return CFB_AB_BUILD_EFAIL;
    }
    char type[128], jobs_s[16];
    snprintf(type, sizeof type, "-DCMAKE_BUILD_TYPE=%s",
             build_type ? build_type : "RelWithDebInfo");
    snprintf(jobs_s, sizeof jobs_s, "%d", jobs > 0 ? jobs : cf_cpu_count());
    char clog[1400];
    snprintf(clog, sizeof clog, "%s/%.12s.build.log", root, sha);
    char *conf[] = {"cmake", "-S", dir, "-B", bdir, type, NULL};
    char *build[] = {"cmake", "--build", bdir, "--target", "cfbench", "-j", jobs_s, NULL};
    if (step(conf, log) || step(build, clog)) {
        snprintf(err, errlen, "building %s (%.12s) failed (see %s and %s)", rev, sha, log, clog);
        return CFB_AB_BUILD_EFAIL;
    }
    if (!is_exec(bin)) {
        snprintf(err, errlen, "the build of %s made no %s", rev, bin);
        return CFB_AB_BUILD_EFAIL;
    }
    FILE *m = fopen(marker, "w");
    if (m) fclose(m);
    return CFB_AB_BUILD_OK;
}
