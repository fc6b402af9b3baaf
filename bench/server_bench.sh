#!/usr/bin/env bash
# server_bench.sh — requests/s of the embedded flag server (LOCAL) versus
# nginx serving the same files, both under `wrk -t2 -c64`, in alternating
# rounds; prints each round, the medians and the ratio (embedded / nginx).
#
# Usage: bench/server_bench.sh [-b BUILD_DIR] [-r ROUNDS] [-d SECONDS] [-t THREADS]
#                              [-c CONNECTIONS] [-a] [-o]
#   -b  build directory holding cfbench (default: build)
#   -r  rounds (default 5); each round runs wrk once against each server
#   -d  seconds per wrk run (default 5)
#   -t  server threads = nginx worker_processes (default: number of CPUs)
#   -c  wrk connections (default 64)
#   -a  cycle through all 194 flags (a wrk Lua script) instead of one URL
#   -o  give nginx an open_file_cache (saves its open/fstat/close per request)
# Needs wrk and nginx (Debian: scripts/deps.sh wrk nginx-light). Not run by
# `make test`. Nothing is installed or left behind (a temp dir is removed).
#
# Besides requests/s, each run reports the servers' own CPU time per request
# (user + system of the server processes, from /proc, kernel TCP work
# included) and wrk's, which a loaded machine disturbs much less than
# throughput; from their medians it estimates the requests/s ratio that an
# otherwise idle machine would show: (nginx + wrk_n) / (embedded + wrk_e).
#
# Fairness: both serve the same bytes (cfbench serve --export), from
# 127.0.0.1, with `worker_processes` = server threads, access_log off,
# sendfile on, tcp_nopush/tcp_nodelay on, keep-alive with no request cap;
# wrk is the same binary and arguments for both.
set -euo pipefail
build=build rounds=5 dur=5 threads=$(nproc) conns=64 all=0 ofc=
while getopts "b:r:d:t:c:aoh" opt; do
  case $opt in
    b) build=$OPTARG ;; r) rounds=$OPTARG ;; d) dur=$OPTARG ;; t) threads=$OPTARG ;;
    c) conns=$OPTARG ;; a) all=1 ;; o) ofc="open_file_cache max=1000 inactive=60s;" ;;
    h) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "server_bench: bad usage (see -h)" >&2; exit 2 ;;
  esac
done
cfbench=$build/cfbench
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$cfbench" ] || { echo "server_bench: no $cfbench (build first)" >&2; exit 3; }
command -v wrk >/dev/null || { echo "server_bench: wrk missing (scripts/deps.sh wrk nginx-light)" >&2; exit 3; }
[ -x "$nginx" ] || { echo "server_bench: nginx missing (scripts/deps.sh wrk nginx-light)" >&2; exit 3; }

tmp=$(mktemp -d /tmp/cfb-srvbench-XXXXXX)
chmod 755 "$tmp" # nginx workers run as nobody when started by root
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

"$cfbench" serve --export "$tmp/www" >/dev/null
mkdir -p "$tmp/ngx"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }
nport=$(free_port)
cat >"$tmp/nginx.conf" <<EOF
worker_processes $threads;
pid $tmp/ngx/nginx.pid;
error_log $tmp/ngx/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  $ofc
  client_body_temp_path $tmp/ngx;
  proxy_temp_path $tmp/ngx;
  fastcgi_temp_path $tmp/ngx;
  uwsgi_temp_path $tmp/ngx;
  scgi_temp_path $tmp/ngx;
  types { image/gif gif; application/json json; }
  server { listen 127.0.0.1:$nport; root $tmp/www; }
}
EOF
"$nginx" -c "$tmp/nginx.conf" -e "$tmp/ngx/error.log" 2>"$tmp/ngx/stderr" &
pids+=($!)
"$cfbench" serve --port 0 --threads "$threads" >"$tmp/serve.out" &
pids+=($!)
url=
for _ in $(seq 1 100); do
  url=$(grep -o 'http://[^ ]*' "$tmp/serve.out" 2>/dev/null | head -1) && [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] || { echo "server_bench: cfbench serve did not start" >&2; exit 3; }
