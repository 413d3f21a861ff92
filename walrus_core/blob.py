"""RedStuff in two dimensions (Walrus RS2; format §2, §4, §5, §7): blobs in,
slivers and metadata out, and back.

* :func:`compute_metadata` / :func:`blob_id`: the commitments only (memory:
  the input plus about half of it for the row parity).
* :func:`encode` / :func:`encode_into`: metadata plus every sliver pair;
  ``encode_into`` writes the slivers into caller buffers (e.g. ``numpy.memmap``
  files) so nothing has to stay in RAM.
* :func:`decode`: the blob from any ``p`` primary or ``s`` secondary slivers,
  each verified against the metadata first.

Slivers and their verification live in :mod:`walrus_core.sliver`, rebuilding
a lost sliver from other nodes' symbols in :mod:`walrus_core.recovery`.

All heavy work runs in the C core with the GIL released, on ``threads``
native threads (``None``: every CPU this process may use, ``k``: k threads).
"""

from __future__ import annotations

import logging
import mmap
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import _native
from ._args import as_list, check_disjoint, resolve_threads
from .config import EncodingConfig
from .errors import InconsistentBlobError, InvalidBufferError, InvalidInputError, NotEnoughShardsError
from .metadata import BlobId, BlobMetadata
from .sliver import (
    AXIS,
    Sliver,
    SliverKind,
    SliverPair,
    committed_root,
    config_of,
    line_roots,
    sliver_problem,
)

if TYPE_CHECKING:
    from typing_extensions import Buffer

__all__ = [
    "DecodeResult",
    "EncodedBlob",
    "blob_id",
    "compute_metadata",
    "decode",
    "decode_verbose",
    "encode",
    "encode_into",
    "encode_to",
    "output_sizes",
]

log = logging.getLogger("walrus_core.blob")

_CHECKS = ("default", "strict", "skip")


def _byte_len(data: Buffer) -> int:
    try:
        return memoryview(data).nbytes
    except (TypeError, ValueError, BufferError):
        raise InvalidBufferError(f"data must be a bytes-like object, not {type(data).__name__}") from None


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
    return BlobMetadata._from_encoder(length, flat, bid)


def _is_file_object(obj: object) -> bool:
    """A readable object that is not a buffer (mmap, for one, is both)."""
    if not hasattr(obj, "read"):
        return False
    try:
        memoryview(obj)  # type: ignore[arg-type]
    except TypeError:
        return True
    return False


