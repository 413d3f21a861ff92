"""Hostile input: every public entry point, fed wrong types, wrong sizes,
garbage and mutated wire bytes, must either give a verifiably correct result
or raise one of our own errors (a subclass of WalrusCoreError). A bare
TypeError/ValueError/OverflowError/AttributeError escaping from walrus_core,
a crash or a hang is a bug.

Expected values come from hashlib, the pure-Python reference oracles in
tests/oracles/ and round-trip properties. Regression cases for bugs found
in the 2-D layer are in tests/test_hostile_blob.py.
"""

from __future__ import annotations

import array
import hashlib
import mmap
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hostile import attempt
from hypothesis import given
from hypothesis import strategies as st
from oracles import merkle as merkle_oracle

import walrus_core as wc
from walrus_core import backends, merkle, metadata, rs2
from walrus_core.errors import (
    DataTooLargeError,
    InvalidBufferError,
    InvalidInputError,
    NotEnoughShardsError,
    WalrusCoreError,
)

np = pytest.importorskip("numpy")

SUPPORTED = backends.supported()
HUGE = [2**31, 2**32, 2**63 - 1, 2**63, 2**64, 2**64 + 1, 2**100]
NEG = [-1, -(2**63), -(2**64)]


def _nc(n: int = 16) -> memoryview:
    return memoryview(bytes(range(2 * n)))[::2]


# Objects that are not contiguous byte buffers at all (or not readable ones).
NOT_BUFFERS: list[Any] = [
    None,
    0,
    1.5,
    "abcd",
    ["ab", "cd"],
    [b"ab", None],
    object(),
    _nc(),
    np.zeros((4, 4), np.uint8)[:, ::2],
    np.zeros(8, np.uint8)[::2],
]

# Buffers that must be accepted as their raw bytes.
GOOD_BUFFERS: list[Callable[[bytes], Any]] = [
    bytes,
    bytearray,
    memoryview,
    lambda b: memoryview(b).toreadonly(),
    lambda b: np.frombuffer(b, np.uint8),  # read-only numpy array
    lambda b: np.frombuffer(bytearray(b), np.uint8).copy(),
    lambda b: array.array("B", b),
]

# ---------------------------------------------------------------------------
# Hand-picked cases that must raise our own errors.

_data = b"hello hostile world" * 7
_enc = wc.encode(_data, 4)
_md = _enc.metadata
_proof = wc.MerkleTree([b"a", b"b", b"c"]).proof(1)


