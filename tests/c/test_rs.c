/* C-level tests of the RS module: GF(2^16) tables (spec §3.1/§3.4 sanity
 * values), every backend's RS kernels against the portable oracle (lengths,
 * odd offsets, buffers flush against the end of their allocation), encode
 * known answers from reed-solomon-leopard, packed vs plain API, pack/unpack,
 * decode round trips on every backend, and bad input. */
#include <pthread.h>
#include <stdint.h>

#include "fft.h"
#include "gf16.h"
#include "rs.h"
#include "tuning.h"
#include "wc_test.h"

static uint16_t gmul(uint16_t a, uint16_t b)
{
    return b ? wc_gf16_mul_log(a, wc_gf16_log[b]) : 0;
}

static void test_gf16(void)
{
    wc_gf16_init();
    CHECK_EQ_INT(wc_gf16_log[0], 65535);
    CHECK_EQ_INT(wc_gf16_log[1], 0);
    CHECK_EQ_INT(wc_gf16_log[2], 21845);
    CHECK_EQ_INT(wc_gf16_log[3], 43690);
    CHECK_EQ_INT(wc_gf16_log[4], 17476);
    CHECK_EQ_INT(wc_gf16_exp[1], 18064);
    CHECK_EQ_INT(wc_gf16_exp[65535], 1);
    CHECK_EQ_INT(gmul(2, 2), 3);
    CHECK_EQ_INT(gmul(0x1234, 0x5678), 0x35C9);
    CHECK_EQ_INT(gmul(0xFFFF, 0xFFFF), 0x8000);
    static const uint16_t skew0[9] = {65535, 65535, 21845, 65535, 17476, 21845, 34952, 65535, 56797};
    for (int i = 0; i < 9; i++) CHECK_EQ_INT(wc_gf16_skew[i], skew0[i]);
    /* mul_lut agrees with log/exp products */
    const uint16_t logs[] = {0, 1, 21845, 40000, 65534};
    for (size_t t = 0; t < 5; t++) {
        const uint8_t *lut = wc_gf16_mul_lut(logs[t]);
        for (unsigned v = 0; v < 65536; v += 257) {
            uint16_t p = 0;
            for (unsigned n = 0; n < 4; n++) {
                unsigned nib = (v >> (4 * n)) & 15;
                p ^= (uint16_t)(lut[16 * n + nib] | (lut[64 + 16 * n + nib] << 8));
            }
            CHECK_EQ_INT(p, wc_gf16_mul_log((uint16_t)v, logs[t]));
        }
    }
}

/* Each backend's kernels vs portable, on buffers that end exactly at the end of
 * their allocation (ASan catches over-reads) and start at odd offsets. */
static void test_kernels(void)
{
    const struct wc_rs_kernels *P = &wc_rs_kernels_portable;
    static const size_t lens[] = {64, 128, 192, 256, 320, 1024, 4096, 65536 + 64};
    static const uint16_t logs[] = {0, 1, 2, 255, 256, 21845, 43690, 65533, 65534};
    FOR_EACH_BACKEND(kern)
    {
        const struct wc_rs_kernels *K = kern->rs;
        if (!K || !K->fft_butterfly) {
            fprintf(stderr, "  (backend %s: RS kernels not implemented, portable used)\n", kern->name);
            continue;
        }
        for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++)
            for (size_t gi = 0; gi < sizeof(logs) / sizeof(logs[0]); gi++)
                for (size_t off = 0; off < 2; off++) {
                    size_t n = lens[li];
                    uint8_t *x1 = malloc(n + off), *y1 = malloc(n + off), *x2 = malloc(n), *y2 = malloc(n);
                    uint8_t *a = x1 + off, *b = y1 + off;
                    for (int op = 0; op < 4; op++) {
                        wc_test_fill(a, n, (unsigned)(li * 100 + gi));
                        wc_test_fill(b, n, (unsigned)(li * 100 + gi + 7));
                        memcpy(x2, a, n);
                        memcpy(y2, b, n);
                        uint16_t g = logs[gi];
                        switch (op) {
                        case 0:
                            K->fft_butterfly(a, b, g, n);
                            P->fft_butterfly(x2, y2, g, n);
                            break;
                        case 1:
                            K->ifft_butterfly(a, b, g, n);
                            P->ifft_butterfly(x2, y2, g, n);
                            break;
                        case 2:
                            K->mul(a, g, n);
                            P->mul(x2, g, n);
                            break;
                        default:
                            K->xor_into(a, b, n);
                            P->xor_into(x2, y2, n);
                            break;
                        }
                        CHECK_MEM(a, x2, n);
                        CHECK_MEM(b, y2, n);
                    }
                    free(x1);
                    free(y1);
                    free(x2);
                    free(y2);
                }
    }
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* Recovery shards from reed-solomon-leopard (the Rust engine Walrus uses),
 * originals byte j of shard i = (i*S + j) % 251. */
