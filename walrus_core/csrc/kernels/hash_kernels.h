/* Blake2b-256 kernels (digest length 32 in the parameter block, no key).
 *
 * blake2b256_many hashes `count` independent messages of the same length
 * `len` (any len >= 0): out + 32*i = BLAKE2b-256(P || msgs[i][0 .. len)),
 * where P is the single byte `prefix` when 0 <= prefix <= 255 and nothing
 * when prefix < 0. The prefix is how Merkle leaves (0x00) and inner nodes
 * (0x01) are hashed without copying. Multi-buffer kernels run `lanes`
 * messages side by side (4 with AVX2, 2 with SSSE3/NEON; AVX2 interleaves
 * two such groups, so it works best on counts that are multiples of 8). A
 * remainder of one message goes through the portable code, a larger one
 * through a group whose spare lanes repeat the last message. For speed,
 * pass hundreds of messages per call. Every backend gives identical bytes; the
 * portable kernel is the oracle. A prefix outside 0..255 counts as "no
 * prefix" (callers pass -1). msgs[i] may be NULL when len == 0. A kernel
 * reads exactly msgs[i][0 .. len) and writes exactly out[0 .. 32*count). */
#ifndef WC_HASH_KERNELS_H
#define WC_HASH_KERNELS_H

#include <stddef.h>
#include <stdint.h>

struct wc_hash_kernels {
    unsigned lanes; /* messages per vector (1 for portable) */
    void (*blake2b256_many)(const uint8_t *const *msgs, size_t len, size_t count, int prefix, uint8_t *out);
    /* Carried states (the banded encoder, stream.c): advance `count`
     * messages by `nblocks` non-final blocks each. h[i]: message i's 8 state
     * words (read and written); t_before: bytes compressed before, the same
     * for all; its next virtual bytes are pend[i] then data[i][0 ..
     * 128*nblocks - 1). data[i][-1] must be readable. */
    void (*blake2b_advance)(uint64_t *const *h, const uint8_t *pend, const uint8_t *const *data, size_t count,
                            size_t nblocks, uint64_t t_before);
    /* Merkle inner nodes of WC_B2B_TREES trees side by side (the small-blob
     * and banded trees, stream_trees.c). A node of all the trees is
     * 4 * WC_B2B_TREES words: digest word w (little-endian bytes 8w..8w+7)
     * of tree l at [WC_B2B_TREES * w + l], so whole vectors load with no
     * transpose. Parent i = BLAKE2b-256(0x01 || child 2i || child 2i+1) in
     * every tree, for i < count; parents may be children (in place). */
    void (*merkle_parents)(const uint64_t *children, size_t count, uint64_t *parents);
};

/* Trees per merkle_parents call: two AVX2 groups, four SSSE3/NEON groups. */
#define WC_B2B_TREES      8
#define WC_B2B_NODE_WORDS (4 * WC_B2B_TREES)

extern const struct wc_hash_kernels wc_hash_kernels_portable;

/* The portable twins, callable directly (tests, remainders, streaming).
 * compress: one Blake2b compression of a 128-byte block into h with the
 * 128-bit byte counter (t0, t1) and the last-block flag. */
void wc_blake2b_compress_portable(uint64_t h[8], const uint8_t block[128], uint64_t t0, uint64_t t1,
                                  int last);
void wc_blake2b256_one_portable(const uint8_t *msg, size_t len, int prefix, uint8_t out[32]);
void wc_blake2b256_many_portable(const uint8_t *const *msgs, size_t len, size_t count, int prefix,
                                 uint8_t *out);
void wc_blake2b_advance_portable(uint64_t *const *h, const uint8_t *pend, const uint8_t *const *data,
                                 size_t count, size_t nblocks, uint64_t t_before);
void wc_merkle_parents_portable(const uint64_t *children, size_t count, uint64_t *parents);
/* The SIMD kernels, callable directly where compiled in (tests). */
void wc_blake2b256_many_ssse3(const uint8_t *const *msgs, size_t len, size_t count, int prefix, uint8_t *out);
void wc_blake2b256_many_avx2(const uint8_t *const *msgs, size_t len, size_t count, int prefix, uint8_t *out);
void wc_blake2b256_many_neon(const uint8_t *const *msgs, size_t len, size_t count, int prefix, uint8_t *out);
void wc_blake2b_advance_ssse3(uint64_t *const *h, const uint8_t *pend, const uint8_t *const *data,
                              size_t count, size_t nblocks, uint64_t t_before);
void wc_blake2b_advance_avx2(uint64_t *const *h, const uint8_t *pend, const uint8_t *const *data,
                             size_t count, size_t nblocks, uint64_t t_before);
void wc_blake2b_advance_neon(uint64_t *const *h, const uint8_t *pend, const uint8_t *const *data,
                             size_t count, size_t nblocks, uint64_t t_before);
void wc_merkle_parents_ssse3(const uint64_t *children, size_t count, uint64_t *parents);
void wc_merkle_parents_avx2(const uint64_t *children, size_t count, uint64_t *parents);
void wc_merkle_parents_avx512(const uint64_t *children, size_t count, uint64_t *parents);
void wc_merkle_parents_neon(const uint64_t *children, size_t count, uint64_t *parents);
extern const struct wc_hash_kernels wc_hash_kernels_ssse3;
extern const struct wc_hash_kernels wc_hash_kernels_avx2;
extern const struct wc_hash_kernels wc_hash_kernels_avx512;
extern const struct wc_hash_kernels wc_hash_kernels_neon;

#endif
