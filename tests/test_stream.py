"""Bounded-memory metadata (walrus_core.stream): the banded encoder and the
small-blob shortcuts give the bytes of the official encoder (the public
vectors) and of the in-memory encoder (itself checked against the vectors),
for buffers, paths and file objects, with every band width the budget allows;
budgets too small and files that change are refused; `blob-id` reports per
file."""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from conftest import load_vector_cases
from hypothesis import given
from hypothesis import strategies as st

import walrus_core as wc
from walrus_core import _native, stream
from walrus_core.cli import main
from walrus_core.errors import InvalidInputError, MemoryBudgetError

CASES = [c for c in load_vector_cases() if not c["expect_error"]]


def _vector_data(case: dict[str, Any]) -> bytes:
    length = case["content"]["length"]
    return hashlib.shake_128(("walrus-vector-" + case["case_id"]).encode()).digest(length) if length else b""


def _message_bytes(n: int) -> int:
    cfg = wc.EncodingConfig(n)
    return cfg.n_primary_source_symbols * cfg.n_secondary_source_symbols


def _symbol_size(n: int, length: int) -> int:
    return wc.EncodingConfig(n).symbol_size(length)


def _lengths_around_symbol_steps(n: int, sizes: list[int]) -> list[int]:
    """Blob lengths at both ends of symbol size S for each S in sizes."""
    k = _message_bytes(n)
    out = {0, 1}
    for S in sizes:
        out |= {k * (S - 2) + 1, k * (S - 2) + 2, k * S - 1, k * S}
    return sorted(x for x in out if x >= 0)