def _cases() -> list[tuple[str, Callable[[], Any]]]:
    c: list[tuple[str, Callable[[], Any]]] = []
    for i, bad in enumerate(NOT_BUFFERS):
        if isinstance(bad, list):
            continue
        c += [
            (f"blake2b256[{i}]", lambda bad=bad: wc.blake2b256(bad)),
            (f"merkle_root[{i}]", lambda bad=bad: wc.merkle_root(bad, 1)),
            (f"merkle_root_from_leaf_hashes[{i}]", lambda bad=bad: wc.merkle_root_from_leaf_hashes(bad)),
            (f"leaf_hashes[{i}]", lambda bad=bad: merkle.leaf_hashes(bad, 1)),
            (f"MerkleProof.from_bcs[{i}]", lambda bad=bad: wc.MerkleProof.from_bcs(bad)),
            (f"BlobMetadata.from_bcs[{i}]", lambda bad=bad: wc.BlobMetadata.from_bcs(bad)),
            (f"decode_sliver_bcs[{i}]", lambda bad=bad: wc.decode_sliver_bcs(bad)),
            (f"BlobId.from_bytes[{i}]", lambda bad=bad: wc.BlobId.from_bytes(bad)),
            (f"compute_metadata[{i}]", lambda bad=bad: wc.compute_metadata(bad, 4)),
            (f"encode[{i}]", lambda bad=bad: wc.encode(bad, 4)),
            (f"rs2.encode seq[{i}]", lambda bad=bad: rs2.encode([bad, bad], 2)),
            (f"rs2.decode[{i}]", lambda bad=bad: rs2.decode(1, 1, {0: bad})),
            (f"blake2b256_many[{i}]", lambda bad=bad: wc.blake2b256_many([bad])),
            (f"blake2b256_many buf[{i}]", lambda bad=bad: wc.blake2b256_many(bad, length=1)),
        ]
    for v in [*HUGE, *NEG, None, "4", 4.0, True]:
        c += [
            (f"rs2.encode r={v!r}", lambda v=v: rs2.encode([b"ab"], v)),
            (f"rs2.encode k={v!r}", lambda v=v: rs2.encode(b"abcd", 1, original_count=v)),
            (f"rs2.decode k={v!r}", lambda v=v: rs2.decode(v, 1, {0: b"ab"})),
            (f"rs2.decode r={v!r}", lambda v=v: rs2.decode(1, v, {0: b"ab"})),
            (f"merkle_root leaf_size={v!r}", lambda v=v: wc.merkle_root(b"abcd", v)),
            (f"blake2b256_many length={v!r}", lambda v=v: wc.blake2b256_many(b"abcd", length=v)),
            (f"blake2b256_many prefix={v!r}", lambda v=v: wc.blake2b256_many([b"ab"], prefix=v or "x")),
            (f"EncodingConfig({v!r})", lambda v=v: wc.EncodingConfig(v)),
            (f"compute_metadata n={v!r}", lambda v=v: wc.compute_metadata(b"x", v)),
            (f"encode n={v!r}", lambda v=v: wc.encode(b"x", v)),
            (f"MerkleTree.proof({v!r})", lambda v=v: wc.MerkleTree([b"a"]).proof(v)),
            (f"level_nodes({v!r})", lambda v=v: merkle.level_nodes(bytes(64), v)),
            (f"merkle_roots_many({v!r})", lambda v=v: merkle.merkle_roots_many(bytes(64), v)),
            (f"pair_index_for_shard t={v!r}", lambda v=v: wc.pair_index_for_shard(v, bytes(32), 4)),
        ]
        if not (isinstance(v, int) and not isinstance(v, bool) and v >= 0):
            c += [(f"shard_index_for_pair n={v!r}", lambda v=v: wc.shard_index_for_pair(0, bytes(32), v))]
        if v is not None and not (isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= sys.maxsize):
            c += [
                (f"merkle_proof_len({v!r})", lambda v=v: merkle.merkle_proof_len(v)),
                (f"verify n_leaves={v!r}", lambda v=v: _proof.verify(b"b", 1, bytes(32), n_leaves=v)),
            ]
        if not (isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**64):
            c += [
                (f"output_sizes len={v!r}", lambda v=v: wc.output_sizes(v, 4)),
                (f"BlobMetadata(len={v!r})", lambda v=v: wc.BlobMetadata(v, bytes(64))),
            ]
    for v in [0, -1, 1.5, "2", True]:
        c += [
            (f"compute_metadata threads={v!r}", lambda v=v: wc.compute_metadata(b"x", 4, threads=v)),
            (f"encode threads={v!r}", lambda v=v: wc.encode(b"x", 4, threads=v)),
            (f"decode threads={v!r}", lambda v=v: wc.decode(_enc.primary_slivers(), _md, threads=v)),
            (f"merkle_root threads={v!r}", lambda v=v: wc.merkle_root(b"abcd", 1, threads=v)),
        ]
    c += [
        ("rs2.encode originals=None", lambda: rs2.encode(None, 2)),  # type: ignore[arg-type]
        ("rs2.encode originals=5", lambda: rs2.encode(5, 2)),  # type: ignore[arg-type]
        ("rs2.encode []", lambda: rs2.encode([], 2)),
        ("rs2.encode odd size", lambda: rs2.encode([b"abc"], 2)),
        ("rs2.encode empty shards", lambda: rs2.encode([b"", b""], 2)),
        ("rs2.encode unequal", lambda: rs2.encode([b"ab", b"abcd"], 2)),
        ("rs2.encode one buf no k", lambda: rs2.encode(b"abcd", 2)),
        ("rs2.encode one buf k not dividing", lambda: rs2.encode(b"abcdef", 2, original_count=4)),
        ("rs2.encode 3-D", lambda: rs2.encode(np.zeros((2, 2, 2), np.uint8), 2)),
        ("rs2.encode k mismatch", lambda: rs2.encode([b"ab", b"cd"], 2, original_count=3)),
        ("rs2.encode too many", lambda: rs2.encode([b"ab"] * 40000, 30000)),
        ("rs2.encode unsupported counts", lambda: rs2.encode([b"ab"] * 33000, 32000)),
        ("rs2.decode None", lambda: rs2.decode(1, 1, None)),  # type: ignore[arg-type]
        ("rs2.decode 5", lambda: rs2.decode(1, 1, 5)),  # type: ignore[arg-type]
        ("rs2.decode empty", lambda: rs2.decode(2, 1, {})),
        ("rs2.decode too few", lambda: rs2.decode(2, 1, {0: b"ab"})),
        ("rs2.decode dup pairs", lambda: rs2.decode(1, 1, [(0, b"ab"), (0, b"ab")])),
        ("rs2.decode index -1", lambda: rs2.decode(1, 1, {-1: b"ab"})),
        ("rs2.decode index 2**64", lambda: rs2.decode(1, 1, {2**64: b"ab"})),
        ("rs2.decode index n", lambda: rs2.decode(1, 1, {2: b"ab"})),
        ("rs2.decode index str", lambda: rs2.decode(1, 1, {"0": b"ab"})),
        ("rs2.decode mismatched sizes", lambda: rs2.decode(2, 1, {0: b"ab", 1: b"abcd"})),
        ("rs2.decode odd size", lambda: rs2.decode(1, 1, {0: b"abc"})),
        ("rs2.decode not pairs", lambda: rs2.decode(1, 1, [b"ab"])),
        ("rs2.decode 1-tuples", lambda: rs2.decode(1, 1, [(0,)])),
        ("rs2.decode unsupported", lambda: rs2.decode(33000, 32000, {i: b"ab" for i in range(33000)})),
        ("blake2b256_many None", lambda: wc.blake2b256_many(None)),  # type: ignore[arg-type]
        ("blake2b256_many bytes without length", lambda: wc.blake2b256_many(b"abcd")),
        ("blake2b256_many unequal", lambda: wc.blake2b256_many([b"a", b"ab"])),
        ("blake2b256_many not dividing", lambda: wc.blake2b256_many(b"abc", length=2)),
        ("blake2b256_many length=0", lambda: wc.blake2b256_many(b"abc", length=0)),
        ("merkle_root leaf_size 0", lambda: wc.merkle_root(b"abcd", 0)),
        ("merkle_root not dividing", lambda: wc.merkle_root(b"abcd", 3)),
        ("merkle_root_from_leaf_hashes 31", lambda: wc.merkle_root_from_leaf_hashes(bytes(31))),
        ("merkle_root_from_leaf_hashes [short]", lambda: wc.merkle_root_from_leaf_hashes([bytes(31)])),
        ("MerkleTree(None)", lambda: wc.MerkleTree(None)),  # type: ignore[arg-type]
        ("MerkleTree(5)", lambda: wc.MerkleTree(5)),  # type: ignore[arg-type]
        ("MerkleTree([None])", lambda: wc.MerkleTree([None])),  # type: ignore[list-item]
        ("MerkleTree.from_data leaf 0", lambda: wc.MerkleTree.from_data(b"ab", 0)),
        ("MerkleTree.proof(-1)", lambda: wc.MerkleTree([b"a"]).proof(-1)),
        ("MerkleTree.proof(1)", lambda: wc.MerkleTree([b"a"]).proof(1)),
        ("MerkleTree.proof empty", lambda: wc.MerkleTree([]).proof(0)),
        ("MerkleProof(None)", lambda: wc.MerkleProof(None)),  # type: ignore[arg-type]
        ("MerkleProof(5)", lambda: wc.MerkleProof(5)),  # type: ignore[arg-type]
        ("MerkleProof(33 bytes)", lambda: wc.MerkleProof(bytes(33))),
        ("MerkleProof([short])", lambda: wc.MerkleProof([bytes(31)])),
        ("MerkleProof.verify root None", lambda: _proof.verify(b"b", 1, None)),  # type: ignore[arg-type]
        ("MerkleProof.verify root short", lambda: _proof.verify(b"b", 1, bytes(31))),
        ("MerkleProof.verify leaf None", lambda: _proof.verify(None, 1, bytes(32))),  # type: ignore[arg-type]
        ("MerkleProof.verify index str", lambda: _proof.verify(b"b", "1", bytes(32))),  # type: ignore[arg-type]
        ("MerkleProof.check bad", lambda: _proof.check(b"x", 1, bytes(32))),
        ("MerkleProof.from_bcs too long", lambda: wc.MerkleProof.from_bcs(b"\x41" + b"\x00" * 65)),
        ("MerkleProof.from_bcs tag 2", lambda: wc.MerkleProof.from_bcs(b"\x01\x02")),
        ("MerkleProof.from_bcs trailing", lambda: wc.MerkleProof.from_bcs(b"\x00\x00")),
        ("MerkleProof.from_bcs ff", lambda: wc.MerkleProof.from_bcs(b"\xff" * 20)),
        ("MerkleProof.from_bcs non-canonical", lambda: wc.MerkleProof.from_bcs(b"\x80\x00")),
        ("BlobId.from_str None", lambda: wc.BlobId.from_str(None)),  # type: ignore[arg-type]
        ("BlobId.from_str bytes", lambda: wc.BlobId.from_str(b"A" * 43)),  # type: ignore[arg-type]
        ("BlobId.from_str 42", lambda: wc.BlobId.from_str("A" * 42)),
        ("BlobId.from_str 44", lambda: wc.BlobId.from_str("A" * 44)),
        ("BlobId.from_str padded", lambda: wc.BlobId.from_str("A" * 42 + "=")),
        ("BlobId.from_str std alphabet", lambda: wc.BlobId.from_str("A" * 42 + "+")),
        ("BlobId.from_str non-canonical", lambda: wc.BlobId.from_str("A" * 42 + "B")),
        ("BlobId.from_str unicode", lambda: wc.BlobId.from_str("é" * 43)),
        ("BlobId.from_str newline", lambda: wc.BlobId.from_str("A" * 42 + "\n")),
        ("BlobId(str)", lambda: wc.BlobId("A" * 43)),  # type: ignore[arg-type]
        ("BlobId.from_bytes 31", lambda: wc.BlobId.from_bytes(bytes(31))),
        ("BlobId.from_hex None", lambda: wc.BlobId.from_hex(None)),  # type: ignore[arg-type]
        ("BlobId.from_hex zz", lambda: wc.BlobId.from_hex("zz" * 32)),
        ("BlobMetadata hashes None", lambda: wc.BlobMetadata(0, None)),  # type: ignore[arg-type]
        ("BlobMetadata hashes 5", lambda: wc.BlobMetadata(0, 5)),  # type: ignore[arg-type]
        ("BlobMetadata empty", lambda: wc.BlobMetadata(0, b"")),
        ("BlobMetadata 63 bytes", lambda: wc.BlobMetadata(0, bytes(63))),
        ("BlobMetadata bad pair", lambda: wc.BlobMetadata(0, [(bytes(32),)])),
        ("BlobMetadata short hash", lambda: wc.BlobMetadata(0, [(bytes(32), bytes(31))])),
        ("BlobMetadata 2**64 length", lambda: wc.BlobMetadata(2**64, bytes(64))),
        ("BlobMetadata encoding type", lambda: wc.BlobMetadata(0, bytes(64), "RS")),
        ("BlobMetadata.verify n mismatch", lambda: _md.verify(n_shards=5)),
        ("BlobMetadata.verify n str", lambda: _md.verify(n_shards="4")),  # type: ignore[arg-type]
        ("BlobMetadata.verify id mismatch", lambda: _md.verify(blob_id=bytes(32))),
        ("BlobMetadata.verify id garbage", lambda: _md.verify(blob_id="garbage")),
        ("BlobMetadata.verify too long", lambda: wc.BlobMetadata(2**40, bytes(64 * 4)).verify()),
        ("BlobMetadata.from_bcs empty", lambda: wc.BlobMetadata.from_bcs(b"")),
        ("BlobMetadata.from_bcs n mismatch", lambda: wc.BlobMetadata.from_bcs(_md.to_bcs(), n_shards=7)),
        ("BlobMetadata.from_bcs trailing", lambda: wc.BlobMetadata.from_bcs(_md.to_bcs() + b"\x00")),
        ("BlobMetadata.from_bcs truncated", lambda: wc.BlobMetadata.from_bcs(_md.to_bcs()[:-1])),
        (
            "BlobMetadata.from_bcs huge count",
            lambda: wc.BlobMetadata.from_bcs(bytes(42) + b"\xff\xff\xff\xff\x0f"),
        ),
        ("decode_sliver_bcs empty", lambda: wc.decode_sliver_bcs(b"")),
        ("decode_sliver_bcs S=0", lambda: wc.decode_sliver_bcs(b"\x02ab\x00\x00\x00\x00")),
        ("decode_sliver_bcs not dividing", lambda: wc.decode_sliver_bcs(b"\x03abc\x02\x00\x00\x00")),
        ("decode_sliver_bcs huge len", lambda: wc.decode_sliver_bcs(b"\xff\xff\xff\xff\x0f")),
        ("encode_sliver_bcs S=0", lambda: wc.encode_sliver_bcs(b"ab", 0, 0)),
        ("encode_sliver_bcs index 2**16", lambda: wc.encode_sliver_bcs(b"ab", 2, 2**16)),
        ("encode_sliver_bcs S 2**16", lambda: wc.encode_sliver_bcs(b"ab", 2**16, 0)),
        ("encode_sliver_bcs None", lambda: wc.encode_sliver_bcs(None, 2, 0)),  # type: ignore[arg-type]
        ("shard_index_for_pair n=0", lambda: wc.shard_index_for_pair(0, bytes(32), 0)),
        ("shard_index_for_pair i=n", lambda: wc.shard_index_for_pair(4, bytes(32), 4)),
        ("shard_index_for_pair id None", lambda: wc.shard_index_for_pair(0, None, 4)),  # type: ignore[arg-type]
        ("shard_index_for_pair id text bad", lambda: wc.shard_index_for_pair(0, "xyz", 4)),
        ("pairs_by_shard []", lambda: metadata.pairs_by_shard([], bytes(32))),
        ("EncodingConfig(3)", lambda: wc.EncodingConfig(3)),
        ("EncodingConfig(0)", lambda: wc.EncodingConfig(0)),
        ("EncodingConfig(49156)", lambda: wc.EncodingConfig(49156)),
        ("EncodingConfig.symbol_size(-1)", lambda: wc.EncodingConfig(4).symbol_size(-1)),
        ("EncodingConfig.symbol_size(huge)", lambda: wc.EncodingConfig(4).symbol_size(2**70)),
        ("compute_metadata n=3", lambda: wc.compute_metadata(b"x", 3)),
        ("compute_metadata n=49156", lambda: wc.compute_metadata(b"x", 49156)),
        ("compute_metadata too large n=4", lambda: wc.compute_metadata(bytearray(393205), 4)),
        ("encode too large n=4", lambda: wc.encode(memoryview(bytearray(393205)), 4)),
        ("blob_id too large n=5", lambda: wc.blob_id(bytearray(786409), 5)),
        ("encode_into short outputs", lambda: wc.encode_into(b"x", 4, bytearray(1), bytearray(1))),
        ("encode_into one output", lambda: wc.encode_into(b"x", 4, bytearray(24), None)),
        ("decode []", lambda: wc.decode([], _md)),
        ("decode [None]", lambda: wc.decode([None], _md)),  # type: ignore[list-item]
        ("decode [bytes]", lambda: wc.decode([b"ab"], _md)),  # type: ignore[list-item]
        ("decode check", lambda: wc.decode(_enc.primary_slivers(), _md, check="nope")),
        ("decode duplicates only", lambda: wc.decode([_enc.primary_slivers()[0]] * 5, _md)),
        ("Sliver kind", lambda: wc.Sliver(b"ab", 0, 2, "tertiary")),
        ("Sliver None", lambda: wc.Sliver(None, 0, 2, "primary")),  # type: ignore[arg-type]
        ("Sliver nc", lambda: wc.Sliver(_nc(), 0, 2, "primary")),
        ("Sliver S=0", lambda: wc.Sliver(b"ab", 0, 0, "primary")),
        ("Sliver S odd", lambda: wc.Sliver(b"abc", 0, 3, "primary")),
        ("Sliver not dividing", lambda: wc.Sliver(b"abc", 0, 2, "primary")),
        ("Sliver index -1", lambda: wc.Sliver(b"ab", -1, 2, "primary")),
        ("Sliver.symbol(-1)", lambda: wc.Sliver(b"ab", 0, 2, "primary").symbol(-1)),
        ("Sliver.from_bcs ff", lambda: wc.Sliver.from_bcs(b"\xff" * 3, "primary")),
        ("Sliver.from_bcs empty", lambda: wc.Sliver.from_bcs(b"", "primary")),
        ("Sliver.from_bcs kind", lambda: wc.Sliver.from_bcs(_enc.pairs[0].primary.to_bcs(), "x")),
        ("RecoverySymbol.from_bytes empty", lambda: wc.RecoverySymbol.from_bytes(b"")),
        ("RecoverySymbol.from_bytes kind 2", lambda: wc.RecoverySymbol.from_bytes(b"\x02" + bytes(6))),
        ("InconsistencyProof.from_bytes empty", lambda: wc.InconsistencyProof.from_bytes(b"")),
        ("recovery_symbols no md", lambda: wc.recovery_symbols(_enc.pairs[0].primary)),
        ("recovery_symbols n=3", lambda: wc.recovery_symbols(_enc.pairs[0].primary, n_shards=3)),
        ("recovery_symbols n=5", lambda: wc.recovery_symbols(_enc.pairs[0].primary, n_shards=5)),
        ("recovery_symbol t=-1", lambda: wc.recovery_symbol(_enc.pairs[0].primary, -1, _md)),
        ("recovery_symbol t=n", lambda: wc.recovery_symbol(_enc.pairs[0].primary, 4, _md)),
        ("recovery_symbol t=2**64", lambda: wc.recovery_symbol(_enc.pairs[0].primary, 2**64, _md)),
        ("recover_sliver []", lambda: wc.recover_sliver([], _md, "primary", 0)),
        ("recover_sliver kind", lambda: wc.recover_sliver([], _md, "x", 0)),
        ("recover_sliver t=-1", lambda: wc.recover_sliver([], _md, "primary", -1)),
        (
            "verify_sliver wrong kind",
            lambda: wc.verify_sliver(
                wc.Sliver(bytes(_enc.pairs[0].primary), 0, _enc.symbol_size, "secondary"), _md
            ),
        ),
    ]
    return c


