"""stream_decode.decode_to: a blob decoded to a file band by band. The
expected bytes are always the original data (or, for the official vectors,
slivers the Walrus encoder made); decoding is forced by leaving out or
corrupting systematic slivers; budgets run from the least accepted up."""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import load_vector_cases
from test_blob import inconsistent_blob

import walrus_core as wc
from walrus_core import stream_decode
from walrus_core.errors import InconsistentBlobError, MemoryBudgetError, NotEnoughShardsError
from walrus_core.stream_decode import decode_memory, decode_to


def _blob(length: int, seed: int) -> bytes:
    return hashlib.shake_128(f"stream-decode-{seed}".encode()).digest(length) if length else b""


def _corrupt(sliver: wc.Sliver, at: int) -> wc.Sliver:
    raw = bytearray(sliver)
    raw[at % len(raw)] ^= 0x5A
    return wc.Sliver(raw, sliver.index, sliver.symbol_size, sliver.kind)


def _lengths(n: int, rng: random.Random) -> list[int]:
    """Sizes around the symbol-size steps: k*p*s bytes, one less, one more."""
    cfg = wc.EncodingConfig(n)
    cells = cfg.n_primary_source_symbols * cfg.n_secondary_source_symbols
    steps = [2 * cells, 4 * cells, 10 * cells]
    return [1, *(x + d for x in steps for d in (-1, 0, 1)), rng.randrange(1, 12 * cells)]


def _budgets(md: wc.BlobMetadata, kind: str) -> list[int]:
    least = decode_memory(md, kind)
    row = (
        2
        * wc.EncodingConfig(md.n_shards).n_primary_source_symbols
        * wc.EncodingConfig(md.n_shards).symbol_size(md.unencoded_length)
    )
    return [least, least + 3 * row, 1 << 30]


