# best.gp — chart 3: the best worker count of each mode, per workload, as
# bars side by side (seq / thread / process / async).
#
# datafile: block 0 places the workload names on the x axis:
#   x   "workload"
# then one block per mode, in the order of `modes` (header line = mode):
#   x   value   lo   hi   workers   "wall time text"
# value is the speedup over seq (metric 'speedup') or the median wall
# time in seconds (metric 'wall'); lo/hi from the 95% CI.
# Variables: plotsdir, datafile, modes, nworkloads, barwidth, metric, logy, ymin, ymax
load plotsdir.'/common.gp'

set style fill solid 0.85 border lc rgb '#333333'
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
}
set yrange [ymin:ymax]
set key top right

# Bars grow from `base`: 1 for speedups (up = faster than seq, down =
# slower), the bottom of the axis for wall times.
base = (metric eq 'speedup') ? 1 : (logy ? 1e-300 : 0)
if (metric eq 'speedup') {
    set arrow 2 from graph 0, first 1 to graph 1, first 1 nohead lc rgb '#333333' lw 1
}
lo(v) = v < base ? v : base
hi(v) = v < base ? base : v
barlabel(w, t) = sprintf("w%d\n%s", int(w), t)
# (Labels above rising bars, below falling ones. An empty string hides a
# label: a `with labels` plot whose points are all undefined crashes
# gnuplot 5.4.4, so y stays defined.)

plot datafile index 0 using 1:(NaN):xtic(2) notitle, \
     for [i=1:words(modes)] datafile index i \
         using 1:2:($1-barwidth/2):($1+barwidth/2):(lo($2)):(hi($2)) with boxxyerror \
         lc rgb modecolor(word(modes,i)) title columnheader(1), \
     for [i=1:words(modes)] datafile index i using 1:3:(0):($4-$3) with vectors nohead \
         lw 1.5 lc rgb '#222222' notitle, \
     for [i=1:words(modes)] datafile index i \
         using 1:4:($2 >= base ? barlabel($5, strcol(6)) : '') with labels \
         offset 0,1.1 font ',7.5' notitle, \
     for [i=1:words(modes)] datafile index i \
         using 1:3:($2 < base ? barlabel($5, strcol(6)) : '') with labels \
         offset 0,-1.1 font ',7.5' notitle
