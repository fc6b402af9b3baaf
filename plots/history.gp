# history.gp — `cfbench history --charts DIR`: one case over many results
# files, with its change points.
#
# datafile: block 0, one row per results file that has the case (x = the
# file's place in run order, 1 = oldest):
#   file   median   min   max   segment_median   "commit"
# block 1: the segment medians as horizontal lines, two rows per segment
# (its first and last file, +-0.4), segments separated by a blank line:
#   x   segment_median
# Variables (besides those of common.gp):
#   plotsdir, datafile, ylabel, xmax (number of files)
#   cpx      x of each change point, between the two files it separates ('' for none)
#   cpkind   per change point: 'r' regression or 'i' improvement
#   cplabel  per change point: the change of the segment median, '+12.3%'
load plotsdir.'/common.gp'

set xrange [0.5:xmax+0.5]
set xtics format '%g'
if (xmax <= 30) { set xtics 1 }
set xlabel 'results file, in run order (1 = oldest)'
set ylabel ylabel
set yrange [*:*]
set offsets 0, 0, graph 0.08, graph 0.05
@keyoutside

if (words(cpx) > 0) {
    do for [i=1:words(cpx)] {
        c = word(cpkind,i) eq 'r' ? '#d62728' : '#2ca02c'
        set arrow i from first (word(cpx,i)+0), graph 0 to first (word(cpx,i)+0), graph 1 \
            nohead dt 2 lw 2 lc rgb c
        set label i word(cplabel,i) at first (word(cpx,i)+0), graph 0.97 \
            offset 0.5,0 left font ',9' tc rgb c
    }
}

plot datafile index 0 using 1:2:3:4 with yerrorbars pt 7 ps 0.7 lw 1 \
         lc rgb '#1f77b4' title 'median per file', \
     datafile index 1 using 1:2 with lines lw 2.5 lc rgb '#ff7f0e' title 'segment median', \
     NaN with lines dt 2 lw 2 lc rgb '#d62728' title 'regression', \
     NaN with lines dt 2 lw 2 lc rgb '#2ca02c' title 'improvement'
