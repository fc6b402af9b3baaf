# common.gp — what every cfbench chart shares: terminal, size, fonts,
# colours, grid and the footnote. Loaded first by each chart script.
#
# Variables set by `cfbench plot` (gnuplot -e "name=value; …"):
#   fmt         'png' or 'svg'
#   outfile     the image to write
#   charttitle  "<chart> - <workload> (<impl>) - <host>, <date>"
#   footnote    one small line under the chart (sources, statistics)
# Optional: width, height (pixels, default 900 x 540).

if (!exists("width")) width = 900
if (!exists("height")) height = 540
if (!exists("footnote")) footnote = ''

# PNG: pngcairo (antialiased) when this gnuplot has it, else libgd's png.
if (fmt eq 'svg') {
    set terminal svg size width,height noenhanced font 'Sans,12' background rgb 'white'
} else {
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size width,height noenhanced font 'Sans,10' background rgb 'white'
    } else {
        set terminal png size width,height noenhanced font 'Sans,10' background rgb 'white'
    }
}
set output outfile
set encoding utf8

set title charttitle font ',13'
set grid xtics ytics lc rgb '#d9d9d9' lw 1 dt 1
set border 3 lc rgb '#444444'
set tics nomirror out
set key top right opaque box lc rgb '#cccccc' samplen 2.5 spacing 1.2
# Scripts whose lines could hide under an inside key put it outside.
keyoutside = "set key outside right top vertical Left reverse noopaque nobox samplen 2.5 spacing 1.3"
set bmargin 5
set label 99 footnote at screen 0.01, screen 0.02 left font ',8' tc rgb '#666666'

# Nudge the i-th of n series sideways on a log2 x axis so that points and
# error bars at the same worker count do not hide each other.
dodge(i, n) = 2**((i - (n + 1) / 2.0) * 0.03)

# One colour per concurrency mode, the same in every chart.
modecolor(m) = m eq 'seq' ? '#555555' : m eq 'thread' ? '#1f77b4' : \
               m eq 'process' ? '#ff7f0e' : m eq 'async' ? '#2ca02c' : \
               m eq 'hybrid' ? '#8c564b' : '#9467bd'
# Colours for result files / implementations in comparison charts.
seriescolor(i) = word('#1f77b4 #d62728 #2ca02c #9467bd #8c564b #e377c2 #17becf #bcbd22', (i-1)%8+1)
