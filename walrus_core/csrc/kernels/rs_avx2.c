/* Reed-Solomon kernels, AVX2: one 64-byte block is exactly one ymm of low
 * bytes and one of high bytes. Portable twin: rs_portable.c; the kernels
 * themselves are rs_simd.h. vpshufb looks up within a 128-bit lane, so each
 * 16-byte nibble table is broadcast to both lanes. */
#include "../wc_internal.h"

#if defined(WC_HAVE_AVX2)

#include <immintrin.h>

#include "kernels.h"

#define RS_V           __m256i
#define RS_W           32
#define RS_LOAD(p)     _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define RS_STORE(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define RS_XOR(a, b)   _mm256_xor_si256((a), (b))
#define RS_TABLES      rs_tables_avx2
#define RS_LOAD_TABLES load_tables
#define RS_MUL         mul32
#define RS_MUL_LUT     mul32_lut
#define RS_FN(name)    name##_avx2
#define RS_FUSED       1

typedef struct {
    __m256i lo0, lo1, lo2, lo3, hi0, hi1, hi2, hi3, mask;
} rs_tables_avx2;

#define BCAST(lut, i)                                                                                        \
    _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)((lut) + 16 * (i))))

WC_FORCE_INLINE rs_tables_avx2 load_tables(const uint8_t *lut)
{
    rs_tables_avx2 t;
    t.lo0 = BCAST(lut, 0);
    t.lo1 = BCAST(lut, 1);
    t.lo2 = BCAST(lut, 2);
    t.lo3 = BCAST(lut, 3);
    t.hi0 = BCAST(lut, 4);
    t.hi1 = BCAST(lut, 5);
    t.hi2 = BCAST(lut, 6);
    t.hi3 = BCAST(lut, 7);
    t.mask = _mm256_set1_epi8(0x0f);
    return t;
}

/* The products are accumulated nibble by nibble so that only three
 * temporaries are live beside the nine table registers and the operands:
 * all sixteen ymm registers suffice and every table stays in a register (a
 * balanced XOR tree of four index vectors spilled tables inside the loop). */
WC_FORCE_INLINE void mul32(const rs_tables_avx2 *t, __m256i lo, __m256i hi, __m256i *out_lo, __m256i *out_hi)
{
    __m256i n = _mm256_and_si256(lo, t->mask);
    __m256i rl = _mm256_shuffle_epi8(t->lo0, n);
    __m256i rh = _mm256_shuffle_epi8(t->hi0, n);
    n = _mm256_and_si256(_mm256_srli_epi64(lo, 4), t->mask);
    rl = _mm256_xor_si256(rl, _mm256_shuffle_epi8(t->lo1, n));
    rh = _mm256_xor_si256(rh, _mm256_shuffle_epi8(t->hi1, n));
    n = _mm256_and_si256(hi, t->mask);
    rl = _mm256_xor_si256(rl, _mm256_shuffle_epi8(t->lo2, n));
    rh = _mm256_xor_si256(rh, _mm256_shuffle_epi8(t->hi2, n));
    n = _mm256_and_si256(_mm256_srli_epi64(hi, 4), t->mask);
    rl = _mm256_xor_si256(rl, _mm256_shuffle_epi8(t->lo3, n));
    rh = _mm256_xor_si256(rh, _mm256_shuffle_epi8(t->hi3, n));
    *out_lo = rl;
    *out_hi = rh;
}

/* Tables straight from the LUT (aligned 128-byte rows): the fused steps use
 * three multipliers, whose 24 tables cannot all live in registers. */
WC_FORCE_INLINE void mul32_lut(const uint8_t *lut, __m256i lo, __m256i hi, __m256i *pl, __m256i *ph)
{
    const __m256i mask = _mm256_set1_epi8(0x0f);
#define T(i) _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)(const void *)(lut + 16 * (i))))
    __m256i n0 = _mm256_and_si256(lo, mask);
    __m256i n1 = _mm256_and_si256(_mm256_srli_epi64(lo, 4), mask);
    __m256i n2 = _mm256_and_si256(hi, mask);
    __m256i n3 = _mm256_and_si256(_mm256_srli_epi64(hi, 4), mask);
    *pl = _mm256_xor_si256(_mm256_xor_si256(_mm256_shuffle_epi8(T(0), n0), _mm256_shuffle_epi8(T(1), n1)),
                           _mm256_xor_si256(_mm256_shuffle_epi8(T(2), n2), _mm256_shuffle_epi8(T(3), n3)));
    *ph = _mm256_xor_si256(_mm256_xor_si256(_mm256_shuffle_epi8(T(4), n0), _mm256_shuffle_epi8(T(5), n1)),
                           _mm256_xor_si256(_mm256_shuffle_epi8(T(6), n2), _mm256_shuffle_epi8(T(7), n3)));
#undef T
}

#include "rs_simd.h"

const struct wc_rs_kernels wc_rs_kernels_avx2 = RS_KERNEL_TABLE;

#endif /* WC_HAVE_AVX2 */
