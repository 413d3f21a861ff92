/* The banded encoder's pieces: the carried-state Blake2b kernel of every
 * backend against one-shot hashing (leaf messages 0x00 || data advanced in
 * bands of 128-byte blocks), and the banded metadata against the in-memory
 * encoder for several band widths. */
#include "blake2b.h"
#include "blob.h"
#include "stream.h"
#include "wc_test.h"

/* Leaf hashes of `count` messages of len bytes, advanced `band` bytes (a
 * multiple of 128) at a time through kern's advance kernel. */
static void banded_leaves(const struct wc_kernels *kern, const unsigned char *msgs, size_t len, size_t count,
                          size_t band, unsigned char *out)
{
    uint64_t h[9][8];
    uint64_t *hp[9];
    unsigned char pend[9];
    const uint8_t *dp[9];
    for (size_t i = 0; i < count; i++) {
        wc_blake2b_state s;
        wc_blake2b256_init(&s);
        memcpy(h[i], s.h, sizeof(h[i]));
        hp[i] = h[i];
        pend[i] = 0; /* the leaf prefix */
    }
    size_t b0 = 0;
    for (; b0 + band <= len; b0 += band) { /* message byte len-1 always stays for the last block */
        size_t nb = band / 128;
        for (size_t i = 0; i < count; i++) dp[i] = msgs + i * (len + 1) + 1 + b0;
        kern->hash->blake2b_advance(hp, pend, dp, count, nb, b0);
        for (size_t i = 0; i < count; i++) pend[i] = dp[i][band - 1];
    }
    for (size_t i = 0; i < count; i++) {
        /* the rest: pend || msg[b0 .. len), one or more blocks, the last one final */
        size_t rest = len - b0 + 1;
        unsigned char *tail = (unsigned char *)malloc(rest);
        tail[0] = pend[i];
        memcpy(tail + 1, msgs + i * (len + 1) + 1 + b0, len - b0);
        uint64_t t = b0;
        size_t off = 0;
        while (rest - off > 128) {
            t += 128;
            wc_blake2b_compress_portable(h[i], tail + off, t, 0, 0);
            off += 128;
        }
        unsigned char blk[128] = {0};
        memcpy(blk, tail + off, rest - off);
        wc_blake2b_compress_portable(h[i], blk, (uint64_t)len + 1, 0, 1);
        memcpy(out + 32 * i, h[i], 32);
        free(tail);
    }
}

static void test_advance_matches_one_shot(void)
{
    static const size_t lens[] = {127, 128, 255, 256, 300, 1023, 1024, 2000};
    FOR_EACH_BACKEND(kern)
    {
        for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
            size_t len = lens[li];
            for (size_t count = 1; count <= 9; count += 4) {
                /* each message: one readable byte before it (the kernel loads data[-1]) */
                unsigned char *msgs = (unsigned char *)malloc(count * (len + 1));
                wc_test_fill(msgs, count * (len + 1), (unsigned)(len + count));
                unsigned char got[9 * 32], want[32];
                for (size_t band = 128; band <= 512; band *= 2) {
                    banded_leaves(kern, msgs, len, count, band, got);
                    for (size_t i = 0; i < count; i++) {
                        unsigned char *m = (unsigned char *)malloc(len + 1);
                        m[0] = 0;
                        memcpy(m + 1, msgs + i * (len + 1) + 1, len);
                        wc_blake2b256(m, len + 1, want);
                        CHECK_MEM(got + 32 * i, want, 32);
                        free(m);
                    }
                }
                free(msgs);
            }
        }
    }
}

static void test_banded_metadata_matches_in_memory(void)
{
    const size_t n = 10;
    const uint64_t length = 28 * 300 + 5; /* p*s = 28: S = 302, bands of 128, 256 and one */
    unsigned char *data = (unsigned char *)malloc(length);
    wc_test_fill(data, length, 7);
    unsigned char rr[10 * 32], cr[10 * 32], bid[32], rr2[10 * 32], cr2[10 * 32], bid2[32];
    FOR_EACH_BACKEND(kern)
    {
        CHECK_EQ_INT(wc_blob_encode(kern, n, data, length, 1, rr, cr, bid, NULL, 0, 0, NULL, 0), WC_OK);
        struct wc_stream_source src = {data, -1, length};
        static const size_t bands[] = {128, 256, 302};
        for (size_t i = 0; i < 3; i++) {
            CHECK_EQ_INT(
                wc_stream_metadata(kern, n, &src, bands[i], 2, NULL, NULL, rr2, cr2, sizeof(rr2), bid2, 32),
                WC_OK);
            CHECK_MEM(rr, rr2, sizeof(rr));
            CHECK_MEM(cr, cr2, sizeof(cr));
            CHECK_MEM(bid, bid2, 32);
        }
        CHECK_EQ_INT(wc_stream_metadata(kern, n, &src, 100, 1, NULL, NULL, rr2, cr2, sizeof(rr2), bid2, 32),
                     WC_ERR_ARG);
    }
    CHECK(wc_stream_band_for_budget(n, length, 1, 1, 1) == 0);
    free(data);
}