CASES = _cases()


@pytest.mark.parametrize(("name", "fn"), CASES, ids=[n for n, _ in CASES])
def test_bad_input_raises_our_error(name: str, fn: Callable[[], Any]) -> None:
    with pytest.raises(WalrusCoreError):
        fn()


def test_error_classes_subclass_builtins() -> None:
    assert issubclass(InvalidInputError, ValueError)
    assert issubclass(InvalidBufferError, TypeError)
    with pytest.raises(TypeError):
        wc.blake2b256(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        wc.EncodingConfig(3)
    with pytest.raises(DataTooLargeError):
        wc.compute_metadata(memoryview(bytearray(393205)), 4)


def test_missing_optional_package_is_named() -> None:
    """A feature whose optional package is absent says which package to install."""
    from walrus_core._optional import require
    from walrus_core.errors import MissingDependencyError

    with pytest.raises(MissingDependencyError, match="'no-such-package'") as info:
        require("walrus_core_no_such_module", "this feature", "no-such-package")
    assert isinstance(info.value, ImportError)
    assert require("json", "this feature", "json").dumps([]) == "[]"


# ---------------------------------------------------------------------------
# Buffers of every accepted kind give the same (correct) answers.


@pytest.mark.parametrize("make", GOOD_BUFFERS)
def test_accepted_buffers(make: Callable[[bytes], Any]) -> None:
    raw = bytes(range(64)) * 3
    buf = make(raw)
    assert wc.blake2b256(buf) == hashlib.blake2b(raw, digest_size=32).digest()
    assert wc.blake2b256_many(buf, length=64) == b"".join(
        hashlib.blake2b(raw[i : i + 64], digest_size=32).digest() for i in range(0, len(raw), 64)
    )
    assert wc.merkle_root(buf, 16) == merkle_oracle.root_of_buffer(raw, 16)
    assert rs2.encode(buf, 3, original_count=4) == rs2.encode([raw[i : i + 48] for i in range(0, 192, 48)], 3)
    assert wc.compute_metadata(buf, 4) == wc.compute_metadata(raw, 4)
    assert wc.BlobId.from_bytes(make(raw[:32])) == wc.BlobId(raw[:32])


def test_other_dtypes_and_shapes_are_raw_bytes() -> None:
    """numpy arrays of other dtypes and 2-D arrays are hashed/encoded as
    their raw (C-order) bytes; a big-endian dtype too (no byte swap)."""
    a = np.arange(24, dtype=np.uint32)
    raw = a.tobytes()
    for v in (a, a.reshape(4, 6), a.astype(">u4").view(np.uint32), np.frombuffer(raw, "<u2")):
        assert wc.blake2b256(v) == hashlib.blake2b(v.tobytes(), digest_size=32).digest()
    assert wc.merkle_root(a.reshape(4, 6), 8) == merkle_oracle.root_of_buffer(raw, 8)
    shards = rs2.encode(a.reshape(4, 6), 2)  # 2-D: rows are the shards
    assert shards == rs2.encode([raw[i : i + 24] for i in range(0, 96, 24)], 2)
    with mmap.mmap(-1, len(raw)) as m:
        m.write(raw)
        assert wc.blake2b256(m) == hashlib.blake2b(raw, digest_size=32).digest()
        assert wc.compute_metadata(m, 4) == wc.compute_metadata(raw, 4)


def test_empty_inputs() -> None:
    assert wc.blake2b256(b"") == hashlib.blake2b(b"", digest_size=32).digest()
    assert wc.blake2b256(np.zeros(0, np.uint8)) == hashlib.blake2b(b"", digest_size=32).digest()
    assert wc.blake2b256_many([]) == b""
    assert wc.blake2b256_many(b"", length=5) == b""
    assert wc.blake2b256_many([b"", b""]) == hashlib.blake2b(b"", digest_size=32).digest() * 2
    assert wc.merkle_root(b"", 7) == bytes(32)
    assert wc.merkle_root_from_leaf_hashes(b"") == bytes(32)
    assert wc.MerkleTree([]).root == bytes(32)
    assert len(wc.MerkleProof.from_bcs(b"\x00")) == 0
    md = wc.compute_metadata(b"", 4)
    assert wc.decode(wc.encode(b"", 4).primary_slivers(), md) == b""


def test_read_only_and_max_size_blob() -> None:
    """The largest blob n=4 takes (393204 bytes) encodes from a read-only
    view and decodes back; one more byte is DataTooLargeError."""
    big = bytearray(393204)
    big[::4099] = b"\x07" * len(big[::4099])
    ro = memoryview(big).toreadonly()
    enc = wc.encode(ro, 4)
    assert enc.symbol_size == 65534
    assert wc.decode(enc.secondary_slivers()[1:], enc.metadata) == bytes(big)
    with pytest.raises(DataTooLargeError):
        wc.encode(memoryview(bytearray(393205)).toreadonly(), 4)


def test_merkle_verify_with_huge_index() -> None:
    """A 64-node path admits indices up to 2**64 - 1 (beyond ssize_t)."""
    path = [bytes([i + 1]) * 32 for i in range(64)]
    proof = wc.MerkleProof(path)
    lh = merkle_oracle.leaf_hash(b"leaf")
    for index in (2**63, 2**64 - 1, 2**63 + 12345):
        root = merkle_oracle.h(b"\x01" + lh + bytes(32))  # any wrong root
        assert proof.verify(b"leaf", index, root) is False
        node = lh
        for h, sib in enumerate(path):
            pair = (sib, node) if (index >> h) & 1 else (node, sib)
            node = merkle_oracle.inner_hash(*pair)
        assert proof.verify(b"leaf", index, node) is True
        assert proof.verify(b"leaf", index ^ 1, node) is False
    assert proof.verify(b"leaf", 2**64, node) is False
    assert proof.verify(b"leaf", -1, node) is False


# ---------------------------------------------------------------------------
# Hypothesis: random arguments of random types.

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.binary(max_size=40),
    st.lists(st.binary(max_size=4), max_size=3),
    st.lists(st.text(max_size=2), max_size=3),
    st.builds(lambda b: memoryview(b + b)[::2], st.binary(min_size=1, max_size=16)),
)
ints = st.one_of(st.integers(-5, 70), st.sampled_from(HUGE + NEG), junk)


