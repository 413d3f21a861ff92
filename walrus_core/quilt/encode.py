"""Encoding a quilt (spec walrus-quilt.md §3-§8): validate, sort by UTF-8
identifier, choose the symbol size, lay every stream down its columns straight
into the blob buffer (native, one copy per file), and take the blob ID."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import _native
from ..blob import compute_metadata
from ..config import MAX_SYMBOL_SIZE, EncodingConfig
from ..metadata import BlobId, BlobMetadata
from .errors import (
    DuplicateIdentifierError,
    PatchNotFoundError,
    QuiltOversizeError,
    QuiltTypeError,
    TooManyPatchesError,
    UnsupportedLayoutError,
    describe,
)
from .format import (
    MAX_INDEX_COLUMNS,
    META_PREFIX_LEN,
    Tags,
    identifier_bcs,
    index_entry,
    meta_stream,
    patch_header,
    tags_bcs,
)
from .patch_id import PatchId

if TYPE_CHECKING:
    from typing_extensions import Buffer


@dataclass(frozen=True)
class File:
    """One input file: identifier, content (any contiguous buffer, read in
    place) and tags (``None`` or a dict of str to str; ``{}`` is the same as
    ``None``)."""

    identifier: str
    data: Buffer
    tags: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Patch:
    """A file in the quilt: column range ``[start, end)``, its patch ID and
    the header bytes written before its data."""

    identifier: str
    tags: Tags
    start: int
    end: int
    patch_id: PatchId
    header: bytes
    data_length: int


@dataclass(frozen=True)
class Quilt:
    """An encoded quilt: ``blob`` is an ordinary RS2 blob of ``p*s*symbol_size``
    bytes whose blob ID is ``quilt_id``; ``patches`` in quilt order
    (identifiers sorted by UTF-8 bytes)."""

    blob: bytes
    quilt_id: BlobId
    symbol_size: int
    n_shards: int
    patches: list[Patch]
    index: bytes  # the meta stream: 0x01 ‖ LE32(L) ‖ BCS(QuiltIndexV1)
    index_columns: int
    columns_used: int
    metadata: BlobMetadata = field(repr=False)

    def patch(self, key: str | PatchId) -> Patch:
        """The patch with this identifier or patch ID (or its text)."""
        for patch in self.patches:
            if key == patch.identifier or key == patch.patch_id or key == str(patch.patch_id):
                return patch
        raise PatchNotFoundError(f"no patch {key!r} in quilt {self.quilt_id}")

    def read(self, key: str | PatchId) -> bytes:
        """A file's bytes, read back from the quilt blob."""
        from .read import read_patch

        return read_patch(self.blob, key, self.n_shards, quilt_id=self.quilt_id)


@dataclass
class _Entry:
    position: int
    identifier: str
    id_bcs: bytes
    tag_bcs: bytes
    tags: Tags
    data: memoryview
    header: bytes = b""

    @property
    def size(self) -> int:
        return len(self.header) + len(self.data)


def _entry(position: int, item: object) -> _Entry:
    if not isinstance(item, File):
        raise QuiltTypeError(
            f"quilt files must be quilt.File objects, not {type(item).__name__}", position=position
        )
    identifier = item.identifier
    id_bcs = identifier_bcs(identifier, position)
    tag_bcs = tags_bcs(item.tags, position, identifier)
    try:
        data = memoryview(item.data)
        if not data.c_contiguous:
            raise TypeError
        data = data.cast("B")
    except (TypeError, ValueError, BufferError):
        raise QuiltTypeError(
            f"data must be a contiguous bytes-like object, not {type(item.data).__name__}",
            identifier=identifier,
            position=position,
        ) from None
    tags = dict(item.tags) if item.tags else {}
    entry = _Entry(position, identifier, id_bcs, tag_bcs, tags, data)
    try:
        entry.header = patch_header(id_bcs, tag_bcs, len(data))
    except OverflowError:
        raise QuiltOversizeError(
            "file too large: a patch's length must fit 32 bits", identifier=identifier, position=position
        ) from None
    return entry


def _prepare(files: Iterable[File], n_shards: int) -> tuple[EncodingConfig, list[_Entry]]:
    cfg = EncodingConfig(n_shards)
    if isinstance(files, (str, bytes, bytearray, memoryview, Mapping)):
        raise QuiltTypeError(f"files must be a list of quilt.File, not {type(files).__name__}")
    try:
        items = list(files)
    except TypeError:
        raise QuiltTypeError(f"files must be a list of quilt.File, not {type(files).__name__}") from None
    entries = [_entry(i, f) for i, f in enumerate(items)]
    entries.sort(key=lambda e: e.identifier.encode("utf-8"))  # UTF-8 byte order, as Rust
    for a, b in zip(entries, entries[1:]):
        if a.identifier == b.identifier:
            raise DuplicateIdentifierError(
                f"identifier also used by {describe(a.identifier, a.position)}",
                identifier=b.identifier,
                position=max(a.position, b.position),
            )
    max_patches = cfg.n_secondary_source_symbols - 1
    if len(entries) > max_patches:
        first_over = entries[max_patches]  # the first file, in quilt order, with no column left
        raise TooManyPatchesError(
            f"{len(entries)} files; a quilt for n_shards={n_shards} holds at most {max_patches}",
            identifier=first_over.identifier,
            position=first_over.position,
        )
    return cfg, entries