eport=${url#http://127.0.0.1:}
eport=${eport%%/*}
for _ in $(seq 1 100); do
  curl -sf -o /dev/null "http://127.0.0.1:$nport/flags/br/br.gif" && break
  sleep 0.05
done
for p in $nport $eport; do
  curl -sf "http://127.0.0.1:$p/flags/br/br.gif" | cmp -s - "$tmp/www/flags/br/br.gif" ||
    { echo "server_bench: server on port $p does not serve the same bytes" >&2; cat "$tmp"/ngx/*err* >&2; exit 1; }
done

path=/flags/br/br.gif
luaopt=()
if [ "$all" = 1 ]; then
  {
    printf 'local paths = {'
    for d in "$tmp"/www/flags/*/; do c=$(basename "$d"); printf '"/flags/%s/%s.gif",' "$c" "$c"; done
    printf '}\nlocal i = 0\nrequest = function()\n  i = i %% #paths + 1\n'
    printf '  return wrk.format("GET", paths[i])\nend\n'
  } >"$tmp/all.lua"
  luaopt=(-s "$tmp/all.lua")
  path="/flags/{194 codes}"
fi
# CPU ticks used so far by the given processes and their threads:
# "user+system system".
ticks() { for p in "$@"; do cat /proc/"$p"/task/*/stat 2>/dev/null; done | awk '{ t += $14 + $15; k += $15 } END { print t + 0, k + 0 }'; }
hz=$(getconf CLK_TCK)
run() { # run PORT PID… → "requests/s server-µs/req wrk-µs/req server-kernel-µs/req"
  local port=$1; shift
  local t0 out t1 k0 k1
  read -r t0 k0 < <(ticks "$@")
  # the subshell reports its waited-for child's (wrk's) CPU ticks last
  out=$(wrk -t2 -c"$conns" -d"${dur}s" "${luaopt[@]}" "http://127.0.0.1:$port/flags/br/br.gif"
        awk '{ print "WRKTICKS", $16 + $17 }' /proc/$BASHPID/stat)
  read -r t1 k1 < <(ticks "$@")
  if echo "$out" | grep -q -E 'Non-2xx|Socket errors'; then echo "server_bench: wrk saw errors on $port:" >&2; echo "$out" >&2; fi
  echo "$out" | awk -v dt=$((t1 - t0)) -v dk=$((k1 - k0)) -v hz="$hz" '
    /requests in/ { n = $1 } /^Requests\/sec:/ { r = $2 } /^WRKTICKS/ { w = $2 }
    END { printf "%s %.2f %.2f %.2f\n", r, n ? dt / hz * 1e6 / n : 0, n ? w / hz * 1e6 / n : 0,
          n ? dk / hz * 1e6 / n : 0 }'
}

npids=$(pgrep -P "${pids[0]}" | tr '\n' ' ') # nginx workers
epid=${pids[1]}
echo "wrk -t2 -c$conns -d${dur}s GET $path   (server threads = nginx workers = $threads, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
printf '%-6s %12s %12s %7s   %14s %14s   %s\n' round embedded nginx ratio "embedded µs/req" "nginx µs/req" "(wrk µs/req e/n)"
: >"$tmp/e" && : >"$tmp/n" && : >"$tmp/ratios"
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then
    e=$(run "$eport" "$epid"); n=$(run "$nport" $npids)
  else
    n=$(run "$nport" $npids); e=$(run "$eport" "$epid")
  fi
  echo "$e" >>"$tmp/e"
  echo "$n" >>"$tmp/n"
  set -- $e $n
  awk -v a="$1" -v b="$5" -v c="$2" -v d="$6" 'BEGIN { print a / b, d / c }' >>"$tmp/ratios"
  printf '%-6s %12.0f %12.0f %7.2f   %14.2f %14.2f   (%.2f/%.2f)\n' "$r" "$1" "$5" "$(awk -v a="$1" -v b="$5" 'BEGIN { print a / b }')" "$2" "$6" "$3" "$7"
done
med() { cut -d' ' -f"$2" "$1" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
me=$(med "$tmp/e" 1) mn=$(med "$tmp/n" 1) ce=$(med "$tmp/e" 2) cn=$(med "$tmp/n" 2)
printf '%-6s %12.0f %12.0f %7.2f   %14.2f %14.2f\n' median "$me" "$mn" "$(awk -v a="$me" -v b="$mn" 'BEGIN { print a / b }')" "$ce" "$cn"
echo "requests/s, embedded / nginx: ratio of medians $(awk -v a="$me" -v b="$mn" 'BEGIN { printf "%.2f", a / b }'), median of round ratios $(med "$tmp/ratios" 1)   (target >= 1.5)"
echo "server CPU per request, nginx / embedded: ratio of medians $(awk -v a="$cn" -v b="$ce" 'BEGIN { printf "%.2f", a / b }'), median of round ratios $(med "$tmp/ratios" 2)"
we=$(med "$tmp/e" 3) wn=$(med "$tmp/n" 3) ke=$(med "$tmp/e" 4)
echo "CPU-bound estimate of the requests/s ratio (server + wrk CPU per request, nginx / embedded):" \
  "$(awk -v a="$cn" -v b="$wn" -v c="$ce" -v d="$we" 'BEGIN { printf "%.2f", (a + b) / (c + d) }')" \
  "(what an otherwise idle machine gives when wrk and the server share the CPUs)"
# The ceiling: even if the embedded server's own user-space work cost
# nothing, the kernel's TCP work on its behalf (recv + send per request,
# loopback delivery) and wrk's CPU would stay.
echo "embedded server: $(awk -v k="$ke" -v c="$ce" 'BEGIN { printf "%.2f of %.2f µs/req (%.0f%%)", k, c, 100 * k / c }') in the kernel;" \
  "requests/s ratio if its user-space work were free: $(awk -v a="$cn" -v b="$wn" -v k="$ke" -v d="$we" 'BEGIN { printf "%.2f", (a + b) / (k + d) }')"
echo "nginx: $([ -n "$ofc" ] && echo "with" || echo "without") open_file_cache (-o)"
