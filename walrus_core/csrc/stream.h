/* RS2 metadata beyond the in-memory encoder (blob.h): exact shortcuts for
 * small blobs, and the bounded-memory encoder for blobs of any size.
 *
 * Small blobs: at large n a small blob is mostly zero padding. Every
 * all-zero symbol has the same leaf hash, every aligned block of 2^h such
 * leaves the same subtree root Z_h, and with 2-byte symbols every leaf hash
 * is one of 65 536 (a table). wc_stream_small_metadata uses all three; its
 * bytes are those of wc_blob_encode.
 *
 * Bounded memory: Reed-Solomon over GF(2^16) is lane-wise, and the crate's
 * symbol layout (64-byte blocks, format §3.2) maps a byte range of whole
 * blocks (or the final short block) of every symbol to a code of the same
 * kind. So the expanded matrix is produced one byte band at a time (bands of
 * w bytes, w a multiple of 128, the last one shorter), and each of the n^2
 * leaf hashes carries its Blake2b state across bands: the state after band
 * [0, b) has compressed exactly b virtual bytes (the 0x00 prefix and bytes
 * 0..b-2) and keeps byte b-1 pending. Memory: the band of the message
 * (p*s*w bytes, the row parity written over it once the systematic columns
 * are done), n^2 states (65 bytes each), n^2 leaf hashes at the end, and
 * per-thread work buffers; see wc_stream_memory. */
#ifndef WC_STREAM_H
#define WC_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"
#include "wc_status.h"

/* Where the blob's bytes come from: `data` (length bytes) when not NULL,
 * else the file descriptor `fd` read with pread at offsets 0..length-1. A
 * short read (the file shrank) fails with WC_ERR_SIZE. */
struct wc_stream_source {
    const uint8_t *data;
    int fd;
    uint64_t length;
};

/* Called between bands with the message bytes done and the total; a
 * non-zero return stops the encoder (WC_ERR_ARG is then returned). */
typedef int (*wc_stream_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* Leaf hashes of every 2-byte symbol: out + 32*v = H(0x00 || v as LE16);
 * out_len must be 65 536 * 32 (WC_ERR_SIZE otherwise). */
enum wc_status wc_stream_leaf_table(const struct wc_kernels *kern, uint8_t *out, size_t out_len);

/* Metadata of an in-memory blob on the caller's thread, with the exact
 * shortcuts above. leaf_table: the table above, or NULL. Memory: about
 * n*n*(S + 64) bytes. row_roots, col_roots: roots_len = n*32 bytes each
 * (as wc_blob_encode); blob_id: blob_id_len = 32. Other lengths:
 * WC_ERR_SIZE. */
enum wc_status wc_stream_small_metadata(const struct wc_kernels *kern, size_t n, const uint8_t *data,
                                        uint64_t length, const uint8_t *leaf_table, uint8_t *row_roots,
                                        uint8_t *col_roots, size_t roots_len, uint8_t *blob_id,
                                        size_t blob_id_len);

/* Peak bytes the banded encoder allocates for band width w (0 when w is not
 * a valid band width for this blob: a multiple of 128, or >= S), with leaf
 * hashing (metadata) or without (slivers only; their buffers not counted). */
uint64_t wc_stream_memory(size_t n, uint64_t length, size_t w, unsigned threads, int hashing);

/* A band that fits in `budget` bytes with the fewest passes over the source
 * (S when one band fits; else the narrowest band with as few passes as the
 * widest that fits), or 0 when even the narrowest does not. */
size_t wc_stream_band_for_budget(size_t n, uint64_t length, uint64_t budget, unsigned threads, int hashing);

/* Metadata from a source in bands of w bytes (wc_stream_band_for_budget).
 * threads: 0 = all CPUs. Outputs (and their lengths) as
 * wc_stream_small_metadata. */
enum wc_status wc_stream_metadata(const struct wc_kernels *kern, size_t n, const struct wc_stream_source *src,
                                  size_t w, unsigned threads, wc_stream_progress_fn progress,
                                  void *progress_ctx, uint8_t *row_roots, uint8_t *col_roots,
                                  size_t roots_len, uint8_t *blob_id, size_t blob_id_len);

/* The same pass producing chosen slivers as well (or only): primary[i]
 * (primary_len = s*S bytes) receives primary sliver i where primary[i] !=
 * NULL, and secondary[j] (secondary_len = p*S bytes) secondary sliver j;
 * either array may be NULL, else it has n entries (other lengths:
 * WC_ERR_SIZE).
 * Or, with out_fd >= 0 (then primary and secondary are ignored), every
 * sliver is written to that file as its bands are produced: primary sliver
 * i at i*s*S, secondary sliver j at n*s*S + j*p*S (a write that fails:
 * WC_ERR_SIZE).
 * row_roots, col_roots and blob_id may all be NULL (no hashing: no leaf
 * states, about half the work), else as wc_stream_metadata. */
enum wc_status wc_stream_encode(const struct wc_kernels *kern, size_t n, const struct wc_stream_source *src,
                                size_t w, unsigned threads, wc_stream_progress_fn progress,
                                void *progress_ctx, uint8_t *const *primary, size_t primary_len,
                                uint8_t *const *secondary, size_t secondary_len, int out_fd,
                                uint8_t *row_roots, uint8_t *col_roots, size_t roots_len, uint8_t *blob_id,
                                size_t blob_id_len);

#endif
