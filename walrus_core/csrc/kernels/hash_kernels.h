/* Blake2b-256 kernels (digest length 32 in the parameter block, no key).
 *
 * blake2b256_many hashes `count` independent messages of the same length
 * `len` (any len >= 0): out + 32*i = BLAKE2b-256(P || msgs[i][0 .. len)),
 * where P is the single byte `prefix` when 0 <= prefix <= 255 and nothing
 * when prefix < 0. The prefix is how Merkle leaves (0x00) and inner nodes
 * (0x01) are hashed without copying. Multi-buffer kernels run `lanes`
 * messages side by side (4 with AVX2, 2 with SSSE3/NEON) and finish any
 * remainder one at a time. Every backend gives identical bytes; the
 * portable kernel is the oracle. */
#ifndef WC_HASH_KERNELS_H
#define WC_HASH_KERNELS_H

#include <stddef.h>
#include <stdint.h>

struct wc_hash_kernels {
    unsigned lanes;
    void (*blake2b256_many)(const uint8_t *const *msgs, size_t len, size_t count, int prefix,
                            uint8_t *out);
};

extern const struct wc_hash_kernels wc_hash_kernels_portable;
extern const struct wc_hash_kernels wc_hash_kernels_ssse3;
extern const struct wc_hash_kernels wc_hash_kernels_avx2;
extern const struct wc_hash_kernels wc_hash_kernels_avx512;
extern const struct wc_hash_kernels wc_hash_kernels_neon;

#endif
