# wall.gp — chart 1: wall time vs workers, one line per mode.
#
# datafile: one block per mode, in the order of `modes`; blocks are
# separated by two blank lines; each block starts with a header line
# naming the mode, then one row per worker count:
#   workers   median_wall_s   ci95_lo_s   ci95_hi_s
# Series are nudged sideways a little (dodge() in common.gp) so that
# overlapping points stay visible.
# Variables (besides those of common.gp):
#   plotsdir, datafile, modes ('seq thread process async')
#   xmin, xmax   x range (log2 axis)
#   logy         1 for a log y axis (when times span > 20x)
#   ymin, ymax   y range, the same for this workload in every series
#   seqwall      median wall of the seq case, drawn as a reference line (0: none)
#   ylab         optional: another y label (the chart of a workload's own metric)
load plotsdir.'/common.gp'
@keyoutside

set logscale x 2
set xrange [xmin:xmax]
set xtics 2 format '%g'
set xlabel 'workers (log2 scale)'
if (logy) {
    set logscale y 10
    set ylabel 'wall time per repetition (s, log scale)'
} else {
    set ylabel 'wall time per repetition (s)'
}
if (exists('ylab')) set ylabel ylab
set yrange [ymin:ymax]

plot for [i=1:words(modes)] datafile index (i-1) using ($1*dodge(i,words(modes))):2:3:4 \
         with yerrorlines lw 2 pt 7 ps 0.9 lc rgb modecolor(word(modes,i)) \
         title columnheader(1), \
     (seqwall > 0 ? seqwall : NaN) with lines dt 2 lw 1.2 lc rgb modecolor('seq') \
         title (seqwall > 0 ? 'seq (reference)' : '')
