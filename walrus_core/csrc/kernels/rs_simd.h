/* The Reed-Solomon kernels of rs_kernels.h, written once over a vector of
 * RS_W bytes and included by each SIMD kernel file (rs_ssse3.c, rs_avx2.c,
 * rs_neon.c) after it defines the operations below. Portable twin:
 * rs_portable.c.
 *
 * Packed layout (rs_kernels.h): a 64-byte block holds 32 elements, their
 * low bytes at [0, 32) and their high bytes at [32, 64). A vector pair
 * (lo at p, hi at p + 32) therefore holds RS_W elements, and a block is
 * 32 / RS_W such pairs side by side: one for AVX2, two for 16-byte vectors.
 *
 * Multiplying by a constant m is GF(2)-linear, so a product is the XOR of the
 * products of the element's four nibbles: eight byte-shuffle lookups per
 * pair into the 128-byte tables of wc_gf16_mul_lut(log_m), which the ISA
 * file keeps in registers (RS_TABLES) or reads from the table (RS_MUL_LUT).
 *
 * Required before inclusion:
 *   RS_V, RS_W                 the vector type and its width in bytes (16, 32)
 *   RS_LOAD(p) RS_STORE(p, v)  unaligned load / store
 *   RS_XOR(a, b)
 *   RS_TABLES                  the eight nibble tables in registers
 *   RS_LOAD_TABLES(lut)        an RS_TABLES from a 128-byte table
 *   RS_MUL(t, lo, hi, plo, phi) (*plo, *phi) = (lo, hi) * m, t: const RS_TABLES *
 *   RS_MUL_LUT(lut, lo, hi, plo, phi)  the same, tables read from lut (the
 *                              fused steps need three multipliers at once)
 *   RS_FN(name)                the kernel's name for this ISA
 *   RS_FUSED                   1 to define the fused radix-4 steps, else 0
 * Defines RS_KERNEL_TABLE, the initializer of this ISA's wc_rs_kernels. */
#ifndef WC_RS_SIMD_H
#define WC_RS_SIMD_H

#include "../gf16.h"
#include "../wc_internal.h"
#include "rs_kernels.h"

/* RS_W elements: low bytes, high bytes. */
typedef struct {
    RS_V lo, hi;
} rs_pair;

/* Every pair offset of a buffer of `bytes` bytes (a multiple of 64). One
 * loop where a pair is a block: a nested loop, even of one iteration, made
 * the compiler move loads out of it and spill registers. */
#if RS_W == 32
#define RS_FOR_PAIRS(o, bytes) for (size_t o = 0; o < (bytes); o += 64)
#else
#define RS_FOR_PAIRS(o, bytes)                                                                               \
    for (size_t rs_blk_ = 0; rs_blk_ < (bytes); rs_blk_ += 64)                                               \
        for (size_t o = rs_blk_; o < rs_blk_ + 32; o += RS_W)
#endif

WC_FORCE_INLINE rs_pair pair_load(const uint8_t *p)
{
    rs_pair e;
    e.lo = RS_LOAD(p);
    e.hi = RS_LOAD(p + 32);
    return e;
}

WC_FORCE_INLINE void pair_store(uint8_t *p, rs_pair e)
{
    RS_STORE(p, e.lo);
    RS_STORE(p + 32, e.hi);
}

WC_FORCE_INLINE rs_pair pair_xor(rs_pair a, rs_pair b)
{
    a.lo = RS_XOR(a.lo, b.lo);
    a.hi = RS_XOR(a.hi, b.hi);
    return a;
}

WC_FORCE_INLINE rs_pair pair_mul(const RS_TABLES *t, rs_pair a)
{
    rs_pair p;
    RS_MUL(t, a.lo, a.hi, &p.lo, &p.hi);
    return p;
}

WC_FORCE_INLINE rs_pair pair_mul_lut(const uint8_t *lut, rs_pair a)
{
    rs_pair p;
    RS_MUL_LUT(lut, a.lo, a.hi, &p.lo, &p.hi);
    return p;
}