@pytest.mark.skipif(not CASES, reason="RS2 vectors not found")
@pytest.mark.parametrize("case", CASES, ids=[c["case_id"] for c in CASES])
def test_vectors_streamed_from_a_file_at_every_band(case: dict[str, Any], tmp_path: Path) -> None:
    data = _vector_data(case)
    n = case["n_shards"]
    path = tmp_path / "blob"
    path.write_bytes(data)
    S = case["symbol_size"]
    want_pairs = [(p["primary_hash"], p["secondary_hash"]) for p in case["sliver_pairs"]]
    for band in sorted({S, *range(128, S, 128 * max(1, S // 640))}):
        with open(path, "rb") as f:
            rr, cr, bid = _native.stream_metadata(n, f.fileno(), len(data), band, 2)
        assert bid.hex() == case["blob_id_hex"], band
        assert [
            (rr[32 * i : 32 * i + 32].hex(), cr[32 * (n - 1 - i) : 32 * (n - i)].hex()) for i in range(n)
        ] == (want_pairs)
    md = stream.compute_metadata(path, n)
    assert str(md.blob_id) == case["blob_id"]
    if S == 2:
        rr, cr, bid = _native.stream_small_metadata(data, n, stream._table())
        assert bid.hex() == case["blob_id_hex"]


@pytest.mark.parametrize(
    "n, sizes",
    [
        (4, [2, 4, 62, 64, 66, 126, 128, 130, 254, 256, 258, 640]),
        (10, [2, 64, 66, 128, 130, 258, 1026]),
        (100, [2, 4, 66, 130, 258]),
        (1000, [2, 4]),
    ],
)
def test_banded_and_small_match_in_memory(n: int, sizes: list[int]) -> None:
    rng = random.Random(n)
    table = stream._table()
    for length in _lengths_around_symbol_steps(n, sizes):
        data = rng.randbytes(length)
        want = _native.blob_encode(data, n, 2)
        S = _symbol_size(n, length)
        if n * n * S <= 64 << 20:
            assert _native.stream_small_metadata(data, n, table) == want, length
        for band in sorted({S, 128, 256, 384} - {b for b in (128, 256, 384) if b >= S}):
            assert _native.stream_metadata(n, data, length, band, rng.choice([1, 2])) == want, (length, band)


def test_banded_on_every_backend(backend: str) -> None:
    # the carried-state Blake2b kernel differs per backend (AVX2, SSSE3, NEON, portable)
    rng = random.Random(11)
    for n, length in ((10, 40_000), (100, _message_bytes(100) * 300 + 5), (13, 3)):
        data = rng.randbytes(length)
        want = _native.blob_encode(data, n, 1)
        S = _symbol_size(n, length)
        for band in sorted({S, *(b for b in (128, 256) if b < S)}):
            assert _native.stream_metadata(n, data, length, band, 2) == want, (n, length, band)
        assert _native.stream_small_metadata(data, n, stream._table()) == want


def test_budgets_from_the_minimum_up(tmp_path: Path) -> None:
    n = 100
    length = _message_bytes(n) * 1000 - 77  # S = 1000: bands of 128 .. 896 bytes, or one band
    data = random.Random(5).randbytes(length)
    path = tmp_path / "blob"
    path.write_bytes(data)
    want = wc.compute_metadata(data, n)
    least = _native.stream_memory(n, length, 128, None, True)
    one_band = _native.stream_memory(n, length, 1000, None)
    assert 0 < least < one_band
    seen = set()
    for budget in (least, least + 1, (least + one_band) // 2, one_band - 1, one_band):
        band = _native.stream_band_for_budget(n, length, budget, None, True)
        assert band and _native.stream_memory(n, length, band, None) <= budget
        seen.add(band)
        calls: list[tuple[int, int]] = []
        md = stream.compute_metadata(path, n, memory=budget, progress=lambda d, t, c=calls: c.append((d, t)))
        assert md == want
        assert calls and calls[-1][0] == calls[-1][1] == _message_bytes(n) * 1000
    assert len(seen) >= 3


def test_band_for_budget_takes_the_fewest_passes_in_the_narrowest_band() -> None:
    n, length = 1000, 14_599_533_452  # the largest blob: S = 65 534
    size = 65_534

    def passes(band: int) -> int:
        return -(-size // band)

    def fits(band: int, budget: int) -> bool:
        return bool(_native.stream_memory(n, length, min(band, size), 2, True) <= budget)

    for budget in (300 << 20, 512 << 20, 700 << 20, 768 << 20, 1 << 30, 2 << 30):
        band = _native.stream_band_for_budget(n, length, budget, 2, True)
        assert band % 128 == 0 and fits(band, budget), budget
        fewer = -(-size // (passes(band) - 1) // 128) * 128  # the narrowest band with one pass less
        assert not fits(fewer, budget), budget
        assert band == 128 or passes(band - 128) > passes(band), budget


def test_too_small_budget_refused_before_work(tmp_path: Path) -> None:
    n = 100
    length = _message_bytes(n) * 600
    path = tmp_path / "blob"
    with open(path, "wb") as f:
        f.truncate(length)
    least = _native.stream_memory(n, length, 128, None, True)
    calls: list[int] = []
    with pytest.raises(MemoryBudgetError, match="memory"):
        stream.compute_metadata(path, n, memory=least - 1, progress=lambda d, t: calls.append(d))
    assert calls == []
    with pytest.raises(InvalidInputError):
        stream.compute_metadata(path, n, memory=0)
    with pytest.raises(wc.DataTooLargeError):
        stream.compute_metadata(b"x" * (wc.metadata.max_blob_size(4) + 1), 4)


@pytest.mark.parametrize("change", ["grow", "shrink", "rewrite"])
def test_a_file_that_changes_while_read_is_refused(tmp_path: Path, change: str) -> None:
    n = 10
    length = _message_bytes(n) * 4000
    path = tmp_path / "blob"
    path.write_bytes(random.Random(1).randbytes(length))
    budget = _native.stream_memory(n, length, 128, None, True)

    def meddle(done: int, total: int) -> None:
        if done and 0 < done < total:
            if change == "grow":
                with open(path, "ab") as f:
                    f.write(b"more")
            elif change == "shrink":
                os.truncate(path, length // 2)
            else:
                with open(path, "r+b") as f:
                    f.write(b"\xff" * 100)
                os.utime(path, ns=(1, 1))

    with pytest.raises(InvalidInputError, match=r"(changed|shorter)"):
        stream.compute_metadata(path, n, memory=budget, progress=meddle)


def test_sources_and_ctrl_c(tmp_path: Path) -> None:
    data = random.Random(2).randbytes(300_000)
    path = tmp_path / "blob"
    path.write_bytes(data)
    want = wc.blob_id(data, 10)
    assert stream.blob_id(str(path), 10) == want
    assert wc.blob_id(path, 10) == want
    with open(path, "rb") as f:
        f.seek(123)
        assert wc.blob_id(f, 10) == want
        assert f.tell() == 123
    assert wc.blob_id(io.BytesIO(data), 10) == want
    assert wc.blob_id(data, 10, memory=_native.stream_memory(10, len(data), 128, None)) == want
    with pytest.raises(InvalidInputError):
        stream.blob_id(io.StringIO("text"), 10)  # type: ignore[arg-type]

    def interrupt(done: int, total: int) -> None:
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        stream.blob_id(path, 10, memory=_native.stream_memory(10, len(data), 128, None), progress=interrupt)


@pytest.mark.parametrize("n", [4, 10, 100])
def test_encode_pairs_match_the_full_encoding(n: int, tmp_path: Path) -> None:
    rng = random.Random(n)
    for length in _lengths_around_symbol_steps(n, [2, 64, 66, 130, 258, 700])[::3]:
        data = rng.randbytes(length)
        full = wc.encode(data, n)
        path = tmp_path / "blob"
        path.write_bytes(data)
        pairs = rng.sample(range(n), 3)
        share = 3 * len(full.pairs[0].primary) + 3 * len(full.pairs[0].secondary)
        for band in (128, 256, 1 << 20):
            memory = share + _native.stream_memory(n, length, band, None, False)
            got = stream.encode_pairs(path, n, pairs, memory=memory)
            assert [g.index for g in got] == sorted(pairs)
            for g in got:
                want = full.pairs[g.index]
                assert bytes(g.primary) == bytes(want.primary) and g.primary.index == want.primary.index
                assert (
                    bytes(g.secondary) == bytes(want.secondary) and g.secondary.index == want.secondary.index
                )
                assert g.primary.symbol_size == want.primary.symbol_size
    with pytest.raises(MemoryBudgetError):
        stream.encode_pairs(b"x" * 100_000, n, [0], memory=1000)
    with pytest.raises(InvalidInputError):
        stream.encode_pairs(b"x", n, [n])


@pytest.mark.parametrize("n", [4, 10, 100])
def test_encode_to_streams_every_pair(n: int, tmp_path: Path) -> None:
    rng = random.Random(n + 1)
    for length in (0, 1000, _message_bytes(n) * 700 + 3):
        data = rng.randbytes(length)
        full = wc.encode(data, n)
        got: list[tuple[int, bytes, bytes, int, int]] = []
        memory = (
            _native.stream_memory(n, length, 128, None, True) + 10 * len(bytes(full.pairs[0].primary)) + 8192
        )
        md = stream.encode_to(
            io.BytesIO(data),
            n,
            lambda pr, got=got: got.append(
                (pr.index, bytes(pr.primary), bytes(pr.secondary), pr.primary.index, pr.secondary.index)
            ),
            memory=memory,
            tmpdir=str(tmp_path),
        )
        assert md == full.metadata
        assert got == [
            (pr.index, bytes(pr.primary), bytes(pr.secondary), pr.primary.index, pr.secondary.index)
            for pr in full.pairs
        ]
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(MemoryBudgetError):
        stream.encode_to(b"x" * 100_000, n, lambda pr: None, memory=1000)


def test_encode_with_metadata_and_slivers_in_one_pass() -> None:
    n = 10
    data = random.Random(3).randbytes(50_000)
    full = wc.encode(data, n)
    prim = {i: bytearray(len(full.pairs[0].primary)) for i in (0, 5, 9)}
    sec = {j: bytearray(len(full.pairs[0].secondary)) for j in (1, 8)}
    roots = _native.stream_encode(n, data, len(data), 128, 2, None, prim, sec, True)
    assert roots == _native.blob_encode(data, n, 1)
    for i, buf in prim.items():
        assert bytes(buf) == bytes(full.pairs[i].primary)
    for j, buf in sec.items():
        assert bytes(buf) == bytes(full.pairs[n - 1 - j].secondary)


@st.composite
def _sparse_small_blobs(draw: st.DrawFn) -> tuple[int, bytes]:
    """A blob of 2-byte symbols that is mostly zero: runs of zero rows,
    columns and pairs of every length, where the tree shortcuts skip work."""
    n = draw(st.sampled_from([4, 5, 7, 8, 9, 10, 13, 16, 17, 33, 100]))
    length = draw(st.integers(0, 2 * _message_bytes(n)))
    data = bytearray(length)
    for _ in range(draw(st.integers(0, 6))) if length else ():
        start = draw(st.integers(0, length - 1))
        run = draw(st.integers(1, min(64, length - start)))
        data[start : start + run] = draw(st.binary(min_size=run, max_size=run))
    return n, bytes(data)


@given(_sparse_small_blobs())
def test_small_blob_trees_match_in_memory(blob: tuple[int, bytes]) -> None:
    # the shortcut trees (8 at a time, zero subtrees skipped) against merkle.c's
    n, data = blob
    want = _native.blob_encode(data, n, 1)
    assert _native.stream_small_metadata(data, n, stream._table()) == want
    assert _native.stream_metadata(n, data, len(data), 2, 1) == want


def test_small_blobs_match_the_official_rust_encoder(tmp_path: Path) -> None:
    fastcrypto = pytest.importorskip("pysui_fastcrypto")
    rng = random.Random(13)
    blobs = [(n, rng.randrange(0, 2 * _message_bytes(n) + 1)) for n in (4, 10, 100) for _ in range(6)]
    blobs += [(1000, size) for size in (1, 1024, rng.randrange(2, 100 * 1024))]
    for n, length in blobs:
        data = rng.randbytes(length)
        assert _symbol_size(n, length) == 2
        want = wc.BlobId(bytes(fastcrypto.redstuff_encode(data, n).blob_id))
        assert _native.stream_small_metadata(data, n, stream._table())[2] == bytes(want), (n, length)
        path = tmp_path / f"{n}-{length}"
        path.write_bytes(data)
        assert stream.file_blob_ids([path], n, threads=2)[0].blob_id == want


def test_leaf_table_is_the_leaf_hash_of_every_symbol() -> None:
    table = stream._table()
    for v in (0, 1, 255, 256, 0xABCD, 0xFFFF):
        assert (
            table[32 * v : 32 * v + 32]
            == hashlib.blake2b(bytes([0, v & 0xFF, v >> 8]), digest_size=32).digest()
        )


def test_cli_blob_id_many_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = []
    for i, size in enumerate([1, 1024, 100_000, 0, 3_000_000]):
        p = tmp_path / f"f{i}"
        p.write_bytes(random.Random(i).randbytes(size))
        files.append(p)
    missing = tmp_path / "missing"
    args = [str(files[0]), str(missing), *map(str, files[1:]), str(tmp_path)]
    assert main(["blob-id", "--json", "--shards", "1000", *args]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [o["file"] for o in out] == args
    by_file = {o["file"]: o for o in out}
    for p in files:
        o = by_file[str(p)]
        assert set(o) == {"blobId", "file", "unencodedLength"}
        assert o["blobId"] == str(wc.blob_id(p.read_bytes(), 1000))
        assert o["unencodedLength"] == p.stat().st_size
    # the empty blob's ID is a published vector (spec §10)
    assert by_file[str(files[3])]["blobId"] == "3GPQL3HZNnFhN_F7l5Aa-X1VOtAKwIsg9zuWk8R81v4"
    assert "error" in by_file[str(missing)] and "error" in by_file[str(tmp_path)]
    assert main(["blob-id", "--shards", "10", str(files[1])]) == 0
    text = capsys.readouterr().out.split()
    assert text == [str(wc.blob_id(files[1].read_bytes(), 10)), str(files[1])]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads unreadable files")
def test_cli_blob_id_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.write_bytes(b"good")
    bad.write_bytes(b"bad")
    bad.chmod(0)
    assert main(["blob-id", str(bad), str(good)]) == 1
    captured = capsys.readouterr()
    assert str(wc.blob_id(b"good", 1000)) in captured.out
    assert str(bad) in captured.err


def test_read_streams_systematic_slivers_and_falls_back(tmp_path: Path) -> None:
    import shutil

    from walrus_core.reference import init_committee, load_committee, read_to_file, store_file

    data = random.Random(9).randbytes(300_000)
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    init_committee(tmp_path / "nodes", 5, 10, None)
    committee = load_committee(tmp_path / "nodes")
    blob_id = store_file(committee, src).blob_id
    out = tmp_path / "out.bin"
    seen: list[tuple[str, int, int]] = []
    r = read_to_file(committee, blob_id, out, progress=lambda *a: seen.append(a))
    assert out.read_bytes() == data and r.length == len(data) and r.data == b""
    assert r.kind == "primary" and not r.problems
    assert seen[0][1] == 1  # written sliver by sliver

    def interrupt(stage: str, done: int, total: int) -> None:
        if done == 2:
            raise KeyboardInterrupt

    out2 = tmp_path / "out2.bin"
    with pytest.raises(KeyboardInterrupt):
        read_to_file(committee, blob_id, out2, progress=interrupt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.bin", "nodes", "out.bin"]  # nothing partial

    from walrus_core.metadata import shard_index_for_pair

    # lose the node holding primary sliver 0 (systematic): decode from the others
    shutil.rmtree(committee.node_for_shard(shard_index_for_pair(0, blob_id, 10)).path)
    committee = load_committee(tmp_path / "nodes")
    r = read_to_file(committee, blob_id, out2)
    assert out2.read_bytes() == data
    assert any("decoding instead" in p for p in r.problems)
