"""A slow pure-Python RS2 oracle with the core's API shape, written from the
spec (walrus-rs2.md §1, §2, §4–§7) over reed-solomon-leopard (the Rust RS
engine Walrus uses) and hashlib.blake2b, independent of walrus_core's native
code. test_reference_store.py checks that the files the reference storage
writes are byte for byte what this oracle produces. (It was also the stand-in
the storage layer was developed against before the core landed.)
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import reed_solomon_leopard as leo
from reference.bcs_ref import uleb128

MAX_SYMBOL_SIZE = 65534


class _Errors:
    @staticmethod
    def get() -> Any:
        from walrus_core import errors

        return errors


def _err(name: str, msg: str) -> Exception:
    return getattr(_Errors.get(), name)(msg)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- config (§1)
class EncodingConfig:
    def __init__(self, n_shards: int) -> None:
        if n_shards < 4:
            raise _err("InvalidInputError", f"n_shards must be >= 4, got {n_shards}")
        self.n_shards = n_shards
        self.max_faulty = (n_shards - 1) // 3
        self.n_primary_source_symbols = n_shards - 2 * self.max_faulty
        self.n_secondary_source_symbols = n_shards - self.max_faulty
        self.max_blob_size = self.n_primary_source_symbols * self.n_secondary_source_symbols * MAX_SYMBOL_SIZE

    def symbol_size(self, length: int) -> int:
        ps = self.n_primary_source_symbols * self.n_secondary_source_symbols
        size = -(-max(length, 1) // ps)
        size += size & 1
        if size > MAX_SYMBOL_SIZE:
            raise _err("DataTooLargeError", "data too large")
        return size

    def encoded_blob_length(self, length: int) -> int:
        n, p, s = self.n_shards, self.n_primary_source_symbols, self.n_secondary_source_symbols
        return n * (n * 64 + 32) + n * (p + s) * self.symbol_size(length)


# ---------------------------------------------------------------- merkle (§4)
def _h(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def _levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    level = [_h(b"\x00" + x) for x in leaves]
    out = [level]
    while len(level) > 1:
        if len(level) % 2:
            level = [*level, bytes(32)]
            out[-1] = level
        level = [_h(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level), 2)]
        out.append(level)
    return out


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    if not leaves:
        return bytes(32)
    return _levels(leaves)[-1][0]


def merkle_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    levels = _levels(leaves)
    proof = []
    for level in levels[:-1]:
        proof.append(level[index ^ 1])
        index >>= 1
    return proof


def merkle_verify(root: bytes, leaf: bytes, index: int, proof: Sequence[bytes], n_leaves: int) -> bool:
    if len(proof) != (n_leaves - 1).bit_length() or index >= n_leaves:
        return False
    node = _h(b"\x00" + leaf)
    for sib in proof:
        node = _h(b"\x01" + sib + node) if index & 1 else _h(b"\x01" + node + sib)
        index >>= 1
    return node == root


# ---------------------------------------------------------------- metadata (§5)
def _read_uleb(buf: bytes, pos: int) -> tuple[int, int]:
    x = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise _err("InvalidInputError", "truncated uleb128")
        b = buf[pos]
        pos += 1
        x |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return x, pos


class BlobId:
    def __init__(self, raw: bytes) -> None:
        raw = bytes(raw)
        if len(raw) != 32:
            raise _err("InvalidBlobIdError", "a blob ID has 32 bytes")
        self._raw = raw

    def __bytes__(self) -> bytes:
        return self._raw

    def __str__(self) -> str:
        return base64.urlsafe_b64encode(self._raw).rstrip(b"=").decode()

    def __repr__(self) -> str:
        return f"BlobId({self})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BlobId) and other._raw == self._raw

    def __hash__(self) -> int:
        return hash(self._raw)

    @classmethod
    def from_str(cls, text: str) -> BlobId:
        if not isinstance(text, str) or len(text) != 43:
            raise _err("InvalidBlobIdError", f"not a blob ID: {text!r}")
        try:
            raw = base64.urlsafe_b64decode(text + "=")
        except Exception as exc:
            raise _err("InvalidBlobIdError", f"not a blob ID: {text!r}") from exc
        if str(cls(raw)) != text:
            raise _err("InvalidBlobIdError", f"not a blob ID: {text!r}")
        return cls(raw)


def shard_index_for_pair(pair_index: int, blob_id: BlobId, n: int) -> int:
    return (pair_index + int.from_bytes(bytes(blob_id), "big") % n) % n


def pair_index_for_shard(shard: int, blob_id: BlobId, n: int) -> int:
    return (shard - int.from_bytes(bytes(blob_id), "big") % n) % n


class BlobMetadata:
    def __init__(self, unencoded_length: int, hashes: Sequence[tuple[bytes, bytes]]) -> None:
        self.unencoded_length = unencoded_length
        self.hashes = [(bytes(a), bytes(b)) for a, b in hashes]
        self.blob_id = self.compute_id(unencoded_length, self.hashes)

    @property
    def n_shards(self) -> int:
        return len(self.hashes)

    @staticmethod
    def compute_id(unencoded_length: int, hashes: Sequence[tuple[bytes, bytes]]) -> Any:
        root = merkle_root([a + b for a, b in hashes])
        return BlobId(_h(b"\x01" + unencoded_length.to_bytes(8, "little") + root))

    def to_bcs(self) -> bytes:
        out = bytearray(bytes(self.blob_id))
        out += b"\x00\x01" + self.unencoded_length.to_bytes(8, "little") + uleb128(len(self.hashes))
        for a, b in self.hashes:
            out += b"\x01" + a + b"\x01" + b
        return bytes(out)

    @classmethod
    def from_bcs(cls, buf: Any) -> BlobMetadata:
        buf = bytes(buf)
        bad = "InvalidInputError"
        if len(buf) < 43 or buf[32:34] != b"\x00\x01":
            raise _err(bad, "bad metadata header")
        length = int.from_bytes(buf[34:42], "little")
        n, pos = _read_uleb(buf, 42)
        if n < 4 or n > 50000:
            raise _err(bad, "bad shard count")
        hashes = []
        for _ in range(n):
            pair = []
            for _ in range(2):
                if buf[pos : pos + 1] != b"\x01" or pos + 33 > len(buf):
                    raise _err(bad, "bad hash node")
                pair.append(buf[pos + 1 : pos + 33])
                pos += 33
            hashes.append((pair[0], pair[1]))
        if pos != len(buf):
            raise _err(bad, "trailing bytes")
        if length > EncodingConfig(n).max_blob_size:
            raise _err(bad, "length too large")
        md = cls(length, hashes)
        if bytes(md.blob_id) != buf[:32]:
            raise _err("VerificationError", "metadata does not match its blob ID")
        return md


# ---------------------------------------------------------------- blob (§2, §6, §7)
def _syms(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _expand(originals: list[bytes], n: int) -> list[bytes]:
    return originals + list(leo.encode(originals, n - len(originals)))


def _decode_positions(known: dict[int, bytes], k: int, n: int) -> list[bytes]:
    orig = {i: v for i, v in known.items() if i < k}
    rec = {i - k: v for i, v in known.items() if i >= k}
    if len(orig) < k:
        orig.update(leo.decode(k, n - k, orig, rec))
    return [orig[i] for i in range(k)]


@dataclass
class Sliver:
    index: int
    symbol_size: int
    kind: str
    data: bytes

    def __bytes__(self) -> bytes:
        return self.data

    def to_bcs(self) -> bytes:
        return (
            uleb128(len(self.data))
            + self.data
            + self.symbol_size.to_bytes(2, "little")
            + self.index.to_bytes(2, "little")
        )

    @classmethod
    def from_bcs(cls, buf: Any, kind: str) -> Sliver:
        buf = bytes(buf)
        length, pos = _read_uleb(buf, 0)
        if pos + length + 4 != len(buf):
            raise _err("InvalidInputError", "bad sliver encoding")
        data = buf[pos : pos + length]
        size = int.from_bytes(buf[pos + length : pos + length + 2], "little")
        index = int.from_bytes(buf[pos + length + 2 :], "little")
        if size == 0 or size % 2 or length % size:
            raise _err("InvalidInputError", "bad sliver symbol size")
        return cls(index, size, kind, data)


@dataclass
class SliverPair:
    index: int
    primary: Sliver
    secondary: Sliver


@dataclass
class EncodedBlob:
    metadata: BlobMetadata
    pairs: list[SliverPair] = field(default_factory=list)


def _check_data(data: Any) -> bytes:
    try:
        return bytes(memoryview(data).cast("B"))
    except TypeError as exc:
        raise _err("InvalidBufferError", "not a contiguous buffer") from exc


def encode(data: Any, n_shards: int) -> EncodedBlob:
    raw = _check_data(data)
    cfg = EncodingConfig(n_shards)
    n, p, s, size = n_shards, cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols, 0
    size = cfg.symbol_size(len(raw))
    padded = raw + bytes(p * s * size - len(raw))
    rows = [_expand(_syms(padded[r * s * size : (r + 1) * s * size], size), n) for r in range(p)]
    cols = [_expand([rows[r][c] for r in range(p)], n) for c in range(n)]
    x = [[cols[c][r] for c in range(n)] for r in range(n)]
    hashes = [(merkle_root(x[i]), merkle_root(cols[n - 1 - i])) for i in range(n)]
    md = BlobMetadata(len(raw), hashes)
    pairs = [
        SliverPair(
            i,
            Sliver(i, size, "primary", b"".join(x[i][:s])),
            Sliver(n - 1 - i, size, "secondary", b"".join(cols[n - 1 - i][:p])),
        )
        for i in range(n)
    ]
    return EncodedBlob(md, pairs)


def _sliver_line(sliver: Sliver, md: BlobMetadata) -> tuple[list[bytes], bytes]:
    """Expanded n symbols of a sliver and the hash it must have."""
    cfg = EncodingConfig(md.n_shards)
    n = md.n_shards
    size = cfg.symbol_size(md.unencoded_length)
    k = cfg.n_secondary_source_symbols if sliver.kind == "primary" else cfg.n_primary_source_symbols
    if not 0 <= sliver.index < n or sliver.symbol_size != size or len(sliver.data) != k * size:
        raise _err("VerificationError", f"{sliver.kind} sliver {sliver.index} has the wrong shape")
    line = _expand(_syms(sliver.data, size), n)
    want = md.hashes[sliver.index][0] if sliver.kind == "primary" else md.hashes[n - 1 - sliver.index][1]
    return line, want


def verify_sliver(sliver: Sliver, metadata: BlobMetadata) -> None:
    line, want = _sliver_line(sliver, metadata)
    if merkle_root(line) != want:
        raise _err("VerificationError", f"{sliver.kind} sliver {sliver.index} does not match its hash")


def decode(slivers: Sequence[Sliver], metadata: BlobMetadata, check: str = "default") -> bytes:
    cfg = EncodingConfig(metadata.n_shards)
    n, p, s = metadata.n_shards, cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols
    size = cfg.symbol_size(metadata.unencoded_length)
    kinds = {sl.kind for sl in slivers}
    if len(kinds) != 1:
        raise _err("NotEnoughShardsError", "no slivers (or mixed kinds)")
    kind = kinds.pop()
    need = p if kind == "primary" else s
    by_index: dict[int, list[bytes]] = {}
    for sl in slivers:
        if (
            0 <= sl.index < n
            and sl.symbol_size == size
            and len(sl.data) == (s if kind == "primary" else p) * size
        ):
            by_index.setdefault(sl.index, _syms(sl.data, size))
    if len(by_index) < need:
        raise _err("NotEnoughShardsError", f"need {need} {kind} slivers, have {len(by_index)}")
    chosen = dict(list(by_index.items())[:need])
    if kind == "primary":
        columns = [_decode_positions({i: v[c] for i, v in chosen.items()}, p, n) for c in range(s)]
        rows = [[columns[c][r] for c in range(s)] for r in range(p)]
    else:
        rows = [_decode_positions({j: v[r] for j, v in chosen.items()}, s, n) for r in range(p)]
    if check != "skip":
        for r in range(p):
            if merkle_root(_expand(rows[r], n)) != metadata.hashes[r][0]:
                raise _err("InconsistentBlobError", f"decoded row {r} does not match its hash")
    return b"".join(b"".join(r) for r in rows)[: metadata.unencoded_length]


@dataclass
class RecoverySymbol:
    source_index: int
    target_index: int
    kind: str  # kind of the target sliver
    data: bytes
    proof: list[bytes]

    def to_bytes(self) -> bytes:
        head = bytes([0 if self.kind == "primary" else 1])
        head += self.source_index.to_bytes(2, "little") + self.target_index.to_bytes(2, "little")
        return head + uleb128(len(self.data)) + self.data + uleb128(len(self.proof)) + b"".join(self.proof)

    @classmethod
    def from_bytes(cls, buf: Any) -> RecoverySymbol:
        buf = bytes(buf)
        kind = "primary" if buf[0] == 0 else "secondary"
        src = int.from_bytes(buf[1:3], "little")
        tgt = int.from_bytes(buf[3:5], "little")
        length, pos = _read_uleb(buf, 5)
        data = buf[pos : pos + length]
        count, pos = _read_uleb(buf, pos + length)
        proof = [buf[pos + 32 * i : pos + 32 * i + 32] for i in range(count)]
        return cls(src, tgt, kind, data, proof)

    def verify(self, metadata: BlobMetadata) -> None:
        n = metadata.n_shards
        if not (0 <= self.source_index < n and 0 <= self.target_index < n):
            raise _err("InvalidProofError", "index out of range")
        if self.kind == "primary":  # symbol X[target][source] on column `source`
            root, leaf_index = metadata.hashes[n - 1 - self.source_index][1], self.target_index
        else:  # symbol X[source][target] on row `source`
            root, leaf_index = metadata.hashes[self.source_index][0], self.target_index
        if not merkle_verify(root, self.data, leaf_index, self.proof, n):
            raise _err("InvalidProofError", "recovery symbol proof does not verify")


def recovery_symbol(source_sliver: Sliver, target_index: int, metadata: BlobMetadata) -> RecoverySymbol:
    line, _ = _sliver_line(source_sliver, metadata)
    kind = "secondary" if source_sliver.kind == "primary" else "primary"
    return RecoverySymbol(
        source_sliver.index, target_index, kind, line[target_index], merkle_proof(line, target_index)
    )


def recovery_symbols(
    source_sliver: Sliver, metadata: BlobMetadata, targets: Sequence[int]
) -> list[RecoverySymbol]:
    line, _ = _sliver_line(source_sliver, metadata)
    kind = "secondary" if source_sliver.kind == "primary" else "primary"
    return [RecoverySymbol(source_sliver.index, t, kind, line[t], merkle_proof(line, t)) for t in targets]


def recover_sliver(
    symbols: Sequence[RecoverySymbol], metadata: BlobMetadata, kind: str, target_index: int
) -> Sliver:
    cfg = EncodingConfig(metadata.n_shards)
    n, p, s = metadata.n_shards, cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols
    size = cfg.symbol_size(metadata.unencoded_length)
    known: dict[int, bytes] = {}
    for sym in symbols:
        if sym.kind == kind and sym.target_index == target_index and len(sym.data) == size:
            known.setdefault(sym.source_index, sym.data)
    k = s if kind == "primary" else p
    if len(known) < k:
        raise _err("NotEnoughShardsError", f"need {k} recovery symbols, have {len(known)}")
    known = dict(list(known.items())[:k])
    line = _decode_positions(known, k, n)
    sliver = Sliver(target_index, size, kind, b"".join(line))
    try:
        verify_sliver(sliver, metadata)
    except Exception as exc:
        raise _err("InconsistentBlobError", "recovered sliver does not match its hash") from exc
    return sliver
