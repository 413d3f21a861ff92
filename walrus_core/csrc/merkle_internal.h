/* What merkle.c (roots) and merkle_proof.c (levels, proofs, whole trees)
 * share. */
#ifndef WC_MERKLE_INTERNAL_H
#define WC_MERKLE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"
#include "wc_internal.h"

#define WC_MERKLE_CHUNK 512 /* messages per kernel call */

static const uint8_t WC_MERKLE_ZERO_NODE[32];

/* ceil(log2(n)): 0 for n <= 1. */
WC_INLINE unsigned wc_ceil_log2(size_t n)
{
    unsigned h = 0;
    size_t p = 1;
    while (p < n) {
        if (p > SIZE_MAX / 2) return h + 1;
        p <<= 1;
        h++;
    }
    return h;
}

/* n * size without overflow; returns 0 and sets *ok = 0 on overflow. */
WC_INLINE size_t mul_size(size_t a, size_t b, int *ok)
{
    if (a != 0 && b > SIZE_MAX / a) {
        *ok = 0;
        return 0;
    }
    return a * b;
}

/* Hash npairs contiguous 64-byte messages (left||right) at src with prefix 1
 * into out (npairs*32 bytes). */
void wc_merkle_hash_pairs(const struct wc_hash_kernels *hk, const uint8_t *src, size_t npairs, uint8_t *out);

/* Raise the root of a tree of n_leaves leaves to `height` (the node of its
 * aligned block there): each level above the tree pairs it with a zero node
 * (the level is odd). */
void wc_merkle_lift(uint8_t node[32], size_t n_leaves, unsigned height);

#endif
