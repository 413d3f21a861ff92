"""Quick same-run check of the headline bars: the empty-blob ID at n = 1000,
compute_metadata thread scaling on 64 MiB, and rs2 encode against
reed-solomon-leopard. Run from a checkout with the extension built:

    python bench/quick_bars.py
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import reed_solomon_leopard as rsl

import walrus_core as wc


def best(run: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    t0 = best(lambda: wc.blob_id(b"", 1000, threads=1), 5)
    print(f"empty blob, n=1000, 1 thread: {t0:.3f} s")
    data = os.urandom(64 << 20)
    t1 = best(lambda: wc.compute_metadata(data, 1000, threads=1), 3)
    t2 = best(lambda: wc.compute_metadata(data, 1000, threads=2), 3)
    mb = len(data) / 1e6
    print(f"compute_metadata 64 MiB, n=1000: 1 thread {mb / t1:.0f} MB/s, 2 threads {mb / t2:.0f} MB/s")
    print(f"  thread speed-up {t1 / t2:.2f}x")
    for k, m in ((334, 666), (667, 333)):
        for size in (1024, 4096, 65536):
            orig = [os.urandom(size) for _ in range(k)]
            reps = 7 if size < 65536 else 3
            ours = best(lambda o=orig, r=m: wc.rs2.encode(o, r), reps)
            peer = best(lambda o=orig, r=m: rsl.encode(o, r), reps)
            print(f"rs2 encode ({k}, {m}) S={size}: {ours * 1e3:.2f} ms vs leopard {peer * 1e3:.2f} ms")
            print(f"  ratio {peer / ours:.2f}x")


if __name__ == "__main__":
    main()
