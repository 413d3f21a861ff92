/* The 1-D Reed-Solomon code of Walrus RS2 (reed-solomon-simd over GF(2^16),
 * format §3): k original shards -> r recovery shards, and back from any k.
 * rs_encode.c encodes, rs_decode.c decodes (with the error locators),
 * rs_plain.c holds the entry points in the crate's byte layout; the 2-D code
 * (blob_*.c) runs the packed-shard entry points. */
#ifndef WC_RS_H
#define WC_RS_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"
#include "wc_status.h"

/* ---- shard layout ------------------------------------------------------ */

/* Bytes of a packed shard holding n_elements field elements (multiple of 64). */
size_t wc_rs_packed_bytes(size_t n_elements);

/* Pack `count` symbols of S bytes each (S even, >= 2), symbol j at
 * src + j*src_stride, into ONE packed shard whose element j*(S/2) + e is
 * element e of symbol j under the crate's per-symbol byte layout (format §3.2:
 * 64-byte blocks, last block split at its own midpoint). The unused tail of
 * the last block is zeroed. dst has wc_rs_packed_bytes(count*S/2) bytes. */
void wc_rs_pack(const uint8_t *src, size_t src_stride, size_t count, size_t S, uint8_t *dst);
/* Inverse of wc_rs_pack. */
void wc_rs_unpack(const uint8_t *src, size_t count, size_t S, uint8_t *dst, size_t dst_stride);

/* ---- codec for packed shards (reused across stripes and threads) ------- */
/* Codecs and decoders are immutable after creation: share one between any
 * number of threads, each passing its own scratch. `kern` is the backend
 * table (wc_kernels_active()); NULL, or a backend whose RS kernels are not
 * filled in, runs the portable kernels. Every backend gives the same bytes.
 * Every call that takes scratch also takes its size and checks it
 * (WC_ERR_SIZE when short). */

typedef struct wc_rs_codec wc_rs_codec;

/* Plan the code with k originals and r recovery shards (rate choice,
 * positions). WC_ERR_COUNT when k or r is 0 or beyond the crate's limits. */
enum wc_status wc_rs_codec_new(size_t k, size_t r, wc_rs_codec **out);
void wc_rs_codec_free(wc_rs_codec *c);

/* Scratch bytes wc_rs_encode_packed needs for shards of `bytes` bytes. */
size_t wc_rs_encode_scratch_bytes(const wc_rs_codec *c, size_t bytes);
/* originals: k pointers, recovery: r pointers, each a packed shard of
 * `bytes` bytes (multiple of 64). scratch: 64-byte aligned, scratch_bytes
 * of it (at least wc_rs_encode_scratch_bytes). */
enum wc_status wc_rs_encode_packed(const wc_rs_codec *c, const struct wc_kernels *kern,
                                   const uint8_t *const *originals, uint8_t *const *recovery, size_t bytes,
                                   void *scratch, size_t scratch_bytes);

/* A decoder for one erasure pattern: the error locator is computed once and
 * reused for every stripe (the 2-D decoder: every column misses the same
 * slivers). present[i] != 0 for the positions 0..k+r-1 that are available
 * (originals 0..k-1, recovery k..k+r-1); at least k must be present. */
typedef struct wc_rs_decoder wc_rs_decoder;
enum wc_status wc_rs_decoder_new(size_t k, size_t r, const uint8_t *present, wc_rs_decoder **out);
void wc_rs_decoder_free(wc_rs_decoder *d);
size_t wc_rs_decode_scratch_bytes(const wc_rs_decoder *d, size_t bytes);
/* shards: k+r pointers, read only where present (those must be non-NULL:
 * WC_ERR_ARG). out: k pointers receiving all originals (present ones
 * copied). bytes: multiple of 64 (WC_ERR_SIZE). scratch as for encoding,
 * at least wc_rs_decode_scratch_bytes. */
enum wc_status wc_rs_decode_packed(const wc_rs_decoder *d, const struct wc_kernels *kern,
                                   const uint8_t *const *shards, uint8_t *const *out, size_t bytes,
                                   void *scratch, size_t scratch_bytes);

/* ---- plain API: shards in the crate's byte layout ---------------------- */

/* S even, >= 2. originals: k pointers of S bytes; recovery: r pointers of
 * S bytes. kern as above (the Python layer passes the backend it read once). */
enum wc_status wc_rs_encode_with(const struct wc_kernels *kern, size_t k, size_t r, size_t S,
                                 const uint8_t *const *originals, uint8_t *const *recovery);
/* shards: k+r pointers of S bytes, NULL where missing; out: k pointers of S
 * bytes. */
enum wc_status wc_rs_decode_with(const struct wc_kernels *kern, size_t k, size_t r, size_t S,
                                 const uint8_t *const *shards, uint8_t *const *out);

/* Decode crate-layout shards of S bytes (S even, >= 2) with a decoder made
 * by wc_rs_decoder_new: shards has k+r pointers, read where the decoder's
 * pattern says present (those must be non-NULL), out k pointers of S bytes.
 * The decoder is only read: many threads may share it. */
enum wc_status wc_rs_decoder_decode(const wc_rs_decoder *d, const struct wc_kernels *kern, size_t S,
                                    const uint8_t *const *shards, uint8_t *const *out);

/* The plain entry points with the caller's scratch (64-byte aligned, at
 * least the bytes the *_scratch_bytes functions give; 0 there means the
 * counts or S are invalid), for bindings that manage their own. */
size_t wc_rs_encode_plain_scratch_bytes(size_t k, size_t r, size_t S);
enum wc_status wc_rs_encode_with_scratch(const struct wc_kernels *kern, size_t k, size_t r, size_t S,
                                         const uint8_t *const *originals, uint8_t *const *recovery,
                                         void *scratch, size_t scratch_bytes);
size_t wc_rs_decoder_plain_scratch_bytes(const wc_rs_decoder *d, size_t S);
enum wc_status wc_rs_decoder_decode_with_scratch(const wc_rs_decoder *d, const struct wc_kernels *kern,
                                                 size_t S, const uint8_t *const *shards, uint8_t *const *out,
                                                 void *scratch, size_t scratch_bytes);

#endif
