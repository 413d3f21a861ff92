/* AVX2 twin of rs_portable.c. Packed layout (rs_kernels.h): a 64-byte block
 * holds 32 GF(2^16) elements, their 32 low bytes then their 32 high bytes,
 * so one block is exactly one ymm of low bytes and one ymm of high bytes.
 * Multiplying by a constant m is GF(2)-linear, so the product is the XOR of
 * the products of the element's four nibbles: 8 vpshufb lookups per block
 * into the 128-byte tables of wc_gf16_mul_lut(log_m). */
#include "../wc_internal.h"

#if defined(WC_HAVE_AVX2)

#include <immintrin.h>

#include "../gf16.h"
#include "kernels.h"

/* The 8 nibble tables, each 16 bytes broadcast to both 128-bit lanes
 * (vpshufb looks up within a lane). Loaded once per call. */
typedef struct {
    __m256i lo0, lo1, lo2, lo3, hi0, hi1, hi2, hi3, mask;
} mul_tables;

WC_INLINE mul_tables load_tables(uint16_t log_m)
{
    const uint8_t *lut = wc_gf16_mul_lut(log_m);
    mul_tables t;
#define WC_BCAST(off) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(lut + (off))))
    t.lo0 = WC_BCAST(0);
    t.lo1 = WC_BCAST(16);
    t.lo2 = WC_BCAST(32);
    t.lo3 = WC_BCAST(48);
    t.hi0 = WC_BCAST(64);
    t.hi1 = WC_BCAST(80);
    t.hi2 = WC_BCAST(96);
    t.hi3 = WC_BCAST(112);
#undef WC_BCAST
    t.mask = _mm256_set1_epi8(0x0f);
    return t;
}

/* (*lo, *hi) = (lo, hi) * m for 32 elements. The products are accumulated
 * nibble by nibble so that only three temporaries are live beside the nine
 * table registers and the operands: all sixteen ymm registers suffice and
 * the compiler keeps every table in a register (the balanced XOR tree of
 * four index vectors spilled tables to the stack inside the loop). */
WC_INLINE void mul32(const mul_tables *t, __m256i lo, __m256i hi, __m256i *out_lo, __m256i *out_hi)
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

#define LOAD(p)     _mm256_loadu_si256((const __m256i *)(p))
#define STORE(p, v) _mm256_storeu_si256((__m256i *)(p), (v))

/* x ^= y * m; y ^= x, on one 64-byte block. */
WC_INLINE void fft_block(const mul_tables *t, uint8_t *x, uint8_t *y)
{
    __m256i yl = LOAD(y), yh = LOAD(y + 32);
    __m256i pl, ph;
    mul32(t, yl, yh, &pl, &ph);
    __m256i xl = _mm256_xor_si256(LOAD(x), pl);
    __m256i xh = _mm256_xor_si256(LOAD(x + 32), ph);
    STORE(x, xl);
    STORE(x + 32, xh);
    STORE(y, _mm256_xor_si256(yl, xl));
    STORE(y + 32, _mm256_xor_si256(yh, xh));
}

/* y ^= x; x ^= y * m, on one 64-byte block. */
WC_INLINE void ifft_block(const mul_tables *t, uint8_t *x, uint8_t *y)
{
    __m256i xl = LOAD(x), xh = LOAD(x + 32);
    __m256i yl = _mm256_xor_si256(LOAD(y), xl);
    __m256i yh = _mm256_xor_si256(LOAD(y + 32), xh);
    __m256i pl, ph;
    mul32(t, yl, yh, &pl, &ph);
    STORE(y, yl);
    STORE(y + 32, yh);
    STORE(x, _mm256_xor_si256(xl, pl));
    STORE(x + 32, _mm256_xor_si256(xh, ph));
}

WC_INLINE void mul_block(const mul_tables *t, uint8_t *x)
{
    __m256i pl, ph;
    mul32(t, LOAD(x), LOAD(x + 32), &pl, &ph);
    STORE(x, pl);
    STORE(x + 32, ph);
}

/* One block per iteration: the loop is bound by shuffle/ALU throughput, and
 * a 2x unroll only made the compiler spill the tables (slower for the
 * 192..384-byte tiles rs.c uses, equal for long buffers). */
