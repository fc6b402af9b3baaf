# chromium_common.sh — sourced by the tests/report tests: finds Chromium
# ($CFB_CHROMIUM, else `chromium` in PATH) and sets $chromium. When it is
# missing the test FAILS if the system could install it (scripts/deps.sh
# --test installs it; make test and CI run that), and is skipped (exit 77,
# CTest: "Skipped") only where no `chromium` package exists at all.
chromium=${CFB_CHROMIUM:-chromium}
if ! command -v "$chromium" >/dev/null 2>&1; then
    if command -v apt-cache >/dev/null 2>&1 &&
        apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        echo "FAIL $chromium is not installed but the system has a chromium package:" \
            "run scripts/deps.sh --test (make test does) or set CFB_CHROMIUM"
        exit 1
    fi
    echo "SKIP no $chromium and no chromium package for this system (set CFB_CHROMIUM)"
    exit 77
fi
command -v python3 >/dev/null 2>&1 || { echo "FAIL python3 is needed (scripts/deps.sh)"; exit 1; }
