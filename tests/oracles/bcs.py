"""Pure-Python BCS pieces the oracles and tests need, written from the spec
(walrus-rs2.md §2.6, §5): ULEB128 lengths. Independent of walrus_core."""

from __future__ import annotations


def uleb128(value: int) -> bytes:
    """Unsigned LEB128: seven bits per byte, low first, high bit = more."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)
