"""RedStuff 2-D benchmarks: compute_metadata and encode at n = 100 and 1000
for 0 B .. 256 MiB, one thread and all threads; decode from primary and from
secondary slivers; recovery of one sliver; peak memory (RSS).

pytest-benchmark (sizes capped by WALRUS_BENCH_MAX_MB, default 64):

    python -m pytest bench/bench_blob.py --benchmark-only --benchmark-group-by=group

Standalone table + JSON + PNG for BENCHMARKS.md (runs every size, each peak
memory in a fresh subprocess):

    PYTHONPATH=. python bench/bench_blob.py --out bench/results/blob

Peer in the same run: hashlib.blake2b(digest_size=32) over the same bytes
once (a single-stream hashing reference; the 2-D code hashes ~4.5x the blob).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import time
from typing import Any

import pytest

import walrus_core as wc

MiB = 1 << 20
SIZES = [0, MiB, 16 * MiB, 64 * MiB, 256 * MiB]
MAX_BYTES = int(os.environ.get("WALRUS_BENCH_MAX_MB", "64")) * MiB
THREADS = [1, os.cpu_count() or 1]


def _data(size: int) -> bytes:
    return os.urandom(size)


def _label(size: int) -> str:
    return f"{size // MiB} MiB" if size >= MiB else f"{size} B"


# ---- pytest-benchmark ---------------------------------------------------------

CASES = [
    (n, s) for n in (100, 1000) for s in SIZES if s <= MAX_BYTES and s <= wc.EncodingConfig(n).max_blob_size
]


def _describe(benchmark: Any, group: str, impl: str, nbytes: int, **extra: Any) -> None:
    benchmark.group = group
    benchmark.extra_info.update(impl=impl, backend=wc.backends.active(), bytes=nbytes, **extra)


def _run(benchmark: Any, fn: Any, size: int) -> Any:
    if size >= 16 * MiB:
        return benchmark.pedantic(fn, rounds=2, iterations=1, warmup_rounds=0)
    return benchmark(fn)


@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"t{t}")
@pytest.mark.parametrize(("n", "size"), CASES, ids=[f"n{n}-{_label(s)}" for n, s in CASES])
def test_compute_metadata(benchmark: Any, n: int, size: int, threads: int) -> None:
    data = _data(size)
    _describe(benchmark, f"metadata {_label(size)}, n={n}", f"walrus_core t{threads}", size)
    md = _run(benchmark, lambda: wc.compute_metadata(data, n, threads=threads), size)
    assert md.unencoded_length == size


@pytest.mark.parametrize("threads", THREADS, ids=lambda t: f"t{t}")
@pytest.mark.parametrize(("n", "size"), CASES, ids=[f"n{n}-{_label(s)}" for n, s in CASES])
def test_encode(benchmark: Any, n: int, size: int, threads: int) -> None:
    data = _data(size)
    _describe(benchmark, f"encode {_label(size)}, n={n}", f"walrus_core t{threads}", size)
    enc = _run(benchmark, lambda: wc.encode(data, n, threads=threads), size)
    assert len(enc.pairs) == n


@pytest.mark.parametrize(("n", "size"), CASES, ids=[f"n{n}-{_label(s)}" for n, s in CASES])
def test_peer_hashlib(benchmark: Any, n: int, size: int) -> None:
    data = _data(size)
    _describe(benchmark, f"metadata {_label(size)}, n={n}", "hashlib.blake2b (1 pass, reference)", size)
    _run(benchmark, lambda: hashlib.blake2b(data, digest_size=32).digest(), size)


@pytest.mark.parametrize("kind", ["primary", "secondary"])
@pytest.mark.parametrize("size", [s for s in (MiB, 16 * MiB) if s <= MAX_BYTES], ids=_label)
def test_decode(benchmark: Any, size: int, kind: str) -> None:
    n = 1000
    data = _data(size)
    enc = wc.encode(data, n)
    cfg = wc.EncodingConfig(n)
    need = cfg.n_primary_source_symbols if kind == "primary" else cfg.n_secondary_source_symbols
    rng = random.Random(1)
    pool = enc.primary_slivers() if kind == "primary" else enc.secondary_slivers()
    slivers = rng.sample(pool, need)
    _describe(benchmark, f"decode {_label(size)}, n={n}", f"walrus_core from {kind}", size)
    out = _run(benchmark, lambda: wc.decode(slivers, enc.metadata), size)
    assert out == data


@pytest.mark.parametrize("kind", ["primary", "secondary"])
def test_recover_one_sliver(benchmark: Any, kind: str) -> None:
    n, size = 1000, 16 * MiB if 16 * MiB <= MAX_BYTES else MiB
    data = _data(size)
    enc = wc.encode(data, n)
    md = enc.metadata
    cfg = wc.EncodingConfig(n)
    t = 123
    if kind == "primary":
        sources = enc.secondary_slivers()[: cfg.n_secondary_source_symbols]
    else:
        sources = enc.primary_slivers()[: cfg.n_primary_source_symbols]
    symbols = [wc.recovery_symbol(s, t, md) for s in sources]
    _describe(benchmark, f"recover one sliver {_label(size)}, n={n}", f"walrus_core {kind}", size)
    benchmark(lambda: wc.recover_sliver(symbols, md, kind, t))


# ---- standalone table -----------------------------------------------------------


def _timed(fn: Any, repeat: int) -> tuple[float, float]:
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        best_wall = min(best_wall, time.perf_counter() - w)
        best_cpu = min(best_cpu, time.process_time() - c)
    return best_wall, best_cpu


def _peak_child(op: str, n: int, size: int) -> float:
    """Peak RSS (MiB) of a fresh process running one op on `size` bytes."""
    code = (
        "import os,sys\n"
        f"sys.path.insert(0, {os.getcwd()!r})\n"
        "import walrus_core as wc\n"
        f"d=os.urandom({size})\n"
        f"wc.{op}(d,{n},threads=1)\n"
        "print([ln.split()[1] for ln in open('/proc/self/status') if ln.startswith('VmHWM:')][0])\n"
    )
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent.
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip()) / 1024.0


def main(argv: list[str]) -> int:
    out = "bench/results/blob"
    if "--out" in argv:
        out = argv[argv.index("--out") + 1]
    if "--plot-only" in argv:  # redraw from an earlier JSON
        with open(out + ".json") as fh:
            _plot(json.load(fh)["rows"], out + ".png")
        return 0
    max_bytes = int(os.environ.get("WALRUS_BENCH_MAX_MB", "256")) * MiB
    cpus = os.cpu_count() or 1
    rows: list[dict[str, Any]] = []
    print(f"backend={wc.backends.active()} cpus={cpus} load={os.getloadavg()}")
    for n in (100, 1000):
        for size in SIZES:
            if size > max_bytes or size > wc.EncodingConfig(n).max_blob_size:
                continue
            data = _data(size)
            repeat = 3 if size <= 16 * MiB else 1
            for op in ("compute_metadata", "encode"):
                for th in sorted({1, cpus}):
                    fn = getattr(wc, op)
                    wall, cpu = _timed(lambda fn=fn, th=th, d=data, n=n: fn(d, n, threads=th), repeat)
                    row = {"op": op, "n": n, "bytes": size, "threads": th, "wall_s": wall, "cpu_s": cpu}
                    rows.append(row)
                    mbs = size / wall / 1e6 if size else float("nan")
                    print(
                        f"{op:17s} n={n:5d} {_label(size):>8s} t={th} "
                        f"wall={wall:7.3f}s cpu={cpu:7.3f}s {mbs:7.1f} MB/s"
                    )
            if size:
                wall, cpu = _timed(lambda d=data: hashlib.blake2b(d, digest_size=32).digest(), repeat)
                rows.append(
                    {"op": "hashlib", "n": n, "bytes": size, "threads": 1, "wall_s": wall, "cpu_s": cpu}
                )
    # decode, recovery (n = 1000, 16 MiB)
    n, size = 1000, min(16 * MiB, max_bytes)
    data = _data(size)
    enc = wc.encode(data, n)
    cfg = wc.EncodingConfig(n)
    rng = random.Random(1)
    for kind, pool, need in (
        ("primary", enc.primary_slivers(), cfg.n_primary_source_symbols),
        ("secondary", enc.secondary_slivers(), cfg.n_secondary_source_symbols),
    ):
        sub = rng.sample(pool, need)
        for th in sorted({1, cpus}):
            wall, cpu = _timed(lambda sub=sub, th=th: wc.decode(sub, enc.metadata, threads=th), 2)
            rows.append(
                {"op": f"decode_{kind}", "n": n, "bytes": size, "threads": th, "wall_s": wall, "cpu_s": cpu}
            )
            print(f"decode from {kind:9s} n={n} {_label(size)} t={th} wall={wall:.3f}s cpu={cpu:.3f}s")
        if kind == "primary":
            sources = enc.secondary_slivers()[: cfg.n_secondary_source_symbols]
        else:
            sources = enc.primary_slivers()[: cfg.n_primary_source_symbols]
        syms = [wc.recovery_symbol(s, 123, enc.metadata) for s in sources]
        wall, cpu = _timed(lambda syms=syms, kind=kind: wc.recover_sliver(syms, enc.metadata, kind, 123), 3)
        rows.append(
            {"op": f"recover_{kind}", "n": n, "bytes": size, "threads": 1, "wall_s": wall, "cpu_s": cpu}
        )
        print(f"recover one {kind:9s} sliver n={n} {_label(size)} wall={wall:.4f}s cpu={cpu:.4f}s")
    # peak memory
    for op in ("compute_metadata", "encode"):
        for size in (64 * MiB, 256 * MiB):
            if size > max_bytes:
                continue
            peak = _peak_child(op, 1000, size)
            rows.append({"op": f"peak_rss_{op}", "n": 1000, "bytes": size, "peak_rss_mib": peak})
            print(f"peak RSS {op} n=1000 {_label(size)}: {peak:.0f} MiB = {peak * MiB / size:.2f}x the blob")
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    with open(out + ".json", "w") as fh:
        json.dump({"cpus": cpus, "backend": wc.backends.active(), "rows": rows}, fh, indent=1)
    try:
        _plot(rows, out + ".png")
    except ImportError:
        print("matplotlib missing: no plot")
    return 0


def _plot(rows: list[dict[str, Any]], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    for ax, key, title in (
        (axes[0], "cpu_s", "one thread, by process CPU time"),
        (axes[1], "wall_s", "wall clock, 1 and 2 threads (2-core VM)"),
    ):
        for op in ("compute_metadata", "encode"):
            for n in (100, 1000):
                threads = [1] if key == "cpu_s" else sorted({r["threads"] for r in rows if r["op"] == op})
                for th in threads:
                    pts = [
                        (r["bytes"] / MiB, r["bytes"] / r[key] / 1e6)
                        for r in rows
                        if r["op"] == op and r["n"] == n and r["threads"] == th and r["bytes"]
                    ]
                    if pts:
                        xs, ys = zip(*pts)
                        ax.plot(xs, ys, marker="o", label=f"{op} n={n} threads={th}")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("blob size (MiB)")
        ax.set_title(title, fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("throughput (MB/s of blob)")
    fig.suptitle("walrus_core RedStuff 2-D (avx2 backend)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