def _columns(size: int, column_size: int) -> int:
    return -(-size // column_size)


def symbol_size_for(sizes: Sequence[int], n_rows: int, n_columns: int) -> int:
    """The smallest even S with (a) sum of ceil(size/(p*S)) <= s, (b) the index
    (sizes[0]) within 10 columns and (c) p*S >= 5 (spec §6); 0 when no S up to
    65534 works."""
    p, s = n_rows, n_columns

    def fits(S: int) -> bool:
        C = p * S
        return sum(-(-m // C) for m in sizes) <= s

    lo = max(1, -(-sum(sizes) // (s * p)), -(-sizes[0] // (MAX_INDEX_COLUMNS * p)), -(-META_PREFIX_LEN // p))
    hi = MAX_SYMBOL_SIZE
    if lo > hi or not fits(hi):
        return 0
    while lo < hi:  # fits() is monotone in S
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo + (lo & 1)


@dataclass(frozen=True)
class Layout:
    """A quilt blob laid out but not yet identified: ``finish`` turns it into a
    :class:`Quilt` once its metadata is known (e.g. from storing ``blob``,
    which computes it anyway)."""

    blob: bytes
    symbol_size: int
    n_shards: int
    index: bytes
    index_columns: int
    columns_used: int
    _entries: list[_Entry] = field(repr=False)
    _ranges: list[tuple[int, int]] = field(repr=False)

    def finish(self, metadata: BlobMetadata) -> Quilt:
        if not isinstance(metadata, BlobMetadata) or metadata.unencoded_length != len(self.blob):
            raise QuiltTypeError("finish() needs the BlobMetadata of this layout's blob")
        quilt_id = metadata.blob_id
        patches = [
            Patch(e.identifier, e.tags, a, b, PatchId(quilt_id, a, b), e.header, len(e.data))
            for e, (a, b) in zip(self._entries, self._ranges)
        ]
        return Quilt(
            self.blob,
            quilt_id,
            self.symbol_size,
            self.n_shards,
            patches,
            self.index,
            self.index_columns,
            self.columns_used,
            metadata,
        )


def layout(files: Iterable[File], n_shards: int) -> Layout:
    """Validate, sort and lay out ``files`` into a quilt blob (spec §3 steps
    1-7), without its blob ID."""
    cfg, entries = _prepare(files, n_shards)
    p, s = cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols
    # End columns are fixed-width, so the index length is known before the layout.
    m0 = len(meta_stream([index_entry(0, e.id_bcs, e.tag_bcs) for e in entries]))
    S = symbol_size_for([m0] + [e.size for e in entries], p, s)
    if not S:
        total = m0 + sum(e.size for e in entries)
        largest = max(entries, key=lambda e: e.size, default=None)  # named: the likeliest culprit
        raise QuiltOversizeError(
            f"{len(entries)} file(s) ({total} bytes with headers; this one is the largest) do not fit "
            f"one blob for n_shards={n_shards}: the symbol size would exceed {MAX_SYMBOL_SIZE}",
            identifier=largest.identifier if largest else None,
            position=largest.position if largest else None,
        )
    C = p * S
    h = _columns(m0, C)
    start = h
    ranges = []
    for e in entries:
        end = start + _columns(e.size, C)
        # Walrus's Rust encoder asserts the column where the data would begin
        # exists, even for no data: it aborts on this input, so we refuse it.
        if not len(e.data) and len(e.header) % C == 0 and end == s:
            raise UnsupportedLayoutError(
                f"empty file whose {len(e.header)}-byte header fills the last column exactly "
                "(Walrus's encoder aborts on this layout)",
                identifier=e.identifier,
                position=e.position,
            )
        ranges.append((start, end))
        start = end
    meta = meta_stream([index_entry(end, e.id_bcs, e.tag_bcs) for e, (_, end) in zip(entries, ranges)])
    # Every byte once: each stream, then zeros to the end of its last column,
    # then zeros in the columns no patch uses.
    pieces: list[tuple[int, int, Any]] = [(0, 0, meta), (0, len(meta), h * C - len(meta))]
    for e, (first, last) in zip(entries, ranges):
        pieces.append((first, 0, e.header))
        pieces.append((first, len(e.header), e.data))
        pieces.append((first, e.size, (last - first) * C - e.size))
    if start < s:
        pieces.append((start, 0, (s - start) * C))
    blob = _native.quilt_layout(p, s, S, pieces)
    return Layout(blob, S, n_shards, meta, h, start, entries, ranges)


def encode(files: Iterable[File], n_shards: int, *, threads: int | None = None) -> Quilt:
    """Encode ``files`` into one QuiltV1 blob for ``n_shards`` shards, byte for
    byte as Walrus does: the blob, its ID (quilt ID), symbol size and every
    patch with its patch ID. Raises a :class:`~walrus_core.quilt.errors.QuiltError`
    (a ValueError) naming the offending file for inputs Walrus refuses."""
    laid = layout(files, n_shards)
    return laid.finish(compute_metadata(laid.blob, n_shards, threads=threads))
