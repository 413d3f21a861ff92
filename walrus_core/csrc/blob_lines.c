/* Work on single lines of the expanded matrix (format §6): expanding slivers
 * to their full lines and committing to them (sliver verification, the
 * consistency check of decode, inconsistency proofs), and rebuilding one
 * sliver from recovery symbols. */
#include <stdlib.h>
#include <string.h>

#include "blob_internal.h"
#include "merkle.h"
#include "rs.h"

struct lines {
    const struct wc_kernels *kern;
    size_t n, S, k, B, count;
    wc_rs_codec *codec;
    const uint8_t *const *slivers;
    uint8_t *roots, *expanded, *leaf_hashes;
    uint8_t **wmem;
    size_t scratch_bytes, pb;
    int direct; /* one line per task: RS straight from the sliver, no packing */
    int err;
};

static void set_err(struct lines *L, enum wc_status st)
{
    if (st != WC_OK) wc_atomic_store_int(&L->err, (int)st);
}

/* Sizes of one worker's block for B lines (see line_task). */
static size_t lines_worker_bytes(const struct lines *L)
{
    const size_t n = L->n, S = L->S, B = L->B;
    size_t nptr = B * n;
    return wc_round64(L->scratch_bytes) + n * L->pb + B * n * S + B * n * 32 + nptr * sizeof(void *) +
           n * sizeof(void *) + 128;
}

/* B lines per task: gather their k symbols into expanded lines (stride n*S),
 * RS-extend all of them with one packed call, hash all B*n leaves, then the
 * B trees. */
static void line_task(void *ctx, size_t t, unsigned worker)
{
    struct lines *L = (struct lines *)ctx;
    const size_t n = L->n, S = L->S, k = L->k, B = L->B;
    size_t l0 = t * B;
    size_t cnt = L->count - l0 < B ? L->count - l0 : B;
    size_t pb = wc_blob_pk_bytes(cnt, S);
    uint8_t *q = L->wmem[worker];
    uint8_t *scratch = q;
    q += wc_round64(L->scratch_bytes);
    uint8_t *sh = q;
    q += n * L->pb;
    uint8_t *lines = q;
    q += B * n * S;
    uint8_t *lh = q; /* leaf hashes, line after line */
    q += B * n * 32;
    q = (uint8_t *)(((uintptr_t)q + 7) & ~(uintptr_t)7);
    const uint8_t **ptrs = (const uint8_t **)q;
    uint8_t **shp = (uint8_t **)(ptrs + B * n);
    if (L->direct) { /* cnt == 1: the sliver's symbols are the RS inputs and leaves in place */
        const uint8_t *src = L->slivers[l0];
        uint8_t *par = lines;
        if (L->expanded) {
            memcpy(L->expanded + l0 * n * S, src, k * S);
            par = L->expanded + l0 * n * S + k * S;
        }
        for (size_t j = 0; j < k; j++) ptrs[j] = src + j * S;
        for (size_t j = 0; j < n - k; j++) shp[j] = par + j * S;
        enum wc_status st =
            wc_rs_encode_with_scratch(L->kern, k, n - k, S, ptrs, shp, scratch, L->scratch_bytes);
        if (st != WC_OK) {
            set_err(L, st);
            return;
        }
        for (size_t j = k; j < n; j++) ptrs[j] = par + (j - k) * S;
        L->kern->hash->blake2b256_many(ptrs, S, n, 0, lh);
        if (L->leaf_hashes) memcpy(L->leaf_hashes + l0 * n * 32, lh, n * 32);
        set_err(L, wc_merkle_root_from_leaf_hashes(L->kern, lh, n, L->roots + l0 * 32));
        return;
    }
    uint8_t *dst = L->expanded ? L->expanded + l0 * n * S : lines;
    for (size_t i = 0; i < cnt; i++) memcpy(dst + i * n * S, L->slivers[l0 + i], k * S);
    for (size_t j = 0; j < n; j++) shp[j] = sh + j * pb;
    for (size_t c = 0; c < k; c++) wc_blob_pk_pack(dst + c * S, n * S, cnt, S, shp[c]);
    enum wc_status st = wc_rs_encode_packed(L->codec, L->kern, (const uint8_t *const *)shp, shp + k, pb,
                                            scratch, L->scratch_bytes);
    if (st != WC_OK) {
        set_err(L, st);
        return;
    }
    for (size_t j = 0; j < n - k; j++) wc_blob_pk_unpack(shp[k + j], cnt, S, dst + (k + j) * S, n * S);
    /* Leaf hashes straight into the caller's buffer when it wants them. */
    uint8_t *leaves = L->leaf_hashes ? L->leaf_hashes + l0 * n * 32 : lh;
    for (size_t i = 0; i < cnt; i++) {
        for (size_t j = 0; j < n; j++) ptrs[j] = dst + i * n * S + j * S;
        L->kern->hash->blake2b256_many(ptrs, S, n, 0, leaves + i * n * 32);
    }
    set_err(L, wc_merkle_roots_many(L->kern, leaves, n * 32, cnt, n, L->roots + l0 * 32));
}

