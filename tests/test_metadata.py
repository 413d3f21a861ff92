"""Blob metadata and blob ID (spec §5), sliver BCS (§2.6), pair/shard
rotation (§6): the official vectors' root_hash and blob_id from their
per-pair hashes, on every backend; text forms; BCS round trips; errors."""

from __future__ import annotations

import base64
import contextlib
import struct
from typing import Any

import pytest
from conftest import load_vector_cases
from hypothesis import given
from hypothesis import strategies as st
from oracles import merkle as ref
from oracles.bcs import uleb128

import walrus_core
from walrus_core.errors import InvalidBlobIdError, InvalidInputError, VerificationError, WalrusCoreError
from walrus_core.metadata import (
    BlobId,
    BlobMetadata,
    SliverPairMetadata,
    decode_sliver_bcs,
    encode_sliver_bcs,
    max_blob_size,
    pair_index_for_shard,
    pairs_by_shard,
    rotation_offset,
    shard_index_for_pair,
    source_symbols,
)

CASES = [c for c in load_vector_cases() if not c["expect_error"]]
CASE_IDS = [c["case_id"] for c in CASES]

REGRESSION_ID = "RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY"
N1000_EMPTY_HEX = "dc63d02f71d936716137f17b97901af97d553ad00ac08b20f73b9693c47cd6fe"
N1000_0TO9_HEX = "865ca48479104a9bdc136f7d6730b7f3920012eccb4e99ba8540b9363766e093"


def _pairs(case: dict[str, Any]) -> list[tuple[bytes, bytes]]:
    pairs = case["sliver_pairs"]
    return [(bytes.fromhex(p["primary_hash"]), bytes.fromhex(p["secondary_hash"])) for p in pairs]


def _meta(case: dict[str, Any]) -> BlobMetadata:
    return BlobMetadata(case["unencoded_length"], _pairs(case))


def test_vectors_present() -> None:
    assert len(CASES) == 29


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_vector_root_and_blob_id(backend: str, case: dict[str, Any]) -> None:
    meta = _meta(case)
    assert meta.n_shards == case["n_shards"]
    assert meta.unencoded_length == case["unencoded_length"]
    assert meta.encoding_type == case["encoding_type"] == "RS2"
    assert meta.root_hash.hex() == case["root_hash"]
    assert meta.blob_id.hex() == case["blob_id_hex"]
    assert str(meta.blob_id) == case["blob_id"]
    assert BlobId.from_str(case["blob_id"]) == meta.blob_id
    assert meta.hashes == _pairs(case)
    assert all(isinstance(h, SliverPairMetadata) for h in meta.hashes)
    assert meta.hashes[0].primary_hash.hex() == case["sliver_pairs"][0]["primary_hash"]
    # the hashlib oracle agrees (independent of our native code)
    assert ref.blob_id(case["unencoded_length"], _pairs(case)).hex() == case["blob_id_hex"]
    assert ref.blob_id_text(bytes(meta.blob_id)) == case["blob_id"]
    # flat 64·n buffer form gives the same metadata
    flat = b"".join(p + s for p, s in _pairs(case))
    assert BlobMetadata(case["unencoded_length"], flat) == meta
    assert meta.pair_hashes_bytes() == flat


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_vector_bcs_round_trip(case: dict[str, Any]) -> None:
    meta = _meta(case)
    wire = meta.to_bcs()
    n = case["n_shards"]
    head = bytes.fromhex(case["blob_id_hex"]) + b"\x00\x01" + struct.pack("<Q", case["unencoded_length"])
    assert wire.startswith(head)
    assert len(wire) == 32 + 1 + 1 + 8 + len(uleb128(n)) + n * 66
    back = BlobMetadata.from_bcs(wire, n_shards=n)
    assert back == meta and back.blob_id == meta.blob_id
    meta.verify(n_shards=n, blob_id=case["blob_id"])


def test_pinned_blob_ids_in_vectors() -> None:
    by_id = {c["case_id"]: c for c in CASES}
    assert by_id["rs2-pub-n1000-len0"]["blob_id_hex"] == N1000_EMPTY_HEX
    assert _meta(by_id["rs2-pub-n1000-len0"]).blob_id.hex() == N1000_EMPTY_HEX


