/* The encoder of the 1-D code (format §3.3, §3.4): reed-solomon-simd's rate
 * choice and transforms, over packed shards, one L2-sized tile at a time
 * (rs_internal.h). Codecs are read-only after creation and scratch comes
 * from the caller, so one codec serves many threads at once. */
#include <stdlib.h>
#include <string.h>

#include "fft.h"
#include "gf16.h"
#include "rs_internal.h"

static int use_high_rate(size_t k, size_t r)
{
    size_t pk = wc_pow2_ceil(k), pr = wc_pow2_ceil(r);
    if (pk != pr) return pk > pr;
    return k <= r;
}

enum wc_status wc_rs_check_counts(size_t k, size_t r)
{
    if (k == 0 || r == 0 || k > WC_RS_MAX_SHARDS || r > WC_RS_MAX_SHARDS) return WC_ERR_COUNT;
    size_t pk = wc_pow2_ceil(k), pr = wc_pow2_ceil(r);
    size_t mn = pk < pr ? pk : pr, mx = k > r ? k : r;
    if (k + r > WC_RS_MAX_SHARDS || mn + mx > WC_RS_MAX_SHARDS) return WC_ERR_COUNT;
    return WC_OK;
}

void wc_rs_codec_plan(wc_rs_codec *c, size_t k, size_t r)
{
    wc_gf16_init();
    c->k = k;
    c->r = r;
    c->high = use_high_rate(k, r);
    c->m = wc_pow2_ceil(c->high ? r : k);
}

enum wc_status wc_rs_codec_new(size_t k, size_t r, wc_rs_codec **out)
{
    if (!out) return WC_ERR_ARG;
    *out = NULL;
    enum wc_status st = wc_rs_check_counts(k, r);
    if (st != WC_OK) return st;
    wc_rs_codec *c = (wc_rs_codec *)calloc(1, sizeof(*c));
    if (!c) return WC_ERR_NOMEM;
    wc_rs_codec_plan(c, k, r);
    *out = c;
    return WC_OK;
}

void wc_rs_codec_free(wc_rs_codec *c)
{
    free(c);
}

/* Copy a finished slice out to the caller's shard. Large shards go straight
 * to memory with non-temporal stores (no read-for-ownership, no eviction of
 * the tile working set); SSE2 is part of the x86-64 baseline. */
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
static void copy_out(uint8_t *dst, const uint8_t *src, size_t n)
{
    if (((uintptr_t)dst & 15) || (n & 63)) {
        memcpy(dst, src, n);
        return;
    }
    for (size_t i = 0; i < n; i += 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(src + i + 16));
        __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(src + i + 32));
        __m128i d = _mm_loadu_si128((const __m128i *)(const void *)(src + i + 48));
        _mm_stream_si128((__m128i *)(void *)(dst + i), a);
        _mm_stream_si128((__m128i *)(void *)(dst + i + 16), b);
        _mm_stream_si128((__m128i *)(void *)(dst + i + 32), c);
        _mm_stream_si128((__m128i *)(void *)(dst + i + 48), d);
    }
}
void wc_rs_stream_done(int stream)
{
    if (stream) _mm_sfence();
}
#else
static void copy_out(uint8_t *dst, const uint8_t *src, size_t n)
{
    memcpy(dst, src, n);
}
void wc_rs_stream_done(int stream)
{
    (void)stream;
}
#endif

/* Slices the encoder keeps in scratch: 2m. LOW: the IFFT result w and the
 * block being transformed v; HIGH: the accumulator w and one chunk v. When
 * results go straight to the caller's shards, v holds only the positions of
 * a block beyond its last output. */
static size_t enc_scratch_shards(const wc_rs_codec *c)
{
    return 2 * c->m;
}

size_t wc_rs_enc_tile(const wc_rs_codec *c, size_t bytes)
{
    return rs_tile_bytes(bytes, enc_scratch_shards(c));
}

size_t wc_rs_enc_scratch_for_tile(const wc_rs_codec *c, size_t T)
{
    /* slices, one zero slice, then pointer arrays w, v, in (m each) */
    return wc_round64((enc_scratch_shards(c) + 1) * SLICE_STRIDE(T)) +
           wc_round64(3 * c->m * sizeof(uint8_t *));
}

size_t wc_rs_encode_scratch_bytes(const wc_rs_codec *c, size_t bytes)
{
    if (!c || bytes == 0) return 0;
    return wc_rs_enc_scratch_for_tile(c, wc_rs_enc_tile(c, bytes));
}

