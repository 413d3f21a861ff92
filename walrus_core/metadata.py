"""Blob metadata and the blob ID (format §5), sliver BCS (§2.6) and the pair ↔
shard rotation (§6).

* :class:`BlobId`: 32 bytes; text form = unpadded URL-safe base64 (43
  characters).
* :class:`SliverPairMetadata`: ``(primary_hash, secondary_hash)`` of one
  sliver pair (a named tuple).
* :class:`BlobMetadata`: unencoded length + the n pair hashes; computes the
  Merkle root over the pair leaves ``primary_hash || secondary_hash`` and the
  blob ID ``H(0x01 || LE64(unencoded_length) || root)``; BCS of
  ``BlobMetadataWithId`` with verification on parse.
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, Union, cast

from . import _native
from ._args import check_int
from ._bcs import Reader, uleb128
from ._bcs import as_bytes as _as_bytes
from .config import ENCODING_TYPE_RS2, ENCODING_TYPE_RS2_NAME, MAX_SYMBOL_SIZE, max_blob_size, source_symbols
from .errors import InvalidBlobIdError, InvalidInputError, VerificationError
from .merkle import DIGEST_LEN, _is_buffer, node_bcs, read_node_bcs

if TYPE_CHECKING:
    from typing_extensions import Buffer

BLOB_ID_LEN = 32
BLOB_ID_TEXT_LEN = 43
U64_MAX = (1 << 64) - 1


# ---- BlobId -----------------------------------------------------------------

_B = TypeVar("_B", bound="BlobId")


class BlobId:
    """A Walrus blob ID: 32 bytes. ``str()`` is its unpadded URL-safe base64
    text (43 characters); :meth:`from_str` parses it strictly (exactly 43
    alphabet characters, canonical trailing bits), raising
    :class:`~walrus_core.errors.InvalidBlobIdError`."""

    __slots__ = ("_b",)
    _b: bytes

    def __init__(self, value: Buffer) -> None:
        if isinstance(value, BlobId):
            self._b = value._b
            return
        if isinstance(value, str):
            raise InvalidBlobIdError("BlobId(text) is ambiguous: use BlobId.from_str(text)")
        try:
            b = memoryview(value).tobytes()
        except (TypeError, ValueError, BufferError):
            raise InvalidBlobIdError(f"a blob ID is 32 bytes, not a {type(value).__name__}") from None
        if len(b) != BLOB_ID_LEN:
            raise InvalidBlobIdError(f"a blob ID is {BLOB_ID_LEN} bytes, got {len(b)}")
        self._b = b

    @classmethod
    def from_bytes(cls: type[_B], value: Buffer) -> _B:
        return cls(value)

    @classmethod
    def from_str(cls: type[_B], text: str) -> _B:
        return cls(b64url_exact(text, BLOB_ID_TEXT_LEN, "blob ID", InvalidBlobIdError))

    @classmethod
    def from_hex(cls: type[_B], text: str) -> _B:
        try:
            raw = bytes.fromhex(text)
        except (TypeError, ValueError):
            raise InvalidBlobIdError(f"malformed blob ID hex {text!r}") from None
        return cls(raw)

    parse = from_str

    def __str__(self) -> str:
        return _b64(self._b)

    def __repr__(self) -> str:
        return f"BlobId('{self}')"

    def __bytes__(self) -> bytes:
        return self._b

    def hex(self) -> str:
        return self._b.hex()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BlobId):
            return self._b == other._b
        return NotImplemented

    def __lt__(self, other: BlobId) -> bool:
        if not isinstance(other, BlobId):
            return NotImplemented
        return self._b < other._b

    def __hash__(self) -> int:
        return hash((BlobId, self._b))

    def __int__(self) -> int:
        """The ID as a 256-bit big-endian integer (used by the shard rotation)."""
        return int.from_bytes(self._b, "big")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_exact(text: object, n_chars: int, what: str, error: type[ValueError]) -> bytes:
    """The bytes of exactly ``n_chars`` URL-safe base64 characters without
    padding whose unused trailing bits are zero (the one text of those
    bytes); raises ``error`` naming ``what`` for anything else."""
    if not isinstance(text, str):
        raise error(f"{what} text must be a str, not {type(text).__name__}")
    if len(text) != n_chars or not _B64URL.fullmatch(text):
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise error(
            f"malformed {what} {shown!r}: expected {n_chars} URL-safe base64 characters without padding"
        )
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(raw) != text:
        raise error(f"malformed {what} {text!r}: non-canonical last character")
    return raw


BlobIdLike = Union[BlobId, bytes, bytearray, memoryview]


def _blob_id_bytes(blob_id: BlobIdLike | str) -> bytes:
    if isinstance(blob_id, BlobId):
        return bytes(blob_id)
    if isinstance(blob_id, str):
        return bytes(BlobId.from_str(blob_id))
    return bytes(BlobId(blob_id))


# ---- metadata -------------------------------------------------------------


class SliverPairMetadata(NamedTuple):
    """The two Merkle roots stored for sliver pair i: over expanded row i
    (primary) and over expanded column n−1−i (secondary)."""

    primary_hash: bytes
    secondary_hash: bytes


class BlobMetadata:
    """Metadata of one RS2 blob: its unencoded length and the n per-pair
    hashes; the Merkle root over the pair leaves and the blob ID follow.

    ``hashes`` is a sequence of n ``(primary_hash, secondary_hash)`` pairs of
    32 bytes each, or one buffer of ``64·n`` bytes (primary ‖ secondary per
    pair)."""

    __slots__ = ("_blob_id", "_hashes", "_length", "_pairs", "_root")

    def __init__(
        self,
        unencoded_length: int,
        hashes: Iterable[tuple[Buffer, Buffer]] | Buffer,
        encoding_type: str = ENCODING_TYPE_RS2_NAME,
    ) -> None:
        if encoding_type != ENCODING_TYPE_RS2_NAME:
            raise InvalidInputError(f"unsupported encoding type {encoding_type!r} (only 'RS2')")
        length = check_int(unencoded_length, "unencoded_length", 0, U64_MAX)
        if isinstance(hashes, (bytes, bytearray, memoryview)) or _is_buffer(hashes):
            flat = _as_bytes(cast("Buffer", hashes), "hashes")
            if len(flat) % (2 * DIGEST_LEN):
                raise InvalidInputError(f"hashes: {len(flat)} bytes is not a multiple of 64")
        else:
            parts = []
            try:
                pair_iter = iter(cast("Iterable[tuple[Buffer, Buffer]]", hashes))
            except TypeError:
                raise InvalidInputError(
                    f"hashes must be (primary, secondary) pairs or one buffer, not {type(hashes).__name__}"
                ) from None
            for i, pair in enumerate(pair_iter):
                try:
                    primary, secondary = pair
                except (TypeError, ValueError):
                    raise InvalidInputError(f"hashes[{i}] is not a (primary, secondary) pair") from None
                for what, h in (("primary", primary), ("secondary", secondary)):
                    hb = _as_bytes(h, f"hashes[{i}].{what}_hash")
                    if len(hb) != DIGEST_LEN:
                        raise InvalidInputError(f"hashes[{i}].{what}_hash must be 32 bytes, got {len(hb)}")
                    parts.append(hb)
            flat = b"".join(parts)
        if not flat:
            raise InvalidInputError("metadata needs at least one sliver pair")
        self._length = length
        self._pairs = flat
        self._hashes: list[SliverPairMetadata] | None = None
        self._root: bytes | None = None
        self._blob_id: BlobId | None = None

    @classmethod
    def _from_encoder(cls, unencoded_length: int, pair_hashes: bytes, blob_id: bytes) -> BlobMetadata:
        """Metadata as the native encoder computed it, blob ID included: the
        encoder derives that ID with the same Merkle code :meth:`_commit`
        uses, so it is not computed a second time."""
        md = cls(unencoded_length, pair_hashes)
        md._blob_id = BlobId(blob_id)
        return md

    # -- fields
    @property
    def unencoded_length(self) -> int:
        return self._length

    @property
    def encoding_type(self) -> str:
        return ENCODING_TYPE_RS2_NAME

    @property
    def n_shards(self) -> int:
        return len(self._pairs) // (2 * DIGEST_LEN)

    @property
    def hashes(self) -> list[SliverPairMetadata]:
        """The n ``(primary_hash, secondary_hash)`` pairs, in pair order."""
        if self._hashes is None:
            p = self._pairs
            self._hashes = [
                SliverPairMetadata(p[i : i + DIGEST_LEN], p[i + DIGEST_LEN : i + 2 * DIGEST_LEN])
                for i in range(0, len(p), 2 * DIGEST_LEN)
            ]
        return list(self._hashes)

    def pair_hashes_bytes(self) -> bytes:
        """primary_hash ‖ secondary_hash for every pair, concatenated."""
        return self._pairs

    def _commit(self) -> None:
        root, blob_id = _native.blob_id_from_pair_hashes(self._pairs, self._length)
        self._root = root
        self._blob_id = BlobId(blob_id)

    @property
    def root_hash(self) -> bytes:
        """Merkle root over the pair leaves primary_hash ‖ secondary_hash."""
        if self._root is None:
            self._commit()
        assert self._root is not None
        return self._root

    @property
    def blob_id(self) -> BlobId:
        """H(0x01 ‖ LE64(unencoded_length) ‖ root_hash)."""
        if self._blob_id is None:
            self._commit()
        assert self._blob_id is not None
        return self._blob_id

    @property
    def max_blob_size(self) -> int:
        return max_blob_size(self.n_shards)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BlobMetadata):
            return self._length == other._length and self._pairs == other._pairs
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._length, self._pairs))

    def __repr__(self) -> str:
        return (
            f"BlobMetadata(blob_id={self.blob_id}, unencoded_length={self._length}, "
            f"n_shards={self.n_shards}, encoding_type='{ENCODING_TYPE_RS2_NAME}')"
        )

    # -- checks and wire form
    def verify(self, *, n_shards: int | None = None, blob_id: BlobIdLike | str | None = None) -> None:
        """Check received metadata: the pair count is ``n_shards`` (when
        given), the length fits ``n_shards``, and the blob ID is ``blob_id``
        (when given). Raises :class:`VerificationError`."""
        if n_shards is not None and self.n_shards != check_int(n_shards, "n_shards"):
            raise VerificationError(f"metadata has {self.n_shards} sliver pairs, expected {n_shards}")
        if self._length > self.max_blob_size:
            raise VerificationError(
                f"unencoded length {self._length} exceeds the maximum {self.max_blob_size} "
                f"for {self.n_shards} shards"
            )
        if blob_id is not None and bytes(self.blob_id) != _blob_id_bytes(blob_id):
            raise VerificationError(f"blob ID mismatch: metadata gives {self.blob_id}")

    @staticmethod
    def max_bcs_len(n_shards: int) -> int:
        """The longest :meth:`to_bcs` of metadata for ``n_shards`` pairs (every
        hash a digest; an all-zero hash is one byte shorter)."""
        n = check_int(n_shards, "n_shards", 1)
        return BLOB_ID_LEN + 1 + 1 + 8 + len(uleb128(n)) + 2 * n * (1 + DIGEST_LEN)

    def to_bcs(self) -> bytes:
        """BCS of ``BlobMetadataWithId``: blob_id ‖ uleb128(0) (V1) ‖ 0x01
        (RS2) ‖ LE64(unencoded_length) ‖ uleb128(n) ‖ n × (node(primary) ‖
        node(secondary)), node = 0x01 ‖ 32 bytes (0x00 for the all-zero
        node)."""
        out = bytearray(bytes(self.blob_id))
        out += uleb128(0)
        out.append(ENCODING_TYPE_RS2)
        out += struct.pack("<Q", self._length)
        out += uleb128(self.n_shards)
        p = self._pairs
        for i in range(0, len(p), DIGEST_LEN):
            out += node_bcs(p[i : i + DIGEST_LEN])
        return bytes(out)

    @classmethod
    def from_bcs(cls, data: Buffer, *, n_shards: int | None = None) -> BlobMetadata:
        """Parse and verify ``BlobMetadataWithId`` BCS: the encoding type
        byte must be 1 (RS2), the embedded blob ID must equal the one
        recomputed from the hashes, the length must fit the pair count, and
        with ``n_shards`` the pair count must match. Malformed bytes raise
        :class:`InvalidInputError`; a failed check :class:`VerificationError`."""
        reader = Reader(_as_bytes(data, "data"), "BlobMetadataWithId BCS")
        claimed = reader.take(BLOB_ID_LEN)
        version = reader.uleb128()
        if version != 0:
            raise InvalidInputError(f"BlobMetadata BCS: unknown version variant {version} (only V1 = 0)")
        etype = reader.u8()
        if etype != ENCODING_TYPE_RS2:
            raise InvalidInputError(
                f"BlobMetadata BCS: unsupported encoding type byte {etype} (RS2 = {ENCODING_TYPE_RS2})"
            )
        length = reader.u64()
        count = reader.uleb128()
        if count == 0:
            raise InvalidInputError("BlobMetadata BCS: no sliver pairs")
        if count > reader.remaining // 2:
            raise InvalidInputError(f"BlobMetadata BCS: truncated ({count} pairs announced)")
        pairs = b"".join(read_node_bcs(reader) for _ in range(2 * count))
        reader.finish()
        meta = cls(length, pairs)
        meta.verify(n_shards=n_shards, blob_id=claimed)
        return meta


# ---- slivers (format §2.6) -------------------------------------------------------


@dataclass(frozen=True)
class SliverData:
    """A decoded sliver: raw symbol bytes, symbol size and sliver index
    (unpacks as ``data, symbol_size, index``)."""

    data: bytes
    symbol_size: int
    index: int

    def __iter__(self) -> Iterator[Any]:
        return iter((self.data, self.symbol_size, self.index))

    def to_bcs(self) -> bytes:
        return encode_sliver_bcs(self.data, self.symbol_size, self.index)


def encode_sliver_bcs(data: Buffer, symbol_size: int, index: int) -> bytes:
    """BCS of Walrus ``SliverData``: uleb128(len) ‖ data ‖ LE16(symbol_size) ‖
    LE16(index)."""
    raw = _as_bytes(data, "data")
    s = check_int(symbol_size, "symbol_size", 1, 0xFFFF)
    i = check_int(index, "sliver index", 0, 0xFFFF)
    if len(raw) % s:
        raise InvalidInputError(f"sliver length {len(raw)} is not a multiple of symbol_size {s}")
    return uleb128(len(raw)) + raw + struct.pack("<HH", s, i)


def decode_sliver_bcs(buf: Buffer) -> SliverData:
    """Parse :func:`encode_sliver_bcs` output (strict: nothing trailing, a
    nonzero symbol size that divides the data length)."""
    reader = Reader(_as_bytes(buf, "buf"), "SliverData BCS")
    n = reader.uleb128()
    data = reader.take(n)
    s = reader.u16()
    i = reader.u16()
    reader.finish()
    if s == 0:
        raise InvalidInputError("SliverData BCS: symbol size 0")
    if n % s:
        raise InvalidInputError(f"SliverData BCS: length {n} is not a multiple of symbol size {s}")
    return SliverData(data, s, i)


# ---- pair <-> shard rotation (format §6) ----------------------------------------


def rotation_offset(blob_id: BlobIdLike | str, n_shards: int) -> int:
    """(blob ID as a 256-bit big-endian integer) mod n."""
    n = check_int(n_shards, "n_shards", 1)
    return int.from_bytes(_blob_id_bytes(blob_id), "big") % n


def shard_index_for_pair(pair_index: int, blob_id: BlobIdLike | str, n_shards: int) -> int:
    """Shard that stores sliver pair ``pair_index``: (i + offset) mod n."""
    off = rotation_offset(blob_id, n_shards)
    i = check_int(pair_index, "pair_index", 0, n_shards - 1)
    return (i + off) % n_shards


def pair_index_for_shard(shard_index: int, blob_id: BlobIdLike | str, n_shards: int) -> int:
    """Sliver pair stored by shard ``shard_index``: (t − offset) mod n."""
    off = rotation_offset(blob_id, n_shards)
    t = check_int(shard_index, "shard_index", 0, n_shards - 1)
    return (t - off) % n_shards


_T = TypeVar("_T")


def pairs_by_shard(pairs: Sequence[_T], blob_id: BlobIdLike | str) -> list[_T]:
    """Rotate a list of the n pairs (pair order) right by the offset, so that
    list position = shard index."""
    n = len(pairs)
    off = rotation_offset(blob_id, n)
    return [pairs[(t - off) % n] for t in range(n)]


__all__ = [
    "BLOB_ID_LEN",
    "ENCODING_TYPE_RS2",
    "MAX_SYMBOL_SIZE",
    "BlobId",
    "BlobMetadata",
    "SliverData",
    "SliverPairMetadata",
    "decode_sliver_bcs",
    "encode_sliver_bcs",
    "max_blob_size",
    "pair_index_for_shard",
    "pairs_by_shard",
    "rotation_offset",
    "shard_index_for_pair",
    "source_symbols",
]
