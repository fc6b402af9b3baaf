#!/usr/bin/env python3
"""stress_fixture.py IN.json OUT.json — a results file made to stress the
report's layout at 1280 px: tests/plots/fixture-results.json with the long
strings a real run can carry (a long host name, CPU model and commit, a
failed case with a long error message, complete=false so the report adds
its note). Put OUT.json under a long directory name too: the report prints
the path in the sources table and in the note. Deterministic; stdlib only.
"""
import copy
import json
import sys


def main():
    if len(sys.argv) != 3:
        print("usage: stress_fixture.py IN.json OUT.json", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as fh:
        d = json.load(fh)
    d["complete"] = False
    d["host"]["hostname"] = "ci-runner-debian-bookworm-amd64-0123456789abcdef.internal.example.org"
    d["host"]["cpu_model"] = "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz (cloud vCPU, model 106)"
    d["tool"]["commit"] = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b-dirty"
    base = next(c for c in d["cases"] if c["id"] == "flags/process/w8")
    bad = copy.deepcopy(base)
    bad["id"] = "flags/process/w16"
    bad["workers"] = 16
    bad["repetitions"] = []
    bad.pop("summary", None)
    bad.pop("timeline", None)
    bad["error"] = ("20 of 20 tasks failed: curl: (7) Failed to connect to 127.0.0.1 port 8001 "
                    "after 0 ms: Couldn't connect to server; is the flags server running? "
                    "Start it with `cfbench serve --delay 0.5` or point the workload elsewhere "
                    "with -p flags.base_url=http://a-very-long-host-name.example.org:8001/flags/"
                    "with/a/deep/path?token=" + "0123456789abcdef" * 9)  # 144 chars, no break
    d["cases"].insert(d["cases"].index(base) + 1, bad)
    with open(sys.argv[2], "w") as fh:
        json.dump(d, fh, indent=1)
        fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
