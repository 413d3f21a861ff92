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

/* Where the leaf hash of symbol (r, c) comes from: the row-major leaf
 * hashes (lh, row stride `stride`), or, for 2-byte symbols (syms, row
 * stride `rowb`), the table of every 2-byte symbol's leaf hash. */
struct leaf_source {
    const uint8_t *lh;
    size_t stride;
    const uint8_t *syms;
    size_t rowb;
    const uint8_t *table;
    const uint8_t *zleaf;
};

/* The leaf hash of (r, c); *zero is set when it is the all-zero symbol's. */
static const uint8_t *leaf_at(const struct leaf_source *src, size_t r, size_t c, int *zero)
{
    if (src->table) {
        const uint8_t *sy = src->syms + r * src->rowb + 2 * c;
        size_t v = (size_t)sy[0] | (size_t)sy[1] << 8;
        *zero = v == 0;
        return src->table + 32 * v;
    }
    const uint8_t *leaf = src->lh + r * src->stride + 32 * c;
    *zero = memcmp(leaf, src->zleaf, 32) == 0;
    return leaf;
}

/* Work space for WC_B2B_TREES trees side by side: nodes (room for count+1
 * nodes of WC_B2B_NODE_WORDS words) and known[i] = 1 when node i is zs[h]
 * in every tree. zw = zs as digest words. */
struct forest {
    uint64_t *nodes;
    uint8_t *known;
    uint64_t zw[MAX_LEVELS][4];
};

/* Level 0 of the trees: leaf i of tree l is the leaf hash of (row[l], i)
 * (rows, `cols` NULL) or of (i, col[l]) (columns). */
static void plant(const struct leaf_source *src, struct forest *F, size_t count, const size_t *rows,
                  const size_t *cols)
{
    for (size_t i = 0; i < count; i++) {
        uint64_t *node = F->nodes + WC_B2B_NODE_WORDS * i;
        int all_zero = 1;
        for (size_t l = 0; l < WC_B2B_TREES; l++) {
            int zero;
            const uint8_t *leaf = cols ? leaf_at(src, i, cols[l], &zero) : leaf_at(src, rows[l], i, &zero);
            all_zero &= zero;
            for (size_t w = 0; w < 4; w++) node[WC_B2B_TREES * w + l] = wc_load64_le(leaf + 8 * w);
        }
        F->known[i] = (uint8_t)all_zero;
    }
}

/* Reduces the planted trees of `count` leaves to their roots (same bytes as
 * merkle.c: a lone last node pairs with the all-zero node). A pair of nodes
 * that are zs[h] in every tree has parent zs[h+1] by definition, so it is
 * not hashed. */
static void grow(const struct wc_kernels *kern, struct forest *F, size_t count, uint8_t roots[][32])
{
    uint64_t *nodes = F->nodes;
    uint8_t *known = F->known;
    size_t c = count;
    for (unsigned h = 0; c > 1; h++) {
        if (c & 1) {
            memset(nodes + WC_B2B_NODE_WORDS * c, 0, WC_B2B_NODE_WORDS * sizeof(*nodes));
            known[c++] = 0;
        }
        size_t half = c / 2;
        /* parents i are written at i <= 2i, after their children are read */
        for (size_t i = 0; i < half;) {
            if (known[2 * i] && known[2 * i + 1]) {
                uint64_t *node = nodes + WC_B2B_NODE_WORDS * i;
                for (size_t w = 0; w < 4; w++)
                    for (size_t l = 0; l < WC_B2B_TREES; l++) node[WC_B2B_TREES * w + l] = F->zw[h + 1][w];
                known[i++] = 1;
                continue;
            }
            size_t j = i;
            while (j < half && !(known[2 * j] && known[2 * j + 1])) known[j++] = 0;
            kern->hash->merkle_parents(nodes + 2 * WC_B2B_NODE_WORDS * i, j - i,
                                       nodes + WC_B2B_NODE_WORDS * i);
            i = j;
        }
        c = half;
    }
    for (size_t l = 0; l < WC_B2B_TREES; l++)
        for (size_t w = 0; w < 4; w++)
            wc_store64_le(roots[l] + 8 * w, count ? nodes[WC_B2B_TREES * w + l] : 0);
}

/* Row roots, WC_B2B_TREES rows at a time; every all-zero row has the same
 * root, computed once. */
