"""Argument checks shared by every public entry point: strict integers (an
``int``, never a ``bool``, ``float`` or ``str``) and the one meaning of
``threads``. Each raises :class:`~walrus_core.errors.InvalidInputError`
naming the argument."""

from __future__ import annotations

from typing import Any

from .backends import cpu_count
from .errors import InvalidInputError

#: Largest thread count the native layer's ``unsigned`` can carry; the C
#: core caps the threads it starts far below this.
_NATIVE_THREADS_MAX = 0xFFFFFFFF


def check_int(
    value: object,
    what: str,
    minimum: int | None = None,
    maximum: int | None = None,
    *,
    error: type[InvalidInputError] = InvalidInputError,
) -> int:
    """``value`` if it is an int in ``minimum..maximum`` (either bound
    optional); otherwise ``error`` (a subclass of InvalidInputError) says why."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise error(f"{what} must be an int, not {type(value).__name__}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if maximum is None:
            raise error(f"{what} must be at least {minimum}, got {value}")
        if minimum is None:
            raise error(f"{what} must be at most {maximum}, got {value}")
        raise error(f"{what} must be in {minimum}..{maximum}, got {value}")
    return value


def resolve_threads(threads: object) -> int:
    """The thread count a public ``threads`` argument stands for: ``None``
    means the CPUs this process may use (:func:`walrus_core.backends.cpu_count`),
    an int k >= 1 means k threads; anything else is an error. The result is
    >= 1 and fits the native layer, which caps it further."""
    if threads is None:
        return max(1, cpu_count())
    return min(check_int(threads, "threads (None: every CPU this process may use)", 1), _NATIVE_THREADS_MAX)


def as_list(values: Any, what: str) -> list[Any]:
    """``values`` (any iterable of objects, not a str or buffer) as a list."""
    if isinstance(values, (str, bytes, bytearray, memoryview)):
        raise InvalidInputError(f"{what} must be an iterable of objects, not {type(values).__name__}")
    try:
        return list(values)
    except TypeError:
        raise InvalidInputError(f"{what} must be iterable, not {type(values).__name__}") from None