/* The butterflies on registers; a NULL table is the zero multiplier. */
WC_FORCE_INLINE void fft_bf(const RS_TABLES *t, rs_pair *x, rs_pair *y)
{
    if (t) *x = pair_xor(*x, pair_mul(t, *y)); /* x ^= y * m */
    *y = pair_xor(*y, *x);                     /* y ^= x */
}

WC_FORCE_INLINE void ifft_bf(const RS_TABLES *t, rs_pair *x, rs_pair *y)
{
    *y = pair_xor(*y, *x);                     /* y ^= x */
    if (t) *x = pair_xor(*x, pair_mul(t, *y)); /* x ^= y * m */
}

static void RS_FN(fft_butterfly)(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes)
{
    const RS_TABLES t = RS_LOAD_TABLES(wc_gf16_mul_lut(log_m));
    RS_FOR_PAIRS(o, bytes)
    {
        rs_pair a = pair_load(x + o), b = pair_load(y + o);
        fft_bf(&t, &a, &b);
        pair_store(x + o, a);
        pair_store(y + o, b);
    }
}

static void RS_FN(ifft_butterfly)(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes)
{
    const RS_TABLES t = RS_LOAD_TABLES(wc_gf16_mul_lut(log_m));
    RS_FOR_PAIRS(o, bytes)
    {
        rs_pair a = pair_load(x + o), b = pair_load(y + o);
        ifft_bf(&t, &a, &b);
        pair_store(y + o, b);
        pair_store(x + o, a);
    }
}

static void RS_FN(mul)(uint8_t *x, uint16_t log_m, size_t bytes)
{
    const RS_TABLES t = RS_LOAD_TABLES(wc_gf16_mul_lut(log_m));
    RS_FOR_PAIRS(o, bytes) pair_store(x + o, pair_mul(&t, pair_load(x + o)));
}

static void RS_FN(mul_from)(uint8_t *dst, const uint8_t *src, uint16_t log_m, size_t bytes)
{
    const RS_TABLES t = RS_LOAD_TABLES(wc_gf16_mul_lut(log_m));
    RS_FOR_PAIRS(o, bytes) pair_store(dst + o, pair_mul(&t, pair_load(src + o)));
}

/* Two blocks per iteration: XOR is bound by loads and stores, and the
 * independent vectors keep both load ports busy. */
static void RS_FN(xor_into)(uint8_t *dst, const uint8_t *src, size_t bytes)
{
    size_t i = 0;
    for (; i + 128 <= bytes; i += 128) {
        RS_V a[128 / RS_W];
        for (size_t j = 0; j < 128 / RS_W; j++)
            a[j] = RS_XOR(RS_LOAD(dst + i + j * RS_W), RS_LOAD(src + i + j * RS_W));
        for (size_t j = 0; j < 128 / RS_W; j++) RS_STORE(dst + i + j * RS_W, a[j]);
    }
    for (; i < bytes; i += RS_W) RS_STORE(dst + i, RS_XOR(RS_LOAD(dst + i), RS_LOAD(src + i)));
}

static void RS_FN(xor_sum)(uint8_t *dst, const uint8_t *const *src, size_t n, size_t bytes)
{
    for (size_t i = 0; i < bytes; i += 64) {
        RS_V a[64 / RS_W];
        for (size_t j = 0; j < 64 / RS_W; j++) a[j] = RS_LOAD(dst + i + j * RS_W);
        for (size_t s = 0; s < n; s++)
            for (size_t j = 0; j < 64 / RS_W; j++) a[j] = RS_XOR(a[j], RS_LOAD(src[s] + i + j * RS_W));
        for (size_t j = 0; j < 64 / RS_W; j++) RS_STORE(dst + i + j * RS_W, a[j]);
    }
}