static void row_roots_of(const struct wc_kernels *kern, const struct leaf_source *src, size_t n,
                         struct forest *F, size_t *order, uint8_t *roots)
{
    size_t nonzero = 0, zeros = n;
    for (size_t r = 0; r < n; r++) {
        int zero = 1;
        for (size_t c = 0; c < n && zero; c++) leaf_at(src, r, c, &zero);
        if (zero)
            order[--zeros] = r;
        else
            order[nonzero++] = r;
    }
    uint8_t group[WC_B2B_TREES][32];
    for (size_t g = 0; g < nonzero; g += WC_B2B_TREES) {
        size_t rows[WC_B2B_TREES];
        for (size_t l = 0; l < WC_B2B_TREES; l++) rows[l] = order[g + l < nonzero ? g + l : nonzero - 1];
        plant(src, F, n, rows, NULL);
        grow(kern, F, n, group);
        for (size_t l = 0; l < WC_B2B_TREES && g + l < nonzero; l++)
            memcpy(roots + 32 * rows[l], group[l], 32);
    }
    if (zeros < n) {
        size_t rows[WC_B2B_TREES];
        for (size_t l = 0; l < WC_B2B_TREES; l++) rows[l] = order[zeros];
        plant(src, F, n, rows, NULL);
        grow(kern, F, n, group);
        for (size_t z = zeros; z < n; z++) memcpy(roots + 32 * order[z], group[0], 32);
    }
}

/* Column roots, WC_B2B_TREES columns at a time. */
static void col_roots_of(const struct wc_kernels *kern, const struct leaf_source *src, size_t n,
                         struct forest *F, uint8_t *roots)
{
    uint8_t group[WC_B2B_TREES][32];
    for (size_t g = 0; g < n; g += WC_B2B_TREES) {
        size_t cols[WC_B2B_TREES];
        for (size_t l = 0; l < WC_B2B_TREES; l++) cols[l] = g + l < n ? g + l : n - 1;
        plant(src, F, n, NULL, cols);
        grow(kern, F, n, group);
        for (size_t l = 0; l < WC_B2B_TREES && g + l < n; l++) memcpy(roots + 32 * (g + l), group[l], 32);
    }
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

static enum wc_status finish(const struct wc_kernels *kern, size_t n, uint64_t length,
                             const struct leaf_source *src, uint8_t *row_roots, uint8_t *col_roots,
                             uint8_t *blob_id)
{
    if (!kern->hash->merkle_parents) return WC_ERR_ARG;
    uint8_t zs[MAX_LEVELS][32];
    zero_roots(kern, src->zleaf, zs);
    struct forest F;
    F.nodes = (uint64_t *)malloc((n + 1) * WC_B2B_NODE_WORDS * sizeof(*F.nodes));
    F.known = (uint8_t *)malloc(n + 1);
    size_t *order = (size_t *)malloc(n * sizeof(*order));
    enum wc_status st = WC_ERR_NOMEM;
    if (F.nodes && F.known && order) {
        for (int h = 0; h < MAX_LEVELS; h++)
            for (size_t w = 0; w < 4; w++) F.zw[h][w] = wc_load64_le(zs[h] + 8 * w);
        row_roots_of(kern, src, n, &F, order, row_roots);
        col_roots_of(kern, src, n, &F, col_roots);
        st = blob_id ? blob_id_from_roots(kern, n, length, row_roots, col_roots, blob_id) : WC_OK;
    }
    free(F.nodes);
    free(F.known);
    free(order);
    return st;
}

enum wc_status wc_stream_finish_trees(const struct wc_kernels *kern, size_t n, uint64_t length,
                                      const uint8_t *lh, const uint8_t zleaf[32], uint8_t *row_roots,
                                      uint8_t *col_roots, uint8_t *blob_id)
{
    const struct leaf_source src = {lh, (n + 1) * 32, NULL, 0, NULL, zleaf};
    return finish(kern, n, length, &src, row_roots, col_roots, blob_id);
}

enum wc_status wc_stream_finish_trees_sym2(const struct wc_kernels *kern, size_t n, uint64_t length,
                                           const uint8_t *syms, const uint8_t *leaf_table, uint8_t *row_roots,
                                           uint8_t *col_roots, uint8_t *blob_id)
{
    const struct leaf_source src = {NULL, 0, syms, 2 * n, leaf_table, leaf_table};
    return finish(kern, n, length, &src, row_roots, col_roots, blob_id);
}
