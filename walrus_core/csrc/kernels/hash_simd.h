/* The multi-buffer Blake2b-256 driver, written once over a vector of LANES
 * 64-bit lanes and included by each SIMD kernel file (hash_ssse3.c,
 * hash_avx2.c, hash_neon.c) after it defines the vector operations below.
 * Portable twin: hash_portable.c (wc_blake2b256_one_portable).
 *
 * Layout: lane l of every vector belongs to message l of a group of LANES
 * messages, so state word i of all lanes is one vector v[i] and message word
 * j of all lanes is one vector m[j] (the block is transposed on load). All
 * messages of a call have the same length, so the byte counter, the final
 * flag and the block count are the same in every lane: there is no ragged
 * tail. A call's last partial group repeats its last message in the unused
 * lanes and drops their digests.
 *
 * Single-block messages (len + prefix <= 128: Merkle leaves of short
 * symbols, every 65-byte inner node) take a specialised path: the initial
 * state and counter are constants, message words past the message's end
 * are known zeros (their additions are compiled out for the common word
 * counts 1 and 9), and only the 4 output words are finalised.
 *
 * With B2B_X2 defined (AVX2), two groups run interleaved (2 x LANES
 * messages per step): one group's G function is a chain of ~16 dependent
 * operations with 2-cycle shuffles in it, so a second independent group
 * fills the vector pipes (measured +5..15 % on Zen 4 with AVX2; the 2-lane
 * SSSE3 kernel gained on 3-byte and lost on 65-byte messages, so it does
 * not use it).
 *
 * Required before inclusion:
 *   V, LANES, KFN (the function name)
 *   V_ADD(a,b) V_XOR(a,b) V_ROR32(x) V_ROR24(x) V_ROR16(x) V_ROR63(x)
 *   V_SET1(u64) V_ZERO() V_MAKE(const uint64_t w[LANES]) V_STOREU(uint64_t *, v)
 *   V_LOAD_FULL(V m[16], const uint8_t *const p[LANES], size_t off): bytes
 *     [off, off+128) of every lane as 16 transposed message words.
 * and, for KFN_PARENTS (Merkle inner nodes in the WC_B2B_TREES layout):
 *   V_LOADU(const uint64_t *) V_SHL(x, bits) V_SHR(x, bits) (64-bit lanes). */
#ifndef WC_HASH_SIMD_H
#define WC_HASH_SIMD_H

#include "hash_common.h"

#if defined(_MSC_VER)
#define WC_B2B_FORCE_INLINE static __forceinline
#else
#define WC_B2B_FORCE_INLINE static inline __attribute__((always_inline))
#endif

/* a += b + M[k], with the message addition compiled out when word k is
 * known to be zero (k >= NW). The message word goes in first: it is ready
 * long before b, which shortens the dependency chain by one addition. */
#define B2B_ADDM(M, a, b, k) a = ((k) < NW) ? V_ADD(V_ADD(a, M[(k) < 16 ? (k) : 0]), b) : V_ADD(a, b)

#define B2B_GM(M, r, i, a, b, c, d)                                                                          \
    do {                                                                                                     \
        B2B_ADDM(M, a, b, wc_b2b_sigma[r][2 * (i)]);                                                         \
        d = V_ROR32(V_XOR(d, a));                                                                            \
        c = V_ADD(c, d);                                                                                     \
        b = V_ROR24(V_XOR(b, c));                                                                            \
        B2B_ADDM(M, a, b, wc_b2b_sigma[r][2 * (i) + 1]);                                                     \
        d = V_ROR16(V_XOR(d, a));                                                                            \
        c = V_ADD(c, d);                                                                                     \
        b = V_ROR63(V_XOR(b, c));                                                                            \
    } while (0)

#define B2B_G(r, i, a, b, c, d) B2B_GM(m, r, i, a, b, c, d)

#define B2B_G1(r, i, a, b, c, d) B2B_G(r, i, v##a, v##b, v##c, v##d)

