"""Merkle roots, trees and proofs (spec §4) against the hashlib-only oracle in
tests/reference/merkle_ref.py, on every backend."""

from __future__ import annotations

import array
import mmap

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import merkle_ref as ref

import walrus_core
from walrus_core import _native, merkle
from walrus_core.errors import InvalidBufferError, InvalidInputError, InvalidProofError
from walrus_core.merkle import MerkleProof, MerkleTree, merkle_root


def _data(n: int, seed: int = 0) -> bytes:
    """Deterministic bytes (i % 251 pattern with a seed)."""
    return bytes((i * 7 + seed) % 251 for i in range(n))


@pytest.mark.parametrize("leaf_size", [1, 2, 3, 5, 64, 127, 128, 129])
def test_merkle_root_small_n(backend: str, leaf_size: int) -> None:
    for n in range(0, 71):
        data = _data(n * leaf_size, seed=n)
        assert merkle_root(data, leaf_size) == ref.root_of_buffer(data, leaf_size), (n, leaf_size)


@pytest.mark.parametrize("n", [511, 512, 513, 1000, 1023, 1024, 1025, 1537, 4097, 8193])
def test_merkle_root_across_buffer_boundaries(backend: str, n: int) -> None:
    data = _data(2 * n, seed=3)
    assert merkle_root(data, 2) == ref.root_of_buffer(data, 2)


def test_stable_name_and_known_shapes(backend: str) -> None:
    assert walrus_core.merkle_root is merkle_root
    assert merkle_root(b"", 2) == bytes(32)
    assert merkle_root(b"ab", 2) == ref.h(b"\x00ab")
    two = ref.h(b"\x01" + ref.h(b"\x00ab") + ref.h(b"\x00cd"))
    assert merkle_root(b"abcd", 2) == two
    three = ref.h(b"\x01" + two + ref.h(b"\x01" + ref.h(b"\x00ef") + bytes(32)))
    assert merkle_root(b"abcdef", 2) == three


@pytest.mark.parametrize("n", [5000, 3 * 4096 + 5, 40_000])
def test_merkle_root_threads(backend: str, n: int) -> None:
    data = _data(2 * n, seed=n)
    want = merkle_root(data, 2)
    assert want == ref.root_of_buffer(data, 2)
    for threads in (None, 1, 2, 3, 8):
        assert merkle_root(data, 2, threads=threads) == want
    for bad in (0, -1, True, 2.0, "2"):
        with pytest.raises(InvalidInputError):
            merkle_root(data, 2, threads=bad)


def test_merkle_root_4k_leaves(backend: str) -> None:
    data = _data(4096 * 33, seed=9)
    assert merkle_root(data, 4096) == ref.root_of_buffer(data, 4096)


def test_buffer_kinds(backend: str) -> None:
    data = _data(2 * 77)
    want = ref.root_of_buffer(data, 2)
    assert merkle_root(bytearray(data), 2) == want
    assert merkle_root(memoryview(data), 2) == want
    assert merkle_root(array.array("H", data), 2) == want  # bytes, not elements
    assert merkle_root(array.array("B", data), 2) == want
    with mmap.mmap(-1, len(data)) as m:
        m.write(data)
        assert merkle_root(m, 2) == want
    # a read-only view of part of a bigger buffer
    assert merkle_root(memoryview(b"xx" + data)[2:], 2) == want


def test_numpy_buffers(backend: str) -> None:
    np = pytest.importorskip("numpy")
    data = _data(2 * 77)
    want = ref.root_of_buffer(data, 2)
    assert merkle_root(np.frombuffer(data, dtype=np.uint8), 2) == want
    assert merkle_root(np.frombuffer(data, dtype=np.uint16), 2) == want  # bytes, not elements
    with pytest.raises(InvalidBufferError):
        merkle_root(np.zeros((4, 4), dtype=np.uint8)[:, ::2], 2)


def test_merkle_root_bad_input() -> None:
    with pytest.raises(InvalidInputError):
        merkle_root(b"abc", 2)
    with pytest.raises(InvalidInputError):
        merkle_root(b"abcd", 0)
    with pytest.raises(InvalidInputError):
        merkle_root(b"abcd", -2)
    with pytest.raises(InvalidInputError):
        merkle_root(b"abcd", 1 << 70)
    with pytest.raises(InvalidInputError):
        merkle_root(b"abcd", 2.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidBufferError):
        merkle_root("abcd", 2)  # type: ignore[arg-type]
    with pytest.raises(InvalidBufferError):
        merkle_root(memoryview(bytes(16))[::2], 2)
    with pytest.raises(TypeError):  # InvalidBufferError is a TypeError
        merkle_root(None, 2)  # type: ignore[arg-type]
    assert issubclass(InvalidInputError, ValueError)


