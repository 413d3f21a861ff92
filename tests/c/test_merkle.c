/* Merkle trees (spec §4) on every backend: hand-built tiny trees from
 * wc_blake2b256 alone, a naive level-by-level reference for n in 0..70 and a
 * few sizes that cross the level-stream buffer (512) and group boundaries,
 * every entry point against it, proofs for every index, tampering, and bad
 * arguments. */
#include <stdint.h>

#include "blake2b.h"
#include "merkle.h"
#include "wc_test.h"

static const uint8_t ZERO[32];

static void leaf_hash(const uint8_t *leaf, size_t len, uint8_t out[32])
{
    wc_blake2b_state s;
    uint8_t p = 0;
    wc_blake2b256_init(&s);
    wc_blake2b256_update(&s, &p, 1);
    wc_blake2b256_update(&s, leaf, len);
    wc_blake2b256_final(&s, out);
}

static void inner(const uint8_t *l, const uint8_t *r, uint8_t out[32])
{
    uint8_t m[65];
    m[0] = 1;
    memcpy(m + 1, l, 32);
    memcpy(m + 33, r, 32);
    wc_blake2b256(m, 65, out);
}

/* Naive reference: whole levels, odd level padded with the zero node. */
static void ref_root(const uint8_t *lh, size_t n, uint8_t root[32])
{
    if (n == 0) {
        memset(root, 0, 32);
        return;
    }
    uint8_t *lvl = malloc(32 * (n + 1));
    memcpy(lvl, lh, 32 * n);
    size_t m = n;
    while (m > 1) {
        if (m & 1) memset(lvl + 32 * m++, 0, 32);
        for (size_t i = 0; i < m / 2; i++) inner(lvl + 64 * i, lvl + 64 * i + 32, lvl + 32 * i);
        m /= 2;
    }
    memcpy(root, lvl, 32);
    free(lvl);
}

static void check_tiny(const struct wc_kernels *k)
{
    uint8_t leaves[5][3] = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {10, 11, 12}, {13, 14, 15}};
    uint8_t h[5][32], a[32], b[32], c[32], d[32], root[32];
    for (int i = 0; i < 5; i++) leaf_hash(leaves[i], 3, h[i]);

    CHECK_EQ_INT(wc_merkle_root(k, NULL, 0, 3, root), WC_OK);
    CHECK_MEM(root, ZERO, 32);
    CHECK_EQ_INT(wc_merkle_root(k, &leaves[0][0], 3, 3, root), WC_OK);
    CHECK_MEM(root, h[0], 32);
    inner(h[0], h[1], a);
    CHECK_EQ_INT(wc_merkle_root(k, &leaves[0][0], 6, 3, root), WC_OK);
    CHECK_MEM(root, a, 32);
    /* n = 3: H(1 | H(1|h0|h1) | H(1|h2|0)) */
    inner(h[2], ZERO, b);
    inner(a, b, c);
    CHECK_EQ_INT(wc_merkle_root(k, &leaves[0][0], 9, 3, root), WC_OK);
    CHECK_MEM(root, c, 32);
    /* n = 5: level1 = a, H(h2,h3), H(h4,0); level2 = H(a, .), H(H(h4,0), 0) */
    uint8_t l1b[32], l1c[32], l2a[32], l2b[32];
    inner(h[2], h[3], l1b);
    inner(h[4], ZERO, l1c);
    inner(a, l1b, l2a);
    inner(l1c, ZERO, l2b);
    inner(l2a, l2b, d);
    CHECK_EQ_INT(wc_merkle_root(k, &leaves[0][0], 15, 3, root), WC_OK);
    CHECK_MEM(root, d, 32);
    CHECK_EQ_INT(wc_merkle_root_from_leaf_hashes(k, &h[0][0], 5, root), WC_OK);
    CHECK_MEM(root, d, 32);
    /* Proof of leaf 4 of 5: siblings 0, l1(2)=0, l2a. */
    uint8_t path[3 * 32];
    CHECK_EQ_INT(wc_merkle_proof_len(5), 3);
    CHECK_EQ_INT(wc_merkle_proof(k, &h[0][0], 5, 4, path, sizeof path), WC_OK);
    CHECK_MEM(path, ZERO, 32);
    CHECK_MEM(path + 32, ZERO, 32);
    CHECK_MEM(path + 64, l2a, 32);
    CHECK_EQ_INT(wc_merkle_verify(h[4], 4, path, 3, d), WC_OK);
    /* Blob ID: H(0x01 | LE64(len) | root over pair leaves). */
    uint8_t pairs[2 * 64], pr[32], id[32], id_ref[32], msg[41];
    for (int i = 0; i < 128; i++) pairs[i] = (uint8_t)i;
    uint8_t pl0[32], pl1[32];
    leaf_hash(pairs, 64, pl0);
    leaf_hash(pairs + 64, 64, pl1);
    inner(pl0, pl1, pr);
    msg[0] = 1;
    for (int i = 0; i < 8; i++) msg[1 + i] = (uint8_t)(0x0102030405060708ull >> (8 * i));
    memcpy(msg + 9, pr, 32);
    wc_blake2b256(msg, 41, id_ref);
    CHECK_EQ_INT(wc_merkle_blob_id(k, pairs, 2, 0x0102030405060708ull, root, id), WC_OK);
    CHECK_MEM(root, pr, 32);
    CHECK_MEM(id, id_ref, 32);
}

