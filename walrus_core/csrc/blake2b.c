/* Blake2b-256 (format §4): streaming single-message hashing (portable) and the
 * many-message entry point that dispatches to a backend's kernel. */
#include "blake2b.h"

#include <string.h>

#include "kernels/hash_common.h"
#include "wc_internal.h"

void wc_blake2b256_init(wc_blake2b_state *s)
{
    for (int i = 0; i < 8; i++) s->h[i] = wc_b2b_iv[i];
    s->h[0] ^= WC_B2B256_PARAM0;
    s->t[0] = s->t[1] = 0;
    s->buflen = 0;
    memset(s->buf, 0, sizeof s->buf);
}

static void add_counter(wc_blake2b_state *s, uint64_t n)
{
    s->t[0] += n;
    if (s->t[0] < n) s->t[1]++;
}

void wc_blake2b256_update(wc_blake2b_state *s, const uint8_t *data, size_t len)
{
    if (!len) return;
    /* The last block must be compressed with the final flag, so a full
     * buffer is only compressed once more input arrives. */
    if (s->buflen + len > 128) {
        if (s->buflen) {
            size_t fill = 128 - s->buflen;
            memcpy(s->buf + s->buflen, data, fill);
            data += fill;
            len -= fill;
            add_counter(s, 128);
            wc_blake2b_compress_portable(s->h, s->buf, s->t[0], s->t[1], 0);
            s->buflen = 0;
        }
        while (len > 128) {
            add_counter(s, 128);
            wc_blake2b_compress_portable(s->h, data, s->t[0], s->t[1], 0);
            data += 128;
            len -= 128;
        }
    }
    memcpy(s->buf + s->buflen, data, len);
    s->buflen += len;
}

void wc_blake2b256_final(wc_blake2b_state *s, uint8_t out[32])
{
    add_counter(s, s->buflen);
    memset(s->buf + s->buflen, 0, 128 - s->buflen);
    wc_blake2b_compress_portable(s->h, s->buf, s->t[0], s->t[1], 1);
    for (int i = 0; i < 4; i++) wc_store64_le(out + 8 * i, s->h[i]);
}

void wc_blake2b256(const uint8_t *data, size_t len, uint8_t out[32])
{
    wc_blake2b256_one_portable(data, len, -1, out);
}

void wc_blake2b256_many(const struct wc_kernels *kern, const uint8_t *const *msgs, size_t len, size_t count,
                        int prefix, uint8_t *out)
{
    if (!count || !msgs || !out) return;
    if (!kern || !kern->hash || !kern->hash->blake2b256_many) kern = NULL;
    if (kern)
        kern->hash->blake2b256_many(msgs, len, count, prefix, out);
    else
        wc_blake2b256_many_portable(msgs, len, count, prefix, out);
}

void wc_blake2b256_many_strided(const struct wc_kernels *kern, const uint8_t *base, size_t stride, size_t len,
                                size_t count, int prefix, uint8_t *out)
{
    enum { CHUNK = 256 };
    const uint8_t *ptrs[CHUNK];
    if (!count || !base || !out) return;
    while (count) {
        size_t k = count < CHUNK ? count : CHUNK;
        for (size_t i = 0; i < k; i++) ptrs[i] = base + i * stride;
        wc_blake2b256_many(kern, ptrs, len, k, prefix, out);
        base += k * stride;
        out += 32 * k;
        count -= k;
    }
}
