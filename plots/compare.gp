# compare.gp — chart 6: the same cases from several result files (or
# implementations) side by side: one bar per source, median wall time with
# its 95% CI.
#
# datafile: block 0 places the case names on the x axis:
#   x   "case"
# then one block per source (header line = source label), rows:
#   x   median_s   lo_s   hi_s   "ratio text"
# ratio text is this median / the first source's median ("" for the first).
# Variables: plotsdir, datafile, nsources, ncases, barwidth, logy, ymax
load plotsdir.'/common.gp'

set style fill solid 0.85 border lc rgb '#333333'
set boxwidth barwidth absolute
set xrange [-0.6:ncases-0.4]
set xtics scale 0 font ',9'
if (ncases > 10) {
    set xtics rotate by -30
    set bmargin 7
}
set grid noxtics ytics
set xlabel 'case (mode, workers); label over a bar: its time / the first source''s time'
if (logy) {
    set logscale y 10
    set format y '%g'
    set yrange [*:ymax]
    set ylabel 'median wall time (s, log scale; lower is better)'
} else {
    set yrange [0:ymax]
    set ylabel 'median wall time (s; lower is better)'
}
set key top left

plot datafile index 0 using 1:(NaN):xtic(2) notitle, \
     for [i=1:nsources] datafile index i using 1:2 with boxes \
         lc rgb seriescolor(i) title columnheader(1), \
     for [i=1:nsources] datafile index i using 1:3:(0):($4-$3) with vectors nohead \
         lw 1.5 lc rgb '#222222' notitle, \
     for [i=1:nsources] datafile index i using 1:4:5 with labels \
         offset 0,0.8 font ',8' notitle
