"""Blobs of any size in bounded memory, and blob IDs of many files at once.

``compute_metadata`` and ``blob_id`` here accept a buffer, a path or a binary
file object and keep within ``memory`` bytes: a blob that fits is read whole
and encoded in memory; a larger one is encoded one byte band at a time
(``csrc/stream.h``), with the same bytes. Small blobs at large shard counts
take exact shortcuts for their zero padding (known leaf and subtree hashes,
a table of every 2-byte symbol's leaf hash).
"""

from __future__ import annotations

import io
import os
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Union

from . import _native
from ._args import check_int, resolve_threads
from ._fs import ShortReadError, pread_exact
from .blob import _is_file_object, _metadata_from_roots
from .config import EncodingConfig
from .errors import InvalidInputError, MemoryBudgetError
from .metadata import BlobId, BlobMetadata
from .sliver import Sliver, SliverPair

Buffer = Any
#: A blob: any contiguous buffer, a path, or a binary file object.
Source = Union[Buffer, str, "os.PathLike[str]", IO[bytes]]
#: ``progress(done_bytes, total_bytes)``, called now and then during long work.
ByteProgress = Callable[[int, int], None]

#: Default memory budget: fits a laptop (peak RSS about 0.8 GiB), and takes the
#: largest blob at n = 1000 in 21 passes (bands of 3200 bytes); each pass costs
#: a read call per symbol, so a smaller budget is slower.
DEFAULT_MEMORY = 768 << 20
#: Shard counts up to this take the zero-padding shortcuts for blobs of 2-byte symbols.
_SMALL_MAX_SHARDS = 4096

_leaf_table: bytes | None = None
_leaf_table_lock = threading.Lock()


def _table() -> bytes:
    global _leaf_table
    with _leaf_table_lock:
        if _leaf_table is None:
            _leaf_table = _native.stream_leaf_table()
        return _leaf_table


def _in_memory_bytes(length: int, n: int) -> int:
    """What encoding a blob of ``length`` bytes in memory takes, reading it
    included: the blob, half its row parity, and n^2 leaf-sized work."""
    return length + length // 2 + n * n * 72 + (16 << 20)


def _check_memory(memory: int) -> int:
    return check_int(memory, "memory (a budget in bytes)", 1)


def _roots_of_buffer(data: Buffer, n: int, threads: int | None) -> tuple[bytes, bytes, bytes]:
    length = memoryview(data).nbytes
    if n <= _SMALL_MAX_SHARDS and EncodingConfig(n).symbol_size(length) == 2:
        return _native.stream_small_metadata(data, n, _table())
    return _native.blob_encode(data, n, threads)


def _streamed(
    n: int, source: int | Buffer, length: int, memory: int, threads: int | None, progress: ByteProgress | None
) -> tuple[bytes, bytes, bytes]:
    band = _native.stream_band_for_budget(n, length, memory, threads, True)
    if band == 0:
        least = _native.stream_memory(n, length, 128, threads, True)
        raise MemoryBudgetError(
            f"a blob of {length} bytes at n = {n} needs at least {least} bytes of memory "
            f"(about {least >> 20} MiB) in bands; memory={memory} is too small"
        )
    return _native.stream_metadata(n, source, length, band, threads, progress)


def _file_identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)


def _read_whole(fd: int, length: int) -> bytearray:
    """The file's bytes 0..length-1 (its position is left alone)."""
    try:
        return pread_exact(fd, length, 0)
    except ShortReadError:
        raise InvalidInputError("the file became shorter while it was read") from None


@dataclass
class _Opened:
    """A source ready to read: a regular file's descriptor, or a buffer."""

    fd: int
    buffer: Any
    length: int

    @property
    def native(self) -> Any:
        """What the native encoder reads: the descriptor or the buffer."""
        return self.fd if self.fd >= 0 else self.buffer