def test_leaf_hashes_and_root_from_leaf_hashes(backend: str) -> None:
    for n in (0, 1, 2, 3, 9, 100, 515):
        data = _data(3 * n, seed=n)
        lh = merkle.leaf_hashes(data, 3)
        want = [ref.leaf_hash(data[3 * i : 3 * i + 3]) for i in range(n)]
        assert lh == b"".join(want)
        assert merkle.merkle_root_from_leaf_hashes(lh) == ref.root_from_leaf_hashes(want)
        assert merkle.merkle_root_from_leaf_hashes(want) == ref.root_from_leaf_hashes(want)
    with pytest.raises(InvalidInputError):
        merkle.merkle_root_from_leaf_hashes(bytes(33))
    with pytest.raises(InvalidInputError):
        merkle.merkle_root_from_leaf_hashes([bytes(31)])


@pytest.mark.parametrize("n_leaves", [0, 1, 2, 3, 7, 64, 100, 1000, 9000])
def test_roots_many(backend: str, n_leaves: int) -> None:
    n_trees = 5 if n_leaves > 1000 else 21
    all_hashes = [ref.h(i.to_bytes(4, "little")) for i in range(n_trees * n_leaves)]
    roots = merkle.merkle_roots_many(b"".join(all_hashes), n_trees)
    assert len(roots) == n_trees
    for t in range(n_trees):
        assert roots[t] == ref.root_from_leaf_hashes(all_hashes[t * n_leaves : (t + 1) * n_leaves])
    if n_leaves > 1:
        with pytest.raises(InvalidInputError):
            merkle.merkle_roots_many(b"".join(all_hashes[:-1]), n_trees)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 100, 1000])
