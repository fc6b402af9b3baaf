#!/usr/bin/env bash
# Check that every tracked C source and header is clang-formatted (.clang-format).
# Installs clang-format with scripts/deps.sh when it is missing. Exit 1 and
# the list of files when some are not formatted; fix with
#   git ls-files '*.c' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || scripts/deps.sh clang-format
bad=$(git ls-files '*.c' '*.h' | xargs clang-format --dry-run 2>&1 | grep -o '^[^:]*:[0-9]*:[0-9]*: warning' |
  cut -d: -f1 | sort -u || true)
if [ -n "$bad" ]; then
  echo "format-check: not clang-formatted ($(clang-format --version | head -1)):" >&2
  echo "$bad" | sed 's/^/  /' >&2
  exit 1
fi
echo "format-check: OK ($(git ls-files '*.c' '*.h' | wc -l) files)"
