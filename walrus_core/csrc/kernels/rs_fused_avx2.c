/* Fused radix-4 FFT/IFFT steps, AVX2 (rs_kernels.h: fft4/ifft4); portable
 * twin: the four single butterflies of rs_portable.c, which the driver runs
 * when a backend has no fused step. Packed layout: per 64-byte block one ymm
 * of low bytes and one of high bytes; a product by m is the XOR of four
 * nibble lookups per output byte (the 128-byte tables of wc_gf16_mul_lut).
 * Each quad block is loaded once and stored once for two layers. */
#include "../wc_internal.h"

#if defined(WC_HAVE_AVX2)

#include <immintrin.h>

#include "../gf16.h"
#include "kernels.h"

typedef struct {
    __m256i t[8];
} tables;

WC_INLINE void load_tables(tables *t, uint32_t g)
{
    const uint8_t *lut = wc_gf16_mul_lut((uint16_t)g);
    for (int i = 0; i < 8; i++)
        t->t[i] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(lut + 16 * i)));
}

/* (lo, hi) * m */
WC_INLINE void mul32(const tables *t, __m256i lo, __m256i hi, __m256i *pl, __m256i *ph)
{
    const __m256i mask = _mm256_set1_epi8(0x0f);
    __m256i n0 = _mm256_and_si256(lo, mask);
    __m256i n1 = _mm256_and_si256(_mm256_srli_epi64(lo, 4), mask);
    __m256i n2 = _mm256_and_si256(hi, mask);
    __m256i n3 = _mm256_and_si256(_mm256_srli_epi64(hi, 4), mask);
    *pl = _mm256_xor_si256(
        _mm256_xor_si256(_mm256_shuffle_epi8(t->t[0], n0), _mm256_shuffle_epi8(t->t[1], n1)),
        _mm256_xor_si256(_mm256_shuffle_epi8(t->t[2], n2), _mm256_shuffle_epi8(t->t[3], n3)));
    *ph = _mm256_xor_si256(
        _mm256_xor_si256(_mm256_shuffle_epi8(t->t[4], n0), _mm256_shuffle_epi8(t->t[5], n1)),
        _mm256_xor_si256(_mm256_shuffle_epi8(t->t[6], n2), _mm256_shuffle_epi8(t->t[7], n3)));
}

#define LD(p)    _mm256_loadu_si256((const __m256i *)(p))
#define ST(p, v) _mm256_storeu_si256((__m256i *)(p), (v))

/* x ^= y * m (unless m is zero); y ^= x */
WC_INLINE void fbf(const tables *t, int zero, __m256i *xl, __m256i *xh, __m256i *yl, __m256i *yh)
{
    if (!zero) {
        __m256i pl, ph;
        mul32(t, *yl, *yh, &pl, &ph);
        *xl = _mm256_xor_si256(*xl, pl);
        *xh = _mm256_xor_si256(*xh, ph);
    }
    *yl = _mm256_xor_si256(*yl, *xl);
    *yh = _mm256_xor_si256(*yh, *xh);
}

/* y ^= x; x ^= y * m (unless m is zero) */
WC_INLINE void ibf(const tables *t, int zero, __m256i *xl, __m256i *xh, __m256i *yl, __m256i *yh)
{
    *yl = _mm256_xor_si256(*yl, *xl);
    *yh = _mm256_xor_si256(*yh, *xh);
    if (!zero) {
        __m256i pl, ph;
        mul32(t, *yl, *yh, &pl, &ph);
        *xl = _mm256_xor_si256(*xl, pl);
        *xh = _mm256_xor_si256(*xh, ph);
    }
}

/* The common case, every twiddle a real multiplier: tables re-read from
 * the (L1-resident) 128-byte LUTs, no branches in the loop. */
