"""Decoding a blob to a file in bounded memory (format §7, one band at a time).

:func:`decode_to` takes slivers of one kind as they come (an iterable, pulled
lazily), verifies each against the metadata, and keeps the first ``k`` that
verify on disk: a systematic primary sliver is a row of the message and goes
straight to its place in the output, any other sliver to an anonymous spool
file beside it. Each symbol position of the slivers is one codeword of the
1-D code (primary: a column of the message, secondary: a row), so the missing
rows are then decoded one band of symbol positions at a time, with the GIL
released, and written in place. Memory stays within ``memory`` bytes whatever
the blob's size; disk takes the blob plus the spooled slivers.

As :func:`walrus_core.blob.decode`, the default check re-derives the hash of
every decoded systematic primary sliver and compares it with the metadata, so
an inconsistently encoded blob is refused instead of written.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import _native, rs2
from ._args import resolve_threads
from ._fs import fsync_dir, pread_into, pwrite_all
from .errors import InconsistentBlobError, InvalidInputError, MemoryBudgetError, NotEnoughShardsError
from .metadata import BlobMetadata
from .sliver import Sliver, SliverKind, config_of, sliver_kind, verify_slivers
from .stream import DEFAULT_MEMORY, _check_memory

__all__ = ["DecodedFile", "decode_memory", "decode_to"]

#: ``progress(stage, done, total)``: "verify" (slivers kept), "decode" (symbol positions), "check" (rows).
StageProgress = Callable[[str, int, int], None]

#: Prefix of the output's temporary name beside it (removed on any error).
TMP_PREFIX = ".tmp-decode-"
#: Native scratch one decoding thread may keep (rs2: at most 16 MiB).
_THREAD_SCRATCH = 16 << 20
#: Interpreter and bookkeeping headroom counted against every budget.
_SLACK = 8 << 20
#: Slivers verified together at most (one native call on all cores).
_MAX_BATCH = 16
_CHECKS = ("default", "strict", "skip")


@dataclass
class DecodedFile:
    """What :func:`decode_to` wrote: ``length`` bytes to ``path``, from the
    slivers ``used`` of ``kind``; ``dropped``: (index, why) of those refused."""

    path: Path
    length: int
    kind: SliverKind
    used: list[int]
    decoded_rows: int
    dropped: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Shape:
    """Sizes for decoding one blob from slivers of one kind."""

    n: int
    p: int
    s: int
    size: int  # bytes per symbol
    kind: SliverKind

    @property
    def k(self) -> int:
        """Slivers needed: the originals of the code across the slivers."""
        return self.p if self.kind == "primary" else self.s

    @property
    def positions(self) -> int:
        """Symbols per sliver: each position is one codeword to decode."""
        return self.s if self.kind == "primary" else self.p

    @property
    def sliver_bytes(self) -> int:
        return self.positions * self.size

    @property
    def row_bytes(self) -> int:
        return self.s * self.size

    def verify_bytes(self, line_bytes: int) -> int:
        """Verifying one sliver of ``line_bytes``: its copy, the caller's, its expansion to n symbols."""
        return 2 * line_bytes + self.n * self.size

    def band_bytes(self, width: int, threads: int) -> int:
        """Decoding ``width`` positions: the slivers' band, the decoded band, a joined row, scratch."""
        return 2 * self.k * width * self.size + self.row_bytes + threads * _THREAD_SCRATCH

    def least(self) -> int:
        return _SLACK + max(
            self.verify_bytes(self.sliver_bytes), self.verify_bytes(self.row_bytes), self.band_bytes(1, 1)
        )


def _shape(metadata: BlobMetadata, kind: str) -> _Shape:
    cfg, size = config_of(metadata)
    return _Shape(
        cfg.n_shards, cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols, size, sliver_kind(kind)
    )


def decode_memory(
    metadata: BlobMetadata, kind: str = "primary", *, check: str = "default", threads: int | None = None
) -> int:
    """The smallest ``memory`` budget :func:`decode_to` accepts for this blob,
    sliver kind and check (more memory: wider bands, more threads, faster)."""
    least = _shape(metadata, kind).least()
    if check == "strict":  # re-encoding the written file in bands
        n, length = metadata.n_shards, int(metadata.unencoded_length)
        least = max(least, _native.stream_memory(n, length, 128, resolve_threads(threads), True))
    return least


@dataclass
class _Plan:
    """How the budget is spent: slivers verified together, decoding threads, band width."""

    batch: int
    threads: int
    width: int


