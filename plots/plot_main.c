/* plot_main.c — cfb_plot_files(): load, write data files, draw, report. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot_internal.h"

static void default_out_dir(char *out, size_t n, const char *results) {
    const char *slash = strrchr(results, '/');
    if (!slash)
        snprintf(out, n, "plots");
    else if (slash == results)
        snprintf(out, n, "/plots");
    else
        snprintf(out, n, "%.*s/plots", (int)(slash - results), results);
}

int plot_find_scripts(const cfb_plot_options *o, char *out, size_t n, char *err, size_t errlen) {
    static const char hint[] = "set CFBENCH_DATADIR to the directory holding plots/, or "
                               "CFB_PLOTS_DIR to the scripts' own";
    const char *dir = o->scripts_dir;
    if (!dir) {
        dir = getenv("CFB_PLOTS_DIR");
        if (dir && !*dir) dir = NULL;
    }
    if (dir) { /* given: only there */
        char probe[PATH_MAX + 16];
        snprintf(probe, sizeof probe, "%s/common.gp", dir);
        char abs[PATH_MAX];
        if (access(probe, R_OK) || !realpath(dir, abs)) {
            snprintf(err, errlen, "gnuplot scripts not found in %s (%s)", dir, hint);
            return CFB_PLOT_ESCRIPTS;
        }
        snprintf(out, n, "%s", abs);
        return 0;
    }
    char data[PATH_MAX], looked[2048];
    if (cfb_datadir_find("plots/common.gp", data, sizeof data, looked, sizeof looked)) {
        snprintf(err, errlen, "gnuplot scripts not found (looked in %s; %s)", looked, hint);
        return CFB_PLOT_ESCRIPTS;
    }
    snprintf(out, n, "%s/plots", data);
    return 0;
}

static int write_replot(const plot_plan *plan, const char *scripts, const char *out_dir,
                        unsigned formats, char *err, size_t errlen) {
    pbuf b = {0};
    pb_puts(&b, "#!/bin/sh\n# Redraw the charts of this directory from the data files.\n"
                "# Written by `cfbench plot`; set GNUPLOT to use another gnuplot.\n"
                "set -e\nGNUPLOT=${GNUPLOT:-gnuplot}\n");
    for (size_t i = 0; i < plan->njobs; i++)
        for (unsigned f = CFB_PLOT_PNG; f <= CFB_PLOT_SVG; f <<= 1) {
            if (!(formats & f)) continue;
            char out[1400];
            snprintf(out, sizeof out, "%s/%s.%s", out_dir, plan->jobs[i].name,
                     f == CFB_PLOT_SVG ? "svg" : "png");
            plot_gnuplot_cmdline(&b, scripts, &plan->jobs[i], f, out);
        }
    char path[1300];
    snprintf(path, sizeof path, "%s/data/replot.sh", out_dir);
    int rc = plot_write_buf(path, &b, err, errlen);
    pb_free(&b);
    if (!rc) chmod(path, 0755);
    return rc;
}

/* The names this run wrote that a later run may remove: "NAME.png",
 * "NAME.svg" (those drawn) and "data/NAME.dat", one a line. */
static void manifest_names(const plot_plan *plan, pbuf *b) {
    for (size_t i = 0; i < plan->njobs; i++) {
        const plot_job *j = &plan->jobs[i];
        pb_printf(b, "data/%s.dat\n", j->name);
        if (j->drawn & CFB_PLOT_PNG) pb_printf(b, "%s.png\n", j->name);
        if (j->drawn & CFB_PLOT_SVG) pb_printf(b, "%s.svg\n", j->name);
    }
}

/* A manifest line that may be removed: a chart or data file name made by
 * cfbench plot, nothing with "..", no other directory. */
static bool removable(const char *n) {
    const char *base = strncmp(n, "data/", 5) ? n : n + 5;
    size_t len = strlen(base);
    if (!len || strchr(base, '/') || strstr(base, "..") || base[0] == '.') return false;
    if (base == n)
        return len > 4 && (!strcmp(base + len - 4, ".png") || !strcmp(base + len - 4, ".svg"));
    return len > 4 && !strcmp(base + len - 4, ".dat");
}

/* Whether `name` is a whole line of `list` (lines end with '\n'). */
static bool listed(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *eol = strchr(p, '\n');
        if (!eol) break;
        if ((size_t)(eol - p) == n && !strncmp(p, name, n)) return true;
        p = eol + 1;
    }
    return false;
}

/*
 * Stale outputs. A directory plotted into again keeps only this run's
 * charts: the files listed in OUT/data/manifest.txt by the previous
 * `cfbench plot` that this run did not write again are removed, then the
 * manifest is rewritten (atomically). Only names cfbench plot itself wrote
 * and listed are ever removed, never a file the user put there. Errors
 * here are not fatal: at worst a stale chart stays.
 */
