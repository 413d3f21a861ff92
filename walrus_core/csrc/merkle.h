/* Walrus Merkle trees (spec §4): leaf = H(0x00 || data), inner =
 * H(0x01 || left || right), an odd level gets one all-zero 32-byte node,
 * zero leaves give the all-zero root. H = Blake2b-256.
 * CONTRACT DRAFT: the Merkle module owns this header and may extend it;
 * the 2-D encoder relies on the batched entry points. */
#ifndef WC_MERKLE_H
#define WC_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"
#include "wc_status.h"

/* Root over n leaf HASHES (n*32 bytes, already leaf-hashed). */
enum wc_status wc_merkle_root_from_leaf_hashes(const struct wc_kernels *kern, const uint8_t *leaf_hashes,
                                               size_t n, uint8_t root[32]);

/* Roots of n_trees trees with the same leaf count, batching each level's
 * inner nodes of all trees into one multi-buffer call. Tree t's leaf hashes
 * are at leaf_hashes + t*tree_stride (n_leaves*32 bytes, contiguous). */
enum wc_status wc_merkle_roots_many(const struct wc_kernels *kern, const uint8_t *leaf_hashes,
                                    size_t tree_stride, size_t n_trees, size_t n_leaves,
                                    uint8_t *roots);

/* Root over the consecutive leaf_size-byte leaves of data (n = len/leaf_size;
 * len must be a multiple of leaf_size; leaf_size >= 1). Single-threaded. */
enum wc_status wc_merkle_root(const struct wc_kernels *kern, const uint8_t *data, size_t len,
                              size_t leaf_size, uint8_t root[32]);

/* Inclusion proof for leaf `index` of n leaf hashes: path_len =
 * ceil(log2(n)) sibling nodes (32 bytes each, the zero node for padding),
 * from the leaf level up. */
size_t wc_merkle_proof_len(size_t n_leaves);
enum wc_status wc_merkle_proof(const struct wc_kernels *kern, const uint8_t *leaf_hashes, size_t n,
                               size_t index, uint8_t *path);

/* Verify: recompute from the leaf hash and path; WC_ERR_PROOF on mismatch
 * or when index >= 2^path_len. */
enum wc_status wc_merkle_verify(const uint8_t leaf_hash[32], size_t index, const uint8_t *path,
                                size_t path_len, const uint8_t root[32]);

#endif