WC_INLINE void mul_lut(const uint8_t *lut, __m256i lo, __m256i hi, __m256i *pl, __m256i *ph)
{
    const __m256i mask = _mm256_set1_epi8(0x0f);
#define T(i) _mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)(lut + 16 * (i))))
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

static void fft4_full(uint8_t *a, uint8_t *b, uint8_t *c, uint8_t *d, const uint8_t *sa, const uint8_t *sb,
                      const uint8_t *sc, const uint8_t *sd, const uint8_t *l1, const uint8_t *l2,
                      const uint8_t *l3, size_t bytes)
{
    for (size_t i = 0; i < bytes; i += 64) {
        __m256i al = LD(sa + i), ah = LD(sa + i + 32), bl = LD(sb + i), bh = LD(sb + i + 32);
        __m256i cl = LD(sc + i), ch = LD(sc + i + 32), dl = LD(sd + i), dh = LD(sd + i + 32);
        __m256i pl, ph;
        mul_lut(l1, cl, ch, &pl, &ph);
        al = _mm256_xor_si256(al, pl);
        ah = _mm256_xor_si256(ah, ph);
        cl = _mm256_xor_si256(cl, al);
        ch = _mm256_xor_si256(ch, ah);
        mul_lut(l1, dl, dh, &pl, &ph);
        bl = _mm256_xor_si256(bl, pl);
        bh = _mm256_xor_si256(bh, ph);
        dl = _mm256_xor_si256(dl, bl);
        dh = _mm256_xor_si256(dh, bh);
        mul_lut(l2, bl, bh, &pl, &ph);
        al = _mm256_xor_si256(al, pl);
        ah = _mm256_xor_si256(ah, ph);
        bl = _mm256_xor_si256(bl, al);
        bh = _mm256_xor_si256(bh, ah);
        mul_lut(l3, dl, dh, &pl, &ph);
        cl = _mm256_xor_si256(cl, pl);
        ch = _mm256_xor_si256(ch, ph);
        dl = _mm256_xor_si256(dl, cl);
        dh = _mm256_xor_si256(dh, ch);
        ST(a + i, al);
        ST(a + i + 32, ah);
        ST(b + i, bl);
        ST(b + i + 32, bh);
        ST(c + i, cl);
        ST(c + i + 32, ch);
        ST(d + i, dl);
        ST(d + i + 32, dh);
    }
}

static void ifft4_full(uint8_t *a, uint8_t *b, uint8_t *c, uint8_t *d, const uint8_t *sa, const uint8_t *sb,
                       const uint8_t *sc, const uint8_t *sd, const uint8_t *l1, const uint8_t *l2,
                       const uint8_t *l3, size_t bytes)
{
    for (size_t i = 0; i < bytes; i += 64) {
        __m256i al = LD(sa + i), ah = LD(sa + i + 32), bl = LD(sb + i), bh = LD(sb + i + 32);
        __m256i cl = LD(sc + i), ch = LD(sc + i + 32), dl = LD(sd + i), dh = LD(sd + i + 32);
        __m256i pl, ph;
        bl = _mm256_xor_si256(bl, al);
        bh = _mm256_xor_si256(bh, ah);
        mul_lut(l1, bl, bh, &pl, &ph);
        al = _mm256_xor_si256(al, pl);
        ah = _mm256_xor_si256(ah, ph);
        dl = _mm256_xor_si256(dl, cl);
        dh = _mm256_xor_si256(dh, ch);
        mul_lut(l2, dl, dh, &pl, &ph);
        cl = _mm256_xor_si256(cl, pl);
        ch = _mm256_xor_si256(ch, ph);
        cl = _mm256_xor_si256(cl, al);
        ch = _mm256_xor_si256(ch, ah);
        mul_lut(l3, cl, ch, &pl, &ph);
        al = _mm256_xor_si256(al, pl);
        ah = _mm256_xor_si256(ah, ph);
        dl = _mm256_xor_si256(dl, bl);
        dh = _mm256_xor_si256(dh, bh);
        mul_lut(l3, dl, dh, &pl, &ph);
        bl = _mm256_xor_si256(bl, pl);
        bh = _mm256_xor_si256(bh, ph);
        ST(a + i, al);
        ST(a + i + 32, ah);
        ST(b + i, bl);
        ST(b + i + 32, bh);
        ST(c + i, cl);
        ST(c + i + 32, ch);
        ST(d + i, dl);
        ST(d + i + 32, dh);
    }
}

/* The general steps: any twiddle may be ZERO (a plain XOR) or, where the
 * contract allows, SKIP; tables live in a struct (they do not all fit in
 * registers). Out of place from src[] to dst[] (dst == src: in place). */
static void fft4_general(uint8_t *const *dst, const uint8_t *const *src, uint32_t g1, uint32_t g2,
                         uint32_t g3, size_t bytes)
{
    tables t1, t2, t3;
    int z1 = g1 >= WC_RS_TW_ZERO, z2 = g2 == WC_RS_TW_ZERO, z3 = g3 == WC_RS_TW_ZERO;
    int s2 = g2 == WC_RS_TW_SKIP, s3 = g3 == WC_RS_TW_SKIP;
    /* every table is loaded (the zero log's when unused) so none is read
     * uninitialized; the flags decide which are applied */
    load_tables(&t1, z1 ? 0 : g1);
    load_tables(&t2, z2 || s2 ? 0 : g2);
    load_tables(&t3, z3 || s3 ? 0 : g3);
    uint8_t *a = dst[0], *b = dst[1], *c = dst[2], *d = dst[3];
    const uint8_t *sa = src[0], *sb = src[1], *sc = src[2], *sd = src[3];
    for (size_t i = 0; i < bytes; i += 64) {
        __m256i al = LD(sa + i), ah = LD(sa + i + 32), bl = LD(sb + i), bh = LD(sb + i + 32);
        __m256i cl = LD(sc + i), ch = LD(sc + i + 32), dl = LD(sd + i), dh = LD(sd + i + 32);
        fbf(&t1, z1, &al, &ah, &cl, &ch);
        fbf(&t1, z1, &bl, &bh, &dl, &dh);
        if (!s2) fbf(&t2, z2, &al, &ah, &bl, &bh);
        if (!s3) fbf(&t3, z3, &cl, &ch, &dl, &dh);
        ST(a + i, al);
        ST(a + i + 32, ah);
        ST(b + i, bl);
        ST(b + i + 32, bh);
        ST(c + i, cl);
        ST(c + i + 32, ch);
        ST(d + i, dl);
        ST(d + i + 32, dh);
    }
}

static void ifft4_general(uint8_t *const *dst, const uint8_t *const *src, uint32_t g1, uint32_t g2,
                          uint32_t g3, size_t bytes)
{
    tables t1, t2, t3;
    int z1 = g1 == WC_RS_TW_ZERO, z2 = g2 == WC_RS_TW_ZERO, z3 = g3 >= WC_RS_TW_ZERO;
    int s1 = g1 == WC_RS_TW_SKIP, s2 = g2 == WC_RS_TW_SKIP;
    load_tables(&t1, z1 || s1 ? 0 : g1);
    load_tables(&t2, z2 || s2 ? 0 : g2);
    load_tables(&t3, z3 ? 0 : g3);
    uint8_t *a = dst[0], *b = dst[1], *c = dst[2], *d = dst[3];
    const uint8_t *sa = src[0], *sb = src[1], *sc = src[2], *sd = src[3];
    for (size_t i = 0; i < bytes; i += 64) {
        __m256i al = LD(sa + i), ah = LD(sa + i + 32), bl = LD(sb + i), bh = LD(sb + i + 32);
        __m256i cl = LD(sc + i), ch = LD(sc + i + 32), dl = LD(sd + i), dh = LD(sd + i + 32);
        if (!s1) ibf(&t1, z1, &al, &ah, &bl, &bh);
        if (!s2) ibf(&t2, z2, &cl, &ch, &dl, &dh);
        ibf(&t3, z3, &al, &ah, &cl, &ch);
        ibf(&t3, z3, &bl, &bh, &dl, &dh);
        ST(a + i, al);
        ST(a + i + 32, ah);
        ST(b + i, bl);
        ST(b + i + 32, bh);
        ST(c + i, cl);
        ST(c + i + 32, ch);
        ST(d + i, dl);
        ST(d + i + 32, dh);
    }
}

void wc_rs_fft4_oop_avx2(uint8_t *const *dst, const uint8_t *const *src, uint32_t g1, uint32_t g2,
                         uint32_t g3, size_t bytes)
{
    if (g1 < WC_RS_TW_ZERO && g2 < WC_RS_TW_ZERO && g3 < WC_RS_TW_ZERO)
        fft4_full(dst[0], dst[1], dst[2], dst[3], src[0], src[1], src[2], src[3],
                  wc_gf16_mul_lut((uint16_t)g1), wc_gf16_mul_lut((uint16_t)g2), wc_gf16_mul_lut((uint16_t)g3),
                  bytes);
    else
        fft4_general(dst, src, g1, g2, g3, bytes);
}

void wc_rs_ifft4_oop_avx2(uint8_t *const *dst, const uint8_t *const *src, uint32_t g1, uint32_t g2,
                          uint32_t g3, size_t bytes)
{
    if (g1 < WC_RS_TW_ZERO && g2 < WC_RS_TW_ZERO && g3 < WC_RS_TW_ZERO)
        ifft4_full(dst[0], dst[1], dst[2], dst[3], src[0], src[1], src[2], src[3],
                   wc_gf16_mul_lut((uint16_t)g1), wc_gf16_mul_lut((uint16_t)g2),
                   wc_gf16_mul_lut((uint16_t)g3), bytes);
    else
        ifft4_general(dst, src, g1, g2, g3, bytes);
}

void wc_rs_fft4_avx2(uint8_t *a, uint8_t *b, uint8_t *c, uint8_t *d, uint32_t g1, uint32_t g2, uint32_t g3,
                     size_t bytes)
{
    uint8_t *q[4] = {a, b, c, d};
    wc_rs_fft4_oop_avx2(q, (const uint8_t *const *)q, g1, g2, g3, bytes);
}

void wc_rs_ifft4_avx2(uint8_t *a, uint8_t *b, uint8_t *c, uint8_t *d, uint32_t g1, uint32_t g2, uint32_t g3,
                      size_t bytes)
{
    uint8_t *q[4] = {a, b, c, d};
    wc_rs_ifft4_oop_avx2(q, (const uint8_t *const *)q, g1, g2, g3, bytes);
}

#endif
