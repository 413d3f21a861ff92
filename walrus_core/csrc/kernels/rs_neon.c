/* Reed-Solomon kernels, NEON (AArch64): a 64-byte block is two q-register
 * pairs, (bytes 0..15, 32..47) for elements 0..15 and (16..31, 48..63) for
 * 16..31. Portable twin: rs_portable.c; the kernels themselves are
 * rs_simd.h. A byte shift right by 4 already leaves a clean nibble, so only
 * the low nibbles need a mask. */
#include "../wc_internal.h"

#if defined(WC_HAVE_NEON)

#include <arm_neon.h>

#include "kernels.h"

#define RS_V           uint8x16_t
#define RS_W           16
#define RS_LOAD(p)     vld1q_u8((const uint8_t *)(p))
#define RS_STORE(p, v) vst1q_u8((uint8_t *)(p), (v))
#define RS_XOR(a, b)   veorq_u8((a), (b))
#define RS_TABLES      rs_tables_neon
#define RS_LOAD_TABLES load_tables
#define RS_MUL         mul16
#define RS_MUL_LUT     mul16_lut
#define RS_FN(name)    name##_neon
#define RS_FUSED       0 /* not yet measured on AArch64 hardware (32 registers: a candidate) */

/* Named fields, not an array: the compiler then keeps each in a register.
 * Same shape as rs_ssse3.c on purpose (see there). */
typedef struct {
    uint8x16_t lo0, lo1, lo2, lo3, hi0, hi1, hi2, hi3;
} rs_tables_neon;

WC_FORCE_INLINE rs_tables_neon load_tables(const uint8_t *lut)
{
    rs_tables_neon t;
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

WC_FORCE_INLINE void mul16(const rs_tables_neon *t, uint8x16_t lo, uint8x16_t hi, uint8x16_t *out_lo,
                           uint8x16_t *out_hi)
{
    const uint8x16_t mask = vdupq_n_u8(0x0f);
    uint8x16_t n0 = vandq_u8(lo, mask), n1 = vshrq_n_u8(lo, 4);
    uint8x16_t n2 = vandq_u8(hi, mask), n3 = vshrq_n_u8(hi, 4);
    *out_lo = veorq_u8(veorq_u8(vqtbl1q_u8(t->lo0, n0), vqtbl1q_u8(t->lo1, n1)),
                       veorq_u8(vqtbl1q_u8(t->lo2, n2), vqtbl1q_u8(t->lo3, n3)));
    *out_hi = veorq_u8(veorq_u8(vqtbl1q_u8(t->hi0, n0), vqtbl1q_u8(t->hi1, n1)),
                       veorq_u8(vqtbl1q_u8(t->hi2, n2), vqtbl1q_u8(t->hi3, n3)));
}

WC_FORCE_INLINE void mul16_lut(const uint8_t *lut, uint8x16_t lo, uint8x16_t hi, uint8x16_t *out_lo,
                               uint8x16_t *out_hi)
{
    const rs_tables_neon t = load_tables(lut);
    mul16(&t, lo, hi, out_lo, out_hi);
}

#include "rs_simd.h"

const struct wc_rs_kernels wc_rs_kernels_neon = RS_KERNEL_TABLE;

#endif /* WC_HAVE_NEON */