static void prune_stale(const plot_plan *plan, const char *out_dir, FILE *log) {
    pbuf now = {0};
    manifest_names(plan, &now);
    char path[1400];
    snprintf(path, sizeof path, "%s/data/manifest.txt", out_dir);
    FILE *f = fopen(path, "r");
    if (f) {
        char line[600];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            /* only names cfbench plot writes, and not written again now */
            if (!removable(line) || listed(now.s, line)) continue;
            char stale[1700]; /* out_dir (< 1024) + "/" + line (< 600) */
            snprintf(stale, sizeof stale, "%s/%s", out_dir, line);
            if (unlink(stale) == 0 && log) fprintf(log, "removed stale %s\n", stale);
        }
        fclose(f);
    }
    char err[256];
    plot_write_buf(path, &now, err, sizeof err);
    pb_free(&now);
}

int cfb_plot_files(const char *const *paths, size_t npaths, const cfb_plot_options *opt,
                   cfb_plot_summary *sum, char *err, size_t errlen) {
    cfb_plot_options defaults = {0};
    const cfb_plot_options *o = opt ? opt : &defaults;
    cfb_plot_summary local;
    if (!sum) sum = &local;
    memset(sum, 0, sizeof *sum);
    if (errlen) err[0] = '\0';
    unsigned formats = o->formats & (CFB_PLOT_PNG | CFB_PLOT_SVG);
    if (!formats) formats = CFB_PLOT_PNG;

    plot_model m;
    int rc = plot_model_load(&m, paths, npaths, err, errlen);
    if (rc) return rc;
    rc = plot_x_check(&m, o->x_key, err, errlen); /* before anything is written */
    if (rc) {
        plot_model_free(&m);
        return rc;
    }

    char out_dir[1024], data_dir[1100];
    if (o->out_dir)
        snprintf(out_dir, sizeof out_dir, "%s", o->out_dir);
    else
        default_out_dir(out_dir, sizeof out_dir, paths[0]);
    snprintf(data_dir, sizeof data_dir, "%s/data", out_dir);
    char abs[PATH_MAX];
    if (plot_mkdirs(data_dir, err, errlen) || !realpath(out_dir, abs) ||
        strlen(abs) >= sizeof out_dir - 16) {
        if (!err[0])
            snprintf(err, errlen, "cannot use output directory %s: %s", out_dir, strerror(errno));
        plot_model_free(&m);
        return CFB_PLOT_EIO;
    }
    snprintf(out_dir, sizeof out_dir, "%s", abs);
    snprintf(data_dir, sizeof data_dir, "%s/data", out_dir);
    snprintf(sum->out_dir, sizeof sum->out_dir, "%s", out_dir);

    plot_plan plan;
    rc = plot_charts_plan(&m, data_dir, o->timelines, o->x_key, o->log, &plan, err, errlen);
    if (rc) {
        plot_model_free(&m);
        return rc;
    }
    sum->charts = (int)plan.njobs;
    sum->data_files = plan.data_files;

    char scripts[PATH_MAX], gnuplot[PATH_MAX];
    char note[600] = "";
    rc = plot_find_scripts(o, scripts, sizeof scripts, err, errlen);
    if (!rc) {
        rc = write_replot(&plan, scripts, out_dir, formats, err, errlen);
        if (!rc) sum->data_files++;
    }
    if (!rc && cfb_plot_find_gnuplot(o->gnuplot, gnuplot, sizeof gnuplot)) {
        const char *env = o->gnuplot ? o->gnuplot : getenv("CFB_GNUPLOT");
        snprintf(err, errlen,
                 "gnuplot not found%s%s%s (install it: apt-get install gnuplot-nox); data "
                 "files written to %s",
                 env && *env ? " (tried " : "", env && *env ? env : "", env && *env ? ")" : "",
                 data_dir);
        snprintf(note, sizeof note, "No charts: %s.", err);
        rc = CFB_PLOT_ENOGNUPLOT;
    } else if (rc == CFB_PLOT_ESCRIPTS) {
        snprintf(note, sizeof note, "No charts: %s.", err);
    }
    for (size_t i = 0; !rc && i < plan.njobs; i++)
        for (unsigned f = CFB_PLOT_PNG; !rc && f <= CFB_PLOT_SVG; f <<= 1) {
            if (!(formats & f)) continue;
            char path[1400];
            snprintf(path, sizeof path, "%s/%s.%s", out_dir, plan.jobs[i].name,
                     f == CFB_PLOT_SVG ? "svg" : "png");
            rc = plot_gnuplot_run(gnuplot, scripts, &plan.jobs[i], f, path, o->log, err, errlen);
            if (!rc) {
                plan.jobs[i].drawn |= f;
                sum->images++;
                if (o->log) fprintf(o->log, "wrote %s\n", path);
            }
        }
    if (rc == 0) prune_stale(&plan, out_dir, o->log);
    if (rc == 0 || rc == CFB_PLOT_ENOGNUPLOT || rc == CFB_PLOT_ESCRIPTS) {
        char rerr[512] = "";
        int r2 = plot_report_write(&m, &plan, out_dir, note[0] ? note : NULL, rerr, sizeof rerr);
        if (r2 && !rc) {
            snprintf(err, errlen, "%s", rerr);
            rc = r2;
        }
        if (!r2) snprintf(sum->report, sizeof sum->report, "%s/report.html", out_dir);
    }
    plot_plan_free(&plan);
    plot_model_free(&m);
    return rc;
}
