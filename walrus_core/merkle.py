"""Walrus Merkle trees and inclusion proofs (format §4).

Hash H = Blake2b-256. A leaf is ``H(0x00 || leaf)``, an inner node
``H(0x01 || left || right)``; a level with an odd number of nodes gets one
all-zero 32-byte node; zero leaves give the all-zero root and one leaf gives
its leaf hash. Roots, trees and proofs are computed by the native core
through the active SIMD backend (multi-buffer Blake2b), with the GIL
released.

Public API: :func:`merkle_root` (the stable entry point: root over the
consecutive ``leaf_size``-byte leaves of one buffer), :func:`leaf_hash`,
:func:`leaf_hashes`, :func:`inner_hash`, :func:`merkle_root_from_leaf_hashes`,
:func:`merkle_roots_many`, :class:`MerkleTree` and :class:`MerkleProof`
(with its BCS form ``uleb128(len) || nodes``, node = ``0x00`` (empty) or
``0x01 || 32 bytes``).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, cast

from . import _native
from ._args import check_int, resolve_threads
from ._bcs import Reader, uleb128
from ._bcs import as_bytes as _as_bytes
from .errors import InvalidInputError, InvalidProofError

if TYPE_CHECKING:
    from typing_extensions import Buffer

DIGEST_LEN = 32
"""Bytes per Merkle node."""

ZERO_NODE = bytes(DIGEST_LEN)
"""The empty node (padding, empty tree root)."""

LEAF_PREFIX = 0x00
INNER_PREFIX = 0x01

_NODE_EMPTY = 0x00
_NODE_DIGEST = 0x01


def _node(value: Buffer, what: str) -> bytes:
    b = _as_bytes(value, what)
    if len(b) != DIGEST_LEN:
        raise InvalidInputError(f"{what} must be {DIGEST_LEN} bytes, got {len(b)}")
    return b


def _size(value: int, what: str) -> int:
    """An int in 0 .. sys.maxsize (what the native layer can take)."""
    return check_int(value, what, 0, sys.maxsize)


def merkle_root(data: Buffer, leaf_size: int, *, threads: int | None = 1) -> bytes:
    """Walrus Merkle root over the consecutive ``leaf_size``-byte leaves of
    ``data`` (each hashed with the leaf prefix). ``len(data)`` must be a
    multiple of ``leaf_size`` (>= 1); empty data gives 32 zero bytes.

    By default single-threaded (on the calling thread, GIL released) with
    O(log n) memory. ``threads`` means what it means everywhere (None: every
    CPU this process may use, k: k threads): large inputs (>= 2^13 leaves)
    are split into aligned blocks hashed on that many native threads; the
    result is the same."""
    t = resolve_threads(threads)
    return _native.merkle_root(data, _size(leaf_size, "leaf_size"), t)


def leaf_hash(leaf: Buffer) -> bytes:
    """``H(0x00 || leaf)`` for one leaf of any length."""
    return hashlib.blake2b(b"\x00" + _as_bytes(leaf, "leaf"), digest_size=DIGEST_LEN).digest()


def leaf_hashes(data: Buffer, leaf_size: int) -> bytes:
    """Leaf hashes of the consecutive ``leaf_size``-byte leaves of ``data``,
    concatenated (32 bytes each)."""
    return _native.merkle_leaf_hashes(data, _size(leaf_size, "leaf_size"))


def inner_hash(left: Buffer, right: Buffer) -> bytes:
    """``H(0x01 || left || right)``."""
    msg = b"\x01" + _node(left, "left") + _node(right, "right")
    return hashlib.blake2b(msg, digest_size=DIGEST_LEN).digest()


def merkle_root_from_leaf_hashes(leaf_hashes: Buffer | Sequence[bytes]) -> bytes:
    """Root over already hashed leaves: one buffer of ``32·n`` bytes, or a
    sequence of 32-byte nodes."""
    return _native.merkle_root_from_leaf_hashes(_join_nodes(leaf_hashes, "leaf_hashes"))


def merkle_roots_many(leaf_hashes: Buffer, n_trees: int) -> list[bytes]:
    """Roots of ``n_trees`` trees of equal size whose leaf hashes lie back to
    back in one buffer (tree t = the t-th equal slice). Every level of all
    trees is hashed in shared multi-buffer batches."""
    out = _native.merkle_roots_many(leaf_hashes, _size(n_trees, "n_trees"))
    return [out[i : i + DIGEST_LEN] for i in range(0, len(out), DIGEST_LEN)]


def level_nodes(leaf_hashes: Buffer | Sequence[bytes], height: int) -> list[bytes]:
    """The nodes at ``height`` of the tree over these leaf hashes: node j is
    the root of the aligned block of leaves ``[j·2^height, (j+1)·2^height)``
    (a short last block padded as the whole tree pads it). ``height`` may be
    0 .. merkle_proof_len(n); the root over these nodes, taken as
    leaf hashes, is the root of the whole tree."""
    out = _native.merkle_level_nodes(_join_nodes(leaf_hashes, "leaf_hashes"), _size(height, "height"))
    return [out[i : i + DIGEST_LEN] for i in range(0, len(out), DIGEST_LEN)]


def merkle_proof_len(n_leaves: int) -> int:
    """Length of an inclusion proof in a tree of ``n_leaves`` leaves:
    ``ceil(log2(n_leaves))`` (0 for one leaf)."""
    return _native.merkle_proof_len(_size(n_leaves, "n_leaves"))


def _is_buffer(obj: object) -> bool:
    """True for any object that exports the buffer protocol (numpy, mmap ...)."""
    try:
        memoryview(obj)  # type: ignore[arg-type]
    except TypeError:
        return False
    except (ValueError, BufferError):
        return True  # a buffer we cannot read: _as_bytes reports it
    return True


def _iter(values: object, what: str) -> Iterable[object]:
    """``values`` as an iterable, or InvalidInputError when it is not one."""
    try:
        return iter(values)  # type: ignore[call-overload,no-any-return]
    except TypeError:
        raise InvalidInputError(f"{what} must be an iterable, not {type(values).__name__}") from None


def _join_nodes(nodes: Buffer | Sequence[bytes], what: str) -> bytes:
    if isinstance(nodes, (list, tuple)):
        return b"".join(_node(x, f"{what}[{i}]") for i, x in enumerate(nodes))
    b = _as_bytes(nodes, what)  # type: ignore[arg-type]
    if len(b) % DIGEST_LEN:
        raise InvalidInputError(f"{what}: length {len(b)} is not a multiple of {DIGEST_LEN}")
    return b


class MerkleProof:
    """An inclusion proof: the sibling nodes from the leaf level up (the
    zero node where the sibling is padding). At height h, bit h of the leaf
    index says whether the running hash is the right (1) or left (0) child.
    """

    __slots__ = ("_path",)

    def __init__(self, path: Iterable[Buffer] | Buffer = ()) -> None:
        if isinstance(path, (bytes, bytearray, memoryview)) or _is_buffer(path):
            joined = _join_nodes(cast("Buffer", path), "path")
        else:
            items = cast("Iterable[Buffer]", _iter(path, "path"))
            joined = b"".join(_node(x, f"path[{i}]") for i, x in enumerate(items))
        self._path = joined

    @property
    def path(self) -> tuple[bytes, ...]:
        """The sibling nodes, leaf level first."""
        p = self._path
        return tuple(p[i : i + DIGEST_LEN] for i in range(0, len(p), DIGEST_LEN))

    def path_bytes(self) -> bytes:
        """The sibling nodes concatenated (32 bytes each)."""
        return self._path

    def __len__(self) -> int:
        return len(self._path) // DIGEST_LEN

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MerkleProof) and other._path == self._path

    def __hash__(self) -> int:
        return hash(self._path)

    def __repr__(self) -> str:
        return f"MerkleProof(len={len(self)})"

    def compute_root(self, leaf_hash: Buffer, index: int) -> bytes | None:
        """The root this proof leads to from a leaf hash, or None when the
        index does not fit the path (``index >= 2**len(path)``)."""
        cur = _node(leaf_hash, "leaf_hash")
        index = check_int(index, "index")
        if index < 0 or index >> len(self) != 0:
            return None
        for h, sibling in enumerate(self.path):
            cur = inner_hash(sibling, cur) if (index >> h) & 1 else inner_hash(cur, sibling)
        return cur

    def verify_leaf_hash(
        self, leaf_hash: Buffer, index: int, root: Buffer, *, n_leaves: int | None = None
    ) -> bool:
        """True when this proof shows ``leaf_hash`` at ``index`` under
        ``root``. With ``n_leaves``, also require ``index < n_leaves`` and
        the exact path length for that tree size."""
        lh = _node(leaf_hash, "leaf_hash")
        r = _node(root, "root")
        index = check_int(index, "index")
        if n_leaves is not None and (
            not 0 <= index < _size(n_leaves, "n_leaves") or len(self) != merkle_proof_len(n_leaves)
        ):
            return False
        if index < 0 or index >> len(self) != 0:
            return False
        if index > sys.maxsize:  # beyond the native index type; no real tree is that big
            return self.compute_root(lh, index) == r
        return _native.merkle_verify(lh, index, self._path, r)

    def verify(self, leaf: Buffer, index: int, root: Buffer, *, n_leaves: int | None = None) -> bool:
        """True when this proof shows the leaf DATA ``leaf`` (hashed with the
        leaf prefix) at ``index`` under ``root``."""
        return self.verify_leaf_hash(leaf_hash(leaf), index, root, n_leaves=n_leaves)

    def check(self, leaf: Buffer, index: int, root: Buffer, *, n_leaves: int | None = None) -> None:
        """Like :meth:`verify`, raising :class:`InvalidProofError` on failure."""
        if not self.verify(leaf, index, root, n_leaves=n_leaves):
            raise InvalidProofError(f"Merkle proof for leaf {index} does not verify")

    def to_bcs(self) -> bytes:
        """BCS: ``uleb128(len) || nodes``, node = ``0x00`` for the empty
        (all-zero) node, else ``0x01 || 32 bytes`` (Walrus ``Node`` enum)."""
        out = bytearray(uleb128(len(self)))
        for node in self.path:
            if node == ZERO_NODE:
                out.append(_NODE_EMPTY)
            else:
                out.append(_NODE_DIGEST)
                out += node
        return bytes(out)

    @classmethod
    def from_bcs(cls, data: Buffer) -> MerkleProof:
        """Parse :meth:`to_bcs` output (strict: no trailing bytes)."""
        reader = Reader(_as_bytes(data, "data"), "MerkleProof BCS")
        proof = cls._read_bcs(reader)
        reader.finish()
        return proof

    @classmethod
    def _read_bcs(cls, reader: Reader) -> MerkleProof:
        count = reader.uleb128()
        if count > 64:
            raise InvalidInputError(f"MerkleProof BCS: path of {count} nodes is longer than any tree")
        return cls([read_node_bcs(reader) for _ in range(count)])


def read_node_bcs(reader: Reader) -> bytes:
    """One BCS ``Node``: ``0x00`` (empty -> zero node) or ``0x01 || 32 bytes``.
    The all-zero node has only its canonical encoding, ``0x00``: ``0x01``
    followed by 32 zero bytes is refused, so that every object has one
    encoding (as :func:`node_bcs` and Walrus write it)."""
    tag = reader.u8()
    if tag == _NODE_EMPTY:
        return ZERO_NODE
    if tag == _NODE_DIGEST:
        node = reader.take(DIGEST_LEN)
        if node == ZERO_NODE:
            raise InvalidInputError("Merkle node BCS: the empty node encoded as a digest (not canonical)")
        return node
    raise InvalidInputError(f"Merkle node BCS: unknown variant tag {tag}")


def node_bcs(node: bytes) -> bytes:
    """BCS of one ``Node`` (the all-zero node as ``Empty``)."""
    return b"\x00" if node == ZERO_NODE else b"\x01" + node


class MerkleTree:
    """A whole Walrus Merkle tree, for its root and cheap proofs of any leaf.

    ``MerkleTree(leaves)`` hashes each leaf (any lengths) with the leaf
    prefix; :meth:`from_leaf_hashes` takes already hashed leaves and
    :meth:`from_data` the consecutive ``leaf_size``-byte leaves of one
    buffer. Nodes are stored level by level as Walrus stores them (each
    level with more than one node padded to even length)."""

    __slots__ = ("_n", "_nodes")

    def __init__(self, leaves: Iterable[Buffer]) -> None:
        items = [_as_bytes(x, "leaf") for x in _iter(leaves, "leaves")]  # type: ignore[arg-type]
        if items and len(items[0]) > 0 and all(len(x) == len(items[0]) for x in items):
            hashes = _native.merkle_leaf_hashes(b"".join(items), len(items[0]))
        else:
            hashes = b"".join(leaf_hash(x) for x in items)
        self._init(hashes)

    def _init(self, leaf_hashes: bytes) -> None:
        self._n = len(leaf_hashes) // DIGEST_LEN
        self._nodes = _native.merkle_tree_build(leaf_hashes)

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Buffer | Sequence[bytes]) -> MerkleTree:
        tree = cls.__new__(cls)
        tree._init(_join_nodes(leaf_hashes, "leaf_hashes"))
        return tree

    @classmethod
    def from_data(cls, data: Buffer, leaf_size: int) -> MerkleTree:
        tree = cls.__new__(cls)
        tree._init(leaf_hashes(data, leaf_size))
        return tree

    @property
    def n_leaves(self) -> int:
        return self._n

    def __len__(self) -> int:
        return self._n

    @property
    def root(self) -> bytes:
        """The root (32 zero bytes for an empty tree)."""
        return self._nodes[-DIGEST_LEN:] if self._n else ZERO_NODE

    def leaf_hash(self, index: int) -> bytes:
        index = self._check_index(index)
        return self._nodes[DIGEST_LEN * index : DIGEST_LEN * (index + 1)]

    def _check_index(self, index: int) -> int:
        return check_int(index, "leaf index", 0, self._n - 1)

    def proof(self, index: int) -> MerkleProof:
        """Inclusion proof of leaf ``index``."""
        index = self._check_index(index)
        return MerkleProof(_native.merkle_tree_proof(self._nodes, self._n, index))

    def __repr__(self) -> str:
        return f"MerkleTree(n_leaves={self._n}, root={self.root.hex()})"


__all__ = [
    "DIGEST_LEN",
    "INNER_PREFIX",
    "LEAF_PREFIX",
    "ZERO_NODE",
    "MerkleProof",
    "MerkleTree",
    "inner_hash",
    "leaf_hash",
    "leaf_hashes",
    "level_nodes",
    "merkle_proof_len",
    "merkle_root",
    "merkle_root_from_leaf_hashes",
    "merkle_roots_many",
    "node_bcs",
    "read_node_bcs",
]
