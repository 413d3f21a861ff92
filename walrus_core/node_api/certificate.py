"""Blob certificates as Walrus forms them: the confirmation message of an
epoch, the nodes that signed it, and the sum of their BLS signatures, valid
once the signers hold at least n - f shards."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import VerificationError
from ..metadata import BlobId
from . import bls, wire

if TYPE_CHECKING:
    from ..reference.committee import Committee

CERTIFICATE_FORMAT = "walrus-core-bls-certificate/1"


def make_certificate(
    committee: Committee, blob_id: BlobId, message: bytes, signatures: Mapping[int, bytes]
) -> dict[str, Any]:
    """Walrus's certificate shape: the signers, the message and the aggregate
    (sum) of their BLS signatures over it."""
    signers = sorted(signatures)
    shards = {t for i in signers for t in committee.nodes[i].shards}
    return {
        "format": CERTIFICATE_FORMAT,
        "blob_id": str(blob_id),
        "epoch": committee.epoch,
        "n_shards": committee.n_shards,
        "threshold": committee.quorum,
        "signed_shards": len(shards),
        "signers": signers,
        "serialized_message": wire.b64(message),
        "aggregate_signature": wire.b64(bls.aggregate_signatures([signatures[i] for i in signers])),
    }


def verify_certificate(committee: Committee, blob_id: BlobId, cert: Mapping[str, Any]) -> int:
    """Check a BLS certificate: right blob and epoch message, signers holding
    at least n - f shards, aggregate signature valid for their aggregate key.
    Returns the shards signed for; raises VerificationError."""
    try:
        signers = [int(i) for i in cert["signers"]]
        message = wire.unb64(cert["serialized_message"], "serialized_message")
        signature = wire.unb64(cert["aggregate_signature"], "aggregate_signature")
        keys = [committee.nodes[i].bls_public_key for i in signers]
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise VerificationError(f"malformed certificate for {blob_id}: {exc}") from exc
    if cert.get("format") != CERTIFICATE_FORMAT or len(set(signers)) != len(signers):
        raise VerificationError(f"certificate is not a BLS certificate for {blob_id}")
    if message != wire.confirmation_message(committee.epoch, blob_id):
        raise VerificationError(f"certificate does not confirm {blob_id} in epoch {committee.epoch}")
    if any(k is None for k in keys) or not bls.verify(
        bls.aggregate_public_keys([k for k in keys if k]), signature, message
    ):
        raise VerificationError(f"certificate signature for {blob_id} does not verify")
    shards = {t for i in signers for t in committee.nodes[i].shards}
    if len(shards) < committee.quorum:
        raise VerificationError(f"certificate signs {len(shards)} shards, needs {committee.quorum}")
    return len(shards)
