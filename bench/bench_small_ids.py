"""Blob IDs of small files (2-byte symbols at n = 1000): CPU seconds per file.

    python bench/bench_small_ids.py                 # 1, 10, 50, 100 KiB, one thread
    python bench/bench_small_ids.py --many 1000     # + 1,000 files of 1-100 KiB, `walrus-core blob-id`

Per size and backend: the zero-padding shortcuts (`stream.compute_metadata`
of a file, one thread) against the full in-memory encoder (`blob_encode`,
what `wc.blob_id` runs on blobs that are not small; one thread) in the same
process, best of --repeat, CPU time from getrusage. With --many, files of
uniform random sizes (seed 13) are written to a temporary folder and
`python -m walrus_core blob-id --json` runs on them with every core; its wall
time and CPU seconds (user + sys of the child) are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from walrus_core import _native, backends, stream


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        c = _cpu()
        fn()
        best = min(best, _cpu() - c)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--sizes", default="1,10,50,100", help="KiB")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--many", type=int, default=0, help="also time blob-id on this many files of 1-100 KiB")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; backends {backends.supported()}")
    with tempfile.TemporaryDirectory() as tmp:
        rng = random.Random(13)
        stream.compute_metadata(rng.randbytes(1), args.n, threads=1)  # the leaf table
        print("| blob | backend | in-memory encoder CPU s | shortcuts CPU s | ratio |")
        print("| ---: | --- | ---: | ---: | ---: |")
        for kib in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp, f"{kib}k")
            path.write_bytes(rng.randbytes(kib * 1024))
            data = path.read_bytes()
            for name in backends.supported():
                with backends.using(name):
                    full = _best(partial(_native.blob_encode, data, args.n, 1), args.repeat)
                    short = _best(partial(stream.compute_metadata, path, args.n, threads=1), args.repeat)
                print(f"| {kib} KiB | {name} | {full:.3f} | {short:.3f} | {short / full:.2f} |")
        if args.many:
            folder = Path(tmp, "many")
            folder.mkdir()
            for i in range(args.many):
                (folder / f"f{i:05d}").write_bytes(rng.randbytes(rng.randint(1024, 100 * 1024)))
            files = sorted(str(p) for p in folder.iterdir())
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            cmd = [sys.executable, "-m", "walrus_core", "blob-id", "--json", "--shards", str(args.n), *files]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            wall = time.perf_counter() - t
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            print(f"{args.many} files of 1-100 KiB: wall {wall:.1f} s, CPU {cpu:.1f} s ({backends.active()})")
        print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
