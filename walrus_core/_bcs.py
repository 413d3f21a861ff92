"""Minimal BCS (Binary Canonical Serialization) pieces used by the Walrus
wire forms: ULEB128 lengths, little-endian integers, and a strict reader.

BCS rules applied: ULEB128 values must use the shortest encoding and fit in
a u32 (sequence lengths); readers reject truncated input and, through
:meth:`Reader.finish`, trailing bytes. Malformed input raises
:class:`~walrus_core.errors.InvalidInputError`.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from .errors import InvalidBufferError, InvalidInputError

if TYPE_CHECKING:
    from typing_extensions import Buffer

U32_MAX = 0xFFFFFFFF


def uleb128(value: int) -> bytes:
    """ULEB128 encoding of a non-negative integer."""
    if value < 0:
        raise InvalidInputError(f"ULEB128 value must be >= 0, got {value}")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


class Reader:
    """Sequential reader over a byte string; every read checks bounds."""

    __slots__ = ("_buf", "_pos", "_what")

    def __init__(self, buf: bytes, what: str) -> None:
        self._buf = buf
        self._pos = 0
        self._what = what

    def _fail(self, message: str) -> InvalidInputError:
        return InvalidInputError(f"{self._what}: {message} at byte {self._pos}")

    @property
    def remaining(self) -> int:
        return len(self._buf) - self._pos

    def take(self, n: int) -> bytes:
        if n < 0 or self._pos + n > len(self._buf):
            raise self._fail(f"truncated (need {n} bytes, have {self.remaining})")
        out = self._buf[self._pos : self._pos + n]
        self._pos += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int(struct.unpack("<H", self.take(2))[0])

    def u64(self) -> int:
        return int(struct.unpack("<Q", self.take(8))[0])

    def uleb128(self, limit: int = U32_MAX) -> int:
        """A canonical ULEB128 value <= limit."""
        value = 0
        shift = 0
        while True:
            if shift > 63:
                raise self._fail("ULEB128 value too long")
            byte = self.u8()
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                if byte == 0 and shift:
                    raise self._fail("non-canonical ULEB128 (trailing zero byte)")
                break
            shift += 7
        if value > limit:
            raise self._fail(f"length {value} exceeds {limit}")
        return value

    def finish(self) -> None:
        if self._pos != len(self._buf):
            raise self._fail(f"{self.remaining} trailing byte(s)")


def as_bytes(data: Buffer, what: str) -> bytes:
    """A copy of any C-contiguous buffer as bytes (``bytes`` itself, being
    immutable, as it is); anything else raises InvalidBufferError (a
    TypeError) naming `what`."""
    if type(data) is bytes:
        return data
    try:
        view = memoryview(data)
    except (TypeError, ValueError, BufferError):
        raise InvalidBufferError(f"{what} must be a bytes-like object, not {type(data).__name__}") from None
    if not view.c_contiguous:
        raise InvalidBufferError(f"{what} must be a C-contiguous buffer")
    return view.tobytes()