@given(data=junk, leaf=ints, threads=ints)
def test_merkle_root_junk(data: Any, leaf: Any, threads: Any) -> None:
    ok, r = attempt(lambda: wc.merkle_root(data, leaf, threads=threads))
    if ok:
        raw = bytes(memoryview(data))
        assert r == merkle_oracle.root_of_buffer(raw, leaf) if raw else r == bytes(32)


@given(msgs=junk, length=ints, prefix=ints)
def test_blake2b256_many_junk(msgs: Any, length: Any, prefix: Any) -> None:
    for kwargs in ({}, {"length": length}, {"prefix": prefix}, {"length": length, "prefix": prefix}):
        ok, r = attempt(lambda kwargs=kwargs: wc.blake2b256_many(msgs, **kwargs))
        if ok:
            if "length" in kwargs and kwargs["length"] is not None:
                raw = bytes(memoryview(msgs))
                parts = [raw[i : i + length] for i in range(0, len(raw), length)]
            else:
                parts = [bytes(memoryview(m)) for m in msgs]
            pre = bytes([prefix]) if kwargs.get("prefix") is not None else b""
            assert r == b"".join(hashlib.blake2b(pre + p, digest_size=32).digest() for p in parts)


@given(a=junk, b=junk, c=ints)
def test_rs2_junk(a: Any, b: Any, c: Any) -> None:
    for fn in (
        lambda: rs2.encode(a, c),
        lambda: rs2.encode(a, 2, original_count=c),
        lambda: rs2.decode(c, 2, a),
        lambda: rs2.decode(2, c, {0: a, 1: b}),
        lambda: rs2.decode(1, 1, a),
    ):
        attempt(fn)


