#!/usr/bin/env bash
# A wheel built here must run on any x86-64 CPU: only the per-ISA kernel files
# (csrc/kernels/*_<isa>.c) may contain instructions beyond the baseline. Build
# the extension's objects afresh with setup.py's own flags and disassemble
# every object: non-kernel objects must hold no VEX/EVEX (AVX) instructions
# and no ymm/zmm registers; SSSE3 kernels must hold none either.
set -euo pipefail
cd "$(dirname "$0")/.."
case "$(uname -m)" in x86_64|amd64) ;; *) echo "check_isa_objects: not x86-64, skipped"; exit 0;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 setup.py -q build_clib --build-temp "$tmp/t" --build-clib "$tmp/t" build_ext --build-temp "$tmp/t" --build-lib "$tmp/lib" >/dev/null
avx_pattern='%[yz]mm[0-9]|%k[0-7]\b|\bv(p[a-z]+|mov[a-z]*|x?or[a-z]*|and[a-z]*|perm[a-z0-9]*|broadcast[a-z0-9]*|insert[a-z0-9]*|extract[a-z0-9]*|shuf[a-z]*|blend[a-z]*|gather[a-z]*|zeroupper|add[a-z]*|mul[a-z]*)\b'
fail=0
checked=0
while IFS= read -r obj; do
    checked=$((checked + 1))
    case "$obj" in
        *_avx2.o | *_avx512.o) continue ;;
    esac
    if objdump -d --no-show-raw-insn "$obj" | grep -Eq "$avx_pattern"; then
        echo "AVX instructions in baseline object: $obj"
        objdump -d --no-show-raw-insn "$obj" | grep -E "$avx_pattern" | head -5
        fail=1
    fi
done < <(find "$tmp/t" -name '*.o')
[ "$checked" -gt 0 ] || { echo "check_isa_objects: no objects found"; exit 1; }
[ "$fail" -eq 0 ] && echo "check_isa_objects: $checked objects, AVX only in the *_avx2/*_avx512 kernels: ok"
exit "$fail"