/* Every output buffer comes with its length, checked before anything is
 * written: a wrong one is WC_ERR_SIZE and the buffer is left untouched. */
static void test_output_lengths_are_checked(void)
{
    const size_t n = 10;
    const uint64_t length = 1000; /* p*s = 28: S = 36 */
    const size_t S = 36, p = 4, s = 7;
    unsigned char *data = (unsigned char *)malloc(length);
    wc_test_fill(data, length, 3);
    const struct wc_kernels *kern = wc_kernels_active();
    struct wc_stream_source src = {data, -1, length};
    unsigned char rr[10 * 32], cr[10 * 32], bid[32], want_rr[10 * 32], want_cr[10 * 32], want_bid[32];
    CHECK_EQ_INT(wc_blob_encode(kern, n, data, length, 1, want_rr, want_cr, want_bid, NULL, 0, 0, NULL, 0),
                 WC_OK);
    static const size_t wrong_roots[] = {0, 10 * 32 - 1, 10 * 32 + 1, 9 * 32};
    for (size_t i = 0; i < 4; i++) {
        memset(rr, 0xAB, sizeof(rr));
        CHECK_EQ_INT(wc_stream_metadata(kern, n, &src, 128, 1, NULL, NULL, rr, cr, wrong_roots[i], bid, 32),
                     WC_ERR_SIZE);
        CHECK_EQ_INT(wc_stream_small_metadata(kern, n, data, length, NULL, rr, cr, wrong_roots[i], bid, 32),
                     WC_ERR_SIZE);
        CHECK(rr[0] == 0xAB && rr[sizeof(rr) - 1] == 0xAB);
    }
    CHECK_EQ_INT(wc_stream_metadata(kern, n, &src, 128, 1, NULL, NULL, rr, cr, sizeof(rr), bid, 31),
                 WC_ERR_SIZE);
    CHECK_EQ_INT(wc_stream_small_metadata(kern, n, data, length, NULL, rr, cr, sizeof(rr), bid, 33),
                 WC_ERR_SIZE);
    CHECK_EQ_INT(wc_stream_small_metadata(kern, n, data, length, NULL, rr, cr, sizeof(rr), bid, 32), WC_OK);
    CHECK_MEM(rr, want_rr, sizeof(rr));
    CHECK_MEM(bid, want_bid, 32);

    /* slivers: primary i of s*S bytes, secondary j of p*S bytes */
    unsigned char *prim = (unsigned char *)malloc(s * S), *sec = (unsigned char *)malloc(p * S);
    uint8_t *pp[10] = {0}, *sp[10] = {0};
    pp[2] = prim;
    sp[7] = sec;
    CHECK_EQ_INT(wc_stream_encode(kern, n, &src, 128, 1, NULL, NULL, pp, s * S - 1, NULL, 0, -1, NULL, NULL,
                                  0, NULL, 0),
                 WC_ERR_SIZE);
    CHECK_EQ_INT(wc_stream_encode(kern, n, &src, 128, 1, NULL, NULL, NULL, 0, sp, p * S + 1, -1, NULL, NULL,
                                  0, NULL, 0),
                 WC_ERR_SIZE);
    CHECK_EQ_INT(
        wc_stream_encode(kern, n, &src, 128, 1, NULL, NULL, pp, s * S, sp, p * S, -1, rr, cr, 0, bid, 32),
        WC_ERR_SIZE);
    CHECK_EQ_INT(wc_stream_encode(kern, n, &src, 128, 1, NULL, NULL, pp, s * S, sp, p * S, -1, rr, cr,
                                  sizeof(rr), bid, 32),
                 WC_OK);
    CHECK_MEM(cr, want_cr, sizeof(cr));
    /* the slivers against the in-memory encoder's */
    unsigned char *all_prim = (unsigned char *)malloc(n * s * S),
                  *all_sec = (unsigned char *)malloc(n * p * S);
    CHECK_EQ_INT(wc_blob_encode(kern, n, data, length, 1, NULL, NULL, NULL, all_prim, 0, n * s * S, all_sec,
                                n * p * S),
                 WC_OK);
    CHECK_MEM(prim, all_prim + 2 * s * S, s * S);
    CHECK_MEM(sec, all_sec + 7 * p * S, p * S);

    unsigned char *table = (unsigned char *)malloc(65536 * 32);
    CHECK_EQ_INT(wc_stream_leaf_table(kern, table, 65536 * 32 - 1), WC_ERR_SIZE);
    CHECK_EQ_INT(wc_stream_leaf_table(kern, table, 65536 * 32), WC_OK);
    unsigned char zero_leaf[32], msg[3] = {0, 0, 0};
    wc_blake2b256(msg, 3, zero_leaf);
    CHECK_MEM(table, zero_leaf, 32);
    free(table);
    free(all_prim);
    free(all_sec);
    free(prim);
    free(sec);
    free(data);
}

int main(void)
{
    test_advance_matches_one_shot();
    test_banded_metadata_matches_in_memory();
    test_output_lengths_are_checked();
    return wc_test_report("test_stream");
}