def _plan(shape: _Shape, memory: int, threads: int | None, least: int) -> _Plan:
    if memory < least:
        raise MemoryBudgetError(
            f"decoding a {shape.p * shape.s * shape.size}-byte message at n = {shape.n} from "
            f"{shape.kind} slivers needs at least {least} bytes of memory (about {least >> 20} MiB); "
            f"memory={memory} is too small"
        )
    room = memory - _SLACK
    wanted = resolve_threads(threads)
    batch = max(1, min(_MAX_BATCH, shape.k, room // shape.verify_bytes(shape.sliver_bytes)))
    per_thread = _THREAD_SCRATCH + 2 * shape.k * shape.size
    n_threads = max(1, min(wanted, shape.positions, (room - shape.row_bytes) // (2 * per_thread)))
    fixed = shape.row_bytes + n_threads * _THREAD_SCRATCH
    width = max(1, min(shape.positions, (room - fixed) // (2 * shape.k * shape.size)))
    return _Plan(batch, n_threads, width)


class _Slots:
    """Where each kept sliver lies: a systematic primary sliver in its row of
    the output, any other in the next slot of the spool."""

    def __init__(self, shape: _Shape, out_fd: int, spool_fd: int) -> None:
        self.shape, self.out_fd, self.spool_fd = shape, out_fd, spool_fd
        self.at: dict[int, tuple[int, int]] = {}  # sliver index -> (fd, offset of its symbol 0)
        self.spooled = 0

    def keep(self, sliver: Sliver) -> None:
        sh = self.shape
        if sh.kind == "primary" and sliver.index < sh.p:
            place = (self.out_fd, sliver.index * sh.row_bytes)
        else:
            place = (self.spool_fd, self.spooled * sh.sliver_bytes)
            self.spooled += 1
        pwrite_all(place[0], memoryview(sliver), place[1])
        self.at[sliver.index] = place

    def missing_rows(self) -> list[int]:
        """Message rows not yet in the output: every row from secondary slivers."""
        return [r for r in range(self.shape.p) if self.shape.kind == "secondary" or r not in self.at]


def _gather(
    slivers: Iterable[Sliver],
    metadata: BlobMetadata,
    slots: _Slots,
    plan: _Plan,
    dropped: list[tuple[int, str]],
    progress: StageProgress | None,
    on_refused: Callable[[int, str], object] | None,
) -> None:
    """Pull slivers in batches, verify each batch in one call, keep the first k distinct that verify."""
    sh = slots.shape
    source = iter(slivers)
    while len(slots.at) < sh.k:
        batch = list(itertools.islice(source, min(plan.batch, sh.k - len(slots.at))))
        if not batch:
            break
        fresh = []
        for item in batch:
            if not isinstance(item, Sliver):
                raise InvalidInputError(f"decode_to takes Sliver objects, not {type(item).__name__}")
            if item.kind != sh.kind:
                dropped.append((item.index, f"a {item.kind} sliver, {sh.kind} ones are decoded"))
                if on_refused is not None:
                    on_refused(*dropped[-1])
            elif item.index not in slots.at:
                fresh.append(item)
        for item, problem in zip(fresh, verify_slivers(fresh, metadata, threads=plan.threads)):
            if problem:
                dropped.append((item.index, problem))
                if on_refused is not None:
                    on_refused(item.index, problem)
            elif item.index not in slots.at:
                slots.keep(item)
                if progress is not None:
                    progress("verify", len(slots.at), sh.k)
        del batch, fresh
    close = getattr(source, "close", None)
    if close is not None:  # a generator: stop its loads ahead and free what it holds
        close()
    if len(slots.at) < sh.k:
        raise NotEnoughShardsError(
            f"need {sh.k} valid {sh.kind} slivers, {len(slots.at)} verified "
            f"({len(dropped)} refused: {dropped[:5]})"
        )


def _decode_bands(slots: _Slots, rows: list[int], plan: _Plan, progress: StageProgress | None) -> None:
    """Decode every symbol position, ``plan.width`` at a time, writing the message rows ``rows``.

    Each worker copies its position's decoded symbols into one output band
    and drops the rest at once, so memory is the two bands (allocated once)
    and not thousands of symbol-sized objects per band, which the allocator
    would keep."""
    sh = slots.shape
    present = sorted(slots.at)
    decoder = rs2.Decoder(sh.k, sh.n - sh.k, present)
    size, width = sh.size, plan.width
    primary = sh.kind == "primary"
    band = memoryview(bytearray(len(present) * width * size))
    decoded = memoryview(bytearray((len(rows) if primary else sh.s) * width * size))

    def position(t: int, span: int) -> None:
        at = t * size
        shards = {index: band[q * span + at : q * span + at + size] for q, index in enumerate(present)}
        out = decoder.decode(shards)
        if primary:  # position t is column t0+t; original r is row r: its piece of the band
            for slot, r in enumerate(rows):
                decoded[slot * span + at : slot * span + at + size] = out[r]
        else:  # position t is row t0+t; original c is column c
            row = t * sh.row_bytes
            for c, symbol in enumerate(out):
                decoded[row + c * size : row + (c + 1) * size] = symbol

    with ThreadPoolExecutor(plan.threads) as pool:
        for t0 in range(0, sh.positions, width):
            count = min(width, sh.positions - t0)
            span = count * size
            for q, index in enumerate(present):
                fd, offset = slots.at[index]
                pread_into(fd, band[q * span : (q + 1) * span], offset + t0 * size)
            for _ in pool.map(position, range(count), itertools.repeat(span)):
                pass
            if primary:
                for slot, r in enumerate(rows):
                    piece = decoded[slot * span : (slot + 1) * span]
                    pwrite_all(slots.out_fd, piece, r * sh.row_bytes + t0 * size)
            else:  # rows t0.. are one run of the file
                pwrite_all(slots.out_fd, decoded[: count * sh.row_bytes], t0 * sh.row_bytes)
            if progress is not None:
                progress("decode", t0 + count, sh.positions)


def _check_rows(
    metadata: BlobMetadata, slots: _Slots, rows: list[int], plan: _Plan, progress: StageProgress | None
) -> None:
    """Each decoded systematic primary sliver must hash to the metadata's root."""
    sh = slots.shape
    batch = max(1, min(_MAX_BATCH, plan.batch * sh.sliver_bytes // sh.row_bytes))
    for i in range(0, len(rows), batch):
        chunk = rows[i : i + batch]
        loaded = []
        for r in chunk:
            buf = bytearray(sh.row_bytes)
            pread_into(slots.out_fd, memoryview(buf), r * sh.row_bytes)
            loaded.append(Sliver(buf, r, sh.size, "primary"))
        for r, problem in zip(chunk, verify_slivers(loaded, metadata, threads=plan.threads)):
            if problem:
                raise InconsistentBlobError(
                    f"decoded primary sliver {r} does not match the metadata: "
                    "the blob is inconsistently encoded"
                )
        del loaded
        if progress is not None:
            progress("check", i + len(chunk), len(rows))


@contextlib.contextmanager
def _temporary_output(path: Path) -> Iterator[tuple[int, int]]:
    """(output fd, spool fd): the output's temporary file beside ``path``,
    renamed over it on a clean exit (after fsync), removed on any error or
    Ctrl-C; the spool is anonymous and vanishes with its descriptor."""
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
    try:
        try:
            with tempfile.TemporaryFile(prefix=TMP_PREFIX, dir=path.parent) as spool:
                yield fd, spool.fileno()
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def decode_to(
    slivers: Iterable[Sliver],
    metadata: BlobMetadata,
    out: str | os.PathLike[str],
    *,
    kind: str = "primary",
    memory: int = DEFAULT_MEMORY,
    threads: int | None = None,
    check: str = "default",
    progress: StageProgress | None = None,
    on_refused: Callable[[int, str], object] | None = None,
) -> DecodedFile:
    """Decode the blob from ``slivers`` of ``kind`` and write it atomically to ``out``.

    ``slivers`` is pulled lazily, a few at a time, until ``p`` primary (or
    ``s`` secondary) slivers verify against ``metadata``; the rest is never
    read, so a generator that loads slivers on demand keeps memory flat. With
    every systematic primary sliver among the first ``p``, their bytes are
    the blob and are written as they come; otherwise the missing rows are
    decoded band by band. Working memory stays within ``memory`` bytes; a
    budget below :func:`decode_memory` raises MemoryBudgetError before
    anything is read or written. ``check`` as in :func:`walrus_core.blob.decode`
    ("strict" re-encodes the written file within the same budget).
    ``on_refused(index, why)`` hears of each sliver refused, as it happens.

    Raises NotEnoughShardsError (too few valid slivers), InconsistentBlobError,
    InvalidInputError (bad arguments, ``out`` a directory), OSError from the
    file system. On any error or interruption, neither ``out`` nor a
    temporary file is left behind (an existing ``out`` is untouched)."""
    if check not in _CHECKS:
        raise InvalidInputError(f"check must be one of {_CHECKS}, not {check!r}")
    shape = _shape(metadata, kind)
    least = decode_memory(metadata, kind, check=check, threads=threads)
    plan = _plan(shape, _check_memory(memory), threads, least)
    path = Path(os.path.abspath(os.fspath(out)))
    if path.is_dir():
        raise InvalidInputError(f"{path} is a directory")
    dropped: list[tuple[int, str]] = []
    length = int(metadata.unencoded_length)
    with _temporary_output(path) as (out_fd, spool_fd):
        slots = _Slots(shape, out_fd, spool_fd)
        _gather(slivers, metadata, slots, plan, dropped, progress, on_refused)
        rows = slots.missing_rows()
        if rows:
            _decode_bands(slots, rows, plan, progress)
            if check != "skip":
                _check_rows(metadata, slots, rows, plan, progress)
        os.ftruncate(out_fd, length)
        if check == "strict":
            from .stream import compute_metadata

            with os.fdopen(os.dup(out_fd), "rb") as written:
                got = compute_metadata(written, shape.n, memory=memory, threads=threads)
            if bytes(got.blob_id) != bytes(metadata.blob_id):
                raise InconsistentBlobError("re-encoding the decoded blob gives a different blob ID")
    return DecodedFile(path, length, shape.kind, sorted(slots.at), len(rows), dropped)
