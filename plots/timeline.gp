# timeline.gp — chart 4: a task timeline of the first measured repetition:
# one row per worker, one bar per task from its start to its end, so map
# ordering, idle workers and stragglers show.
#
# datafile: one row per task:
#   task   "label"   row   start_s   end_s   rgb   "bar text"
# row is the worker slot (for async, the in-flight slot a task occupied —
# the event loop runs them all on one thread); rgb is 0xRRGGBB (failed
# tasks red); bar text is "" when it would not fit in the bar.
# Variables: plotsdir, datafile, nrows, rowname ('worker' / 'in-flight slot'),
#            xmax, wall (the repetition's wall time, 0: unknown)
load plotsdir.'/common.gp'

set style fill solid 0.9 border lc rgb '#ffffff'
set yrange [nrows-0.4:-0.6]
set ytics 1 scale 0
set grid xtics noytics
set xrange [0:xmax]
set xlabel 'time since the repetition started (s)'
set ylabel rowname
set key off
if (wall > 0) {
    set arrow 1 from wall, graph 0 to wall, graph 1 nohead dt 2 lc rgb '#aa3333'
    set label 1 'wall' at wall, graph 1 offset 0.3,-0.8 tc rgb '#aa3333' font ',9'
}

plot datafile using (($4+$5)/2):3:(($5-$4)/2):(0.38):6 with boxxyerror lc rgb variable, \
     datafile using (($4+$5)/2):3:7 with labels font ',8' tc rgb '#111111'
