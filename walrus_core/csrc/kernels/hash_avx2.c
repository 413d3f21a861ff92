/* Blake2b-256, AVX2: four messages side by side, one 64-bit lane each, in
 * one ymm per state word. Portable twin: hash_portable.c. The driver
 * (message transposition, single-block fast path) is hash_simd.h.
 * Rotations: 32 by dword shuffle, 24 and 16 by byte shuffle, 63 by
 * add + shift + or. */
#include "../wc_internal.h"
#include "kernels.h"

#if defined(WC_HAVE_AVX2)
#include <immintrin.h>

#define V      __m256i
#define LANES  4
#define KFN    wc_blake2b256_many_avx2
#define B2B_X2 1

#define V_ADD(a, b) _mm256_add_epi64((a), (b))
#define V_XOR(a, b) _mm256_xor_si256((a), (b))
#define V_ROR32(x)  _mm256_shuffle_epi32((x), _MM_SHUFFLE(2, 3, 0, 1))
#define V_ROR24(x)                                                                                           \
    _mm256_shuffle_epi8((x), _mm256_setr_epi8(3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, 3, 4, 5, \
                                              6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10))
#define V_ROR16(x)                                                                                           \
    _mm256_shuffle_epi8((x), _mm256_setr_epi8(2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, 2, 3, 4, \
                                              5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9))
#define V_ROR63(x) b2b_ror63(x)
#define V_SET1(u)  _mm256_set1_epi64x((long long)(u))
#define V_ZERO()   _mm256_setzero_si256()
#define V_MAKE(w)                                                                                            \
    _mm256_set_epi64x((long long)(w)[3], (long long)(w)[2], (long long)(w)[1], (long long)(w)[0])
#define V_STOREU(dst, v)       _mm256_storeu_si256((__m256i *)(void *)(dst), (v))
#define V_LOAD_FULL(m, p, off) b2b_load_full((m), (p), (off))
#define V_LOADU(src)           _mm256_loadu_si256((const __m256i *)(const void *)(src))
#define V_SHL(x, bits)         _mm256_slli_epi64((x), (bits))
#define V_SHR(x, bits)         _mm256_srli_epi64((x), (bits))

WC_INLINE __m256i b2b_ror63(__m256i x)
{
    return _mm256_or_si256(_mm256_srli_epi64(x, 63), _mm256_add_epi64(x, x));
}

/* 128 bytes of four lanes -> 16 transposed words (4x4 64-bit transposes). */
WC_INLINE void b2b_load_full(__m256i m[16], const uint8_t *const p[4], size_t off)
{
    for (int q = 0; q < 4; q++) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(p[0] + off + 32 * q));
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p[1] + off + 32 * q));
        __m256i c = _mm256_loadu_si256((const __m256i *)(const void *)(p[2] + off + 32 * q));
        __m256i d = _mm256_loadu_si256((const __m256i *)(const void *)(p[3] + off + 32 * q));
        __m256i ab0 = _mm256_unpacklo_epi64(a, b), ab1 = _mm256_unpackhi_epi64(a, b);
        __m256i cd0 = _mm256_unpacklo_epi64(c, d), cd1 = _mm256_unpackhi_epi64(c, d);
        m[4 * q + 0] = _mm256_permute2x128_si256(ab0, cd0, 0x20);
        m[4 * q + 1] = _mm256_permute2x128_si256(ab1, cd1, 0x20);
        m[4 * q + 2] = _mm256_permute2x128_si256(ab0, cd0, 0x31);
        m[4 * q + 3] = _mm256_permute2x128_si256(ab1, cd1, 0x31);
    }
}

#define KFN_ADVANCE wc_blake2b_advance_avx2
#define KFN_PARENTS wc_merkle_parents_avx2
#include "hash_simd.h"

const struct wc_hash_kernels wc_hash_kernels_avx2 = {4, wc_blake2b256_many_avx2, wc_blake2b_advance_avx2,
                                                     wc_merkle_parents_avx2};
#endif
