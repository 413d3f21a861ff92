/* Blake2b-256, SSSE3: two messages side by side, one 64-bit lane each, in
 * one xmm per state word. Portable twin: hash_portable.c. The driver is
 * hash_simd.h. Only SSE2/SSSE3 instructions (the backend requires SSSE3,
 * not SSE4.1): rotations 32 by pshufd, 24 and 16 by pshufb, 63 by
 * add + shift + or; lanes are joined with punpcklqdq, not pinsrq. */
#include "../wc_internal.h"
#include "kernels.h"

#if defined(WC_HAVE_SSSE3)
#include <emmintrin.h>
#include <tmmintrin.h>

#define V     __m128i
#define LANES 2
#define KFN   wc_blake2b256_many_ssse3

#define V_ADD(a, b) _mm_add_epi64((a), (b))
#define V_XOR(a, b) _mm_xor_si128((a), (b))
#define V_ROR32(x)  _mm_shuffle_epi32((x), _MM_SHUFFLE(2, 3, 0, 1))
#define V_ROR24(x)  _mm_shuffle_epi8((x), _mm_setr_epi8(3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10))
#define V_ROR16(x)  _mm_shuffle_epi8((x), _mm_setr_epi8(2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9))
#define V_ROR63(x)  b2b_ror63(x)
#define V_SET1(u)   _mm_set1_epi64x((long long)(u))
#define V_ZERO()    _mm_setzero_si128()
#define V_MAKE(w)                                                                                            \
    _mm_unpacklo_epi64(_mm_cvtsi64_si128((long long)(w)[0]), _mm_cvtsi64_si128((long long)(w)[1]))
#define V_STOREU(dst, v)       _mm_storeu_si128((__m128i *)(void *)(dst), (v))
#define V_LOAD_FULL(m, p, off) b2b_load_full((m), (p), (off))
#define V_LOADU(src)           _mm_loadu_si128((const __m128i *)(const void *)(src))
#define V_SHL(x, bits)         _mm_slli_epi64((x), (bits))
#define V_SHR(x, bits)         _mm_srli_epi64((x), (bits))

WC_INLINE __m128i b2b_ror63(__m128i x)
{
    return _mm_or_si128(_mm_srli_epi64(x, 63), _mm_add_epi64(x, x));
}

/* 128 bytes of two lanes -> 16 transposed words (2x2 64-bit transposes). */
WC_INLINE void b2b_load_full(__m128i m[16], const uint8_t *const p[2], size_t off)
{
    for (int q = 0; q < 8; q++) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p[0] + off + 16 * q));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p[1] + off + 16 * q));
        m[2 * q + 0] = _mm_unpacklo_epi64(a, b);
        m[2 * q + 1] = _mm_unpackhi_epi64(a, b);
    }
}

#define KFN_ADVANCE wc_blake2b_advance_ssse3
#define KFN_PARENTS wc_merkle_parents_ssse3
#include "hash_simd.h"

const struct wc_hash_kernels wc_hash_kernels_ssse3 = {2, wc_blake2b256_many_ssse3, wc_blake2b_advance_ssse3,
                                                      wc_merkle_parents_ssse3};
#endif
