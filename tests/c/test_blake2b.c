/* Blake2b-256: known answers (RFC 7693 parameters, digest length 32), the
 * streaming API against the one-shot one, and every backend's multi-buffer
 * kernel against the portable oracle: lengths 0..300 and larger, prefix
 * -1/0/1/255, counts 0..9 and 11 (remainder lanes, one and two groups per step), messages flush against the
 * end of their allocation so ASan sees any over-read. */
#include <stdint.h>

#include "blake2b.h"
#include "wc_internal.h"
#include "wc_test.h"

static void hex(const char *s, uint8_t *out)
{
    for (size_t i = 0; s[2 * i]; i++) {
        unsigned v;
        sscanf(s + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void known_answers(void)
{
    uint8_t want[32], got[32];
    hex("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8", want);
    wc_blake2b256(NULL, 0, got);
    CHECK_MEM(got, want, 32);
    hex("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319", want);
    wc_blake2b256((const uint8_t *)"abc", 3, got);
    CHECK_MEM(got, want, 32);
    /* prefix 'a' + "bc" is the same message */
    wc_blake2b256_one_portable((const uint8_t *)"bc", 2, 'a', got);
    CHECK_MEM(got, want, 32);
    /* longer messages, bytes i % 251 (digests from Python's hashlib) */
    static const struct {
        size_t len;
        const char *hex;
    } kat[] = {
        {25, "3b0b9b4027203daeb62f4ff868ac6cdd78a5cbbf7664725421a613794702f4f4"},
        {128, "c3582f71ebb2be66fa5dd750f80baae97554f3b015663c8be377cfcb2488c1d1"},
        {129, "f7f3c46ba2564ff4c4c162da1f5b605f9f1c4aa6a20652a9f9a337c1a2f5b9c9"},
        {1000, "b372d0608f720c8c3dd41e9c8eecb10143b41abe520b616607e754bf79c08331"},
    };
    uint8_t pat[1000];
    for (size_t i = 0; i < sizeof pat; i++) pat[i] = (uint8_t)(i % 251);
    for (size_t k = 0; k < sizeof kat / sizeof kat[0]; k++) {
        hex(kat[k].hex, want);
        wc_blake2b256(pat, kat[k].len, got);
        CHECK_MEM(got, want, 32);
        FOR_EACH_BACKEND(kern)
        {
            const uint8_t *four[5] = {pat, pat, pat, pat, pat};
            uint8_t outs[32 * 5];
            wc_blake2b256_many(kern, four, kat[k].len, 5, -1, outs);
            for (int i = 0; i < 5; i++) CHECK_MEM(outs + 32 * i, want, 32);
        }
    }
    /* all-zero-prefix-only message = H(0x00) */
    uint8_t zero = 0, w2[32];
    wc_blake2b256(&zero, 1, w2);
    wc_blake2b256_one_portable(NULL, 0, 0, got);
    CHECK_MEM(got, w2, 32);
}

static void streaming(void)
{
    enum { N = 1200 };
    uint8_t *data = malloc(N);
    wc_test_fill(data, N, 7);
    for (size_t len = 0; len <= N; len += (len < 300 ? 1 : 97)) {
        uint8_t want[32], got[32];
        wc_blake2b256(data, len, want);
        for (size_t step = 1; step <= 200; step = step * 3 + 1) {
            wc_blake2b_state s;
            wc_blake2b256_init(&s);
            for (size_t off = 0; off < len; off += step)
                wc_blake2b256_update(&s, data + off, off + step <= len ? step : len - off);
            wc_blake2b256_final(&s, got);
            CHECK_MEM(got, want, 32);
        }
    }
    free(data);
}

/* count messages of len bytes, each in its own allocation ending exactly at
 * the message's end. */
static void check_many(const struct wc_kernels *kern, size_t len, size_t count, int prefix, unsigned seed)
{
    const uint8_t **msgs = calloc(count ? count : 1, sizeof *msgs);
    uint8_t **bufs = calloc(count ? count : 1, sizeof *bufs);
    uint8_t *want = malloc(32 * count + 1), *got = malloc(32 * count + 1);
    for (size_t i = 0; i < count; i++) {
        bufs[i] = malloc(len ? len : 1);
        wc_test_fill(bufs[i], len, seed + (unsigned)i);
        msgs[i] = len ? bufs[i] : NULL;
    }
    for (size_t i = 0; i < count; i++) wc_blake2b256_one_portable(msgs[i], len, prefix, want + 32 * i);
    memset(got, 0xA5, 32 * count + 1);
    wc_blake2b256_many(kern, msgs, len, count, prefix, got);
    CHECK_MEM(got, want, 32 * count);
    CHECK(got[32 * count] == 0xA5); /* no write past the output */
    for (size_t i = 0; i < count; i++) free(bufs[i]);
    free(bufs);
    free(msgs);
    free(want);
    free(got);
}

/* merkle_parents of every backend against one-message hashing of
 * 0x01 || left || right, tree by tree, out of place and in place; the
 * guard word after the parents stays untouched. */
static void check_parents(const struct wc_kernels *kern)
{
    enum { COUNT = 5, W = WC_B2B_NODE_WORDS };
    uint64_t children[2 * COUNT * W], parents[COUNT * W + 1], want[COUNT * W];
    uint8_t bytes[sizeof children];
    wc_test_fill(bytes, sizeof bytes, 17);
    for (size_t i = 0; i < 2 * COUNT * W; i++) children[i] = wc_load64_le(bytes + 8 * i);
    for (size_t i = 0; i < COUNT; i++)
        for (size_t l = 0; l < WC_B2B_TREES; l++) {
            uint8_t msg[64], digest[32];
            for (size_t w = 0; w < 4; w++) {
                wc_store64_le(msg + 8 * w, children[2 * i * W + WC_B2B_TREES * w + l]);
                wc_store64_le(msg + 32 + 8 * w, children[(2 * i + 1) * W + WC_B2B_TREES * w + l]);
            }
            wc_blake2b256_one_portable(msg, 64, 1, digest);
            for (size_t w = 0; w < 4; w++) want[i * W + WC_B2B_TREES * w + l] = wc_load64_le(digest + 8 * w);
        }
    parents[COUNT * W] = 0xA5A5;
    kern->hash->merkle_parents(children, COUNT, parents);
    CHECK(memcmp(parents, want, sizeof want) == 0);
    CHECK(parents[COUNT * W] == 0xA5A5);
    kern->hash->merkle_parents(children, COUNT, children);
    CHECK(memcmp(children, want, sizeof want) == 0);
}

static void backends(void)
{
    static const int prefixes[] = {-1, 0, 1, 255};
    FOR_EACH_BACKEND(kern)
    {
        int before = wc_test_failures;
        for (size_t len = 0; len <= 300; len++)
            for (size_t pi = 0; pi < 4; pi++) check_many(kern, len, 11, prefixes[pi], (unsigned)len);
        for (size_t count = 0; count <= 9; count++)
            for (size_t pi = 0; pi < 4; pi++) {
                check_many(kern, 3, count, prefixes[pi], 11);
                check_many(kern, 64, count, prefixes[pi], 12);
                check_many(kern, 127, count, prefixes[pi], 13);
                check_many(kern, 200, count, prefixes[pi], 14);
            }
        static const size_t big[] = {383, 384, 385, 1023, 1024, 1025, 4095, 4096, 4097, 65535, 65536};
        for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
            for (size_t pi = 0; pi < 4; pi++) check_many(kern, big[i], 11, prefixes[pi], 21);
        /* the same pointer in every lane, and the public entry with NULL kern */
        {
            uint8_t data[65], want[32], got[32 * 7];
            const uint8_t *same[7];
            wc_test_fill(data, sizeof data, 3);
            for (int i = 0; i < 7; i++) same[i] = data + 1;
            wc_blake2b256_one_portable(data + 1, 64, 1, want);
            wc_blake2b256_many(kern, same, 64, 7, 1, got);
            for (int i = 0; i < 7; i++) CHECK_MEM(got + 32 * i, want, 32);
            wc_blake2b256_many(NULL, same, 64, 1, 1, got);
            CHECK_MEM(got, want, 32);
        }
        /* strided form: overlapping, equal and gapped messages */
        {
            enum { N = 700 };
            uint8_t *buf = malloc(70 * N), *a = malloc(32 * N), *b = malloc(32 * N);
            const uint8_t **ptrs = malloc(N * sizeof *ptrs);
            static const size_t strides[] = {0, 1, 64, 65, 70};
            wc_test_fill(buf, 70 * N, 5);
            for (size_t si = 0; si < 5; si++) {
                size_t st = strides[si], len = 64;
                for (size_t i = 0; i < N; i++) ptrs[i] = buf + i * st;
                wc_blake2b256_many_portable(ptrs, len, N, 1, a);
                wc_blake2b256_many_strided(kern, buf, st, len, N, 1, b);
                CHECK_MEM(a, b, 32 * N);
            }
            free(buf);
            free(a);
            free(b);
            free(ptrs);
        }
        check_parents(kern);
        printf("  backend %-8s lanes=%u %s\n", kern->name, kern->hash->lanes,
               wc_test_failures == before ? "ok" : "FAILED");
    }
}

int main(void)
{
    known_answers();
    streaming();
    backends();
    return wc_test_report("test_blake2b");
}
