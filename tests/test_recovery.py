"""Sliver recovery (spec §6): recovery symbols with Merkle proofs, rebuilding
every sliver of both kinds, rejection of bad symbols and proofs, and
inconsistency proofs for an inconsistently encoded blob."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracles import rs2 as rs2_oracle
from test_blob import inconsistent_blob

import walrus_core as wc


def _blob(length: int, seed: int = 0) -> bytes:
    return hashlib.shake_128(f"rec-blob-{seed}".encode()).digest(length) if length else b""


@pytest.mark.parametrize(("n", "length"), [(4, 0), (7, 300), (10, 1000), (13, 4321)])
def test_recover_every_sliver(backend: str, n: int, length: int) -> None:
    data = _blob(length, n)
    enc = wc.encode(data, n)
    md = enc.metadata
    cfg = wc.EncodingConfig(n)
    p, s = cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols
    rng = random.Random(n)
    secondaries = enc.secondary_slivers()
    primaries = enc.primary_slivers()
    # all symbols from each source at once (one expansion per source)
    from_sec = {sl.index: wc.recovery_symbols(sl, md) for sl in secondaries}
    from_prim = {sl.index: wc.recovery_symbols(sl, md) for sl in primaries}
    for t in range(n):
        syms = [from_sec[j][t] for j in rng.sample(range(n), s)]
        for sym in syms:
            sym.verify(md)
            assert sym.kind == "primary" and sym.target_index == t
        got = wc.recover_sliver(syms, md, "primary", t)
        assert got == primaries[t]
        syms = [from_prim[i][t] for i in rng.sample(range(n), p)]
        got = wc.recover_sliver(syms, md, "secondary", t)
        assert got == secondaries[t]
        with pytest.raises(wc.NotEnoughShardsError):
            wc.recover_sliver(syms[:-1], md, "secondary", t)


def test_symbol_values_match_reference() -> None:
    n = 10
    data = _blob(777, 1)
    ref = rs2_oracle.encode(data, n)
    enc = wc.encode(data, n)
    x = ref["matrix"]
    sec3 = enc.secondary_slivers()[3]
    sym = wc.recovery_symbol(sec3, 8, enc.metadata)  # X[8][3], proof in column 3's tree
    assert sym.data == x[8][3]
    assert list(sym.proof) == rs2_oracle.merkle_proof([x[r][3] for r in range(n)], 8)
    prim6 = enc.primary_slivers()[6]
    sym = wc.recovery_symbol(prim6, 9, enc.metadata)  # X[6][9], proof in row 6's tree
    assert sym.data == x[6][9]
    assert list(sym.proof) == rs2_oracle.merkle_proof(x[6], 9)
    # without metadata, from n_shards, gives the same symbol
    assert wc.recovery_symbol(prim6, 9, n_shards=n) == sym
    with pytest.raises(ValueError):
        wc.recovery_symbol(prim6, 9)


@pytest.mark.slow
def test_recover_one_sliver_n1000() -> None:
    n = 1000
    data = _blob(100_000, 3)
    enc = wc.encode(data, n)
    md = enc.metadata
    rng = random.Random(0)
    syms = [wc.recovery_symbol(enc.secondary_slivers()[j], 123, md) for j in rng.sample(range(n), 667)]
    assert wc.recover_sliver(syms, md, "primary", 123) == enc.primary_slivers()[123]
    syms = [wc.recovery_symbol(enc.primary_slivers()[i], 456, md) for i in rng.sample(range(n), 334)]
    assert wc.recover_sliver(syms, md, "secondary", 456) == enc.secondary_slivers()[456]


def test_symbol_bytes_round_trip() -> None:
    enc = wc.encode(_blob(5000, 2), 25)
    sym = wc.recovery_symbol(enc.primary_slivers()[3], 11, enc.metadata)
    again = wc.RecoverySymbol.from_bytes(sym.to_bytes())
    assert again == sym
    again.verify(enc.metadata)
    for bad in (b"", b"\x02" + sym.to_bytes()[1:], sym.to_bytes() + b"\x00", sym.to_bytes()[:-3]):
        with pytest.raises(ValueError):
            wc.RecoverySymbol.from_bytes(bad)


@given(seed=st.integers(0, 10_000), what=st.sampled_from(["data", "proof", "source", "target", "short"]))
def test_corrupted_symbols_rejected(seed: int, what: str) -> None:
    rng = random.Random(seed)
    n = rng.choice([4, 10, 19])
    enc = wc.encode(_blob(rng.randint(0, 3000), seed), n)
    md = enc.metadata
    cfg = wc.EncodingConfig(n)
    t = rng.randrange(n)
    syms = [wc.recovery_symbol(sl, t, md) for sl in enc.secondary_slivers()]
    victim = syms[rng.randrange(n)]
    if what == "data":
        b = bytearray(victim.data)
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        bad = wc.RecoverySymbol(victim.source_index, t, victim.kind, bytes(b), victim.proof)
    elif what == "proof":
        proof = list(victim.proof)
        k = rng.randrange(len(proof))
        proof[k] = hashlib.sha256(proof[k]).digest()
        bad = wc.RecoverySymbol(victim.source_index, t, victim.kind, victim.data, tuple(proof))
    elif what == "source":
        bad = wc.RecoverySymbol((victim.source_index + 1) % n, t, victim.kind, victim.data, victim.proof)
    elif what == "target":
        bad = wc.RecoverySymbol(victim.source_index, (t + 1) % n, victim.kind, victim.data, victim.proof)
    else:
        bad = wc.RecoverySymbol(victim.source_index, t, victim.kind, victim.data, victim.proof[:-1])
    with pytest.raises(wc.InvalidProofError):
        bad.verify(md)
    # bad symbol first, then exactly enough good ones from other sources
    s = cfg.n_secondary_source_symbols
    others = [x for x in syms if x.source_index != bad.source_index][:s]
    got = wc.recover_sliver([bad, *others], md, "primary", t)
    assert got == enc.primary_slivers()[t]


def test_inconsistency_detected_by_recovery() -> None:
    n = 10
    column = 2
    data = _blob(2000, 11)
    enc = inconsistent_blob(data, n, column)
    md = enc.metadata
    cfg = wc.EncodingConfig(n)
    p = cfg.n_primary_source_symbols
    # Rebuild secondary sliver `column` from primary slivers p..n-1 (each is a
    # valid row, so each symbol verifies): the column they give is not the
    # committed one.
    syms = [wc.recovery_symbol(enc.primary_slivers()[i], column, md) for i in range(p, n)]
    for sym in syms:
        sym.verify(md)
    with pytest.raises(wc.InconsistentBlobError) as info:
        wc.recover_sliver(syms, md, "secondary", column)
    proof = info.value.proof  # type: ignore[attr-defined]
    assert isinstance(proof, wc.InconsistencyProof)
    assert proof.verify(md) is True
    again = wc.InconsistencyProof.from_bytes(proof.to_bytes())
    assert again == proof and again.verify(md)
    # the same symbols against honest metadata of the real blob are no proof
    honest = wc.compute_metadata(data, n)
    with pytest.raises(wc.InvalidProofError):
        proof.verify(honest)
    # a proof built from consistent symbols is rejected
    good_enc = wc.encode(data, n)
    good_syms = tuple(wc.recovery_symbol(good_enc.primary_slivers()[i], column, honest) for i in range(p))
    with pytest.raises(wc.InvalidProofError):
        wc.InconsistencyProof("secondary", column, good_syms).verify(honest)
    # tampering with one symbol invalidates the proof
    first = proof.symbols[0]
    tampered = wc.RecoverySymbol(
        first.source_index, first.target_index, first.kind, bytes(len(first.data)), first.proof
    )
    with pytest.raises(wc.InvalidProofError):
        wc.InconsistencyProof(proof.kind, proof.target_index, (tampered, *proof.symbols[1:])).verify(md)
