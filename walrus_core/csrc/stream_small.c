/* Small-blob shortcuts: exact metadata of blobs that are mostly zero padding.
 * See stream.h. */
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

/* ---- small blobs --------------------------------------------------------- */

enum wc_status wc_stream_leaf_table(const struct wc_kernels *kern, uint8_t *out, size_t out_len)
{
    if (!kern || !kern->hash || !out) return WC_ERR_ARG;
    if (out_len != (size_t)65536 * 32) return WC_ERR_SIZE;
    uint8_t *syms = (uint8_t *)malloc(65536 * 2);
    if (!syms) { /* one at a time */
        for (unsigned v = 0; v < 65536; v++) {
            uint8_t m[3] = {0, (uint8_t)v, (uint8_t)(v >> 8)};
            wc_blake2b256(m, 3, out + 32 * v);
        }
        return WC_OK;
    }
    for (unsigned v = 0; v < 65536; v++) {
        syms[2 * v] = (uint8_t)v;
        syms[2 * v + 1] = (uint8_t)(v >> 8);
    }
    wc_blake2b256_many_strided(kern, syms, 2, 2, 65536, 0, out);
    free(syms);
    return WC_OK;
}

static int all_zero(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i]) return 0;
    return 1;
}

/* Extend `count` lines of k symbols (line i, symbol j at base + i*line +
 * j*sym) with the code (k, r): recovery j goes to base + i*line + (k+j)*sym. */
static enum wc_status extend_lines(const struct wc_kernels *kern, uint8_t *base, size_t line, size_t sym,
                                   size_t count, size_t k, size_t r, size_t S)
{
    wc_rs_codec *codec = NULL;
    enum wc_status st = wc_rs_codec_new(k, r, &codec);
    if (st != WC_OK) return st;
    size_t pb = wc_rs_packed_bytes(count * S / 2);
    size_t sc = (wc_rs_encode_scratch_bytes(codec, pb) + 63) & ~(size_t)63;
    uint8_t *mem = (uint8_t *)wc_aligned_alloc(sc + (k + r) * pb);
    uint8_t **sh = (uint8_t **)malloc((k + r) * sizeof(*sh));
    st = WC_ERR_NOMEM;
    if (mem && sh) {
        for (size_t j = 0; j < k + r; j++) sh[j] = mem + sc + j * pb;
        /* the symbols of position j of every line form one packed shard */
        for (size_t j = 0; j < k; j++) wc_rs_pack(base + j * sym, line, count, S, sh[j]);
        st = wc_rs_encode_packed(codec, kern, (const uint8_t *const *)sh, sh + k, pb, mem, sc);
        if (st == WC_OK)
            for (size_t j = 0; j < r; j++) wc_rs_unpack(sh[k + j], count, S, base + (k + j) * sym, line);
    }
    wc_aligned_free(mem);
    free(sh);
    wc_rs_codec_free(codec);
    return st;
}

enum wc_status wc_stream_small_metadata(const struct wc_kernels *kern, size_t n, const uint8_t *data,
                                        uint64_t length, const uint8_t *leaf_table, uint8_t *row_roots,
                                        uint8_t *col_roots, size_t roots_len, uint8_t *blob_id,
                                        size_t blob_id_len)
{
    if (!kern || !kern->hash || !row_roots || !col_roots || (length && !data)) return WC_ERR_ARG;
    struct wc_blob_layout L;
    enum wc_status st = wc_blob_layout_init(n, length, &L);
    if (st != WC_OK) return st;
    if (roots_len != n * 32 || (blob_id && blob_id_len != 32)) return WC_ERR_SIZE;
    const size_t S = L.S, p = L.p, s = L.s, f = L.f, rowb = n * S, stride = (n + 1) * 32;
    uint8_t *x = (uint8_t *)calloc(n * n, S);
    uint8_t *lh = NULL;
    if (!x) {
        st = WC_ERR_NOMEM;
        goto done;
    }
    /* Rows of the message that hold data; the rest are zero and stay zero. */
    size_t rows = 0;
    for (uint64_t off = 0; off < length && rows < p; off += s * S, rows++) {
        uint64_t take = length - off < s * S ? length - off : s * S;
        memcpy(x + rows * rowb, data + off, (size_t)take);
    }
    if (rows) {
        st = extend_lines(kern, x, rowb, S, rows, s, f, S);
        if (st != WC_OK) goto done;
    }
    st = extend_lines(kern, x, S, rowb, n, p, 2 * f, S);
    if (st != WC_OK) goto done;
    if (S == 2 && leaf_table) {
        /* the trees read the leaf hashes straight from the table */
        st = wc_stream_finish_trees_sym2(kern, n, length, x, leaf_table, row_roots, col_roots, blob_id);
        goto done;
    }

    lh = (uint8_t *)malloc(n * stride);
    if (!lh) {
        st = WC_ERR_NOMEM;
        goto done;
    }
    uint8_t zleaf[32];
    {
        uint8_t *zero = (uint8_t *)calloc(1, S);
        if (!zero) {
            st = WC_ERR_NOMEM;
            goto done;
        }
        const uint8_t *zp = zero;
        kern->hash->blake2b256_many(&zp, S, 1, 0, zleaf);
        free(zero);
    }
    {
        enum { BATCH = 512 };
        const uint8_t *ptrs[BATCH];
        size_t dst[BATCH], m = 0;
        uint8_t out[BATCH * 32];
        for (size_t i = 0; i <= n * n; i++) {
            if (i < n * n) {
                size_t r = i / n, c = i % n;
                const uint8_t *sy = x + r * rowb + c * S;
                if (all_zero(sy, S)) {
                    memcpy(lh + r * stride + c * 32, zleaf, 32);
                    continue;
                }
                ptrs[m] = sy;
                dst[m++] = r * stride + c * 32;
            }
            if (m == BATCH || (i == n * n && m)) {
                kern->hash->blake2b256_many(ptrs, S, m, 0, out);
                for (size_t j = 0; j < m; j++) memcpy(lh + dst[j], out + 32 * j, 32);
                m = 0;
            }
        }
    }
    free(x);
    x = NULL;
    st = wc_stream_finish_trees(kern, n, length, lh, zleaf, row_roots, col_roots, blob_id);
done:
    free(x);
    free(lh);
    return st;
}
