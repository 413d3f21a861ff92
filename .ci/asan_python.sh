#!/usr/bin/env bash
# The Python test suite against an AddressSanitizer + UBSan build of the
# extension, to catch C memory errors reachable from Python (hostile input
# above all). Builds in a scratch copy of the tracked files, so the in-place
# build of the checkout is left alone. Linux + gcc only.
#
#   bash .ci/asan_python.sh                      # whole suite (~8 min on 2 cores)
#   bash .ci/asan_python.sh tests/test_hostile_input.py tests/test_hostile_blob.py
#
# Any sanitizer report aborts the run (halt_on_error) and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/walrus_asan.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

git -C "$repo" ls-files -z --cached --others --exclude-standard \
    | (cd "$repo" && tar -cf - --null --no-recursion --ignore-failed-read -T - 2>/dev/null) \
    | tar -xf - -C "$scratch"
# ../shared (official vectors) is found relative to the checkout's parents.
if [ -d "$repo/../shared" ] && [ ! -e "$scratch/../shared" ]; then
    export WALRUS_CORE_VECTORS="${WALRUS_CORE_VECTORS:-$repo/../shared/vectors/rs2}"
fi

cd "$scratch"
echo "== building the sanitized extension in $scratch"
# A testing build too (-DWC_TESTING): the tests that set tuning knobs (tiny
# tiles, every locator, the two-band metadata pass) run here, not skip.
WALRUS_CORE_SANITIZE=1 WALRUS_CORE_TESTING=1 python3 setup.py build_ext --inplace -q >build.log 2>&1 \
    || { tail -40 build.log; exit 1; }
nm -D walrus_core/_native*.so | grep -c __asan_report >/dev/null || { echo "extension is not instrumented" >&2; exit 1; }

asan=$(gcc -print-file-name=libasan.so)
ubsan=$(gcc -print-file-name=libubsan.so)
[ -e "$asan" ] && [ -e "$ubsan" ] || { echo "libasan/libubsan not found" >&2; exit 1; }

echo "== pytest under ASan + UBSan"
LD_PRELOAD="$asan:$ubsan" \
ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:check_initialization_order=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
PYTHONDONTWRITEBYTECODE=1 \
    python3 -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning "${@:-tests}"
