"""Slivers (format §2, §6): :class:`Sliver`, one row (primary) or column
(secondary) of the message matrix, and :class:`SliverPair`; what a sliver
must be for given metadata (:func:`sliver_problem`), and its check against
the committed root of its re-expanded line (:func:`verify_slivers`).

The helpers here (sliver kinds, committed roots, line roots) are shared by
:mod:`walrus_core.blob` and :mod:`walrus_core.recovery`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from . import _native
from ._args import as_list, check_int, resolve_threads
from ._bcs import uleb128
from .config import MAX_SYMBOL_SIZE, EncodingConfig
from .errors import InvalidInputError, VerificationError
from .metadata import BlobMetadata, decode_sliver_bcs

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = ["Sliver", "SliverKind", "SliverPair", "read_sliver", "verify_sliver", "verify_slivers"]

SliverKind = Literal["primary", "secondary"]
#: The axis of the message matrix a sliver kind runs along (the C core's code).
AXIS = {"primary": 0, "secondary": 1}


def sliver_kind(kind: str) -> SliverKind:
    if kind == "primary":
        return "primary"
    if kind == "secondary":
        return "secondary"
    raise InvalidInputError(f"sliver kind must be 'primary' or 'secondary', not {kind!r}")


def other_kind(kind: SliverKind) -> SliverKind:
    return "secondary" if kind == "primary" else "primary"


def check_u16(value: object, what: str) -> int:
    """An index that travels as LE16 on the wire."""
    return check_int(value, what, 0, 0xFFFF)


# ---- metadata access --------------------------------------------------------


def config_of(metadata: BlobMetadata) -> tuple[EncodingConfig, int]:
    """The encoding parameters and the symbol size of the blob ``metadata`` describes."""
    if not isinstance(metadata, BlobMetadata):
        raise InvalidInputError(f"metadata must be a BlobMetadata, not {type(metadata).__name__}")
    cfg = EncodingConfig(metadata.n_shards)
    return cfg, cfg.symbol_size(metadata.unencoded_length)


def committed_root(metadata: BlobMetadata, kind: SliverKind, index: int) -> bytes:
    """The committed root of primary sliver `index` (row) or secondary sliver
    `index` (column; stored in pair n-1-index)."""
    flat = metadata.pair_hashes_bytes()
    if kind == "primary":
        return bytes(flat[64 * index : 64 * index + 32])
    j = metadata.n_shards - 1 - index
    return bytes(flat[64 * j + 32 : 64 * j + 64])


# ---- slivers ----------------------------------------------------------------

_SLIVER_ARGS = ("data", "index", "symbol_size", "kind")


class Sliver(_native.SliverBuffer):
    """One sliver: the symbols of a row (primary) or a column (secondary) of
    the message matrix. Exposes its bytes through the buffer protocol
    (``bytes(sliver)``, ``memoryview(sliver)``) without copying."""

    index: int
    symbol_size: int
    kind: SliverKind

    def __new__(cls, *args: Any, **kwargs: Any) -> Sliver:
        # the native base class would raise a bare TypeError for a wrong call
        if len(args) + len(kwargs) != 4 or not set(kwargs) <= set(_SLIVER_ARGS[len(args) :]):
            raise InvalidInputError("Sliver takes data, index, symbol_size and kind")
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, data: Buffer, index: int, symbol_size: int, kind: str) -> None:
        check_int(symbol_size, "symbol size", 0, MAX_SYMBOL_SIZE)
        check_u16(index, "sliver index")
        if symbol_size < 2 or symbol_size % 2:
            raise InvalidInputError(f"symbol size must be even and at least 2, got {symbol_size}")
        if len(self) % symbol_size:
            raise InvalidInputError(
                f"sliver of {len(self)} bytes is not a whole number of {symbol_size}-byte symbols"
            )
        self.index = index
        self.symbol_size = symbol_size
        self.kind = sliver_kind(kind)

    @property
    def n_symbols(self) -> int:
        return len(self) // self.symbol_size

    def symbol(self, i: int) -> memoryview:
        if not 0 <= i < self.n_symbols:
            raise InvalidInputError(f"symbol index {i} out of range 0..{self.n_symbols - 1}")
        return memoryview(self)[i * self.symbol_size : (i + 1) * self.symbol_size]

    def __bytes__(self) -> bytes:
        return bytes(memoryview(self))

    def to_bcs(self) -> bytes:
        """BCS of ``SliverData``: uleb128(len) || symbols || LE16(S) || LE16(index)."""
        return (
            uleb128(len(self))
            + bytes(self)
            + self.symbol_size.to_bytes(2, "little")
            + self.index.to_bytes(2, "little")
        )

    @classmethod
    def from_bcs(cls, buf: Buffer, kind: str) -> Sliver:
        data, size, index = decode_sliver_bcs(buf)
        return cls(data, index, size, kind)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sliver):
            return NotImplemented
        return (
            self.kind == other.kind
            and self.index == other.index
            and self.symbol_size == other.symbol_size
            and memoryview(self) == memoryview(other)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Sliver(kind={self.kind!r}, index={self.index}, "
            f"symbol_size={self.symbol_size}, bytes={len(self)})"
        )


@dataclass(frozen=True)
class SliverPair:
    """Pair ``index``: primary sliver ``index`` and secondary sliver ``n-1-index``."""

    index: int
    primary: Sliver
    secondary: Sliver

    def to_bcs(self) -> bytes:
        return self.primary.to_bcs() + self.secondary.to_bcs()


# ---- verification -------------------------------------------------------------


def line_roots(n: int, size: int, kind: SliverKind, slivers: Sequence[Buffer], threads: int) -> list[bytes]:
    """The Merkle root of each sliver's re-expanded line, on ``threads`` (>= 1) native threads."""
    if not slivers:
        return []
    roots, _, _ = _native.blob_line_roots(n, size, AXIS[kind], list(slivers), threads)
    return [roots[32 * i : 32 * i + 32] for i in range(len(slivers))]


