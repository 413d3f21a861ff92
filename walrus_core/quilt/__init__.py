"""Quilts (Walrus QuiltV1): many small files in one RS2 blob, each readable
alone from a few secondary slivers by its patch ID, byte-compatible with
Walrus's official encoders (spec: walrus-quilt.md).

    from walrus_core import quilt
    q = quilt.encode([quilt.File("a.txt", b"hi", {"type": "text"})], n_shards=1000)
    q.blob, q.quilt_id, q.symbol_size, q.patches      # store q.blob as a blob
    quilt.read_patch(q.blob, q.patches[0].patch_id, 1000)  # -> b"hi"
    quilt.read_patch_from_slivers(slivers, metadata, "a.txt")

Every error is a :class:`QuiltError` (a ValueError); those about one input
file name it.
"""

from __future__ import annotations

from . import errors
from .encode import File, Layout, Patch, Quilt, encode, layout, symbol_size_for
from .errors import (
    CorruptQuiltError,
    DuplicateIdentifierError,
    InvalidIdentifierError,
    InvalidPatchIdError,
    PatchNotFoundError,
    QuiltError,
    QuiltOversizeError,
    QuiltTypeError,
    TagsTooLargeError,
    TooManyPatchesError,
    UnsupportedLayoutError,
)
from .format import IndexEntry, PatchContent
from .patch_id import PatchId
from .read import (
    PatchKey,
    QuiltIndex,
    QuiltReader,
    read_index,
    read_index_from_slivers,
    read_patch,
    read_patch_from_slivers,
)

__all__ = [
    "CorruptQuiltError",
    "DuplicateIdentifierError",
    "File",
    "IndexEntry",
    "InvalidIdentifierError",
    "InvalidPatchIdError",
    "Layout",
    "Patch",
    "PatchContent",
    "PatchId",
    "PatchKey",
    "PatchNotFoundError",
    "Quilt",
    "QuiltError",
    "QuiltIndex",
    "QuiltOversizeError",
    "QuiltReader",
    "QuiltTypeError",
    "TagsTooLargeError",
    "TooManyPatchesError",
    "UnsupportedLayoutError",
    "encode",
    "errors",
    "layout",
    "read_index",
    "read_index_from_slivers",
    "read_patch",
    "read_patch_from_slivers",
    "symbol_size_for",
]