def test_regression_text_id() -> None:
    b = BlobId.from_str(REGRESSION_ID)
    assert str(b) == REGRESSION_ID
    assert len(bytes(b)) == 32
    assert bytes(b) == base64.urlsafe_b64decode(REGRESSION_ID + "=")
    assert BlobId(bytes(b)) == b == BlobId.from_bytes(bytes(b)) == BlobId.from_hex(b.hex())
    assert repr(b) == f"BlobId('{REGRESSION_ID}')"
    assert hash(b) == hash(BlobId.from_str(REGRESSION_ID))
    assert b != BlobId(bytes(32)) and b != bytes(b)
    assert {b, BlobId.from_str(REGRESSION_ID)} == {b}
    for hx in (N1000_EMPTY_HEX, N1000_0TO9_HEX):
        x = BlobId.from_hex(hx)
        assert BlobId.from_str(str(x)) == x and len(str(x)) == 43


@pytest.mark.parametrize(
    "text",
    [
        "",
        REGRESSION_ID[:-1],  # 42 chars
        REGRESSION_ID + "A",  # 44 chars
        REGRESSION_ID + "=",  # padded
        REGRESSION_ID[:-1] + "+",  # standard alphabet
        REGRESSION_ID[:-1] + "/",
        REGRESSION_ID[:-1] + " ",
        " " + REGRESSION_ID[1:],
        REGRESSION_ID[:-1] + "l",  # last char with nonzero unused bits (non-canonical)
        REGRESSION_ID[:10] + "é" + REGRESSION_ID[11:],
        "A" * 44,
    ],
)
def test_malformed_text(text: str) -> None:
    with pytest.raises(InvalidBlobIdError):
        BlobId.from_str(text)


def test_malformed_bytes_and_types() -> None:
    for bad in (b"", bytes(31), bytes(33)):
        with pytest.raises(InvalidBlobIdError):
            BlobId(bad)
    with pytest.raises(InvalidBlobIdError):
        BlobId(REGRESSION_ID)  # type: ignore[arg-type]
    with pytest.raises(InvalidBlobIdError):
        BlobId.from_str(bytes(32))  # type: ignore[arg-type]
    with pytest.raises(InvalidBlobIdError):
        BlobId(12)  # type: ignore[arg-type]
    with pytest.raises(InvalidBlobIdError):
        BlobId.from_hex("zz" * 32)
    assert issubclass(InvalidBlobIdError, ValueError)
    assert issubclass(InvalidBlobIdError, WalrusCoreError)


@given(st.binary(min_size=32, max_size=32))
def test_text_round_trip(raw: bytes) -> None:
    b = BlobId(raw)
    text = str(b)
    assert len(text) == 43 and "=" not in text
    assert text == ref.blob_id_text(raw)
    assert BlobId.from_str(text) == b
    assert bytes(b) == raw and b.hex() == raw.hex()


def _small_meta(n: int = 10, length: int = 1000) -> BlobMetadata:
    return BlobMetadata(length, [(ref.h(b"p%d" % i), ref.h(b"s%d" % i)) for i in range(n)])