static void test_known_answers(void)
{
    struct {
        size_t k, r, S;
        const char *hex;
    } cases[] = {
        {3, 5, 6, "ea537402a6af117999018289184e0800c6c8e96fe106fcf1f23ebd08878a"},
        {7, 3, 66,
         "6f5f22ccc5914c9534a14ae3adf981f336cab7535aadcdeeb59d5d0eb0343d88827e75d9d8ddd7dbd3db5250fffa0411d15"
         "55ee3"
         "e232313335343a368686098952fcba47e16ab8131d4b3983624c08a3c9e433fe58db0935261502a5753e2287c2956fcbce3"
         "c333b"
         "37373933989e131bdf59a33732646bf8f5f8fbf0f6fde6eddd184fee977c6d701d2b9a61a42b9f141d2b0cba38e1f0d0bd4"
         "4b1d8"
         "8f446079fd43cee029e2eb676c646c6c6e6d909e5d55df60ccf2fbece7656763656c6268e1ee339997e1"},
    };
    FOR_EACH_BACKEND(kern)
    {
        for (size_t c = 0; c < 2; c++) {
            size_t k = cases[c].k, r = cases[c].r, S = cases[c].S;
            uint8_t orig[16][66], rec[16][66];
            const uint8_t *op[16];
            uint8_t *rp[16];
            for (size_t i = 0; i < k; i++) {
                for (size_t j = 0; j < S; j++) orig[i][j] = (uint8_t)((i * S + j) % 251);
                op[i] = orig[i];
            }
            for (size_t j = 0; j < r; j++) rp[j] = rec[j];
            CHECK_EQ_INT(wc_rs_encode_with(kern, k, r, S, op, rp), WC_OK);
            for (size_t j = 0; j < r; j++)
                for (size_t b = 0; b < S; b++) {
                    const char *h = cases[c].hex + 2 * (j * S + b);
                    CHECK_EQ_INT(rec[j][b], hexval(h[0]) * 16 + hexval(h[1]));
                }
        }
    }
}

/* Plain encode, packed encode of the packed shards, decode from random
 * patterns, for several shapes, on every backend. */
