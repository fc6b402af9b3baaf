# latency.gp — chart 5: per-task latency distribution (CDF), one curve per
# mode at its best worker count.
#
# datafile: one block per curve (header line = curve title), rows:
#   latency_s   fraction_of_tasks_at_or_below
# A curve from a timeline has one step per task; a curve from the latency
# percentiles of the repetitions (no timeline kept) has the points
# p50, p90, p99 and max.
# Variables: plotsdir, datafile, modes (mode of each curve), kinds ('steps'
#            or 'pct' per curve), logx, xmin, xmax (s), xscale, xunit
load plotsdir.'/common.gp'

if (logx) {
    set logscale x 10
    set format x '%g'
    set xlabel sprintf('task latency, start to end (%s, log scale)', xunit)
} else {
    set xlabel sprintf('task latency, start to end (%s)', xunit)
}
set xrange [xmin*xscale:xmax*xscale]
set yrange [0:1.02]
set ytics 0.1
set ylabel 'fraction of tasks with latency <= x'
set key bottom right

plot for [i=1:words(modes)] datafile index (i-1) \
         using ($1*xscale):(word(kinds,i) eq 'steps' ? $2 : NaN) with steps lw 2 dt i \
         lc rgb modecolor(word(modes,i)) title (word(kinds,i) eq 'steps' ? columnheader(1) : ''), \
     for [i=1:words(modes)] datafile index (i-1) \
         using ($1*xscale):(word(kinds,i) eq 'pct' ? $2 : NaN) with linespoints lw 2 dt i pt 7 \
         lc rgb modecolor(word(modes,i)) title (word(kinds,i) eq 'pct' ? columnheader(1) : '')
