/* Merkle inner nodes, AVX-512F: all WC_B2B_TREES = 8 trees of a node in one
 * zmm per word, two nodes interleaved. Native 64-bit rotations (vprorq).
 * Only merkle_parents is AVX-512; the avx512 backend's other hash kernels
 * are the AVX2 ones (hash_avx2.c). Portable twin: hash_portable.c. The
 * driver is hash_simd.h. */
#include "../wc_internal.h"
#include "hash_common.h"
#include "kernels.h"

#if defined(WC_HAVE_AVX512)
#include <immintrin.h>

#define V      __m512i
#define LANES  8
#define B2B_X2 1

#define V_ADD(a, b)      _mm512_add_epi64((a), (b))
#define V_XOR(a, b)      _mm512_xor_si512((a), (b))
#define V_ROR32(x)       _mm512_ror_epi64((x), 32)
#define V_ROR24(x)       _mm512_ror_epi64((x), 24)
#define V_ROR16(x)       _mm512_ror_epi64((x), 16)
#define V_ROR63(x)       _mm512_ror_epi64((x), 63)
#define V_SET1(u)        _mm512_set1_epi64((long long)(u))
#define V_ZERO()         _mm512_setzero_si512()
#define V_MAKE(w)        _mm512_loadu_si512((const void *)(w))
#define V_STOREU(dst, v) _mm512_storeu_si512((void *)(dst), (v))
#define V_LOADU(src)     _mm512_loadu_si512((const void *)(src))
#define V_SHL(x, bits)   _mm512_slli_epi64((x), (bits))
#define V_SHR(x, bits)   _mm512_srli_epi64((x), (bits))
/* unused here (no many/advance kernel), but the driver's helpers name it */
#define V_LOAD_FULL(m, p, off) b2b_load_full((m), (p), (off))

WC_INLINE void b2b_load_full(__m512i m[16], const uint8_t *const p[8], size_t off)
{
    for (int j = 0; j < 16; j++) {
        uint64_t w[8];
        for (int l = 0; l < 8; l++) w[l] = wc_b2b_load64(p[l] + off + 8 * j);
        m[j] = V_MAKE(w);
    }
}

#define KFN_PARENTS wc_merkle_parents_avx512
#include "hash_simd.h"

const struct wc_hash_kernels wc_hash_kernels_avx512 = {4, wc_blake2b256_many_avx2, wc_blake2b_advance_avx2,
                                                       wc_merkle_parents_avx512};
#endif