@given(a=junk, n=ints)
def test_blob_entry_points_junk(a: Any, n: Any) -> None:
    for fn in (
        lambda: wc.EncodingConfig(n),
        lambda: wc.compute_metadata(a, n),
        lambda: wc.compute_metadata(b"abc", 4, threads=n),
        lambda: wc.output_sizes(n, 4),
        lambda: wc.BlobId.from_str(a),
        lambda: wc.BlobId.from_bytes(a),
        lambda: wc.BlobMetadata(n, a),
        lambda: wc.BlobMetadata.from_bcs(a),
        lambda: wc.decode_sliver_bcs(a),
        lambda: wc.MerkleProof.from_bcs(a),
        lambda: wc.MerkleProof(a),
        lambda: wc.MerkleTree(a),
        lambda: wc.blake2b256(a),
        lambda: _proof.verify(a, n, bytes(32)),
        lambda: wc.shard_index_for_pair(n, bytes(32), 4),
        lambda: wc.pair_index_for_shard(0, a, n),
    ):
        attempt(fn)


@pytest.mark.parametrize("backend_name", SUPPORTED)
@given(
    k=st.integers(1, 12),
    r=st.integers(1, 12),
    size=st.integers(1, 9).map(lambda x: 2 * x),
    seed=st.binary(min_size=8, max_size=8),
    picks=st.lists(st.integers(0, 23), max_size=30),
    corrupt=st.sampled_from(["none", "size", "dup", "extra-index"]),
)
def test_rs2_decode_subsets(
    backend_name: str, k: int, r: int, size: int, seed: bytes, picks: list[int], corrupt: str
) -> None:
    """Any subset of shards: the exact originals, or our error (too few,
    wrong size, bad index) -- never wrong bytes."""
    originals = [hashlib.blake2b(seed + bytes([i]), digest_size=size).digest() for i in range(k)]
    with backends.using(backend_name):
        recovery = rs2.encode(originals, r)
        allsh = originals + recovery
        chosen = {i % (k + r): allsh[i % (k + r)] for i in picks}
        items: list[tuple[int, bytes]] = list(chosen.items())
        if corrupt == "size" and len(items) >= 2:  # one odd-sized shard among others
            items[-1] = (items[-1][0], items[-1][1] + b"xx")
        elif corrupt == "dup" and items:
            items.append(items[0])
        elif corrupt == "extra-index":
            items.append((k + r, originals[0]))
        else:
            corrupt = "none"
        ok, res = attempt(lambda: rs2.decode(k, r, items))
    if ok:
        assert corrupt == "none"
        assert res == originals
    else:
        assert corrupt != "none" or len(chosen) < k
        if corrupt == "none":
            assert isinstance(res, NotEnoughShardsError)


