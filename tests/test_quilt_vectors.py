"""Every QuiltV1 vector made by the official Walrus encoders, on every
backend: quilt blob (length, SHA-256, hex), index bytes, quilt ID, symbol
size, every patch's range, patch ID and header bytes; every patch read back
by identifier, patch ID (object, text, bytes), from the blob and from only
its verified secondary slivers; every refused input refused with a
QuiltError (ValueError) that names the offending file."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from quilt_vectors import content, files, quilt_cases

import walrus_core as wc
from walrus_core import quilt

CASES = quilt_cases()
pytestmark = pytest.mark.skipif(not CASES, reason="quilt vectors not found (set WALRUS_CORE_QUILT_VECTORS)")
OK = [c for c in CASES if not c["expect_error"]]
ERR = [c for c in CASES if c["expect_error"]]


@pytest.mark.parametrize("case", OK, ids=[c["case_id"] for c in OK])
def test_vector_encodes(case: dict[str, Any], backend: str) -> None:
    want = case["expected"]
    q = quilt.encode(files(case), case["n_shards"], threads=2)
    cfg = wc.EncodingConfig(case["n_shards"])
    assert (cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols) == (
        want["n_rows"],
        want["n_columns"],
    )
    assert q.symbol_size == want["symbol_size"]
    assert want["column_size"] == want["n_rows"] * q.symbol_size
    assert len(q.blob) == want["quilt_length"]
    assert hashlib.sha256(q.blob).hexdigest() == want["quilt_sha256"]
    if "quilt_hex" in want:
        assert q.blob.hex() == want["quilt_hex"]
    assert q.index.hex() == want["index_hex"]
    assert (q.index_columns, q.columns_used) == (want["index_columns"], want["columns_used"])
    assert str(q.quilt_id) == want["quilt_id"]
    assert q.quilt_id.hex() == want["quilt_id_hex"]
    assert len(q.patches) == len(want["patches"])
    for got, exp in zip(q.patches, want["patches"]):
        assert got.identifier == exp["identifier"]
        assert got.tags == exp["tags"]
        assert (got.start, got.end) == (exp["start_col"], exp["end_col"])
        assert str(got.patch_id) == exp["patch_id"]
        assert got.header.hex() == exp["header_hex"]
        assert quilt.PatchId.from_str(exp["patch_id"]) == got.patch_id
        assert got.data_length == case["files"][exp["file_index"]]["content"]["length"]


@pytest.mark.parametrize("case", OK, ids=[c["case_id"] for c in OK])
def test_vector_reads_back(case: dict[str, Any]) -> None:
    n = case["n_shards"]
    q = quilt.encode(files(case), n)
    want = case["expected"]
    index = quilt.read_index(q.blob, n)
    assert [(e.identifier, e.tags, e.start, e.end) for e in index.entries] == [
        (p["identifier"], p["tags"], p["start_col"], p["end_col"]) for p in want["patches"]
    ]
    assert index.index_columns == want["index_columns"]
    for exp in want["patches"]:
        data = content(case, exp["file_index"])
        patch_id = quilt.PatchId.from_str(exp["patch_id"])
        assert quilt.read_patch(q.blob, exp["identifier"], n) == data
        assert quilt.read_patch(q.blob, patch_id, n) == data
        assert quilt.read_patch(q.blob, exp["patch_id"], n) == data
        assert quilt.read_patch(q.blob, bytes(patch_id), n) == data


@pytest.mark.parametrize("case", OK, ids=[c["case_id"] for c in OK])
def test_vector_reads_from_own_slivers(case: dict[str, Any]) -> None:
    """Only the index's and the patch's secondary slivers, each verified."""
    n = case["n_shards"]
    q = quilt.encode(files(case), n)
    enc = wc.encode(q.blob, n)
    assert enc.blob_id == q.quilt_id
    secondary = enc.secondary_slivers()
    h = case["expected"]["index_columns"]
    for exp in case["expected"]["patches"][:5]:
        start, end = exp["start_col"], exp["end_col"]
        given = [secondary[j] for j in [*range(h), *range(start, end)]]
        reader = quilt.QuiltReader.from_slivers(given, enc.metadata)
        assert reader.read(quilt.PatchId.from_str(exp["patch_id"])) == content(case, exp["file_index"])
        assert reader.columns_read == set(range(h)) | set(range(start, end))


@pytest.mark.parametrize("case", ERR, ids=[c["case_id"] for c in ERR])
def test_vector_refused(case: dict[str, Any]) -> None:
    with pytest.raises(quilt.QuiltError) as info:
        quilt.encode(files(case), case["n_shards"])
    assert isinstance(info.value, ValueError)
    named = info.value.identifier
    assert named in {f["identifier"] for f in case["files"]}
    assert info.value.position is not None
    assert case["files"][info.value.position]["identifier"] == named
