/* SSSE3 twin of rs_portable.c. Packed layout (rs_kernels.h): a 64-byte block
 * holds 32 GF(2^16) elements, their 32 low bytes then their 32 high bytes;
 * here it is two xmm pairs: (bytes 0..15, 32..47) for elements 0..15 and
 * (16..31, 48..63) for elements 16..31. Multiplying by a constant m is
 * GF(2)-linear, so the product is the XOR of the products of the element's
 * four nibbles: 8 pshufb lookups per 16 elements into the 128-byte tables of
 * wc_gf16_mul_lut(log_m). */
#include "../wc_internal.h"

#if defined(WC_HAVE_SSSE3)

#include <tmmintrin.h>

#include "../gf16.h"
#include "kernels.h"

typedef struct {
    __m128i lo0, lo1, lo2, lo3, hi0, hi1, hi2, hi3, mask;
} mul_tables;

WC_INLINE mul_tables load_tables(uint16_t log_m)
{
    const uint8_t *lut = wc_gf16_mul_lut(log_m);
    mul_tables t;
    t.lo0 = _mm_loadu_si128((const __m128i *)(lut + 0));
    t.lo1 = _mm_loadu_si128((const __m128i *)(lut + 16));
    t.lo2 = _mm_loadu_si128((const __m128i *)(lut + 32));
    t.lo3 = _mm_loadu_si128((const __m128i *)(lut + 48));
    t.hi0 = _mm_loadu_si128((const __m128i *)(lut + 64));
    t.hi1 = _mm_loadu_si128((const __m128i *)(lut + 80));
    t.hi2 = _mm_loadu_si128((const __m128i *)(lut + 96));
    t.hi3 = _mm_loadu_si128((const __m128i *)(lut + 112));
    t.mask = _mm_set1_epi8(0x0f);
    return t;
}

/* (out_lo, out_hi) = (lo, hi) * m for 16 elements. */
WC_INLINE void mul16(const mul_tables *t, __m128i lo, __m128i hi, __m128i *out_lo, __m128i *out_hi)
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

#define LOAD(p)     _mm_loadu_si128((const __m128i *)(p))
#define STORE(p, v) _mm_storeu_si128((__m128i *)(p), (v))

/* x ^= y * m; y ^= x, on 16 elements: low bytes at p, high bytes at p + 32. */
WC_INLINE void fft_half(const mul_tables *t, uint8_t *x, uint8_t *y)
{
    __m128i xl = LOAD(x), xh = LOAD(x + 32);
    __m128i yl = LOAD(y), yh = LOAD(y + 32);
    __m128i pl, ph;
    mul16(t, yl, yh, &pl, &ph);
    xl = _mm_xor_si128(xl, pl);
    xh = _mm_xor_si128(xh, ph);
    STORE(x, xl);
    STORE(x + 32, xh);
    STORE(y, _mm_xor_si128(yl, xl));
    STORE(y + 32, _mm_xor_si128(yh, xh));
}

/* y ^= x; x ^= y * m, on 16 elements. */
WC_INLINE void ifft_half(const mul_tables *t, uint8_t *x, uint8_t *y)
{
    __m128i xl = LOAD(x), xh = LOAD(x + 32);
    __m128i yl = _mm_xor_si128(LOAD(y), xl);
    __m128i yh = _mm_xor_si128(LOAD(y + 32), xh);
    __m128i pl, ph;
    mul16(t, yl, yh, &pl, &ph);
    STORE(y, yl);
    STORE(y + 32, yh);
    STORE(x, _mm_xor_si128(xl, pl));
    STORE(x + 32, _mm_xor_si128(xh, ph));
}

WC_INLINE void mul_half(const mul_tables *t, uint8_t *x)
{
    __m128i pl, ph;
    mul16(t, LOAD(x), LOAD(x + 32), &pl, &ph);
    STORE(x, pl);
    STORE(x + 32, ph);
}

/* One 64-byte block per iteration = two independent 16-element halves. */
static void fft_butterfly_ssse3(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes)
{
    const mul_tables t = load_tables(log_m);
    for (size_t i = 0; i < bytes; i += 64) {
        fft_half(&t, x + i, y + i);
        fft_half(&t, x + i + 16, y + i + 16);
    }
}

static void ifft_butterfly_ssse3(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes)
{
    const mul_tables t = load_tables(log_m);
    for (size_t i = 0; i < bytes; i += 64) {
        ifft_half(&t, x + i, y + i);
        ifft_half(&t, x + i + 16, y + i + 16);
    }
}

