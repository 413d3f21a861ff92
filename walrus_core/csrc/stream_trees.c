/* Carried Blake2b leaf states and Merkle trees with known all-zero subtrees
 * (stream_internal.h). */
#include "stream.h"
#include "stream_internal.h"

#include <stdlib.h>
#include <string.h>

#include "blake2b.h"
#include "blob.h"
#include "merkle.h"
#include "parallel.h"
#include "rs.h"
#include "wc_internal.h"

/* ---- carried Blake2b states -------------------------------------------- */

void wc_stream_state_init(uint64_t h[8])
{
    wc_blake2b_state s;
    wc_blake2b256_init(&s);
    memcpy(h, s.h, sizeof(s.h));
}

void wc_stream_state_final(uint64_t h[8], const uint8_t *rest, size_t rest_len, uint64_t total,
                           uint8_t out[32])
{
    uint8_t blk[128];
    memset(blk, 0, sizeof(blk));
    memcpy(blk, rest, rest_len);
    wc_blake2b_compress_portable(h, blk, total, 0, 1);
    for (int i = 0; i < 4; i++) wc_store64_le(out + 8 * i, h[i]);
}

/* ---- Merkle trees with known all-zero subtrees -------------------------- */

#define MAX_LEVELS 64

/* zs[h] = root of 2^h leaves that are all the leaf hash zs[0]. */
static void zero_roots(const struct wc_kernels *kern, const uint8_t zleaf[32], uint8_t zs[MAX_LEVELS][32])
{
    memcpy(zs[0], zleaf, 32);
    for (int h = 1; h < MAX_LEVELS; h++) {
        const uint8_t *m = zs[h - 1];
        uint8_t pair[64];
        memcpy(pair, m, 32);
        memcpy(pair + 32, m, 32);
        const uint8_t *pp = pair;
        kern->hash->blake2b256_many(&pp, 64, 1, 1, zs[h]);
    }
}

struct ztree_work {
    const uint8_t **ptrs;
    size_t *idx;
    uint8_t *tmp;
};

/* Root of the tree over `count` leaf hashes at base (room for count+1),
 * reduced in place. A pair of children that are both zs[h] has parent
 * zs[h+1] by definition, so it is not hashed. Same bytes as merkle.c. */
static void ztree_root(const struct wc_kernels *kern, uint8_t *base, size_t count, uint8_t zs[MAX_LEVELS][32],
                       struct ztree_work *w, uint8_t root[32])
{
    if (count == 0) {
        memset(root, 0, 32);
        return;
    }
    size_t c = count;
    for (unsigned h = 0; c > 1; h++) {
        if (c & 1) memset(base + 32 * c++, 0, 32);
        size_t half = c / 2, m = 0;
        for (size_t i = 0; i < half; i++) {
            const uint8_t *pair = base + 64 * i;
            if (memcmp(pair, zs[h], 32) == 0 && memcmp(pair + 32, zs[h], 32) == 0) {
                w->idx[i] = (size_t)-1;
            } else {
                w->idx[i] = m;
                w->ptrs[m++] = pair;
            }
        }
        if (m) kern->hash->blake2b256_many(w->ptrs, 64, m, 1, w->tmp);
        for (size_t i = 0; i < half; i++)
            memcpy(base + 32 * i, w->idx[i] == (size_t)-1 ? zs[h + 1] : w->tmp + 32 * w->idx[i], 32);
        c = half;
    }
    memcpy(root, base, 32);
}

/* Roots of the n row trees of the row-major n x n leaf hashes at lh (row
 * stride `stride`), each reduced in a copy so that lh stays intact. */
static enum wc_status row_roots_of(const struct wc_kernels *kern, const uint8_t *lh, size_t stride, size_t n,
                                   uint8_t zs[MAX_LEVELS][32], uint8_t *roots)
{
    struct ztree_work w;
    size_t half = n / 2 + 1;
    w.ptrs = (const uint8_t **)malloc(half * sizeof(*w.ptrs));
    w.idx = (size_t *)malloc(half * sizeof(*w.idx));
    w.tmp = (uint8_t *)malloc(half * 32);
    uint8_t *row = (uint8_t *)malloc((n + 1) * 32);
    enum wc_status st = WC_ERR_NOMEM;
    if (w.ptrs && w.idx && w.tmp && row) {
        for (size_t r = 0; r < n; r++) {
            memcpy(row, lh + r * stride, n * 32);
            ztree_root(kern, row, n, zs, &w, roots + 32 * r);
        }
        st = WC_OK;
    }
    free((void *)w.ptrs);
    free(w.idx);
    free(w.tmp);
    free(row);
    return st;
}

