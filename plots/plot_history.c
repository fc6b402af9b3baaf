/* plot_history.c — cfb_plot_history(): one chart per case of a
 * `cfbench history` (plots/history.gp), drawn with plot_gnuplot_run(). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "plot_internal.h"

/* Block 0: one row per point; block 1: the segment medians as horizontal
 * lines (two rows per segment, a blank line between segments). */
static void history_data(pbuf *b, const cfb_history *h, const cfb_history_series *s) {
    pb_printf(b, "# cfbench history: %s, metric %s\n", s->id, cfb_metric_name(h->metric));
    pb_puts(b, "# file  median  min  max  segment_median  commit\n");
    for (size_t k = 0; k < s->npoints; k++) {
        const cfb_history_point *p = &s->points[k];
        pb_printf(b, "%zu %.9g %.9g %.9g %.9g ", p->source + 1, p->median, p->min, p->max,
                  p->seg_median);
        pb_datastr(b, h->sources[p->source].commit);
        pb_puts(b, "\n");
    }
    pb_puts(b, "\n\n# segments: file  segment_median\n");
    for (size_t k = 0, ci = 0; k < s->npoints; ci++) {
        size_t e = ci < s->nchanges ? s->changes[ci].index : s->npoints;
        double x0 = (double)s->points[k].source + 1.0, x1 = (double)s->points[e - 1].source + 1.0;
        pb_printf(b, "%.1f %.9g\n%.1f %.9g\n\n", x0 - 0.4, s->points[k].seg_median, x1 + 0.4,
                  s->points[k].seg_median);
        k = e;
    }
}

static void history_vars(plot_job *j, const cfb_history *h, const cfb_history_series *s,
                         const char *datafile) {
    pbuf *v = &j->vars;
    const char *unit = cfb_metric_unit(h->metric);
    int hib = cfb_metric_higher_is_better(h->metric);
    pb_puts(v, "datafile=");
    pb_gpstr(v, datafile);
    pb_puts(v, "; charttitle=");
    char t[400];
    snprintf(t, sizeof t, "history - %s - %s%s%s%s", s->id, cfb_metric_name(h->metric),
             *unit ? " (" : "", unit, *unit ? ")" : "");
    pb_gpstr(v, t);
    snprintf(t, sizeof t, "%s median per results file (%s%s%s is better)",
             cfb_metric_name(h->metric), *unit ? unit : "", *unit ? "; " : "",
             hib ? "higher" : "lower");
    pb_puts(v, "; ylabel=");
    pb_gpstr(v, t);
    const cfb_cpd_opts *d = &h->opts.cpd;
    char when0[24] = "", when1[24] = "";
    snprintf(when0, sizeof when0, "%.10s", h->sources[0].created);
    snprintf(when1, sizeof when1, "%.10s", h->sources[h->nsources - 1].created);
    snprintf(t, sizeof t,
             "%zu results files, %s .. %s; bars: min-max over the repetitions; change points: "
             "E-divisive means, alpha %g, threshold %g%%",
             h->nsources, when0, when1, d->alpha, d->threshold * 100.0);
    pb_puts(v, "; footnote=");
    pb_gpstr(v, t);
    pb_printf(v, "; xmax=%zu", h->nsources);
    pb_puts(v, "; cpx='");
    for (size_t k = 0; k < s->nchanges; k++) {
        const cfb_change *c = &s->changes[k];
        double x =
            0.5 * ((double)s->points[c->index - 1].source + (double)s->points[c->index].source) +
            1.0;
        pb_printf(v, "%s%.1f", k ? " " : "", x);
    }
    pb_puts(v, "'; cpkind='");
    for (size_t k = 0; k < s->nchanges; k++)
        pb_printf(v, "%s%s", k ? " " : "", s->changes[k].regression ? "r" : "i");
    pb_puts(v, "'; cplabel='");
    for (size_t k = 0; k < s->nchanges; k++) {
        double r = s->changes[k].ratio;
        if (isfinite(r))
            pb_printf(v, "%s%+.1f%%", k ? " " : "", (r - 1.0) * 100.0);
        else
            pb_printf(v, "%s?", k ? " " : "");
    }
    pb_puts(v, "'; ");
}