# ---------------------------------------------------------------------------
# Wire forms: random and mutated bytes.


def _mutations() -> st.SearchStrategy[tuple[str, int, int]]:
    return st.tuples(
        st.sampled_from(["flip", "insert", "delete", "truncate"]), st.integers(0, 10**6), st.integers(0, 255)
    )


def _mutate(raw: bytes, m: tuple[str, int, int]) -> bytes:
    kind, pos, val = m
    pos %= len(raw) + 1
    if kind == "flip" and pos < len(raw):
        return raw[:pos] + bytes([raw[pos] ^ (val or 1)]) + raw[pos + 1 :]
    if kind == "insert":
        return raw[:pos] + bytes([val]) + raw[pos:]
    if kind == "delete" and pos < len(raw):
        return raw[:pos] + raw[pos + 1 :]
    return raw[:pos]


@given(raw=st.binary(max_size=200))
def test_wire_parsers_random_bytes(raw: bytes) -> None:
    ok, md = attempt(lambda: wc.BlobMetadata.from_bcs(raw))
    if ok:
        assert bytes(md.blob_id) == raw[:32]
    ok, p = attempt(lambda: wc.MerkleProof.from_bcs(raw))
    if ok:
        assert wc.MerkleProof.from_bcs(p.to_bcs()) == p
    ok, s = attempt(lambda: wc.decode_sliver_bcs(raw))
    if ok:
        assert s.to_bcs() == raw
    ok, bid = attempt(lambda: wc.BlobId.from_str(raw.decode("latin-1")))
    if ok:
        assert str(bid) == raw.decode("latin-1")