static void mul_ssse3(uint8_t *x, uint16_t log_m, size_t bytes)
{
    const mul_tables t = load_tables(log_m);
    for (size_t i = 0; i < bytes; i += 64) {
        mul_half(&t, x + i);
        mul_half(&t, x + i + 16);
    }
}

static void xor_into_ssse3(uint8_t *dst, const uint8_t *src, size_t bytes)
{
    for (size_t i = 0; i < bytes; i += 64) {
        __m128i a0 = _mm_xor_si128(LOAD(dst + i), LOAD(src + i));
        __m128i a1 = _mm_xor_si128(LOAD(dst + i + 16), LOAD(src + i + 16));
        __m128i a2 = _mm_xor_si128(LOAD(dst + i + 32), LOAD(src + i + 32));
        __m128i a3 = _mm_xor_si128(LOAD(dst + i + 48), LOAD(src + i + 48));
        STORE(dst + i, a0);
        STORE(dst + i + 16, a1);
        STORE(dst + i + 32, a2);
        STORE(dst + i + 48, a3);
    }
}

/* dst = src * m, 16 elements (the halves of a block, as above). */
WC_INLINE void mul_from_half(const mul_tables *t, uint8_t *dst, const uint8_t *src)
{
    __m128i pl, ph;
    mul16(t, LOAD(src), LOAD(src + 32), &pl, &ph);
    STORE(dst, pl);
    STORE(dst + 32, ph);
}

static void mul_from_ssse3(uint8_t *dst, const uint8_t *src, uint16_t log_m, size_t bytes)
{
    const mul_tables t = load_tables(log_m);
    for (size_t i = 0; i < bytes; i += 64) {
        mul_from_half(&t, dst + i, src + i);
        mul_from_half(&t, dst + i + 16, src + i + 16);
    }
}

/* y' = y ^ x; x' = x ^ y' * m; ax ^= x'; ay ^= y' on 16 elements. */
WC_INLINE void ifft_acc_half(const mul_tables *t, const uint8_t *x, const uint8_t *y, uint8_t *ax,
                             uint8_t *ay)
{
    __m128i xl = LOAD(x), xh = LOAD(x + 32);
    __m128i yl = _mm_xor_si128(LOAD(y), xl);
    __m128i yh = _mm_xor_si128(LOAD(y + 32), xh);
    __m128i pl, ph;
    mul16(t, yl, yh, &pl, &ph);
    STORE(ay, _mm_xor_si128(LOAD(ay), yl));
    STORE(ay + 32, _mm_xor_si128(LOAD(ay + 32), yh));
    STORE(ax, _mm_xor_si128(LOAD(ax), _mm_xor_si128(xl, pl)));
    STORE(ax + 32, _mm_xor_si128(LOAD(ax + 32), _mm_xor_si128(xh, ph)));
}

static void ifft_butterfly_acc_ssse3(const uint8_t *x, const uint8_t *y, uint8_t *ax, uint8_t *ay,
                                     uint16_t log_m, size_t bytes)
{
    const mul_tables t = load_tables(log_m);
    for (size_t i = 0; i < bytes; i += 64) {
        ifft_acc_half(&t, x + i, y + i, ax + i, ay + i);
        ifft_acc_half(&t, x + i + 16, y + i + 16, ax + i + 16, ay + i + 16);
    }
}

static void xor_sum_ssse3(uint8_t *dst, const uint8_t *const *src, size_t n, size_t bytes)
{
    for (size_t i = 0; i < bytes; i += 64) {
        __m128i a = LOAD(dst + i), b = LOAD(dst + i + 16), c = LOAD(dst + i + 32), d = LOAD(dst + i + 48);
        for (size_t s = 0; s < n; s++) {
            a = _mm_xor_si128(a, LOAD(src[s] + i));
            b = _mm_xor_si128(b, LOAD(src[s] + i + 16));
            c = _mm_xor_si128(c, LOAD(src[s] + i + 32));
            d = _mm_xor_si128(d, LOAD(src[s] + i + 48));
        }
        STORE(dst + i, a);
        STORE(dst + i + 16, b);
        STORE(dst + i + 32, c);
        STORE(dst + i + 48, d);
    }
}

#undef LOAD
#undef STORE

/* fft4/ifft4 stay NULL: the driver runs single butterflies (or pairs this
 * table with a separate fused-step file, see rs_kernels.h). */
const struct wc_rs_kernels wc_rs_kernels_ssse3 = {
    fft_butterfly_ssse3, ifft_butterfly_ssse3,     mul_ssse3, xor_into_ssse3, NULL, NULL, xor_sum_ssse3,
    mul_from_ssse3,      ifft_butterfly_acc_ssse3,
};

#endif /* WC_HAVE_SSSE3 */