static void test_roundtrip(void)
{
    static const size_t shapes[][3] = {{1, 1, 2},        {1, 3, 64},   {3, 1, 66},    {4, 6, 130},
                                       {7, 3, 66},       {34, 66, 62}, {67, 33, 128}, {334, 666, 66},
                                       {667, 333, 4098}, {32, 32, 64}, {33, 31, 2}};
    FOR_EACH_BACKEND(kern)
    {
        for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
            size_t k = shapes[s][0], r = shapes[s][1], S = shapes[s][2], n = k + r;
            uint8_t *all = malloc(n * S);
            const uint8_t **ptr = malloc(n * sizeof(*ptr));
            uint8_t **wp = malloc(n * sizeof(*wp));
            wc_test_fill(all, k * S, (unsigned)s);
            for (size_t i = 0; i < n; i++) wp[i] = all + i * S;
            CHECK_EQ_INT(wc_rs_encode_with(kern, k, r, S, (const uint8_t *const *)wp, wp + k), WC_OK);

            /* packed: each symbol packed alone; recovery must equal the packed plain output */
            size_t pb = wc_rs_packed_bytes(S / 2);
            uint8_t *packed = malloc(n * pb), *unp = malloc(S);
            const uint8_t **pp = malloc(n * sizeof(*pp));
            uint8_t **ppw = malloc(n * sizeof(*ppw));
            for (size_t i = 0; i < n; i++) {
                ppw[i] = packed + i * pb;
                pp[i] = ppw[i];
            }
            for (size_t i = 0; i < k; i++) wc_rs_pack(all + i * S, S, 1, S, ppw[i]);
            wc_rs_codec *c;
            CHECK_EQ_INT(wc_rs_codec_new(k, r, &c), WC_OK);
            size_t sb = wc_rs_encode_scratch_bytes(c, pb);
            void *scratch = wc_aligned_alloc(sb);
            CHECK_EQ_INT(wc_rs_encode_packed(c, kern, pp, ppw + k, pb, scratch, sb), WC_OK);
            for (size_t j = 0; j < r; j++) {
                wc_rs_unpack(ppw[k + j], 1, S, unp, S);
                CHECK_MEM(unp, all + (k + j) * S, S);
            }
            wc_aligned_free(scratch);
            wc_rs_codec_free(c);

            /* decode: drop a pseudo-random set of min(r, k) shards */
            uint8_t *present = malloc(n);
            uint8_t *out = malloc(k * S);
            uint8_t **op = malloc(k * sizeof(*op));
            for (int trial = 0; trial < 3; trial++) {
                memset(present, 1, n);
                unsigned x = (unsigned)(s * 977 + trial * 131 + 1);
                size_t drop = r < k ? r : k;
                if (trial == 2) drop = drop > 1 ? drop / 2 : drop;
                for (size_t d = 0; d < drop;) {
                    x = x * 1103515245u + 12345u;
                    size_t i = (x >> 8) % n;
                    if (present[i]) {
                        present[i] = 0;
                        d++;
                    }
                }
                for (size_t i = 0; i < n; i++) ptr[i] = present[i] ? all + i * S : NULL;
                for (size_t i = 0; i < k; i++) op[i] = out + i * S;
                memset(out, 0xAA, k * S);
                CHECK_EQ_INT(wc_rs_decode_with(kern, k, r, S, ptr, op), WC_OK);
                CHECK_MEM(out, all, k * S);

                /* packed decoder object, reused twice */
                wc_rs_decoder *d;
                CHECK_EQ_INT(wc_rs_decoder_new(k, r, present, &d), WC_OK);
                size_t db = wc_rs_decode_scratch_bytes(d, pb);
                void *ds = wc_aligned_alloc(db);
                uint8_t *pout = malloc(k * pb);
                uint8_t **pop = malloc(k * sizeof(*pop));
                for (size_t i = 0; i < k; i++) pop[i] = pout + i * pb;
                for (size_t i = 0; i < n; i++) {
                    if (i >= k) wc_rs_pack(all + i * S, S, 1, S, ppw[i]);
                    pp[i] = present[i] ? ppw[i] : NULL;
                }
                for (int rep = 0; rep < 2; rep++) {
                    CHECK_EQ_INT(wc_rs_decode_packed(d, kern, pp, pop, pb, ds, db), WC_OK);
                    for (size_t i = 0; i < k; i++) {
                        wc_rs_unpack(pop[i], 1, S, unp, S);
                        CHECK_MEM(unp, all + i * S, S);
                    }
                }
                free(pout);
                free(pop);
                wc_aligned_free(ds);
                wc_rs_decoder_free(d);
            }
            free(present);
            free(out);
            free(op);
            free(packed);
            free(unp);
            free(pp);
            free(ppw);
            free(all);
            free(ptr);
            free(wp);
        }
    }
}

static void test_pack_many(void)
{
    /* several symbols in one packed shard, S not a multiple of 64 */
    size_t S = 70, count = 5, pb = wc_rs_packed_bytes(count * S / 2);
    uint8_t src[5 * 70], back[5 * 70];
    uint8_t *dst = malloc(pb);
    wc_test_fill(src, sizeof src, 9);
    wc_rs_pack(src, S, count, S, dst);
    /* element 0 of symbol 1 = src[70] | src[70+32] << 8, at packed element 35 */
    CHECK_EQ_INT(dst[64 + 3], src[70]);
    CHECK_EQ_INT(dst[64 + 32 + 3], src[70 + 32]);
    /* element 32 of symbol 0 (the 6-byte tail block split at 3) */
    CHECK_EQ_INT(dst[0], src[0]);
    CHECK_EQ_INT(dst[32], src[32]);
    CHECK_EQ_INT(dst[64 + 0], src[64]);
    CHECK_EQ_INT(dst[64 + 32], src[67]);
    wc_rs_unpack(dst, count, S, back, S);
    CHECK_MEM(back, src, sizeof src);
    free(dst);
}