def test_metadata_bcs_errors() -> None:
    meta = _small_meta()
    wire = meta.to_bcs()
    assert BlobMetadata.from_bcs(wire) == meta
    assert BlobMetadata.from_bcs(bytearray(wire)) == meta
    # encoding type 0 (RaptorQ) or anything but 1: fails to deserialize
    for etype in (0, 2, 255):
        bad = bytearray(wire)
        bad[33] = etype
        with pytest.raises(InvalidInputError):
            BlobMetadata.from_bcs(bytes(bad))
    # unknown version
    bad = bytearray(wire)
    bad[32] = 1
    with pytest.raises(InvalidInputError):
        BlobMetadata.from_bcs(bytes(bad))
    # truncated anywhere, or trailing bytes
    for cut in (0, 31, 33, 40, 42, len(wire) - 1):
        with pytest.raises(InvalidInputError):
            BlobMetadata.from_bcs(wire[:cut])
    with pytest.raises(InvalidInputError):
        BlobMetadata.from_bcs(wire + b"\x00")
    # unknown node tag
    bad = bytearray(wire)
    bad[43] = 7
    with pytest.raises(InvalidInputError):
        BlobMetadata.from_bcs(bytes(bad))
    # claimed blob ID differs from the recomputed one
    bad = bytearray(wire)
    bad[0] ^= 1
    with pytest.raises(VerificationError):
        BlobMetadata.from_bcs(bytes(bad))
    # a changed hash byte or length changes the ID
    for pos in (44, len(wire) - 1, 34):
        bad = bytearray(wire)
        bad[pos] ^= 0x10
        with pytest.raises(VerificationError):
            BlobMetadata.from_bcs(bytes(bad))
    # pair count differs from the committee size
    with pytest.raises(VerificationError):
        BlobMetadata.from_bcs(wire, n_shards=11)
    # zero pairs
    with pytest.raises(InvalidInputError):
        BlobMetadata.from_bcs(bytes(32) + b"\x00\x01" + bytes(8) + b"\x00")
    # a huge announced count
    with pytest.raises(InvalidInputError):
        BlobMetadata.from_bcs(bytes(32) + b"\x00\x01" + bytes(8) + b"\xff\xff\xff\xff\x0f")


def test_metadata_length_limit() -> None:
    n = 10
    p, s = source_symbols(n)
    assert (p, s) == (4, 7)
    assert max_blob_size(n) == 1_834_952
    assert max_blob_size(1000) == 14_599_533_452
    ok = _small_meta(n, max_blob_size(n))
    assert BlobMetadata.from_bcs(ok.to_bcs()) == ok
    too_big = _small_meta(n, max_blob_size(n) + 1)
    with pytest.raises(VerificationError):
        too_big.verify()
    # a self-consistent wire form (blob ID matches) is still rejected
    with pytest.raises(VerificationError):
        BlobMetadata.from_bcs(too_big.to_bcs())


def test_metadata_empty_node_and_constructor_errors() -> None:
    meta = BlobMetadata(5, [(bytes(32), ref.h(b"x"))] * 4)
    wire = meta.to_bcs()
    assert wire[43:45] == b"\x00\x01"  # the zero hash travels as Node::Empty
    assert BlobMetadata.from_bcs(wire) == meta
    with pytest.raises(InvalidInputError):
        BlobMetadata(5, [])
    with pytest.raises(InvalidInputError):
        BlobMetadata(5, [(bytes(32), bytes(31))])
    with pytest.raises(InvalidInputError):
        BlobMetadata(5, [(bytes(32),)])  # type: ignore[list-item]
    with pytest.raises(InvalidInputError):
        BlobMetadata(-1, [(bytes(32), bytes(32))])
    with pytest.raises(InvalidInputError):
        BlobMetadata(1 << 64, [(bytes(32), bytes(32))])
    with pytest.raises(InvalidInputError):
        BlobMetadata(5, [(bytes(32), bytes(32))], encoding_type="RedStuff")
    with pytest.raises(InvalidInputError):
        BlobMetadata(5, bytes(65))
    assert "RS2" in repr(meta) and str(meta.blob_id) in repr(meta)


def test_sliver_bcs_vectors() -> None:
    done = 0
    for case in CASES:
        if not case["has_sliver_bytes"]:
            continue
        size = case["symbol_size"]
        for pair in case["sliver_pairs"]:
            for kind in ("primary", "secondary"):
                data = bytes.fromhex(pair[f"{kind}_sliver"])
                index = pair[f"{kind}_sliver_index"]
                wire = encode_sliver_bcs(data, size, index)
                assert wire == uleb128(len(data)) + data + struct.pack("<HH", size, index)
                got = decode_sliver_bcs(wire)
                assert (got.data, got.symbol_size, got.index) == (data, size, index)
                d, s, i = got
                assert (d, s, i) == (data, size, index)
                assert got.to_bcs() == wire
                done += 1
    assert done > 0


