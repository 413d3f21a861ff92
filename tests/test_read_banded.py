"""read -o through stream_decode: a committee whose systematic primary slivers
are lost or corrupted still gives back the original bytes, band by band,
within the memory budget; a budget too small is refused before any sliver is
read; an interrupted read leaves no output and no temporary file."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path
from typing import Any

import pytest

from walrus_core import stream_decode
from walrus_core.cli import main
from walrus_core.config import EncodingConfig
from walrus_core.errors import MemoryBudgetError
from walrus_core.metadata import BlobId, shard_index_for_pair
from walrus_core.reference import nodes
from walrus_core.reference.committee import Committee, init_committee
from walrus_core.reference.errors import BlobUnavailableError
from walrus_core.reference.retrieve import find_metadata, read_to_file
from walrus_core.reference.store import store_blob
from walrus_core.stream_decode import decode_memory


def _blob(length: int, seed: int) -> bytes:
    return hashlib.shake_128(f"read-banded-{seed}".encode()).digest(length)


def _sliver_file(c: Committee, blob_id: BlobId, kind: str, pair: int) -> Path:
    n = c.n_shards
    index = pair if kind == "primary" else n - 1 - pair
    return c.node_for_shard(shard_index_for_pair(pair, blob_id, n)).sliver_path(blob_id, kind, index)


def _spoil(c: Committee, blob_id: BlobId, kind: str, pairs: list[int], rng: random.Random) -> None:
    """Delete or corrupt (one byte flipped) the slivers of ``kind`` in ``pairs``."""
    for pair in pairs:
        path = _sliver_file(c, blob_id, kind, pair)
        if rng.random() < 0.5:
            path.unlink()
        else:
            raw = bytearray(path.read_bytes())
            raw[rng.randrange(len(raw))] ^= 1
            path.write_bytes(bytes(raw))


def _least(c: Committee, blob_id: BlobId) -> int:
    md, _, _ = find_metadata(c, blob_id)
    return max(decode_memory(md, "primary"), decode_memory(md, "secondary"))


def _outputs(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name != "c")


@pytest.mark.parametrize(("n", "nodes_"), [(4, 4), (10, 10), (100, 10)])
def test_lost_and_corrupt_systematic_slivers(tmp_path: Path, n: int, nodes_: int) -> None:
    rng = random.Random(n)
    c = init_committee(tmp_path / "c", nodes_, n)
    cfg = EncodingConfig(n)
    p, s = cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols
    for length in (1, p * s * 2 - 1, p * s * 6 + 1, rng.randrange(1, p * s * 20)):
        data = _blob(length, n + length)
        blob_id = store_blob(c, data).blob_id
        spoiled = rng.sample(range(p), min(p, rng.randint(1, cfg.max_faulty)))
        _spoil(c, blob_id, "primary", spoiled, rng)
        least = _least(c, blob_id)
        for memory in (least, least + 2 * p * cfg.symbol_size(length), 512 << 20):
            out = tmp_path / "out.bin"
            r = read_to_file(c, blob_id, out, memory=memory)
            assert out.read_bytes() == data and r.length == length and r.kind == "primary"
            assert any("decoding instead, band by band" in x for x in r.problems)
            assert _outputs(tmp_path) == ["out.bin"]


def test_secondary_slivers_when_primary_ones_are_too_few(tmp_path: Path) -> None:
    rng = random.Random(5)
    c = init_committee(tmp_path / "c", 10, 10)
    data = _blob(77_777, 5)
    blob_id = store_blob(c, data).blob_id
    _spoil(c, blob_id, "primary", list(range(7)), rng)  # 3 primary slivers left < p = 4
    r = read_to_file(c, blob_id, tmp_path / "o", memory=_least(c, blob_id))
    assert (tmp_path / "o").read_bytes() == data and r.kind == "secondary" and r.slivers_used == 7
    assert any("primary sliver" in x for x in r.problems)
    _spoil(c, blob_id, "secondary", [0, 9, 5, 2], rng)  # 6 secondary slivers left < s = 7
    with pytest.raises(BlobUnavailableError, match="4 valid primary slivers needed, 3 found"):
        read_to_file(c, blob_id, tmp_path / "o2")
    assert _outputs(tmp_path) == ["o"]


def test_budget_too_small_is_refused_before_any_sliver_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = init_committee(tmp_path / "c", 4, 10)
    blob_id = store_blob(c, _blob(5000, 6)).blob_id
    least = _least(c, blob_id)
    loads: list[Any] = []
    real = nodes.NodeDir.load_sliver
    monkeypatch.setattr(nodes.NodeDir, "load_sliver", lambda *a: loads.append(a) or real(*a))
    with pytest.raises(MemoryBudgetError, match="too small"):
        read_to_file(c, blob_id, tmp_path / "o", memory=least - 1)
    assert loads == [] and _outputs(tmp_path) == []


_RealDecoder = stream_decode.rs2.Decoder


def test_interrupted_read_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c = init_committee(tmp_path / "c", 10, 10)
    data = _blob(300_000, 7)
    blob_id = store_blob(c, data).blob_id
    _spoil(c, blob_id, "primary", [0, 2], random.Random(7))
    calls = [0]

    class Interrupted:
        def __init__(self, *args: Any) -> None:
            self.inner = _RealDecoder(*args)

        def decode(self, shards: Any) -> list[bytes]:
            calls[0] += 1
            if calls[0] == 5:
                raise KeyboardInterrupt
            return self.inner.decode(shards)

    monkeypatch.setattr(stream_decode.rs2, "Decoder", Interrupted)
    with pytest.raises(KeyboardInterrupt):
        read_to_file(c, blob_id, tmp_path / "o", memory=_least(c, blob_id))
    assert calls[0] == 5 and _outputs(tmp_path) == []
    monkeypatch.undo()
    read_to_file(c, blob_id, tmp_path / "o")
    assert (tmp_path / "o").read_bytes() == data


def test_cli_read_with_a_budget(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c = init_committee(tmp_path / "c", 10, 100)
    data = _blob(400_000, 8)
    blob_id = store_blob(c, data).blob_id
    _spoil(c, blob_id, "primary", [3, 4, 5], random.Random(8))
    out = tmp_path / "o.bin"
    assert (
        main(["--committee", str(tmp_path / "c"), "read", str(blob_id), "-o", str(out), "--memory", "64M"])
        == 0
    )
    assert out.read_bytes() == data
    capsys.readouterr()
    assert (
        main(["--committee", str(tmp_path / "c"), "read", str(blob_id), "-o", str(out), "--memory", "1M"])
        == 1
    )
    assert "too small" in capsys.readouterr().err and out.read_bytes() == data


@pytest.mark.net
def test_http_committee_reads_to_a_file_band_by_band(tmp_path: Path) -> None:
    pytest.importorskip("aiohttp")
    pytest.importorskip("pyblst")
    from node_api_servers import init_committee as init_served
    from node_api_servers import running_nodes

    from walrus_core.node_api.http_node import read_blob_http
    from walrus_core.reference.committee import load_committee

    root = init_served(tmp_path / "c", 4, 10)
    data = _blob(123_457, 9)
    (tmp_path / "in.bin").write_bytes(data)
    with running_nodes(root):
        assert main(["--committee", str(root), "store", str(tmp_path / "in.bin")]) == 0
        c = load_committee(root)
        (blob_id,) = c.certified_blobs()
        _spoil(c, blob_id, "primary", [0, 3], random.Random(9))  # the servers read these files
        least = _least(c, blob_id)
        r = read_blob_http(c, blob_id, out=tmp_path / "o.bin", memory=least)
        assert (tmp_path / "o.bin").read_bytes() == data and r.kind == "primary" and r.data == b""
        assert any("decoding instead" in x for x in r.problems)
        with pytest.raises(MemoryBudgetError):
            read_blob_http(c, blob_id, out=tmp_path / "no.bin", memory=least - 1)
        out = tmp_path / "cli.bin"
        assert main(["--committee", str(root), "read", str(blob_id), "-o", str(out), "--memory", "40M"]) == 0
        assert out.read_bytes() == data
    assert _outputs(tmp_path) == ["cli.bin", "in.bin", "o.bin"]
