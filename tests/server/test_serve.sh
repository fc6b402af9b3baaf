#!/usr/bin/env bash
# test_serve.sh — `cfbench serve` end to end: usage errors exit 2 with one
# line; --export writes the files; the server prints its URL, answers plain
# curl and Python's urllib (when python3 exists) with the exact exported
# bytes, and stops on SIGTERM and on SIGINT with exit 0 and its counters.
set -u
: "${CFBENCH:?CFBENCH must point at the cfbench binary}"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
tmp=$(mktemp -d /tmp/cfb-serve-XXXXXX)
srv_pid=
cleanup() {
  [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- usage -------------------------------------------------------------------
"$CFBENCH" serve --help >"$tmp/help" 2>&1 || fail "--help exit $?"
grep -q -- '--label' "$tmp/help" || fail "--help lacks --label"
for bad in "--label SLOW" "--delay 5:1" "--delay 1" "--error-rate 2" "--port 70000" \
           "--threads 0" "--seed -1" "--bogus" "extra" "--port"; do
  # shellcheck disable=SC2086
  "$CFBENCH" serve $bad >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ "$rc" -eq 2 ] || fail "serve $bad: exit $rc, want 2"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "serve $bad: stderr not one line: $(cat "$tmp/err")"
  grep -q '^cfbench serve: ' "$tmp/err" || fail "serve $bad: message lacks prefix"
done
"$CFBENCH" serve --bind 127.0.0.1 --port 0 --root "$tmp/nonexistent" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 3 ] || fail "missing --root should exit 3"

# --- export --------------------------------------------------------------------
"$CFBENCH" serve --export "$tmp/www" >/dev/null || fail "export failed"
[ "$(find "$tmp/www/flags" -name '*.gif' | wc -l)" -eq 194 ] || fail "export: not 194 gifs"
[ "$(stat -c %s "$tmp/www/flags/br/br.gif")" -eq 11623 ] || fail "export: br.gif size"

# --- start, wait for the URL (bounded) ----------------------------------------
start() { # start ARGS…: sets srv_pid and url
  "$CFBENCH" serve --port 0 "$@" >"$tmp/serve.out" 2>"$tmp/serve.err" &
  srv_pid=$!
  url=
  for _ in $(seq 1 1200); do # bounded: 60 s
    url=$(grep -o 'http://[^ ]*' "$tmp/serve.out" 2>/dev/null | head -1)
    [ -n "$url" ] && return 0
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.05
  done
  fail "serve $* printed no URL: $(cat "$tmp/serve.out" "$tmp/serve.err")"
  return 1
}
stop() { # stop SIGNAL: the server must exit 0 within 60 s (it takes ms; a
  # loaded machine gets room, a server that ignores the signal still fails)
  kill -"$1" "$srv_pid"
  for _ in $(seq 1 1200); do
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$srv_pid" 2>/dev/null; then
    fail "serve did not stop on $1"
    kill -9 "$srv_pid"
  fi
  wait "$srv_pid"
  rc=$?
  srv_pid=
  [ "$rc" -eq 0 ] || fail "serve exit $rc after $1"
}

if start; then
  case "$url" in http://127.0.0.1:*/flags) ;; *) fail "url '$url'";; esac
  curl -sf -o "$tmp/br.gif" "$url/br/br.gif" || fail "curl br.gif"
  cmp -s "$tmp/br.gif" "$tmp/www/flags/br/br.gif" || fail "curl: bytes differ from export"
  curl -sf "$url/br/metadata.json" | grep -q '"country": "Brazil"' || fail "metadata.json"
  code=$(curl -s -o /dev/null -w '%{http_code}' "$url/zz/zz.gif")
  [ "$code" = 404 ] || fail "unknown code: $code"
  if command -v python3 >/dev/null; then
    python3 - "$url" "$tmp/www/flags/cn/cn.gif" <<'EOF' || fail "python urllib"
import sys, urllib.request, urllib.error
url, ref = sys.argv[1], sys.argv[2]
with urllib.request.urlopen(url + "/cn/cn.gif", timeout=10) as r:
    assert r.status == 200 and r.headers["Content-Type"] == "image/gif"
    assert r.read() == open(ref, "rb").read()
try:
    urllib.request.urlopen(url + "/xx/xx.gif", timeout=10)
    raise SystemExit("no 404")
except urllib.error.HTTPError as e:
    assert e.code == 404
EOF
  fi
  stop TERM
  grep -q 'SIGTERM' "$tmp/serve.out" || fail "no stop line"
  want=3
  command -v python3 >/dev/null && want=5
  grep -q "^$want requests:" "$tmp/serve.out" || fail "counters: $(tail -2 "$tmp/serve.out")"
fi

# --- ERROR label, seeded: counters report the 418s; SIGINT stops it --------------
if start --label ERROR --delay 0:0.01 --error-rate 1 --seed 7; then
  grep -q 'ERROR flags' "$tmp/serve.out" || fail "label not printed"
  grep -q 'seed 7' "$tmp/serve.out" || fail "seed not printed"
  line=$(curl -si "$url/br/br.gif" | head -1 | tr -d '\r')
  [ "$line" = "HTTP/1.1 418 I'm a teapot" ] || fail "ERROR with rate 1: '$line'"
  stop INT
  grep -q "1 teapot (418)" "$tmp/serve.out" || fail "418 not counted: $(tail -2 "$tmp/serve.out")"
fi

# --- --root serves a directory ---------------------------------------------------
if start --root "$tmp/www"; then
  curl -sf -o "$tmp/fr.gif" "$url/fr/fr.gif" || fail "root: curl fr.gif"
  cmp -s "$tmp/fr.gif" "$tmp/www/flags/fr/fr.gif" || fail "root: bytes differ"
  stop TERM
fi

[ "$fails" -eq 0 ] && echo "test_serve: all passed" || echo "test_serve: $fails failed"
[ "$fails" -eq 0 ]
