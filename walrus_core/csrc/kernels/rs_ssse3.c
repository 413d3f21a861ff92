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
#define RS_FUSED       0

typedef struct {
    __m128i t[8], mask;
} rs_tables_ssse3;

WC_FORCE_INLINE rs_tables_ssse3 load_tables(const uint8_t *lut)
{
    rs_tables_ssse3 t;
    for (int i = 0; i < 8; i++) t.t[i] = RS_LOAD(lut + 16 * i);
    t.mask = _mm_set1_epi8(0x0f);
    return t;
}

WC_FORCE_INLINE void mul16(const rs_tables_ssse3 *t, __m128i lo, __m128i hi, __m128i *out_lo, __m128i *out_hi)
{
    __m128i n0 = _mm_and_si128(lo, t->mask);
    __m128i n1 = _mm_and_si128(_mm_srli_epi64(lo, 4), t->mask);
    __m128i n2 = _mm_and_si128(hi, t->mask);
    __m128i n3 = _mm_and_si128(_mm_srli_epi64(hi, 4), t->mask);
    *out_lo = _mm_xor_si128(_mm_xor_si128(_mm_shuffle_epi8(t->t[0], n0), _mm_shuffle_epi8(t->t[1], n1)),
                            _mm_xor_si128(_mm_shuffle_epi8(t->t[2], n2), _mm_shuffle_epi8(t->t[3], n3)));
    *out_hi = _mm_xor_si128(_mm_xor_si128(_mm_shuffle_epi8(t->t[4], n0), _mm_shuffle_epi8(t->t[5], n1)),
                            _mm_xor_si128(_mm_shuffle_epi8(t->t[6], n2), _mm_shuffle_epi8(t->t[7], n3)));
}

WC_FORCE_INLINE void mul16_lut(const uint8_t *lut, __m128i lo, __m128i hi, __m128i *out_lo, __m128i *out_hi)
{
    const rs_tables_ssse3 t = load_tables(lut);
    mul16(&t, lo, hi, out_lo, out_hi);
}

#include "rs_simd.h"

const struct wc_rs_kernels wc_rs_kernels_ssse3 = RS_KERNEL_TABLE;

#endif /* WC_HAVE_SSSE3 */
