/* Reed-Solomon kernels, SSSE3: a 64-byte block is two xmm pairs, (bytes
 * 0..15, 32..47) for elements 0..15 and (16..31, 48..63) for 16..31.
 * Portable twin: rs_portable.c; the kernels themselves are rs_simd.h. */
#include "../wc_internal.h"

#if defined(WC_HAVE_SSSE3)

#include <tmmintrin.h>

#include "kernels.h"

#define RS_V           __m128i
#define RS_W           16
#define RS_LOAD(p)     _mm_loadu_si128((const __m128i *)(const void *)(p))
#define RS_STORE(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define RS_XOR(a, b)   _mm_xor_si128((a), (b))
#define RS_TABLES      rs_tables_ssse3
#define RS_LOAD_TABLES load_tables
#define RS_MUL         mul16
#define RS_MUL_LUT     mul16_lut
#define RS_FN(name)    name##_ssse3
#define RS_FUSED       0 /* measured: no clear gain with 16 xmm registers */

/* Named fields, not an array: the compiler then keeps each in a register.
 * rs_neon.c has the same shape in its own intrinsics on purpose: only the
 * per-ISA multiply lives here; the algorithm is written once in rs_simd.h. */
typedef struct {
    __m128i lo0, lo1, lo2, lo3, hi0, hi1, hi2, hi3, mask;
} rs_tables_ssse3;

WC_FORCE_INLINE rs_tables_ssse3 load_tables(const uint8_t *lut)
{
    rs_tables_ssse3 t;
    t.lo0 = RS_LOAD(lut + 0);
    t.lo1 = RS_LOAD(lut + 16);
    t.lo2 = RS_LOAD(lut + 32);
    t.lo3 = RS_LOAD(lut + 48);
    t.hi0 = RS_LOAD(lut + 64);
    t.hi1 = RS_LOAD(lut + 80);
    t.hi2 = RS_LOAD(lut + 96);
    t.hi3 = RS_LOAD(lut + 112);
    t.mask = _mm_set1_epi8(0x0f);
    return t;
}

WC_FORCE_INLINE void mul16(const rs_tables_ssse3 *t, __m128i lo, __m128i hi, __m128i *out_lo, __m128i *out_hi)
{
    __m128i n0 = _mm_and_si128(lo, t->mask);
    __m128i n1 = _mm_and_si128(_mm_srli_epi64(lo, 4), t->mask);
    __m128i n2 = _mm_and_si128(hi, t->mask);
    __m128i n3 = _mm_and_si128(_mm_srli_epi64(hi, 4), t->mask);
    *out_lo = _mm_xor_si128(_mm_xor_si128(_mm_shuffle_epi8(t->lo0, n0), _mm_shuffle_epi8(t->lo1, n1)),
                            _mm_xor_si128(_mm_shuffle_epi8(t->lo2, n2), _mm_shuffle_epi8(t->lo3, n3)));
    *out_hi = _mm_xor_si128(_mm_xor_si128(_mm_shuffle_epi8(t->hi0, n0), _mm_shuffle_epi8(t->hi1, n1)),
                            _mm_xor_si128(_mm_shuffle_epi8(t->hi2, n2), _mm_shuffle_epi8(t->hi3, n3)));
}

WC_FORCE_INLINE void mul16_lut(const uint8_t *lut, __m128i lo, __m128i hi, __m128i *out_lo, __m128i *out_hi)
{
    const rs_tables_ssse3 t = load_tables(lut);
    mul16(&t, lo, hi, out_lo, out_hi);
}

#include "rs_simd.h"

const struct wc_rs_kernels wc_rs_kernels_ssse3 = RS_KERNEL_TABLE;

#endif /* WC_HAVE_SSSE3 */