static void check_n(const struct wc_kernels *k, size_t n, size_t leaf_size, int all_proofs)
{
    size_t len = n * leaf_size;
    uint8_t *data = malloc(len + 1);
    uint8_t *lh = malloc(32 * n + 1);
    uint8_t *lh2 = malloc(32 * n + 1);
    uint8_t ref[32], root[32];
    wc_test_fill(data, len, (unsigned)(n * 7 + leaf_size));
    for (size_t i = 0; i < n; i++) leaf_hash(data + i * leaf_size, leaf_size, lh + 32 * i);
    ref_root(lh, n, ref);

    CHECK_EQ_INT(wc_merkle_root(k, data, len, leaf_size, root), WC_OK);
    CHECK_MEM(root, ref, 32);
    CHECK_EQ_INT(wc_merkle_root_from_leaf_hashes(k, lh, n, root), WC_OK);
    CHECK_MEM(root, ref, 32);
    CHECK_EQ_INT(wc_merkle_leaf_hashes(k, data, len, leaf_size, lh2, 32 * n), WC_OK);
    CHECK(n == 0 || memcmp(lh, lh2, 32 * n) == 0);

    /* Many trees: tree t = leaves rotated by t, stored with a gap. */
    size_t nt = 11, stride = 32 * n + 96;
    uint8_t *many = malloc(nt * stride + 1), *roots = malloc(32 * nt);
    for (size_t t = 0; t < nt; t++) {
        for (size_t i = 0; i < n; i++) memcpy(many + t * stride + 32 * i, lh + 32 * ((i + t) % n), 32);
        memset(many + t * stride + 32 * n, 0xAB, 96);
    }
    CHECK_EQ_INT(wc_merkle_roots_many(k, many, stride, nt, n, roots), WC_OK);
    for (size_t t = 0; t < nt; t++) {
        ref_root(many + t * stride, n, ref);
        CHECK_MEM(roots + 32 * t, ref, 32);
    }
    ref_root(lh, n, ref);

    /* Levels: the root over the nodes at any height is the root. */
    size_t plen = wc_merkle_proof_len(n);
    for (unsigned h = 0; h <= plen; h++) {
        size_t cnt = wc_merkle_level_count(n, h);
        uint8_t *lv = malloc(32 * cnt + 1);
        CHECK_EQ_INT(wc_merkle_level_nodes(k, lh, n, h, lv, 32 * wc_merkle_level_count(n, h)), WC_OK);
        ref_root(lv, cnt, root);
        CHECK_MEM(root, ref, 32);
        free(lv);
    }
    CHECK_EQ_INT(wc_merkle_level_nodes(k, lh, n, (unsigned)plen + 1, lh2, 32), WC_ERR_ARG);

    /* Whole tree and proofs. */
    size_t tn = wc_merkle_tree_size(n);
    uint8_t *tree = malloc(32 * tn + 1);
    CHECK_EQ_INT(wc_merkle_tree_build(k, lh, n, tree, 32 * tn), WC_OK);
    if (n) CHECK_EQ_INT(wc_merkle_tree_build(k, lh, n, tree, 32 * tn - 1), WC_ERR_SIZE);
    CHECK(n == 0 || memcmp(tree + 32 * (tn - 1), ref, 32) == 0);
    uint8_t *path = malloc(32 * plen + 33), *path2 = malloc(32 * plen + 33);
    size_t step = all_proofs ? 1 : (n / 37 + 1);
    for (size_t i = 0; i < n; i += step) {
        CHECK_EQ_INT(wc_merkle_proof(k, lh, n, i, path, 32 * plen), WC_OK);
        CHECK_EQ_INT(wc_merkle_tree_proof(tree, 32 * tn, n, i, path2, 32 * plen), WC_OK);
        CHECK_EQ_INT(wc_merkle_tree_proof(tree, 32 * tn, n, i, path2, 32 * plen + 32), WC_ERR_SIZE);
        CHECK_EQ_INT(wc_merkle_proof(k, lh, n, i, path, 32 * plen + 32), WC_ERR_SIZE);
        CHECK(plen == 0 || memcmp(path, path2, 32 * plen) == 0);
        CHECK_EQ_INT(wc_merkle_verify(lh + 32 * i, i, path, plen, ref), WC_OK);
        /* Wrong index (same path length): fails. */
        /* (short random leaves can repeat: only when the sibling differs) */
        if ((i ^ 1) < n && memcmp(lh + 32 * i, lh + 32 * (i ^ 1), 32) != 0)
            CHECK_EQ_INT(wc_merkle_verify(lh + 32 * i, i ^ 1, path, plen, ref), WC_ERR_PROOF);
        CHECK_EQ_INT(wc_merkle_verify(lh + 32 * i, i + ((size_t)1 << plen), path, plen, ref), WC_ERR_PROOF);
        /* Wrong leaf: fails. */
        if (n > 1 && memcmp(lh + 32 * i, lh + 32 * ((i + 1) % n), 32) != 0)
            CHECK_EQ_INT(wc_merkle_verify(lh + 32 * ((i + 1) % n), i, path, plen, ref), WC_ERR_PROOF);
        /* Every flipped bit of the path, leaf, root: fails (sampled bits). */
        for (size_t byte = 0; byte < 32 * plen; byte += (all_proofs ? 1 : 7)) {
            path[byte] ^= (uint8_t)(1u << (byte % 8));
            CHECK_EQ_INT(wc_merkle_verify(lh + 32 * i, i, path, plen, ref), WC_ERR_PROOF);
            path[byte] ^= (uint8_t)(1u << (byte % 8));
        }
        uint8_t bad[32];
        memcpy(bad, ref, 32);
        bad[i % 32] ^= 0x80;
        CHECK_EQ_INT(wc_merkle_verify(lh + 32 * i, i, path, plen, bad), WC_ERR_PROOF);
        /* Path one shorter or one longer (zero node appended): fails. */
        if (plen) CHECK_EQ_INT(wc_merkle_verify(lh + 32 * i, i >> 1, path, plen - 1, ref), WC_ERR_PROOF);
        memset(path + 32 * plen, 0, 32);
        CHECK_EQ_INT(wc_merkle_verify(lh + 32 * i, i, path, plen + 1, ref), WC_ERR_PROOF);
    }
    CHECK_EQ_INT(wc_merkle_proof(k, lh, n, n, path, 32 * plen), WC_ERR_INDEX);
    CHECK_EQ_INT(wc_merkle_tree_proof(tree, 32 * tn, n, n, path, 32 * plen), WC_ERR_INDEX);

    free(path);
    free(path2);
    free(tree);
    free(many);
    free(roots);
    free(data);
    free(lh);
    free(lh2);
}