_md_bcs = _md.to_bcs()
_tree = wc.MerkleTree([bytes([i]) * 5 for i in range(11)])
_tree_proof = _tree.proof(6)
_tree_bcs = _tree_proof.to_bcs()


@given(m=_mutations(), m2=_mutations())
def test_mutated_metadata_never_verifies_as_other(m: tuple[str, int, int], m2: tuple[str, int, int]) -> None:
    bad = _mutate(_mutate(_md_bcs, m), m2)
    ok, md = attempt(lambda: wc.BlobMetadata.from_bcs(bad))
    if ok:  # only representation-level changes may parse: same metadata
        assert md == _md and md.blob_id == _md.blob_id
    ok, md = attempt(lambda: wc.BlobMetadata.from_bcs(bad, n_shards=4))
    if ok:
        assert md == _md


@given(m=_mutations(), index=st.integers(-3, 20))
def test_mutated_proof_verifies_only_when_equal(m: tuple[str, int, int], index: int) -> None:
    bad = _mutate(_tree_bcs, m)
    ok, p = attempt(lambda: wc.MerkleProof.from_bcs(bad))
    if not ok:
        return
    ok, v = attempt(lambda: p.verify(bytes([6]) * 5, index, _tree.root, n_leaves=11))
    assert ok and isinstance(v, bool)
    if v:
        assert index == 6 and p == _tree_proof
    ok, v = attempt(lambda: p.verify(bytes([6]) * 5, index, _tree.root))
    assert ok and isinstance(v, bool)
    if v:
        assert index == 6 and p.path == _tree_proof.path


