#!/usr/bin/env python3
"""browser_check.py — open an HTML report in headless Chromium and check it.

    browser_check.py REPORT.html OUTDIR [--chromium PATH] [--width 1280]
                     [--height 800] [--timeout 25] [--no-findings]
                     [--shot-at CSS-SELECTOR]

Starts `chromium --headless` with a fresh profile and DevTools on a port the
browser picks (--remote-debugging-port=0; the port is read from the
profile's DevToolsActivePort file), talks the Chrome DevTools Protocol over
a minimal RFC 6455 websocket client written on the Python standard library
(nothing from outside the Debian archive), loads the report at WIDTHxHEIGHT
CSS px (device scale 1) and checks:

  - the page renders: the load event fires, the title and the <h1> are
    there, no script, no JS exception, no console or log error;
  - every <img> loaded (complete && naturalWidth > 0);
  - nothing is cut off horizontally: document.scrollingElement.scrollWidth
    <= WIDTH, and no element's box extends past the viewport's left or right
    edge (an element scrolled inside a container counts too: it is hidden
    until the reader scrolls);
  - the findings are on the first screen: <section id="findings"> with
    <h2>Findings</h2> starts within the first HEIGHT px and its first
    <li class="finding"> is wholly visible there (skipped by --no-findings).

Each check prints one line, "ok   …" or "FAIL …" (a failed check may add
indented detail lines). A screenshot of the first screen is written to
OUTDIR/screenshot.png, Chromium's own output to OUTDIR/chromium.log.

Exit: 0 every check passed, 1 a check failed, 2 bad usage, 3 the browser
could not be started or driven (the reason on stderr). Every wait is
bounded by --timeout (whole run); Chromium runs in its own process group
and is killed on every exit path (normal, error, SIGTERM, SIGINT, SIGHUP;
PR_SET_PDEATHSIG covers this script being killed outright).
"""
import argparse
import base64
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time


class BrowserError(Exception):
    """The browser could not be started or driven (exit 3)."""


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self, what):
        t = self.end - time.monotonic()
        if t <= 0:
            raise BrowserError("timed out " + what)
        return t


# --- a minimal websocket client (RFC 6455), enough for CDP ------------------
class WebSocket:
    def __init__(self, host, port, path, deadline):
        self.deadline = deadline
        self.sock = socket.create_connection((host, port), timeout=deadline.left("connecting"))
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key))
        self.sock.sendall(req.encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self._recv("reading the websocket handshake")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise BrowserError("websocket handshake refused: " + status.decode(errors="replace"))
        import hashlib
        want = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        if want not in head:
            raise BrowserError("websocket handshake: bad Sec-WebSocket-Accept")

    def _recv(self, what):
        self.sock.settimeout(self.deadline.left(what))
        try:
            d = self.sock.recv(1 << 16)
        except socket.timeout:
            raise BrowserError("timed out " + what)
        if not d:
            raise BrowserError("the browser closed the connection while " + what)
        return d

    def _take(self, n, what):
        while len(self.buf) < n:
            self.buf += self._recv(what)
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def _send_frame(self, opcode, payload):
        n = len(payload)
        if n < 126:
            hdr = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        self.sock.settimeout(self.deadline.left("sending to the browser"))
        self.sock.sendall(hdr + mask + body)

    def send(self, text):
        self._send_frame(0x1, text.encode())

    def recv(self, what):
        """One whole text message (fragments joined; pings answered)."""
        parts = []
        while True:
            b0, b1 = self._take(2, what)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._take(2, what))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._take(8, what))[0]
            mask = self._take(4, what) if b1 & 0x80 else None
            data = self._take(n, what)
            if mask:
                data = bytes(b ^ mask[i & 3] for i, b in enumerate(data))
            if opcode == 0x8:
                raise BrowserError("the browser closed the websocket while " + what)
            if opcode == 0x9:
                self._send_frame(0xA, data)
                continue
            if opcode == 0xA:
                continue
            parts.append(data)
            if b0 & 0x80:
                return b"".join(parts).decode()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# --- CDP over one browser connection, flat sessions -------------------------
