/* Additive FFT drivers (format §3.4). A twiddle equal to the SKEW sentinel
 * (65535) is a multiplication by zero: the butterfly degenerates to one XOR.
 * Cache locality comes from the caller (rs_encode.c, rs_decode.c), which runs whole transforms
 * over byte slices small enough that every shard's slice stays in L2. */
#include "fft.h"

#include "gf16.h"
#include "wc_internal.h"

/* The SIMD kernels fetch a 128-byte table per multiplier from an 8 MiB array;
 * the driver knows the next block's twiddles, so it asks for them early. */
#if defined(__GNUC__) || defined(__clang__)
WC_INLINE void prefetch_lut(uint16_t g)
{
    if (g != 65535u) {
        const uint8_t *p = wc_gf16_mul_lut(g);
        __builtin_prefetch(p);
        __builtin_prefetch(p + 64);
    }
}
#else
WC_INLINE void prefetch_lut(uint16_t g)
{
    (void)g;
}
#endif

WC_INLINE void fbf(const struct wc_rs_kernels *k, uint8_t *x, uint8_t *y, uint16_t g, size_t bytes)
{
    if (g == 65535u)
        k->xor_into(y, x, bytes);
    else
        k->fft_butterfly(x, y, g, bytes);
}

WC_INLINE void ibf(const struct wc_rs_kernels *k, uint8_t *x, uint8_t *y, uint16_t g, size_t bytes)
{
    if (g == 65535u)
        k->xor_into(y, x, bytes);
    else
        k->ifft_butterfly(x, y, g, bytes);
}

/* The fused step on the quad (x, x+d, x+2d, x+3d) of w, in place. */
WC_INLINE void fft4_at(const struct wc_rs_kernels *k, uint8_t *const *w, size_t x, size_t d, uint32_t g1,
                       uint32_t g2, uint32_t g3, size_t bytes)
{
    uint8_t *q[4] = {w[x], w[x + d], w[x + 2 * d], w[x + 3 * d]};
    k->fft4(q, (const uint8_t *const *)q, g1, g2, g3, bytes);
}

WC_INLINE void ifft4_at(const struct wc_rs_kernels *k, uint8_t *const *w, size_t x, size_t d, uint32_t g1,
                        uint32_t g2, uint32_t g3, size_t bytes)
{
    uint8_t *q[4] = {w[x], w[x + d], w[x + 2 * d], w[x + 3 * d]};
    k->ifft4(q, (const uint8_t *const *)q, g1, g2, g3, bytes);
}

/* Layers are taken two at a time (radix 4): the four butterflies of one
 * quad (x, x+d, x+2d, x+3d) run back to back, so the second layer finds its
 * inputs in L1. Truncation is applied per block exactly as in the radix-2
 * description of format §3.4. */
static void fft_layers(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t trunc,
                       size_t delta, size_t bytes, size_t dist)
{
    const uint16_t *skew = wc_gf16_skew;
    for (; dist >= 2; dist >>= 2) {
        size_t d = dist >> 1;
        for (size_t r = 0; r < trunc; r += 4 * d) {
            uint16_t g1 = skew[delta + r + 2 * d - 1];
            uint16_t g2a = skew[delta + r + d - 1];
            uint16_t g2b = skew[delta + r + 3 * d - 1];
            int do_b = r + 2 * d < trunc;
            if (r + 4 * d < trunc) {
                prefetch_lut(skew[delta + r + 6 * d - 1]);
                prefetch_lut(skew[delta + r + 5 * d - 1]);
                prefetch_lut(skew[delta + r + 7 * d - 1]);
            }
            if (k->fft4) {
                uint32_t t3 = do_b ? g2b : WC_RS_TW_SKIP;
                for (size_t x = r; x < r + d; x++) fft4_at(k, w, x, d, g1, g2a, t3, bytes);
                continue;
            }
            for (size_t x = r; x < r + d; x++) {
                fbf(k, w[x], w[x + 2 * d], g1, bytes);
                fbf(k, w[x + d], w[x + 3 * d], g1, bytes);
                fbf(k, w[x], w[x + d], g2a, bytes);
                if (do_b) fbf(k, w[x + 2 * d], w[x + 3 * d], g2b, bytes);
            }
        }
    }
    if (dist == 1)
        for (size_t r = 0; r < trunc; r += 2) {
            if (r + 4 < trunc) prefetch_lut(skew[delta + r + 4]);
            fbf(k, w[r], w[r + 1], skew[delta + r], bytes);
        }
}

