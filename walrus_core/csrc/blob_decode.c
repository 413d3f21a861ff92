/* The 2-D decoder (format §7): the padded message matrix from p primary or s
 * secondary slivers, in column (primary) or row (secondary) chunks spread
 * over threads. Every chunk misses the same slivers, so one erasure decoder
 * (one error locator) serves the whole blob. */
#include <stdlib.h>
#include <string.h>

#include "blob_internal.h"
#include "rs.h"

struct dec {
    const struct wc_kernels *kern;
    struct wc_blob_layout L;
    int axis;
    size_t k;                     /* originals of the line code */
    size_t chunk;                 /* symbols per line per task */
    size_t n_lines;               /* lines to decode: s columns (primary) or p rows (secondary) */
    const uint8_t *const *by_pos; /* n pointers, NULL where absent */
    wc_rs_decoder *dec;
    uint8_t *out;
    uint8_t **wmem;
    size_t wstride;
    size_t scratch_bytes;
    int err;
};

static void dec_task(void *ctx, size_t t, unsigned worker)
{
    struct dec *d = (struct dec *)ctx;
    const size_t n = d->L.n, S = d->L.S, s = d->L.s;
    size_t l0 = t * d->chunk;
    size_t cnt = d->n_lines - l0 < d->chunk ? d->n_lines - l0 : d->chunk;
    size_t pb = wc_blob_pk_bytes(cnt, S);
    uint8_t *mem = d->wmem[worker];
    uint8_t *scratch = mem;
    uint8_t *sh = mem + wc_round64(d->scratch_bytes);
    const uint8_t **in = (const uint8_t **)(sh + (n + d->k) * d->wstride);
    uint8_t **outp = (uint8_t **)(in + n);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        in[i] = NULL;
        if (d->by_pos[i]) {
            uint8_t *dst = sh + used++ * d->wstride;
            wc_blob_pk_pack(d->by_pos[i] + l0 * S, S, cnt, S, dst);
            in[i] = dst;
        }
    }
    for (size_t j = 0; j < d->k; j++) outp[j] = sh + (n + j) * d->wstride;
    enum wc_status st = wc_rs_decode_packed(d->dec, d->kern, in, outp, pb, scratch, d->scratch_bytes);
    if (st != WC_OK) {
        wc_atomic_store_int(&d->err, (int)st);
        return;
    }
    if (d->axis == WC_BLOB_PRIMARY) {
        /* lines are columns l0..l0+cnt-1; output j = row j */
        for (size_t j = 0; j < d->k; j++) wc_blob_pk_unpack(outp[j], cnt, S, d->out + j * s * S + l0 * S, S);
    } else {
        /* lines are rows l0..; output j = column j */
        for (size_t j = 0; j < d->k; j++)
            wc_blob_pk_unpack(outp[j], cnt, S, d->out + l0 * s * S + j * S, s * S);
    }
}

enum wc_status wc_blob_decode(const struct wc_kernels *kern, size_t n, uint64_t length, int axis,
                              size_t count, const size_t *indices, const uint8_t *const *slivers,
                              unsigned threads, uint8_t *out, size_t out_len)
{
    if (!kern || !kern->rs || !out || (count && (!indices || !slivers)) || threads == 0) return WC_ERR_ARG;
    if (axis != WC_BLOB_PRIMARY && axis != WC_BLOB_SECONDARY) return WC_ERR_ARG;
    struct dec d;
    memset(&d, 0, sizeof(d));
    enum wc_status st = wc_blob_layout_init(n, length, &d.L);
    if (st != WC_OK) return st;
    const size_t S = d.L.S, p = d.L.p, s = d.L.s;
    if (out_len != p * s * S) return WC_ERR_SIZE;
    d.kern = kern;
    d.axis = axis;
    d.out = out;
    d.k = axis == WC_BLOB_PRIMARY ? p : s;
    size_t r = n - d.k;
    d.n_lines = axis == WC_BLOB_PRIMARY ? s : p;
    const uint8_t **by_pos = (const uint8_t **)calloc(n, sizeof(*by_pos));
    uint8_t *present = (uint8_t *)calloc(n, 1);
    if (!by_pos || !present) {
        st = WC_ERR_NOMEM;
        goto done0;
    }
    st = wc_blob_pick(n, d.k, count, indices, slivers, by_pos);
    if (st != WC_OK) goto done0;
    for (size_t i = 0; i < n; i++) present[i] = by_pos[i] != NULL;
    d.by_pos = by_pos;
    st = wc_rs_decoder_new(d.k, r, present, &d.dec);
    if (st != WC_OK) goto done0;
    d.chunk = clampz(WC_BLOB_CHUNK_BYTES / (n * S), 1, d.n_lines);
    size_t n_tasks = (d.n_lines + d.chunk - 1) / d.chunk;
    unsigned nw = wc_thread_count(threads, n_tasks);
    d.wstride = wc_blob_pk_bytes(d.chunk, S);
    d.scratch_bytes = wc_rs_decode_scratch_bytes(d.dec, d.wstride);
    size_t per = wc_round64(d.scratch_bytes) + (n + d.k) * d.wstride + (n + d.k) * sizeof(void *);
    d.wmem = (uint8_t **)calloc(nw, sizeof(uint8_t *));
    st = WC_ERR_NOMEM;
    if (!d.wmem) goto done1;
    for (unsigned i = 0; i < nw; i++)
        if (!(d.wmem[i] = (uint8_t *)wc_aligned_alloc(per))) goto done1;
    wc_parallel_for(n_tasks, nw, dec_task, &d);
    st = d.err ? (enum wc_status)d.err : WC_OK;
    /* The message past the blob is padding: zero whatever the slivers say
     * (Walrus zero-fills past the length before re-encoding, format §7), so a
     * check of the rows compares the blob that is returned. */
    if (st == WC_OK) memset(out + (size_t)length, 0, out_len - (size_t)length);
done1:
    if (d.wmem)
        for (unsigned i = 0; i < nw; i++) wc_aligned_free(d.wmem[i]);
    free(d.wmem);
    wc_rs_decoder_free(d.dec);
done0:
    free((void *)by_pos);
    free(present);
    return st;
}