def _files(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


@pytest.mark.parametrize("n", [4, 10, 100])
def test_primary_decoding_gives_the_data(tmp_path: Path, n: int) -> None:
    rng = random.Random(n)
    cfg = wc.EncodingConfig(n)
    p = cfg.n_primary_source_symbols
    for length in _lengths(n, rng):
        data = _blob(length, n * 7919 + length)
        enc = wc.encode(data, n)
        slivers = enc.primary_slivers()
        lost = set(rng.sample(range(p), min(p, rng.randint(1, n - p))))
        bad = rng.choice(sorted(set(range(n)) - lost))
        forged = _corrupt(slivers[bad], rng.randrange(1 << 20))  # refused; its good copy still counts
        given = [forged, *(x for x in slivers if x.index not in lost)]
        rng.shuffle(given)
        for memory in _budgets(enc.metadata, "primary"):
            out = tmp_path / "out.bin"
            got = decode_to(iter(given), enc.metadata, out, memory=memory, threads=rng.choice([1, 2, None]))
            assert out.read_bytes() == data, (n, length, memory)
            assert got.length == length and got.kind == "primary" and len(got.used) == p
            assert got.decoded_rows == p - len([i for i in got.used if i < p]) > 0
            if given.index(forged) < [x.index for x in given].index(bad):  # the forgery came first
                assert got.dropped[0][0] == bad
            assert _files(tmp_path) == ["out.bin"]


@pytest.mark.parametrize("n", [4, 10, 100])
def test_secondary_decoding_gives_the_data(tmp_path: Path, n: int) -> None:
    rng = random.Random(n + 1)
    for length in _lengths(n, rng)[::3]:
        data = _blob(length, n + length)
        enc = wc.encode(data, n)
        slivers = enc.secondary_slivers()
        rng.shuffle(slivers)
        for memory in _budgets(enc.metadata, "secondary"):
            out = tmp_path / "sec.bin"
            got = decode_to(slivers, enc.metadata, out, kind="secondary", memory=memory)
            assert out.read_bytes() == data and got.kind == "secondary"
            assert got.decoded_rows == wc.EncodingConfig(n).n_primary_source_symbols


def test_n1000_with_five_systematic_slivers_lost(tmp_path: Path) -> None:
    n, length = 1000, 1_500_001
    data = _blob(length, 1000)
    enc = wc.encode(data, n)
    lost = {0, 17, 100, 250, 333}
    given = [x for x in enc.primary_slivers() if x.index not in lost]
    memory = decode_memory(enc.metadata, check="strict")
    got = decode_to(given, enc.metadata, tmp_path / "big.bin", memory=memory, check="strict")
    assert (tmp_path / "big.bin").read_bytes() == data and got.decoded_rows == len(lost)


def test_all_systematic_slivers_need_no_decoding(tmp_path: Path) -> None:
    data = _blob(54321, 3)
    enc = wc.encode(data, 10)
    got = decode_to(enc.primary_slivers(), enc.metadata, tmp_path / "o")
    assert (tmp_path / "o").read_bytes() == data and got.decoded_rows == 0 and got.used == [0, 1, 2, 3]


VECTORS = [c for c in load_vector_cases() if not c["expect_error"] and c.get("has_sliver_bytes")]


@pytest.mark.parametrize("case", VECTORS, ids=[c["case_id"] for c in VECTORS])
def test_official_slivers(tmp_path: Path, case: dict[str, Any]) -> None:
    """Slivers the Walrus encoder made, metadata from their published hashes."""
    length = case["content"]["length"]
    data = hashlib.shake_128(("walrus-vector-" + case["case_id"]).encode()).digest(length) if length else b""
    pairs = case["sliver_pairs"]
    md = wc.BlobMetadata(
        length, [(bytes.fromhex(x["primary_hash"]), bytes.fromhex(x["secondary_hash"])) for x in pairs]
    )
    assert str(md.blob_id) == case["blob_id"] and md.n_shards == case["n_shards"]
    size = case["symbol_size"]
    for kind in ("primary", "secondary"):
        slivers = [
            wc.Sliver(bytes.fromhex(x[f"{kind}_sliver"]), int(x[f"{kind}_sliver_index"]), size, kind)
            for x in pairs
        ]
        slivers.sort(key=lambda x: -x.index)  # the non-systematic ones first: decoding is needed
        got = decode_to(slivers, md, tmp_path / kind, kind=kind, memory=decode_memory(md, kind))
        assert (tmp_path / kind).read_bytes() == data and got.decoded_rows > 0


def test_budget_too_small_is_refused_before_any_work(tmp_path: Path) -> None:
    enc = wc.encode(_blob(100_000, 4), 10)
    pulled: list[int] = []

    def lazy() -> Iterator[wc.Sliver]:
        for x in enc.primary_slivers():
            pulled.append(x.index)
            yield x

    least = decode_memory(enc.metadata)
    with pytest.raises(MemoryBudgetError, match="too small"):
        decode_to(lazy(), enc.metadata, tmp_path / "o", memory=least - 1)
    assert pulled == [] and _files(tmp_path) == []
    for bad in (0, -1, True, "1G"):
        with pytest.raises((TypeError, ValueError)):
            decode_to(lazy(), enc.metadata, tmp_path / "o", memory=bad)  # type: ignore[arg-type]
    assert pulled == [] and _files(tmp_path) == []


def test_slivers_are_pulled_only_as_needed(tmp_path: Path) -> None:
    enc = wc.encode(_blob(30_000, 5), 100)
    pulled: list[int] = []

    def lazy() -> Iterator[wc.Sliver]:
        for x in reversed(enc.primary_slivers()):
            pulled.append(x.index)
            yield x

    got = decode_to(lazy(), enc.metadata, tmp_path / "o")
    assert len(pulled) == len(got.used) == 34 and (tmp_path / "o").read_bytes() == _blob(30_000, 5)


_RealDecoder = wc.rs2.Decoder


class _FailingDecoder:
    """rs2.Decoder that raises on its ``fail_at``-th decode (a fault mid-band)."""

    calls = 0
    fail_at = 3
    error: type[BaseException] = OSError

    def __init__(self, *args: Any) -> None:
        self.inner = _RealDecoder(*args)

    def decode(self, shards: Any) -> list[bytes]:
        type(self).calls += 1
        if type(self).calls == self.fail_at:
            raise self.error("injected")
        return self.inner.decode(shards)


@pytest.mark.parametrize("error", [OSError, KeyboardInterrupt])
def test_interrupted_decode_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: type[BaseException]
) -> None:
    enc = wc.encode(_blob(200_000, 6), 10)
    given = enc.primary_slivers()[2:]
    monkeypatch.setattr(_FailingDecoder, "error", error)
    monkeypatch.setattr(_FailingDecoder, "calls", 0)
    monkeypatch.setattr(stream_decode.rs2, "Decoder", _FailingDecoder)
    (tmp_path / "keep").write_bytes(b"old")
    with pytest.raises(error, match="injected"):
        decode_to(given, enc.metadata, tmp_path / "keep", memory=decode_memory(enc.metadata), threads=1)
    assert _files(tmp_path) == ["keep"] and (tmp_path / "keep").read_bytes() == b"old"


