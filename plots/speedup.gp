# speedup.gp — chart 2: speedup over seq vs workers, one line per mode,
# with the ideal line (speedup = workers) and the host's CPU count.
#
# datafile: one block per mode (header line = mode), rows:
#   workers   speedup   lo   hi
# where speedup = median(seq wall) / median(wall), and lo/hi come from the
# 95% CI of this case's wall time.
# Variables: plotsdir, datafile, modes, xmin, xmax, cpus (0: unknown),
#            ybase (2, or 10 when some speedup is far below 1),
#            ymin, ymax (y range, the same for this workload in every series)
load plotsdir.'/common.gp'

set logscale x 2
set xrange [xmin:xmax]
set xtics 2 format '%g'
set xlabel 'workers (log2 scale)'
# log-log: linear scaling is the straight diagonal
set logscale y ybase
set yrange [ymin:ymax]
set format y '%g'
set ylabel 'speedup over seq (x, log scale; higher is better)'
@keyoutside
if (cpus > 0) {
    set arrow 1 from cpus, graph 0 to cpus, graph 1 nohead dt 3 lw 1.5 lc rgb '#aa3333'
    set label 1 sprintf('%d CPUs', cpus) at cpus, graph 0.04 offset 0.6,0 tc rgb '#aa3333' font ',9'
}

plot x with lines dt 2 lw 1.2 lc rgb '#000000' title 'ideal (= workers)', \
     1 with lines dt 3 lw 1.2 lc rgb '#888888' title 'no speedup', \
     for [i=1:words(modes)] datafile index (i-1) using ($1*dodge(i,words(modes))):2:3:4 \
         with yerrorlines lw 2 pt 7 ps 0.9 lc rgb modecolor(word(modes,i)) \
         title columnheader(1)