static void fft_butterfly_avx2(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes)
{
    const mul_tables t = load_tables(log_m);
    for (size_t i = 0; i < bytes; i += 64) fft_block(&t, x + i, y + i);
}

static void ifft_butterfly_avx2(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes)
{
    const mul_tables t = load_tables(log_m);
    for (size_t i = 0; i < bytes; i += 64) ifft_block(&t, x + i, y + i);
}

static void mul_avx2(uint8_t *x, uint16_t log_m, size_t bytes)
{
    const mul_tables t = load_tables(log_m);
    for (size_t i = 0; i < bytes; i += 64) mul_block(&t, x + i);
}

static void xor_into_avx2(uint8_t *dst, const uint8_t *src, size_t bytes)
{
    size_t i = 0;
    for (; i + 128 <= bytes; i += 128) {
        __m256i a0 = _mm256_xor_si256(LOAD(dst + i), LOAD(src + i));
        __m256i a1 = _mm256_xor_si256(LOAD(dst + i + 32), LOAD(src + i + 32));
        __m256i a2 = _mm256_xor_si256(LOAD(dst + i + 64), LOAD(src + i + 64));
        __m256i a3 = _mm256_xor_si256(LOAD(dst + i + 96), LOAD(src + i + 96));
        STORE(dst + i, a0);
        STORE(dst + i + 32, a1);
        STORE(dst + i + 64, a2);
        STORE(dst + i + 96, a3);
    }
    for (; i < bytes; i += 32) STORE(dst + i, _mm256_xor_si256(LOAD(dst + i), LOAD(src + i)));
}

static void ifft_butterfly_acc_avx2(const uint8_t *x, const uint8_t *y, uint8_t *ax, uint8_t *ay,
                                    uint16_t log_m, size_t bytes)
{
    const mul_tables t = load_tables(log_m);
    for (size_t i = 0; i < bytes; i += 64) {
        __m256i xl = LOAD(x + i), xh = LOAD(x + i + 32);
        __m256i yl = _mm256_xor_si256(LOAD(y + i), xl);
        __m256i yh = _mm256_xor_si256(LOAD(y + i + 32), xh);
        __m256i pl, ph;
        mul32(&t, yl, yh, &pl, &ph);
        STORE(ay + i, _mm256_xor_si256(LOAD(ay + i), yl));
        STORE(ay + i + 32, _mm256_xor_si256(LOAD(ay + i + 32), yh));
        STORE(ax + i, _mm256_xor_si256(LOAD(ax + i), _mm256_xor_si256(xl, pl)));
        STORE(ax + i + 32, _mm256_xor_si256(LOAD(ax + i + 32), _mm256_xor_si256(xh, ph)));
    }
}

static void mul_from_avx2(uint8_t *dst, const uint8_t *src, uint16_t log_m, size_t bytes)
{
    const mul_tables t = load_tables(log_m);
    for (size_t i = 0; i < bytes; i += 64) {
        __m256i pl, ph;
        mul32(&t, LOAD(src + i), LOAD(src + i + 32), &pl, &ph);
        STORE(dst + i, pl);
        STORE(dst + i + 32, ph);
    }
}

static void xor_sum_avx2(uint8_t *dst, const uint8_t *const *src, size_t n, size_t bytes)
{
    for (size_t i = 0; i < bytes; i += 64) {
        __m256i a = LOAD(dst + i), b = LOAD(dst + i + 32);
        for (size_t s = 0; s < n; s++) {
            a = _mm256_xor_si256(a, LOAD(src[s] + i));
            b = _mm256_xor_si256(b, LOAD(src[s] + i + 32));
        }
        STORE(dst + i, a);
        STORE(dst + i + 32, b);
    }
}

#undef LOAD
#undef STORE

/* fft4/ifft4 stay NULL: the driver runs single butterflies (or pairs this
 * table with a separate fused-step file, see rs_kernels.h). */
const struct wc_rs_kernels wc_rs_kernels_avx2 = {
    fft_butterfly_avx2, ifft_butterfly_avx2,     mul_avx2, xor_into_avx2, NULL, NULL, xor_sum_avx2,
    mul_from_avx2,      ifft_butterfly_acc_avx2,
};

#endif /* WC_HAVE_AVX2 */
