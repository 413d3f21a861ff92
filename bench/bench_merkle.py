"""Walrus Merkle roots: walrus_core.merkle_root (single thread, multi-buffer
Blake2b through each supported backend) against a hashlib-based Python
implementation of the same tree in the same run. Groups are workloads;
`extra_info` has impl, backend, leaves, bytes, hashes (Blake2b calls) and,
for our rows, `speedup_vs_hashlib` (peer mean / our mean, same run).

    python -m pytest bench/bench_merkle.py --benchmark-only --benchmark-group-by=group

On a shared or loaded machine add ``--benchmark-timer=time.thread_time``
(everything measured here runs on the calling thread).

Bar (issue 4): 2^20 two-byte leaves in <= 0.15 s on one thread.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any, Callable

import pytest

from walrus_core import backends, merkle_root
from walrus_core.merkle import merkle_roots_many

# (group name, leaf size, leaf count)
WORKLOADS = [
    ("1000 leaves x 2 B", 2, 1000),
    ("1000 leaves x 4 KiB", 4096, 1000),
    ("2^20 leaves x 2 B", 2, 1 << 20),
]
IMPLS = ["hashlib", *(f"walrus {b}" for b in backends.supported())]
_PEER_MEAN: dict[str, float] = {}


def _h(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def hashlib_merkle_root(data: bytes, leaf_size: int) -> bytes:
    """The peer: the same tree with hashlib, level by level."""
    mv = memoryview(data)
    level = [_h(b"\x00" + mv[i : i + leaf_size]) for i in range(0, len(data), leaf_size)]
    if not level:
        return bytes(32)
    while len(level) > 1:
        if len(level) % 2:
            level.append(bytes(32))
        level = [_h(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def _run(benchmark: Any, impl: str, fn: Callable[[], bytes], heavy: bool) -> None:
    if heavy:
        benchmark.pedantic(fn, rounds=3 if impl == "hashlib" else 10, iterations=1, warmup_rounds=1)
    else:
        benchmark(fn)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("workload", WORKLOADS, ids=[w[0] for w in WORKLOADS])
def test_merkle_root(benchmark: Any, workload: tuple[str, int, int], impl: str) -> None:
    group, leaf_size, count = workload
    data = random.Random(leaf_size * count).randbytes(leaf_size * count)
    want = hashlib_merkle_root(data, leaf_size) if count <= 1000 else None
    backend = impl.split(" ", 1)[1] if impl != "hashlib" else "python"
    benchmark.group = f"merkle_root {group}"
    benchmark.extra_info.update(
        impl=impl, backend=backend, leaves=count, bytes=len(data), hashes=2 * count - 1
    )
    heavy = count > 100_000
    if impl == "hashlib":
        _run(benchmark, impl, lambda: hashlib_merkle_root(data, leaf_size), heavy)
        _PEER_MEAN[group] = benchmark.stats.stats.mean
        return
    with backends.using(backend):
        got = merkle_root(data, leaf_size)
        if want is not None:
            assert got == want
        _run(benchmark, impl, lambda: merkle_root(data, leaf_size), heavy)
    mean = benchmark.stats.stats.mean
    benchmark.extra_info["hashes_per_s"] = (2 * count - 1) / mean
    if group in _PEER_MEAN:
        benchmark.extra_info["speedup_vs_hashlib"] = _PEER_MEAN[group] / mean


@pytest.mark.parametrize("threads", [2, 0])
def test_merkle_root_threads(benchmark: Any, threads: int) -> None:
    """2^20 two-byte leaves on several native threads (0 = one per CPU),
    best backend. Wall time: do not use the thread_time timer here."""
    leaf_size, count = 2, 1 << 20
    data = random.Random(leaf_size * count).randbytes(leaf_size * count)
    benchmark.group = "merkle_root 2^20 leaves x 2 B, threaded"
    benchmark.extra_info.update(
        impl=f"walrus threads={threads}", backend=backends.active(), leaves=count, bytes=len(data)
    )
    assert merkle_root(data, leaf_size, threads=threads) == merkle_root(data, leaf_size)
    benchmark.pedantic(lambda: merkle_root(data, leaf_size, threads=threads), rounds=10, iterations=1)


@pytest.mark.parametrize("impl", IMPLS)
def test_merkle_roots_many_2d(benchmark: Any, impl: str) -> None:
    """The 2-D encoder's tree work at n = 1000: 2000 trees of 1000 leaf
    hashes (inner nodes only, 1 998 000 Blake2b calls)."""
    n_trees, n_leaves = 2000, 1000
    leaf_hashes = random.Random(7).randbytes(32 * n_trees * n_leaves)
    group = "roots of 2000 trees x 1000 leaf hashes"
    benchmark.group = f"merkle {group}"
    backend = impl.split(" ", 1)[1] if impl != "hashlib" else "python"
    benchmark.extra_info.update(impl=impl, backend=backend, hashes=n_trees * (n_leaves - 1))

    def peer() -> list[bytes]:
        out = []
        for t in range(n_trees):
            base = 32 * n_leaves * t
            level = [leaf_hashes[base + 32 * i : base + 32 * i + 32] for i in range(n_leaves)]
            while len(level) > 1:
                if len(level) % 2:
                    level.append(bytes(32))
                level = [_h(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level), 2)]
            out.append(level[0])
        return out

    if impl == "hashlib":
        benchmark.pedantic(peer, rounds=2, iterations=1)
        _PEER_MEAN[group] = benchmark.stats.stats.mean
        return
    with backends.using(backend):
        benchmark.pedantic(lambda: merkle_roots_many(leaf_hashes, n_trees), rounds=5, iterations=1)
    mean = benchmark.stats.stats.mean
    benchmark.extra_info["hashes_per_s"] = n_trees * (n_leaves - 1) / mean
    if group in _PEER_MEAN:
        benchmark.extra_info["speedup_vs_hashlib"] = _PEER_MEAN[group] / mean
