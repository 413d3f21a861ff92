"""Ed25519 node keys (the `cryptography` package, imported only here and only
when a key is used, so the core library works without it)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .._optional import require
from .errors import CertificateError, StorageError
from .files import read_file

# An Ed25519 PKCS#8 PEM is about 120 bytes.
KEY_FILE_MAX = 64 << 10


def _crypto() -> tuple[Any, Any]:
    feature, package = "reference storage", "cryptography"
    ed25519 = require("cryptography.hazmat.primitives.asymmetric.ed25519", feature, package)
    serialization = require("cryptography.hazmat.primitives.serialization", feature, package)
    return ed25519, serialization


def generate_key(path: Path) -> bytes:
    """Create a private key file (PKCS#8 PEM, mode 0600); return the 32-byte public key."""
    ed25519, ser = _crypto()
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    raw: bytes = key.public_key().public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
    return raw


def load_private_key(path: Path) -> Any:
    """The node's key, from a regular file (not through a symbolic link)."""
    ed25519, ser = _crypto()
    try:
        pem = read_file(path, KEY_FILE_MAX)
        if pem is None:
            raise FileNotFoundError(f"no key file {path}")
        key = ser.load_pem_private_key(pem, password=None)
    except (OSError, ValueError, StorageError) as exc:
        raise StorageError(f"cannot load node key {path}: {exc}") from exc
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise StorageError(f"{path} is not an Ed25519 key")
    return key


def verify_signature(public_key: bytes, signature: bytes, message: bytes) -> None:
    """Raise CertificateError unless ``signature`` is valid for ``message``."""
    ed25519, _ = _crypto()
    from cryptography.exceptions import InvalidSignature

    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError) as exc:
        raise CertificateError("signature does not verify") from exc
