"""Reading a quilt back (spec walrus-quilt.md §9): the index, then one patch,
from the secondary slivers of just those columns (each verified against the
blob's metadata) or from the whole decoded blob."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

from .. import _native
from ..config import EncodingConfig
from ..errors import NotEnoughShardsError, VerificationError
from ..metadata import BlobId, BlobMetadata
from ..sliver import Sliver, verify_slivers
from .errors import CorruptQuiltError, InvalidPatchIdError, PatchNotFoundError, QuiltTypeError
from .format import (
    META_PREFIX_LEN,
    IndexEntry,
    PatchContent,
    index_length,
    parse_index,
    parse_patch,
)
from .patch_id import PATCH_ID_LEN, PatchId

if TYPE_CHECKING:
    from typing_extensions import Buffer

# (first column, count) -> those columns' bytes, concatenated
ColumnSource = Callable[[int, int], bytes]
PatchKey = Union[PatchId, str, bytes]
SliverSource = Union[Iterable[Sliver], Mapping[int, Sliver], Callable[[list[int]], Iterable[Sliver]]]


@dataclass(frozen=True)
class QuiltIndex:
    """The quilt's patches in quilt order, and the columns the index takes."""

    entries: list[IndexEntry]
    index_columns: int

    def find(self, identifier: str) -> IndexEntry | None:
        return next((e for e in self.entries if e.identifier == identifier), None)

    def by_range(self, start: int, end: int) -> IndexEntry | None:
        return next((e for e in self.entries if e.start == start and e.end == end), None)

    def by_tag(self, key: str, value: str) -> list[IndexEntry]:
        return [e for e in self.entries if e.tags.get(key) == value]