def test_interrupt_while_gathering_leaves_nothing(tmp_path: Path) -> None:
    enc = wc.encode(_blob(50_000, 7), 10)

    def stop(stage: str, done: int, total: int) -> None:
        if stage == "verify" and done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        decode_to(enc.primary_slivers()[1:], enc.metadata, tmp_path / "o", progress=stop)
    assert _files(tmp_path) == []


def test_too_few_valid_slivers(tmp_path: Path) -> None:
    enc = wc.encode(_blob(9_999, 8), 10)
    slivers = enc.primary_slivers()
    given = [*slivers[:3], _corrupt(slivers[5], 1), enc.secondary_slivers()[0]]
    refused: list[tuple[int, str]] = []
    with pytest.raises(NotEnoughShardsError, match="need 4 valid primary slivers, 3 verified"):
        decode_to(given, enc.metadata, tmp_path / "o", on_refused=lambda i, why: refused.append((i, why)))
    assert sorted(i for i, _ in refused) == [0, 5] and _files(tmp_path) == []


def test_inconsistent_blob_is_refused(tmp_path: Path) -> None:
    data = _blob(2000, 11)
    enc = inconsistent_blob(data, 10, column=2)
    given = [x for x in enc.primary_slivers() if x.index >= 2]  # decoding goes through the bad column
    with pytest.raises(InconsistentBlobError, match="inconsistently encoded"):
        decode_to(given, enc.metadata, tmp_path / "o")
    assert _files(tmp_path) == []
    got = decode_to(given, enc.metadata, tmp_path / "o", check="skip")  # asked for: no check
    assert got.length == len(data)


def test_bad_arguments(tmp_path: Path) -> None:
    enc = wc.encode(_blob(100, 9), 4)
    with pytest.raises(wc.InvalidInputError, match="directory"):
        decode_to(enc.primary_slivers(), enc.metadata, tmp_path)
    with pytest.raises(wc.InvalidInputError, match="check"):
        decode_to(enc.primary_slivers(), enc.metadata, tmp_path / "o", check="maybe")
    with pytest.raises(wc.InvalidInputError, match="kind"):
        decode_to(enc.primary_slivers(), enc.metadata, tmp_path / "o", kind="tertiary")
    with pytest.raises(wc.InvalidInputError, match="Sliver objects"):
        decode_to([b"\x00" * 10], enc.metadata, tmp_path / "o")  # type: ignore[list-item]
    assert _files(tmp_path) == []


def test_malformed_slivers_are_refused(tmp_path: Path) -> None:
    data = _blob(5000, 12)
    enc = wc.encode(data, 10)
    s = enc.primary_slivers()
    size = enc.symbol_size
    malformed = [
        wc.Sliver(bytes(s[0])[:-size], 0, size, "primary"),  # a symbol short
        wc.Sliver(bytes(s[1]), 12, size, "primary"),  # no such index
        wc.Sliver(bytes(s[2]) + bytes(size), 2, size, "primary"),  # a symbol long
        wc.Sliver(bytes(s[3])[:-2], 3, 2, "primary"),  # another symbol size
    ]
    got = decode_to(malformed + s[4:], enc.metadata, tmp_path / "o")
    assert (tmp_path / "o").read_bytes() == data
    assert [i for i, _ in got.dropped] == [0, 12, 2, 3] and got.decoded_rows == 4


def test_without_positioned_io(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has neither os.pwrite nor os.preadv: the seek fallback gives the same file."""
    monkeypatch.delattr(os, "pwrite", raising=False)
    monkeypatch.delattr(os, "preadv", raising=False)
    data = _blob(123_456, 13)
    enc = wc.encode(data, 10)
    got = decode_to(
        enc.primary_slivers()[3:], enc.metadata, tmp_path / "o", memory=decode_memory(enc.metadata)
    )
    assert (tmp_path / "o").read_bytes() == data and got.decoded_rows == 3
