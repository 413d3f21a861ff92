"""BLS12-381 signatures exactly as Walrus storage nodes make them: fastcrypto
``bls12381::min_pk``, i.e. the IETF basic scheme with public keys in G1 (48
bytes compressed) and signatures in G2 (96 bytes), hashed to G2 with the DST
below. The curve arithmetic is blst's, through the ``pyblst`` bindings
(imported only when a key is used, so the core library works without it)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from .._optional import require
from ..errors import InvalidInputError, VerificationError

DST = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_"
PUBLIC_KEY_LEN = 48
SIGNATURE_LEN = 96
SECRET_KEY_LEN = 32
# order of the G1 / G2 subgroups
CURVE_ORDER = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
_G1_GENERATOR = bytes.fromhex(
    "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
)


def _blst() -> Any:
    return require("pyblst", "BLS confirmations", "pyblst")


def _scalar(secret_key: bytes) -> int:
    if len(secret_key) != SECRET_KEY_LEN:
        raise InvalidInputError(f"a BLS secret key is {SECRET_KEY_LEN} bytes, got {len(secret_key)}")
    value = int.from_bytes(secret_key, "big")
    if not 0 < value < CURVE_ORDER:
        raise InvalidInputError("BLS secret key out of range (must be in 1..r-1)")
    return value


def generate_secret_key() -> bytes:
    """A fresh secret key: a uniform scalar in 1..r-1, 32 bytes big-endian."""
    return (1 + secrets.randbelow(CURVE_ORDER - 1)).to_bytes(SECRET_KEY_LEN, "big")


def public_key(secret_key: bytes) -> bytes:
    """The compressed G1 public key of a secret key."""
    blst = _blst()
    point = blst.BlstP1Element.uncompress(_G1_GENERATOR).scalar_mul(_scalar(secret_key))
    return bytes(point.compress())


def sign(secret_key: bytes, message: bytes) -> bytes:
    """The 96-byte signature of ``message`` (the raw serialized message)."""
    blst = _blst()
    point = blst.BlstP2Element.hash_to_group(bytes(message), DST).scalar_mul(_scalar(secret_key))
    return bytes(point.compress())


def _in_subgroup(point: Any, identity: Any) -> bool:
    return bool(point != identity and point.scalar_mul(CURVE_ORDER) == identity)


def verify(public_key_bytes: bytes, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is valid for ``message`` under the key. Malformed
    keys and signatures, the identity, and points outside the prime-order
    subgroup are rejected (False), never raised."""
    blst = _blst()
    if len(public_key_bytes) != PUBLIC_KEY_LEN or len(signature) != SIGNATURE_LEN:
        return False
    try:
        pk = blst.BlstP1Element.uncompress(bytes(public_key_bytes))
        sig = blst.BlstP2Element.uncompress(bytes(signature))
    except ValueError:
        return False
    if not (_in_subgroup(pk, blst.BlstP1Element()) and _in_subgroup(sig, blst.BlstP2Element())):
        return False
    generator = blst.BlstP1Element.uncompress(_G1_GENERATOR)
    hashed = blst.BlstP2Element.hash_to_group(bytes(message), DST)
    # e(g1, sig) == e(pk, H(m))
    return bool(blst.final_verify(blst.miller_loop(generator, sig), blst.miller_loop(pk, hashed)))


def check(public_key_bytes: bytes, signature: bytes, message: bytes) -> None:
    """:func:`verify`, raising :class:`VerificationError` on failure."""
    if not verify(public_key_bytes, signature, message):
        raise VerificationError("BLS signature does not verify")


def write_secret_key(path: Path, secret_key: bytes) -> None:
    """Create a key file (32 bytes big-endian, mode 0600); never overwrites."""
    _scalar(secret_key)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(secret_key)
        fh.flush()
        os.fsync(fh.fileno())


def read_secret_key(path: Path) -> bytes:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"cannot read BLS key {path}: {exc.strerror or exc}") from exc
    _scalar(raw)
    return raw


def _sum(point_type: Any, items: list[bytes], what: str) -> bytes:
    if not items:
        raise InvalidInputError(f"no {what}s to aggregate")
    total = point_type()
    try:
        for item in items:
            total = total + point_type.uncompress(bytes(item))
    except ValueError as exc:
        raise InvalidInputError(f"malformed BLS {what}: {exc}") from None
    return bytes(total.compress())


def aggregate_signatures(signatures: list[bytes]) -> bytes:
    """The sum of signatures over one message (Walrus certificates)."""
    return _sum(_blst().BlstP2Element, signatures, "signature")


def aggregate_public_keys(public_keys: list[bytes]) -> bytes:
    """The sum of public keys (verifies an aggregate signature over one message)."""
    return _sum(_blst().BlstP1Element, public_keys, "public key")