static void test_bad_input(void)
{
    wc_rs_codec *c = (wc_rs_codec *)1;
    CHECK_EQ_INT(wc_rs_codec_new(0, 1, &c), WC_ERR_COUNT);
    CHECK(c == NULL);
    CHECK_EQ_INT(wc_rs_codec_new(1, 0, &c), WC_ERR_COUNT);
    CHECK_EQ_INT(wc_rs_codec_new(1, 65536, &c), WC_ERR_COUNT);
    CHECK_EQ_INT(wc_rs_codec_new(32769, 32767, &c), WC_ERR_COUNT);
    CHECK_EQ_INT(wc_rs_codec_new(32768, 32768, &c), WC_OK);
    wc_rs_codec_free(c);
    CHECK_EQ_INT(wc_rs_codec_new(1, 65535, &c), WC_OK);
    wc_rs_codec_free(c);
    CHECK_EQ_INT(wc_rs_codec_new(2, 2, NULL), WC_ERR_ARG);

    uint8_t a[4] = {1, 2, 3, 4}, b[4], o[4];
    const uint8_t *op[2] = {a, a + 2};
    uint8_t *rp[2] = {b, b + 2};
    const struct wc_kernels *kern = wc_kernels_active();
    CHECK_EQ_INT(wc_rs_encode_with(kern, 2, 2, 3, op, rp), WC_ERR_SIZE);
    CHECK_EQ_INT(wc_rs_encode_with(kern, 2, 2, 0, op, rp), WC_ERR_SIZE);
    CHECK_EQ_INT(wc_rs_encode_with(kern, 2, 2, 2, NULL, rp), WC_ERR_ARG);
    const uint8_t *opn[2] = {a, NULL};
    CHECK_EQ_INT(wc_rs_encode_with(kern, 2, 2, 2, opn, rp), WC_ERR_ARG);
    CHECK_EQ_INT(wc_rs_encode_with(kern, 2, 2, 2, op, rp), WC_OK);

    const uint8_t *sh[4] = {a, NULL, NULL, NULL};
    uint8_t *outp[2] = {o, o + 2};
    CHECK_EQ_INT(wc_rs_decode_with(kern, 2, 2, 2, sh, outp), WC_ERR_TOO_FEW);
    sh[3] = b + 2;
    CHECK_EQ_INT(wc_rs_decode_with(kern, 2, 2, 2, sh, outp), WC_OK);
    CHECK_MEM(o, a, 4);

    uint8_t present[4] = {1, 0, 0, 0};
    wc_rs_decoder *d = (wc_rs_decoder *)1;
    CHECK_EQ_INT(wc_rs_decoder_new(2, 2, present, &d), WC_ERR_TOO_FEW);
    CHECK(d == NULL);
    CHECK_EQ_INT(wc_rs_decoder_new(2, 2, NULL, &d), WC_ERR_ARG);
    CHECK_EQ_INT(wc_rs_decoder_new(0, 2, present, &d), WC_ERR_COUNT);

    CHECK_EQ_INT(wc_rs_codec_new(2, 2, &c), WC_OK);
    uint8_t blk[4][64];
    const uint8_t *bp[2] = {blk[0], blk[1]};
    uint8_t *bw[2] = {blk[2], blk[3]};
    size_t sb = wc_rs_encode_scratch_bytes(c, 64);
    void *s = wc_aligned_alloc(sb);
    CHECK_EQ_INT(wc_rs_encode_packed(c, NULL, bp, bw, 63, s, sb), WC_ERR_SIZE);
    CHECK_EQ_INT(wc_rs_encode_packed(c, NULL, bp, bw, 0, s, sb), WC_ERR_SIZE);
    CHECK_EQ_INT(wc_rs_encode_packed(c, NULL, bp, bw, 64, NULL, sb), WC_ERR_ARG);
    CHECK_EQ_INT(wc_rs_encode_packed(NULL, NULL, bp, bw, 64, s, sb), WC_ERR_ARG);
    CHECK_EQ_INT(wc_rs_encode_packed(c, NULL, bp, bw, 64, s, sb - 1), WC_ERR_SIZE);
    wc_aligned_free(s);
    /* Scratch sized under small tiles, used after the tile knob grew: the
     * call refuses it (a knob change can never overrun a buffer). */
    static uint8_t big[4][4096];
    const uint8_t *gp[2] = {big[0], big[1]};
    uint8_t *gw[2] = {big[2], big[3]};
    CHECK_EQ_INT(wc_knob_set(WC_KNOB_RS_TILE_BUDGET, 64), WC_OK);
    CHECK_EQ_INT(wc_knob_set(WC_KNOB_RS_TILE_MIN, 64), WC_OK);
    sb = wc_rs_encode_scratch_bytes(c, sizeof big[0]);
    s = wc_aligned_alloc(sb);
    CHECK_EQ_INT(wc_rs_encode_packed(c, NULL, gp, gw, sizeof big[0], s, sb), WC_OK);
    CHECK_EQ_INT(wc_knob_set(WC_KNOB_COUNT, 0), WC_OK);
    CHECK(wc_rs_encode_scratch_bytes(c, sizeof big[0]) > sb);
    CHECK_EQ_INT(wc_rs_encode_packed(c, NULL, gp, gw, sizeof big[0], s, sb), WC_ERR_SIZE);
    CHECK_EQ_INT(wc_knob_set(WC_KNOB_RS_LOCATOR, 4), WC_ERR_ARG);
    CHECK_EQ_INT(wc_knob_set(WC_KNOB_RS_TILE_MIN, 65), WC_ERR_ARG);
    wc_aligned_free(s);
    wc_rs_codec_free(c);
}

