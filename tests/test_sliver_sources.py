"""verify_sliver on a sliver as a node keeps it: its BCS (SliverData) in a
buffer, a file's path or a binary file object, as well as a Sliver. The
bytes and the metadata are Walrus's own (the node-API vectors, made by
official Walrus code): every one verifies, and any change is refused."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from node_api_vectors import load

import walrus_core as wc
from walrus_core.errors import InvalidInputError, VerificationError
from walrus_core.metadata import BlobMetadata
from walrus_core.sliver import read_sliver, sliver_bcs_size

CASES = ["node-api-n4-len0", "node-api-n10-len1000", "node-api-n10-len20000"]
KINDS = ("primary", "secondary")


def _bodies(name: str) -> tuple[BlobMetadata, list[tuple[str, int, bytes]]]:
    case = load(name)
    md = BlobMetadata.from_bcs(bytes.fromhex(case["metadata"]["get_body_hex"]))
    slivers = [
        (kind, shard[f"{kind}_sliver_index"], bytes.fromhex(shard[f"{kind}_body_hex"]))
        for shard in case["shards"]
        for kind in KINDS
    ]
    return md, slivers


def _forms(raw: bytes, tmp_path: Path) -> Iterator[Any]:
    """``raw`` as a buffer (three kinds), a path (two), a file object (two)."""
    path = tmp_path / "sliver.bcs"
    path.write_bytes(raw)
    yield from (raw, bytearray(raw), memoryview(raw), path, str(path), io.BytesIO(raw))
    with open(path, "rb") as fh:
        yield fh


@pytest.mark.parametrize("name", CASES)
def test_walrus_slivers_verify_from_every_source(name: str, tmp_path: Path) -> None:
    md, slivers = _bodies(name)
    assert slivers
    for kind, index, raw in slivers:
        assert len(raw) == sliver_bcs_size(md, kind)
        for source in _forms(raw, tmp_path):
            wc.verify_sliver(source, md, kind)
        sliver = read_sliver(raw, kind, md)
        assert (sliver.kind, sliver.index, sliver.to_bcs()) == (kind, index, raw)
        wc.verify_sliver(sliver, md, kind)


@pytest.mark.parametrize("name", CASES[1:])
def test_changed_sliver_files_are_refused(name: str, tmp_path: Path) -> None:
    md, slivers = _bodies(name)
    kind, _, raw = slivers[0]
    other = "secondary" if kind == "primary" else "primary"
    flipped = bytearray(raw)
    flipped[len(raw) // 2] ^= 1  # inside the symbols
    longer = raw + b"\0"
    for bad, why in [
        (bytes(flipped), "hash does not match"),
        (raw[:-1], "SliverData"),
        (longer, "more than"),
        (raw[:-2] + b"\xff\xff", "index"),  # another sliver index
    ]:
        for source in _forms(bad, tmp_path):
            with pytest.raises(VerificationError, match=why):
                wc.verify_sliver(source, md, kind)
    with pytest.raises(VerificationError):  # right bytes, told the wrong kind
        wc.verify_sliver(raw, md, other)
    with pytest.raises(VerificationError):
        wc.verify_sliver(read_sliver(raw, kind, md), md, other)


def test_a_long_file_is_not_read_past_a_slivers_size(tmp_path: Path) -> None:
    md, slivers = _bodies("node-api-n10-len1000")
    kind, _, raw = slivers[0]

    asked: list[int] = []

    class Counting(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            asked.append(-1 if size is None else size)
            return super().read(size)

    with pytest.raises(VerificationError, match="more than"):
        wc.verify_sliver(Counting(raw + bytes(10_000_000)), md, kind)
    assert asked == [len(raw) + 1]


def test_bad_sliver_sources_are_refused(tmp_path: Path) -> None:
    md, slivers = _bodies("node-api-n10-len1000")
    kind, _, raw = slivers[0]
    with pytest.raises(InvalidInputError, match="kind"):
        wc.verify_sliver(raw, md)  # SliverData does not say its kind
    with pytest.raises(InvalidInputError):
        wc.verify_sliver(raw, md, "tertiary")
    with pytest.raises(InvalidInputError, match="binary"):
        wc.verify_sliver(io.StringIO("text"), md, kind)
    with pytest.raises(InvalidInputError):
        wc.verify_sliver(12345, md, kind)
    with pytest.raises(FileNotFoundError):
        wc.verify_sliver(tmp_path / "no such file", md, kind)
