"""RS2 1-D Reed-Solomon throughput: walrus_core.rs2 on every supported
backend beside reed-solomon-leopard (the Rust reed-solomon-simd engine Walrus
uses) in the same run, and zfec and ISA-L (through pyeclib) where their
256-shard limit allows. Single thread everywhere.

Workloads: Walrus's codes for n = 1000, (334, 666) and (667, 333), at shard
sizes 1 KiB, 4 KiB and 64 KiB; small codes (34, 66) and (10, 4) at 4 KiB and
64 KiB for the byte-oriented peers. `bytes` counts the whole codeword,
(k + m) * S, so MB/s = bytes / mean for encode and decode alike. Decoding
loses the first min(k, m) originals and uses the rest plus recovery shards
(the most work a decode can have).

    python -m pytest bench/bench_rs2.py --benchmark-only --benchmark-group-by=group \
        --benchmark-json=bench/rs2.json && python bench/plot_rs2.py bench/rs2.json
"""

from __future__ import annotations

import random
from typing import Any, Callable

import pytest
from conftest import SUPPORTED_BACKENDS, describe, require_peer

from walrus_core import backends, rs2

KIB = 1024
BIG_SHAPES = [(334, 666), (667, 333)]
BIG_SIZES = [1 * KIB, 4 * KIB, 64 * KIB]
SMALL_SHAPES = [(34, 66), (10, 4)]
SMALL_SIZES = [4 * KIB, 64 * KIB]

WORKLOADS = [(k, m, s) for (k, m) in BIG_SHAPES for s in BIG_SIZES] + [
    (k, m, s) for (k, m) in SMALL_SHAPES for s in SMALL_SIZES
]
IMPLS = [f"walrus_core/{b}" for b in SUPPORTED_BACKENDS] + [
    "reed-solomon-leopard",
    "zfec",
    "pyeclib/isa_l_rs_vand",
]


def _wid(w: tuple[int, int, int]) -> str:
    k, m, s = w
    return f"k{k}-m{m}-S{s // KIB}KiB"


def _originals(k: int, size: int) -> list[bytes]:
    rng = random.Random(k * 1_000_003 + size)
    return [rng.randbytes(size) for _ in range(k)]


def _lost(k: int, m: int) -> int:
    return min(k, m)


def _prepare(impl: str, op: str, k: int, m: int, size: int) -> Callable[[], Any]:
    originals = _originals(k, size)
    lost = _lost(k, m)
    if impl.startswith("walrus_core/"):
        if op == "encode":
            return lambda: rs2.encode(originals, m)
        rec = rs2.encode(originals, m)
        every = originals + rec
        shards = {i: every[i] for i in range(lost, lost + k)}
        return lambda: rs2.decode(k, m, shards)
    if impl == "reed-solomon-leopard":
        rsl = require_peer("reed-solomon-leopard")
        if op == "encode":
            return lambda: rsl.encode(originals, m)
        rec = rsl.encode(originals, m)
        odict = {i: originals[i] for i in range(lost, k)}
        rdict = {j: rec[j] for j in range(lost)}
        return lambda: rsl.decode(k, m, odict, rdict)
    if k + m > 256:
        pytest.skip(f"{impl} supports at most 256 shards")
    if impl == "zfec":
        zfec = require_peer("zfec")
        blocks = tuple(originals)
        if op == "encode":
            enc = zfec.Encoder(k, k + m)
            nums = tuple(range(k, k + m))
            return lambda: enc.encode(blocks, nums)
        every = list(originals) + zfec.Encoder(k, k + m).encode(blocks, tuple(range(k, k + m)))
        use = tuple(range(lost, lost + k))
        dec = zfec.Decoder(k, k + m)
        inp = tuple(every[i] for i in use)
        return lambda: dec.decode(inp, use)
    if impl == "pyeclib/isa_l_rs_vand":
        ec = require_peer("pyeclib")
        try:
            drv = ec.ECDriver(k=k, m=m, ec_type="isa_l_rs_vand")
        except Exception as exc:
            pytest.skip(f"pyeclib isa_l_rs_vand unavailable: {exc}")
        data = b"".join(originals)
        if op == "encode":
            return lambda: drv.encode(data)
        frags = drv.encode(data)
        use = frags[lost : lost + k]
        return lambda: drv.decode(use)
    raise AssertionError(impl)


def _run(benchmark: Any, impl: str, op: str, workload: tuple[int, int, int]) -> None:
    k, m, size = workload
    backend = impl.split("/", 1)[1] if impl.startswith("walrus_core/") else "-"
    fn = _prepare(impl, op, k, m, size)
    describe(
        benchmark,
        group=f"rs2 {op} ({k}, {m}) S={size // KIB} KiB",
        impl=impl,
        backend=backend,
        nbytes=(k + m) * size,
        op=op,
        k=k,
        m=m,
        shard_bytes=size,
    )
    if impl.startswith("walrus_core/"):
        with backends.using(backend):
            fn()
            benchmark(fn)
    else:
        fn()
        benchmark(fn)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("workload", WORKLOADS, ids=_wid)
def test_rs2_encode(benchmark: Any, workload: tuple[int, int, int], impl: str) -> None:
    _run(benchmark, impl, "encode", workload)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("workload", WORKLOADS, ids=_wid)
def test_rs2_decode(benchmark: Any, workload: tuple[int, int, int], impl: str) -> None:
    _run(benchmark, impl, "decode", workload)