/* The fused radix-4 kernels (on and off), results streamed out of scratch
 * or written in place in the recovery shards, every error-locator method,
 * and odd tile sizes give the same bytes as the plain path. */
static void test_variants(void)
{
    static const size_t shapes[][3] = {{334, 666, 640}, {667, 333, 640}, {5, 3, 192}, {9, 16, 128}};
    for (size_t s = 0; s < 4; s++) {
        size_t k = shapes[s][0], r = shapes[s][1], S = shapes[s][2], n = k + r;
        uint8_t *all = malloc(n * S), *ref = malloc(r * S), *out = malloc(k * S);
        uint8_t **wp = malloc(n * sizeof(*wp)), **op = malloc(k * sizeof(*op));
        const uint8_t **sp = malloc(n * sizeof(*sp));
        wc_test_fill(all, k * S, (unsigned)(s + 40));
        for (size_t i = 0; i < n; i++) wp[i] = all + i * S;
        for (size_t i = 0; i < k; i++) op[i] = out + i * S;
        wc_knob_set(WC_KNOB_RS_FUSED, 0);
        CHECK_EQ_INT(
            wc_rs_encode_with(wc_backend_find("portable"), k, r, S, (const uint8_t *const *)wp, wp + k),
            WC_OK);
        memcpy(ref, all + k * S, r * S);
        wc_knob_set(WC_KNOB_RS_FUSED, 1);
        FOR_EACH_BACKEND(kern)
        {
            for (int tile = 0; tile < 3; tile++) {
                wc_knob_set(WC_KNOB_RS_TILE_BUDGET, tile == 0 ? (size_t)2 << 20 : tile == 1 ? 1 : 64 * 1024);
                wc_knob_set(WC_KNOB_RS_TILE_MIN, 64);
                for (int mode = 0; mode < 4; mode++) {
                    wc_knob_set(WC_KNOB_RS_FUSED, mode & 1);
                    wc_knob_set(WC_KNOB_RS_STREAM_MIN, mode & 2 ? 64 : (size_t)16 << 10);
                    memset(all + k * S, 0, r * S);
                    CHECK_EQ_INT(wc_rs_encode_with(kern, k, r, S, (const uint8_t *const *)wp, wp + k), WC_OK);
                    CHECK_MEM(all + k * S, ref, r * S);
                }
                wc_knob_set(WC_KNOB_RS_FUSED, 1);
                wc_knob_set(WC_KNOB_RS_STREAM_MIN, (size_t)16 << 10);
                for (int method = 1; method <= 3; method++) {
                    wc_knob_set(WC_KNOB_RS_LOCATOR, (size_t)method);
                    /* exactly k shards: originals i % 3 != 0, then recovery, then the rest */
                    size_t have = 0;
                    for (size_t i = 0; i < n; i++) sp[i] = NULL;
                    for (size_t i = 0; i < k && have < k; i++)
                        if (i % 3) sp[i] = all + i * S, have++;
                    for (size_t i = k; i < n && have < k; i++) sp[i] = all + i * S, have++;
                    for (size_t i = 0; i < k && have < k; i++)
                        if (!sp[i]) sp[i] = all + i * S, have++;
                    memset(out, 0, k * S);
                    CHECK_EQ_INT(wc_rs_decode_with(kern, k, r, S, sp, op), WC_OK);
                    CHECK_MEM(out, all, k * S);
                }
                wc_knob_set(WC_KNOB_RS_LOCATOR, 0);
            }
            wc_knob_set(WC_KNOB_COUNT, 0); /* every default back */
        }
        free(all);
        free(ref);
        free(out);
        free(wp);
        free(op);
        free(sp);
    }
}

