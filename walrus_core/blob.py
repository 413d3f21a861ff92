"""RedStuff in two dimensions (Walrus RS2; spec §2, §4-§7).

* :func:`compute_metadata` / :func:`blob_id`: the commitments only (memory:
  the input plus about half of it for the row parity).
* :func:`encode` / :func:`encode_into`: metadata plus every sliver pair;
  ``encode_into`` writes the slivers into caller buffers (e.g. ``numpy.memmap``
  files) so nothing has to stay in RAM.
* :func:`decode`: the blob from any ``p`` primary or ``s`` secondary slivers,
  each verified against the metadata first.
* :func:`recovery_symbol` / :func:`recover_sliver`: rebuild a lost sliver from
  symbols of other nodes, each with a Merkle proof; an
  :class:`InconsistencyProof` when the result contradicts the metadata.

All heavy work runs in the C core with the GIL released, on ``threads``
native threads (``None``: every core, ``1``: the caller's thread).
"""

from __future__ import annotations

import logging
import mmap
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from . import _native
from ._bcs import Reader, as_bytes, uleb128
from .config import EncodingConfig
from .errors import (
    InconsistentBlobError,
    InvalidBufferError,
    InvalidInputError,
    InvalidProofError,
    NotEnoughShardsError,
    VerificationError,
)
from .merkle import MerkleProof, MerkleTree, node_bcs, read_node_bcs
from .metadata import BlobId, BlobMetadata, decode_sliver_bcs

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = [
    "DecodeResult",
    "EncodedBlob",
    "InconsistencyProof",
    "RecoverySymbol",
    "Sliver",
    "SliverKind",
    "SliverPair",
    "blob_id",
    "compute_metadata",
    "decode",
    "decode_verbose",
    "encode",
    "encode_into",
    "encode_to",
    "iter_pairs",
    "output_sizes",
    "recover_sliver",
    "recovery_symbol",
    "recovery_symbols",
    "verify_sliver",
    "verify_slivers",
]

log = logging.getLogger("walrus_core.blob")

SliverKind = Literal["primary", "secondary"]
_AXIS = {"primary": 0, "secondary": 1}
_CHECKS = ("default", "strict", "skip")


def _kind(kind: str) -> SliverKind:
    if kind == "primary":
        return "primary"
    if kind == "secondary":
        return "secondary"
    raise InvalidInputError(f"sliver kind must be 'primary' or 'secondary', not {kind!r}")


def _other(kind: SliverKind) -> SliverKind:
    return "secondary" if kind == "primary" else "primary"


def _byte_len(data: Buffer) -> int:
    try:
        return memoryview(data).nbytes
    except (TypeError, ValueError, BufferError):
        raise InvalidBufferError(f"data must be a bytes-like object, not {type(data).__name__}") from None


def _wire_bytes(buf: Buffer) -> bytes:
    return as_bytes(buf, "wire bytes")


def _read_kind(reader: Reader) -> SliverKind:
    tag = reader.u8()
    if tag > 1:
        raise InvalidInputError(f"unknown sliver kind tag {tag}")
    return "primary" if tag == 0 else "secondary"


