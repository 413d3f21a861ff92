/* NEON (AArch64) twin of rs_portable.c. Packed layout (rs_kernels.h): a
 * 64-byte block holds 32 GF(2^16) elements, their 32 low bytes then their 32
 * high bytes; here it is two q-register pairs: (bytes 0..15, 32..47) for
 * elements 0..15 and (16..31, 48..63) for elements 16..31. Multiplying by a
 * constant m is GF(2)-linear, so the product is the XOR of the products of
 * the element's four nibbles: 8 tbl lookups per 16 elements into the
 * 128-byte tables of wc_gf16_mul_lut(log_m). */
#include "../wc_internal.h"

#if defined(WC_HAVE_NEON)

#include <arm_neon.h>

#include "../gf16.h"
#include "kernels.h"

typedef struct {
    uint8x16_t lo0, lo1, lo2, lo3, hi0, hi1, hi2, hi3;
} mul_tables;

WC_INLINE mul_tables load_tables(uint16_t log_m)
{
    const uint8_t *lut = wc_gf16_mul_lut(log_m);
    mul_tables t;
    t.lo0 = vld1q_u8(lut + 0);
    t.lo1 = vld1q_u8(lut + 16);
    t.lo2 = vld1q_u8(lut + 32);
    t.lo3 = vld1q_u8(lut + 48);
    t.hi0 = vld1q_u8(lut + 64);
    t.hi1 = vld1q_u8(lut + 80);
    t.hi2 = vld1q_u8(lut + 96);
    t.hi3 = vld1q_u8(lut + 112);
    return t;
}

/* (out_lo, out_hi) = (lo, hi) * m for 16 elements. A byte shift right by 4
 * already leaves a clean nibble, so only the low nibbles need a mask. */
WC_INLINE void mul16(const mul_tables *t, uint8x16_t lo, uint8x16_t hi, uint8x16_t *out_lo,
                     uint8x16_t *out_hi)
{
    const uint8x16_t mask = vdupq_n_u8(0x0f);
    uint8x16_t n0 = vandq_u8(lo, mask);
    uint8x16_t n1 = vshrq_n_u8(lo, 4);
    uint8x16_t n2 = vandq_u8(hi, mask);
    uint8x16_t n3 = vshrq_n_u8(hi, 4);
    *out_lo = veorq_u8(veorq_u8(vqtbl1q_u8(t->lo0, n0), vqtbl1q_u8(t->lo1, n1)),
                       veorq_u8(vqtbl1q_u8(t->lo2, n2), vqtbl1q_u8(t->lo3, n3)));
    *out_hi = veorq_u8(veorq_u8(vqtbl1q_u8(t->hi0, n0), vqtbl1q_u8(t->hi1, n1)),
                       veorq_u8(vqtbl1q_u8(t->hi2, n2), vqtbl1q_u8(t->hi3, n3)));
}

/* x ^= y * m; y ^= x, on 16 elements: low bytes at p, high bytes at p + 32. */
WC_INLINE void fft_half(const mul_tables *t, uint8_t *x, uint8_t *y)
{
    uint8x16_t xl = vld1q_u8(x), xh = vld1q_u8(x + 32);
    uint8x16_t yl = vld1q_u8(y), yh = vld1q_u8(y + 32);
    uint8x16_t pl, ph;
    mul16(t, yl, yh, &pl, &ph);
    xl = veorq_u8(xl, pl);
    xh = veorq_u8(xh, ph);
    vst1q_u8(x, xl);
    vst1q_u8(x + 32, xh);
    vst1q_u8(y, veorq_u8(yl, xl));
    vst1q_u8(y + 32, veorq_u8(yh, xh));
}

/* y ^= x; x ^= y * m, on 16 elements. */
WC_INLINE void ifft_half(const mul_tables *t, uint8_t *x, uint8_t *y)
{
    uint8x16_t xl = vld1q_u8(x), xh = vld1q_u8(x + 32);
    uint8x16_t yl = veorq_u8(vld1q_u8(y), xl);
    uint8x16_t yh = veorq_u8(vld1q_u8(y + 32), xh);
    uint8x16_t pl, ph;
    mul16(t, yl, yh, &pl, &ph);
    vst1q_u8(y, yl);
    vst1q_u8(y + 32, yh);
    vst1q_u8(x, veorq_u8(xl, pl));
    vst1q_u8(x + 32, veorq_u8(xh, ph));
}

WC_INLINE void mul_half(const mul_tables *t, uint8_t *x)
{
    uint8x16_t pl, ph;
    mul16(t, vld1q_u8(x), vld1q_u8(x + 32), &pl, &ph);
    vst1q_u8(x, pl);
    vst1q_u8(x + 32, ph);
}

/* One 64-byte block per iteration = two independent 16-element halves
 * (AArch64 has 32 vector registers: tables and both halves stay resident). */
static void fft_butterfly_neon(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes)
{
    const mul_tables t = load_tables(log_m);
    for (size_t i = 0; i < bytes; i += 64) {
        fft_half(&t, x + i, y + i);
        fft_half(&t, x + i + 16, y + i + 16);
    }
}

static void ifft_butterfly_neon(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes)
{
    const mul_tables t = load_tables(log_m);
    for (size_t i = 0; i < bytes; i += 64) {
        ifft_half(&t, x + i, y + i);
        ifft_half(&t, x + i + 16, y + i + 16);
    }
}

static void mul_neon(uint8_t *x, uint16_t log_m, size_t bytes)
{
    const mul_tables t = load_tables(log_m);
    for (size_t i = 0; i < bytes; i += 64) {
        mul_half(&t, x + i);
        mul_half(&t, x + i + 16);
    }
}

static void xor_into_neon(uint8_t *dst, const uint8_t *src, size_t bytes)
{
    for (size_t i = 0; i < bytes; i += 64) {
        uint8x16_t a0 = veorq_u8(vld1q_u8(dst + i), vld1q_u8(src + i));
        uint8x16_t a1 = veorq_u8(vld1q_u8(dst + i + 16), vld1q_u8(src + i + 16));
        uint8x16_t a2 = veorq_u8(vld1q_u8(dst + i + 32), vld1q_u8(src + i + 32));
        uint8x16_t a3 = veorq_u8(vld1q_u8(dst + i + 48), vld1q_u8(src + i + 48));
        vst1q_u8(dst + i, a0);
        vst1q_u8(dst + i + 16, a1);
        vst1q_u8(dst + i + 32, a2);
        vst1q_u8(dst + i + 48, a3);
    }
}

/* fft4/ifft4 stay NULL: the driver runs single butterflies (or pairs this
 * table with a separate fused-step file, see rs_kernels.h); so do the
 * optional xor_sum, mul_from and ifft_butterfly_acc (the driver composes
 * them from the four above). */
const struct wc_rs_kernels wc_rs_kernels_neon = {
    fft_butterfly_neon, ifft_butterfly_neon, mul_neon, xor_into_neon, NULL, NULL, NULL, NULL, NULL,
};

#endif /* WC_HAVE_NEON */
