# crossover.gp — chart 7: speedup over seq vs workers of an I/O-bound and a
# CPU-bound workload on one log-log plot, with the ideal line and the host's
# CPU count: where the two part is what bounds each of them. The I/O-bound
# workload is blue, the CPU-bound one red; the mode is the line's dash and
# point shape (thread solid/circle, process dashed/square, async
# dotted/triangle).
#
# datafile: one block per workload and mode (header line = "workload mode
# (bound)"), rows:
#   workers   speedup   lo   hi
# Variables: plotsdir, datafile, bounds ('io' or 'cpu' per block), bmodes
#            (the mode of each block), xmin, xmax, cpus (0: unknown), ybase,
#            ymin, ymax
load plotsdir.'/common.gp'

set logscale x 2
set xrange [xmin:xmax]
set xtics 2 format '%g'
set xlabel 'workers (log2 scale)'
set logscale y ybase
set format y '%g'
set yrange [ymin:ymax]
set ylabel 'speedup over seq (x, log scale; higher is better)'
@keyoutside
if (cpus > 0) {
    set arrow 1 from cpus, graph 0 to cpus, graph 1 nohead dt 3 lw 1.5 lc rgb '#aa3333'
    set label 1 sprintf('%d CPUs', cpus) at cpus, graph 0.04 offset 0.6,0 tc rgb '#aa3333' font ',9'
}
boundcolor(b) = b eq 'io' ? '#1f77b4' : '#d62728'
modedash(m) = m eq 'thread' ? 1 : m eq 'process' ? 2 : m eq 'async' ? 3 : m eq 'hybrid' ? 5 : 4
modepoint(m) = m eq 'thread' ? 7 : m eq 'process' ? 5 : m eq 'async' ? 9 : m eq 'hybrid' ? 13 : 11

plot x with lines dt 2 lw 1.2 lc rgb '#000000' title 'ideal (= workers)', \
     1 with lines dt 3 lw 1.2 lc rgb '#888888' title 'no speedup', \
     for [i=1:words(bounds)] datafile index (i-1) using ($1*dodge(i,words(bounds))):2:3:4 \
         with yerrorlines lw 2 dt modedash(word(bmodes,i)) pt modepoint(word(bmodes,i)) ps 0.9 \
         lc rgb boundcolor(word(bounds,i)) title columnheader(1)
