"""Errors of the reference storage layer. All are WalrusCoreError subclasses,
so one ``except WalrusCoreError`` catches everything walrus_core raises."""

from __future__ import annotations

from ..errors import InvalidInputError, NotEnoughShardsError, VerificationError, WalrusCoreError


class StorageError(WalrusCoreError):
    """A reference-storage operation could not be completed (the message says why)."""


class UnsafeNameError(StorageError, InvalidInputError):
    """A blob ID, index or file name that could escape a node directory, or is not
    one this layer derives itself, was refused."""


class CommitteeError(StorageError, InvalidInputError):
    """The committee directory or its committee file is missing or malformed."""


class BlobUnavailableError(StorageError, NotEnoughShardsError):
    """Too few valid slivers (or no valid metadata) to read or repair a blob."""


class CertificateError(StorageError, VerificationError):
    """An acknowledgment or availability certificate does not verify."""


class StoreIncompleteError(StorageError):
    """Too few nodes acknowledged a store to certify the blob."""


__all__ = [
    "BlobUnavailableError",
    "CertificateError",
    "CommitteeError",
    "StorageError",
    "StoreIncompleteError",
    "UnsafeNameError",
]
