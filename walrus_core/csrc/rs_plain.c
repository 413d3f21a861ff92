/* The 1-D code in the crate's byte layout (format §3.2): shards of any even
 * size S, each 64-byte block split into low and high bytes at its own
 * midpoint (a short last block at ITS midpoint). Shards whose size is a
 * multiple of 64 already are packed shards; the rest run the packed codec on
 * their whole blocks in place and on their short last blocks repacked. */
#include <stdlib.h>
#include <string.h>

#include "rs_internal.h"

/* ---- shard layout ------------------------------------------------------ */

size_t wc_rs_packed_bytes(size_t n_elements)
{
    return ((n_elements + 31) / 32) * 64;
}

/* Offsets of element e's low and high byte inside a crate-layout symbol of S bytes. */
WC_INLINE void crate_offsets(size_t S, size_t e, size_t *lo, size_t *hi)
{
    size_t b = e / 32, i = e % 32;
    size_t L = S - b * 64;
    if (L > 64) L = 64;
    *lo = b * 64 + i;
    *hi = b * 64 + L / 2 + i;
}

void wc_rs_pack(const uint8_t *src, size_t src_stride, size_t count, size_t S, uint8_t *dst)
{
    size_t per = S / 2, total = count * per;
    size_t out_bytes = wc_rs_packed_bytes(total);
    if (S % 64 == 0) {
        for (size_t j = 0; j < count; j++) memcpy(dst + j * S, src + j * src_stride, S);
    } else {
        for (size_t j = 0; j < count; j++) {
            const uint8_t *s = src + j * src_stride;
            for (size_t e = 0; e < per; e++) {
                size_t lo, hi, g = j * per + e;
                crate_offsets(S, e, &lo, &hi);
                dst[(g / 32) * 64 + g % 32] = s[lo];
                dst[(g / 32) * 64 + 32 + g % 32] = s[hi];
            }
        }
    }
    /* zero the unused lanes of the last block */
    for (size_t g = total; g < out_bytes / 2; g++) {
        dst[(g / 32) * 64 + g % 32] = 0;
        dst[(g / 32) * 64 + 32 + g % 32] = 0;
    }
}

void wc_rs_unpack(const uint8_t *src, size_t count, size_t S, uint8_t *dst, size_t dst_stride)
{
    size_t per = S / 2;
    if (S % 64 == 0) {
        for (size_t j = 0; j < count; j++) memcpy(dst + j * dst_stride, src + j * S, S);
        return;
    }
    for (size_t j = 0; j < count; j++) {
        uint8_t *d = dst + j * dst_stride;
        for (size_t e = 0; e < per; e++) {
            size_t lo, hi, g = j * per + e;
            crate_offsets(S, e, &lo, &hi);
            d[lo] = src[(g / 32) * 64 + g % 32];
            d[hi] = src[(g / 32) * 64 + 32 + g % 32];
        }
    }
}

/* One symbol's partial last block (t = S % 64 bytes, t even) <-> one packed block. */
static void pack_tail(const uint8_t *tail, size_t t, uint8_t *blk)
{
    memset(blk, 0, 64);
    memcpy(blk, tail, t / 2);
    memcpy(blk + 32, tail + t / 2, t / 2);
}

static void unpack_tail(const uint8_t *blk, size_t t, uint8_t *tail)
{
    memcpy(tail, blk, t / 2);
    memcpy(tail + t / 2, blk + 32, t / 2);
}

/* ---- plain API --------------------------------------------------------- */

/* Scratch of the plain encoder for shards of S bytes: tiles of the 64-byte
 * multiple part, then one packed block per shard for a partial last block. */
static size_t plain_enc_scratch(const wc_rs_codec *c, size_t S, size_t *tile, size_t *tiles_bytes)
{
    size_t full = S & ~(size_t)63, t = S - full, n = c->k + c->r;
    size_t T = full ? wc_rs_enc_tile(c, full) : 64;
    size_t sbytes = wc_rs_enc_scratch_for_tile(c, T > 64 ? T : 64);
    if (tile) *tile = T;
    if (tiles_bytes) *tiles_bytes = sbytes;
    return sbytes + (t ? wc_round64(n * 64) + wc_round64(n * sizeof(uint8_t *)) : 0);
}

