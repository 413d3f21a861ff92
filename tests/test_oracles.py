"""The RS2 oracle (tests/oracles/rs2.py) against the official Walrus vectors,
so the other tests can trust it; its decoder's default consistency check
(spec §7: zero-fill past the length before hashing); and walrus_core's
decoder against the oracle on metadata that lies about the length."""

from __future__ import annotations

import hashlib
import random
from typing import Any

import pytest
from conftest import load_vector_cases
from oracles import rs2 as rs2_oracle

import walrus_core as wc

SMALL_CASES = [c for c in load_vector_cases() if c.get("has_sliver_bytes") and c["n_shards"] <= 10]


def _data(case: dict[str, Any]) -> bytes:
    length = case["content"]["length"]
    return hashlib.shake_128(("walrus-vector-" + case["case_id"]).encode()).digest(length) if length else b""


@pytest.mark.skipif(not SMALL_CASES, reason="RS2 vectors not found (set WALRUS_CORE_VECTORS)")
@pytest.mark.parametrize("case", SMALL_CASES, ids=[c["case_id"] for c in SMALL_CASES])
def test_oracle_reproduces_the_official_vectors(case: dict[str, Any]) -> None:
    data, n = _data(case), case["n_shards"]
    ref = rs2_oracle.encode(data, n)
    assert ref["symbol_size"] == case["symbol_size"]
    assert ref["blob_id"].hex() == case["blob_id_hex"]
    assert ref["root"].hex() == case["root_hash"]
    for i, want in enumerate(case["sliver_pairs"]):
        assert ref["hashes"][i][0].hex() == want["primary_hash"]
        assert ref["hashes"][i][1].hex() == want["secondary_hash"]
        assert ref["primary"][i].hex() == want["primary_sliver"]
        assert ref["secondary_pair_order"][i].hex() == want["secondary_sliver"]
    for subset in case["decode_check"]["subsets"].values():
        given = {i: ref["primary"][i] for i in subset["sliver_indices"]}
        assert rs2_oracle.decode("primary", given, len(data), ref["hashes"]) == data


@pytest.mark.parametrize(("n", "length"), [(4, 1), (7, 200), (10, 1000)])
def test_oracle_decodes_from_any_subset(n: int, length: int) -> None:
    rng = random.Random(n * 1000 + length)
    data = rng.randbytes(length)
    ref = rs2_oracle.encode(data, n)
    _, p, s = rs2_oracle.params(n)
    for kind, k in (("primary", p), ("secondary", s)):
        chosen = rng.sample(range(n), k)
        given = {i: ref[kind][i] for i in chosen}
        assert rs2_oracle.decode(kind, given, length, ref["hashes"]) == data
        with pytest.raises(rs2_oracle.NotEnoughSlivers):
            rs2_oracle.decode(kind, dict(list(given.items())[:-1]), length, ref["hashes"])


def _shorter_length_case() -> tuple[bytes, int, int, dict[str, Any]]:
    """A blob whose bytes past a shorter length are not zero, and a shorter
    length with the same symbol size (so every sliver still verifies)."""
    n, length = 4, 108  # p * s = 6: S = 18 for every length in 97..108
    data = bytes(range(1, length + 1))
    short = 97
    assert rs2_oracle.symbol_size(n, short) == rs2_oracle.symbol_size(n, length)
    return data, n, short, rs2_oracle.encode(data, n)


def test_oracle_zero_fills_past_the_length_before_hashing() -> None:
    """Metadata claiming a shorter length with the same hashes describes no
    blob: decoding must report it inconsistent, not return a prefix."""
    data, n, short, ref = _shorter_length_case()
    _, p, s = rs2_oracle.params(n)
    for kind, chosen in (
        ("secondary", range(s)),
        ("secondary", range(n - s, n)),
        ("primary", range(n - p, n)),
    ):
        given = {i: ref[kind][i] for i in chosen}
        assert all(rs2_oracle.line_hash_matches(kind, i, v, 18, ref["hashes"]) for i, v in given.items())
        with pytest.raises(rs2_oracle.InconsistentBlob):
            rs2_oracle.decode(kind, given, short, ref["hashes"])
        assert rs2_oracle.decode(kind, given, len(data), ref["hashes"]) == data


def test_decoder_refuses_metadata_that_claims_a_shorter_length() -> None:
    data, n, short, ref = _shorter_length_case()
    _, _, s = rs2_oracle.params(n)
    md = wc.BlobMetadata(short, ref["hashes"])
    enc = wc.encode(data, n)
    secondary = [pair.secondary for pair in enc.pairs][:s]
    with pytest.raises(wc.InconsistentBlobError):
        wc.decode(secondary, md)
