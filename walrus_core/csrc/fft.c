/* Additive FFT drivers (spec §3.4). A twiddle equal to the SKEW sentinel
 * (65535) is a multiplication by zero: the butterfly degenerates to one XOR.
 * Cache locality comes from the caller (rs.c), which runs whole transforms
 * over byte slices small enough that every shard's slice stays in L2. */
#include "fft.h"

#include "gf16.h"
#include "wc_internal.h"

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

/* Layers are taken two at a time (radix 4): the four butterflies of one
 * quad (x, x+d, x+2d, x+3d) run back to back, so the second layer finds its
 * inputs in L1. Truncation is applied per block exactly as in the radix-2
 * description of spec §3.4. */
void wc_fft(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t trunc, size_t delta,
            size_t bytes)
{
    const uint16_t *skew = wc_gf16_skew;
    size_t dist = size >> 1;
    for (; dist >= 2; dist >>= 2) {
        size_t d = dist >> 1;
        for (size_t r = 0; r < trunc; r += 4 * d) {
            uint16_t g1 = skew[delta + r + 2 * d - 1];
            uint16_t g2a = skew[delta + r + d - 1];
            uint16_t g2b = skew[delta + r + 3 * d - 1];
            int do_b = r + 2 * d < trunc;
            for (size_t x = r; x < r + d; x++) {
                fbf(k, w[x], w[x + 2 * d], g1, bytes);
                fbf(k, w[x + d], w[x + 3 * d], g1, bytes);
                fbf(k, w[x], w[x + d], g2a, bytes);
                if (do_b) fbf(k, w[x + 2 * d], w[x + 3 * d], g2b, bytes);
            }
        }
    }
    if (dist == 1)
        for (size_t r = 0; r < trunc; r += 2) fbf(k, w[r], w[r + 1], skew[delta + r], bytes);
}

void wc_ifft(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t trunc, size_t delta,
             size_t bytes)
{
    const uint16_t *skew = wc_gf16_skew;
    size_t d = 1;
    for (; 2 * d < size; d <<= 2) {
        for (size_t r = 0; r < trunc; r += 4 * d) {
            uint16_t g1a = skew[delta + r + d - 1];
            uint16_t g1b = skew[delta + r + 3 * d - 1];
            uint16_t g2 = skew[delta + r + 2 * d - 1];
            int do_b = r + 2 * d < trunc;
            for (size_t x = r; x < r + d; x++) {
                ibf(k, w[x], w[x + d], g1a, bytes);
                if (do_b) ibf(k, w[x + 2 * d], w[x + 3 * d], g1b, bytes);
                ibf(k, w[x], w[x + 2 * d], g2, bytes);
                ibf(k, w[x + d], w[x + 3 * d], g2, bytes);
            }
        }
    }
    if (d < size) /* one radix-2 layer left: d == size / 2 */
        for (size_t x = 0; x < d; x++) ibf(k, w[x], w[x + d], skew[delta + d - 1], bytes);
}

void wc_formal_derivative(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t bytes)
{
    for (size_t i = 1; i < size; i++) {
        size_t d = i & (~i + 1);
        for (size_t j = 0; j < d; j++) k->xor_into(w[i - d + j], w[i + j], bytes);
    }
}