size_t wc_rs_encode_plain_scratch_bytes(size_t k, size_t r, size_t S)
{
    wc_rs_codec c;
    if (wc_rs_check_counts(k, r) != WC_OK || S == 0 || S % 2) return 0;
    wc_rs_codec_plan(&c, k, r);
    return plain_enc_scratch(&c, S, NULL, NULL);
}

enum wc_status wc_rs_encode_with_scratch(const struct wc_kernels *kern, size_t k, size_t r, size_t S,
                                         const uint8_t *const *originals, uint8_t *const *recovery,
                                         void *scratch, size_t scratch_bytes)
{
    if (!originals || !recovery || !scratch) return WC_ERR_ARG;
    enum wc_status st = wc_rs_check_counts(k, r);
    if (st != WC_OK) return st;
    if (S == 0 || S % 2) return WC_ERR_SIZE;
    for (size_t i = 0; i < k; i++)
        if (!originals[i]) return WC_ERR_ARG;
    for (size_t j = 0; j < r; j++)
        if (!recovery[j]) return WC_ERR_ARG;
    wc_rs_codec plan, *c = &plan;
    wc_rs_codec_plan(c, k, r);
    size_t T, sbytes;
    if (scratch_bytes < plain_enc_scratch(c, S, &T, &sbytes)) return WC_ERR_SIZE;
    const struct wc_rs_kernels kk = rs_kernels_of(kern);
    size_t full = S & ~(size_t)63, t = S - full;
    uint8_t *buf = (uint8_t *)scratch;
    int stream = S >= wc_knob(WC_KNOB_RS_STREAM_MIN);
    for (size_t off = 0; off < full; off += T) {
        size_t len = full - off < T ? full - off : T;
        wc_rs_encode_tile(c, &kk, originals, off, recovery, off, len, buf, stream);
    }
    wc_rs_stream_done(stream);
    if (t) {
        uint8_t *tails = buf + sbytes;
        uint8_t **ptr = (uint8_t **)(void *)(tails + wc_round64((k + r) * 64));
        for (size_t i = 0; i < k + r; i++) ptr[i] = tails + i * 64;
        for (size_t i = 0; i < k; i++) pack_tail(originals[i] + full, t, ptr[i]);
        wc_rs_encode_tile(c, &kk, (const uint8_t *const *)ptr, 0, ptr + k, 0, 64, buf, 0);
        for (size_t j = 0; j < r; j++) unpack_tail(ptr[k + j], t, recovery[j] + full);
    }
    return WC_OK;
}

enum wc_status wc_rs_encode_with(const struct wc_kernels *kern, size_t k, size_t r, size_t S,
                                 const uint8_t *const *originals, uint8_t *const *recovery)
{
    size_t n = wc_rs_encode_plain_scratch_bytes(k, r, S);
    if (!n) return wc_rs_check_counts(k, r) != WC_OK ? WC_ERR_COUNT : WC_ERR_SIZE;
    uint8_t *scratch = (uint8_t *)wc_scratch_acquire(n);
    if (!scratch) return WC_ERR_NOMEM;
    enum wc_status st = wc_rs_encode_with_scratch(kern, k, r, S, originals, recovery, scratch, n);
    wc_scratch_release(scratch, n);
    return st;
}

static size_t plain_dec_scratch(const wc_rs_decoder *d, size_t S, size_t *tile, size_t *tiles_bytes)
{
    size_t full = S & ~(size_t)63, t = S - full, n = 2 * d->k + d->r;
    size_t T = full ? wc_rs_dec_tile(d, full) : 64;
    size_t sbytes = wc_rs_dec_scratch_for_tile(d, T > 64 ? T : 64);
    if (tile) *tile = T;
    if (tiles_bytes) *tiles_bytes = sbytes;
    return sbytes + (t ? wc_round64(n * 64) + wc_round64(n * sizeof(uint8_t *)) : 0);
}

