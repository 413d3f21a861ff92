/* RedStuff in two dimensions (Walrus RS2, format §1, §2, §4-§7): the 2-D
 * encoder (metadata only, or metadata plus every sliver), the decoder from
 * primary or from secondary slivers, and the per-line helpers that sliver
 * verification, recovery symbols and inconsistency proofs are built from.
 *
 * Terms (format §2): n shards, f = (n-1)/3, p = n-2f rows, s = n-f columns,
 * S bytes per symbol. X is the n x n expanded matrix. Primary sliver i =
 * X[i][0..s-1] (a "row" line, extended by the secondary code k=s, r=f);
 * secondary sliver j = X[0..p-1][j] (a "column" line, extended by the
 * primary code k=p, r=2f).
 *
 * Every entry point takes the kernel table to use (take wc_kernels_active()
 * once per call) and, where it can use threads, how many (>= 1: 1 runs on
 * the caller's thread; at most WC_MAX_THREADS and one per unit of work are
 * started; 0 is WC_ERR_ARG). Every output buffer comes with its length,
 * checked against what the call writes (WC_ERR_SIZE). All entry points are
 * thread-safe and keep no state between calls.
 *
 * blob_encode.c encodes, blob_decode.c decodes, blob_lines.c works on single
 * lines, blob_layout.c holds the layout below. */
#ifndef WC_BLOB_H
#define WC_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"
#include "wc_status.h"

#define WC_BLOB_MAX_SYMBOL_SIZE 65534u
#define WC_BLOB_MIN_SHARDS      4u
#define WC_BLOB_MAX_SHARDS      49155u

enum wc_blob_axis {
    WC_BLOB_PRIMARY = 0,   /* row lines: primary slivers (s symbols) */
    WC_BLOB_SECONDARY = 1, /* column lines: secondary slivers (p symbols) */
};

struct wc_blob_layout {
    size_t n, f, p, s; /* shards, max faulty, rows, columns */
    size_t S;          /* symbol size in bytes (even, 2..65534) */
    uint64_t length;   /* unencoded length */
};

/* n, f, p and s for n shards into *out (S and length 0): the one place that
 * derives them. WC_ERR_COUNT when n is out of [4, 49155]. */
enum wc_status wc_blob_shape(size_t n, struct wc_blob_layout *out);
/* The same with S for a blob of `length` bytes. WC_ERR_TOO_LARGE when S
 * would exceed 65534. */
enum wc_status wc_blob_layout_init(size_t n, uint64_t length, struct wc_blob_layout *out);

/* Encode a blob. data: `length` bytes (may be NULL when length is 0), read
 * only, never copied as a whole (the last partial row is copied zero-padded).
 * Outputs (each may be NULL):
 *   row_roots  n*32: primary_hash of pair i (root over expanded row i);
 *   col_roots  n*32: root over expanded COLUMN c at c*32 (pair i's
 *              secondary_hash is column n-1-i);
 *   blob_id    32: the blob ID, by wc_merkle_blob_id over the pair leaves
 *              row_roots[i] || col_roots[n-1-i] (the very function a
 *              caller would check it with);
 *   primary    primary_len = (n-primary_row0)*s*S: primary sliver i >=
 *              primary_row0 at (i-primary_row0)*s*S. Slivers below
 *              primary_row0 (which must be <= length/(s*S), i.e. whole rows
 *              of the input) are the input's own rows, so a caller can point
 *              at them instead; 0 writes all n;
 *   secondary  secondary_len = n*p*S: secondary sliver j at j*p*S.
 * With primary == secondary == NULL only metadata is computed; memory then
 * is half the row parity (p*f*S/2 bytes: two passes over column bands when
 * it exceeds 48 MiB) plus O(n*(S + 32*G)) per thread. Output buffers may
 * be memory-mapped files; they must not overlap each other or the input. */
enum wc_status wc_blob_encode(const struct wc_kernels *kern, size_t n, const uint8_t *data, uint64_t length,
                              unsigned threads, uint8_t *row_roots, uint8_t *col_roots, uint8_t *blob_id,
                              uint8_t *primary, size_t primary_row0, size_t primary_len, uint8_t *secondary,
                              size_t secondary_len);

/* Decode the padded message matrix (out_len = p*s*S bytes, row-major: the
 * blob, then zeros, whatever the slivers hold past `length`) from `count`
 * slivers of one axis. indices[i] is
 * the sliver index (< n) of slivers[i] (s*S bytes for WC_BLOB_PRIMARY, p*S
 * for WC_BLOB_SECONDARY). Duplicated indices are ignored after the first;
 * the first p (primary) / s (secondary) distinct ones are used.
 * WC_ERR_TOO_FEW when fewer are given, WC_ERR_INDEX for an index >= n. The
 * error locator is computed once for the whole blob. */
enum wc_status wc_blob_decode(const struct wc_kernels *kern, size_t n, uint64_t length, int axis,
                              size_t count, const size_t *indices, const uint8_t *const *slivers,
                              unsigned threads, uint8_t *out, size_t out_len);

/* Expand `count` slivers of one axis (each s*S bytes for PRIMARY, p*S for
 * SECONDARY) to their full n-symbol lines and compute each line's Merkle
 * root (roots: count*32 bytes). Optional outputs (NULL to skip): expanded
 * (count*n*S bytes, line i at i*n*S) and leaf_hashes (count*n*32). */
enum wc_status wc_blob_line_roots(const struct wc_kernels *kern, size_t n, size_t S, int axis, size_t count,
                                  const uint8_t *const *slivers, unsigned threads, uint8_t *roots,
                                  size_t roots_len, uint8_t *expanded, size_t expanded_len,
                                  uint8_t *leaf_hashes, size_t leaf_hashes_len);

/* Rebuild one sliver of `axis` from recovery symbols: symbols[i] (S bytes)
 * is the line's symbol at position positions[i] (< n). PRIMARY needs s
 * distinct positions (row t from X[t][j], j = source secondary sliver),
 * SECONDARY needs p (column c from X[i][c], i = source primary sliver).
 * out: out_len = s*S or p*S bytes. Extra symbols beyond the needed count
 * are ignored. */
enum wc_status wc_blob_recover_line(const struct wc_kernels *kern, size_t n, size_t S, int axis, size_t count,
                                    const size_t *positions, const uint8_t *const *symbols, uint8_t *out,
                                    size_t out_len);

#endif
