# best.gp — chart 3: the best worker count of each mode, per workload, as
# bars side by side (seq / thread / process / async).
#
# datafile: block 0 places the workload names on the x axis:
#   x   "workload"
# then one block per mode, in the order of `modes` (header line = mode):
#   x   value   lo   hi   workers   "wall time text"
# value is the speedup over seq (metric 'speedup') or the median wall
# time in seconds (metric 'wall'); lo/hi from the 95% CI.
# Variables: plotsdir, datafile, modes, nworkloads, barwidth, metric, logy,
#            ymin, ymax, barbase (where every bar starts: the bottom of the
#            axis, so that a speedup of 1 — seq — is a bar too)
load plotsdir.'/common.gp'

set style fill solid 0.85 border lc rgb '#333333'
set xrange [-0.6:nworkloads-0.4]
set xtics scale 0 font ',11'
set grid noxtics ytics
set xlabel 'workload (label over each bar: best worker count and its median wall time)'
if (metric eq 'speedup') {
    set ylabel sprintf('best speedup over seq (x%s; line at 1 = seq)', logy ? ', log scale' : '')
} else {
    set ylabel sprintf('best median wall time (s%s; lower is better)', logy ? ', log scale' : '')
}
if (logy) {
    set logscale y 10
    set format y '%g'
}
set yrange [ymin:ymax]
# The key goes outside, right of the plot: inside, it covered the labels of
# the bars under it.
@keyoutside

if (metric eq 'speedup') {
    set arrow 2 from graph 0, first 1 to graph 1, first 1 nohead lc rgb '#333333' lw 1 front
}
barlabel(w, t) = sprintf("w%d\n%s", int(w), t)
top(v, h) = h > v ? h : v

plot datafile index 0 using 1:(NaN):xtic(2) notitle, \
     for [i=1:words(modes)] datafile index i \
         using 1:2:($1-barwidth/2):($1+barwidth/2):(barbase):2 with boxxyerror \
         lc rgb modecolor(word(modes,i)) title columnheader(1), \
     for [i=1:words(modes)] datafile index i using 1:3:(0):($4-$3) with vectors nohead \
         lw 1.5 lc rgb '#222222' notitle, \
     for [i=1:words(modes)] datafile index i \
         using 1:(top($2, $4)):(barlabel($5, strcol(6))) with labels \
         offset 0,1.1 font ',7.5' notitle
