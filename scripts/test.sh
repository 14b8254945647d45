#!/usr/bin/env bash
# Installs, builds (warnings are errors) and runs every test; then the unit tests under ASan+UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --werror
ctest --test-dir build --output-on-failure -j2 --timeout 600

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
scripts/setup.sh --werror --sanitize --build-dir build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -L unit --output-on-failure -j2 --timeout 600
