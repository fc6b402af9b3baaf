# scan.gp — chart 8: wall time (or speedup) against a scanned parameter,
# one line per mode, each point at that value's fastest worker count.
#
# datafile: one block per mode, in the order of `modes`; blocks are
# separated by two blank lines; each block starts with a header line
# naming the mode and the worker counts it ran, then one row per value:
#   x   "value"   y   lo   hi   workers
# x is the value itself, or its index when some value is not a number
# (categorical); y is the median wall time in s (metric 'wall') or the
# speedup over the seq case of the same value (metric 'speedup'); lo, hi
# the bar; workers the fastest worker count at that value (drawn as wN).
# Variables (besides those of common.gp):
#   plotsdir, datafile, modes, metric ('wall' | 'speedup'), xlab
#   logx         1 for a log x axis (a geometric range, or a span >= 100x)
#   categorical  1 when the values are not all numbers (x = index)
#   valtics      1 to put a tic at every value (16 values or fewer)
#   xmin, xmax, logy, ymin, ymax
load plotsdir.'/common.gp'
@keyoutside

if (logx) set logscale x 2
set xrange [xmin:xmax]
set xlabel xlab
if (metric eq 'speedup') {
    set ylabel 'speedup over seq (seq median / median)'.(logy ? ', log scale' : '')
} else {
    set ylabel 'wall time per repetition (s'.(logy ? ', log scale)' : ')')
}
if (logy) set logscale y 10
set yrange [ymin:ymax]
if (valtics || categorical) {
    set xtics () format '%g'
} else {
    set xtics format '%g'
}

# the value's text as its tic, when there are few values (or they are words);
# the wN labels sit above the points of every other mode and below the rest
tic(col) = (valtics || categorical) ? stringcolumn(col) : ''
wlabel(i) = word(modes, i) eq 'seq' ? '' : sprintf('w%d', int(column(6)))

plot for [i=1:words(modes)] datafile index (i-1) using 1:3:4:5:xticlabels(tic(2)) \
         with yerrorlines lw 2 pt 7 ps 0.9 lc rgb modecolor(word(modes,i)) \
         title columnheader(1), \
     for [i=1:words(modes)] datafile index (i-1) using 1:3:(valtics ? wlabel(i) : '') \
         with labels offset 0,(i % 2 ? 0.9 : -0.9) font ',7' tc rgb modecolor(word(modes,i)) \
         notitle, \
     (metric eq 'speedup' ? 1 : NaN) with lines dt 2 lw 1.2 lc rgb modecolor('seq') \
         title (metric eq 'speedup' ? 'seq (1x)' : '')
