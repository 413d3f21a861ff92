/* Additive FFT drivers (spec §3.4). A twiddle equal to the SKEW sentinel
 * (65535) is a multiplication by zero: the butterfly degenerates to one XOR.
 * Cache locality comes from the caller (rs.c), which runs whole transforms
 * over byte slices small enough that every shard's slice stays in L2. */
#include "fft.h"

#include "gf16.h"

void wc_fft(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t trunc, size_t delta,
            size_t bytes)
{
    for (size_t dist = size >> 1; dist > 0; dist >>= 1) {
        for (size_t r = 0; r < trunc; r += 2 * dist) {
            uint16_t g = wc_gf16_skew[delta + r + dist - 1];
            if (g == 65535u) {
                for (size_t x = r; x < r + dist; x++) k->xor_into(w[x + dist], w[x], bytes);
            } else {
                for (size_t x = r; x < r + dist; x++) k->fft_butterfly(w[x], w[x + dist], g, bytes);
            }
        }
    }
}

void wc_ifft(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t trunc, size_t delta,
             size_t bytes)
{
    for (size_t dist = 1; dist < size; dist <<= 1) {
        for (size_t r = 0; r < trunc; r += 2 * dist) {
            uint16_t g = wc_gf16_skew[delta + r + dist - 1];
            if (g == 65535u) {
                for (size_t x = r; x < r + dist; x++) k->xor_into(w[x + dist], w[x], bytes);
            } else {
                for (size_t x = r; x < r + dist; x++) k->ifft_butterfly(w[x], w[x + dist], g, bytes);
            }
        }
    }
}

void wc_formal_derivative(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t bytes)
{
    for (size_t i = 1; i < size; i++) {
        size_t d = i & (~i + 1);
        for (size_t j = 0; j < d; j++) k->xor_into(w[i - d + j], w[i + j], bytes);
    }
}
