/* Internal to the stream_*.c files: carried leaf states and the trees with
 * known all-zero subtrees, shared by the small-blob shortcuts and the banded
 * encoder. */
#ifndef WC_STREAM_INTERNAL_H
#define WC_STREAM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"
#include "wc_status.h"

/* The Blake2b-256 initial state (digest length 32, no key). */
void wc_stream_state_init(uint64_t h[8]);

/* Last block of a leaf: `rest` (1..128 virtual bytes), message of `total`
 * virtual bytes; the digest goes to out. */
void wc_stream_state_final(uint64_t h[8], const uint8_t *rest, size_t rest_len, uint64_t total,
                           uint8_t out[32]);

/* Row trees from the row-major n x n leaf hashes (stride (n+1)*32), then the
 * column trees over them in place, then the blob ID (when blob_id is not
 * NULL). Consumes lh. */
enum wc_status wc_stream_finish_trees(const struct wc_kernels *kern, size_t n, uint64_t length, uint8_t *lh,
                                      const uint8_t zleaf[32], uint8_t *row_roots, uint8_t *col_roots,
                                      uint8_t *blob_id);

#endif