size_t wc_rs_decoder_plain_scratch_bytes(const wc_rs_decoder *d, size_t S)
{
    if (!d || S == 0 || S % 2) return 0;
    return plain_dec_scratch(d, S, NULL, NULL);
}

enum wc_status wc_rs_decoder_decode_with_scratch(const wc_rs_decoder *d, const struct wc_kernels *kern,
                                                 size_t S, const uint8_t *const *shards, uint8_t *const *out,
                                                 void *scratch, size_t scratch_bytes)
{
    if (!d || !shards || !out || !scratch) return WC_ERR_ARG;
    if (S == 0 || S % 2) return WC_ERR_SIZE;
    const size_t k = d->k, r = d->r;
    for (size_t i = 0; i < k; i++)
        if (!out[i]) return WC_ERR_ARG;
    for (size_t i = 0; i < k + r; i++)
        if (d->present[i] && !shards[i]) return WC_ERR_ARG;
    size_t T, sbytes;
    if (scratch_bytes < plain_dec_scratch(d, S, &T, &sbytes)) return WC_ERR_SIZE;
    for (size_t i = 0; i < k; i++)
        if (d->present[i] && out[i] != shards[i]) memcpy(out[i], shards[i], S);
    if (!d->n_missing) return WC_OK;
    const struct wc_rs_kernels kk = rs_kernels_of(kern);
    size_t full = S & ~(size_t)63, t = S - full;
    uint8_t *buf = (uint8_t *)scratch;
    for (size_t off = 0; off < full; off += T) {
        size_t len = full - off < T ? full - off : T;
        wc_rs_decode_tile(d, &kk, shards, off, out, off, len, buf);
    }
    if (t) {
        uint8_t *tails = buf + sbytes;
        uint8_t **ptr = (uint8_t **)(void *)(tails + wc_round64((2 * k + r) * 64));
        for (size_t i = 0; i < 2 * k + r; i++) ptr[i] = tails + i * 64;
        for (size_t i = 0; i < k + r; i++)
            if (d->present[i]) pack_tail(shards[i] + full, t, ptr[i]);
        wc_rs_decode_tile(d, &kk, (const uint8_t *const *)ptr, 0, ptr + k + r, 0, 64, buf);
        for (size_t i = 0; i < k; i++)
            if (!d->present[i]) unpack_tail(ptr[k + r + i], t, out[i] + full);
    }
    return WC_OK;
}

enum wc_status wc_rs_decoder_decode(const wc_rs_decoder *d, const struct wc_kernels *kern, size_t S,
                                    const uint8_t *const *shards, uint8_t *const *out)
{
    if (!d) return WC_ERR_ARG;
    size_t n = wc_rs_decoder_plain_scratch_bytes(d, S);
    if (!n) return WC_ERR_SIZE;
    uint8_t *scratch = (uint8_t *)wc_scratch_acquire(n);
    if (!scratch) return WC_ERR_NOMEM;
    enum wc_status st = wc_rs_decoder_decode_with_scratch(d, kern, S, shards, out, scratch, n);
    wc_scratch_release(scratch, n);
    return st;
}

enum wc_status wc_rs_decode_with(const struct wc_kernels *kern, size_t k, size_t r, size_t S,
                                 const uint8_t *const *shards, uint8_t *const *out)
{
    if (!shards || !out) return WC_ERR_ARG;
    enum wc_status st = wc_rs_check_counts(k, r);
    if (st != WC_OK) return st;
    if (S == 0 || S % 2) return WC_ERR_SIZE;
    for (size_t i = 0; i < k; i++)
        if (!out[i]) return WC_ERR_ARG;
    uint8_t *present = (uint8_t *)malloc(k + r);
    if (!present) return WC_ERR_NOMEM;
    for (size_t i = 0; i < k + r; i++) present[i] = shards[i] != NULL;
    wc_rs_decoder *d;
    st = wc_rs_decoder_new(k, r, present, &d);
    free(present);
    if (st != WC_OK) return st;
    st = wc_rs_decoder_decode(d, kern, S, shards, out);
    wc_rs_decoder_free(d);
    return st;
}