/* Roots of the n column trees of the same matrix, all columns one level at
 * a time: level h+1's row i is the parents of level h's rows 2i and 2i+1
 * (a lone last row pairs with the zero node), computed over the rows in
 * place. Rows are read sequentially: no transpose. */
static enum wc_status col_roots_of(const struct wc_kernels *kern, uint8_t *lh, size_t stride, size_t n,
                                   uint8_t zs[MAX_LEVELS][32], uint8_t *roots)
{
    uint8_t *stage = (uint8_t *)malloc(n * 64 + n * 32);
    const uint8_t **ptrs = (const uint8_t **)malloc(n * sizeof(*ptrs));
    uint8_t *known = (uint8_t *)malloc(n);
    if (!stage || !ptrs || !known) {
        free(stage);
        free((void *)ptrs);
        free(known);
        return WC_ERR_NOMEM;
    }
    uint8_t *out = stage + n * 64;
    static const uint8_t zero[32];
    size_t rows = n;
    for (unsigned h = 0; rows > 1; h++) {
        size_t half = (rows + 1) / 2;
        for (size_t i = 0; i < half; i++) {
            const uint8_t *a = lh + 2 * i * stride;
            const uint8_t *b = 2 * i + 1 < rows ? lh + (2 * i + 1) * stride : NULL;
            size_t m = 0;
            for (size_t c = 0; c < n; c++) {
                const uint8_t *bc = b ? b + 32 * c : zero;
                known[c] = b && memcmp(a + 32 * c, zs[h], 32) == 0 && memcmp(bc, zs[h], 32) == 0;
                if (known[c]) continue;
                memcpy(stage + 64 * m, a + 32 * c, 32);
                memcpy(stage + 64 * m + 32, bc, 32);
                ptrs[m] = stage + 64 * m;
                m++;
            }
            if (m) kern->hash->blake2b256_many(ptrs, 64, m, 1, out);
            uint8_t *dst = lh + i * stride;
            for (size_t c = 0, k = 0; c < n; c++)
                memcpy(dst + 32 * c, known[c] ? zs[h + 1] : out + 32 * k++, 32);
        }
        rows = half;
    }
    memcpy(roots, lh, n * 32);
    free(stage);
    free((void *)ptrs);
    free(known);
    return WC_OK;
}

/* Pair tree and blob ID (format §5) from the row and column roots. */
static enum wc_status blob_id_from_roots(const struct wc_kernels *kern, size_t n, uint64_t length,
                                         const uint8_t *row_roots, const uint8_t *col_roots, uint8_t *blob_id)
{
    uint8_t *pairs = (uint8_t *)malloc(n * 64);
    if (!pairs) return WC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        memcpy(pairs + 64 * i, row_roots + 32 * i, 32);
        memcpy(pairs + 64 * i + 32, col_roots + 32 * (n - 1 - i), 32);
    }
    enum wc_status st = wc_merkle_blob_id(kern, pairs, n, length, NULL, blob_id);
    free(pairs);
    return st;
}

enum wc_status wc_stream_finish_trees(const struct wc_kernels *kern, size_t n, uint64_t length, uint8_t *lh,
                                      const uint8_t zleaf[32], uint8_t *row_roots, uint8_t *col_roots,
                                      uint8_t *blob_id)
{
    const size_t stride = (n + 1) * 32;
    uint8_t zs[MAX_LEVELS][32];
    zero_roots(kern, zleaf, zs);
    enum wc_status st = row_roots_of(kern, lh, stride, n, zs, row_roots);
    if (st == WC_OK) st = col_roots_of(kern, lh, stride, n, zs, col_roots);
    if (st == WC_OK && blob_id) st = blob_id_from_roots(kern, n, length, row_roots, col_roots, blob_id);
    return st;
}