/* The last layer's butterfly with its results XORed into (ax, ay) and w
 * left as scratch (see ifft_butterfly_acc in rs_kernels.h). */
static void ibf_acc(const struct wc_rs_kernels *k, uint8_t *x, uint8_t *y, uint8_t *ax, uint8_t *ay,
                    uint16_t g, size_t bytes)
{
    if (g != 65535u && k->ifft_butterfly_acc) {
        k->ifft_butterfly_acc(x, y, ax, ay, g, bytes);
        return;
    }
    ibf(k, x, y, g, bytes);
    k->xor_into(ax, x, bytes);
    k->xor_into(ay, y, bytes);
}

/* acc != NULL: the transform's result is XORed into acc[0..size-1] instead
 * (w then holds scratch). */
static void ifft_layers(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t trunc,
                        size_t delta, size_t bytes, size_t d, uint8_t *const *acc)
{
    const uint16_t *skew = wc_gf16_skew;
    for (; 2 * d < size; d <<= 2) {
        for (size_t r = 0; r < trunc; r += 4 * d) {
            uint16_t g1a = skew[delta + r + d - 1];
            uint16_t g1b = skew[delta + r + 3 * d - 1];
            uint16_t g2 = skew[delta + r + 2 * d - 1];
            int do_b = r + 2 * d < trunc;
            if (r + 4 * d < trunc) {
                prefetch_lut(skew[delta + r + 5 * d - 1]);
                prefetch_lut(skew[delta + r + 7 * d - 1]);
                prefetch_lut(skew[delta + r + 6 * d - 1]);
            }
            if (k->ifft4) {
                uint32_t t2 = do_b ? g1b : WC_RS_TW_SKIP;
                for (size_t x = r; x < r + d; x++) ifft4_at(k, w, x, d, g1a, t2, g2, bytes);
                continue;
            }
            for (size_t x = r; x < r + d; x++) {
                ibf(k, w[x], w[x + d], g1a, bytes);
                if (do_b) ibf(k, w[x + 2 * d], w[x + 3 * d], g1b, bytes);
                ibf(k, w[x], w[x + 2 * d], g2, bytes);
                ibf(k, w[x + d], w[x + 3 * d], g2, bytes);
            }
        }
    }
    if (d < size) { /* one radix-2 layer left: d == size / 2 */
        for (size_t x = 0; x < d; x++) {
            if (acc)
                ibf_acc(k, w[x], w[x + d], acc[x], acc[x + d], skew[delta + d - 1], bytes);
            else
                ibf(k, w[x], w[x + d], skew[delta + d - 1], bytes);
        }
        return;
    }
    if (acc)
        for (size_t x = 0; x < size; x++) k->xor_into(acc[x], w[x], bytes);
}

void wc_fft(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t trunc, size_t delta,
            size_t bytes)
{
    fft_layers(k, w, size, trunc, delta, bytes, size >> 1);
}

/* One radix-4 step on the quad dst from src: out of place when the backend
 * has fused steps, else copy and transform in place. */
static void step4(const struct wc_rs_kernels *k, int inverse, uint8_t *const *dst, const uint8_t *const *src,
                  uint32_t g1, uint32_t g2, uint32_t g3, size_t bytes)
{
    if (k->fft4 && k->ifft4) {
        (inverse ? k->ifft4 : k->fft4)(dst, src, g1, g2, g3, bytes);
        return;
    }
    for (int i = 0; i < 4; i++)
        if (dst[i] != src[i]) memcpy(dst[i], src[i], bytes);
    if (!inverse) {
        fbf(k, dst[0], dst[2], (uint16_t)g1, bytes);
        fbf(k, dst[1], dst[3], (uint16_t)g1, bytes);
        if (g2 != WC_RS_TW_SKIP) fbf(k, dst[0], dst[1], (uint16_t)g2, bytes);
        if (g3 != WC_RS_TW_SKIP) fbf(k, dst[2], dst[3], (uint16_t)g3, bytes);
    } else {
        if (g1 != WC_RS_TW_SKIP) ibf(k, dst[0], dst[1], (uint16_t)g1, bytes);
        if (g2 != WC_RS_TW_SKIP) ibf(k, dst[2], dst[3], (uint16_t)g2, bytes);
        ibf(k, dst[0], dst[2], (uint16_t)g3, bytes);
        ibf(k, dst[1], dst[3], (uint16_t)g3, bytes);
    }
}

