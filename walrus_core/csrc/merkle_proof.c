/* Walrus Merkle trees (format §4), the parts about single nodes: the nodes of
 * one level, inclusion proofs and their verification, and the whole tree in
 * Walrus' layout. See merkle.h for the contract; roots are merkle.c. */
#include <string.h>

#include "merkle.h"
#include "merkle_internal.h"

size_t wc_merkle_proof_len(size_t n_leaves)
{
    return n_leaves <= 1 ? 0 : wc_ceil_log2(n_leaves);
}

/* ---- subtrees, levels and proofs --------------------------------------- */

/* Node at `height`, position `pos` of the tree over n leaf hashes (the zero
 * node when the block lies beyond the leaves). */
static enum wc_status subtree_node(const struct wc_kernels *kern, const uint8_t *leaf_hashes, size_t n,
                                   unsigned height, size_t pos, uint8_t out[32])
{
    size_t width = (size_t)1 << height;
    if (pos > (SIZE_MAX >> height) || pos * width >= n) {
        memset(out, 0, 32);
        return WC_OK;
    }
    size_t lo = pos * width;
    size_t cnt = n - lo < width ? n - lo : width;
    enum wc_status st = wc_merkle_root_from_leaf_hashes(kern, leaf_hashes + 32 * lo, cnt, out);
    if (st != WC_OK) return st;
    wc_merkle_lift(out, cnt, height); /* a short last block */
    return WC_OK;
}

size_t wc_merkle_level_count(size_t n_leaves, unsigned height)
{
    if (height >= 64) return n_leaves ? 1 : 0;
    size_t q = n_leaves >> height;
    return q + ((n_leaves & (((size_t)1 << height) - 1)) != 0);
}

enum wc_status wc_merkle_level_nodes(const struct wc_kernels *kern, const uint8_t *leaf_hashes, size_t n,
                                     unsigned height, uint8_t *out, size_t out_len)
{
    int ok = 1;
    if (!kern || (n && (!leaf_hashes || !out))) return WC_ERR_ARG;
    mul_size(n, 32, &ok);
    if (!ok) return WC_ERR_SIZE;
    if (height > wc_merkle_proof_len(n)) return WC_ERR_ARG;
    if (out_len != 32 * wc_merkle_level_count(n, height)) return WC_ERR_SIZE;
    if (n == 0) return WC_OK;
    if (height == 0) {
        memmove(out, leaf_hashes, 32 * n);
        return WC_OK;
    }
    size_t width = (size_t)1 << height;
    size_t full = n >> height;
    enum wc_status st = wc_merkle_roots_many(kern, leaf_hashes, width * 32, full, width, out);
    if (st != WC_OK) return st;
    if (n & (width - 1)) st = subtree_node(kern, leaf_hashes, n, height, full, out + 32 * full);
    return st;
}

enum wc_status wc_merkle_proof(const struct wc_kernels *kern, const uint8_t *leaf_hashes, size_t n,
                               size_t index, uint8_t *path, size_t path_bytes)
{
    int ok = 1;
    if (!kern || (n && !leaf_hashes)) return WC_ERR_ARG;
    mul_size(n, 32, &ok);
    if (!ok) return WC_ERR_SIZE;
    if (index >= n) return WC_ERR_INDEX;
    unsigned len = (unsigned)wc_merkle_proof_len(n);
    if (len && !path) return WC_ERR_ARG;
    if (path_bytes != 32 * (size_t)len) return WC_ERR_SIZE;
    for (unsigned h = 0; h < len; h++) {
        enum wc_status st = subtree_node(kern, leaf_hashes, n, h, (index >> h) ^ 1, path + 32 * h);
        if (st != WC_OK) return st;
    }
    return WC_OK;
}

enum wc_status wc_merkle_verify(const uint8_t leaf_hash[32], size_t index, const uint8_t *path,
                                size_t path_len, const uint8_t root[32])
{
    if (!leaf_hash || !root || (path_len && !path)) return WC_ERR_ARG;
    if (path_len < sizeof(size_t) * 8 && (index >> path_len) != 0) return WC_ERR_PROOF;
    uint8_t cur[32];
    memcpy(cur, leaf_hash, 32);
    for (size_t h = 0; h < path_len; h++) {
        int right = h < sizeof(size_t) * 8 ? (int)((index >> h) & 1) : 0;
        if (right)
            wc_merkle_inner_hash(path + 32 * h, cur, cur);
        else
            wc_merkle_inner_hash(cur, path + 32 * h, cur);
    }
    /* Constant-time compare: roots are public, but it costs nothing. */
    uint8_t diff = 0;
    for (int i = 0; i < 32; i++) diff |= (uint8_t)(cur[i] ^ root[i]);
    return diff ? WC_ERR_PROOF : WC_OK;
}

/* ---- the whole tree (Walrus layout) ------------------------------------ */

size_t wc_merkle_tree_size(size_t n_leaves)
{
    size_t total = 0, m = n_leaves;
    while (m > 1) {
        m += m & 1;
        total += m;
        m /= 2;
    }
    return total + m;
}

enum wc_status wc_merkle_tree_build(const struct wc_kernels *kern, const uint8_t *leaf_hashes, size_t n,
                                    uint8_t *nodes, size_t nodes_len)
{
    int ok = 1;
    if (!kern || (n && (!leaf_hashes || !nodes))) return WC_ERR_ARG;
    mul_size(n, 64, &ok);
    if (!ok) return WC_ERR_SIZE;
    if (nodes_len != 32 * wc_merkle_tree_size(n)) return WC_ERR_SIZE;
    if (n == 0) return WC_OK;
    memmove(nodes, leaf_hashes, 32 * n);
    size_t base = 0, m = n;
    while (m > 1) {
        if (m & 1) {
            memset(nodes + 32 * (base + m), 0, 32);
            m++;
        }
        wc_merkle_hash_pairs(kern->hash, nodes + 32 * base, m / 2, nodes + 32 * (base + m));
        base += m;
        m /= 2;
    }
    return WC_OK;
}

enum wc_status wc_merkle_tree_proof(const uint8_t *nodes, size_t nodes_len, size_t n, size_t index,
                                    uint8_t *path, size_t path_bytes)
{
    int ok = 1;
    if (n && !nodes) return WC_ERR_ARG;
    mul_size(n, 64, &ok);
    if (!ok || nodes_len != 32 * wc_merkle_tree_size(n)) return WC_ERR_SIZE;
    if (index >= n) return WC_ERR_INDEX;
    size_t len = wc_merkle_proof_len(n);
    if (len && !path) return WC_ERR_ARG;
    if (path_bytes != 32 * len) return WC_ERR_SIZE;
    size_t base = 0, m = n, i = index, h = 0;
    while (m > 1) {
        m += m & 1;
        memcpy(path + 32 * h, nodes + 32 * (base + (i ^ 1)), 32);
        base += m;
        m /= 2;
        i /= 2;
        h++;
    }
    return WC_OK;
}