def test_level_nodes_are_subtree_roots(backend: str, n: int) -> None:
    lh = [ref.h(i.to_bytes(4, "little")) for i in range(n)]
    levels = ref.levels(lh)
    height = merkle.merkle_proof_len(n)
    for h in range(height + 1):
        nodes = _native.merkle_level_nodes(b"".join(lh), h)
        want = levels[h]
        count = -(-n // (1 << h))
        assert nodes == b"".join(want[:count])
        assert merkle.merkle_root_from_leaf_hashes(nodes) == ref.root_from_leaf_hashes(lh)
        assert merkle.level_nodes(lh, h) == want[:count]
    with pytest.raises(InvalidInputError):
        _native.merkle_level_nodes(b"".join(lh), height + 1)
    with pytest.raises(InvalidInputError):
        merkle.level_nodes(lh, -1)
    with pytest.raises(InvalidInputError):
        merkle.level_nodes(lh, 1 << 40)


def test_tree_and_proofs_every_index(backend: str) -> None:
    for n in range(0, 71):
        leaves = [_data(1 + i % 4, seed=i * 31 + n) + i.to_bytes(2, "little") for i in range(n)]
        tree = MerkleTree(leaves)
        lh = [ref.leaf_hash(x) for x in leaves]
        root = ref.root_from_leaf_hashes(lh)
        assert tree.root == root
        assert tree.n_leaves == len(tree) == n
        assert MerkleTree.from_leaf_hashes(lh).root == root
        for i in range(n):
            p = tree.proof(i)
            assert list(p.path) == ref.proof(lh, i)
            assert len(p) == merkle.merkle_proof_len(n) == max(0, (n - 1).bit_length())
            assert p.verify(leaves[i], i, root)
            assert p.verify(leaves[i], i, root, n_leaves=n)
            assert p.verify_leaf_hash(lh[i], i, root)
            assert p.compute_root(lh[i], i) == root
            assert _native.merkle_proof(b"".join(lh), i) == p.path_bytes()
            assert ref.verify(lh[i], i, list(p.path), root)
            p.check(leaves[i], i, root)
            if n > 1:
                assert not p.verify(leaves[(i + 1) % n], i, root)
                with pytest.raises(InvalidProofError):
                    p.check(leaves[(i + 1) % n], i, root)
            assert not p.verify(leaves[i], i + (1 << len(p)), root)
            assert not p.verify(leaves[i], -1, root)
            assert not p.verify(leaves[i], 1 << 80, root)
            if merkle.merkle_proof_len(n + 1) != len(p):
                assert not p.verify(leaves[i], i, root, n_leaves=n + 1)
        with pytest.raises(InvalidInputError):
            tree.proof(n)
        with pytest.raises(InvalidInputError):
            tree.proof(-1)


def test_tree_equal_and_unequal_leaf_lengths(backend: str) -> None:
    same = [b"abc", b"def", b"ghi"]
    mixed = [b"", b"a", b"abcdefgh" * 20]
    assert MerkleTree(same).root == ref.root(same)
    assert MerkleTree(mixed).root == ref.root(mixed)
    assert MerkleTree([]).root == bytes(32)
    data = _data(5 * 40)
    assert MerkleTree.from_data(data, 5).root == merkle_root(data, 5)


def test_proof_bcs() -> None:
    lh = [ref.h(bytes([i])) for i in range(5)]
    tree = MerkleTree.from_leaf_hashes(lh)
    p4 = tree.proof(4)  # siblings: padding zero, padding zero (level 1), real
    wire = p4.to_bcs()
    assert wire == b"\x03\x00\x00\x01" + p4.path[2]
    assert MerkleProof.from_bcs(wire) == p4
    p0 = tree.proof(0)
    assert p0.to_bcs() == b"\x03" + b"".join(b"\x01" + x for x in p0.path)
    assert MerkleProof.from_bcs(p0.to_bcs()) == p0
    assert MerkleProof().to_bcs() == b"\x00"
    assert len(MerkleProof.from_bcs(b"\x00")) == 0
    for bad in (
        b"",  # no length
        b"\x01",  # truncated
        b"\x01\x01" + bytes(31),  # truncated digest
        b"\x01\x02" + bytes(32),  # unknown tag
        b"\x01\x00\x00",  # trailing byte
        b"\x80\x00",  # non-canonical ULEB128
        b"\x41" + b"\x00" * 65,  # longer than any tree
    ):
        with pytest.raises(InvalidInputError):
            MerkleProof.from_bcs(bad)


def test_proof_object_api() -> None:
    p = MerkleProof([bytes(32), b"\x01" * 32])
    assert len(p) == 2 and p.path[1] == b"\x01" * 32
    assert p == MerkleProof(bytes(32) + b"\x01" * 32)
    assert hash(p) == hash(MerkleProof(bytes(32) + b"\x01" * 32))
    assert "len=2" in repr(p)
    with pytest.raises(InvalidInputError):
        MerkleProof([bytes(31)])
    with pytest.raises(InvalidInputError):
        MerkleProof(bytes(33))
    with pytest.raises(InvalidInputError):
        p.verify_leaf_hash(bytes(31), 0, bytes(32))
    with pytest.raises(InvalidInputError):
        p.verify_leaf_hash(bytes(32), 0, bytes(31))


leaf_lists = st.lists(st.binary(min_size=0, max_size=40), min_size=1, max_size=80)


@given(leaves=leaf_lists, data=st.data())
def test_hypothesis_every_index_verifies_any_mutation_fails(leaves: list[bytes], data: st.DataObject) -> None:
    # make leaves distinct so that a moved index is a real change
    leaves = [x + i.to_bytes(2, "little") for i, x in enumerate(leaves)]
    n = len(leaves)
    tree = MerkleTree(leaves)
    root = tree.root
    assert root == ref.root(leaves)
    for i in range(n):
        assert tree.proof(i).verify(leaves[i], i, root, n_leaves=n)
    i = data.draw(st.integers(0, n - 1))
    proof = tree.proof(i)
    path = bytearray(proof.path_bytes())
    # a flipped bit anywhere in the path
    if path:
        pos = data.draw(st.integers(0, len(path) * 8 - 1))
        path[pos // 8] ^= 1 << (pos % 8)
        assert not MerkleProof(bytes(path)).verify(leaves[i], i, root)
        path[pos // 8] ^= 1 << (pos % 8)
    # a flipped bit of the root or the leaf
    pos = data.draw(st.integers(0, 255))
    bad_root = bytearray(root)
    bad_root[pos // 8] ^= 1 << (pos % 8)
    assert not proof.verify(leaves[i], i, bytes(bad_root))
    bad_leaf = bytearray(leaves[i])
    bpos = data.draw(st.integers(0, len(bad_leaf) * 8 - 1))
    bad_leaf[bpos // 8] ^= 1 << (bpos % 8)
    assert not proof.verify(bytes(bad_leaf), i, root)
    # another index
    j = data.draw(st.integers(0, (1 << len(proof)) + 3))
    if j != i:
        assert not proof.verify(leaves[i], j, root)
    # a shorter or longer path
    if len(proof):
        assert not MerkleProof(proof.path[:-1]).verify(leaves[i], i >> 0, root)
    extra = data.draw(st.binary(min_size=32, max_size=32))
    assert not MerkleProof((*proof.path, extra)).verify(leaves[i], i, root)


def test_backends_agree_on_larger_tree() -> None:
    data = _data(2 * 3001, seed=5)
    roots = set()
    for name in walrus_core.backends.supported():
        with walrus_core.backends.using(name):
            roots.add(merkle_root(data, 2))
            roots.add(MerkleTree.from_data(data, 2).root)
    assert roots == {ref.root_of_buffer(data, 2)}
