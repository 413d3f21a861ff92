"""File primitives of a node directory: the names it uses (derived only from a
validated BlobId's 32 bytes and integer indices, never from outside text),
atomic writes, and reads that never follow a symbolic link.

Writes are atomic: a temporary file in the same directory, fsync, rename,
fsync of the directory. A crash leaves either the old file, the new file, or
a ``.tmp-*`` file that no reader ever opens (scrub removes them).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from .._args import check_int
from .._fs import fsync_dir as fsync_dir  # re-exported: the nodes use it from here
from ..metadata import BlobId
from .errors import StorageError, UnsafeNameError

KINDS = ("primary", "secondary")
TMP_PREFIX = ".tmp-"
METADATA_NAME = "metadata.bcs"
_BLOB_DIR_RE = re.compile(r"\A[0-9a-f]{64}\Z")
_SLIVER_RE = re.compile(r"\A(primary|secondary)-([0-9]{5})\.sliver\Z")

# Windows: binary mode (no newline translation, no Ctrl-Z end of file) and no
# O_NOFOLLOW (links are checked before opening instead); POSIX: both are 0/real.
_O_BINARY = getattr(os, "O_BINARY", 0)
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# Opening a FIFO would wait for a writer; read_file then refuses it as not a regular file.
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)

# Test hook: called with the temporary path just before each rename.
before_rename: Callable[[Path], None] | None = None


# ------------------------------------------------------------------ names
def blob_dir_name(blob_id: BlobId) -> str:
    """The directory name of a blob: its 32 ID bytes in lowercase hex."""
    if not isinstance(blob_id, BlobId):
        raise UnsafeNameError(f"expected a BlobId, got {type(blob_id).__name__}")
    raw = bytes(blob_id)
    if len(raw) != 32:
        raise UnsafeNameError("a blob ID has exactly 32 bytes")
    return raw.hex()


def sliver_file_name(kind: str, index: int, n_shards: int) -> str:
    """``primary-00012.sliver``: only a known kind and an int index < n_shards."""
    if kind not in KINDS:
        raise UnsafeNameError(f"unknown sliver kind {kind!r}")
    if n_shards > 99999:
        raise UnsafeNameError(f"{n_shards} shards do not fit a five-digit sliver file name")
    check_int(index, f"sliver index for {n_shards} shards", 0, n_shards - 1, error=UnsafeNameError)
    return f"{kind}-{index:05d}.sliver"


def parse_blob_dir_name(name: str) -> BlobId | None:
    """The BlobId a directory name stands for, or None for any other name."""
    if not _BLOB_DIR_RE.match(name):
        return None
    return BlobId(bytes.fromhex(name))


def parse_sliver_file_name(name: str) -> tuple[str, int] | None:
    m = _SLIVER_RE.match(name)
    return (m.group(1), int(m.group(2))) if m else None


def child(parent: Path, name: str) -> Path:
    """parent/name, refusing anything but one plain path component."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise UnsafeNameError(f"refusing file name {name!r}")
    return parent / name


# ------------------------------------------------------------------ writing
def ensure_dir(path: Path) -> None:
    """mkdir -p, fsyncing each parent whose entry list changed; never through a symlink."""
    if path.is_symlink():
        raise UnsafeNameError(f"{path} is a symbolic link")
    if path.is_dir():
        return
    ensure_dir(path.parent)
    with contextlib.suppress(FileExistsError):
        path.mkdir()
    fsync_dir(path.parent)


Parts = Sequence["bytes | bytearray | memoryview"]


def parts_size(parts: Parts) -> int:
    """Bytes in ``parts`` (memoryviews of any item size count in bytes)."""
    return sum(len(memoryview(x).cast("B")) for x in parts)


def _write_all(fd: int, parts: Parts) -> None:
    views = [memoryview(x).cast("B") for x in parts if len(x)]
    while views:
        # one gathered write where the OS has it (not Windows)
        done = os.writev(fd, views[:1024]) if hasattr(os, "writev") else os.write(fd, views[0])
        while done and views:
            if done >= len(views[0]):
                done -= len(views[0])
                views.pop(0)
            else:
                views[0] = views[0][done:]
                done = 0


def write_temporary(parent: Path, parts: Parts) -> Path:
    """A new temporary file in ``parent`` holding ``parts``, fsynced; removed
    again if writing fails."""
    fd, tmp_name = tempfile.mkstemp(prefix=TMP_PREFIX, dir=parent)
    try:
        try:
            _write_all(fd, parts)
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return Path(tmp_name)


def rename_into_place(tmp_path: Path, parent: Path, name: str) -> None:
    """Give a written temporary file its final name (the directory is fsynced by the caller)."""
    if before_rename is not None:
        before_rename(tmp_path)
    os.replace(tmp_path, child(parent, name))


def atomic_write_many(parent: Path, items: Sequence[tuple[str, Parts]]) -> None:
    """Atomically write several files of one directory: each to a temporary
    file (gathered from ``parts`` without joining them), fsync each, rename
    each over its name, then fsync the directory once."""
    tmps: list[tuple[str, Path]] = []
    try:
        for name, parts in items:
            tmps.append((name, write_temporary(parent, parts)))
        while tmps:
            final, tmp_path = tmps[0]
            rename_into_place(tmp_path, parent, final)
            tmps.pop(0)
    finally:
        for _, leftover in tmps:
            with contextlib.suppress(OSError):
                os.unlink(leftover)
    fsync_dir(parent)


def atomic_write(path: Path, data: bytes | bytearray | memoryview) -> None:
    """Write ``data`` to ``path`` atomically: temporary file in the same
    directory, fsync, rename over ``path``, fsync the directory."""
    atomic_write_many(path.parent, [(path.name, [data])])


# ------------------------------------------------------------------ reading
def open_regular(path: Path) -> tuple[BinaryIO, int] | None:
    """The open file and its size, or None when it does not exist.
    StorageError for anything but a regular file (a symbolic link, a
    directory, a FIFO, which is never waited on)."""
    try:
        if not _O_NOFOLLOW and os.path.islink(path):
            raise OSError(errno.ELOOP, "is a symbolic link")
        fd = os.open(path, os.O_RDONLY | _O_BINARY | _O_NOFOLLOW | _O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StorageError(f"cannot open {path}: {exc.strerror or exc}") from exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise StorageError(f"{path} is not a regular file")
    return os.fdopen(fd, "rb"), st.st_size


def read_file(path: Path, max_size: int | None = None) -> bytes | None:
    """The file's bytes, or None when it does not exist. StorageError as
    :func:`open_regular`, and for a file larger than ``max_size``, before
    reading: one oversized (even sparse) file must not cost its size in memory."""
    opened = open_regular(path)
    if opened is None:
        return None
    fh, size = opened
    with fh:
        try:
            if max_size is None:
                return fh.read()
            data = fh.read(max_size + 1) if size <= max_size else b""
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
        if size > max_size or len(data) > max_size:  # the second: it grew while we read
            raise StorageError(f"{path} has {max(size, len(data))} bytes, more than the {max_size} allowed")
        return data


def holds(path: Path, data: bytes) -> bool:
    """Whether the file ``path`` holds exactly ``data`` (reading no more than that)."""
    try:
        return read_file(path, len(data)) == data
    except (StorageError, NotADirectoryError):
        return False
