/* Blake2b-256, NEON (AArch64): two messages side by side, one 64-bit lane
 * each, in one q register per state word. Portable twin: hash_portable.c.
 * The driver is hash_simd.h. Rotations: 32 by rev64 on 32-bit elements,
 * 24 and 16 by a byte table lookup, 63 by add + shift-right-insert. */
#include "../wc_internal.h"
#include "kernels.h"

#if defined(WC_HAVE_NEON)
#include <arm_neon.h>

#define V     uint64x2_t
#define LANES 2
#define KFN   wc_blake2b256_many_neon

static const uint8_t b2b_tbl_r24[16] = {3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10};
static const uint8_t b2b_tbl_r16[16] = {2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9};

#define V_ADD(a, b)      vaddq_u64((a), (b))
#define V_XOR(a, b)      veorq_u64((a), (b))
#define V_ROR32(x)       vreinterpretq_u64_u32(vrev64q_u32(vreinterpretq_u32_u64(x)))
#define V_ROR24(x)       vreinterpretq_u64_u8(vqtbl1q_u8(vreinterpretq_u8_u64(x), vld1q_u8(b2b_tbl_r24)))
#define V_ROR16(x)       vreinterpretq_u64_u8(vqtbl1q_u8(vreinterpretq_u8_u64(x), vld1q_u8(b2b_tbl_r16)))
#define V_ROR63(x)       vsriq_n_u64(vaddq_u64((x), (x)), (x), 63)
#define V_SET1(u)        vdupq_n_u64((uint64_t)(u))
#define V_ZERO()         vdupq_n_u64(0)
#define V_MAKE(w)        vcombine_u64(vcreate_u64((w)[0]), vcreate_u64((w)[1]))
#define V_STOREU(dst, v) vst1q_u64((dst), (v))
#define V_LOAD_FULL(m, p, off) b2b_load_full((m), (p), (off))
#define V_LOADU(src)           vld1q_u64(src)
#define V_SHL(x, bits)         vshlq_n_u64((x), (bits))
#define V_SHR(x, bits)         vshrq_n_u64((x), (bits))

/* 128 bytes of two lanes -> 16 transposed words (2x2 64-bit transposes). */
WC_INLINE void b2b_load_full(uint64x2_t m[16], const uint8_t *const p[2], size_t off)
{
    for (int q = 0; q < 8; q++) {
        uint64x2_t a = vreinterpretq_u64_u8(vld1q_u8(p[0] + off + 16 * q));
        uint64x2_t b = vreinterpretq_u64_u8(vld1q_u8(p[1] + off + 16 * q));
        m[2 * q + 0] = vzip1q_u64(a, b);
        m[2 * q + 1] = vzip2q_u64(a, b);
    }
}

#define KFN_ADVANCE wc_blake2b_advance_neon
#define KFN_PARENTS wc_merkle_parents_neon
#include "hash_simd.h"

const struct wc_hash_kernels wc_hash_kernels_neon = {2, wc_blake2b256_many_neon, wc_blake2b_advance_neon,
                                                     wc_merkle_parents_neon};
#endif
