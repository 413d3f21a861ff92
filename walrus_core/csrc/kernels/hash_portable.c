/* Blake2b-256, portable C: the oracle every SIMD hash kernel is tested
 * against. One message at a time; blake2b256_many is a plain loop. */
#include "../wc_internal.h"
#include "hash_common.h"
#include "kernels.h"

WC_INLINE uint64_t rotr64(uint64_t x, unsigned n)
{
    return (x >> n) | (x << (64 - n));
}

#define G(r, i, a, b, c, d)                                                                                  \
    do {                                                                                                     \
        a = a + b + m[wc_b2b_sigma[r][2 * (i)]];                                                             \
        d = rotr64(d ^ a, 32);                                                                               \
        c = c + d;                                                                                           \
        b = rotr64(b ^ c, 24);                                                                               \
        a = a + b + m[wc_b2b_sigma[r][2 * (i) + 1]];                                                         \
        d = rotr64(d ^ a, 16);                                                                               \
        c = c + d;                                                                                           \
        b = rotr64(b ^ c, 63);                                                                               \
    } while (0)

#define G_WORDS(r, i, a, b, c, d) G(r, i, v##a, v##b, v##c, v##d)

void wc_blake2b_compress_portable(uint64_t h[8], const uint8_t block[128], uint64_t t0, uint64_t t1, int last)
{
    uint64_t m[16];
    for (int i = 0; i < 16; i++) m[i] = wc_b2b_load64(block + 8 * i);
    uint64_t v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
    uint64_t v8 = wc_b2b_iv[0], v9 = wc_b2b_iv[1], v10 = wc_b2b_iv[2], v11 = wc_b2b_iv[3];
    uint64_t v12 = wc_b2b_iv[4] ^ t0, v13 = wc_b2b_iv[5] ^ t1;
    uint64_t v14 = last ? ~wc_b2b_iv[6] : wc_b2b_iv[6], v15 = wc_b2b_iv[7];
    WC_B2B_ROUNDS(G_WORDS);
    h[0] ^= v0 ^ v8;
    h[1] ^= v1 ^ v9;
    h[2] ^= v2 ^ v10;
    h[3] ^= v3 ^ v11;
    h[4] ^= v4 ^ v12;
    h[5] ^= v5 ^ v13;
    h[6] ^= v6 ^ v14;
    h[7] ^= v7 ^ v15;
}

void wc_blake2b256_one_portable(const uint8_t *msg, size_t len, int prefix, uint8_t out[32])
{
    const size_t p = (prefix >= 0 && prefix <= 255) ? 1 : 0;
    const size_t L = len + p;
    uint8_t block[128];
    uint64_t h[8];
    size_t done = 0; /* virtual bytes compressed so far */

    for (int i = 0; i < 8; i++) h[i] = wc_b2b_iv[i];
    h[0] ^= WC_B2B256_PARAM0;

    if (L > 128) {
        /* first block */
        if (p) {
            block[0] = (uint8_t)prefix;
            memcpy(block + 1, msg, 127);
            wc_blake2b_compress_portable(h, block, 128, 0, 0);
        } else {
            wc_blake2b_compress_portable(h, msg, 128, 0, 0);
        }
        done = 128;
        /* full middle blocks straight from the input */
        while (L - done > 128) {
            done += 128;
            wc_blake2b_compress_portable(h, msg + done - 128 - p, done, 0, 0);
        }
    }
    /* last block (also the only one when L <= 128; all zeros when L = 0) */
    memset(block, 0, sizeof block);
    if (done == 0) {
        if (p) block[0] = (uint8_t)prefix;
        if (len) memcpy(block + p, msg, len);
    } else {
        memcpy(block, msg + done - p, L - done);
    }
    wc_blake2b_compress_portable(h, block, (uint64_t)L, 0, 1);
    for (int i = 0; i < 4; i++) wc_store64_le(out + 8 * i, h[i]);
}

void wc_blake2b256_many_portable(const uint8_t *const *msgs, size_t len, size_t count, int prefix,
                                 uint8_t *out)
{
    for (size_t i = 0; i < count; i++) wc_blake2b256_one_portable(msgs[i], len, prefix, out + 32 * i);
}

/* The portable twin of KFN_ADVANCE (hash_simd.h). */
void wc_blake2b_advance_portable(uint64_t *const *h, const uint8_t *pend, const uint8_t *const *data,
                                 size_t count, size_t nblocks, uint64_t t_before)
{
    for (size_t i = 0; i < count; i++) {
        if (nblocks == 0) continue;
        uint8_t blk[128];
        blk[0] = pend[i];
        memcpy(blk + 1, data[i], 127);
        wc_blake2b_compress_portable(h[i], blk, t_before + 128, 0, 0);
        for (size_t k = 1; k < nblocks; k++)
            wc_blake2b_compress_portable(h[i], data[i] + 128 * k - 1, t_before + 128 * (k + 1), 0, 0);
    }
}

/* The portable twin of KFN_PARENTS (hash_simd.h): one tree at a time. */
void wc_merkle_parents_portable(const uint64_t *children, size_t count, uint64_t *parents)
{
    for (size_t i = 0; i < count; i++) {
        const uint64_t *a = children + 2 * WC_B2B_NODE_WORDS * i, *b = a + WC_B2B_NODE_WORDS;
        uint64_t *out = parents + WC_B2B_NODE_WORDS * i;
        for (size_t l = 0; l < WC_B2B_TREES; l++) {
            uint8_t msg[64], digest[32];
            for (size_t w = 0; w < 4; w++) {
                wc_store64_le(msg + 8 * w, a[WC_B2B_TREES * w + l]);
                wc_store64_le(msg + 32 + 8 * w, b[WC_B2B_TREES * w + l]);
            }
            wc_blake2b256_one_portable(msg, 64, 1, digest);
            for (size_t w = 0; w < 4; w++) out[WC_B2B_TREES * w + l] = wc_load64_le(digest + 8 * w);
        }
    }
}

const struct wc_hash_kernels wc_hash_kernels_portable = {
    1, wc_blake2b256_many_portable, wc_blake2b_advance_portable, wc_merkle_parents_portable};