class CDP:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []  # (method, params) in arrival order

    def call(self, method, params=None, session=None, what=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        what = what or ("waiting for " + method)
        while True:
            m = json.loads(self.ws.recv(what))
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise BrowserError("%s: %s" % (method, m["error"].get("message")))
                return m.get("result", {})
            if "method" in m:
                self.events.append((m["method"], m.get("params", {})))

    def wait_event(self, method, what):
        for i, (name, _) in enumerate(self.events):
            if name == method:
                return self.events[i][1]
        while True:
            m = json.loads(self.ws.recv(what))
            if "method" in m:
                self.events.append((m["method"], m.get("params", {})))
                if m["method"] == method:
                    return m.get("params", {})


# The checks, evaluated in the page once it has loaded. Returns plain JSON.
CHECK_JS = r"""
(async () => {
  const W = %(width)d, H = %(height)d;
  const imgs = Array.from(document.images);
  // data: URIs are decoded by the load event; decode() makes it certain, bounded.
  await Promise.race([
    Promise.all(imgs.map(i => i.decode().catch(() => null))),
    new Promise(r => setTimeout(r, 3000))]);
  const vw = document.documentElement.clientWidth;
  const describe = el => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.classList.length) s += '.' + Array.from(el.classList).join('.');
    let h = null;  // the heading this element comes after, for context
    for (let n = el; n && !h; n = n.parentElement)
      for (let p = n.previousElementSibling; p && !h; p = p.previousElementSibling)
        if (/^H[1-3]$/.test(p.tagName)) h = p.textContent.trim().slice(0, 50);
    const t = (el.getAttribute('alt') || el.textContent || '').trim().replace(/\s+/g, ' ');
    return s + (h ? ' under "' + h + '"' : '') + (t ? ' "' + t.slice(0, 40) + '"' : '');
  };
  const scroller = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o !== 'visible') return describe(p) + ' (overflow-x: ' + o + ')';
    }
    return null;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right <= vw + 0.5 && r.left >= -0.5) continue;
    // report only the outermost offender of each subtree
    if (out.some(o => o.el.contains(el))) continue;
    out.push({el, left: Math.round(r.left), right: Math.round(r.right)});
  }
  const overflow = out.map(o => ({what: describe(o.el), left: o.left, right: o.right,
                                  inside: scroller(o.el)}));
  const f = document.getElementById('findings');
  let findings = null;
  if (f) {
    const r = f.getBoundingClientRect();
    const h2 = f.querySelector('h2');
    const li = f.querySelector('li.finding');
    let first = null;
    if (li) {
      const lr = li.getBoundingClientRect(), cs = getComputedStyle(li);
      first = {top: lr.top, bottom: lr.bottom, height: lr.height,
               shown: cs.visibility === 'visible' && cs.display !== 'none',
               text: li.textContent.trim().replace(/\s+/g, ' ').slice(0, 70)};
    }
    findings = {tag: f.tagName.toLowerCase(), top: r.top + window.scrollY,
                h2: h2 ? h2.textContent.trim() : null, first};
  }
  return {
    title: document.title, h1: (document.querySelector('h1') || {}).textContent || null,
    scripts: document.scripts.length, bodyHeight: document.body.scrollHeight,
    innerWidth: window.innerWidth, innerHeight: window.innerHeight, clientWidth: vw,
    scrollWidth: document.scrollingElement.scrollWidth, scrollY: window.scrollY,
    imgs: imgs.map((i, k) => ({k, alt: i.alt, complete: i.complete, nw: i.naturalWidth})),
    overflow, findings
  };
})()
"""


class Report:
    def __init__(self):
        self.failed = 0

    def check(self, ok, what, details=()):
        print(("ok   " if ok else "FAIL ") + what, flush=True)
        if not ok:
            self.failed += 1
            for d in details:
                print("       " + d, flush=True)


def png_size(path):
    with open(path, "rb") as fh:
        head = fh.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack("!II", head[16:24])


def die_with_parent():
    """In the child before exec: SIGKILL when this script dies, even by SIGKILL
    (prctl PR_SET_PDEATHSIG; Linux). Chromium's own children follow the browser."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def run(args, rep):
    deadline = Deadline(args.timeout)
    # one temporary root: the profile, and TMPDIR for the browser (its
    # singleton socket dir), so that nothing is left behind in /tmp
    root = tempfile.mkdtemp(prefix="cfb-chromium-")
    profile = os.path.join(root, "profile")
    os.mkdir(profile)
    os.mkdir(os.path.join(root, "tmp"))
    env = dict(os.environ, TMPDIR=os.path.join(root, "tmp"))
    log = open(os.path.join(args.outdir, "chromium.log"), "wb")
    proc = None
    ws = None

    def kill(grace=0):
        if proc and grace:
            try:  # let a browser that was asked to close finish cleanly
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        if proc:
            # the whole group: the browser and its renderer/utility children
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        shutil.rmtree(root, ignore_errors=True)

    def on_signal(sig, _):
        kill()
        sys.exit(128 + sig)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    closing = False
    try:
        cmd = [args.chromium, "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
               "--no-default-browser-check", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-extensions",
               "--mute-audio", "--user-data-dir=" + profile,
               "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
               "--window-size=%d,%d" % (args.width, args.height), "about:blank"]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                start_new_session=True, preexec_fn=die_with_parent)
        # bounded polling for the port file; a browser that dies is seen at once
        port_file = os.path.join(profile, "DevToolsActivePort")
        lines = []
        while len(lines) < 2:
            if proc.poll() is not None:
                raise BrowserError("chromium exited with status %d before DevTools was up "
                                   "(see %s)" % (proc.returncode, log.name))
            deadline.left("waiting for chromium's DevToolsActivePort")
            try:
                with open(port_file) as fh:
                    lines = fh.read().split("\n")
                    lines = [x for x in lines if x]
            except FileNotFoundError:
                pass
            if len(lines) < 2:
                time.sleep(0.05)
        port, path = int(lines[0]), lines[1]
        ws = WebSocket("127.0.0.1", port, path, deadline)
        cdp = CDP(ws)
        target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for m in ("Page.enable", "Runtime.enable", "Log.enable"):
            cdp.call(m, session=sid)
        cdp.call("Emulation.setDeviceMetricsOverride",
                 {"width": args.width, "height": args.height, "deviceScaleFactor": 1,
                  "mobile": False}, session=sid)
        cdp.events.clear()
        url = "file://" + os.path.abspath(args.report)
        nav = cdp.call("Page.navigate", {"url": url}, session=sid)
        rep.check("errorText" not in nav, "navigates to %s%s" % (
            url, "" if "errorText" not in nav else ": " + nav["errorText"]))
        if "errorText" in nav:
            return
        cdp.wait_event("Page.loadEventFired", "waiting for the page's load event")
        res = cdp.call("Runtime.evaluate",
                       {"expression": CHECK_JS % {"width": args.width, "height": args.height},
                        "returnByValue": True, "awaitPromise": True}, session=sid,
                       what="evaluating the checks in the page")
        if "exceptionDetails" in res:
            raise BrowserError("the check script threw: %s" % json.dumps(res["exceptionDetails"])[:300])
        v = res["result"]["value"]
        shot = cdp.call("Page.captureScreenshot", {"format": "png"}, session=sid,
                        what="taking the screenshot")
        shot_path = os.path.join(args.outdir, "screenshot.png")
        with open(shot_path, "wb") as fh:
            fh.write(base64.b64decode(shot["data"]))
        if args.shot_at:  # for a person looking at the layout: a second screen
            cdp.call("Runtime.evaluate", {"expression": "document.querySelector(%s)"
                                          ".scrollIntoView()" % json.dumps(args.shot_at)},
                     session=sid)
            shot2 = cdp.call("Page.captureScreenshot", {"format": "png"}, session=sid,
                             what="taking the second screenshot")
            with open(os.path.join(args.outdir, "screenshot-at.png"), "wb") as fh:
                fh.write(base64.b64decode(shot2["data"]))
        closing = True
        try:
            cdp.call("Browser.close", what="closing the browser")
        except BrowserError:
            pass  # the browser may close the socket before answering
    finally:
        if ws:
            ws.close()
        kill(grace=min(5.0, max(0.1, deadline.end - time.monotonic())) if closing else 0)
        log.close()

    # --- judge ----------------------------------------------------------------
    W, H = args.width, args.height
    rep.check(v["innerWidth"] == W and v["innerHeight"] == H,
              "viewport is %dx%d (got %dx%d, %d px without the scrollbar)"
              % (W, H, v["innerWidth"], v["innerHeight"], v["clientWidth"]))
    rep.check(bool(v["title"]) and bool(v["h1"]) and v["bodyHeight"] > 0,
              "page renders: title %r, h1 %r, %d px tall" % (v["title"], v["h1"], v["bodyHeight"]))
    errors = []
    for name, p in cdp.events:
        if name == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            text = d.get("exception", {}).get("description") or d.get("text", "?")
            errors.append("exception: " + text.split("\n")[0])
        elif name == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            errors.append("console.%s: %s" % (p["type"], " ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
        elif name == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            e = p["entry"]
            errors.append("log (%s): %s %s" % (e.get("source"), e.get("text"), e.get("url", "")))
    rep.check(not errors, "no JS exception, console or log error (%d)" % len(errors), errors[:10])
    rep.check(v["scripts"] == 0, "no <script> in the page (%d)" % v["scripts"])
    bad = [i for i in v["imgs"] if not (i["complete"] and i["nw"] > 0)]
    rep.check(v["imgs"] and not bad, "every <img> loaded (%d of %d)"
              % (len(v["imgs"]) - len(bad), len(v["imgs"])),
              ["img %d %r: complete=%s naturalWidth=%d" % (i["k"], i["alt"], i["complete"], i["nw"])
               for i in bad[:10]] or (["the page has no <img>"] if not v["imgs"] else []))
    rep.check(v["scrollWidth"] <= W, "page is not wider than %d px (scrollWidth %d)"
              % (W, v["scrollWidth"]))
    ov = v["overflow"]
    rep.check(not ov, "no element past the viewport's edges (0..%d px): %d found"
              % (v["clientWidth"], len(ov)),
              ["%s: %d..%d px%s" % (o["what"], o["left"], o["right"],
                                    ", scrolls inside " + o["inside"] if o["inside"] else "")
               for o in ov[:12]] + (["… and %d more" % (len(ov) - 12)] if len(ov) > 12 else []))
    size = png_size(shot_path)
    rep.check(size == (W, H), "screenshot %s is a %dx%d PNG (%s)" % (
        shot_path, W, H, "x".join(map(str, size)) if size else "not a PNG"))
    if args.no_findings:
        return
    f = v["findings"]
    rep.check(f is not None, "<section id=\"findings\"> is in the page")
    if f is None:
        rep.check(False, "#findings starts within the first %d px (no #findings)" % H)
        rep.check(False, "first li.finding visible on the first screen (no #findings)")
        return
    rep.check(f["tag"] == "section" and f["h2"] == "Findings",
              "#findings is a <section> with <h2>Findings</h2> (got <%s>, h2 %r)"
              % (f["tag"], f["h2"]))
    rep.check(f["top"] < H, "#findings starts within the first %d px (at %d px)" % (H, f["top"]))
    li = f["first"]
    rep.check(li is not None and li["shown"] and li["height"] > 0 and li["top"] >= 0
              and li["bottom"] <= H,
              "first li.finding visible on the first screen (%s)" % (
                  "no li.finding" if li is None else "%d..%d px: %r" % (
                      li["top"], li["bottom"], li["text"])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("report")
    ap.add_argument("outdir")
    ap.add_argument("--chromium", default=os.environ.get("CFB_CHROMIUM", "chromium"))
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=800)
    ap.add_argument("--timeout", type=float, default=25.0)
    ap.add_argument("--no-findings", action="store_true")
    ap.add_argument("--shot-at", metavar="SELECTOR",
                    help="also write OUTDIR/screenshot-at.png with SELECTOR scrolled into view")
    args = ap.parse_args()
    if not os.path.isfile(args.report):
        print("browser_check: no such file: " + args.report, file=sys.stderr)
        return 2
    os.makedirs(args.outdir, exist_ok=True)
    rep = Report()
    try:
        run(args, rep)
    except (BrowserError, OSError) as e:
        print("browser_check: " + str(e), file=sys.stderr)
        return 3
    return 1 if rep.failed else 0


if __name__ == "__main__":
    sys.exit(main())
