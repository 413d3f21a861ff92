/* Walrus Merkle trees (format §4; see merkle.h for the contract): roots of
 * one tree, of many, of one on several threads, and the blob ID. Levels,
 * proofs and the whole tree are merkle_proof.c.
 *
 * Everything is hashed through kern->hash->blake2b256_many, which takes an
 * array of message pointers, so:
 *  - leaves are hashed with prefix 0 directly from the caller's data;
 *  - inner nodes are hashed with prefix 1 from two adjacent 32-byte nodes,
 *    i.e. a 64-byte message that already lies contiguously in the level
 *    below (levels are stored densely, left child at an even position);
 *  - an odd level's last node is paired with the zero node, either by
 *    writing a zero node after it (own buffers) or through a small 64-byte
 *    pad copy (caller's buffers).
 *
 * A single tree (wc_merkle_root, wc_merkle_root_from_leaf_hashes) is built
 * by a "level stream": one buffer of LB nodes per level; whenever a level's
 * buffer fills, its LB/2 pairs are hashed in one batch into the level above.
 * Every batch except the last few at the top of the tree is large, and the
 * memory is (height+1)*LB*32 bytes however many leaves there are. Because a
 * buffer is always flushed at an even count, the pending nodes of a level
 * at the end are exactly its tail, and the tail's parity is the level's.
 *
 * Many trees (wc_merkle_roots_many) are done a group of trees at a time,
 * level by level, one kernel stream over all trees of the group, so even the
 * top levels (one node per tree) go to the kernel as batches of >= 8. */
#include "merkle.h"

#include <stdlib.h>
#include <string.h>

#include "blake2b.h"
#include "merkle_internal.h"
#include "parallel.h"

#define LB         512 /* nodes per level buffer in the level stream (even) */
#define MAX_LEVELS 66

/* ---- batched hashing helpers ---------------------------------------- */

/* Hash npairs contiguous 64-byte messages (left||right) at src with prefix 1
 * into out (npairs*32 bytes). */
void wc_merkle_hash_pairs(const struct wc_hash_kernels *hk, const uint8_t *src, size_t npairs, uint8_t *out)
{
    const uint8_t *ptrs[WC_MERKLE_CHUNK];
    while (npairs) {
        size_t k = npairs < WC_MERKLE_CHUNK ? npairs : WC_MERKLE_CHUNK;
        for (size_t i = 0; i < k; i++) ptrs[i] = src + 64 * i;
        hk->blake2b256_many(ptrs, 64, k, 1, out);
        src += 64 * k;
        out += 32 * k;
        npairs -= k;
    }
}

void wc_merkle_inner_hash(const uint8_t left[32], const uint8_t right[32], uint8_t out[32])
{
    uint8_t msg[65];
    msg[0] = 1;
    memcpy(msg + 1, left, 32);
    memcpy(msg + 33, right, 32);
    wc_blake2b256(msg, sizeof msg, out);
}

/* ---- the level stream (one tree, O(log n) memory) ---------------------- */

struct mstream {
    const struct wc_hash_kernels *hk;
    uint8_t *buf; /* nlev * LB * 32 bytes */
    size_t cnt[MAX_LEVELS];
    unsigned nlev;
    const uint8_t *ptrs[WC_MERKLE_CHUNK];
};

static uint8_t *ms_level(struct mstream *ms, unsigned level)
{
    return ms->buf + (size_t)level * LB * 32;
}

static enum wc_status ms_init(struct mstream *ms, const struct wc_kernels *kern, size_t n)
{
    ms->hk = kern->hash;
    ms->nlev = wc_ceil_log2(n) + 1;
    memset(ms->cnt, 0, sizeof ms->cnt);
    ms->buf = (uint8_t *)wc_aligned_alloc((size_t)ms->nlev * LB * 32);
    return ms->buf ? WC_OK : WC_ERR_NOMEM;
}

static void ms_pairs(struct mstream *ms, const uint8_t *src, size_t npairs, unsigned out);

/* Level `level` is full (or being finished with an even count): fold it. */
static void ms_flush(struct mstream *ms, unsigned level)
{
    size_t c = ms->cnt[level];
    ms->cnt[level] = 0;
    ms_pairs(ms, ms_level(ms, level), c / 2, level + 1);
}

