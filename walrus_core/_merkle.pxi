# Merkle trees and the blob ID (csrc/merkle.h). Included by _native.pyx.
# Typed Python API on top: walrus_core/merkle.py and walrus_core/metadata.py.

cdef extern from "merkle.h" nogil:
    wc_status wc_merkle_root_from_leaf_hashes(const wc_kernels *kern, const uint8_t *leaf_hashes,
                                              size_t n, uint8_t *root)
    wc_status wc_merkle_roots_many(const wc_kernels *kern, const uint8_t *leaf_hashes,
                                   size_t tree_stride, size_t n_trees, size_t n_leaves, uint8_t *roots)
    wc_status wc_merkle_root(const wc_kernels *kern, const uint8_t *data, size_t len,
                             size_t leaf_size, uint8_t *root)
    wc_status wc_merkle_root_threads(const wc_kernels *kern, const uint8_t *data, size_t len,
                                     size_t leaf_size, unsigned threads, uint8_t *root)
    wc_status wc_merkle_leaf_hashes(const wc_kernels *kern, const uint8_t *data, size_t len,
                                    size_t leaf_size, uint8_t *out, size_t out_len)
    size_t wc_merkle_level_count(size_t n_leaves, unsigned height)
    wc_status wc_merkle_level_nodes(const wc_kernels *kern, const uint8_t *leaf_hashes, size_t n,
                                    unsigned height, uint8_t *out, size_t out_len)
    size_t wc_merkle_proof_len(size_t n_leaves)
    wc_status wc_merkle_proof(const wc_kernels *kern, const uint8_t *leaf_hashes, size_t n,
                              size_t index, uint8_t *path, size_t path_bytes)
    wc_status wc_merkle_verify(const uint8_t *leaf_hash, size_t index, const uint8_t *path,
                               size_t path_len, const uint8_t *root)
    size_t wc_merkle_tree_size(size_t n_leaves)
    wc_status wc_merkle_tree_build(const wc_kernels *kern, const uint8_t *leaf_hashes, size_t n,
                                   uint8_t *nodes, size_t nodes_len)
    wc_status wc_merkle_tree_proof(const uint8_t *nodes, size_t nodes_len, size_t n, size_t index,
                                   uint8_t *path, size_t path_bytes)
    wc_status wc_merkle_blob_id(const wc_kernels *kern, const uint8_t *pair_hashes, size_t n,
                                uint64_t unencoded_length, uint8_t *root, uint8_t *blob_id)

from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING

# Release the GIL only when the work is worth it (a few hashes cost less
# than the GIL round trip).
cdef enum:
    _MERKLE_NOGIL_BYTES = 4096


cdef inline const uint8_t *_ptr(const uint8_t[::1] v) noexcept:
    return &v[0] if v.shape[0] else NULL


cdef bytes _new_bytes(size_t n):
    return PyBytes_FromStringAndSize(NULL, <Py_ssize_t>n)


cdef size_t _leaf_hash_count(const uint8_t[::1] v, str what) except? 0:
    if v.shape[0] % 32:
        raise _errors.InvalidInputError(f"{what}: length {v.shape[0]} is not a multiple of 32")
    return <size_t>v.shape[0] // 32


def merkle_root(data, Py_ssize_t leaf_size, object threads=1):
    """Walrus Merkle root over the consecutive leaf_size-byte leaves of data
    (threads: 1 = on the calling thread, k > 1 up to k threads, None = the
    CPUs this process may use; anything else is an InvalidInputError)."""
    cdef unsigned th = resolve_threads(threads)
    cdef const uint8_t[::1] v = as_bytes_view(data, "data")
    cdef bytes out = _new_bytes(32)
    cdef uint8_t *o = <uint8_t *>PyBytes_AS_STRING(out)
    cdef const uint8_t *p = _ptr(v)
    cdef size_t n = <size_t>v.shape[0]
    cdef wc_status st
    if leaf_size < 1:
        raise _errors.InvalidInputError(f"leaf_size must be >= 1, got {leaf_size}")
    if v.shape[0] % leaf_size:
        raise _errors.InvalidInputError(
            f"data length {v.shape[0]} is not a multiple of leaf_size {leaf_size}")
    if n >= _MERKLE_NOGIL_BYTES:
        with nogil:
            if th == 1:
                st = wc_merkle_root(wc_kernels_active(), p, n, <size_t>leaf_size, o)
            else:
                st = wc_merkle_root_threads(wc_kernels_active(), p, n, <size_t>leaf_size, th, o)
    else:
        st = wc_merkle_root(wc_kernels_active(), p, n, <size_t>leaf_size, o)
    check_status(st, "merkle_root")
    return out


