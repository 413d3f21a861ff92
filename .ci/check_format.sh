#!/usr/bin/env bash
# C sources must match .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files 'walrus_core/csrc/*.c' 'walrus_core/csrc/*.h' 'tests/c/*.c' 'tests/c/*.h')
clang-format --dry-run --Werror $files
echo "clang-format: $(echo "$files" | wc -w) files ok"
