"""Small portable file primitives: positioned reads and writes that finish
the whole buffer, and making a directory's entries durable."""

from __future__ import annotations

import os
from pathlib import Path

# Windows has neither pwrite nor preadv; there the callers' file I/O runs on
# one thread, so a seek before each call is safe.
_CHUNK = 64 << 20


def pwrite_all(fd: int, data: memoryview | bytes | bytearray, offset: int) -> None:
    """Write all of ``data`` at ``offset`` of ``fd`` (the file position is not used)."""
    view = memoryview(data).cast("B")
    while view:
        if hasattr(os, "pwrite"):
            done = os.pwrite(fd, view, offset)
        else:  # Windows
            os.lseek(fd, offset, os.SEEK_SET)
            done = os.write(fd, view[:_CHUNK])
        view, offset = view[done:], offset + done


class ShortReadError(OSError):
    """The file ended before the bytes asked for."""


def pread_into(fd: int, view: memoryview, offset: int) -> None:
    """Fill ``view`` from ``offset`` of ``fd``; ShortReadError if the file ends first."""
    while view:
        if hasattr(os, "preadv"):
            got = os.preadv(fd, [view], offset)
        else:  # Windows, macOS before 11
            os.lseek(fd, offset, os.SEEK_SET)
            chunk = os.read(fd, min(len(view), _CHUNK))
            got = len(chunk)
            view[:got] = chunk
        if got == 0:
            raise ShortReadError(f"the file ends before offset {offset}")
        view, offset = view[got:], offset + got


def pread_exact(fd: int, size: int, offset: int) -> bytearray:
    """``size`` bytes from ``offset`` of ``fd`` (see pread_into)."""
    buf = bytearray(size)
    pread_into(fd, memoryview(buf), offset)
    return buf


def fsync_dir(path: Path) -> None:
    """Make a directory's entries (a rename, a new file) durable. Windows can
    not open a directory as a file; NTFS journals the rename itself."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
