#!/usr/bin/env bash
# Runs every fuzz target under atheris (coverage-guided libFuzzer) for
# SECONDS seconds each (default 4), starting from tests/fuzz/corpus/<target>/.
# New inputs go to a scratch directory, never into the repository; a crash
# leaves its input in $FUZZ_ARTIFACTS (default: a fresh temporary directory)
# and fails the run. Without atheris (it needs a wheel or clang + libFuzzer
# for this Python) it says so and exits 0: the corpus still replays in pytest.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-4}
if ! python3 -c "import atheris" 2>/dev/null; then
    echo "atheris is not installed for $(python3 --version): fuzzing skipped (pip install atheris)"
    exit 0
fi
scratch=$(mktemp -d)
artifacts=${FUZZ_ARTIFACTS:-$(mktemp -d)}
trap 'rm -rf "$scratch"' EXIT
status=0
for script in fuzz_*.py; do
    name=${script#fuzz_}
    name=${name%.py}
    mkdir -p "$scratch/$name" "$scratch/seeds-$name" "$artifacts/$name"
    for f in corpus/"$name"/*; do  # open findings (open-findings.txt) would stop the run at once
        grep -q "^$name/$(basename "$f") " open-findings.txt || cp "$f" "$scratch/seeds-$name/"
    done
    echo "-- $name (${seconds}s)"
    if ! python3 "$script" "$scratch/$name" "$scratch/seeds-$name" -max_total_time="$seconds" \
        -artifact_prefix="$artifacts/$name/" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        >"$scratch/$name.log" 2>&1; then
        tail -n 30 "$scratch/$name.log"
        echo "fuzz target $name failed; input(s) in $artifacts/$name/" >&2
        status=1
    else
        grep -E "stat::number_of_executed_units|stat::new_units_added" "$scratch/$name.log" | tr '\n' ' '
        echo
    fi
done
exit $status