static void RS_FN(ifft_butterfly_acc)(const uint8_t *x, const uint8_t *y, uint8_t *ax, uint8_t *ay,
                                      uint16_t log_m, size_t bytes)
{
    const RS_TABLES t = RS_LOAD_TABLES(wc_gf16_mul_lut(log_m));
    RS_FOR_PAIRS(o, bytes)
    {
        rs_pair a = pair_load(x + o), b = pair_load(y + o);
        ifft_bf(&t, &a, &b);
        pair_store(ay + o, pair_xor(pair_load(ay + o), b));
        pair_store(ax + o, pair_xor(pair_load(ax + o), a));
    }
}

#if RS_FUSED

/* Fused radix-4 steps (rs_kernels.h: fft4/ifft4). Each quad pair is loaded
 * once and stored once for two layers. The forward and inverse functions
 * mirror each other's shape on purpose: they are different butterfly orders,
 * each written once. */

/* The quad's slices, read out of the caller's pointer arrays once: a byte
 * store may alias them, so the compiler would reload them every block. */
typedef struct {
    uint8_t *d[4];
    const uint8_t *s[4];
} rs_quad;

WC_FORCE_INLINE rs_quad quad_of(uint8_t *const *dst, const uint8_t *const *src)
{
    rs_quad q;
    for (int i = 0; i < 4; i++) {
        q.d[i] = dst[i];
        q.s[i] = src[i];
    }
    return q;
}

/* The butterflies on a quad held in four locals (an array of them made the
 * compiler keep the quad on the stack). */
#define QUAD_LOAD(p, o)                                                                                      \
    rs_pair a = pair_load((p).s[0] + (o)), b = pair_load((p).s[1] + (o));                                    \
    rs_pair c = pair_load((p).s[2] + (o)), d = pair_load((p).s[3] + (o))
#define QUAD_STORE(p, o)                                                                                     \
    do {                                                                                                     \
        pair_store((p).d[0] + (o), a);                                                                       \
        pair_store((p).d[1] + (o), b);                                                                       \
        pair_store((p).d[2] + (o), c);                                                                       \
        pair_store((p).d[3] + (o), d);                                                                       \
    } while (0)

/* The common case, every twiddle a real multiplier: no branches in the loop,
 * the three multipliers' tables read from their (L1-resident) LUTs. */
static void RS_FN(fft4_full)(uint8_t *const *dst, const uint8_t *const *src, const uint8_t *l1,
                             const uint8_t *l2, const uint8_t *l3, size_t bytes)
{
    const rs_quad p = quad_of(dst, src);
    RS_FOR_PAIRS(o, bytes)
    {
        QUAD_LOAD(p, o);
        a = pair_xor(a, pair_mul_lut(l1, c));
        c = pair_xor(c, a);
        b = pair_xor(b, pair_mul_lut(l1, d));
        d = pair_xor(d, b);
        a = pair_xor(a, pair_mul_lut(l2, b));
        b = pair_xor(b, a);
        c = pair_xor(c, pair_mul_lut(l3, d));
        d = pair_xor(d, c);
        QUAD_STORE(p, o);
    }
}

static void RS_FN(ifft4_full)(uint8_t *const *dst, const uint8_t *const *src, const uint8_t *l1,
                              const uint8_t *l2, const uint8_t *l3, size_t bytes)
{
    const rs_quad p = quad_of(dst, src);
    RS_FOR_PAIRS(o, bytes)
    {
        QUAD_LOAD(p, o);
        b = pair_xor(b, a);
        a = pair_xor(a, pair_mul_lut(l1, b));
        d = pair_xor(d, c);
        c = pair_xor(c, pair_mul_lut(l2, d));
        c = pair_xor(c, a);
        a = pair_xor(a, pair_mul_lut(l3, c));
        d = pair_xor(d, b);
        b = pair_xor(b, pair_mul_lut(l3, d));
        QUAD_STORE(p, o);
    }
}

/* A twiddle's tables: NULL for the zero multiplier (or a skipped butterfly,
 * which the caller tests separately). */
WC_FORCE_INLINE const RS_TABLES *twiddle(RS_TABLES *t, uint32_t g)
{
    if (g >= WC_RS_TW_ZERO) return NULL;
    *t = RS_LOAD_TABLES(wc_gf16_mul_lut((uint16_t)g));
    return t;
}

