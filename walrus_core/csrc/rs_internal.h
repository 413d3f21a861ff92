/* What the three files of the 1-D code share: the codec and decoder objects,
 * the tiling of a transform into L2-sized byte slices, and the choice of
 * kernels. rs_encode.c is the encoder, rs_decode.c the erasure decoder with
 * its error locators, rs_plain.c the entry points in the crate's byte layout.
 *
 * Every transform runs over byte *tiles*: lanes never interact, so a whole
 * encode (or decode) can be done on bytes [off, off + T) of every shard, then
 * on the next tile. T is chosen so that the tile of every shard a transform
 * touches fits in L2; the large-shard case then never streams from memory
 * once per butterfly layer. */
#ifndef WC_RS_INTERNAL_H
#define WC_RS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"
#include "rs.h"
#include "tuning.h"
#include "wc_internal.h"

#define WC_RS_MAX_SHARDS 65536u

/* Slices in scratch sit SLICE_STRIDE(T) apart: the 64-byte pad keeps a
 * power-of-two tile from mapping every slice onto the same cache sets. */
#define SLICE_STRIDE(T) ((T) + 64)

struct wc_rs_codec {
    size_t k, r;
    size_t m; /* LOW rate: pow2(k); HIGH rate: pow2(r) */
    int high;
};

struct wc_rs_decoder {
    size_t k, r, m, N, end;
    int high;
    size_t n_missing;  /* missing originals */
    uint8_t *present;  /* k + r flags */
    uint16_t *lambda;  /* error-locator logs for positions < end */
    uint32_t *in_pre;  /* prefix counts of received positions (N + 1) */
    uint32_t *out_pre; /* prefix counts of missing originals' positions (N + 1) */
    size_t *zero_pos;  /* positions < N that start as zero */
    size_t n_zero;
};

/* WC_ERR_COUNT unless the crate accepts k originals and r recovery shards. */
enum wc_status wc_rs_check_counts(size_t k, size_t r);
/* Plan the code for counts wc_rs_check_counts accepted (format §3.3). */
void wc_rs_codec_plan(wc_rs_codec *c, size_t k, size_t r);

/* Bytes per tile for shards of `bytes` bytes when a transform touches
 * `shards` slices: a multiple of 64, at most `bytes`. */
WC_INLINE size_t rs_tile_bytes(size_t bytes, size_t shards)
{
    size_t t = wc_knob(WC_KNOB_RS_TILE_BUDGET) / (shards ? shards : 1);
    size_t lo = wc_knob(WC_KNOB_RS_TILE_MIN);
    t &= ~(size_t)63;
    if (t < lo) t = lo;
    if (t > bytes) t = bytes;
    return t;
}

/* The kernel table one call runs with, read once: a NULL backend, or one
 * without RS kernels, runs the portable oracle; a testing build may turn the
 * fused steps off. */
WC_INLINE struct wc_rs_kernels rs_kernels_of(const struct wc_kernels *kern)
{
    const struct wc_rs_kernels *k = kern ? kern->rs : NULL;
    if (!k || !k->fft_butterfly || !k->ifft_butterfly || !k->mul || !k->xor_into) k = &wc_rs_kernels_portable;
    struct wc_rs_kernels o = *k;
    if (!o.fft4 || !o.ifft4 || !wc_knob(WC_KNOB_RS_FUSED)) {
        o.fft4 = NULL;
        o.ifft4 = NULL;
    }
    return o;
}

/* Encoder scratch for tiles of T bytes, and the encode of bytes
 * [off, off + T) of every shard (streaming stores when `stream`). */
size_t wc_rs_enc_scratch_for_tile(const wc_rs_codec *c, size_t T);
size_t wc_rs_enc_tile(const wc_rs_codec *c, size_t bytes);
void wc_rs_encode_tile(const wc_rs_codec *c, const struct wc_rs_kernels *kk, const uint8_t *const *orig,
                       size_t ooff, uint8_t *const *rec, size_t roff, size_t T, uint8_t *scratch, int stream);
/* After the last streamed tile of a call. */
void wc_rs_stream_done(int stream);

/* The same for the decoder: missing originals of bytes [off, off + T). */
size_t wc_rs_dec_scratch_for_tile(const wc_rs_decoder *d, size_t T);
size_t wc_rs_dec_tile(const wc_rs_decoder *d, size_t bytes);
void wc_rs_decode_tile(const wc_rs_decoder *d, const struct wc_rs_kernels *kk, const uint8_t *const *shards,
                       size_t ioff, uint8_t *const *out, size_t ooff, size_t T, uint8_t *scratch);

#endif