def compute_metadata(
    data: Buffer, n_shards: int, *, threads: int | None = None, memory: int | None = None
) -> BlobMetadata:
    """The blob's metadata (pair hashes, blob ID) without keeping slivers.

    ``data`` is any contiguous buffer (bytes, mmap, numpy memmap...) and is
    read in place; a path or a binary file object, or a ``memory`` budget in
    bytes, goes through :func:`walrus_core.stream.compute_metadata` (bounded
    memory, same bytes). Raises a ValueError subclass for n_shards < 4 or a
    blob too large for n_shards."""
    cfg = EncodingConfig(n_shards)
    if memory is not None or isinstance(data, os.PathLike) or _is_file_object(data):
        from . import stream  # stream builds on this module

        return stream.compute_metadata(
            data, n_shards, threads=threads, memory=stream.DEFAULT_MEMORY if memory is None else memory
        )
    length = _byte_len(data)
    if cfg.symbol_size(length) == 2 and n_shards >= 64:
        from . import stream  # exact zero-padding shortcuts, same bytes

        return stream.compute_metadata(data, n_shards, threads=threads)
    rr, cr, bid = _native.blob_encode(data, n_shards, resolve_threads(threads))
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
    cfg = EncodingConfig(n_shards)
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
    to disk as they are produced. The returned slivers are views into them.
    The three buffers must not share memory (InvalidInputError)."""
    cfg = EncodingConfig(n_shards)
    length = _byte_len(data)
    size = cfg.symbol_size(length)
    if primary_out is None or secondary_out is None:
        raise InvalidBufferError("encode_into needs writable primary_out and secondary_out buffers")
    check_disjoint({"data": data, "primary_out": primary_out, "secondary_out": secondary_out})
    rr, cr, bid = _native.blob_encode(data, n_shards, resolve_threads(threads), primary_out, secondary_out)
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
    cfg = EncodingConfig(n_shards)
    length = _byte_len(data)
    size = cfg.symbol_size(length)
    n, p, s = cfg.n_shards, cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols
    row0 = min(length // (s * size), p)
    # not zeroed: the encoder writes every byte
    primary = _native.output_bytearray((n - row0) * s * size)
    secondary = _native.output_bytearray(n * p * size)
    rr, cr, bid = _native.blob_encode(data, n_shards, resolve_threads(threads), primary, secondary, row0)
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
    n_threads = resolve_threads(threads)
    psize, ssize = output_sizes(_byte_len(data), n_shards)
    with tempfile.TemporaryFile(dir=tmpdir) as pf, tempfile.TemporaryFile(dir=tmpdir) as sf:
        pf.truncate(psize)
        sf.truncate(ssize)
        with mmap.mmap(pf.fileno(), psize) as pm, mmap.mmap(sf.fileno(), ssize) as sm:
            enc = encode_into(data, n_shards, pm, sm, threads=n_threads)
            for pair in enc.pairs:
                sink(pair)
            md = enc.metadata
            del enc, pair
    return md


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
    threads: int,
) -> list[Sliver]:
    """First `need` distinct slivers of `kind` that pass verification.

    A duplicate index is only set aside, not discarded: if the first sliver
    with that index fails its hash check, a later one may still be genuine
    (a forged copy must not be able to hide the real sliver)."""
    cfg, size = config_of(metadata)
    good: list[Sliver] = []
    claimed: set[int] = set()
    set_aside: dict[int, list[Sliver]] = {}
    pending = [s for s in slivers if s.kind == kind]
    pending.reverse()  # pop() from the end keeps the caller's order
    while len(good) < need and pending:
        batch: list[Sliver] = []
        while pending and len(batch) < need - len(good):
            s = pending.pop()
            problem = sliver_problem(s, cfg, size)
            if problem:
                dropped.append((kind, s.index, problem))
            elif s.index in claimed:
                set_aside.setdefault(s.index, []).append(s)
            else:
                claimed.add(s.index)
                batch.append(s)
        roots = line_roots(cfg.n_shards, size, kind, batch, threads)
        for s, root in zip(batch, roots):
            if root == committed_root(metadata, kind, s.index):
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
    n_threads = resolve_threads(threads)
    cfg, _ = config_of(metadata)
    n, p, s = cfg.n_shards, cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols
    length = int(metadata.unencoded_length)
    items: list[Sliver] = []
    for it in as_list(slivers, "slivers"):
        if isinstance(it, SliverPair):
            items += [it.primary, it.secondary]
        elif isinstance(it, Sliver):
            items.append(it)
        else:
            raise InvalidInputError(f"decode takes Sliver (or SliverPair) objects, not {type(it).__name__}")
    dropped: list[tuple[SliverKind, int, str]] = []
    kind: SliverKind = "primary"
    good = _select_verified(items, metadata, "primary", p, dropped, n_threads)
    if len(good) < p:
        sec = _select_verified(items, metadata, "secondary", s, dropped, n_threads)
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
    want = b"".join(committed_root(metadata, "primary", r) for r in rows)
    data, bad = _native.blob_decode(n, length, AXIS[kind], indices, list(good), n_threads, rows, want)
    if bad >= 0:
        raise InconsistentBlobError(
            f"decoded primary sliver {bad} does not match the metadata: the blob is inconsistently encoded"
        )
    if check == "strict":
        md = compute_metadata(data, n, threads=n_threads)
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
    does neither (format §7). Raises :class:`NotEnoughShardsError` with too few
    good slivers and :class:`InconsistentBlobError` when a check fails."""
    return decode_verbose(slivers, metadata, check=check, threads=threads).data