def test_sliver_bcs_errors() -> None:
    with pytest.raises(InvalidInputError):
        encode_sliver_bcs(b"abc", 2, 0)
    with pytest.raises(InvalidInputError):
        encode_sliver_bcs(b"ab", 0, 0)
    with pytest.raises(InvalidInputError):
        encode_sliver_bcs(b"ab", 2, 65536)
    with pytest.raises(InvalidInputError):
        encode_sliver_bcs(b"ab", 2, -1)
    wire = encode_sliver_bcs(b"abcd", 2, 7)
    for bad in (
        wire[:-1],
        wire + b"\x00",
        b"\x04abcd\x00\x00\x07\x00",  # symbol size 0
        b"\x03abc\x02\x00\x07\x00",  # length not a multiple
        b"\x84\x00abcd\x02\x00\x07\x00",  # non-canonical length
        b"",
    ):
        with pytest.raises(InvalidInputError):
            decode_sliver_bcs(bad)
    assert decode_sliver_bcs(encode_sliver_bcs(b"", 2, 0)).data == b""


@pytest.mark.parametrize("n", [4, 7, 10, 100, 1000])
def test_rotation(n: int) -> None:
    for case in CASES[:6]:
        bid = BlobId.from_str(case["blob_id"])
        off = int.from_bytes(bytes(bid), "big") % n
        assert rotation_offset(bid, n) == off == int(bid) % n
        # Horner over the bytes gives the same offset
        horner = 0
        for byte in bytes(bid):
            horner = (horner * 256 + byte) % n
        assert horner == off
        shards = [shard_index_for_pair(i, bid, n) for i in range(n)]
        assert sorted(shards) == list(range(n))
        for i in range(n):
            assert shards[i] == (i + off) % n
            assert pair_index_for_shard(shards[i], bid, n) == i
        rotated = pairs_by_shard(list(range(n)), bid)
        assert all(shard_index_for_pair(p, bid, n) == t for t, p in enumerate(rotated))
        assert shard_index_for_pair(0, str(bid), n) == off
        assert shard_index_for_pair(0, bytes(bid), n) == off
    bid = BlobId(bytes(32))
    with pytest.raises(InvalidInputError):
        shard_index_for_pair(n, bid, n)
    with pytest.raises(InvalidInputError):
        pair_index_for_shard(-1, bid, n)
    with pytest.raises(InvalidInputError):
        shard_index_for_pair(0, bid, 0)
    with pytest.raises(InvalidBlobIdError):
        shard_index_for_pair(0, bytes(31), n)


def test_public_names() -> None:
    for name in ("BlobId", "BlobMetadata", "MerkleTree", "MerkleProof", "merkle_root", "SliverPairMetadata"):
        assert name in walrus_core.__all__
        assert hasattr(walrus_core, name)


@given(pos=st.integers(0, 10_000), xor=st.integers(1, 255), n=st.integers(1, 40))
def test_any_byte_change_of_metadata_bcs_is_rejected(pos: int, xor: int, n: int) -> None:
    meta = _small_meta(n, 17 * n)
    wire = bytearray(meta.to_bcs())
    wire[pos % len(wire)] ^= xor
    with pytest.raises((InvalidInputError, VerificationError)):
        BlobMetadata.from_bcs(bytes(wire))


@given(st.binary(max_size=200))
def test_random_bytes_never_crash_the_parsers(buf: bytes) -> None:
    for parse in (BlobMetadata.from_bcs, decode_sliver_bcs, walrus_core.MerkleProof.from_bcs):
        with contextlib.suppress(WalrusCoreError):
            parse(buf)  # type: ignore[operator]


def test_pickle_and_copy() -> None:
    import copy
    import pickle

    meta = _small_meta(7, 99)
    bid = meta.blob_id
    assert pickle.loads(pickle.dumps(bid)) == bid
    assert BlobId(bid) == bid and copy.copy(bid) == bid
    back = pickle.loads(pickle.dumps(meta))
    assert back == meta and back.blob_id == bid
    tree = walrus_core.MerkleTree([b"a", b"b", b"c"])
    assert pickle.loads(pickle.dumps(tree)).root == tree.root
    proof = tree.proof(2)
    assert pickle.loads(pickle.dumps(proof)) == proof
