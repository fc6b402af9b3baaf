# best.gp — chart 3: the best worker count of each mode, per workload, as
# bars side by side (seq / thread / process / async).
#
# datafile: block 0 places the workload names on the x axis:
#   x   "workload"
# then one block per mode, in the order of `modes` (header line = mode):
#   x   value   lo   hi   workers   "wall time text"
# value is the speedup over seq (metric 'speedup') or the median wall
# time in seconds (metric 'wall'); lo/hi from the 95% CI.
# Variables: plotsdir, datafile, modes, nworkloads, barwidth, metric, logy, ymax
load plotsdir.'/common.gp'

set style fill solid 0.85 border lc rgb '#333333'
set boxwidth barwidth absolute
set xrange [-0.6:nworkloads-0.4]
set xtics scale 0 font ',11'
set grid noxtics ytics
set xlabel 'workload (label over each bar: best worker count and its median wall time)'
if (metric eq 'speedup') {
    set ylabel 'best speedup over seq (x; higher is better)'
} else {
    set ylabel 'best median wall time (s; lower is better)'
}
if (logy) {
    set logscale y 10
    set format y '%g'
    set yrange [*:ymax]
} else {
    set yrange [0:ymax]
}
set key top right

plot datafile index 0 using 1:(NaN):xtic(2) notitle, \
     for [i=1:words(modes)] datafile index i using 1:2 with boxes \
         lc rgb modecolor(word(modes,i)) title columnheader(1), \
     for [i=1:words(modes)] datafile index i using 1:2:3:4 with yerrorbars \
         pt 0 lc rgb '#222222' notitle, \
     for [i=1:words(modes)] datafile index i \
         using 1:4:(sprintf("w%d\n%s", int($5), strcol(6))) with labels \
         offset 0,1.2 font ',8' notitle