/* Hash npairs contiguous (left||right) pairs from src into level `out`. */
static void ms_pairs(struct mstream *ms, const uint8_t *src, size_t npairs, unsigned out)
{
    while (npairs) {
        size_t space = LB - ms->cnt[out];
        size_t k = npairs < space ? npairs : space;
        if (k > WC_MERKLE_CHUNK) k = WC_MERKLE_CHUNK;
        for (size_t i = 0; i < k; i++) ms->ptrs[i] = src + 64 * i;
        ms->hk->blake2b256_many(ms->ptrs, 64, k, 1, ms_level(ms, out) + 32 * ms->cnt[out]);
        ms->cnt[out] += k;
        src += 64 * k;
        npairs -= k;
        /* ptrs is reused by the recursive flush: safe, the batch is done. */
        if (ms->cnt[out] == LB) ms_flush(ms, out);
    }
}

/* All n level-0 nodes have been fed: fold the tails upwards. */
static void ms_finish(struct mstream *ms, size_t n, uint8_t root[32])
{
    size_t count = n;
    unsigned level = 0;
    while (count > 1) {
        size_t c = ms->cnt[level];
        if (c & 1) {
            memset(ms_level(ms, level) + 32 * c, 0, 32);
            ms->cnt[level] = c + 1;
        }
        ms_flush(ms, level);
        count = (count + 1) / 2;
        level++;
    }
    memcpy(root, ms_level(ms, level), 32);
}

/* ---- single tree ------------------------------------------------------- */

static enum wc_status root_from_leaf_hashes(const struct wc_kernels *kern, const uint8_t *leaf_hashes,
                                            size_t n, uint8_t root[32])
{
    if (n == 0) {
        memset(root, 0, 32);
        return WC_OK;
    }
    if (n == 1) {
        memmove(root, leaf_hashes, 32);
        return WC_OK;
    }
    if (n == 2) {
        const uint8_t *p = leaf_hashes;
        uint8_t out[32];
        kern->hash->blake2b256_many(&p, 64, 1, 1, out);
        memcpy(root, out, 32);
        return WC_OK;
    }
    struct mstream *ms = (struct mstream *)malloc(sizeof *ms);
    if (!ms) return WC_ERR_NOMEM;
    enum wc_status st = ms_init(ms, kern, n);
    if (st == WC_OK) {
        /* Level 0 is the caller's buffer: its pairs go straight to level 1;
         * an odd last leaf waits in the level-0 buffer for its zero node. */
        ms_pairs(ms, leaf_hashes, n / 2, 1);
        if (n & 1) {
            memcpy(ms_level(ms, 0), leaf_hashes + 32 * (n - 1), 32);
            ms->cnt[0] = 1;
        }
        ms_finish(ms, n, root);
        wc_aligned_free(ms->buf);
    }
    free(ms);
    return st;
}

enum wc_status wc_merkle_root_from_leaf_hashes(const struct wc_kernels *kern, const uint8_t *leaf_hashes,
                                               size_t n, uint8_t root[32])
{
    int ok = 1;
    if (!kern || !root || (n && !leaf_hashes)) return WC_ERR_ARG;
    mul_size(n, 32, &ok);
    if (!ok) return WC_ERR_SIZE;
    return root_from_leaf_hashes(kern, leaf_hashes, n, root);
}

enum wc_status wc_merkle_root(const struct wc_kernels *kern, const uint8_t *data, size_t len,
                              size_t leaf_size, uint8_t root[32])
{
    if (!kern || !root || leaf_size == 0 || (len && !data)) return WC_ERR_ARG;
    if (len % leaf_size) return WC_ERR_SIZE;
    size_t n = len / leaf_size;
    const struct wc_hash_kernels *hk = kern->hash;
    if (n == 0) {
        memset(root, 0, 32);
        return WC_OK;
    }
    if (n == 1) {
        hk->blake2b256_many(&data, leaf_size, 1, 0, root);
        return WC_OK;
    }
    struct mstream *ms = (struct mstream *)malloc(sizeof *ms);
    if (!ms) return WC_ERR_NOMEM;
    enum wc_status st = ms_init(ms, kern, n);
    if (st == WC_OK) {
        /* Leaf hashes go straight into the level-0 buffer. */
        size_t i = 0;
        while (i < n) {
            size_t k = n - i < WC_MERKLE_CHUNK ? n - i : WC_MERKLE_CHUNK;
            if (k > LB - ms->cnt[0]) k = LB - ms->cnt[0];
            const uint8_t *p = data + i * leaf_size;
            for (size_t j = 0; j < k; j++, p += leaf_size) ms->ptrs[j] = p;
            hk->blake2b256_many(ms->ptrs, leaf_size, k, 0, ms_level(ms, 0) + 32 * ms->cnt[0]);
            ms->cnt[0] += k;
            i += k;
            if (ms->cnt[0] == LB) ms_flush(ms, 0);
        }
        ms_finish(ms, n, root);
        wc_aligned_free(ms->buf);
    }
    free(ms);
    return st;
}

