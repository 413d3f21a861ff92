"""Every public RS2 vector (the official Walrus encoder's output), on every
backend: symbol size, blob ID, root hash, every pair hash, every sliver (bytes
or SHA-256), the rejected inputs, and the oracle's decode subsets."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from conftest import load_vector_cases

import walrus_core as wc

CASES = load_vector_cases()
pytestmark = pytest.mark.skipif(not CASES, reason="RS2 vectors not found (set WALRUS_CORE_VECTORS)")


def _data(case: dict[str, Any]) -> bytes:
    length = case["content"]["length"]
    data = hashlib.shake_128(("walrus-vector-" + case["case_id"]).encode()).digest(length) if length else b""
    assert hashlib.sha256(data).hexdigest() == case["content"]["sha256"]
    return data


OK_CASES = [c for c in CASES if not c["expect_error"]]
ERR_CASES = [c for c in CASES if c["expect_error"]]


@pytest.mark.parametrize("case", OK_CASES, ids=[c["case_id"] for c in OK_CASES])
def test_vector_encode(case: dict[str, Any], backend: str) -> None:
    data = _data(case)
    n = case["n_shards"]
    cfg = wc.EncodingConfig(n)
    assert cfg.n_primary_source_symbols == case["n_primary_source_symbols"]
    assert cfg.n_secondary_source_symbols == case["n_secondary_source_symbols"]
    assert cfg.symbol_size(len(data)) == case["symbol_size"]

    enc = wc.encode(data, n, threads=2)
    md = enc.metadata
    assert str(md.blob_id) == case["blob_id"]
    assert bytes(md.blob_id).hex() == case["blob_id_hex"]
    assert md.root_hash.hex() == case["root_hash"]
    assert md.unencoded_length == case["unencoded_length"]
    assert md.encoding_type == "RS2"
    assert len(md.hashes) == n
    assert len(enc.pairs) == n
    all_p = hashlib.sha256()
    all_s = hashlib.sha256()
    for i, (pair, want) in enumerate(zip(enc.pairs, case["sliver_pairs"])):
        assert pair.index == i
        assert bytes(md.hashes[i][0]).hex() == want["primary_hash"]
        assert bytes(md.hashes[i][1]).hex() == want["secondary_hash"]
        assert pair.primary.index == want["primary_sliver_index"] == i
        assert pair.secondary.index == want["secondary_sliver_index"] == n - 1 - i
        assert pair.primary.symbol_size == pair.secondary.symbol_size == case["symbol_size"]
        assert len(pair.primary) == case["primary_sliver_length"]
        assert len(pair.secondary) == case["secondary_sliver_length"]
        pb, sb = bytes(pair.primary), bytes(pair.secondary)
        assert hashlib.sha256(pb).hexdigest() == want["primary_sliver_sha256"]
        assert hashlib.sha256(sb).hexdigest() == want["secondary_sliver_sha256"]
        if case["has_sliver_bytes"]:
            assert pb.hex() == want["primary_sliver"]
            assert sb.hex() == want["secondary_sliver"]
        all_p.update(pb)
        all_s.update(sb)
    assert all_p.hexdigest() == case["all_primary_slivers_sha256"]
    assert all_s.hexdigest() == case["all_secondary_slivers_sha256"]


@pytest.mark.parametrize("case", OK_CASES, ids=[c["case_id"] for c in OK_CASES])
@pytest.mark.parametrize("threads", [1, 2])
def test_vector_metadata_and_blob_id(case: dict[str, Any], backend: str, threads: int) -> None:
    data = _data(case)
    n = case["n_shards"]
    md = wc.compute_metadata(data, n, threads=threads)
    assert str(md.blob_id) == case["blob_id"]
    assert [(bytes(a).hex(), bytes(b).hex()) for a, b in md.hashes] == [
        (p["primary_hash"], p["secondary_hash"]) for p in case["sliver_pairs"]
    ]
    bid = wc.blob_id(memoryview(data), n, threads=threads)
    assert str(bid) == case["blob_id"]
    assert bytes(bid).hex() == case["blob_id_hex"]


@pytest.mark.parametrize("case", ERR_CASES, ids=[c["case_id"] for c in ERR_CASES])
def test_vector_rejected(case: dict[str, Any], backend: str) -> None:
    data = _data(case)
    n = case["n_shards"]
    for fn in (wc.compute_metadata, wc.encode, wc.blob_id):
        with pytest.raises(ValueError):
            fn(data, n)
    with pytest.raises(wc.DataTooLargeError):
        wc.encode(data, n)


def test_small_n_rejected() -> None:
    for n in (0, 1, 2, 3):
        with pytest.raises(ValueError):
            wc.compute_metadata(b"abc", n)
        with pytest.raises(ValueError):
            wc.EncodingConfig(n)


DECODE_CASES = [c for c in OK_CASES if c.get("decode_check")]


@pytest.mark.parametrize("case", DECODE_CASES, ids=[c["case_id"] for c in DECODE_CASES])
def test_vector_decode_subsets(case: dict[str, Any], backend: str) -> None:
    data = _data(case)
    n = case["n_shards"]
    enc = wc.encode(data, n)
    dc = case["decode_check"]
    need = dc["min_primary_slivers"]
    for sub in dc["subsets"].values():
        idx = sub["sliver_indices"]
        slivers = [enc.pairs[i].primary for i in idx]
        assert len(slivers) == need
        assert wc.decode(slivers, enc.metadata) == data
        if dc.get("one_fewer_rejected"):
            with pytest.raises(wc.NotEnoughShardsError):
                wc.decode(slivers[:-1], enc.metadata)
