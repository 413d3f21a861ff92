/* Walrus Merkle trees (format §4): leaf = H(0x00 || data), inner =
 * H(0x01 || left || right), an odd level gets one all-zero 32-byte node,
 * zero leaves give the all-zero root, one leaf gives its leaf hash.
 * H = Blake2b-256.
 *
 * Every entry point hashes leaves and each level's inner nodes through the
 * backend's multi-buffer kernel (kern->hash->blake2b256_many) in batches of
 * up to 512 messages; inner nodes are hashed straight from contiguous
 * left||right pairs with prefix 1, so nothing is copied. All functions but
 * wc_merkle_root_threads are single-threaded; all are reentrant and
 * thread-safe (no global state); the caller
 * owns every buffer. Buffers need no alignment. A NULL pointer is accepted
 * only where the matching size is 0.
 *
 * Every variable-size output comes with its length in bytes, which must be
 * exactly what the call writes (WC_ERR_SIZE otherwise).
 *
 * Status codes: WC_ERR_ARG (NULL pointer, leaf_size 0, bad stride/height),
 * WC_ERR_SIZE (len not a multiple of leaf_size, size overflow, a wrong
 * output length),
 * WC_ERR_INDEX (leaf index >= n), WC_ERR_NOMEM, WC_ERR_PROOF. */
#ifndef WC_MERKLE_H
#define WC_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"
#include "wc_status.h"

#define WC_MERKLE_DIGEST 32

/* Root over n leaf HASHES (n*32 bytes, already leaf-hashed). Memory use is
 * O(log n) small buffers, independent of n. */
enum wc_status wc_merkle_root_from_leaf_hashes(const struct wc_kernels *kern, const uint8_t *leaf_hashes,
                                               size_t n, uint8_t root[32]);

/* Roots of n_trees trees with the same leaf count, batching each level's
 * inner nodes of all trees into one multi-buffer call. Tree t's leaf hashes
 * are at leaf_hashes + t*tree_stride (n_leaves*32 bytes, contiguous).
 * Trees may overlap (any tree_stride, 0 included). roots: n_trees*32 bytes,
 * must not overlap the input. */
enum wc_status wc_merkle_roots_many(const struct wc_kernels *kern, const uint8_t *leaf_hashes,
                                    size_t tree_stride, size_t n_trees, size_t n_leaves, uint8_t *roots);

/* The general form: tree t's leaf i at leaf_hashes + t*tree_stride +
 * i*leaf_stride, its root to roots + t*roots_stride (>= 32 when n_trees > 1;
 * no overlap with the input). With height above the trees' own height
 * ceil(log2(n_leaves)), each root is raised to it as the node of an aligned
 * block of 2^height leaves of which the first n_leaves exist (a larger tree
 * pads a short block that way): the 2-D encoder's row subtrees. height <=
 * 64; 0 means each tree's own root. For an n x n row-major matrix of leaf
 * hashes the column trees are (leaf_stride 32n, tree_stride 32) and the row
 * trees (32, 32n); non-contiguous pairs are staged through a small buffer. */
enum wc_status wc_merkle_block_roots(const struct wc_kernels *kern, const uint8_t *leaf_hashes,
                                     size_t leaf_stride, size_t tree_stride, size_t n_trees, size_t n_leaves,
                                     unsigned height, uint8_t *roots, size_t roots_stride);

/* Root over the consecutive leaf_size-byte leaves of data (n = len/leaf_size;
 * len must be a multiple of leaf_size; leaf_size >= 1). Single-threaded,
 * O(log n) memory: leaves are hashed in batches straight into a small
 * per-level buffer that is folded upwards whenever it fills. */
enum wc_status wc_merkle_root(const struct wc_kernels *kern, const uint8_t *data, size_t len,
                              size_t leaf_size, uint8_t root[32]);

/* The same root computed on up to `threads` native threads (>= 1; at most
 * WC_MAX_THREADS and one per block start; 0 is WC_ERR_ARG): the leaves are
 * cut into aligned blocks of 2^h >= 4096 leaves whose subtree roots are
 * computed in parallel, then the root over those nodes. Falls back to
 * wc_merkle_root for small inputs or threads == 1. */