enum wc_status wc_merkle_leaf_hashes(const struct wc_kernels *kern, const uint8_t *data, size_t len,
                                     size_t leaf_size, uint8_t *out, size_t out_len)
{
    if (!kern || leaf_size == 0 || (len && (!data || !out))) return WC_ERR_ARG;
    if (len % leaf_size) return WC_ERR_SIZE;
    size_t n = len / leaf_size;
    if (out_len / 32 != n || out_len % 32) return WC_ERR_SIZE;
    const uint8_t *ptrs[WC_MERKLE_CHUNK];
    size_t i = 0;
    while (i < n) {
        size_t k = n - i < WC_MERKLE_CHUNK ? n - i : WC_MERKLE_CHUNK;
        const uint8_t *p = data + i * leaf_size;
        for (size_t j = 0; j < k; j++, p += leaf_size) ptrs[j] = p;
        kern->hash->blake2b256_many(ptrs, leaf_size, k, 0, out + 32 * i);
        i += k;
    }
    return WC_OK;
}

/* ---- many trees at once ------------------------------------------------ */

/* A batch of inner-node messages for one kernel stream; outputs contiguous.
 * Pairs that do not lie contiguously (strided leaves, an odd last node and
 * its zero sibling) are copied into `stage`, slot = their batch position. */
struct batch {
    const struct wc_hash_kernels *hk;
    const uint8_t *ptrs[WC_MERKLE_CHUNK];
    size_t k;
    uint8_t *out;
    uint8_t stage[WC_MERKLE_CHUNK * 64];
};

static void batch_flush(struct batch *b)
{
    if (b->k) {
        b->hk->blake2b256_many(b->ptrs, 64, b->k, 1, b->out);
        b->out += 32 * b->k;
        b->k = 0;
    }
}

static void batch_push(struct batch *b, const uint8_t *msg)
{
    b->ptrs[b->k++] = msg;
    if (b->k == WC_MERKLE_CHUNK) batch_flush(b);
}

static void batch_push_pair(struct batch *b, const uint8_t *left, const uint8_t *right)
{
    uint8_t *slot = b->stage + 64 * b->k;
    memcpy(slot, left, 32);
    memcpy(slot + 32, right, 32);
    batch_push(b, slot);
}

/* Trees with at most this many leaves go through the grouped level-by-level
 * path; bigger ones through the level stream, one tree at a time (their top
 * levels are a negligible share of the work). */
#define GROUP_MAX_LEAVES 8192
#define GROUP_TARGET     8192 /* ~ leaves per group */
#define GROUP_MIN        8

enum wc_status wc_merkle_roots_many(const struct wc_kernels *kern, const uint8_t *leaf_hashes,
                                    size_t tree_stride, size_t n_trees, size_t n_leaves, uint8_t *roots)
{
    return wc_merkle_block_roots(kern, leaf_hashes, 32, tree_stride, n_trees, n_leaves, 0, roots, 32);
}

void wc_merkle_lift(uint8_t node[32], size_t n_leaves, unsigned height)
{
    for (unsigned h = wc_ceil_log2(n_leaves); h < height; h++)
        wc_merkle_inner_hash(node, WC_MERKLE_ZERO_NODE, node);
}

