#!/usr/bin/env bash
# test_serve_special.sh — `cfbench serve --root` with special files under the
# root (issue 14, item 2). A FIFO used to be opened without O_NONBLOCK: the
# open waited for a writer, so with -t 2 a few `GET /fifo` held both server
# threads and no other request was answered. Now every special file (FIFO,
# directory, socket, device node) is a prompt 404 and never blocks a thread.
#
# Bounded: every curl has --max-time; the FIFO requests run concurrently, then
# the normal ones, so a blocked server fails the test in about 2 x MAXT
# seconds (before the fix: all 9 FIFO requests and all 20 normal GETs timed
# out). After a failure the test holds the FIFO open read-write (a writer),
# which releases every thread stuck in open(), so even a broken server
# answers the remaining checks and stops.
set -u
: "${CFBENCH:?CFBENCH must point at the cfbench binary}"
MAXT=30 # seconds per request: far beyond need (ms), well below CTest's 300 s
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
tmp=$(mktemp -d /tmp/cfb-serve-special-XXXXXX)
root="$tmp/root"
srv_pid=
sock_pid=
release_fifo() { # a read-write open of a FIFO never blocks and wakes its readers
  [ -p "$root/flags/fifo" ] && timeout 5 bash -c ': <>"$1"' _ "$root/flags/fifo"
}
cleanup() {
  release_fifo
  [ -n "$srv_pid" ] && kill -9 "$srv_pid" 2>/dev/null
  [ -n "$sock_pid" ] && kill "$sock_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$root/flags/dir"
printf 'hello\n' >"$root/flags/ok.txt"
mkfifo "$root/flags/fifo"
# A unix socket, when python3 is there to bind one (open() on it fails: ENXIO).
if command -v python3 >/dev/null; then
  python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); time.sleep(600)' "$root/flags/sock" &
  sock_pid=$!
fi
# Device nodes need root: /dev/null's and /dev/zero's numbers (an endless body).
if [ "$(id -u)" = 0 ]; then
  mknod "$root/flags/null" c 1 3 2>/dev/null || true
  mknod "$root/flags/zero" c 1 5 2>/dev/null || true
fi

"$CFBENCH" serve --port 0 --threads 2 --root "$root" >"$tmp/serve.out" 2>"$tmp/serve.err" &
srv_pid=$!
url=
for _ in $(seq 1 1200); do # bounded: 60 s
  url=$(grep -o 'http://[^ ]*' "$tmp/serve.out" 2>/dev/null | head -1)
  [ -n "$url" ] && break
  kill -0 "$srv_pid" 2>/dev/null || break
  sleep 0.05
done
[ -n "$url" ] || { fail "serve printed no URL: $(cat "$tmp/serve.out" "$tmp/serve.err")"; exit 1; }

get() { # get PATH [curl args…]: prints the HTTP code (000 on timeout)
  local p=$1
  shift
  curl -s -o /dev/null --max-time "$MAXT" -w '%{http_code}' "$@" "$url/$p"
}

# 8 concurrent GET /fifo (4 per server thread) and a HEAD /fifo: each a 404.
for i in $(seq 1 8); do
  get fifo >"$tmp/fifo.$i" &
done
get fifo -I >"$tmp/fifo.head" &
wait_all() { # wait for the background curls only (not the servers)
  local j
  for j in $(jobs -p); do
    [ "$j" = "$srv_pid" ] || [ "$j" = "$sock_pid" ] || wait "$j"
  done
}
wait_all
for i in $(seq 1 8); do
  code=$(cat "$tmp/fifo.$i")
  [ "$code" = 404 ] || fail "GET /fifo #$i: '$code', want 404 (000 = no answer in ${MAXT}s)"
done
code=$(cat "$tmp/fifo.head")
[ "$code" = 404 ] || fail "HEAD /fifo: '$code', want 404"

# Then 20 normal GETs, concurrently: all answered, with the file's bytes.
for i in $(seq 1 20); do
  curl -s --max-time "$MAXT" -o "$tmp/ok.$i" -w '%{http_code}' "$url/ok.txt" >"$tmp/okcode.$i" &
done
wait_all
answered=0
for i in $(seq 1 20); do
  [ "$(cat "$tmp/okcode.$i")" = 200 ] && cmp -s "$tmp/ok.$i" "$root/flags/ok.txt" &&
    answered=$((answered + 1))
done
[ "$answered" -eq 20 ] || fail "only $answered of 20 normal GETs answered after GET /fifo"
# A broken server has threads stuck in open(): hold the FIFO open read-write
# (a writer) from here on, so they and later FIFO opens go on and the rest
# of the test runs in seconds instead of timing out request by request.
if [ "$fails" -gt 0 ]; then
  exec 3<>"$root/flags/fifo"
fi

# The other special files: never served, never blocking.
for p in dir dir/ sock null zero; do
  case $p in
    sock) [ -S "$root/flags/sock" ] || continue ;;
    null | zero) [ -c "$root/flags/$p" ] || continue ;;
  esac
  code=$(get "$p")
  [ "$code" = 404 ] || fail "GET /$p: '$code', want 404"
done
code=$(get ok.txt)
[ "$code" = 200 ] || fail "GET /ok.txt at the end: '$code'"

# The server still stops cleanly (no thread left in open()).
kill -TERM "$srv_pid"
for _ in $(seq 1 1200); do
  kill -0 "$srv_pid" 2>/dev/null || break
  sleep 0.05
done
if kill -0 "$srv_pid" 2>/dev/null; then
  fail "serve did not stop on SIGTERM"
  kill -9 "$srv_pid"
fi
wait "$srv_pid"
rc=$?
srv_pid=
[ "$rc" -eq 0 ] || fail "serve exit $rc after SIGTERM"

[ "$fails" -eq 0 ] && echo "test_serve_special: all passed" || echo "test_serve_special: $fails failed"
[ "$fails" -eq 0 ]
