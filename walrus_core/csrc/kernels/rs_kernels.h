/* Reed-Solomon kernels over GF(2^16), in the packed work-shard format.
 *
 * Packed format: a shard of E field elements is ceil(E/32) blocks of 64
 * bytes; block b holds elements 32b .. 32b+31, their low bytes at offsets
 * [0, 32) and their high bytes at [32, 64). This is the reed-solomon-simd
 * layout of a shard whose size is a multiple of 64, so one 64-byte block is
 * one AVX2 register pair (or two SSSE3/NEON pairs); rs_simd.h writes the
 * SIMD kernels once for either width.
 *
 * Contract for every kernel: `bytes` is a positive multiple of 64; buffers
 * need not be aligned; x and y never overlap. `log_m` is the discrete log
 * (0 .. 65534) of a non-zero multiplier m in the Cantor-basis representation
 * (format §3.1); the zero multiplier (SKEW sentinel 65535) is the caller's
 * business (it calls xor_into instead). Every backend gives identical bytes;
 * the *_portable functions are the oracle. */
#ifndef WC_RS_KERNELS_H
#define WC_RS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

struct wc_rs_kernels {
    /* FFT butterfly:  x ^= y * m;  y ^= x */
    void (*fft_butterfly)(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes);
    /* IFFT butterfly: y ^= x;  x ^= y * m */
    void (*ifft_butterfly)(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes);
    /* x = x * m */
    void (*mul)(uint8_t *x, uint16_t log_m, size_t bytes);
    /* dst ^= src */
    void (*xor_into)(uint8_t *dst, const uint8_t *src, size_t bytes);

    /* Optional fused radix-4 steps: two butterfly layers on a quad of slices
     * while a block of each sits in registers, read from src[0..3] and
     * written to dst[0..3] (dst == src: in place; otherwise no overlap), so
     * a transform's first step can read its inputs where they lie. NULL: the
     * driver runs the four butterflies one by one (same bytes). Twiddles here
     * are uint32_t: 0..65534 a multiplier's log, WC_RS_TW_ZERO (65535, the
     * SKEW sentinel) the zero multiplier (that butterfly is a plain XOR),
     * WC_RS_TW_SKIP leaves that butterfly out. With (a, b, c, d) = the quad:
     *   fft4:  F(a,c,g1) F(b,d,g1) F(a,b,g2) F(c,d,g3)   F = fft_butterfly
     *   ifft4: I(a,b,g1) I(c,d,g2) I(a,c,g3) I(b,d,g3)   I = ifft_butterfly
     * g1 of fft4 and g3 of ifft4 are never SKIP. */
    void (*fft4)(uint8_t *const *dst, const uint8_t *const *src, uint32_t g1, uint32_t g2, uint32_t g3,
                 size_t bytes);
    void (*ifft4)(uint8_t *const *dst, const uint8_t *const *src, uint32_t g1, uint32_t g2, uint32_t g3,
                  size_t bytes);

    /* Optional: dst ^= src[0] ^ ... ^ src[n-1], each dst block loaded and
     * stored once (the decoder's formal derivative). NULL: n xor_into calls. */
    void (*xor_sum)(uint8_t *dst, const uint8_t *const *src, size_t n, size_t bytes);
    /* Optional: dst = src * m (src and dst do not overlap), the decoder's
     * first touch of each received shard. NULL: copy, then mul. */
    void (*mul_from)(uint8_t *dst, const uint8_t *src, uint16_t log_m, size_t bytes);
    /* Optional: an IFFT butterfly whose results are XORed into (ax, ay)
     * instead of stored: y' = y ^ x; x' = x ^ y' * m; ax ^= x'; ay ^= y'
     * (x and y are only read; log_m a real multiplier). The encoder's last
     * layer for a further chunk of originals. NULL: butterfly, then XORs. */
    void (*ifft_butterfly_acc)(const uint8_t *x, const uint8_t *y, uint8_t *ax, uint8_t *ay, uint16_t log_m,
                               size_t bytes);
};

#define WC_RS_TW_ZERO 65535u
#define WC_RS_TW_SKIP 65536u

extern const struct wc_rs_kernels wc_rs_kernels_portable;
extern const struct wc_rs_kernels wc_rs_kernels_ssse3;
extern const struct wc_rs_kernels wc_rs_kernels_avx2;
extern const struct wc_rs_kernels wc_rs_kernels_neon;

#endif
