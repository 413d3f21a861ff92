/* Blake2b constants and the message layout shared by every hash kernel file
 * (portable and SIMD). Everything here is static, so each ISA file gets its
 * own copy compiled with its own flags. Owned by the hashing module. */
#ifndef WC_HASH_COMMON_H
#define WC_HASH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../wc_internal.h"

#define WC_B2B_BLOCK 128

static const uint64_t wc_b2b_iv[8] = {
    0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull,
    0x510e527fade682d1ull, 0x9b05688c2b3e6c1full, 0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull,
};

/* Parameter block word 0 for an unkeyed 32-byte digest: digest_length 32,
 * key_length 0, fanout 1, depth 1. */
#define WC_B2B256_PARAM0 0x01010020ull

/* Message word schedule (rounds 10 and 11 repeat rounds 0 and 1). */
static const uint8_t wc_b2b_sigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

/* One round's schedule (RFC 7693 §3.2): G on the four columns, then the
 * four diagonals, of the 4x4 state. G(r, i, a, b, c, d) is the caller's and
 * gets the state word numbers a..d (0..15). */
#define WC_B2B_ROUND(G, r)                                                                                   \
    do {                                                                                                     \
        G(r, 0, 0, 4, 8, 12);                                                                                \
        G(r, 1, 1, 5, 9, 13);                                                                                \
        G(r, 2, 2, 6, 10, 14);                                                                               \
        G(r, 3, 3, 7, 11, 15);                                                                               \
        G(r, 4, 0, 5, 10, 15);                                                                               \
        G(r, 5, 1, 6, 11, 12);                                                                               \
        G(r, 6, 2, 7, 8, 13);                                                                                \
        G(r, 7, 3, 4, 9, 14);                                                                                \
    } while (0)

/* All twelve rounds, unrolled so that every sigma lookup is a constant. */
#define WC_B2B_ROUNDS(G)                                                                                     \
    do {                                                                                                     \
        WC_B2B_ROUND(G, 0);                                                                                  \
        WC_B2B_ROUND(G, 1);                                                                                  \
        WC_B2B_ROUND(G, 2);                                                                                  \
        WC_B2B_ROUND(G, 3);                                                                                  \
        WC_B2B_ROUND(G, 4);                                                                                  \
        WC_B2B_ROUND(G, 5);                                                                                  \
        WC_B2B_ROUND(G, 6);                                                                                  \
        WC_B2B_ROUND(G, 7);                                                                                  \
        WC_B2B_ROUND(G, 8);                                                                                  \
        WC_B2B_ROUND(G, 9);                                                                                  \
        WC_B2B_ROUND(G, 10);                                                                                 \
        WC_B2B_ROUND(G, 11);                                                                                 \
    } while (0)

WC_INLINE uint64_t wc_b2b_load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8); /* every supported target is little-endian */
    return v;
}

/* n (0..8) bytes at p as a little-endian word, zero-extended; reads only
 * p[0 .. n). */
WC_INLINE uint64_t wc_b2b_load_partial(const uint8_t *p, size_t n)
{
    uint32_t lo, hi;
    if (n >= 8) return wc_b2b_load64(p);
    if (n >= 4) {
        memcpy(&lo, p, 4);
        memcpy(&hi, p + n - 4, 4);
        return (uint64_t)lo | ((uint64_t)hi << (8 * (n - 4)));
    }
    if (n == 0) return 0;
    /* 1..3 bytes: first, middle (= first or last) and last byte */
    return (uint64_t)p[0] | ((uint64_t)p[n >> 1] << (8 * (n >> 1))) | ((uint64_t)p[n - 1] << (8 * (n - 1)));
}

/* The virtual message of one lane is P || msg, with P = the prefix byte when
 * 0 <= prefix <= 255 (p = 1) and nothing otherwise (p = 0); its length is
 * L = len + p. Word j (0..15) of block b is virtual bytes
 * [128 b + 8 j, 128 b + 8 j + 8) clipped to L and zero-padded. */
WC_INLINE uint64_t wc_b2b_word(const uint8_t *msg, size_t L, unsigned p, uint64_t prefix, size_t k)
{
    /* k = virtual byte offset of the word (multiple of 8) */
    size_t n;
    if (k >= L) return 0;
    n = L - k < 8 ? L - k : 8;
    if (p && k == 0) return prefix | (wc_b2b_load_partial(msg, n - 1) << 8);
    return wc_b2b_load_partial(msg + k - p, n);
}

#endif
