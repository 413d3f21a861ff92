"""Pure-Python oracle for Walrus Merkle trees and blob IDs, written from the
spec (walrus-rs2.md §4, §5) with hashlib only. Slow and obvious on purpose.

H = Blake2b-256 (digest_size=32). leaf = H(0x00 || data); inner =
H(0x01 || left || right); an odd level gets one all-zero node; no leaves ->
32 zero bytes; blob_id = H(0x01 || LE64(length) || root over the pair leaves
primary || secondary); text = unpadded URL-safe base64."""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Sequence

ZERO = bytes(32)


def h(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def leaf_hash(leaf: bytes) -> bytes:
    return h(b"\x00" + leaf)


def inner_hash(left: bytes, right: bytes) -> bytes:
    return h(b"\x01" + left + right)


def levels(leaf_hashes: Sequence[bytes]) -> list[list[bytes]]:
    """Every level, leaves first, each odd level (except the root level)
    padded with the zero node."""
    level = list(leaf_hashes)
    out = []
    while len(level) > 1:
        if len(level) % 2:
            level.append(ZERO)
        out.append(level)
        level = [inner_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    out.append(level)
    return out


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    if not leaf_hashes:
        return ZERO
    return levels(leaf_hashes)[-1][0]


def root(leaves: Sequence[bytes]) -> bytes:
    return root_from_leaf_hashes([leaf_hash(x) for x in leaves])


def root_of_buffer(data: bytes, leaf_size: int) -> bytes:
    return root([data[i : i + leaf_size] for i in range(0, len(data), leaf_size)])


def proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Siblings from the leaf level up."""
    path = []
    for level in levels(leaf_hashes)[:-1]:
        path.append(level[index ^ 1])
        index //= 2
    return path


def verify(leaf_hash_: bytes, index: int, path: Sequence[bytes], root_: bytes) -> bool:
    if index < 0 or index >> len(path):
        return False
    cur = leaf_hash_
    for height, sibling in enumerate(path):
        cur = inner_hash(sibling, cur) if (index >> height) & 1 else inner_hash(cur, sibling)
    return cur == root_


def pair_root(pairs: Sequence[tuple[bytes, bytes]]) -> bytes:
    return root([p + s for p, s in pairs])


def blob_id(length: int, pairs: Sequence[tuple[bytes, bytes]]) -> bytes:
    return h(b"\x01" + struct.pack("<Q", length) + pair_root(pairs))


def blob_id_text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