@contextmanager
def _opened(source: Source, n: int) -> Iterator[_Opened]:
    """Open ``source``; on a clean exit, refuse a file that changed meanwhile."""
    src: Any = source
    if isinstance(src, (str, os.PathLike)):
        fd = os.open(os.fspath(src), os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            with _opened_fd(fd, n) as o:
                yield o
        finally:
            os.close(fd)
        return
    if _is_file_object(src):
        if isinstance(src, io.BytesIO):
            src = src.getbuffer()
        else:
            try:
                fd = src.fileno()
            except (AttributeError, OSError, io.UnsupportedOperation):
                fd = -1
            if fd >= 0 and stat.S_ISREG(os.fstat(fd).st_mode):
                with _opened_fd(fd, n) as o:
                    yield o
                return
            src = src.read()
            if not isinstance(src, (bytes, bytearray)):
                raise InvalidInputError("the file object must be opened in binary mode")
    try:
        view = memoryview(src).cast("B")
    except TypeError:
        raise InvalidInputError(
            f"expected a buffer, a path or a binary file object, got {type(src).__name__}"
        ) from None
    EncodingConfig(n).symbol_size(view.nbytes)
    yield _Opened(-1, view, view.nbytes)


@contextmanager
def _opened_fd(fd: int, n: int) -> Iterator[_Opened]:
    before = os.fstat(fd)
    if not stat.S_ISREG(before.st_mode):
        raise InvalidInputError("not a regular file (give a buffer or a file object for streams)")
    EncodingConfig(n).symbol_size(before.st_size)  # too large: DataTooLargeError before any work
    yield _Opened(fd, None, before.st_size)
    if _file_identity(os.fstat(fd)) != _file_identity(before):
        raise InvalidInputError("the file changed while it was read; its blob ID is unknown")


def _roots(
    source: Source, n: int, memory: int, threads: int | None, progress: ByteProgress | None
) -> tuple[int, tuple[bytes, bytes, bytes]]:
    with _opened(source, n) as src:
        length = src.length
        if src.fd < 0:
            if _in_memory_bytes(length, n) - length <= memory:
                return length, _roots_of_buffer(src.buffer, n, threads)
        elif _in_memory_bytes(length, n) <= memory:
            return length, _roots_of_buffer(_read_whole(src.fd, length), n, threads)
        return length, _streamed(n, src.native, length, memory, threads, progress)


def compute_metadata(
    source: Source,
    n_shards: int,
    *,
    memory: int = DEFAULT_MEMORY,
    threads: int | None = None,
    progress: ByteProgress | None = None,
) -> BlobMetadata:
    """The blob's metadata, within ``memory`` bytes of working memory.

    ``source``: a buffer, a path, or a binary file object (read from offset 0
    of its file when it has one). A budget too small for the blob raises
    MemoryBudgetError before any work; a file that changes while it is read
    raises InvalidInputError. ``progress(done, total)`` gets message bytes
    done in the banded encoder; Ctrl-C stops it."""
    EncodingConfig(n_shards)
    _check_memory(memory)
    length, (rr, cr, bid) = _roots(source, n_shards, memory, threads, progress)
    return _metadata_from_roots(length, rr, cr, bid)


def blob_id(
    source: Source,
    n_shards: int,
    *,
    memory: int = DEFAULT_MEMORY,
    threads: int | None = None,
    progress: ByteProgress | None = None,
) -> BlobId:
    """The blob ID of ``source`` (see compute_metadata)."""
    return compute_metadata(source, n_shards, memory=memory, threads=threads, progress=progress).blob_id


def encode_pairs(
    source: Source,
    n_shards: int,
    pair_indices: Sequence[int],
    *,
    memory: int = DEFAULT_MEMORY,
    threads: int | None = None,
    progress: ByteProgress | None = None,
) -> list[SliverPair]:
    """Only the sliver pairs ``pair_indices`` (pair i = primary sliver i and
    secondary sliver n-1-i), in one banded pass over ``source``: memory is
    about those pairs' bytes plus the band, whatever the blob's size (a
    node's own share, as Walrus's subset encoding). MemoryBudgetError when
    the pairs and the narrowest band do not fit in ``memory``."""
    cfg = EncodingConfig(n_shards)
    _check_memory(memory)
    wanted = sorted(set(pair_indices))
    if any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < n_shards for i in wanted):
        raise InvalidInputError(f"pair indices must be ints in [0, {n_shards}), got {list(pair_indices)!r}")
    with _opened(source, n_shards) as src:
        p, s = cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols
        size = cfg.symbol_size(src.length)
        share = len(wanted) * (p + s) * size
        band = _native.stream_band_for_budget(n_shards, src.length, max(memory - share, 0), threads, False)
        if band == 0:
            least = _native.stream_memory(n_shards, src.length, 128, threads, False)
            raise MemoryBudgetError(
                f"{len(wanted)} sliver pairs of a {src.length}-byte blob at n = {n_shards} take "
                f"{share} bytes, plus at least {least} for the work; memory={memory} is too small"
            )
        primary = {i: bytearray(s * size) for i in wanted}
        secondary = {n_shards - 1 - i: bytearray(p * size) for i in wanted}
        _native.stream_encode(
            n_shards, src.native, src.length, band, threads, progress, primary, secondary, False
        )
    return [
        SliverPair(
            i,
            Sliver(primary[i], i, size, "primary"),
            Sliver(secondary[n_shards - 1 - i], n_shards - 1 - i, size, "secondary"),
        )
        for i in wanted
    ]