static void check_bad_args(const struct wc_kernels *k)
{
    uint8_t buf[64] = {0}, root[32];
    CHECK_EQ_INT(wc_merkle_root(NULL, buf, 4, 2, root), WC_ERR_ARG);
    CHECK_EQ_INT(wc_merkle_root(k, buf, 4, 0, root), WC_ERR_ARG);
    CHECK_EQ_INT(wc_merkle_root(k, NULL, 4, 2, root), WC_ERR_ARG);
    CHECK_EQ_INT(wc_merkle_root(k, buf, 4, 2, NULL), WC_ERR_ARG);
    CHECK_EQ_INT(wc_merkle_root(k, buf, 5, 2, root), WC_ERR_SIZE);
    CHECK_EQ_INT(wc_merkle_leaf_hashes(k, buf, 5, 2, root, 64), WC_ERR_SIZE);
    CHECK_EQ_INT(wc_merkle_leaf_hashes(k, buf, 4, 2, root, 32), WC_ERR_SIZE);
    CHECK_EQ_INT(wc_merkle_root_from_leaf_hashes(k, NULL, 2, root), WC_ERR_ARG);
    CHECK_EQ_INT(wc_merkle_root_from_leaf_hashes(k, buf, SIZE_MAX / 16, root), WC_ERR_SIZE);
    CHECK_EQ_INT(wc_merkle_block_roots(k, buf, 16, 64, 2, 2, 0, root, 32), WC_ERR_ARG); /* leaf stride < 32 */
    CHECK_EQ_INT(wc_merkle_block_roots(k, buf, SIZE_MAX / 2, 64, 2, 4, 0, root, 32), WC_ERR_SIZE);
    CHECK_EQ_INT(wc_merkle_roots_many(k, buf, SIZE_MAX / 2, 3, 2, root), WC_ERR_SIZE);
    CHECK_EQ_INT(wc_merkle_roots_many(k, NULL, 64, 2, 2, root), WC_ERR_ARG);
    CHECK_EQ_INT(wc_merkle_roots_many(k, buf, 64, 0, 2, NULL), WC_OK);
    CHECK_EQ_INT(wc_merkle_proof(k, buf, 0, 0, root, 0), WC_ERR_INDEX);
    CHECK_EQ_INT(wc_merkle_proof(k, buf, 2, 0, NULL, 32), WC_ERR_ARG);
    CHECK_EQ_INT(wc_merkle_verify(NULL, 0, buf, 1, root), WC_ERR_ARG);
    CHECK_EQ_INT(wc_merkle_verify(buf, 0, NULL, 1, root), WC_ERR_ARG);
    CHECK_EQ_INT(wc_merkle_verify(buf, SIZE_MAX, buf, 1, root), WC_ERR_PROOF);
    /* One leaf: the empty path verifies iff root = leaf hash. */
    CHECK_EQ_INT(wc_merkle_verify(buf, 0, NULL, 0, buf), WC_OK);
    CHECK_EQ_INT(wc_merkle_verify(buf, 1, NULL, 0, buf), WC_ERR_PROOF);
    CHECK_EQ_INT(wc_merkle_blob_id(k, NULL, 1, 0, NULL, root), WC_ERR_ARG);
    CHECK_EQ_INT(wc_merkle_tree_build(k, NULL, 1, buf, 32), WC_ERR_ARG);
    CHECK_EQ_INT(wc_merkle_level_count(0, 3), 0);
    CHECK_EQ_INT(wc_merkle_level_count(9, 3), 2);
    CHECK_EQ_INT(wc_merkle_tree_size(0), 0);
    CHECK_EQ_INT(wc_merkle_tree_size(1), 1);
    CHECK_EQ_INT(wc_merkle_tree_size(3), 7);
    CHECK_EQ_INT(wc_merkle_tree_size(5), 13);
    CHECK_EQ_INT(wc_merkle_tree_size(9), 23);
    CHECK_EQ_INT(wc_merkle_proof_len(0), 0);
    CHECK_EQ_INT(wc_merkle_proof_len(1), 0);
    CHECK_EQ_INT(wc_merkle_proof_len(2), 1);
    CHECK_EQ_INT(wc_merkle_proof_len(1000), 10);
    CHECK_EQ_INT(wc_merkle_proof_len(1024), 10);
    CHECK_EQ_INT(wc_merkle_proof_len(1025), 11);
}