int cfb_plot_history(const struct cfb_history *h, const cfb_plot_options *opt,
                     cfb_plot_summary *sum, char *err, size_t errlen) {
    cfb_plot_summary local;
    if (!sum) sum = &local;
    memset(sum, 0, sizeof *sum);
    if (errlen) err[0] = 0;
    if (!opt || !opt->out_dir) {
        snprintf(err, errlen, "no output directory for the charts");
        return CFB_PLOT_EIO;
    }
    unsigned formats = opt->formats & (CFB_PLOT_PNG | CFB_PLOT_SVG);
    if (!formats) formats = CFB_PLOT_PNG;
    char out_dir[1024], data_dir[1100], abs[PATH_MAX];
    snprintf(data_dir, sizeof data_dir, "%s/data", opt->out_dir);
    if (plot_mkdirs(data_dir, err, errlen) || !realpath(opt->out_dir, abs) ||
        strlen(abs) >= sizeof out_dir - 16) {
        if (!err[0])
            snprintf(err, errlen, "cannot use output directory %s: %s", opt->out_dir,
                     strerror(errno));
        return CFB_PLOT_EIO;
    }
    snprintf(out_dir, sizeof out_dir, "%s", abs);
    snprintf(data_dir, sizeof data_dir, "%s/data", out_dir);
    snprintf(sum->out_dir, sizeof sum->out_dir, "%s", out_dir);

    char scripts[PATH_MAX], gnuplot[PATH_MAX];
    char serr[600] = "";
    int src = plot_find_scripts(opt, scripts, sizeof scripts, serr, sizeof serr), rc = 0;
    int have_gnuplot = !cfb_plot_find_gnuplot(opt->gnuplot, gnuplot, sizeof gnuplot);
    int draw = !src && have_gnuplot;
    char(*slugs)[64] = calloc(h->nseries + 1, sizeof *slugs);
    if (!slugs) {
        snprintf(err, errlen, "out of memory");
        return CFB_PLOT_ENOMEM;
    }
    for (size_t i = 0; rc == 0 && i < h->nseries; i++) {
        const cfb_history_series *s = &h->series[i];
        char slug[48];
        plot_slug(slug, sizeof slug, s->id);
        snprintf(slugs[i], sizeof slugs[i], "%s", slug);
        for (int dup = 2;; dup++) { /* the same id with other params */
            size_t k = 0;
            while (k < i && strcmp(slugs[k], slugs[i]))
                k++;
            if (k == i) break;
            snprintf(slugs[i], sizeof slugs[i], "%s-%d", slug, dup);
        }
        plot_job job;
        memset(&job, 0, sizeof job);
        snprintf(job.script, sizeof job.script, "history");
        snprintf(job.name, sizeof job.name, "history-%s", slugs[i]);
        job.series = -1;
        char datafile[1400];
        snprintf(datafile, sizeof datafile, "%s/%s.dat", data_dir, job.name);
        pbuf data = {0};
        history_data(&data, h, s);
        history_vars(&job, h, s, datafile);
        if (data.oom || job.vars.oom) {
            snprintf(err, errlen, "out of memory");
            rc = CFB_PLOT_ENOMEM;
        } else {
            rc = plot_write_buf(datafile, &data, err, errlen);
        }
        pb_free(&data);
        if (!rc) sum->data_files++;
        sum->charts++;
        for (unsigned f = CFB_PLOT_PNG; !rc && draw && f <= CFB_PLOT_SVG; f <<= 1) {
            if (!(formats & f)) continue;
            char path[1400];
            snprintf(path, sizeof path, "%s/%s.%s", out_dir, job.name,
                     f == CFB_PLOT_SVG ? "svg" : "png");
            rc = plot_gnuplot_run(gnuplot, scripts, &job, f, path, opt->log, err, errlen);
            if (!rc) {
                sum->images++;
                if (opt->log) fprintf(opt->log, "wrote %s\n", path);
            }
        }
        pb_free(&job.vars);
    }
    free(slugs);
    if (!rc && src) {
        snprintf(err, errlen, "%s; data files written to %s", serr, data_dir);
        rc = src;
    } else if (!rc && !have_gnuplot) {
        const char *env = opt->gnuplot ? opt->gnuplot : getenv("CFB_GNUPLOT");
        snprintf(err, errlen,
                 "gnuplot not found%s%s%s (install it: apt-get install gnuplot-nox); data "
                 "files written to %s",
                 env && *env ? " (tried " : "", env && *env ? env : "", env && *env ? ")" : "",
                 data_dir);
        rc = CFB_PLOT_ENOGNUPLOT;
    }
    return rc;
}