def _u16(value: object, what: str, *, maximum: int = 0xFFFF) -> int:
    """An int in 0..maximum (indices and sizes travel as LE16 on the wire)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{what} must be an int, not {type(value).__name__}")
    if not 0 <= value <= maximum:
        raise InvalidInputError(f"{what} must be in 0..{maximum}, got {value}")
    return value


def _metadata(metadata: object) -> BlobMetadata:
    if not isinstance(metadata, BlobMetadata):
        raise InvalidInputError(f"metadata must be a BlobMetadata, not {type(metadata).__name__}")
    return metadata


def _items(values: Any, what: str) -> list[Any]:
    if isinstance(values, (str, bytes, bytearray, memoryview)):
        raise InvalidInputError(f"{what} must be an iterable of objects, not {type(values).__name__}")
    try:
        return list(values)
    except TypeError:
        raise InvalidInputError(f"{what} must be iterable, not {type(values).__name__}") from None


# ---- metadata access --------------------------------------------------------


def _n_shards(metadata: BlobMetadata) -> int:
    return int(metadata.n_shards)


def _hash_of(metadata: BlobMetadata, kind: SliverKind, index: int) -> bytes:
    """The committed root of primary sliver `index` (row) or secondary sliver
    `index` (column; stored in pair n-1-index)."""
    flat = metadata.pair_hashes_bytes()
    if kind == "primary":
        return bytes(flat[64 * index : 64 * index + 32])
    j = _n_shards(metadata) - 1 - index
    return bytes(flat[64 * j + 32 : 64 * j + 64])


def _config_of(metadata: BlobMetadata) -> tuple[EncodingConfig, int]:
    cfg = EncodingConfig(_n_shards(_metadata(metadata)))
    return cfg, cfg.symbol_size(int(metadata.unencoded_length))


# ---- slivers ----------------------------------------------------------------


class Sliver(_native.SliverBuffer):
    """One sliver: the symbols of a row (primary) or a column (secondary) of
    the message matrix. Exposes its bytes through the buffer protocol
    (``bytes(sliver)``, ``memoryview(sliver)``) without copying."""

    index: int
    symbol_size: int
    kind: SliverKind

    def __init__(self, data: Buffer, index: int, symbol_size: int, kind: str) -> None:
        _u16(symbol_size, "symbol size", maximum=65534)
        _u16(index, "sliver index")
        if symbol_size < 2 or symbol_size % 2:
            raise InvalidInputError(f"symbol size must be even and at least 2, got {symbol_size}")
        if len(self) % symbol_size:
            raise InvalidInputError(
                f"sliver of {len(self)} bytes is not a whole number of {symbol_size}-byte symbols"
            )
        if index < 0:
            raise InvalidInputError(f"sliver index must be non-negative, got {index}")
        self.index = index
        self.symbol_size = symbol_size
        self.kind = _kind(kind)

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


@dataclass(frozen=True)
class EncodedBlob:
    """The metadata and the n sliver pairs of one blob."""

    metadata: BlobMetadata
    pairs: list[SliverPair]
    symbol_size: int

    @property
    def blob_id(self) -> BlobId:
        return self.metadata.blob_id

    def primary_slivers(self) -> list[Sliver]:
        return [p.primary for p in self.pairs]

    def secondary_slivers(self) -> list[Sliver]:
        """Secondary slivers in index order (pair n-1-j holds sliver j)."""
        return [p.secondary for p in reversed(self.pairs)]


# ---- encoding -----------------------------------------------------------------


def _metadata_from_roots(length: int, row_roots: bytes, col_roots: bytes, bid: bytes) -> BlobMetadata:
    n = len(row_roots) // 32
    flat = b"".join(
        row_roots[32 * i : 32 * i + 32] + col_roots[32 * (n - 1 - i) : 32 * (n - i)] for i in range(n)
    )
    md = BlobMetadata(length, flat)
    if bytes(md.blob_id) != bid:  # pragma: no cover - two independent computations disagree
        raise AssertionError("blob ID of the C core and of BlobMetadata differ")
    return md


def _is_file_object(obj: object) -> bool:
    """A readable object that is not a buffer (mmap, for one, is both)."""
    if not hasattr(obj, "read"):
        return False
    try:
        memoryview(obj)  # type: ignore[arg-type]
    except TypeError:
        return True
    return False


def _check_n(n_shards: int) -> EncodingConfig:
    return EncodingConfig(n_shards)


def compute_metadata(
    data: Buffer, n_shards: int, *, threads: int | None = None, memory: int | None = None
) -> BlobMetadata:
    """The blob's metadata (pair hashes, blob ID) without keeping slivers.

    ``data`` is any contiguous buffer (bytes, mmap, numpy memmap...) and is
    read in place; a path or a binary file object, or a ``memory`` budget in
    bytes, goes through :func:`walrus_core.stream.compute_metadata` (bounded
    memory, same bytes). Raises a ValueError subclass for n_shards < 4 or a
    blob too large for n_shards."""
    cfg = _check_n(n_shards)
    if memory is not None or isinstance(data, os.PathLike) or _is_file_object(data):
        from . import stream  # stream builds on this module

        return stream.compute_metadata(
            data, n_shards, threads=threads, memory=stream.DEFAULT_MEMORY if memory is None else memory
        )
    length = _byte_len(data)
    if cfg.symbol_size(length) == 2 and n_shards >= 64:
        from . import stream  # exact zero-padding shortcuts, same bytes

        return stream.compute_metadata(data, n_shards, threads=threads)
    rr, cr, bid = _native.blob_encode(data, n_shards, threads)
    return _metadata_from_roots(length, rr, cr, bid)


def blob_id(data: Buffer, n_shards: int, *, threads: int | None = None, memory: int | None = None) -> BlobId:
    """The blob ID of ``data`` (a buffer, path or binary file object) for ``n_shards`` shards."""
    return compute_metadata(data, n_shards, threads=threads, memory=memory).blob_id


def _pairs_from_buffers(
    n: int,
    p: int,
    s: int,
    size: int,
    primary: memoryview,
    secondary: memoryview,
    row0: int = 0,
    data: memoryview | None = None,
) -> list[SliverPair]:
    pairs = []
    for i in range(n):
        j = n - 1 - i
        if i < row0:
            assert data is not None
            prim = Sliver(data[i * s * size : (i + 1) * s * size], i, size, "primary")
        else:
            prim = Sliver(primary[(i - row0) * s * size : (i - row0 + 1) * s * size], i, size, "primary")
        sec = Sliver(secondary[j * p * size : (j + 1) * p * size], j, size, "secondary")
        pairs.append(SliverPair(i, prim, sec))
    return pairs


def output_sizes(length: int, n_shards: int) -> tuple[int, int]:
    """Bytes :func:`encode_into` needs for (all primary, all secondary) slivers."""
    cfg = _check_n(n_shards)
    size = cfg.symbol_size(length)
    n, p, s = cfg.n_shards, cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols
    return n * s * size, n * p * size


def encode_into(
    data: Buffer,
    n_shards: int,
    primary_out: Buffer,
    secondary_out: Buffer,
    *,
    threads: int | None = None,
) -> EncodedBlob:
    """Encode, writing every sliver into caller buffers (writable, exactly
    :func:`output_sizes` bytes each): primary sliver i at ``i*s*S``, secondary
    sliver j at ``j*p*S``. With memory-mapped files as outputs the slivers go
    to disk as they are produced. The returned slivers are views into them."""
    cfg = _check_n(n_shards)
    length = _byte_len(data)
    size = cfg.symbol_size(length)
    if primary_out is None or secondary_out is None:
        raise InvalidBufferError("encode_into needs writable primary_out and secondary_out buffers")
    rr, cr, bid = _native.blob_encode(data, n_shards, threads, primary_out, secondary_out)
    md = _metadata_from_roots(length, rr, cr, bid)
    pv = memoryview(primary_out).cast("B")
    sv = memoryview(secondary_out).cast("B")
    pairs = _pairs_from_buffers(
        n_shards, cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols, size, pv, sv
    )
    return EncodedBlob(md, pairs, size)


def encode(data: Buffer, n_shards: int, *, threads: int | None = None) -> EncodedBlob:
    """Metadata and all n sliver pairs. The systematic primary slivers (whole
    rows of the input) are zero-copy views of ``data``, which must therefore
    stay unchanged while the slivers are in use; the others share two new
    buffers."""
    cfg = _check_n(n_shards)
    length = _byte_len(data)
    size = cfg.symbol_size(length)
    n, p, s = cfg.n_shards, cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols
    row0 = min(length // (s * size), p)
    # not zeroed: the encoder writes every byte
    primary = _native.output_bytearray((n - row0) * s * size)
    secondary = _native.output_bytearray(n * p * size)
    rr, cr, bid = _native.blob_encode(data, n_shards, threads, primary, secondary, row0)
    md = _metadata_from_roots(length, rr, cr, bid)
    view = memoryview(data).cast("B") if row0 else None
    pairs = _pairs_from_buffers(n, p, s, size, memoryview(primary), memoryview(secondary), row0, view)
    return EncodedBlob(md, pairs, size)


def encode_to(
    data: Buffer,
    n_shards: int,
    sink: Callable[[SliverPair], object],
    *,
    threads: int | None = None,
    tmpdir: str | None = None,
) -> BlobMetadata:
    """Encode and hand every pair to ``sink(pair)`` in pair order, without
    holding the slivers in anonymous memory: they are written to two
    memory-mapped temporary files (page cache, evictable) that are deleted
    afterwards. The pairs passed to ``sink`` are only valid during the call
    (copy with ``bytes(...)``/``to_bcs()`` to keep them)."""
    cfg = _check_n(n_shards)
    length = _byte_len(data)
    psize, ssize = output_sizes(length, cfg.n_shards)
    with tempfile.TemporaryFile(dir=tmpdir) as pf, tempfile.TemporaryFile(dir=tmpdir) as sf:
        pf.truncate(psize)
        sf.truncate(ssize)
        with mmap.mmap(pf.fileno(), psize) as pm, mmap.mmap(sf.fileno(), ssize) as sm:
            enc = encode_into(data, n_shards, pm, sm, threads=threads)
            for pair in enc.pairs:
                sink(pair)
            md = enc.metadata
            del enc, pair
    return md


def iter_pairs(encoded: EncodedBlob) -> Iterator[SliverPair]:
    """The pairs of an encoded blob, one at a time (for writing out)."""
    yield from encoded.pairs


# ---- verification -------------------------------------------------------------


def _line_roots(
    n: int, size: int, kind: SliverKind, slivers: Sequence[Buffer], threads: int | None = None
) -> list[bytes]:
    if not slivers:
        return []
    roots, _, _ = _native.blob_line_roots(n, size, _AXIS[kind], list(slivers), threads)
    return [roots[32 * i : 32 * i + 32] for i in range(len(slivers))]


def _sliver_problem(sliver: Sliver, cfg: EncodingConfig, size: int) -> str | None:
    n = cfg.n_shards
    if not 0 <= sliver.index < n:
        return f"index {sliver.index} out of range 0..{n - 1}"
    if sliver.symbol_size != size:
        return f"symbol size {sliver.symbol_size}, expected {size}"
    k = cfg.n_secondary_source_symbols if sliver.kind == "primary" else cfg.n_primary_source_symbols
    if len(sliver) != k * size:
        return f"{len(sliver)} bytes, expected {k * size}"
    return None


def verify_sliver(sliver: Sliver, metadata: BlobMetadata) -> None:
    """Check a sliver against the metadata (index, size, and the Merkle root
    of its re-expanded line). Raises :class:`VerificationError`."""
    if not isinstance(sliver, Sliver):
        raise InvalidInputError(f"sliver must be a Sliver, not {type(sliver).__name__}")
    (problem,) = verify_slivers([sliver], metadata, threads=1)
    if problem:
        raise VerificationError(problem)


def verify_slivers(
    slivers: Iterable[Sliver], metadata: BlobMetadata, *, threads: int | None = None
) -> list[str | None]:
    """Check many slivers against the metadata at once: the re-expansion and
    hashing of every line runs in native threads (``threads``: None for all
    cores), the GIL released. Returns, per sliver in order, ``None`` when it
    verifies and otherwise what is wrong with it (as :func:`verify_sliver`
    would raise)."""
    items = _items(slivers, "slivers")
    for s in items:
        if not isinstance(s, Sliver):
            raise InvalidInputError(f"slivers must be Sliver objects, not {type(s).__name__}")
    cfg, size = _config_of(metadata)
    out: list[str | None] = [None] * len(items)
    for kind in ("primary", "secondary"):
        todo: list[int] = []
        for i, s in enumerate(items):
            if s.kind != kind:
                continue
            problem = _sliver_problem(s, cfg, size)
            if problem:
                out[i] = f"{kind} sliver {s.index}: {problem}"
            else:
                todo.append(i)
        roots = _line_roots(cfg.n_shards, size, kind, [items[i] for i in todo], threads)
        for i, root in zip(todo, roots):
            if root != _hash_of(metadata, kind, items[i].index):
                out[i] = f"{kind} sliver {items[i].index}: hash does not match the metadata"
    return out


# ---- decoding -----------------------------------------------------------------


@dataclass
class DecodeResult:
    """What :func:`decode_verbose` did: the blob, the sliver indices it used,
    and the slivers it dropped with the reason."""

    data: bytes
    kind: SliverKind
    used: list[int]
    dropped: list[tuple[SliverKind, int, str]] = field(default_factory=list)


def _select_verified(
    slivers: Sequence[Sliver],
    metadata: BlobMetadata,
    kind: SliverKind,
    need: int,
    dropped: list[tuple[SliverKind, int, str]],
    threads: int | None,
) -> list[Sliver]:
    """First `need` distinct slivers of `kind` that pass verification.

    A duplicate index is only set aside, not discarded: if the first sliver
    with that index fails its hash check, a later one may still be genuine
    (a forged copy must not be able to hide the real sliver)."""
    cfg, size = _config_of(metadata)
    good: list[Sliver] = []
    claimed: set[int] = set()
    set_aside: dict[int, list[Sliver]] = {}
    pending = [s for s in slivers if s.kind == kind]
    pending.reverse()  # pop() from the end keeps the caller's order
    while len(good) < need and pending:
        batch: list[Sliver] = []
        while pending and len(batch) < need - len(good):
            s = pending.pop()
            problem = _sliver_problem(s, cfg, size)
            if problem:
                dropped.append((kind, s.index, problem))
            elif s.index in claimed:
                set_aside.setdefault(s.index, []).append(s)
            else:
                claimed.add(s.index)
                batch.append(s)
        roots = _line_roots(cfg.n_shards, size, kind, batch, threads)
        for s, root in zip(batch, roots):
            if root == _hash_of(metadata, kind, s.index):
                good.append(s)
            else:
                claimed.discard(s.index)
                dropped.append((kind, s.index, "hash does not match the metadata"))
                pending.extend(reversed(set_aside.pop(s.index, [])))
    return good


def decode_verbose(
    slivers: Iterable[Sliver | SliverPair],
    metadata: BlobMetadata,
    *,
    check: str = "default",
    threads: int | None = None,
) -> DecodeResult:
    """Like :func:`decode`, also reporting which slivers were used/dropped."""
    if check not in _CHECKS:
        raise InvalidInputError(f"check must be one of {_CHECKS}, not {check!r}")
    cfg, _ = _config_of(metadata)
    n, p, s = cfg.n_shards, cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols
    length = int(metadata.unencoded_length)
    items: list[Sliver] = []
    for it in _items(slivers, "slivers"):
        if isinstance(it, SliverPair):
            items += [it.primary, it.secondary]
        elif isinstance(it, Sliver):
            items.append(it)
        else:
            raise InvalidInputError(f"decode takes Sliver (or SliverPair) objects, not {type(it).__name__}")
    dropped: list[tuple[SliverKind, int, str]] = []
    kind: SliverKind = "primary"
    good = _select_verified(items, metadata, "primary", p, dropped, threads)
    if len(good) < p:
        sec = _select_verified(items, metadata, "secondary", s, dropped, threads)
        if len(sec) >= s:
            kind, good = "secondary", sec
        else:
            for k_, i_, why in dropped:
                log.warning("dropped %s sliver %d: %s", k_, i_, why)
            raise NotEnoughShardsError(
                f"need {p} valid primary or {s} valid secondary slivers; have {len(good)} primary, "
                f"{len(sec)} secondary ({len(dropped)} dropped: {dropped[:5]})"
            )
    for k_, i_, why in dropped:
        log.warning("dropped %s sliver %d: %s", k_, i_, why)
    indices = [g.index for g in good]
    # "default": the systematic primary slivers not given are re-derived from
    # the decoded message and their hashes compared with the metadata
    given = set(indices) if kind == "primary" else set()
    rows = [r for r in range(p) if r not in given] if check == "default" else []
    want = b"".join(_hash_of(metadata, "primary", r) for r in rows)
    data, bad = _native.blob_decode(n, length, _AXIS[kind], indices, list(good), threads, rows, want)
    if bad >= 0:
        raise InconsistentBlobError(
            f"decoded primary sliver {bad} does not match the metadata: the blob is inconsistently encoded"
        )
    if check == "strict":
        md = compute_metadata(data, n, threads=threads)
        if bytes(md.blob_id) != bytes(metadata.blob_id):
            raise InconsistentBlobError("re-encoding the decoded blob gives a different blob ID")
    return DecodeResult(data, kind, indices, dropped)


def decode(
    slivers: Iterable[Sliver | SliverPair],
    metadata: BlobMetadata,
    *,
    check: str = "default",
    threads: int | None = None,
) -> bytes:
    """The blob from any ``p`` primary (or ``s`` secondary) slivers.

    Every sliver is verified against ``metadata`` first; bad ones are dropped
    (logged on ``walrus_core.blob``; :func:`decode_verbose` returns them).
    ``check``: ``"default"`` recomputes the hashes of the systematic primary
    slivers not given, ``"strict"`` recomputes the whole metadata, ``"skip"``
    does neither (spec §7). Raises :class:`NotEnoughShardsError` with too few
    good slivers and :class:`InconsistentBlobError` when a check fails."""
    return decode_verbose(slivers, metadata, check=check, threads=threads).data


# ---- recovery -----------------------------------------------------------------


@dataclass(frozen=True)
class RecoverySymbol:
    """Symbol ``X[row][col]`` sent to rebuild sliver ``target_index`` of
    ``kind`` (the kind of the sliver being rebuilt). For a primary target t
    it comes from secondary sliver ``source_index`` = j (``X[t][j]``, proof
    against column j's root); for a secondary target c from primary sliver
    ``source_index`` = i (``X[i][c]``, proof against row i's root)."""

    source_index: int
    target_index: int
    kind: SliverKind
    data: bytes
    proof: tuple[bytes, ...]

    def __post_init__(self) -> None:
        _u16(self.source_index, "source index")
        _u16(self.target_index, "target index")
        object.__setattr__(self, "kind", _kind(self.kind))
        object.__setattr__(self, "data", _wire_bytes(self.data))
        proof = tuple(_wire_bytes(node) for node in _items(self.proof, "proof"))
        if any(len(node) != 32 for node in proof) or len(proof) > 64:
            raise InvalidInputError("proof must be at most 64 nodes of 32 bytes")
        object.__setattr__(self, "proof", proof)

    def verify(self, metadata: BlobMetadata) -> bool:
        """True when the symbol is committed to by ``metadata``; raises
        :class:`InvalidProofError` otherwise."""
        cfg, size = _config_of(metadata)
        n = cfg.n_shards
        if not (0 <= self.source_index < n and 0 <= self.target_index < n):
            raise InvalidProofError("recovery symbol index out of range")
        if len(self.data) != size:
            raise InvalidProofError(f"recovery symbol has {len(self.data)} bytes, expected {size}")
        root = _hash_of(metadata, _other(self.kind), self.source_index)
        proof = MerkleProof(self.proof)
        if not proof.verify(self.data, self.target_index, root, n_leaves=n):
            raise InvalidProofError(
                f"recovery symbol {self.source_index}->{self.kind} {self.target_index}: proof does not verify"
            )
        return True

    def is_valid(self, metadata: BlobMetadata) -> bool:
        try:
            self.verify(metadata)
        except InvalidProofError:
            return False
        return True

    def to_bytes(self) -> bytes:
        """kind byte (0 primary, 1 secondary) || LE16(target) || DecodingSymbol
        (LE16(source) || uleb128(len) || data) || proof (uleb128(count) ||
        nodes, 0x00 for the zero node or 0x01 || 32 bytes)."""
        out = bytearray([_AXIS[self.kind]])
        out += self.target_index.to_bytes(2, "little")
        out += self.source_index.to_bytes(2, "little") + uleb128(len(self.data)) + self.data
        out += uleb128(len(self.proof))
        for node in self.proof:
            out += node_bcs(node)
        return bytes(out)

    @classmethod
    def from_bytes(cls, buf: Buffer) -> RecoverySymbol:
        reader = Reader(_wire_bytes(buf), "recovery symbol")
        kind = _read_kind(reader)
        target = reader.u16()
        source = reader.u16()
        data = reader.take(reader.uleb128())
        count = reader.uleb128()
        if count > 64:
            raise InvalidInputError("recovery symbol proof too long")
        nodes = [read_node_bcs(reader) for _ in range(count)]
        reader.finish()
        return cls(source, target, kind, data, tuple(nodes))


def recovery_symbols(
    source: Sliver,
    metadata: BlobMetadata | None = None,
    targets: Iterable[int] | None = None,
    *,
    n_shards: int | None = None,
) -> list[RecoverySymbol]:
    """Recovery symbols from one sliver for several targets (default: all n)
    of the other kind; the line is expanded and hashed once. Give the
    metadata (the source sliver is then checked for size) or n_shards."""
    if not isinstance(source, Sliver):
        raise InvalidInputError(f"source must be a Sliver, not {type(source).__name__}")
    if metadata is not None:
        cfg, size = _config_of(metadata)
        problem = _sliver_problem(source, cfg, size)
        if problem:
            raise InvalidInputError(f"source sliver: {problem}")
        n = cfg.n_shards
    elif n_shards is not None:
        cfg = EncodingConfig(n_shards)
        k = cfg.n_secondary_source_symbols if source.kind == "primary" else cfg.n_primary_source_symbols
        if source.n_symbols != k or not 0 <= source.index < n_shards:
            raise InvalidInputError(f"source sliver does not fit n_shards={n_shards}")
        n = n_shards
        size = source.symbol_size
    else:
        raise InvalidInputError("recovery_symbols needs the metadata or n_shards")
    _, expanded, leaves = _native.blob_line_roots(n, size, _AXIS[source.kind], [source], 1, True, True)
    assert expanded is not None and leaves is not None
    if targets is None:
        wanted = list(range(n))
    else:
        wanted = [_u16(t, "target index") for t in _items(targets, "targets")]
    for t in wanted:
        if not 0 <= t < n:
            raise InvalidInputError(f"target index {t} out of range 0..{n - 1}")
    tree = MerkleTree.from_leaf_hashes(leaves)  # built once, O(log n) per proof
    kind = _other(source.kind)
    out = []
    for t in wanted:
        proof = tree.proof(t).path
        out.append(RecoverySymbol(source.index, t, kind, expanded[t * size : (t + 1) * size], proof))
    return out


def recovery_symbol(
    source: Sliver, target_index: int, metadata: BlobMetadata | None = None, *, n_shards: int | None = None
) -> RecoverySymbol:
    """The symbol a node holding ``source`` sends to rebuild sliver
    ``target_index`` of the other kind, with its Merkle proof."""
    return recovery_symbols(source, metadata, [target_index], n_shards=n_shards)[0]


@dataclass(frozen=True)
class InconsistencyProof:
    """Recovery symbols that all verify against the metadata, yet decode to a
    sliver whose hash differs from it: proof that the blob was encoded
    inconsistently (spec §6)."""

    kind: SliverKind
    target_index: int
    symbols: tuple[RecoverySymbol, ...]

    def verify(self, metadata: BlobMetadata) -> bool:
        """True if the proof is valid against ``metadata``; raises
        :class:`InvalidProofError` otherwise."""
        cfg, size = _config_of(metadata)
        need = cfg.n_secondary_source_symbols if self.kind == "primary" else cfg.n_primary_source_symbols
        if len(self.symbols) != need or len({s.source_index for s in self.symbols}) != need:
            raise InvalidProofError(f"an inconsistency proof needs exactly {need} distinct symbols")
        for sym in self.symbols:
            if sym.kind != self.kind or sym.target_index != self.target_index:
                raise InvalidProofError("symbol for another target in the inconsistency proof")
            sym.verify(metadata)
        line = _native.blob_recover_line(
            cfg.n_shards,
            size,
            _AXIS[self.kind],
            [s.source_index for s in self.symbols],
            [s.data for s in self.symbols],
        )
        (root,) = _line_roots(cfg.n_shards, size, self.kind, [line], 1)
        if root == _hash_of(metadata, self.kind, self.target_index):
            raise InvalidProofError("the symbols decode to the committed sliver: no inconsistency")
        return True

    def to_bytes(self) -> bytes:
        out = bytearray([_AXIS[self.kind]]) + self.target_index.to_bytes(2, "little")
        out += uleb128(len(self.symbols))
        for sym in self.symbols:
            b = sym.to_bytes()
            out += uleb128(len(b)) + b
        return bytes(out)

    @classmethod
    def from_bytes(cls, buf: Buffer) -> InconsistencyProof:
        reader = Reader(_wire_bytes(buf), "inconsistency proof")
        kind = _read_kind(reader)
        target = reader.u16()
        syms = [RecoverySymbol.from_bytes(reader.take(reader.uleb128())) for _ in range(reader.uleb128())]
        reader.finish()
        return cls(kind, target, tuple(syms))


def recover_sliver(
    symbols: Iterable[RecoverySymbol], metadata: BlobMetadata, kind: str, target_index: int
) -> Sliver:
    """Rebuild sliver ``target_index`` of ``kind`` from recovery symbols
    (s for a primary sliver, p for a secondary one). Symbols for another
    target, with bad proofs or duplicate sources are dropped. Raises
    :class:`NotEnoughShardsError` with too few good symbols and
    :class:`InconsistentBlobError` (with ``.proof``, an
    :class:`InconsistencyProof`) when they decode to a sliver that does not
    match the metadata."""
    k_ = _kind(kind)
    cfg, size = _config_of(metadata)
    n = cfg.n_shards
    _u16(target_index, "target index")
    if not 0 <= target_index < n:
        raise InvalidInputError(f"target index {target_index} out of range 0..{n - 1}")
    need = cfg.n_secondary_source_symbols if k_ == "primary" else cfg.n_primary_source_symbols
    good: list[RecoverySymbol] = []
    seen: set[int] = set()
    for sym in _items(symbols, "symbols"):
        if not isinstance(sym, RecoverySymbol):
            raise InvalidInputError(f"symbols must be RecoverySymbol objects, not {type(sym).__name__}")
        if len(good) >= need:
            break
        if sym.kind != k_ or sym.target_index != target_index or sym.source_index in seen:
            continue
        if not sym.is_valid(metadata):
            log.warning("dropped recovery symbol from %d: proof does not verify", sym.source_index)
            continue
        seen.add(sym.source_index)
        good.append(sym)
    if len(good) < need:
        raise NotEnoughShardsError(f"need {need} verified recovery symbols, have {len(good)}")
    line = _native.blob_recover_line(
        n, size, _AXIS[k_], [s.source_index for s in good], [s.data for s in good]
    )
    (root,) = _line_roots(n, size, k_, [line], 1)
    if root != _hash_of(metadata, k_, target_index):
        err = InconsistentBlobError(
            f"recovered {k_} sliver {target_index} does not match the metadata: "
            "the blob is inconsistently encoded"
        )
        setattr(err, "proof", InconsistencyProof(k_, target_index, tuple(good)))  # noqa: B010
        raise err
    return Sliver(line, target_index, size, k_)