/* Row and column trees of an n x n row-major matrix of leaf hashes (the
 * 2-D encoder's layout), through the strided entry point. */
static void check_matrix(const struct wc_kernels *k, size_t n)
{
    uint8_t *m = malloc(32 * n * n + 1), *col = malloc(32 * n + 1);
    uint8_t *rows = malloc(32 * n), *cols = malloc(32 * n), *rows2 = malloc(32 * n), ref[32];
    wc_test_fill(m, 32 * n * n, (unsigned)n);
    CHECK_EQ_INT(wc_merkle_block_roots(k, m, 32, 32 * n, n, n, 0, rows, 32), WC_OK);
    CHECK_EQ_INT(wc_merkle_roots_many(k, m, 32 * n, n, n, rows2), WC_OK);
    CHECK_EQ_INT(wc_merkle_block_roots(k, m, 32 * n, 32, n, n, 0, cols, 32), WC_OK);
    CHECK_MEM(rows, rows2, 32 * n);
    for (size_t i = 0; i < n; i++) {
        ref_root(m + 32 * n * i, n, ref);
        CHECK_MEM(rows + 32 * i, ref, 32);
        for (size_t r = 0; r < n; r++) memcpy(col + 32 * r, m + 32 * (r * n + i), 32);
        ref_root(col, n, ref);
        CHECK_MEM(cols + 32 * i, ref, 32);
    }
    free(m);
    free(col);
    free(rows);
    free(cols);
    free(rows2);
}