/* One big tree with strided leaves: gather, then the level stream. */
static enum wc_status root_strided(const struct wc_kernels *kern, const uint8_t *leaves, size_t leaf_stride,
                                   size_t n, unsigned height, uint8_t root[32])
{
    enum wc_status st;
    if (leaf_stride == 32 || n <= 1) {
        st = root_from_leaf_hashes(kern, leaves, n, root);
    } else {
        uint8_t *tmp = (uint8_t *)wc_aligned_alloc(32 * n);
        if (!tmp) return WC_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) memcpy(tmp + 32 * i, leaves + i * leaf_stride, 32);
        st = root_from_leaf_hashes(kern, tmp, n, root);
        wc_aligned_free(tmp);
    }
    if (st == WC_OK && n) wc_merkle_lift(root, n, height);
    return st;
}

enum wc_status wc_merkle_block_roots(const struct wc_kernels *kern, const uint8_t *leaf_hashes,
                                     size_t leaf_stride, size_t tree_stride, size_t n_trees, size_t n_leaves,
                                     unsigned height, uint8_t *roots, size_t roots_stride)
{
    int ok = 1;
    if (!kern || (n_trees && !roots)) return WC_ERR_ARG;
    if (n_trees == 0) return WC_OK;
    if (n_leaves && !leaf_hashes) return WC_ERR_ARG;
    mul_size(n_leaves, 32, &ok);
    mul_size(n_trees, 32, &ok);
    if (n_leaves > 1 && leaf_stride < 32) return WC_ERR_ARG;
    if (height > 64 || (n_trees > 1 && roots_stride < 32)) return WC_ERR_ARG;
    if (n_leaves) {
        /* the whole span read must be addressable: no size_t wrap */
        size_t a = mul_size(n_leaves - 1, leaf_stride, &ok);
        size_t b = mul_size(n_trees - 1, tree_stride, &ok);
        if (a > SIZE_MAX - 32 || b > SIZE_MAX - 32 - a) ok = 0;
    }
    mul_size(n_trees - 1, roots_stride, &ok);
    if (!ok) return WC_ERR_SIZE;

    /* Empty trees, one-leaf trees that stay at their height, and big trees:
     * one at a time (a big tree's top levels are a negligible share). */
    if (n_leaves == 0 || (n_leaves == 1 && height == 0) || n_leaves > GROUP_MAX_LEAVES) {
        for (size_t t = 0; t < n_trees; t++) {
            enum wc_status st = root_strided(kern, leaf_hashes + t * tree_stride, leaf_stride, n_leaves,
                                             height, roots + t * roots_stride);
            if (st != WC_OK) return st;
        }
        return WC_OK;
    }

    size_t group = GROUP_TARGET / n_leaves;
    if (group < GROUP_MIN) group = GROUP_MIN;
    if (group > n_trees) group = n_trees;
    size_t half = (n_leaves + 1) / 2;
    size_t quarter = (half + 1) / 2;
    uint8_t *buf_a = (uint8_t *)wc_aligned_alloc(group * half * 32);
    uint8_t *buf_b = (uint8_t *)wc_aligned_alloc(group * quarter * 32);
    struct batch *b = (struct batch *)wc_aligned_alloc(sizeof *b);
    if (!buf_a || !buf_b || !b) {
        wc_aligned_free(buf_a);
        wc_aligned_free(buf_b);
        wc_aligned_free(b);
        return WC_ERR_NOMEM;
    }
    b->hk = kern->hash;
    b->k = 0;

    for (size_t g0 = 0; g0 < n_trees; g0 += group) {
        size_t gt = n_trees - g0 < group ? n_trees - g0 : group;
        const uint8_t *src = NULL; /* level > 0: dense, tree t at src + t*m*32 */
        size_t m = n_leaves;
        unsigned level = 0;
        /* Up to the root, and on to `height`: a lone node at a level below
         * it is an odd level, paired with the zero node. */
        while (m > 1 || level < height) {
            size_t full = m / 2, mp = (m + 1) / 2;
            size_t stride = level == 0 ? leaf_stride : 32;
            uint8_t *dst = (level & 1) ? buf_b : buf_a;
            b->out = dst;
            for (size_t t = 0; t < gt; t++) {
                const uint8_t *s = level == 0 ? leaf_hashes + (g0 + t) * tree_stride : src + t * m * 32;
                if (stride == 32) {
                    for (size_t j = 0; j < full; j++) batch_push(b, s + 64 * j);
                } else {
                    for (size_t j = 0; j < full; j++)
                        batch_push_pair(b, s + 2 * j * stride, s + (2 * j + 1) * stride);
                }
                if (m & 1) batch_push_pair(b, s + (m - 1) * stride, WC_MERKLE_ZERO_NODE);
            }
            batch_flush(b);
            src = dst;
            m = mp;
            level++;
        }
        for (size_t t = 0; t < gt; t++) memcpy(roots + (g0 + t) * roots_stride, src + 32 * t, 32);
    }
    wc_aligned_free(buf_a);
    wc_aligned_free(buf_b);
    wc_aligned_free(b);
    return WC_OK;
}

