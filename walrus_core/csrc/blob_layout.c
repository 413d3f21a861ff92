/* The 2-D layout (format §1, §2) and the packing of symbols into RS shards
 * (see blob_internal.h). */
#include <string.h>

#include "blob_internal.h"
#include "rs.h"

enum wc_status wc_blob_shape(size_t n, struct wc_blob_layout *o)
{
    if (!o) return WC_ERR_ARG;
    memset(o, 0, sizeof(*o));
    if (n < WC_BLOB_MIN_SHARDS || n > WC_BLOB_MAX_SHARDS) return WC_ERR_COUNT;
    o->n = n;
    o->f = (n - 1) / 3;
    o->p = n - 2 * o->f;
    o->s = n - o->f;
    return WC_OK;
}

enum wc_status wc_blob_layout_init(size_t n, uint64_t length, struct wc_blob_layout *o)
{
    enum wc_status st = wc_blob_shape(n, o);
    if (st != WC_OK) return st;
    uint64_t k = (uint64_t)o->p * o->s;
    uint64_t L = length ? length : 1;
    uint64_t S = L / k + (L % k != 0);
    S += S & 1;
    if (S > WC_BLOB_MAX_SYMBOL_SIZE) return WC_ERR_TOO_LARGE;
    o->S = (size_t)S;
    o->length = length;
    return WC_OK;
}

enum wc_status wc_blob_pick(size_t n, size_t need, size_t count, const size_t *positions,
                            const uint8_t *const *items, const uint8_t **by_pos)
{
    size_t have = 0;
    for (size_t i = 0; i < count && have < need; i++) {
        if (positions[i] >= n) return WC_ERR_INDEX;
        if (!items[i]) return WC_ERR_ARG;
        if (by_pos[positions[i]]) continue;
        by_pos[positions[i]] = items[i];
        have++;
    }
    return have < need ? WC_ERR_TOO_FEW : WC_OK;
}

/* ---- packing ------------------------------------------------------------ */

WC_INLINE int pk_aligned(size_t S)
{
    return S % 64 == 0 || S >= 256;
}
WC_INLINE size_t pk_slot(size_t S)
{
    return (S + 63) & ~(size_t)63;
}

size_t wc_blob_pk_bytes(size_t count, size_t S)
{
    return pk_aligned(S) ? count * pk_slot(S) : wc_rs_packed_bytes(count * S / 2);
}

void wc_blob_pk_pack(const uint8_t *src, size_t stride, size_t count, size_t S, uint8_t *dst)
{
    if (!pk_aligned(S)) {
        wc_rs_pack(src, stride, count, S, dst);
        return;
    }
    size_t full = S & ~(size_t)63, h = (S - full) / 2, slot = pk_slot(S);
    for (size_t j = 0; j < count; j++) {
        const uint8_t *a = src + j * stride;
        uint8_t *d = dst + j * slot;
        memcpy(d, a, full);
        if (h) {
            memcpy(d + full, a + full, h);
            memset(d + full + h, 0, 32 - h);
            memcpy(d + full + 32, a + full + h, h);
            memset(d + full + 32 + h, 0, 32 - h);
        }
    }
}

/* The inverse of wc_blob_pk_pack (same slot layout, read back). */
void wc_blob_pk_unpack(const uint8_t *src, size_t count, size_t S, uint8_t *dst, size_t stride)
{
    if (!pk_aligned(S)) {
        wc_rs_unpack(src, count, S, dst, stride);
        return;
    }
    size_t full = S & ~(size_t)63, h = (S - full) / 2, slot = pk_slot(S);
    for (size_t j = 0; j < count; j++) {
        const uint8_t *a = src + j * slot;
        uint8_t *d = dst + j * stride;
        memcpy(d, a, full);
        if (h) {
            memcpy(d + full, a + full, h);
            memcpy(d + full + h, a + full + 32, h);
        }
    }
}