/* Roots raised to a height (the 2-D encoder's row subtrees): the node of an
 * aligned block of 2^h leaves holding only the tree's n, checked as the right
 * child of a tree whose left half is a full block: inner(root(block0),
 * node) == root(block0 || leaves). Strided leaves and strided output. */
static void check_block_roots(const struct wc_kernels *k)
{
    enum { TREES = 3, LS = 48, MAXN = 20, RS = 80 };
    uint8_t *m = malloc(LS * MAXN * TREES + 64), *full = malloc(32 * (64 + MAXN));
    uint8_t roots[RS * TREES], want[32], left[32], node[32];
    wc_test_fill(m, LS * MAXN * TREES + 64, 5);
    for (size_t n = 1; n <= MAXN; n++) {
        unsigned h0 = 0;
        while (((size_t)1 << h0) < n) h0++;
        for (unsigned h = h0; h <= h0 + 2 && h <= 6; h++) {
            size_t width = (size_t)1 << h;
            CHECK_EQ_INT(wc_merkle_block_roots(k, m, LS, LS * MAXN, TREES, n, h, roots, RS), WC_OK);
            for (size_t t = 0; t < TREES; t++) {
                wc_test_fill(full, 32 * width, (unsigned)(n + h));
                ref_root(full, width, left);
                for (size_t i = 0; i < n; i++)
                    memcpy(full + 32 * (width + i), m + t * LS * MAXN + i * LS, 32);
                ref_root(full, width + n, want);
                inner(left, roots + RS * t, node);
                CHECK_MEM(node, want, 32);
            }
        }
    }
    CHECK_EQ_INT(wc_merkle_block_roots(k, m, LS, LS, 2, 4, 65, roots, 32), WC_ERR_ARG);
    CHECK_EQ_INT(wc_merkle_block_roots(k, m, LS, LS, 2, 4, 2, roots, 16), WC_ERR_ARG);
    free(m);
    free(full);
}

