# compare.gp — chart 6: the same cases from several result files (or
# implementations) side by side: one bar per source, median wall time with
# its 95% CI.
#
# datafile: block 0 places the case names on the x axis:
#   x   "case"
# then one block per source (header line = source label), rows:
#   x   median_s   lo_s   hi_s   "ratio text"
# ratio text is this median / the first source's median ("" for the first),
# with a '*' when cfbench compare's verdict on the two is significant; the
# 6th column is that verdict.
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
set xlabel 'case (mode, workers); label over a bar: its time / the first source''s time (* significant)'
if (logy) {
    set logscale y 10
    set format y '%g'
    set yrange [*:ymax]
    set ylabel 'median wall time (s, log scale; lower is better)'
} else {
    set yrange [0:ymax]
    set ylabel 'median wall time (s; lower is better)'
}
# The key sits between the title and the plot, one row per three sources:
# inside the plot it covered bars and their labels.
keyrows = int((nsources + 2) / 3)
set tmargin 3 + 1.4 * keyrows
set title offset 0, 1.3 * keyrows - 1
set key at graph 0.5, graph 1.01 center bottom horizontal maxcols 3 \
    noopaque nobox samplen 2 width 1
# Ratio labels stand upright when side by side they would run into each other.
crowded = ncases * (nsources - 1) > 12
labelstyle = crowded ? 'offset 0,0.4 rotate by 90 left' : 'offset 0,0.8 center'

plot datafile index 0 using 1:(NaN):xtic(2) notitle, \
     for [i=1:nsources] datafile index i using 1:2 with boxes \
         lc rgb seriescolor(i) title columnheader(1), \
     for [i=1:nsources] datafile index i using 1:3:(0):($4-$3) with vectors nohead \
         lw 1.5 lc rgb '#222222' notitle, \
     for [i=1:nsources] datafile index i using 1:4:5 with labels @labelstyle \
         font ',8' notitle
