"""Argument checks shared by every public entry point: strict integers (an
``int``, never a ``bool``, ``float`` or ``str``) and the one meaning of
``threads``. Each raises :class:`~walrus_core.errors.InvalidInputError`
naming the argument."""

from __future__ import annotations

import ctypes
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


class _PyBuffer(ctypes.Structure):
    """CPython's ``Py_buffer`` (part of the stable ABI)."""

    _fields_ = (
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.c_void_p),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.c_void_p),
        ("strides", ctypes.c_void_p),
        ("suboffsets", ctypes.c_void_p),
        ("internal", ctypes.c_void_p),
    )


_get_buffer = ctypes.pythonapi.PyObject_GetBuffer
_get_buffer.argtypes = (ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int)
_get_buffer.restype = ctypes.c_int
_release_buffer = ctypes.pythonapi.PyBuffer_Release
_release_buffer.argtypes = (ctypes.POINTER(_PyBuffer),)
_release_buffer.restype = None


def _span(obj: object) -> tuple[int, int] | None:
    """(address, bytes) of a contiguous buffer, read-only ones included; None
    for anything that is not one (the native layer then says what is wrong)."""
    view = _PyBuffer()
    try:
        _get_buffer(obj, ctypes.byref(view), 0)  # PyBUF_SIMPLE: contiguous bytes
    except (TypeError, ValueError, BufferError):
        return None
    try:
        return (view.buf or 0), view.len
    finally:
        _release_buffer(ctypes.byref(view))


def check_disjoint(buffers: dict[str, object]) -> None:
    """Refuse buffers that share memory (two views of one array, say): the
    native core writes one while it reads or writes the other."""
    spans = [(what, span) for what, obj in buffers.items() if (span := _span(obj)) is not None and span[1]]
    for i, (what_a, (a, len_a)) in enumerate(spans):
        for what_b, (b, len_b) in spans[i + 1 :]:
            if a < b + len_b and b < a + len_a:
                raise InvalidInputError(f"{what_a} and {what_b} share memory; give separate buffers")