enum wc_status wc_merkle_root_threads(const struct wc_kernels *kern, const uint8_t *data, size_t len,
                                      size_t leaf_size, unsigned threads, uint8_t root[32]);

/* Leaf hashes H(0x00 || leaf) of the consecutive leaf_size-byte leaves of
 * data: out gets out_len = (len/leaf_size)*32 bytes. */
enum wc_status wc_merkle_leaf_hashes(const struct wc_kernels *kern, const uint8_t *data, size_t len,
                                     size_t leaf_size, uint8_t *out, size_t out_len);

/* Inner node H(0x01 || left || right) (one-off, portable). */
void wc_merkle_inner_hash(const uint8_t left[32], const uint8_t right[32], uint8_t out[32]);

/* Nodes at `height` of the tree over n leaf hashes ("subtree roots over
 * aligned blocks of 2^height leaves"): node j covers leaves
 * [j*2^height, (j+1)*2^height), a short last block padded the way the whole
 * tree pads it. Count = wc_merkle_level_count(n, height) = ceil(n/2^height)
 * (0 for n = 0); out gets count*32 bytes. height must be <=
 * wc_merkle_proof_len(n) (WC_ERR_ARG otherwise). The Merkle root over these
 * nodes AS LEAF HASHES equals the root of the whole tree. */
size_t wc_merkle_level_count(size_t n_leaves, unsigned height);
enum wc_status wc_merkle_level_nodes(const struct wc_kernels *kern, const uint8_t *leaf_hashes, size_t n,
                                     unsigned height, uint8_t *out, size_t out_len);

/* Inclusion proof for leaf `index` of n leaf hashes: path_len =
 * ceil(log2(n)) sibling nodes (32 bytes each, the zero node for padding),
 * from the leaf level up. O(n) hashing (it recomputes the sibling subtrees);
 * to prove many leaves of one tree, build it once with wc_merkle_tree_build.
 * WC_ERR_INDEX when index >= n. */
size_t wc_merkle_proof_len(size_t n_leaves);
enum wc_status wc_merkle_proof(const struct wc_kernels *kern, const uint8_t *leaf_hashes, size_t n,
                               size_t index, uint8_t *path, size_t path_bytes);

/* Verify: recompute from the leaf hash and path; WC_ERR_PROOF on mismatch
 * or when index >= 2^path_len (as Walrus' MerkleProof::compute_root). */
enum wc_status wc_merkle_verify(const uint8_t leaf_hash[32], size_t index, const uint8_t *path,
                                size_t path_len, const uint8_t root[32]);

/* The whole tree in Walrus' layout (merkle.rs MerkleTree::nodes): level 0 =
 * the n leaf hashes, then each higher level; every level with more than one
 * node is padded to even length with a zero node; the root is the last node.
 * wc_merkle_tree_size(n) nodes of 32 bytes (0 for n = 0, 1 for n = 1).
 * wc_merkle_tree_proof copies the proof of leaf `index` out of a built tree
 * in O(log n). */
size_t wc_merkle_tree_size(size_t n_leaves);
enum wc_status wc_merkle_tree_build(const struct wc_kernels *kern, const uint8_t *leaf_hashes, size_t n,
                                    uint8_t *nodes, size_t nodes_len);
enum wc_status wc_merkle_tree_proof(const uint8_t *nodes, size_t nodes_len, size_t n, size_t index,
                                    uint8_t *path, size_t path_bytes);

/* Metadata commitment (format §5): root = Merkle root over the n pair leaves
 * primary_hash[i] || secondary_hash[i] (pair_hashes: n*64 bytes, leaf
 * prefix 0x00), blob_id = H(0x01 || LE64(unencoded_length) || root).
 * root may be NULL when not wanted. */
enum wc_status wc_merkle_blob_id(const struct wc_kernels *kern, const uint8_t *pair_hashes, size_t n,
                                 uint64_t unencoded_length, uint8_t root[32], uint8_t blob_id[32]);

#endif