def merkle_leaf_hashes(data, Py_ssize_t leaf_size):
    """H(0x00 || leaf) of each consecutive leaf_size-byte leaf, concatenated."""
    cdef const uint8_t[::1] v = as_bytes_view(data, "data")
    cdef wc_status st
    if leaf_size < 1:
        raise _errors.InvalidInputError(f"leaf_size must be >= 1, got {leaf_size}")
    if v.shape[0] % leaf_size:
        raise _errors.InvalidInputError(
            f"data length {v.shape[0]} is not a multiple of leaf_size {leaf_size}")
    cdef size_t n = <size_t>(v.shape[0] // leaf_size)
    cdef bytes out = _new_bytes(32 * n)
    cdef uint8_t *o = <uint8_t *>PyBytes_AS_STRING(out)
    cdef const uint8_t *p = _ptr(v)
    cdef size_t length = <size_t>v.shape[0]
    with nogil:
        st = wc_merkle_leaf_hashes(wc_kernels_active(), p, length, <size_t>leaf_size, o, 32 * n)
    check_status(st, "merkle_leaf_hashes")
    return out


def merkle_root_from_leaf_hashes(leaf_hashes):
    """Root over already leaf-hashed nodes (a multiple of 32 bytes)."""
    cdef const uint8_t[::1] v = as_bytes_view(leaf_hashes, "leaf_hashes")
    cdef size_t n = _leaf_hash_count(v, "leaf_hashes")
    cdef bytes out = _new_bytes(32)
    cdef uint8_t *o = <uint8_t *>PyBytes_AS_STRING(out)
    cdef const uint8_t *p = _ptr(v)
    cdef wc_status st
    with nogil:
        st = wc_merkle_root_from_leaf_hashes(wc_kernels_active(), p, n, o)
    check_status(st, "merkle_root_from_leaf_hashes")
    return out


def merkle_roots_many(leaf_hashes, Py_ssize_t n_trees):
    """Roots of n_trees equal-size trees whose leaf hashes lie back to back."""
    cdef const uint8_t[::1] v = as_bytes_view(leaf_hashes, "leaf_hashes")
    cdef size_t total = _leaf_hash_count(v, "leaf_hashes")
    if n_trees < 1 or total % <size_t>n_trees:
        raise _errors.InvalidInputError(f"{total} leaf hashes do not split into {n_trees} equal trees")
    cdef size_t n_leaves = total // <size_t>n_trees
    cdef bytes out = _new_bytes(32 * <size_t>n_trees)
    cdef uint8_t *o = <uint8_t *>PyBytes_AS_STRING(out)
    cdef const uint8_t *p = _ptr(v)
    cdef wc_status st
    with nogil:
        st = wc_merkle_roots_many(wc_kernels_active(), p, 32 * n_leaves, <size_t>n_trees, n_leaves, o)
    check_status(st, "merkle_roots_many")
    return out


def merkle_level_nodes(leaf_hashes, Py_ssize_t height):
    """Nodes at `height` of the tree over these leaf hashes (see merkle.h)."""
    cdef const uint8_t[::1] v = as_bytes_view(leaf_hashes, "leaf_hashes")
    cdef size_t n = _leaf_hash_count(v, "leaf_hashes")
    if height < 0 or <size_t>height > wc_merkle_proof_len(n):
        raise _errors.InvalidInputError(
            f"height {height} exceeds the tree height {wc_merkle_proof_len(n)} for {n} leaves")
    cdef size_t count = wc_merkle_level_count(n, <unsigned>height)
    cdef bytes out = _new_bytes(32 * count)
    cdef uint8_t *o = <uint8_t *>PyBytes_AS_STRING(out)
    cdef const uint8_t *p = _ptr(v)
    cdef wc_status st
    with nogil:
        st = wc_merkle_level_nodes(wc_kernels_active(), p, n, <unsigned>height, o, 32 * count)
    check_status(st, "merkle_level_nodes")
    return out


def merkle_proof_len(Py_ssize_t n_leaves):
    if n_leaves < 0:
        raise _errors.InvalidInputError("n_leaves must be >= 0")
    return wc_merkle_proof_len(<size_t>n_leaves)


def merkle_proof(leaf_hashes, Py_ssize_t index):
    """Sibling path (32 bytes per level, leaf level first) for one leaf."""
    cdef const uint8_t[::1] v = as_bytes_view(leaf_hashes, "leaf_hashes")
    cdef size_t n = _leaf_hash_count(v, "leaf_hashes")
    if index < 0 or <size_t>index >= n:
        raise _errors.InvalidInputError(f"leaf index {index} out of range for {n} leaves")
    cdef size_t plen = 32 * wc_merkle_proof_len(n)
    cdef bytes out = _new_bytes(plen)
    cdef uint8_t *o = <uint8_t *>PyBytes_AS_STRING(out)
    cdef const uint8_t *p = _ptr(v)
    cdef wc_status st
    with nogil:
        st = wc_merkle_proof(wc_kernels_active(), p, n, <size_t>index, o, plen)
    check_status(st, "merkle_proof")
    return out


def merkle_verify(leaf_hash, Py_ssize_t index, path, root):
    """True when the path proves leaf_hash at index under root."""
    cdef const uint8_t[::1] lh = as_bytes_view(leaf_hash, "leaf_hash")
    cdef const uint8_t[::1] pv = as_bytes_view(path, "path")
    cdef const uint8_t[::1] rv = as_bytes_view(root, "root")
    if lh.shape[0] != 32 or rv.shape[0] != 32:
        raise _errors.InvalidInputError("leaf_hash and root must be 32 bytes")
    cdef size_t plen = _leaf_hash_count(pv, "path")
    if index < 0:
        return False
    cdef wc_status st = wc_merkle_verify(&lh[0], <size_t>index, _ptr(pv), plen, &rv[0])
    if st == WC_ERR_PROOF:
        return False
    check_status(st, "merkle_verify")
    return True


def merkle_tree_build(leaf_hashes):
    """All nodes of the tree in Walrus' layout (root last)."""
    cdef const uint8_t[::1] v = as_bytes_view(leaf_hashes, "leaf_hashes")
    cdef size_t n = _leaf_hash_count(v, "leaf_hashes")
    cdef size_t size = 32 * wc_merkle_tree_size(n)
    cdef bytes out = _new_bytes(size)
    cdef uint8_t *o = <uint8_t *>PyBytes_AS_STRING(out)
    cdef const uint8_t *p = _ptr(v)
    cdef wc_status st
    with nogil:
        st = wc_merkle_tree_build(wc_kernels_active(), p, n, o, size)
    check_status(st, "merkle_tree_build")
    return out


def merkle_tree_proof(nodes, Py_ssize_t n_leaves, Py_ssize_t index):
    """Copy the proof of one leaf out of a tree built by merkle_tree_build."""
    cdef const uint8_t[::1] v = as_bytes_view(nodes, "nodes")
    if n_leaves < 0 or <size_t>v.shape[0] != 32 * wc_merkle_tree_size(<size_t>n_leaves):
        raise _errors.InvalidInputError("nodes do not form a tree of that many leaves")
    if index < 0 or index >= n_leaves:
        raise _errors.InvalidInputError(f"leaf index {index} out of range for {n_leaves} leaves")
    cdef size_t plen = 32 * wc_merkle_proof_len(<size_t>n_leaves)
    cdef bytes out = _new_bytes(plen)
    check_status(wc_merkle_tree_proof(_ptr(v), <size_t>v.shape[0], <size_t>n_leaves, <size_t>index,
                                      <uint8_t *>PyBytes_AS_STRING(out), plen), "merkle_tree_proof")
    return out


def blob_id_from_pair_hashes(pair_hashes, unsigned long long unencoded_length):
    """(root, blob_id) from n pair leaves primary_hash || secondary_hash."""
    cdef const uint8_t[::1] v = as_bytes_view(pair_hashes, "pair_hashes")
    if v.shape[0] % 64:
        raise _errors.InvalidInputError(f"pair_hashes: length {v.shape[0]} is not a multiple of 64")
    cdef size_t n = <size_t>v.shape[0] // 64
    cdef bytes root = _new_bytes(32)
    cdef bytes blob_id = _new_bytes(32)
    cdef uint8_t *r = <uint8_t *>PyBytes_AS_STRING(root)
    cdef uint8_t *b = <uint8_t *>PyBytes_AS_STRING(blob_id)
    cdef const uint8_t *p = _ptr(v)
    cdef wc_status st
    with nogil:
        st = wc_merkle_blob_id(wc_kernels_active(), p, n, <uint64_t>unencoded_length, r, b)
    check_status(st, "blob_id")
    return root, blob_id
