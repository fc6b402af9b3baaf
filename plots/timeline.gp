# timeline.gp — chart 4: a task timeline of the first measured repetition:
# one row per worker, one bar per task from its start to its end, so map
# ordering, idle workers and stragglers show.
#
# datafile: one row per task:
#   task   "label"   row   start_s   end_s   rgb   "bar text"
# row is the worker slot (for async, the in-flight slot a task occupied —
# the event loop runs them all on one thread); rgb is 0xRRGGBB (failed
# tasks red); bar text is "" when it would not fit in the bar.
# Variables: plotsdir, datafile, nrows, rowname ('worker thread', …),
#            xmax (s), wall (the repetition's wall time in s, 0: unknown),
#            xscale, xunit (time axis unit: 1 's', 1e3 'ms' or 1e6 'µs'),
#            minhalf (s: half the narrowest bar drawn, so instant tasks show),
#            bars (the number of tasks: past a few hundred the bars are too thin
#            for their white borders, which would paint them white)
load plotsdir.'/common.gp'

if (exists("bars") && bars > 300) {
    set style fill solid 1.0 noborder
} else {
    set style fill solid 0.9 border lc rgb '#ffffff'
}
set yrange [nrows-0.4:-0.6]
set ytics 1 scale 0
set grid xtics noytics
set xrange [0:xmax*xscale]
set xlabel sprintf('time since the repetition started (%s)', xunit)
set ylabel rowname
set key off
if (wall > 0) {
    set arrow 1 from wall*xscale, graph 0 to wall*xscale, graph 1 nohead dt 2 lc rgb '#aa3333'
    set label 1 'wall' at wall*xscale, graph 1 offset 0.3,-0.8 tc rgb '#aa3333' font ',9'
}
half(a, b) = (b - a) / 2 > minhalf ? (b - a) / 2 : minhalf

plot datafile using (($4+$5)/2*xscale):3:(half($4,$5)*xscale):(0.38):6 \
         with boxxyerror lc rgb variable, \
     datafile using (($4+$5)/2*xscale):3:7 with labels font ',8' tc rgb '#111111'