/* One codec and one decoder shared by several threads, each with its own
 * scratch (the 2-D encoder's pattern). */
struct mt_ctx {
    const wc_rs_codec *codec;
    const wc_rs_decoder *dec;
    const struct wc_kernels *kern;
    size_t k, r, bytes;
    const uint8_t *orig; /* k packed shards */
    const uint8_t *want; /* r packed recovery shards */
    int ok;
};

static void *mt_worker(void *arg)
{
    struct mt_ctx *c = (struct mt_ctx *)arg;
    size_t k = c->k, r = c->r, b = c->bytes;
    uint8_t *rec = malloc(r * b), *out = malloc(k * b);
    const uint8_t **op = malloc((k + r) * sizeof(*op));
    uint8_t **rp = malloc(r * sizeof(*rp)), **outp = malloc(k * sizeof(*outp));
    size_t esb = wc_rs_encode_scratch_bytes(c->codec, b), dsb = wc_rs_decode_scratch_bytes(c->dec, b);
    void *es = wc_aligned_alloc(esb);
    void *ds = wc_aligned_alloc(dsb);
    c->ok = 1;
    for (int rep = 0; rep < 4; rep++) {
        for (size_t i = 0; i < k; i++) op[i] = c->orig + i * b;
        for (size_t j = 0; j < r; j++) rp[j] = rec + j * b;
        if (wc_rs_encode_packed(c->codec, c->kern, op, rp, b, es, esb) != WC_OK ||
            memcmp(rec, c->want, r * b))
            c->ok = 0;
        /* decoder: originals 0..r-1 missing (see main thread), recovery present */
        for (size_t i = 0; i < k + r; i++)
            op[i] = i < k ? (i < r ? NULL : c->orig + i * b) : rec + (i - k) * b;
        for (size_t i = 0; i < k; i++) outp[i] = out + i * b;
        if (wc_rs_decode_packed(c->dec, c->kern, op, outp, b, ds, dsb) != WC_OK ||
            memcmp(out, c->orig, k * b))
            c->ok = 0;
    }
    wc_aligned_free(es);
    wc_aligned_free(ds);
    free(rec);
    free(out);
    free(op);
    free(rp);
    free(outp);
    return NULL;
}

static void test_threads(void)
{
    size_t k = 67, r = 33, bytes = 64 * 40;
    FOR_EACH_BACKEND(kern)
    {
        uint8_t *orig = malloc(k * bytes), *want = malloc(r * bytes);
        wc_test_fill(orig, k * bytes, 77);
        const uint8_t **op = malloc(k * sizeof(*op));
        uint8_t **rp = malloc(r * sizeof(*rp));
        for (size_t i = 0; i < k; i++) op[i] = orig + i * bytes;
        for (size_t j = 0; j < r; j++) rp[j] = want + j * bytes;
        wc_rs_codec *codec;
        CHECK_EQ_INT(wc_rs_codec_new(k, r, &codec), WC_OK);
        size_t esb = wc_rs_encode_scratch_bytes(codec, bytes);
        void *es = wc_aligned_alloc(esb);
        CHECK_EQ_INT(wc_rs_encode_packed(codec, kern, op, rp, bytes, es, esb), WC_OK);
        uint8_t present[100];
        for (size_t i = 0; i < k + r; i++) present[i] = !(i < r);
        wc_rs_decoder *dec;
        CHECK_EQ_INT(wc_rs_decoder_new(k, r, present, &dec), WC_OK);
        struct mt_ctx ctx[4];
        pthread_t th[4];
        for (int t = 0; t < 4; t++) {
            ctx[t] = (struct mt_ctx){codec, dec, kern, k, r, bytes, orig, want, 0};
            CHECK(pthread_create(&th[t], NULL, mt_worker, &ctx[t]) == 0);
        }
        for (int t = 0; t < 4; t++) {
            pthread_join(th[t], NULL);
            CHECK(ctx[t].ok);
        }
        wc_rs_decoder_free(dec);
        wc_rs_codec_free(codec);
        wc_aligned_free(es);
        free(orig);
        free(want);
        free(op);
        free(rp);
    }
}