class QuiltReader:
    """Reads a quilt column by column: the index once, then any patch, asking
    ``columns`` only for the columns it needs (``columns_read`` records them).
    Build one with :meth:`from_blob` or :meth:`from_slivers`."""

    def __init__(
        self, n_shards: int, symbol_size: int, columns: ColumnSource, quilt_id: BlobId | None = None
    ) -> None:
        cfg = EncodingConfig(n_shards)
        self.n_shards = n_shards
        self.n_rows = cfg.n_primary_source_symbols
        self.n_columns = cfg.n_secondary_source_symbols
        self.symbol_size = symbol_size
        self.column_size = self.n_rows * symbol_size
        self.quilt_id = quilt_id
        self.columns_read: set[int] = set()
        self._columns = columns
        self._index: QuiltIndex | None = None

    @classmethod
    def from_blob(cls, blob: Buffer, n_shards: int, quilt_id: BlobId | None = None) -> QuiltReader:
        """A reader over the whole quilt blob (e.g. as decoded from primary slivers)."""
        cfg = EncodingConfig(n_shards)
        p, s = cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols
        try:
            length = memoryview(blob).nbytes
        except (TypeError, ValueError, BufferError):
            raise QuiltTypeError(f"blob must be a bytes-like object, not {type(blob).__name__}") from None
        if not length or length % (p * s):
            raise CorruptQuiltError(
                f"a quilt for n_shards={n_shards} is a non-empty multiple of {p * s} bytes, got {length}"
            )
        S = length // (p * s)

        def columns(first: int, count: int) -> bytes:
            return _native.quilt_columns(blob, p, s, S, first, count)

        return cls(n_shards, S, columns, quilt_id)

    @classmethod
    def from_slivers(cls, slivers: SliverSource, metadata: BlobMetadata) -> QuiltReader:
        """A reader over secondary slivers (secondary sliver j is column j).
        ``slivers``: the slivers at hand (any iterable or a dict by index), or
        a function that fetches a list of sliver indices on demand. Every
        sliver used is verified against ``metadata`` first; one that fails is
        refused (VerificationError), a missing one raises NotEnoughShardsError."""
        if not isinstance(metadata, BlobMetadata):
            raise QuiltTypeError(f"metadata must be a BlobMetadata, not {type(metadata).__name__}")
        n = int(metadata.n_shards)
        cfg = EncodingConfig(n)
        length = int(metadata.unencoded_length)
        S = cfg.symbol_size(length)
        if length != cfg.n_primary_source_symbols * cfg.n_secondary_source_symbols * S:
            raise CorruptQuiltError(f"blob {metadata.blob_id} of {length} bytes is not a quilt (not p*s*S)")
        if callable(slivers):
            fetch = slivers
        else:
            held: dict[int, Sliver] = {}
            for sliver in slivers.values() if isinstance(slivers, Mapping) else slivers:
                if not isinstance(sliver, Sliver):
                    raise QuiltTypeError(f"slivers must be Sliver objects, not {type(sliver).__name__}")
                if sliver.kind == "secondary":
                    held.setdefault(sliver.index, sliver)

            def fetch(indices: list[int]) -> list[Sliver]:
                return [held[j] for j in indices if j in held]

        def columns(first: int, count: int) -> bytes:
            wanted = list(range(first, first + count))
            got = {s.index: s for s in fetch(wanted) if s.kind == "secondary" and s.index in wanted}
            missing = [j for j in wanted if j not in got]
            if missing:
                raise NotEnoughShardsError(
                    f"quilt {metadata.blob_id}: secondary sliver(s) {missing} needed, not available"
                )
            ordered = [got[j] for j in wanted]
            for sliver, problem in zip(ordered, verify_slivers(ordered, metadata)):
                if problem:
                    raise VerificationError(
                        f"quilt {metadata.blob_id}: secondary sliver {sliver.index} refused: {problem}"
                    )
            return b"".join(bytes(x) for x in ordered)

        return cls(n, S, columns, metadata.blob_id)

    def _read(self, first: int, count: int) -> bytes:
        data = self._columns(first, count)
        self.columns_read.update(range(first, first + count))
        return data

    def index(self) -> QuiltIndex:
        """The index (read once: column 0, then the rest of the index columns)."""
        if self._index is None:
            C = self.column_size
            column0 = self._read(0, 1)
            length = index_length(column0, C)
            h = -(-(META_PREFIX_LEN + length) // C)
            if h > self.n_columns:
                raise CorruptQuiltError(f"index of {h} columns exceeds the quilt's {self.n_columns}")
            stream = column0 + (self._read(1, h - 1) if h > 1 else b"")
            body = stream[META_PREFIX_LEN : META_PREFIX_LEN + length]
            self._index = QuiltIndex(parse_index(body, h, self.n_columns), h)
        return self._index

    def entry(self, key: PatchKey) -> IndexEntry:
        """The index entry named by an identifier, a PatchId, its text or its 37 bytes.
        A string is looked up as an identifier first, then parsed as a patch ID."""
        index = self.index()
        if isinstance(key, str):
            found = index.find(key)
            if found is not None:
                return found
            try:
                key = PatchId.from_str(key)
            except InvalidPatchIdError:
                raise PatchNotFoundError(f"no patch with identifier {key!r} in this quilt") from None
        elif isinstance(key, (bytes, bytearray, memoryview)) and len(key) == PATCH_ID_LEN:
            key = PatchId.from_bytes(key)
        if not isinstance(key, PatchId):
            raise QuiltTypeError(f"a patch is named by a PatchId or a str, not {type(key).__name__}")
        if self.quilt_id is not None and key.quilt_id != self.quilt_id:
            raise InvalidPatchIdError(f"patch ID {key} is for quilt {key.quilt_id}, not {self.quilt_id}")
        if key.end > self.n_columns:
            raise InvalidPatchIdError(f"patch ID {key} ends at column {key.end}, beyond {self.n_columns}")
        found = index.by_range(key.start, key.end)
        if found is None:
            raise PatchNotFoundError(f"no patch at columns {key.start}..{key.end} in this quilt")
        return found

    def read_entry(self, entry: IndexEntry) -> PatchContent:
        """A patch read from its own columns, checked against its index entry."""
        content = parse_patch(self._read(entry.start, entry.end - entry.start))
        if content.identifier != entry.identifier or content.tags != entry.tags:
            raise CorruptQuiltError(
                f"patch at columns {entry.start}..{entry.end} holds {content.identifier!r}, "
                f"the index says {entry.identifier!r} (or their tags differ)"
            )
        return content

    def read(self, key: PatchKey) -> bytes:
        """A file's bytes, by identifier or patch ID."""
        return self.read_entry(self.entry(key)).data


def read_index(blob: Buffer, n_shards: int) -> QuiltIndex:
    """The index of a whole quilt blob."""
    return QuiltReader.from_blob(blob, n_shards).index()


def read_patch(blob: Buffer, key: PatchKey, n_shards: int, *, quilt_id: BlobId | None = None) -> bytes:
    """A file's bytes from a whole quilt blob, by identifier or patch ID. With
    ``quilt_id`` (the blob's ID, when the caller knows it) a patch ID of
    another quilt is refused; without it only its column range is used."""
    return QuiltReader.from_blob(blob, n_shards, quilt_id).read(key)


def read_index_from_slivers(slivers: SliverSource, metadata: BlobMetadata) -> QuiltIndex:
    """The index from the secondary slivers of the index columns, each verified."""
    return QuiltReader.from_slivers(slivers, metadata).index()


def read_patch_from_slivers(slivers: SliverSource, metadata: BlobMetadata, key: PatchKey) -> bytes:
    """A file's bytes from secondary slivers (only the index's and the
    patch's are needed), each verified against ``metadata``."""
    return QuiltReader.from_slivers(slivers, metadata).read(key)