void wc_fft_from(const struct wc_rs_kernels *k, uint8_t *const *w, const uint8_t *const *in, size_t size,
                 size_t trunc, size_t delta, size_t bytes)
{
    if (size < 4) {
        for (size_t x = 0; x < size; x++)
            if (w[x] != in[x]) memcpy(w[x], in[x], bytes);
        fft_layers(k, w, size, trunc, delta, bytes, size >> 1);
        return;
    }
    /* the top step is one block of 4d = size: every position is written */
    const uint16_t *skew = wc_gf16_skew;
    size_t d = size >> 2;
    uint32_t g1 = skew[delta + 2 * d - 1], g2a = skew[delta + d - 1];
    uint32_t g2b = 2 * d < trunc ? skew[delta + 3 * d - 1] : WC_RS_TW_SKIP;
    for (size_t x = 0; x < d; x++) {
        uint8_t *dst[4] = {w[x], w[x + d], w[x + 2 * d], w[x + 3 * d]};
        const uint8_t *src[4] = {in[x], in[x + d], in[x + 2 * d], in[x + 3 * d]};
        step4(k, 0, dst, src, g1, g2a, g2b, bytes);
    }
    fft_layers(k, w, size, trunc, delta, bytes, size >> 3);
}

void wc_ifft_from(const struct wc_rs_kernels *k, uint8_t *const *w, const uint8_t *const *in, size_t size,
                  size_t trunc, size_t delta, size_t bytes)
{
    wc_ifft_from_acc(k, w, in, NULL, size, trunc, delta, bytes);
}

void wc_ifft_from_acc(const struct wc_rs_kernels *k, uint8_t *const *w, const uint8_t *const *in,
                      uint8_t *const *acc, size_t size, size_t trunc, size_t delta, size_t bytes)
{
    if (size < 4) {
        for (size_t x = 0; x < size; x++)
            if (w[x] != in[x]) memcpy(w[x], in[x], bytes);
        ifft_layers(k, w, size, trunc, delta, bytes, 1, acc);
        return;
    }
    const uint16_t *skew = wc_gf16_skew;
    size_t r = 0;
    for (; r < trunc; r += 4) {
        uint32_t g1a = skew[delta + r], g2 = skew[delta + r + 1];
        uint32_t g1b = r + 2 < trunc ? skew[delta + r + 2] : WC_RS_TW_SKIP;
        uint8_t *dst[4] = {w[r], w[r + 1], w[r + 2], w[r + 3]};
        const uint8_t *src[4] = {in[r], in[r + 1], in[r + 2], in[r + 3]};
        step4(k, 1, dst, src, g1a, g1b, g2, bytes);
    }
    for (size_t x = r; x < size; x++) { /* untouched by the first step: plain inputs */
        if (w[x] == in[x]) continue;
        if (x >= trunc) /* zero by the IFFT's contract: no need to read it */
            memset(w[x], 0, bytes);
        else
            memcpy(w[x], in[x], bytes);
    }
    ifft_layers(k, w, size, trunc, delta, bytes, 4, acc);
}

WC_INLINE int any_in(const uint32_t *pre, size_t lo, size_t hi)
{
    return pre[hi] != pre[lo];
}