/* Two groups interleaved (state v* with words m, state w* with words n):
 * twice the independent work per step, for CPUs whose vector pipes are
 * otherwise idle waiting on the G function's dependency chain. */
#define B2B_G2(r, i, a, b, c, d)                                                                             \
    do {                                                                                                     \
        B2B_GM(m, r, i, v##a, v##b, v##c, v##d);                                                             \
        B2B_GM(n, r, i, w##a, w##b, w##c, w##d);                                                             \
    } while (0)

#define B2B_ROUNDS  WC_B2B_ROUNDS(B2B_G1)
#define B2B_ROUNDS2 WC_B2B_ROUNDS(B2B_G2)

/* One compression of LANES blocks into h (any block of a message). */
static void b2b_compress_v(V h[8], const V m[16], uint64_t t, int last)
{
    enum { NW = 16 };
    V v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
    V v8 = V_SET1(wc_b2b_iv[0]), v9 = V_SET1(wc_b2b_iv[1]), v10 = V_SET1(wc_b2b_iv[2]);
    V v11 = V_SET1(wc_b2b_iv[3]), v12 = V_SET1(wc_b2b_iv[4] ^ t), v13 = V_SET1(wc_b2b_iv[5]);
    V v14 = V_SET1(last ? ~wc_b2b_iv[6] : wc_b2b_iv[6]), v15 = V_SET1(wc_b2b_iv[7]);
    B2B_ROUNDS;
    h[0] = V_XOR(h[0], V_XOR(v0, v8));
    h[1] = V_XOR(h[1], V_XOR(v1, v9));
    h[2] = V_XOR(h[2], V_XOR(v2, v10));
    h[3] = V_XOR(h[3], V_XOR(v3, v11));
    h[4] = V_XOR(h[4], V_XOR(v4, v12));
    h[5] = V_XOR(h[5], V_XOR(v5, v13));
    h[6] = V_XOR(h[6], V_XOR(v6, v14));
    h[7] = V_XOR(h[7], V_XOR(v7, v15));
}

#if defined(B2B_X2)
/* b2b_compress_v for two groups at once: h[0..7] with words m, h[8..15]
 * with words n. */
static void b2b_compress2_v(V h[16], const V m[16], const V n[16], uint64_t t, int last)
{
    enum { NW = 16 };
    V v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
    V w0 = h[8], w1 = h[9], w2 = h[10], w3 = h[11], w4 = h[12], w5 = h[13], w6 = h[14], w7 = h[15];
    V v8 = V_SET1(wc_b2b_iv[0]), v9 = V_SET1(wc_b2b_iv[1]), v10 = V_SET1(wc_b2b_iv[2]);
    V v11 = V_SET1(wc_b2b_iv[3]), v12 = V_SET1(wc_b2b_iv[4] ^ t), v13 = V_SET1(wc_b2b_iv[5]);
    V v14 = V_SET1(last ? ~wc_b2b_iv[6] : wc_b2b_iv[6]), v15 = V_SET1(wc_b2b_iv[7]);
    V w8 = v8, w9 = v9, w10 = v10, w11 = v11, w12 = v12, w13 = v13, w14 = v14, w15 = v15;
    B2B_ROUNDS2;
    h[0] = V_XOR(h[0], V_XOR(v0, v8));
    h[1] = V_XOR(h[1], V_XOR(v1, v9));
    h[2] = V_XOR(h[2], V_XOR(v2, v10));
    h[3] = V_XOR(h[3], V_XOR(v3, v11));
    h[4] = V_XOR(h[4], V_XOR(v4, v12));
    h[5] = V_XOR(h[5], V_XOR(v5, v13));
    h[6] = V_XOR(h[6], V_XOR(v6, v14));
    h[7] = V_XOR(h[7], V_XOR(v7, v15));
    h[8] = V_XOR(h[8], V_XOR(w0, w8));
    h[9] = V_XOR(h[9], V_XOR(w1, w9));
    h[10] = V_XOR(h[10], V_XOR(w2, w10));
    h[11] = V_XOR(h[11], V_XOR(w3, w11));
    h[12] = V_XOR(h[12], V_XOR(w4, w12));
    h[13] = V_XOR(h[13], V_XOR(w5, w13));
    h[14] = V_XOR(h[14], V_XOR(w6, w14));
    h[15] = V_XOR(h[15], V_XOR(w7, w15));
}
#endif

/* The whole hash of a single-block message (L = t <= 128 bytes): the
 * parameter-block state is the starting point, the block is the last one,
 * and only the four digest words are produced. Words m[NW..15] are zero. */
WC_B2B_FORCE_INLINE void b2b_single_v(const V *m, uint64_t t, V out[4], const int NW)
{
    const V h0 = V_SET1(wc_b2b_iv[0] ^ WC_B2B256_PARAM0), h1 = V_SET1(wc_b2b_iv[1]);
    const V h2 = V_SET1(wc_b2b_iv[2]), h3 = V_SET1(wc_b2b_iv[3]);
    V v0 = h0, v1 = h1, v2 = h2, v3 = h3;
    V v4 = V_SET1(wc_b2b_iv[4]), v5 = V_SET1(wc_b2b_iv[5]), v6 = V_SET1(wc_b2b_iv[6]);
    V v7 = V_SET1(wc_b2b_iv[7]);
    V v8 = V_SET1(wc_b2b_iv[0]), v9 = V_SET1(wc_b2b_iv[1]), v10 = V_SET1(wc_b2b_iv[2]);
    V v11 = V_SET1(wc_b2b_iv[3]), v12 = V_SET1(wc_b2b_iv[4] ^ t), v13 = V_SET1(wc_b2b_iv[5]);
    V v14 = V_SET1(~wc_b2b_iv[6]), v15 = V_SET1(wc_b2b_iv[7]);
    B2B_ROUNDS;
    out[0] = V_XOR(h0, V_XOR(v0, v8));
    out[1] = V_XOR(h1, V_XOR(v1, v9));
    out[2] = V_XOR(h2, V_XOR(v2, v10));
    out[3] = V_XOR(h3, V_XOR(v3, v11));
}

#if defined(B2B_X2)
/* b2b_single_v for two groups at once (messages m and n, same length). */
WC_B2B_FORCE_INLINE void b2b_single2_v(const V *m, const V *n, uint64_t t, V out[8], const int NW)
{
    const V h0 = V_SET1(wc_b2b_iv[0] ^ WC_B2B256_PARAM0), h1 = V_SET1(wc_b2b_iv[1]);
    const V h2 = V_SET1(wc_b2b_iv[2]), h3 = V_SET1(wc_b2b_iv[3]);
    V v0 = h0, v1 = h1, v2 = h2, v3 = h3;
    V v4 = V_SET1(wc_b2b_iv[4]), v5 = V_SET1(wc_b2b_iv[5]), v6 = V_SET1(wc_b2b_iv[6]);
    V v7 = V_SET1(wc_b2b_iv[7]);
    V v8 = V_SET1(wc_b2b_iv[0]), v9 = V_SET1(wc_b2b_iv[1]), v10 = V_SET1(wc_b2b_iv[2]);
    V v11 = V_SET1(wc_b2b_iv[3]), v12 = V_SET1(wc_b2b_iv[4] ^ t), v13 = V_SET1(wc_b2b_iv[5]);
    V v14 = V_SET1(~wc_b2b_iv[6]), v15 = V_SET1(wc_b2b_iv[7]);
    V w0 = v0, w1 = v1, w2 = v2, w3 = v3, w4 = v4, w5 = v5, w6 = v6, w7 = v7;
    V w8 = v8, w9 = v9, w10 = v10, w11 = v11, w12 = v12, w13 = v13, w14 = v14, w15 = v15;
    B2B_ROUNDS2;
    out[0] = V_XOR(h0, V_XOR(v0, v8));
    out[1] = V_XOR(h1, V_XOR(v1, v9));
    out[2] = V_XOR(h2, V_XOR(v2, v10));
    out[3] = V_XOR(h3, V_XOR(v3, v11));
    out[4] = V_XOR(h0, V_XOR(w0, w8));
    out[5] = V_XOR(h1, V_XOR(w1, w9));
    out[6] = V_XOR(h2, V_XOR(w2, w10));
    out[7] = V_XOR(h3, V_XOR(w3, w11));
}

static void b2b_single2_nw1(const V *m, const V *n, uint64_t t, V out[8])
{
    b2b_single2_v(m, n, t, out, 1);
}
static void b2b_single2_nw9(const V *m, const V *n, uint64_t t, V out[8])
{
    b2b_single2_v(m, n, t, out, 9);
}
static void b2b_single2_nw16(const V *m, const V *n, uint64_t t, V out[8])
{
    b2b_single2_v(m, n, t, out, 16);
}
#endif

static void b2b_single_nw1(const V *m, uint64_t t, V out[4])
{
    b2b_single_v(m, t, out, 1);
}
static void b2b_single_nw9(const V *m, uint64_t t, V out[4])
{
    b2b_single_v(m, t, out, 9);
}
static void b2b_single_nw16(const V *m, uint64_t t, V out[4])
{
    b2b_single_v(m, t, out, 16);
}

/* Message words [0, nw) of a block that holds the end of the virtual
 * message: virtual bytes [k0, k0 + 8 nw) with k0 = 128 * block. Full words
 * are plain 8-byte loads; the last partial word is an 8-byte load ending at
 * the message's last byte (when the message has 8 bytes), so nothing past
 * msg[len - 1] is read. */
static void b2b_load_tail(V *m, const uint8_t *const p[LANES], size_t len, unsigned pf, uint64_t prefix,
                          size_t k0)
{
    const size_t L = len + pf;
    const size_t nw = (L - k0 + 7) / 8; /* words holding message bytes (L > k0 or L = 0) */
    uint64_t w[LANES];
    size_t j = 0;
    if (len >= 8) {
        if (pf && k0 == 0) {
            for (int l = 0; l < LANES; l++) w[l] = prefix | (wc_b2b_load64(p[l]) << 8);
            m[0] = V_MAKE(w);
            j = 1;
        }
        for (; j < nw && k0 + 8 * j + 8 <= L; j++) {
            for (int l = 0; l < LANES; l++) w[l] = wc_b2b_load64(p[l] + k0 + 8 * j - pf);
            m[j] = V_MAKE(w);
        }
        if (j < nw) {
            const unsigned n = (unsigned)(L - k0 - 8 * j); /* 1..7 bytes */
            for (int l = 0; l < LANES; l++) w[l] = wc_b2b_load64(p[l] + len - 8) >> (8 * (8 - n));
            m[j] = V_MAKE(w);
            j++;
        }
    } else {
        for (; j < nw; j++) {
            for (int l = 0; l < LANES; l++) w[l] = wc_b2b_word(p[l], L, pf, prefix, k0 + 8 * j);
            m[j] = V_MAKE(w);
        }
    }
    for (; j < 16; j++) m[j] = V_ZERO();
}

/* The first block of a message of more than 128 virtual bytes. */
static void b2b_load_first(V *m, const uint8_t *const p[LANES], unsigned pf, uint64_t prefix)
{
    if (pf) {
        /* the prefix byte, then msg[0 .. 127) */
        uint64_t w[LANES];
        for (int l = 0; l < LANES; l++) w[l] = prefix | (wc_b2b_load64(p[l]) << 8);
        m[0] = V_MAKE(w);
        for (int j = 1; j < 16; j++) {
            for (int l = 0; l < LANES; l++) w[l] = wc_b2b_load64(p[l] + 8 * j - 1);
            m[j] = V_MAKE(w);
        }
    } else {
        V_LOAD_FULL(m, p, 0);
    }
}

/* Writes the digests of one group: out + 32 * l for lane l. */
static void b2b_store_out(const V d[4], uint8_t *out)
{
    uint64_t tmp[4][LANES];
    for (int j = 0; j < 4; j++) V_STOREU(tmp[j], d[j]);
    for (int l = 0; l < LANES; l++)
        for (int j = 0; j < 4; j++) memcpy(out + 32 * l + 8 * j, &tmp[j][l], 8);
}

static void b2b_group(const uint8_t *const p[LANES], size_t len, unsigned pf, uint64_t prefix, uint8_t *out)
{
    const size_t L = len + pf;
    V m[16], d[4];
    if (L <= 128) {
        const size_t nw = (L + 7) / 8;
        b2b_load_tail(m, p, len, pf, prefix, 0);
        if (nw <= 1)
            b2b_single_nw1(m, L, d);
        else if (nw <= 9)
            b2b_single_nw9(m, L, d);
        else
            b2b_single_nw16(m, L, d);
    } else {
        V h[8];
        size_t k = 0; /* virtual bytes done */
        for (int i = 0; i < 8; i++) h[i] = V_SET1(wc_b2b_iv[i]);
        h[0] = V_SET1(wc_b2b_iv[0] ^ WC_B2B256_PARAM0);
        b2b_load_first(m, p, pf, prefix);
        k = 128;
        b2b_compress_v(h, m, 128, 0);
        while (L - k > 128) {
            V_LOAD_FULL(m, p, k - pf);
            k += 128;
            b2b_compress_v(h, m, k, 0);
        }
        b2b_load_tail(m, p, len, pf, prefix, k);
        b2b_compress_v(h, m, L, 1);
        for (int j = 0; j < 4; j++) d[j] = h[j];
    }
    b2b_store_out(d, out);
}

#if defined(B2B_X2)
/* Two groups side by side: messages p[0 .. LANES) and p[LANES .. 2 LANES). */
static void b2b_group2(const uint8_t *const p[2 * LANES], size_t len, unsigned pf, uint64_t prefix,
                       uint8_t *out)
{
    const size_t L = len + pf;
    const uint8_t *const *q = p + LANES;
    V m[16], n[16], d[8];
    if (L <= 128) {
        const size_t nw = (L + 7) / 8;
        b2b_load_tail(m, p, len, pf, prefix, 0);
        b2b_load_tail(n, q, len, pf, prefix, 0);
        if (nw <= 1)
            b2b_single2_nw1(m, n, L, d);
        else if (nw <= 9)
            b2b_single2_nw9(m, n, L, d);
        else
            b2b_single2_nw16(m, n, L, d);
    } else {
        V h[16];
        size_t k;
        for (int i = 0; i < 8; i++) h[i] = h[8 + i] = V_SET1(wc_b2b_iv[i]);
        h[0] = h[8] = V_SET1(wc_b2b_iv[0] ^ WC_B2B256_PARAM0);
        b2b_load_first(m, p, pf, prefix);
        b2b_load_first(n, q, pf, prefix);
        k = 128;
        b2b_compress2_v(h, m, n, 128, 0);
        while (L - k > 128) {
            V_LOAD_FULL(m, p, k - pf);
            V_LOAD_FULL(n, q, k - pf);
            k += 128;
            b2b_compress2_v(h, m, n, k, 0);
        }
        b2b_load_tail(m, p, len, pf, prefix, k);
        b2b_load_tail(n, q, len, pf, prefix, k);
        b2b_compress2_v(h, m, n, L, 1);
        for (int j = 0; j < 4; j++) {
            d[j] = h[j];
            d[4 + j] = h[8 + j];
        }
    }
    b2b_store_out(d, out);
    b2b_store_out(d + 4, out + 32 * LANES);
}
#endif

#if defined(KFN)
void KFN(const uint8_t *const *msgs, size_t len, size_t count, int prefix, uint8_t *out)
{
    const unsigned pf = (prefix >= 0 && prefix <= 255) ? 1u : 0u;
    const uint64_t pv = pf ? (uint64_t)prefix : 0;
    size_t i = 0;
#if defined(B2B_X2)
    for (; i + 2 * LANES <= count; i += 2 * LANES) b2b_group2(msgs + i, len, pf, pv, out + 32 * i);
#endif
    for (; i + LANES <= count; i += LANES) b2b_group(msgs + i, len, pf, pv, out + 32 * i);
    if (count - i == 1) {
        wc_blake2b256_one_portable(msgs[i], len, prefix, out + 32 * i);
    } else if (i < count) {
        const uint8_t *p[LANES];
        uint8_t tmp[32 * LANES];
        for (size_t l = 0; l < LANES; l++) p[l] = msgs[i + l < count ? i + l : count - 1];
        b2b_group(p, len, pf, pv, tmp);
        memcpy(out + 32 * i, tmp, 32 * (count - i));
    }
}
#endif

#if defined(KFN_ADVANCE)
/* Carried states (stream.c): advance `count` messages by `nblocks` non-final
 * blocks each. Message i's state is h[i] (8 words, read and written), the
 * byte counter before the call is t_before for all, and its next virtual
 * bytes are pend[i] followed by data[i][0 .. 128 nblocks - 1); data[i][-1]
 * must be readable (it is loaded, then replaced by pend[i]). */
static void b2b_adv_state(V h[8], uint64_t *const hp[LANES], int store)
{
    uint64_t w[8][LANES];
    if (store) {
        for (int i = 0; i < 8; i++) V_STOREU(w[i], h[i]);
        for (int l = 0; l < LANES; l++)
            for (int i = 0; i < 8; i++) hp[l][i] = w[i][l];
        return;
    }
    for (int i = 0; i < 8; i++) {
        for (int l = 0; l < LANES; l++) w[i][l] = hp[l][i];
        h[i] = V_MAKE(w[i]);
    }
}

/* Lanes [0, LANES) of a group: states, data pointers minus one, and the
 * first message word (the pending byte, then data[0 .. 7)). */
static void b2b_adv_gather(uint64_t *const *h, const uint8_t *pend, const uint8_t *const *data, size_t count,
                           size_t i, uint64_t *hp[LANES], const uint8_t *q[LANES], uint64_t w0[LANES])
{
    for (size_t l = 0; l < LANES; l++) {
        size_t j = i + l < count ? i + l : count - 1; /* spare lanes repeat the last message */
        hp[l] = h[j];
        q[l] = data[j] - 1;
        w0[l] = (uint64_t)pend[j] | (wc_b2b_load64(data[j]) << 8);
    }
}

void KFN_ADVANCE(uint64_t *const *h, const uint8_t *pend, const uint8_t *const *data, size_t count,
                 size_t nblocks, uint64_t t_before)
{
    if (nblocks == 0) return;
    size_t i = 0;
#if defined(B2B_X2)
    for (; i + LANES < count; i += 2 * LANES) {
        uint64_t *hp[2 * LANES];
        const uint8_t *q[2 * LANES];
        uint64_t w0[2 * LANES];
        b2b_adv_gather(h, pend, data, count, i, hp, q, w0);
        b2b_adv_gather(h, pend, data, count, i + LANES, hp + LANES, q + LANES, w0 + LANES);
        V hv[16], m[16], n[16];
        b2b_adv_state(hv, hp, 0);
        b2b_adv_state(hv + 8, hp + LANES, 0);
        for (size_t k = 0; k < nblocks; k++) {
            V_LOAD_FULL(m, q, 128 * k);
            V_LOAD_FULL(n, q + LANES, 128 * k);
            if (k == 0) {
                m[0] = V_MAKE(w0);
                n[0] = V_MAKE(w0 + LANES);
            }
            b2b_compress2_v(hv, m, n, t_before + 128 * (k + 1), 0);
        }
        b2b_adv_state(hv, hp, 1);
        b2b_adv_state(hv + 8, hp + LANES, 1);
    }
#endif
    for (; i < count; i += LANES) {
        uint64_t *hp[LANES];
        const uint8_t *q[LANES];
        uint64_t w0[LANES];
        b2b_adv_gather(h, pend, data, count, i, hp, q, w0);
        V hv[8], m[16];
        b2b_adv_state(hv, hp, 0);
        for (size_t k = 0; k < nblocks; k++) {
            V_LOAD_FULL(m, q, 128 * k);
            if (k == 0) m[0] = V_MAKE(w0);
            b2b_compress_v(hv, m, t_before + 128 * (k + 1), 0);
        }
        b2b_adv_state(hv, hp, 1);
    }
}
#endif

#if defined(KFN_PARENTS)
/* The 65-byte message 0x01 || a || b of Merkle inner nodes, lanes
 * [LANES g, LANES (g+1)) of two nodes in the WC_B2B_TREES layout: the
 * prefix byte shifts every digest word by one byte, so message word j is
 * the top byte of word j-1 over the low 7 bytes of word j (disjoint bits:
 * xor is or). Words 9..15 are zero. */
WC_B2B_FORCE_INLINE void b2b_inner_words(V m[16], const uint64_t *a, const uint64_t *b, int g)
{
    V x[8];
    for (int w = 0; w < 4; w++) {
        x[w] = V_LOADU(a + WC_B2B_TREES * w + LANES * g);
        x[4 + w] = V_LOADU(b + WC_B2B_TREES * w + LANES * g);
    }
    m[0] = V_XOR(V_SET1(1), V_SHL(x[0], 8));
    for (int j = 1; j < 8; j++) m[j] = V_XOR(V_SHR(x[j - 1], 56), V_SHL(x[j], 8));
    m[8] = V_SHR(x[7], 56);
    for (int j = 9; j < 16; j++) m[j] = V_ZERO();
}

WC_B2B_FORCE_INLINE void b2b_inner_store(const V d[4], uint64_t *out, int g)
{
    for (int w = 0; w < 4; w++) V_STOREU(out + WC_B2B_TREES * w + LANES * g, d[w]);
}

/* Unit u of a call: lanes [LANES g, LANES (g+1)) of parent i, u = i G + g
 * with G = WC_B2B_TREES / LANES groups per node. */
WC_B2B_FORCE_INLINE void b2b_unit(size_t u, const uint64_t *children, uint64_t *parents, const uint64_t **a,
                                  const uint64_t **b, uint64_t **out, int *g)
{
    const size_t G = WC_B2B_TREES / LANES, i = u / G;
    *a = children + 2 * WC_B2B_NODE_WORDS * i;
    *b = *a + WC_B2B_NODE_WORDS;
    *out = parents + WC_B2B_NODE_WORDS * i;
    *g = (int)(u % G);
}

void KFN_PARENTS(const uint64_t *children, size_t count, uint64_t *parents)
{
    /* A unit reads and writes only its own lanes, and parent i (i <= 2i) is
     * written after the children of every parent up to it are read, so in
     * place is safe. */
    const size_t units = count * (WC_B2B_TREES / LANES);
    const uint64_t *a, *b;
    uint64_t *out;
    int g;
    size_t u = 0;
#if defined(B2B_X2)
    for (; u + 2 <= units; u += 2) {
        const uint64_t *a2, *b2;
        uint64_t *out2;
        int g2;
        V m[16], n[16], d[8];
        b2b_unit(u, children, parents, &a, &b, &out, &g);
        b2b_unit(u + 1, children, parents, &a2, &b2, &out2, &g2);
        b2b_inner_words(m, a, b, g);
        b2b_inner_words(n, a2, b2, g2);
        b2b_single2_nw9(m, n, 65, d);
        b2b_inner_store(d, out, g);
        b2b_inner_store(d + 4, out2, g2);
    }
#endif
    for (; u < units; u++) {
        V m[16], d[4];
        b2b_unit(u, children, parents, &a, &b, &out, &g);
        b2b_inner_words(m, a, b, g);
        b2b_single_nw9(m, 65, d);
        b2b_inner_store(d, out, g);
    }
}
#endif

#endif