/* ---- one tree on several threads ---------------------------------------- */

struct par_root {
    const struct wc_kernels *kern;
    const uint8_t *data;
    size_t leaf_size, n;
    unsigned height;
    uint8_t *nodes;
    unsigned char *failed; /* one flag per block: no shared writes */
};

static void par_root_task(void *ctx, size_t b, unsigned worker)
{
    struct par_root *p = (struct par_root *)ctx;
    size_t width = (size_t)1 << p->height, lo = b * width;
    size_t cnt = p->n - lo < width ? p->n - lo : width;
    uint8_t *out = p->nodes + 32 * b;
    enum wc_status st =
        wc_merkle_root(p->kern, p->data + lo * p->leaf_size, cnt * p->leaf_size, p->leaf_size, out);
    if (st != WC_OK) {
        p->failed[b] = 1; /* only WC_ERR_NOMEM can happen here */
        return;
    }
    wc_merkle_lift(out, cnt, p->height); /* a short last block */
}

enum wc_status wc_merkle_root_threads(const struct wc_kernels *kern, const uint8_t *data, size_t len,
                                      size_t leaf_size, unsigned threads, uint8_t root[32])
{
    if (!kern || !root || leaf_size == 0 || (len && !data) || threads == 0) return WC_ERR_ARG;
    if (len % leaf_size) return WC_ERR_SIZE;
    size_t n = len / leaf_size;
    if (threads > WC_MAX_THREADS) threads = WC_MAX_THREADS;
    /* Blocks of >= 2^12 leaves, about 4 per thread for balance (no more
     * threads start than there are blocks: wc_parallel_for). */
    unsigned tree_h = wc_ceil_log2(n), h = 12;
    while (h < tree_h && (n >> h) > 4 * (size_t)threads) h++;
    if (threads <= 1 || h >= tree_h) return wc_merkle_root(kern, data, len, leaf_size, root);
    struct par_root p;
    p.kern = kern;
    p.data = data;
    p.leaf_size = leaf_size;
    p.n = n;
    p.height = h;
    size_t blocks = wc_merkle_level_count(n, h);
    p.nodes = (uint8_t *)wc_aligned_alloc(32 * blocks);
    p.failed = (unsigned char *)calloc(blocks, 1);
    enum wc_status st = WC_OK;
    if (!p.nodes || !p.failed) {
        st = WC_ERR_NOMEM;
    } else {
        wc_parallel_for(blocks, threads, par_root_task, &p);
        for (size_t b = 0; b < blocks; b++)
            if (p.failed[b]) st = WC_ERR_NOMEM;
        if (st == WC_OK) st = root_from_leaf_hashes(kern, p.nodes, blocks, root);
    }
    wc_aligned_free(p.nodes);
    free(p.failed);
    return st;
}

/* ---- blob ID (format §5) ------------------------------------------------- */

enum wc_status wc_merkle_blob_id(const struct wc_kernels *kern, const uint8_t *pair_hashes, size_t n,
                                 uint64_t unencoded_length, uint8_t root[32], uint8_t blob_id[32])
{
    int ok = 1;
    if (!kern || !blob_id || (n && !pair_hashes)) return WC_ERR_ARG;
    size_t bytes = mul_size(n, 64, &ok);
    if (!ok) return WC_ERR_SIZE;
    uint8_t r[32], msg[41];
    enum wc_status st = wc_merkle_root(kern, pair_hashes, bytes, 64, r);
    if (st != WC_OK) return st;
    msg[0] = 1; /* encoding type RS2 */
    wc_store64_le(msg + 1, unencoded_length);
    memcpy(msg + 9, r, 32);
    wc_blake2b256(msg, sizeof msg, blob_id);
    if (root) memcpy(root, r, 32);
    return WC_OK;
}
