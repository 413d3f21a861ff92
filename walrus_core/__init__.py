"""walrus_core: Walrus RedStuff (RS2) erasure coding and commitments, with a
native SIMD core."""

from __future__ import annotations

from . import backends, blob, config, errors, merkle, metadata, recovery, rs2, sliver
from .blob import (
    DecodeResult,
    EncodedBlob,
    blob_id,
    compute_metadata,
    decode,
    decode_verbose,
    encode,
    encode_into,
    encode_to,
    output_sizes,
)
from .config import EncodingConfig
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
from .hashing import blake2b256, blake2b256_many
from .merkle import MerkleProof, MerkleTree, merkle_root, merkle_root_from_leaf_hashes
from .metadata import (
    BlobId,
    BlobMetadata,
    SliverPairMetadata,
    decode_sliver_bcs,
    encode_sliver_bcs,
    pair_index_for_shard,
    shard_index_for_pair,
)
from .recovery import InconsistencyProof, RecoverySymbol, recover_sliver, recovery_symbol, recovery_symbols
from .sliver import Sliver, SliverPair, verify_sliver, verify_slivers

__version__ = "0.1.0"

backends._apply_environment()

__all__ = [
    "BackendUnavailableError",
    "BlobId",
    "BlobMetadata",
    "DataTooLargeError",
    "DecodeResult",
    "EncodedBlob",
    "EncodingConfig",
    "InconsistencyProof",
    "InconsistentBlobError",
    "InvalidBlobIdError",
    "InvalidBufferError",
    "InvalidInputError",
    "InvalidProofError",
    "MerkleProof",
    "MerkleTree",
    "NotEnoughShardsError",
    "RecoverySymbol",
    "Sliver",
    "SliverPair",
    "SliverPairMetadata",
    "VerificationError",
    "WalrusCoreError",
    "__version__",
    "backends",
    "blake2b256",
    "blake2b256_many",
    "blob",
    "blob_id",
    "compute_metadata",
    "config",
    "decode",
    "decode_sliver_bcs",
    "decode_verbose",
    "encode",
    "encode_into",
    "encode_sliver_bcs",
    "encode_to",
    "errors",
    "merkle",
    "merkle_root",
    "merkle_root_from_leaf_hashes",
    "metadata",
    "output_sizes",
    "pair_index_for_shard",
    "recover_sliver",
    "recovery",
    "recovery_symbol",
    "recovery_symbols",
    "rs2",
    "shard_index_for_pair",
    "sliver",
    "verify_sliver",
    "verify_slivers",
]