/* Encode bytes [ooff, ooff+T) of every original into [roff, roff+T) of every
 * recovery shard. scratch: wc_rs_enc_scratch_for_tile(c, T) bytes. Unless
 * `stream`, each FFT writes its outputs in place in the recovery shards (its
 * first step runs out of place), so no result is copied; with `stream`,
 * results are finished in scratch and streamed out, which spares large
 * shards the read-for-ownership of every output line. */
void wc_rs_encode_tile(const wc_rs_codec *c, const struct wc_rs_kernels *kk, const uint8_t *const *orig,
                       size_t ooff, uint8_t *const *rec, size_t roff, size_t T, uint8_t *scratch, int stream)
{
    const size_t k = c->k, r = c->r, m = c->m, st = SLICE_STRIDE(T), ns = enc_scratch_shards(c);
    uint8_t *data = scratch;
    uint8_t *zero = data + ns * st;
    uint8_t **w = (uint8_t **)(void *)(scratch + wc_round64((ns + 1) * st));
    uint8_t **v = w + m;
    const uint8_t **in = (const uint8_t **)(w + 2 * m);
    memset(zero, 0, T);
    for (size_t i = 0; i < m; i++) w[i] = data + i * st;
    for (size_t i = 0; i < m; i++) v[i] = data + (m + i) * st;
    if (!c->high) {
        /* originals at 0..k-1, zeros at k..m-1; IFFT; then FFT per block of m recoveries */
        for (size_t i = 0; i < m; i++) in[i] = i < k ? orig[i] + ooff : zero;
        wc_ifft_from(kk, w, in, m, k, 0, T);
        for (size_t base = 0; base < r; base += m) {
            size_t count = r - base < m ? r - base : m;
            if (!stream) {
                uint8_t **dst = (uint8_t **)in; /* in[] is free again: reuse it for output slices */
                for (size_t j = 0; j < m; j++) dst[j] = j < count ? rec[base + j] + roff : v[j];
                wc_fft_from(kk, dst, (const uint8_t *const *)w, m, count, base + m, T);
                continue;
            }
            uint8_t **p = w;
            if (base + m < r) { /* not the last block: keep w, transform from it into v */
                wc_fft_from(kk, v, (const uint8_t *const *)w, m, count, base + m, T);
                p = v;
            } else {
                wc_fft(kk, p, m, count, base + m, T);
            }
            for (size_t j = 0; j < count; j++) copy_out(rec[base + j] + roff, p[j], T);
        }
    } else {
        /* originals at m.., in chunks of m: IFFT each, XOR into w; FFT(w) */
        size_t c0 = k < m ? k : m;
        for (size_t i = 0; i < m; i++) in[i] = i < c0 ? orig[i] + ooff : zero;
        wc_ifft_from(kk, w, in, m, c0, m, T);
        for (size_t base = m; base < k; base += m) {
            size_t count = k - base < m ? k - base : m;
            for (size_t i = 0; i < m; i++) in[i] = i < count ? orig[base + i] + ooff : zero;
            wc_ifft_from_acc(kk, v, in, w, m, count, base + m, T);
        }
        if (!stream) {
            uint8_t **dst = (uint8_t **)in;
            for (size_t j = 0; j < m; j++) dst[j] = j < r ? rec[j] + roff : v[j];
            wc_fft_from(kk, dst, (const uint8_t *const *)w, m, r, 0, T);
            return;
        }
        wc_fft(kk, w, m, r, 0, T);
        for (size_t j = 0; j < r; j++) copy_out(rec[j] + roff, w[j], T);
    }
}

enum wc_status wc_rs_encode_packed(const wc_rs_codec *c, const struct wc_kernels *kern,
                                   const uint8_t *const *originals, uint8_t *const *recovery, size_t bytes,
                                   void *scratch, size_t scratch_bytes)
{
    if (!c || !originals || !recovery || !scratch) return WC_ERR_ARG;
    if (bytes == 0 || bytes % 64) return WC_ERR_SIZE;
    for (size_t i = 0; i < c->k; i++)
        if (!originals[i]) return WC_ERR_ARG;
    for (size_t j = 0; j < c->r; j++)
        if (!recovery[j]) return WC_ERR_ARG;
    size_t T = wc_rs_enc_tile(c, bytes);
    if (scratch_bytes < wc_rs_enc_scratch_for_tile(c, T)) return WC_ERR_SIZE;
    const struct wc_rs_kernels kk = rs_kernels_of(kern);
    int stream = bytes >= wc_knob(WC_KNOB_RS_STREAM_MIN);
    for (size_t off = 0; off < bytes; off += T) {
        size_t len = bytes - off < T ? bytes - off : T;
        wc_rs_encode_tile(c, &kk, originals, off, recovery, off, len, (uint8_t *)scratch, stream);
    }
    wc_rs_stream_done(stream);
    return WC_OK;
}