/* The general steps: any twiddle may be ZERO (a plain XOR) or, where the
 * contract allows, SKIP. Rare (the edges of truncated transforms). */
static void RS_FN(fft4_general)(uint8_t *const *dst, const uint8_t *const *src, uint32_t g1, uint32_t g2,
                                uint32_t g3, size_t bytes)
{
    RS_TABLES s1, s2, s3;
    const RS_TABLES *t1 = twiddle(&s1, g1), *t2 = twiddle(&s2, g2), *t3 = twiddle(&s3, g3);
    int do2 = g2 != WC_RS_TW_SKIP, do3 = g3 != WC_RS_TW_SKIP;
    const rs_quad p = quad_of(dst, src);
    RS_FOR_PAIRS(o, bytes)
    {
        QUAD_LOAD(p, o);
        fft_bf(t1, &a, &c);
        fft_bf(t1, &b, &d);
        if (do2) fft_bf(t2, &a, &b);
        if (do3) fft_bf(t3, &c, &d);
        QUAD_STORE(p, o);
    }
}

static void RS_FN(ifft4_general)(uint8_t *const *dst, const uint8_t *const *src, uint32_t g1, uint32_t g2,
                                 uint32_t g3, size_t bytes)
{
    RS_TABLES s1, s2, s3;
    const RS_TABLES *t1 = twiddle(&s1, g1), *t2 = twiddle(&s2, g2), *t3 = twiddle(&s3, g3);
    int do1 = g1 != WC_RS_TW_SKIP, do2 = g2 != WC_RS_TW_SKIP;
    const rs_quad p = quad_of(dst, src);
    RS_FOR_PAIRS(o, bytes)
    {
        QUAD_LOAD(p, o);
        if (do1) ifft_bf(t1, &a, &b);
        if (do2) ifft_bf(t2, &c, &d);
        ifft_bf(t3, &a, &c);
        ifft_bf(t3, &b, &d);
        QUAD_STORE(p, o);
    }
}

WC_INLINE int all_real(uint32_t g1, uint32_t g2, uint32_t g3)
{
    return g1 < WC_RS_TW_ZERO && g2 < WC_RS_TW_ZERO && g3 < WC_RS_TW_ZERO;
}

static void RS_FN(fft4)(uint8_t *const *dst, const uint8_t *const *src, uint32_t g1, uint32_t g2, uint32_t g3,
                        size_t bytes)
{
    if (all_real(g1, g2, g3))
        RS_FN(fft4_full)(dst, src, wc_gf16_mul_lut((uint16_t)g1), wc_gf16_mul_lut((uint16_t)g2),
                         wc_gf16_mul_lut((uint16_t)g3), bytes);
    else
        RS_FN(fft4_general)(dst, src, g1, g2, g3, bytes);
}

static void RS_FN(ifft4)(uint8_t *const *dst, const uint8_t *const *src, uint32_t g1, uint32_t g2,
                         uint32_t g3, size_t bytes)
{
    if (all_real(g1, g2, g3))
        RS_FN(ifft4_full)(dst, src, wc_gf16_mul_lut((uint16_t)g1), wc_gf16_mul_lut((uint16_t)g2),
                          wc_gf16_mul_lut((uint16_t)g3), bytes);
    else
        RS_FN(ifft4_general)(dst, src, g1, g2, g3, bytes);
}

#define RS_FUSED_STEPS RS_FN(fft4), RS_FN(ifft4)
#else
#define RS_FUSED_STEPS NULL, NULL
#endif /* RS_FUSED */

#define RS_KERNEL_TABLE                                                                                      \
    {                                                                                                        \
        RS_FN(fft_butterfly), RS_FN(ifft_butterfly), RS_FN(mul),      RS_FN(xor_into),                       \
        RS_FUSED_STEPS,       RS_FN(xor_sum),        RS_FN(mul_from), RS_FN(ifft_butterfly_acc),             \
    }

#endif
