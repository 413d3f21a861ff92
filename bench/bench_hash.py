"""BLAKE2b-256 throughput: our multi-buffer kernel on every supported
backend, our single-message function called in a loop, and hashlib in the
same run. Groups are workloads; `extra_info` has impl, backend, bytes and
messages, so hashes/s = messages / mean and MB/s = bytes / mean.

    python -m pytest bench/bench_hash.py --benchmark-only --benchmark-group-by=group
"""

from __future__ import annotations

import hashlib
import random
from typing import Any, Callable

import pytest

from walrus_core import backends, blake2b256, blake2b256_many

# (group name, message length without prefix, count, prefix)
WORKLOADS = [
    ("3 B leaves (0x00 + 2 B) x 4096", 2, 4096, 0),
    ("65 B inner nodes (0x01 + 64 B) x 4096", 64, 4096, 1),
    ("1 KiB x 1000", 1024, 1000, None),
    ("4 KiB x 1000", 4096, 1000, None),
]
IMPLS = [f"walrus batch {b}" for b in backends.supported()] + ["walrus single", "hashlib"]


def _messages(length: int, count: int) -> tuple[bytes, list[bytes]]:
    buf = random.Random(length).randbytes(length * count)
    return buf, [buf[i * length : (i + 1) * length] for i in range(count)]


def _runner(impl: str, buf: bytes, msgs: list[bytes], length: int, prefix: int | None) -> Callable[[], Any]:
    pre = b"" if prefix is None else bytes([prefix])
    if impl.startswith("walrus batch"):
        return lambda: blake2b256_many(buf, length=length, prefix=prefix)
    if impl == "walrus single":
        if pre:
            msgs = [pre + m for m in msgs]
        return lambda: [blake2b256(m) for m in msgs]
    if pre:
        msgs = [pre + m for m in msgs]
    return lambda: [hashlib.blake2b(m, digest_size=32).digest() for m in msgs]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("workload", WORKLOADS, ids=[w[0] for w in WORKLOADS])
def test_blake2b256(benchmark: Any, workload: tuple[str, int, int, int | None], impl: str) -> None:
    group, length, count, prefix = workload
    buf, msgs = _messages(length, count)
    run = _runner(impl, buf, msgs, length, prefix)
    backend = impl.rsplit(" ", 1)[1] if impl.startswith("walrus batch") else "portable"
    benchmark.group = f"blake2b256 {group}"
    benchmark.extra_info.update(
        impl=impl,
        backend=backend,
        messages=count,
        bytes=count * (length + (prefix is not None)),
    )
    if impl.startswith("walrus batch"):
        with backends.using(backend):
            benchmark(run)
    else:
        benchmark(run)


@pytest.mark.parametrize("impl", ["walrus", "hashlib"])
def test_blake2b256_bulk_1mib(benchmark: Any, impl: str) -> None:
    """One large message: single-stream MB/s (portable kernel vs hashlib)."""
    data = random.Random(1).randbytes(1 << 20)
    benchmark.group = "blake2b256 one 1 MiB message"
    benchmark.extra_info.update(impl=impl, backend="portable", messages=1, bytes=len(data))
    if impl == "walrus":
        benchmark(blake2b256, data)
    else:
        benchmark(lambda: hashlib.blake2b(data, digest_size=32).digest())