void wc_fft_masked(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t delta, size_t bytes,
                   const uint32_t *need_pre)
{
    const uint16_t *skew = wc_gf16_skew;
    size_t dist = size >> 1;
    for (; dist >= 2; dist >>= 2) {
        size_t d = dist >> 1;
        for (size_t r = 0; r < size; r += 4 * d) {
            if (!any_in(need_pre, r, r + 4 * d)) continue;
            uint16_t g1 = skew[delta + r + 2 * d - 1];
            uint16_t g2a = skew[delta + r + d - 1];
            uint16_t g2b = skew[delta + r + 3 * d - 1];
            if (r + 4 * d < size) {
                prefetch_lut(skew[delta + r + 6 * d - 1]);
                prefetch_lut(skew[delta + r + 5 * d - 1]);
                prefetch_lut(skew[delta + r + 7 * d - 1]);
            }
            int do_a = any_in(need_pre, r, r + 2 * d);
            int do_b = any_in(need_pre, r + 2 * d, r + 4 * d);
            if (k->fft4) {
                uint32_t t2 = do_a ? g2a : WC_RS_TW_SKIP, t3 = do_b ? g2b : WC_RS_TW_SKIP;
                for (size_t x = r; x < r + d; x++) fft4_at(k, w, x, d, g1, t2, t3, bytes);
                continue;
            }
            for (size_t x = r; x < r + d; x++) {
                fbf(k, w[x], w[x + 2 * d], g1, bytes);
                fbf(k, w[x + d], w[x + 3 * d], g1, bytes);
                if (do_a) fbf(k, w[x], w[x + d], g2a, bytes);
                if (do_b) fbf(k, w[x + 2 * d], w[x + 3 * d], g2b, bytes);
            }
        }
    }
    if (dist == 1)
        for (size_t r = 0; r < size; r += 2)
            if (any_in(need_pre, r, r + 2)) fbf(k, w[r], w[r + 1], skew[delta + r], bytes);
}

void wc_ifft_masked(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t delta, size_t bytes,
                    const uint32_t *nonzero_pre)
{
    const uint16_t *skew = wc_gf16_skew;
    size_t d = 1;
    for (; 2 * d < size; d <<= 2) {
        for (size_t r = 0; r < size; r += 4 * d) {
            if (!any_in(nonzero_pre, r, r + 4 * d)) continue;
            uint16_t g1a = skew[delta + r + d - 1];
            uint16_t g1b = skew[delta + r + 3 * d - 1];
            uint16_t g2 = skew[delta + r + 2 * d - 1];
            if (r + 4 * d < size) {
                prefetch_lut(skew[delta + r + 5 * d - 1]);
                prefetch_lut(skew[delta + r + 7 * d - 1]);
                prefetch_lut(skew[delta + r + 6 * d - 1]);
            }
            int do_a = any_in(nonzero_pre, r, r + 2 * d);
            int do_b = any_in(nonzero_pre, r + 2 * d, r + 4 * d);
            if (k->ifft4) {
                uint32_t t1 = do_a ? g1a : WC_RS_TW_SKIP, t2 = do_b ? g1b : WC_RS_TW_SKIP;
                for (size_t x = r; x < r + d; x++) ifft4_at(k, w, x, d, t1, t2, g2, bytes);
                continue;
            }
            for (size_t x = r; x < r + d; x++) {
                if (do_a) ibf(k, w[x], w[x + d], g1a, bytes);
                if (do_b) ibf(k, w[x + 2 * d], w[x + 3 * d], g1b, bytes);
                ibf(k, w[x], w[x + 2 * d], g2, bytes);
                ibf(k, w[x + d], w[x + 3 * d], g2, bytes);
            }
        }
    }
    if (d < size)
        for (size_t x = 0; x < d; x++) ibf(k, w[x], w[x + d], skew[delta + d - 1], bytes);
}

void wc_formal_derivative(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t bytes)
{
    /* The textbook loop, for i = 1 .. size-1 with d = lowbit(i), XORs
     * w[i .. i+d) into w[i-d .. i). Its sources are never written before
     * they are read (every earlier destination lies below i), so the result
     * is, in original values, w[p] ^= XOR of w[p + 2^j] over the zero bits j
     * of p. Taken destination by destination in increasing p (sources above
     * p are still original), each slice is written once instead of about
     * log2(size) / 2 times. */
    const uint8_t *src[64];
    for (size_t p = 0; p + 1 < size; p++) {
        size_t n = 0;
        for (size_t bit = 1; bit < size; bit <<= 1)
            if (!(p & bit)) src[n++] = w[p + bit];
        if (k->xor_sum) {
            k->xor_sum(w[p], src, n, bytes);
        } else {
            for (size_t s = 0; s < n; s++) k->xor_into(w[p], src[s], bytes);
        }
    }
}
