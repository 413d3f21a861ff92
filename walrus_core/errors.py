"""The exceptions walrus_core raises. Every error is a WalrusCoreError; input
errors also subclass ValueError (or TypeError for the wrong kind of object),
so callers that already catch those keep working."""

from __future__ import annotations


class WalrusCoreError(Exception):
    """Base class of every walrus_core error."""


class InvalidInputError(WalrusCoreError, ValueError):
    """An argument has the right type but a wrong value: size, count, index."""


class InvalidBufferError(WalrusCoreError, TypeError):
    """An argument is not a contiguous byte buffer (or not a buffer at all)."""


class NotEnoughShardsError(InvalidInputError):
    """Too few distinct, valid shards, symbols or slivers to decode."""


class DataTooLargeError(InvalidInputError):
    """The blob is larger than the shard count allows (symbol size > 65534)."""


class MemoryBudgetError(InvalidInputError):
    """The work cannot fit in the memory budget it was given."""


class InvalidBlobIdError(InvalidInputError):
    """A blob ID text or byte string is malformed."""


class MissingDependencyError(WalrusCoreError, ImportError):
    """An optional third-party package that this feature needs is not installed."""


class BackendUnavailableError(WalrusCoreError, RuntimeError):
    """A SIMD backend was requested that is unknown, compiled out, or not
    supported by this CPU and OS."""


class VerificationError(WalrusCoreError, ValueError):
    """Data does not match its commitment (hash, Merkle root, blob ID)."""


class InvalidProofError(VerificationError):
    """A Merkle inclusion proof does not verify."""


class InconsistentBlobError(VerificationError):
    """The blob was encoded inconsistently: its slivers decode, but to data
    that does not reproduce the committed metadata."""


__all__ = [
    "BackendUnavailableError",
    "DataTooLargeError",
    "InconsistentBlobError",
    "InvalidBlobIdError",
    "InvalidBufferError",
    "InvalidInputError",
    "InvalidProofError",
    "MissingDependencyError",
    "NotEnoughShardsError",
    "VerificationError",
    "WalrusCoreError",
]