enum wc_status wc_blob_line_roots(const struct wc_kernels *kern, size_t n, size_t S, int axis, size_t count,
                                  const uint8_t *const *slivers, unsigned threads, uint8_t *roots,
                                  size_t roots_len, uint8_t *expanded, size_t expanded_len,
                                  uint8_t *leaf_hashes, size_t leaf_hashes_len)
{
    if (!kern || !kern->hash || !kern->rs || !roots || (count && !slivers) || threads == 0) return WC_ERR_ARG;
    if (axis != WC_BLOB_PRIMARY && axis != WC_BLOB_SECONDARY) return WC_ERR_ARG;
    struct wc_blob_layout shape;
    enum wc_status st = wc_blob_shape(n, &shape);
    if (st != WC_OK) return st;
    if (S < 2 || S > WC_BLOB_MAX_SYMBOL_SIZE || (S & 1)) return WC_ERR_SIZE;
    for (size_t i = 0; i < count; i++)
        if (!slivers[i]) return WC_ERR_ARG;
    if (roots_len != count * 32 || (expanded && expanded_len != count * n * S) ||
        (leaf_hashes && leaf_hashes_len != count * n * 32))
        return WC_ERR_SIZE;
    if (count == 0) return WC_OK;
    struct lines L;
    memset(&L, 0, sizeof(L));
    L.kern = kern;
    L.n = n;
    L.S = S;
    L.k = wc_blob_sliver_symbols(&shape, axis);
    L.count = count;
    L.slivers = slivers;
    L.roots = roots;
    L.expanded = expanded;
    L.leaf_hashes = leaf_hashes;
    unsigned nw = wc_thread_count(threads, count);
    /* Enough lines per task to amortise the FFT, but keep every worker busy. */
    L.B = clampz(WC_BLOB_CHUNK_BYTES / (n * S), 1, 64);
    if (L.B > (count + nw - 1) / nw) L.B = (count + nw - 1) / nw;
    if (L.B == 0) L.B = 1;
    size_t n_tasks = (count + L.B - 1) / L.B;
    nw = wc_thread_count(nw, n_tasks);
    st = wc_rs_codec_new(L.k, n - L.k, &L.codec);
    if (st != WC_OK) return st;
    /* Lines of 1 MiB and more go one per task, straight from the sliver. */
    L.direct = L.B == 1;
    L.pb = L.direct ? 0 : wc_blob_pk_bytes(L.B, S);
    L.scratch_bytes = L.direct ? wc_rs_encode_plain_scratch_bytes(L.k, n - L.k, S)
                               : wc_rs_encode_scratch_bytes(L.codec, L.pb);
    size_t per = lines_worker_bytes(&L);
    L.wmem = (uint8_t **)calloc(nw, sizeof(uint8_t *));
    st = WC_ERR_NOMEM;
    if (!L.wmem) goto done;
    for (unsigned i = 0; i < nw; i++)
        if (!(L.wmem[i] = (uint8_t *)wc_aligned_alloc(per))) goto done;
    wc_parallel_for(n_tasks, nw, line_task, &L);
    st = L.err ? (enum wc_status)L.err : WC_OK;
done:
    if (L.wmem)
        for (unsigned i = 0; i < nw; i++) wc_aligned_free(L.wmem[i]);
    free(L.wmem);
    wc_rs_codec_free(L.codec);
    return st;
}

enum wc_status wc_blob_recover_line(const struct wc_kernels *kern, size_t n, size_t S, int axis, size_t count,
                                    const size_t *positions, const uint8_t *const *symbols, uint8_t *out,
                                    size_t out_len)
{
    if (!kern || !out || (count && (!positions || !symbols))) return WC_ERR_ARG;
    if (axis != WC_BLOB_PRIMARY && axis != WC_BLOB_SECONDARY) return WC_ERR_ARG;
    struct wc_blob_layout shape;
    enum wc_status st = wc_blob_shape(n, &shape);
    if (st != WC_OK) return st;
    if (S < 2 || S > WC_BLOB_MAX_SYMBOL_SIZE || (S & 1)) return WC_ERR_SIZE;
    size_t k = wc_blob_sliver_symbols(&shape, axis);
    if (out_len != k * S) return WC_ERR_SIZE;
    const uint8_t **shards = (const uint8_t **)calloc(n, sizeof(*shards));
    uint8_t **outs = (uint8_t **)malloc(k * sizeof(*outs));
    st = WC_ERR_NOMEM;
    if (!shards || !outs) goto done;
    st = wc_blob_pick(n, k, count, positions, symbols, shards);
    if (st != WC_OK) goto done;
    for (size_t j = 0; j < k; j++) outs[j] = out + j * S;
    st = wc_rs_decode_with(kern, k, n - k, S, shards, outs);
done:
    free((void *)shards);
    free(outs);
    return st;
}