/* The caller-scratch entry points: sizes, a short scratch refused, exact
 * scratch gives the plain API's bytes; the per-thread scratch cache hands a
 * nested caller its own block. */
static void test_caller_scratch(void)
{
    enum { K = 7, R = 5, S = 130 };
    CHECK(wc_rs_encode_plain_scratch_bytes(0, 3, 64) == 0);
    CHECK(wc_rs_encode_plain_scratch_bytes(3, 3, 63) == 0);
    size_t n = wc_rs_encode_plain_scratch_bytes(K, R, S);
    CHECK(n > 0);
    static uint8_t data[(K + R) * S], ref[R * S];
    uint8_t *ptr[K + R];
    wc_test_fill(data, K * S, 77);
    for (size_t i = 0; i < K + R; i++) ptr[i] = data + i * S;
    CHECK_EQ_INT(wc_rs_encode_with(wc_kernels_active(), K, R, S, (const uint8_t *const *)ptr, ptr + K),
                 WC_OK);
    memcpy(ref, data + K * S, R * S);
    memset(data + K * S, 0, R * S);
    uint8_t *scratch = (uint8_t *)wc_aligned_alloc(n);
    CHECK_EQ_INT(wc_rs_encode_with_scratch(wc_kernels_active(), K, R, S, (const uint8_t *const *)ptr, ptr + K,
                                           scratch, n - 1),
                 WC_ERR_SIZE);
    CHECK_EQ_INT(wc_rs_encode_with_scratch(wc_kernels_active(), K, R, S, (const uint8_t *const *)ptr, ptr + K,
                                           scratch, n),
                 WC_OK);
    CHECK_MEM(data + K * S, ref, R * S);
    wc_aligned_free(scratch);

    uint8_t present[K + R] = {0};
    for (size_t i = 2; i < K + 2; i++) present[i] = 1;
    wc_rs_decoder *d;
    CHECK_EQ_INT(wc_rs_decoder_new(K, R, present, &d), WC_OK);
    size_t dn = wc_rs_decoder_plain_scratch_bytes(d, S);
    CHECK(dn > 0);
    CHECK(wc_rs_decoder_plain_scratch_bytes(d, 3) == 0);
    static uint8_t out[K * S];
    const uint8_t *sh[K + R];
    uint8_t *op[K];
    for (size_t i = 0; i < K + R; i++) sh[i] = present[i] ? data + i * S : NULL;
    for (size_t i = 0; i < K; i++) op[i] = out + i * S;
    memcpy(data + K * S, ref, R * S);
    scratch = (uint8_t *)wc_aligned_alloc(dn);
    CHECK_EQ_INT(wc_rs_decoder_decode_with_scratch(d, wc_kernels_active(), S, sh, op, scratch, dn - 1),
                 WC_ERR_SIZE);
    CHECK_EQ_INT(wc_rs_decoder_decode_with_scratch(d, wc_kernels_active(), S, sh, op, scratch, dn), WC_OK);
    CHECK_MEM(out, data, K * S);
    wc_aligned_free(scratch);
    wc_rs_decoder_free(d);

    void *a = wc_scratch_acquire(1000), *b = wc_scratch_acquire(1000);
    CHECK(a && b && a != b);
    memset(a, 1, 1000);
    memset(b, 2, 1000);
    wc_scratch_release(b, 1000);
    wc_scratch_release(a, 1000);
    void *c = wc_scratch_acquire(5000); /* grows the cached block */
    CHECK(c != NULL);
    memset(c, 3, 5000);
    wc_scratch_release(c, 5000);
}

int main(void)
{
    test_threads();
    test_variants();
    test_gf16();
    test_kernels();
    test_known_answers();
    test_roundtrip();
    test_pack_many();
    test_bad_input();
    test_caller_scratch();
    return wc_test_report("test_rs");
}
