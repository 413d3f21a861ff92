"""The 1-D Reed-Solomon code of Walrus RS2 (format §3).

Byte-for-byte the code that reed-solomon-simd 3.1 (the engine inside Walrus)
computes: GF(2^16) in Cantor-basis coordinates, the crate's rate choice and
evaluation positions, its shard byte layout. ``k`` original shards of ``S``
bytes (``S`` even, at least 2) give ``m`` recovery shards; any ``k`` of the
``k + m`` shards give back the originals. Both directions use the additive
FFT, O((k + m) log(k + m)) work per shard byte, on the active SIMD backend
(:mod:`walrus_core.backends`), with the GIL released.

Each thread that encodes or decodes keeps its native scratch block (about
1-3 MiB at Walrus's shapes, at most 16 MiB) for its next call, so calls do
not pay page faults on fresh memory; it is freed when the thread ends.

Limits (the crate's): ``k, m >= 1``, ``k + m <= 65536`` and
``min(pow2(k), pow2(m)) + max(k, m) <= 65536``, where ``pow2`` rounds up to a
power of two. Bad input raises :class:`~walrus_core.errors.InvalidInputError`
(or :class:`~walrus_core.errors.NotEnoughShardsError`,
:class:`~walrus_core.errors.InvalidBufferError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Union

from . import _native
from ._args import as_list, check_int
from .errors import InvalidBufferError, InvalidInputError

if TYPE_CHECKING:
    from typing_extensions import Buffer

    Shards = Union[Mapping[int, Buffer], Iterable[tuple[int, Buffer]]]

__all__ = ["MAX_SHARDS", "Decoder", "decode", "encode", "is_high_rate", "supports"]

MAX_SHARDS = 65536


def _pow2(x: int) -> int:
    """x rounded up to a power of two (1 for x <= 1)."""
    return 1 if x <= 1 else 1 << (x - 1).bit_length()


def supports(original_count: int, recovery_count: int) -> bool:
    """True when the crate (and this module) accept these shard counts."""
    k, m = original_count, recovery_count
    if k < 1 or m < 1 or k + m > MAX_SHARDS:
        return False
    return min(_pow2(k), _pow2(m)) + max(k, m) <= MAX_SHARDS


def is_high_rate(original_count: int, recovery_count: int) -> bool:
    """The crate's rate choice (format §3.3): HIGH places the recovery shards
    first; on equal powers of two HIGH wins exactly when k <= m."""
    pk, pm = _pow2(original_count), _pow2(recovery_count)
    if pk != pm:
        return pk > pm
    return original_count <= recovery_count


def _count(value: object, what: str) -> int:
    """An int shard count in ``1 .. MAX_SHARDS`` (what the native layer takes)."""
    return check_int(value, what, 1, MAX_SHARDS)


def encode(
    originals: Sequence[Buffer] | Buffer, recovery_count: int, *, original_count: int | None = None
) -> list[bytes]:
    """The ``recovery_count`` recovery shards of ``originals``.

    ``originals`` is a sequence of k equal-size buffers (bytes, bytearray,
    memoryview, numpy arrays, mmap ...), or one contiguous buffer of k*S
    bytes, in which case ``original_count`` gives k (a 2-D C-contiguous array
    gives it by its number of rows). Returns a list of new ``bytes`` objects.
    """
    r = _count(recovery_count, "recovery_count")
    k = None if original_count is None else _count(original_count, "original_count")
    if not isinstance(originals, (list, tuple)):
        try:
            memoryview(originals)  # type: ignore[arg-type]
        except TypeError:
            try:
                originals = list(originals)  # type: ignore[arg-type]
            except TypeError:
                raise InvalidBufferError(
                    f"originals must be a buffer or a sequence of buffers, not {type(originals).__name__}"
                ) from None
        except (ValueError, BufferError) as e:
            raise InvalidBufferError(f"originals: {e}") from None
    result: list[bytes] = _native.rs_encode(originals, r, k)
    return result


def decode(original_count: int, recovery_count: int, shards: Shards) -> list[bytes]:
    """The ``original_count`` originals, in order, from at least that many shards.

    ``shards`` maps shard index to buffer: 0..k-1 are originals, k..k+m-1
    recovery shards (an iterable of ``(index, buffer)`` pairs works too;
    duplicate indices raise). Returns a list of k ``bytes`` objects: a
    present original given as ``bytes`` is returned as that same object (it
    is immutable, so nothing is copied), every other one is new.
    """
    k = _count(original_count, "original_count")
    r = _count(recovery_count, "recovery_count")
    if not hasattr(shards, "items"):
        try:
            shards = list(shards)
        except TypeError:
            raise InvalidInputError(
                f"shards must map index -> buffer (or be an iterable of pairs), not {type(shards).__name__}"
            ) from None
    result: list[bytes] = _native.rs_decode(k, r, shards)
    return result


class Decoder:
    """A decoder for one erasure pattern, reused across stripes.

    ``present`` lists the shard indices that will be available (0..k-1
    originals, k..k+m-1 recovery; at least k of them). The error locator,
    the fixed part of decoding, is computed once here; :meth:`decode` then
    costs only the transforms. Thread-safe: one Decoder may serve many
    threads at once.
    """

    def __init__(self, original_count: int, recovery_count: int, present: Iterable[int]) -> None:
        _count(original_count, "original_count")
        _count(recovery_count, "recovery_count")
        self._native = _native.RSDecoder(original_count, recovery_count, as_list(present, "present"))
        self.original_count = original_count
        self.recovery_count = recovery_count

    def decode(self, shards: Mapping[int, Buffer]) -> list[bytes]:
        """The k originals from ``shards`` ({index: buffer}), which must hold
        every index of the pattern, all of one even size. As in
        :func:`decode`, present originals given as ``bytes`` come back as
        the same objects."""
        return self._native.decode(shards)
