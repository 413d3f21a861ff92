"""walrus_core: Walrus RedStuff (RS2) erasure coding and commitments, with a
native SIMD core."""

from __future__ import annotations

from . import backends, errors, rs2
from .errors import (
    BackendUnavailableError,
    DataTooLargeError,
    InconsistentBlobError,
    InvalidBlobIdError,
    InvalidBufferError,
    InvalidInputError,
    InvalidProofError,
    NotEnoughShardsError,
    VerificationError,
    WalrusCoreError,
)

__version__ = "0.1.0"

backends._apply_environment()

__all__ = [
    "BackendUnavailableError",
    "DataTooLargeError",
    "InconsistentBlobError",
    "InvalidBlobIdError",
    "InvalidBufferError",
    "InvalidInputError",
    "InvalidProofError",
    "NotEnoughShardsError",
    "VerificationError",
    "WalrusCoreError",
    "__version__",
    "backends",
    "errors",
    "rs2",
]
