"""Quick same-run check of the headline bars: empty-blob ID, compute_metadata
thread scaling at n = 1000, and rs2 encode vs reed-solomon-leopard.
Run: python bench/quick_bars.py (from a checkout with the extension built)."""

import os, time
import walrus_core as wc
import reed_solomon_leopard as rsl

def best(f, reps):
    t = []
    for _ in range(reps):
        s = time.perf_counter(); f(); t.append(time.perf_counter() - s)
    return min(t)

data = os.urandom(64 << 20)
wc.compute_metadata(b"", 1000, threads=1)
t0 = best(lambda: wc.blob_id(b"", 1000, threads=1), 5)
print(f"empty blob n=1000 1 thread: {t0:.3f} s")
t1 = best(lambda: wc.compute_metadata(data, 1000, threads=1), 3)
t2 = best(lambda: wc.compute_metadata(data, 1000, threads=2), 3)
print(f"compute_metadata 64 MiB n=1000: 1 thread {t1:.3f} s = {len(data)/t1/1e6:.0f} MB/s; 2 threads {t2:.3f} s = {len(data)/t2/1e6:.0f} MB/s; speedup {t1/t2:.2f}x")
for k, m in ((334, 666), (667, 333)):
    for S in (1024, 4096, 65536):
        orig = [os.urandom(S) for _ in range(k)]
        a = best(lambda: wc.rs2.encode(orig, m), 7 if S < 65536 else 3)
        b = best(lambda: rsl.encode(orig, m), 7 if S < 65536 else 3)
        print(f"rs2 encode ({k},{m}) S={S}: walrus_core {a*1e3:.2f} ms, leopard {b*1e3:.2f} ms, ratio {b/a:.2f}x")
