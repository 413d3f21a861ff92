/* What the files of the 2-D code share: work-unit sizes, thread counts and
 * the packing of symbols into RS shards. blob_encode.c is the encoder,
 * blob_decode.c the decoder, blob_lines.c the per-line work (sliver
 * verification, recovery), blob_layout.c the layout and the packing. */
#ifndef WC_BLOB_INTERNAL_H
#define WC_BLOB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "parallel.h"
#include "wc_internal.h"

/* Work per RS call: about this many bytes of codeword data. */
#define WC_BLOB_CHUNK_BYTES (1u << 20)

WC_INLINE size_t clampz(size_t v, size_t lo, size_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Symbols in one sliver of `axis`: s (primary) or p (secondary). */
WC_INLINE size_t wc_blob_sliver_symbols(const struct wc_blob_layout *L, int axis)
{
    return axis == WC_BLOB_PRIMARY ? L->s : L->p;
}

/* The first `need` distinct positions among (positions[i], items[i]),
 * i < count: by_pos (n entries, zeroed by the caller) gets items[i] at
 * positions[i]; later duplicates are ignored. WC_ERR_INDEX for a position
 * >= n, WC_ERR_ARG for a NULL item, WC_ERR_TOO_FEW when fewer than need. */
enum wc_status wc_blob_pick(size_t n, size_t need, size_t count, const size_t *positions,
                            const uint8_t *const *items, const uint8_t **by_pos);

/* Many symbols go into one packed RS shard (the code is lane-wise). When S is
 * large, every symbol gets its own whole 64-byte blocks ("aligned" packing):
 * then the crate layout of the symbol's full blocks already IS the packed
 * layout (low bytes, then high bytes, 32 elements per block) and only the
 * short tail block (t = S mod 64 bytes, split at t/2) is spread to lanes
 * 0..t/2-1 of one block: a few memcpys instead of an element shuffle. The
 * padding lanes cost RS work, so small symbols use the dense wc_rs_pack. */
size_t wc_blob_pk_bytes(size_t count, size_t S);
/* count symbols of S bytes, symbol j at src + j*stride, into one packed
 * shard of wc_blob_pk_bytes(count, S) bytes; and back. */
void wc_blob_pk_pack(const uint8_t *src, size_t stride, size_t count, size_t S, uint8_t *dst);
void wc_blob_pk_unpack(const uint8_t *src, size_t count, size_t S, uint8_t *dst, size_t stride);

#endif
