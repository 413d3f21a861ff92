#!/usr/bin/env bash
# Prove the AArch64 build (NEON kernels) on an x86-64 Linux host: cross-compile
# the C core and every tests/c/test_*.c for aarch64 and run them under
# qemu-user. Installs Debian/Ubuntu's cross gcc and qemu-user with apt-get when
# missing (idempotent); exits non-zero on any failure. A few minutes at most.
#   .ci/aarch64.sh            NEON build (-O2, then ASan+UBSan), then a
#                             portable-only build (-DWC_NO_NEON)
#   CROSS_CC=... QEMU=...     override the cross compiler / emulator
set -euo pipefail
cd "$(dirname "$0")/.."

CROSS_CC=${CROSS_CC:-aarch64-linux-gnu-gcc}
QEMU=${QEMU:-qemu-aarch64}
SYSROOT=${SYSROOT:-/usr/aarch64-linux-gnu}

need=()
command -v "$CROSS_CC" >/dev/null 2>&1 || need+=(gcc-aarch64-linux-gnu)
command -v "$QEMU" >/dev/null 2>&1 || need+=(qemu-user)
[ -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ] || need+=(libc6-dev-arm64-cross)
command -v make >/dev/null 2>&1 || need+=(make)
if [ ${#need[@]} -gt 0 ]; then
    echo "== installing ${need[*]}"
    SUDO=
    if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi

# Sanity: the emulator really runs an aarch64 binary.
"$CROSS_CC" -dumpmachine | grep -q aarch64 || { echo "$CROSS_CC is not an aarch64 compiler" >&2; exit 1; }

RUN="$QEMU -L $SYSROOT"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== aarch64 C tests, NEON backend (qemu-user, -O2)"
make -C tests/c check CC="$CROSS_CC" RUN="$RUN" BUILD=build/aarch64 2>&1 | tee "$log"
# The NEON backend must really have run, not been skipped.
grep -q '^  backend neon$' "$log" || { echo "NEON kernels were not tested" >&2; exit 1; }
if grep -q 'skipping backend neon' "$log"; then echo "NEON backend skipped" >&2; exit 1; fi

echo "== aarch64 C tests, NEON backend (qemu-user, ASan + UBSan)"
# LeakSanitizer cannot run under qemu-user; address and UB checks can.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} \
    make -C tests/c asan CC="$CROSS_CC" RUN="$RUN" BUILD=build/aarch64-asan

echo "== aarch64 C tests, portable only (-DWC_NO_NEON)"
make -C tests/c check CC="$CROSS_CC" RUN="$RUN" BUILD=build/aarch64-noneon NO_ISA=neon
echo "== aarch64: all C tests passed"