@given(
    text=st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ ",
        min_size=40,
        max_size=46,
    )
)
def test_blob_id_text(text: str) -> None:
    ok, bid = attempt(lambda: wc.BlobId.from_str(text))
    if ok:
        assert str(bid) == text and len(text) == 43


@given(n=st.integers(min_value=-(2**70), max_value=2**70))
def test_encoding_config_any_int(n: int) -> None:
    ok, cfg = attempt(lambda: wc.EncodingConfig(n))
    assert ok == (4 <= n <= 49155)
    if ok:
        f = (n - 1) // 3
        assert (cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols) == (n - 2 * f, n - f)


@given(n=st.sampled_from([4, 5, 7]), extra=st.integers(0, 3))
def test_compute_metadata_size_limit(n: int, extra: int) -> None:
    limit = wc.EncodingConfig(n).max_blob_size
    buf = memoryview(bytearray(limit + extra))
    ok, md = attempt(lambda: wc.compute_metadata(buf, n))
    assert ok == (extra == 0)
    if not ok:
        assert isinstance(md, DataTooLargeError)


def test_threads_values() -> None:
    ref = wc.compute_metadata(_data, 4)
    for t in (None, 1, 2, 3, 255, 256, 2**31, 2**64, 2**100):
        assert wc.compute_metadata(_data, 4, threads=t) == ref
        assert wc.decode(_enc.secondary_slivers(), _md, threads=t) == _data
    big = bytes(range(256)) * 64
    ref_root = merkle_oracle.root_of_buffer(big, 1)
    for t in (None, 1, 2, 3, 64, 2**32 - 1, 2**64):
        assert wc.merkle_root(big, 1, threads=t) == ref_root