def encode_to(
    source: Source,
    n_shards: int,
    sink: Callable[[SliverPair], object],
    *,
    memory: int = DEFAULT_MEMORY,
    threads: int | None = None,
    progress: ByteProgress | None = None,
    tmpdir: str | None = None,
    on_metadata: Callable[[BlobMetadata], object] | None = None,
) -> BlobMetadata:
    """Encode ``source`` in one banded pass within ``memory`` bytes, every
    sliver written to a temporary file (in ``tmpdir``) as its bands are
    produced, then hand each pair to ``sink(pair)`` in pair order, one pair
    in memory at a time (``on_metadata(metadata)`` is called before the
    first pair). Returns the metadata. The temporary file (the encoded
    size, about 4.5x the blob) is deleted afterwards."""
    cfg = EncodingConfig(n_shards)
    _check_memory(memory)
    with _opened(source, n_shards) as src:
        p, s = cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols
        size = cfg.symbol_size(src.length)
        pair_bytes = (p + s) * size
        band = _native.stream_band_for_budget(
            n_shards, src.length, max(memory - pair_bytes, 0), threads, True
        )
        if band == 0:
            least = _native.stream_memory(n_shards, src.length, 128, threads, True) + pair_bytes
            raise MemoryBudgetError(
                f"encoding a {src.length}-byte blob at n = {n_shards} needs at least {least} bytes of "
                f"memory; memory={memory} is too small"
            )
        with tempfile.TemporaryFile(dir=tmpdir) as f:
            f.truncate(n_shards * pair_bytes)
            roots = _native.stream_encode(
                n_shards, src.native, src.length, band, threads, progress, None, None, True, f.fileno()
            )
            assert roots is not None
            md = _metadata_from_roots(src.length, *roots)
            if on_metadata is not None:
                on_metadata(md)
            for i in range(n_shards):
                j = n_shards - 1 - i
                primary = pread_exact(f.fileno(), s * size, i * s * size)
                secondary = pread_exact(f.fileno(), p * size, n_shards * s * size + j * p * size)
                sink(
                    SliverPair(
                        i, Sliver(primary, i, size, "primary"), Sliver(secondary, j, size, "secondary")
                    )
                )
    return md


# ---- many files ---------------------------------------------------------------


@dataclass(frozen=True)
class FileBlobId:
    """One file's result: its blob ID and length, or why there is none."""

    file: str
    blob_id: BlobId | None = None
    unencoded_length: int | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Fields as the Walrus CLI's ``blob-id --json`` names them."""
        if self.error is not None:
            return {"file": self.file, "error": self.error}
        return {"blobId": str(self.blob_id), "file": self.file, "unencodedLength": self.unencoded_length}


#: Files larger than this are done one at a time with every thread.
_ONE_AT_A_TIME = 64 << 20


def _one(path: str, n: int, memory: int, threads: int | None, progress: ByteProgress | None) -> FileBlobId:
    try:
        md = compute_metadata(path, n, memory=memory, threads=threads, progress=progress)
    except OSError as exc:
        return FileBlobId(path, error=exc.strerror or str(exc))
    except (InvalidInputError, MemoryError) as exc:
        return FileBlobId(path, error=str(exc) or type(exc).__name__)
    return FileBlobId(path, md.blob_id, md.unencoded_length)


def file_blob_ids(
    paths: Sequence[str | os.PathLike[str]],
    n_shards: int,
    *,
    memory: int = DEFAULT_MEMORY,
    threads: int | None = None,
    progress: ByteProgress | None = None,
) -> list[FileBlobId]:
    """Blob IDs of many files, in order: small files side by side on every
    thread (each on one), large ones one after another on all of them. A
    missing or unreadable file gets an error and the others go on."""
    EncodingConfig(n_shards)
    _check_memory(memory)
    workers = resolve_threads(threads)
    names = [os.fspath(p) for p in paths]
    sizes: list[int] = []
    for name in names:
        try:
            sizes.append(os.stat(name).st_size)
        except OSError:
            sizes.append(0)  # reported when it is read
    results: list[FileBlobId | None] = [None] * len(names)
    small = [i for i, size in enumerate(sizes) if size <= _ONE_AT_A_TIME]
    # each of the side-by-side files gets an equal share of the budget
    share = max(memory // max(workers, 1), 1)
    with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        futures = {i: pool.submit(_one, names[i], n_shards, share, 1, None) for i in small}
        for i, fut in futures.items():
            results[i] = fut.result()
    for i in range(len(names)):
        if results[i] is None:
            results[i] = _one(names[i], n_shards, memory, threads, progress)
    return [r for r in results if r is not None]


class ByteBar:
    """``label  1.2 GiB / 13.6 GiB  9%  ETA 1m40s`` on a terminal, ~5 times a second."""

    def __init__(self, label: str, stream: IO[str] | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self._start = time.monotonic()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        finished = done >= total
        if not finished and now - self._last < 0.2:
            return
        self._last = now
        pct = 100 * done // total if total else 100
        eta = ""
        if 0 < done < total:
            left = (now - self._start) * (total - done) / done
            eta = f"  ETA {int(left) // 60}m{int(left) % 60:02d}s"
        self.stream.write(f"\r{self.label}  {_human(done)} / {_human(total)}  {pct}%{eta}   ")
        if finished:
            self.stream.write("\n")
        self.stream.flush()


def _human(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover - the loop returns
