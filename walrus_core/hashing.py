"""BLAKE2b-256, the hash of Walrus Merkle trees and blob IDs (format §4).

BLAKE2b with digest length 32 in the parameter block and no key: the same
bytes as ``hashlib.blake2b(data, digest_size=32)`` (not a truncated
BLAKE2b-512). :func:`blake2b256_many` hashes many equal-length messages at
once with the active backend's multi-buffer kernel (4 messages side by side
with AVX2, 2 with SSSE3 or NEON); that is where its speed comes from. Both
release the GIL around native work on inputs of 2 KiB or more.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from . import _native
from ._args import check_int
from .errors import InvalidInputError

if TYPE_CHECKING:
    from typing_extensions import Buffer

DIGEST_SIZE = 32


def blake2b256(data: Buffer) -> bytes:
    """BLAKE2b-256 of one contiguous buffer (bytes, bytearray, memoryview,
    numpy array, mmap): 32 bytes, equal to
    ``hashlib.blake2b(data, digest_size=32).digest()``."""
    return _native.blake2b256(data)


def blake2b256_many(
    messages: Sequence[Buffer] | Buffer, *, length: int | None = None, prefix: int | None = None
) -> bytes:
    """BLAKE2b-256 of many equal-length messages, the 32-byte digests
    concatenated in order (``len(result) == 32 * count``).

    ``messages`` is either a sequence of buffers that all have the same
    length, or -- with ``length`` given -- one buffer holding consecutive
    messages of ``length`` bytes each (its size must be a multiple of
    ``length``). ``prefix`` (an int in 0..255) is hashed as one extra byte in
    front of every message, without copying: Merkle leaves use ``prefix=0``
    and inner nodes ``prefix=1``.

    Raises :class:`~walrus_core.errors.InvalidInputError` for unequal
    lengths, a bad ``length`` or ``prefix``, and
    :class:`~walrus_core.errors.InvalidBufferError` for a non-buffer.
    """
    if length is not None:
        check_int(length, "length", 1, sys.maxsize)
        return _native.blake2b256_many_buffer(cast("Buffer", messages), length, prefix)
    if isinstance(messages, (bytes, bytearray, memoryview)) or not isinstance(messages, Sequence):
        raise InvalidInputError(
            "messages must be a sequence of buffers, or one buffer with length=<bytes per message>"
        )
    return _native.blake2b256_many_seq(messages, prefix)


__all__ = ["DIGEST_SIZE", "blake2b256", "blake2b256_many"]
