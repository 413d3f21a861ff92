/* Blake2b-256 (digest length 32 in the parameter block; format §4).
 * Owned by the hashing module. */
#ifndef WC_BLAKE2B_H
#define WC_BLAKE2B_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"

/* Streaming state for one message (portable). */
typedef struct {
    uint64_t h[8];
    uint64_t t[2];
    uint8_t buf[128];
    size_t buflen;
} wc_blake2b_state;

/* Streaming: init, any number of updates (data may be NULL when len is 0),
 * final writes 32 bytes. The state holds no pointers; copy it freely. */
void wc_blake2b256_init(wc_blake2b_state *s);
void wc_blake2b256_update(wc_blake2b_state *s, const uint8_t *data, size_t len);
void wc_blake2b256_final(wc_blake2b_state *s, uint8_t out[32]);

/* One message (portable kernel; data may be NULL when len is 0). */
void wc_blake2b256(const uint8_t *data, size_t len, uint8_t out[32]);

/* Many equal-length messages with the given backend's multi-buffer kernel
 * (kern NULL: the portable one): out + 32*i = H(P || msgs[i][0 .. len)) for
 * i < count, where P is the byte `prefix` when 0 <= prefix <= 255 and empty
 * otherwise (pass -1); see hash_kernels.h. Does nothing when count is 0 or
 * msgs/out is NULL. Thread-safe; no allocation. */
void wc_blake2b256_many(const struct wc_kernels *kern, const uint8_t *const *msgs, size_t len, size_t count,
                        int prefix, uint8_t *out);

/* Strided form: message i is base + i*stride (len bytes; stride may be
 * anything, including 0 or less than len). Same digests and prefix rule
 * as wc_blake2b256_many; pointers are built in small chunks on the stack.
 * Does nothing when count is 0 or base/out is NULL. */
void wc_blake2b256_many_strided(const struct wc_kernels *kern, const uint8_t *base, size_t stride, size_t len,
                                size_t count, int prefix, uint8_t *out);

#endif
