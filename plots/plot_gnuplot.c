/*
 * plot_gnuplot.c — find gnuplot and run it, one process per chart.
 *
 * Processes: the caller's thread spawns gnuplot with posix_spawn (safe in a
 * multi-threaded parent, no fork of our heap) as
 *     gnuplot -e "plotsdir='…'; fmt='png'; outfile='…'; <chart vars>" SCRIPTS/<chart>.gp
 * with stdin from /dev/null and stdout+stderr into a pipe that the parent
 * drains to EOF before waitpid(), so gnuplot can never block on a full pipe.
 * No threads, no locks, no signal handlers; the child is always reaped.
 * gnuplot writes to a temp file beside the target, renamed into place only
 * when gnuplot exited 0 and the file is non-empty (atomic for readers).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plot_internal.h"
#include "results_io.h"

extern char **environ;

static int is_exec_file(const char *p) {
    struct stat st;
    return !stat(p, &st) && S_ISREG(st.st_mode) && !access(p, X_OK);
}

int cfb_plot_find_gnuplot(const char *override, char *out, size_t outlen) {
    const char *name = override;
    if (!name) {
        name = getenv("CFB_GNUPLOT");
        if (name && !*name) name = NULL;
    }
    if (!name) name = "gnuplot";
    if (strchr(name, '/')) {
        if (!is_exec_file(name)) return CFB_PLOT_ENOGNUPLOT;
        snprintf(out, outlen, "%s", name);
        return 0;
    }
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        char cand[4096];
        if (len == 0)
            snprintf(cand, sizeof cand, "./%s", name);
        else
            snprintf(cand, sizeof cand, "%.*s/%s", (int)len, path, name);
        if (is_exec_file(cand)) {
            snprintf(out, outlen, "%s", cand);
            return 0;
        }
        path += len;
        if (*path == ':') path++;
    }
    return CFB_PLOT_ENOGNUPLOT;
}

static void build_vars(pbuf *b, const char *scripts_dir, const plot_job *job, unsigned format,
                       const char *outfile) {
    pb_puts(b, "plotsdir=");
    pb_gpstr(b, scripts_dir);
    pb_printf(b, "; fmt='%s'; outfile=", format == CFB_PLOT_SVG ? "svg" : "png");
    pb_gpstr(b, outfile);
    pb_puts(b, "; ");
    if (job->vars.s) pb_put(b, job->vars.s, job->vars.len);
}

static void pb_shquote(pbuf *b, const char *s) {
    pb_puts(b, "'");
    for (; *s; s++) {
        if (*s == '\'')
            pb_puts(b, "'\\''");
        else
            pb_put(b, s, 1);
    }
    pb_puts(b, "'");
}

void plot_gnuplot_cmdline(pbuf *b, const char *scripts_dir, const plot_job *job, unsigned format,
                          const char *out_path) {
    pbuf v = {0};
    build_vars(&v, scripts_dir, job, format, out_path);
    pb_puts(b, "\"$GNUPLOT\" -e ");
    pb_shquote(b, v.s ? v.s : "");
    pb_puts(b, " ");
    char script[1200];
    snprintf(script, sizeof script, "%s/%s.gp", scripts_dir, job->script);
    pb_shquote(b, script);
    pb_puts(b, "\n");
    pb_free(&v);
}

/* The last non-empty line of gnuplot's output: where it says what failed. */
static void last_line(const char *s, char *out, size_t n) {
    const char *best = NULL, *bend = NULL;
    while (s && *s) {
        const char *e = strchr(s, '\n');
        if (!e) e = s + strlen(s);
        const char *p = s;
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        if (p < e) {
            best = p;
            bend = e;
        }
        s = *e ? e + 1 : e;
    }
    if (best)
        snprintf(out, n, "%.*s", (int)(bend - best), best);
    else
        snprintf(out, n, "(no message)");
}

static int plot_gnuplot_run_to(const char *gnuplot, const char *scripts_dir, const plot_job *job,
                               unsigned format, const char *out_path, FILE *log, char *err,
                               size_t errlen);

int plot_gnuplot_run(const char *gnuplot, const char *scripts_dir, const plot_job *job,
                     unsigned format, const char *image_path, FILE *log, char *err, size_t errlen) {
    /* the image replaces a regular file only; through a symlink, its target
     * (results_io.h, cfb_out_resolve) */
    char *resolved = NULL;
    if (cfb_out_resolve(image_path, &resolved, err, errlen)) return CFB_PLOT_EIO;
    int rc = plot_gnuplot_run_to(gnuplot, scripts_dir, job, format, resolved, log, err, errlen);
    free(resolved);
    return rc;
}

static int plot_gnuplot_run_to(const char *gnuplot, const char *scripts_dir, const plot_job *job,
                               unsigned format, const char *out_path, FILE *log, char *err,
                               size_t errlen) {
    char tmp[1400], script[1200];
    const char *slash = strrchr(out_path, '/');
    int dirlen = slash ? (int)(slash - out_path) : 0;
    snprintf(tmp, sizeof tmp, "%.*s%s.%s.tmp%ld.%s", dirlen, out_path, slash ? "/" : "",
             slash ? slash + 1 : out_path, (long)getpid(), format == CFB_PLOT_SVG ? "svg" : "png");
    snprintf(script, sizeof script, "%s/%s.gp", scripts_dir, job->script);
    pbuf vars = {0};
    build_vars(&vars, scripts_dir, job, format, tmp);
    if (vars.oom) {
        pb_free(&vars);
        snprintf(err, errlen, "out of memory");
        return CFB_PLOT_ENOMEM;
    }
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC)) {
        pb_free(&vars);
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return CFB_PLOT_EIO;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
    char *argv[] = {(char *)gnuplot, "-e", vars.s, script, NULL};
    pid_t pid;
    int src = posix_spawn(&pid, gnuplot, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    if (src) {
        close(pfd[0]);
        pb_free(&vars);
        snprintf(err, errlen, "cannot run %s: %s", gnuplot, strerror(src));
        return CFB_PLOT_EGNUPLOT;
    }
    pbuf out = {0};
    char chunk[4096];
    for (;;) {
        ssize_t r = read(pfd[0], chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (out.len < 65536) pb_put(&out, chunk, (size_t)r);
    }
    close(pfd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pb_free(&vars);
    int rc = 0;
    struct stat st;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char line[400];
        last_line(out.s, line, sizeof line);
        if (WIFEXITED(status))
            snprintf(err, errlen, "gnuplot failed on %s.gp for %s (exit %d): %s", job->script,
                     job->name, WEXITSTATUS(status), line);
        else
            snprintf(err, errlen, "gnuplot killed by signal %d on %s.gp for %s",
                     WIFSIGNALED(status) ? WTERMSIG(status) : 0, job->script, job->name);
        rc = CFB_PLOT_EGNUPLOT;
    } else if (stat(tmp, &st) || st.st_size == 0) {
        snprintf(err, errlen, "gnuplot wrote no image for %s (%s.gp)", job->name, job->script);
        rc = CFB_PLOT_EGNUPLOT;
    } else if (rename(tmp, out_path)) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, out_path, strerror(errno));
        rc = CFB_PLOT_EIO;
    } else if (log && out.len) {
        /* gnuplot succeeded but said something (a warning): pass it on */
        char line[400];
        last_line(out.s, line, sizeof line);
        fprintf(log, "gnuplot (%s): %s\n", job->name, line);
    }
    if (rc) unlink(tmp);
    pb_free(&out);
    return rc;
}