def sliver_problem(sliver: Sliver, cfg: EncodingConfig, size: int) -> str | None:
    n = cfg.n_shards
    if not 0 <= sliver.index < n:
        return f"index {sliver.index} out of range 0..{n - 1}"
    if sliver.symbol_size != size:
        return f"symbol size {sliver.symbol_size}, expected {size}"
    k = cfg.symbols_per_sliver(sliver.kind)
    if len(sliver) != k * size:
        return f"{len(sliver)} bytes, expected {k * size}"
    return None


def sliver_bcs_size(metadata: BlobMetadata, kind: str) -> int:
    """Bytes in the BCS (SliverData) of any ``kind`` sliver of this blob, as
    a node stores it: uleb128(length) || symbols || LE16(S) || LE16(index)."""
    cfg, size = config_of(metadata)
    length = cfg.symbols_per_sliver(sliver_kind(kind)) * size
    return len(uleb128(length)) + length + 4


def read_sliver(source: Any, kind: str, metadata: BlobMetadata) -> Sliver:
    """The ``kind`` sliver whose BCS (SliverData, as a node stores and sends
    it) is ``source``: a buffer, a file's path, or a binary file object (read
    from where it stands). No more than a ``kind`` sliver of this blob takes
    is read: anything longer, or not SliverData, raises
    :class:`VerificationError`; a missing file raises OSError."""
    limit = sliver_bcs_size(metadata, kind)
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            raw: Any = fh.read(limit + 1)
    elif hasattr(source, "read"):
        raw = source.read(limit + 1)
        if not isinstance(raw, (bytes, bytearray)):
            raise InvalidInputError(f"a sliver file object must be binary, it read {type(raw).__name__}")
    else:
        raw = source
        try:
            memoryview(raw)
        except TypeError:
            raise InvalidInputError(
                f"a sliver is a Sliver, its BCS bytes, a path or a binary file, not {type(source).__name__}"
            ) from None
    if len(memoryview(raw).cast("B")) > limit:
        raise VerificationError(f"{kind} sliver: more than the {limit} bytes of its BCS for this blob")
    try:
        return Sliver.from_bcs(raw, kind)
    except InvalidInputError as exc:
        raise VerificationError(f"{kind} sliver: {exc}") from exc


def verify_sliver(sliver: Any, metadata: BlobMetadata, kind: str | None = None) -> None:
    """Check a sliver against the metadata (index, size, and the Merkle root
    of its re-expanded line). Raises :class:`VerificationError`.

    ``sliver``: a :class:`Sliver`, or its BCS as a node keeps it (a buffer,
    a file's path or a binary file object, see :func:`read_sliver`; SliverData
    does not say its kind: give ``kind``)."""
    if not isinstance(sliver, Sliver):
        if kind is None:
            raise InvalidInputError(
                f"sliver must be a Sliver, or its BCS with a kind, not {type(sliver).__name__} alone"
            )
        sliver = read_sliver(sliver, kind, metadata)
    elif kind is not None and sliver_kind(kind) != sliver.kind:
        raise VerificationError(f"{sliver.kind} sliver {sliver.index} given as a {kind} sliver")
    (problem,) = verify_slivers([sliver], metadata, threads=1)
    if problem:
        raise VerificationError(problem)


def verify_slivers(
    slivers: Iterable[Sliver], metadata: BlobMetadata, *, threads: int | None = None
) -> list[str | None]:
    """Check many slivers against the metadata at once: the re-expansion and
    hashing of every line runs on ``threads`` native threads (None: every
    CPU this process may use), the GIL released. Returns, per sliver in order, ``None`` when it
    verifies and otherwise what is wrong with it (as :func:`verify_sliver`
    would raise)."""
    n_threads = resolve_threads(threads)
    items = as_list(slivers, "slivers")
    for s in items:
        if not isinstance(s, Sliver):
            raise InvalidInputError(f"slivers must be Sliver objects, not {type(s).__name__}")
    cfg, size = config_of(metadata)
    out: list[str | None] = [None] * len(items)
    for kind in ("primary", "secondary"):
        todo: list[int] = []
        for i, s in enumerate(items):
            if s.kind != kind:
                continue
            problem = sliver_problem(s, cfg, size)
            if problem:
                out[i] = f"{kind} sliver {s.index}: {problem}"
            else:
                todo.append(i)
        roots = line_roots(cfg.n_shards, size, kind, [items[i] for i in todo], n_threads)
        for i, root in zip(todo, roots):
            if root != committed_root(metadata, kind, items[i].index):
                out[i] = f"{kind} sliver {items[i].index}: hash does not match the metadata"
    return out
