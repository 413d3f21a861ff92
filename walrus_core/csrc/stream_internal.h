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

/* Row and column roots from the row-major n x n leaf hashes (stride
 * (n+1)*32; zleaf: the all-zero symbol's leaf hash), then the blob ID (when
 * blob_id is not NULL). */
enum wc_status wc_stream_finish_trees(const struct wc_kernels *kern, size_t n, uint64_t length,
                                      const uint8_t *lh, const uint8_t zleaf[32], uint8_t *row_roots,
                                      uint8_t *col_roots, uint8_t *blob_id);

/* The same from the n x n 2-byte symbols (row-major, rows of 2n bytes) and
 * the table of every 2-byte symbol's leaf hash (wc_stream_leaf_table). */
enum wc_status wc_stream_finish_trees_sym2(const struct wc_kernels *kern, size_t n, uint64_t length,
                                           const uint8_t *syms, const uint8_t *leaf_table, uint8_t *row_roots,
                                           uint8_t *col_roots, uint8_t *blob_id);

#endif