/* Big strided trees (the one-tree-at-a-time path) and overlapping trees. */
static void check_strided_big(const struct wc_kernels *k)
{
    size_t n = 8193, stride = 48;
    uint8_t *m = malloc(stride * n + 64), *g = malloc(32 * n), roots[64], ref[32];
    wc_test_fill(m, stride * n + 64, 99);
    /* tree 1 starts 16 bytes further (overlapping tree 0) */
    CHECK_EQ_INT(wc_merkle_block_roots(k, m, stride, 16, 2, n, 0, roots, 32), WC_OK);
    for (size_t t = 0; t < 2; t++) {
        for (size_t i = 0; i < n; i++) memcpy(g + 32 * i, m + 16 * t + stride * i, 32);
        ref_root(g, n, ref);
        CHECK_MEM(roots + 32 * t, ref, 32);
    }
    /* tree_stride 0: the same tree twice */
    CHECK_EQ_INT(wc_merkle_roots_many(k, m, 0, 2, 100, roots), WC_OK);
    ref_root(m, 100, ref);
    CHECK_MEM(roots, ref, 32);
    CHECK_MEM(roots + 32, ref, 32);
    free(m);
    free(g);
}

static void check_threads(const struct wc_kernels *k)
{
    static const size_t ns[] = {0, 1, 4095, 4096, 4097, 8191, 8193, 3 * 4096 + 5, 65536, 100001};
    size_t max = 100001 * 2;
    uint8_t *data = malloc(max), a[32], b[32];
    wc_test_fill(data, max, 5);
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        CHECK_EQ_INT(wc_merkle_root(k, data, 2 * ns[i], 2, a), WC_OK);
        for (unsigned t = 1; t <= 5; t++) {
            CHECK_EQ_INT(wc_merkle_root_threads(k, data, 2 * ns[i], 2, t, b), WC_OK);
            CHECK_MEM(a, b, 32);
        }
    }
    CHECK_EQ_INT(wc_merkle_root_threads(k, data, 5, 2, 2, b), WC_ERR_SIZE);
    CHECK_EQ_INT(wc_merkle_root_threads(k, NULL, 4, 2, 2, b), WC_ERR_ARG);
    CHECK_EQ_INT(wc_merkle_root_threads(k, data, 4, 2, 0, b), WC_ERR_ARG);
    /* far more threads than the cap or the blocks: still the root */
    CHECK_EQ_INT(wc_merkle_root_threads(k, data, 2 * 100001, 2, 4096, b), WC_OK);
    CHECK_EQ_INT(wc_merkle_root(k, data, 2 * 100001, 2, a), WC_OK);
    CHECK_MEM(a, b, 32);
    free(data);
}

int main(void)
{
    static const size_t big[] = {511, 512, 513, 1000, 1023, 1024, 1025, 1537, 8191, 8192, 8193, 20001};
    FOR_EACH_BACKEND(k)
    {
        printf("  backend %s\n", k->name);
        check_tiny(k);
        check_bad_args(k);
        for (size_t n = 0; n <= 70; n++) check_n(k, n, 1 + n % 5, 1);
        for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) check_n(k, big[i], 2, 0);
        check_n(k, 33, 4096, 1);
        for (size_t n = 1; n <= 20; n++) check_matrix(k, n);
        check_matrix(k, 100);
        check_matrix(k, 257);
        check_strided_big(k);
        check_block_roots(k);
        check_threads(k);
        check_n(k, 3, 129, 1);
    }
    return wc_test_report("test_merkle");
}
