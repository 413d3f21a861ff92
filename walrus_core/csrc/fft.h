/* Additive FFT / IFFT over GF(2^16) in the Lin-Chung-Han novel basis (spec
 * §3.4), on arrays of packed shard slices. Internal to the RS module: the
 * drivers call SIMD code only through the kernel table. */
#ifndef WC_FFT_H
#define WC_FFT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/rs_kernels.h"

/* w[0..size-1]: pointers to slices of `bytes` bytes (positive multiple of 64).
 * size is a power of two, 1 <= trunc <= size, delta a multiple of size.
 * FFT: novel-basis coefficients -> evaluations at delta + 0 .. delta+size-1,
 *      computing only the outputs of blocks below trunc.
 * (The IFFT, evaluations on that coset -> coefficients with inputs at >=
 * trunc zero, is only used from inputs elsewhere: wc_ifft_from below.) */
void wc_fft(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t trunc, size_t delta,
            size_t bytes);

/* The same, but the transform's inputs are read from in[0..size-1] (every
 * entry valid; zero slices where the input is zero) and only w is written:
 * the first radix-4 step runs out of place where the backend has fused
 * steps (else copy + in place), which saves copying the inputs into w. */
void wc_fft_from(const struct wc_rs_kernels *k, uint8_t *const *w, const uint8_t *const *in, size_t size,
                 size_t trunc, size_t delta, size_t bytes);
void wc_ifft_from(const struct wc_rs_kernels *k, uint8_t *const *w, const uint8_t *const *in, size_t size,
                  size_t trunc, size_t delta, size_t bytes);
/* wc_ifft_from whose result is XORed into acc[0..size-1] (w is scratch):
 * the encoder's sum of the IFFTs of several chunks of originals, with the
 * last layer writing into the sum instead of a separate XOR pass. */
void wc_ifft_from_acc(const struct wc_rs_kernels *k, uint8_t *const *w, const uint8_t *const *in,
                      uint8_t *const *acc, size_t size, size_t trunc, size_t delta, size_t bytes);

/* The same with block skipping by masks, given as prefix counts pre[0..size]
 * (pre[i] = number of flagged positions below i): the FFT computes only the
 * blocks holding a needed output, the IFFT skips blocks whose inputs are all
 * zero (which must still read as zero where a larger block uses them). */
void wc_fft_masked(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t delta, size_t bytes,
                   const uint32_t *need_pre);
void wc_ifft_masked(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t delta, size_t bytes,
                    const uint32_t *nonzero_pre);

/* Formal derivative in novel-basis coefficients, w[0..size-1] (format §3.5 step 5). */
void wc_formal_derivative(const struct wc_rs_kernels *k, uint8_t *const *w, size_t size, size_t bytes);

#endif
