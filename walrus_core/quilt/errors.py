"""The errors of quilt encoding and reading. Every one is a
:class:`~walrus_core.errors.InvalidInputError` (a ``ValueError``); those about
one input file carry its ``identifier`` and its ``position`` in the input list
and name it in the message."""

from __future__ import annotations

from ..errors import DataTooLargeError, InvalidInputError, VerificationError

_SHOWN_CHARS = 60


def describe(identifier: object, position: int | None) -> str:
    """``file 3 ('a.txt')``: how a message names an input file (long identifiers are cut)."""
    text = repr(identifier)
    if len(text) > _SHOWN_CHARS:
        length = len(identifier) if isinstance(identifier, str) else "?"
        text = f"{text[: _SHOWN_CHARS - 5]}...' ({length} characters)"
    return f"file {position} ({text})" if position is not None else f"file {text}"


class QuiltError(InvalidInputError):
    """Base class of every quilt error."""

    def __init__(self, message: str, *, identifier: object = None, position: int | None = None) -> None:
        if identifier is not None or position is not None:
            message = f"{describe(identifier, position)}: {message}"
        super().__init__(message)
        self.identifier = identifier
        self.position = position


class QuiltTypeError(QuiltError, TypeError):
    """A file, identifier, tag or data of the wrong type (also a ValueError,
    like every quilt input error)."""


class InvalidIdentifierError(QuiltError):
    """An identifier breaks Walrus's rules: empty, over 65531 UTF-8 bytes,
    a control character, trailing whitespace, or not encodable as UTF-8."""


class DuplicateIdentifierError(QuiltError):
    """Two files have the same identifier."""


class TagsTooLargeError(QuiltError):
    """A file's serialized tag map is longer than its 16-bit size field allows."""


class TooManyPatchesError(QuiltError):
    """More files than the quilt has columns for (at most s - 1 = n - f - 1)."""


class QuiltOversizeError(QuiltError, DataTooLargeError):
    """The files do not fit one blob (a symbol size over 65534, or a patch
    longer than its 32-bit length field)."""


class UnsupportedLayoutError(QuiltError):
    """An input on which Walrus's Rust encoder aborts (an empty file whose
    header fills whole columns up to the last one); refused instead."""


class InvalidPatchIdError(QuiltError):
    """A patch ID text or byte string is malformed, or is not a patch of this quilt."""


class PatchNotFoundError(QuiltError):
    """No patch of the quilt has this identifier or patch ID."""


class CorruptQuiltError(QuiltError, VerificationError):
    """The bytes read are not a well-formed quilt (index or patch header)."""


__all__ = [
    "CorruptQuiltError",
    "DuplicateIdentifierError",
    "InvalidIdentifierError",
    "InvalidPatchIdError",
    "PatchNotFoundError",
    "QuiltError",
    "QuiltOversizeError",
    "QuiltTypeError",
    "TagsTooLargeError",
    "TooManyPatchesError",
    "UnsupportedLayoutError",
]
