/* 2-D encoder/decoder (blob_*.c): known blob IDs published by Walrus and its
 * WASM package (spec §10), encode -> decode round trips from either axis,
 * line roots == encoder roots, line recovery, argument checks. */
#include <stdint.h>

#include "blob.h"
#include "tuning.h"
#include "merkle.h"
#include "wc_test.h"

static void hex32(const char *hex, uint8_t out[32])
{
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

static void test_known_ids(const struct wc_kernels *kern, unsigned threads)
{
    uint8_t id[32], want[32];
    /* n = 1000, empty blob, and bytes 0..9 (asserted by @mysten/walrus-wasm's own tests) */
    CHECK_EQ_INT(wc_blob_encode(kern, 1000, NULL, 0, threads, NULL, NULL, id, NULL, 0, 0, NULL, 0), WC_OK);
    hex32("dc63d02f71d936716137f17b97901af97d553ad00ac08b20f73b9693c47cd6fe", want);
    CHECK_MEM(id, want, 32);
    uint8_t ten[10];
    for (int i = 0; i < 10; i++) ten[i] = (uint8_t)i;
    CHECK_EQ_INT(wc_blob_encode(kern, 1000, ten, 10, threads, NULL, NULL, id, NULL, 0, 0, NULL, 0), WC_OK);
    hex32("865ca48479104a9bdc136f7d6730b7f3920012eccb4e99ba8540b9363766e093", want);
    CHECK_MEM(id, want, 32);
    /* walrus-core's regression test, n = 10: RcU82Mwf-CFkv1LaI_2qcpANwpGUuG3TMwnVzZxD2kY */
    const char *msg = "walrus blob id v1 regression test";
    CHECK_EQ_INT(wc_blob_encode(kern, 10, (const uint8_t *)msg, strlen(msg), threads, NULL, NULL, id, NULL, 0,
                                0, NULL, 0),
                 WC_OK);
    hex32("45c53cd8cc1ff82164bf52da23fdaa72900dc29194b86dd33309d5cd9c43da46", want);
    CHECK_MEM(id, want, 32);
}

static void test_round_trip(const struct wc_kernels *kern, size_t n, size_t len, unsigned threads)
{
    struct wc_blob_layout L;
    CHECK_EQ_INT(wc_blob_layout_init(n, len, &L), WC_OK);
    const size_t S = L.S, p = L.p, s = L.s;
    uint8_t *data = (uint8_t *)malloc(len + 1);
    uint8_t *prim = (uint8_t *)malloc(n * s * S);
    uint8_t *sec = (uint8_t *)malloc(n * p * S);
    uint8_t *rr = (uint8_t *)malloc(n * 32), *cr = (uint8_t *)malloc(n * 32);
    uint8_t *rr2 = (uint8_t *)malloc(n * 32), *cr2 = (uint8_t *)malloc(n * 32);
    uint8_t *out = (uint8_t *)malloc(p * s * S);
    size_t *idx = (size_t *)malloc(n * sizeof(size_t));
    const uint8_t **ptr = (const uint8_t **)malloc(n * sizeof(*ptr));
    uint8_t id1[32], id2[32];
    wc_test_fill(data, len, (unsigned)(n * 7 + len));
    CHECK_EQ_INT(wc_blob_encode(kern, n, data, len, threads, rr, cr, id1, prim, 0, n * s * S, sec, n * p * S),
                 WC_OK);
    CHECK_EQ_INT(wc_blob_encode(kern, n, data, len, threads, rr2, cr2, id2, NULL, 0, 0, NULL, 0), WC_OK);
    CHECK_MEM(rr, rr2, n * 32);
    CHECK_MEM(cr, cr2, n * 32);
    CHECK_MEM(id1, id2, 32);
    /* systematic slivers are the data */
    CHECK(len < s * S || memcmp(prim, data, s * S) == 0);
    /* banded metadata pass (every size), and slivers without the whole input rows */
    CHECK_EQ_INT(wc_knob_set(WC_KNOB_BLOB_BAND_MIN, 0), WC_OK);
    CHECK_EQ_INT(wc_blob_encode(kern, n, data, len, threads, rr2, cr2, id2, NULL, 0, 0, NULL, 0), WC_OK);
    CHECK_EQ_INT(wc_knob_set(WC_KNOB_COUNT, 0), WC_OK);
    CHECK_MEM(id1, id2, 32);
    CHECK_MEM(rr, rr2, n * 32);
    size_t row0 = len / (s * S) < p ? len / (s * S) : p;
    uint8_t *prim2 = (uint8_t *)malloc((n - row0) * s * S + 1);
    uint8_t *sec2 = (uint8_t *)malloc(n * p * S);
    size_t plen = (n - row0) * s * S, slen = n * p * S;
    CHECK_EQ_INT(wc_blob_encode(kern, n, data, len, threads, NULL, NULL, id2, prim2, row0, plen, sec2, slen),
                 WC_OK);
    CHECK_MEM(id1, id2, 32);
    CHECK_MEM(prim2, prim + row0 * s * S, (n - row0) * s * S);
    CHECK_MEM(sec2, sec, n * p * S);
    CHECK_EQ_INT(wc_blob_encode(kern, n, data, len, threads, NULL, NULL, id2, prim2, row0 + 1, plen - s * S,
                                sec2, slen),
                 WC_ERR_ARG);
    CHECK_EQ_INT(
        wc_blob_encode(kern, n, data, len, threads, NULL, NULL, id2, prim2, row0, plen - 1, sec2, slen),
        WC_ERR_SIZE);
    CHECK_EQ_INT(
        wc_blob_encode(kern, n, data, len, threads, NULL, NULL, id2, prim2, row0, plen, sec2, slen + 1),
        WC_ERR_SIZE);
    free(prim2);
    free(sec2);

    /* decode from the last p primary slivers */
    for (size_t i = 0; i < p; i++) {
        idx[i] = n - 1 - i;
        ptr[i] = prim + idx[i] * s * S;
    }
    memset(out, 0xAA, p * s * S);
    size_t olen = p * s * S;
    CHECK_EQ_INT(wc_blob_decode(kern, n, len, WC_BLOB_PRIMARY, p, idx, ptr, threads, out, olen), WC_OK);
    CHECK_MEM(out, data, len);
    for (size_t i = len; i < olen; i++) CHECK(out[i] == 0);
    CHECK_EQ_INT(wc_blob_decode(kern, n, len, WC_BLOB_PRIMARY, p - 1, idx, ptr, threads, out, olen),
                 WC_ERR_TOO_FEW);
    CHECK_EQ_INT(wc_blob_decode(kern, n, len, WC_BLOB_PRIMARY, p, idx, ptr, threads, out, olen - 1),
                 WC_ERR_SIZE);
    /* The same slivers under a shorter length with the same S (metadata that
     * lies about the length): the message past that length is zeroed, never
     * returned, so a consistency check sees the zero-padded rows (spec §7). */
    struct wc_blob_layout L2;
    if (len > 1 && wc_blob_layout_init(n, len - 1, &L2) == WC_OK && L2.S == S) {
        CHECK_EQ_INT(wc_blob_decode(kern, n, len - 1, WC_BLOB_PRIMARY, p, idx, ptr, threads, out, olen),
                     WC_OK);
        CHECK_MEM(out, data, len - 1);
        for (size_t i = len - 1; i < olen; i++) CHECK(out[i] == 0);
    }
    /* decode from s secondary slivers, every other one first */
    size_t c = 0;
    for (size_t j = 0; j < n && c < s; j += 2) idx[c++] = j;
    for (size_t j = 1; j < n && c < s; j += 2) idx[c++] = j;
    for (size_t i = 0; i < s; i++) ptr[i] = sec + idx[i] * p * S;
    memset(out, 0x55, p * s * S);
    CHECK_EQ_INT(wc_blob_decode(kern, n, len, WC_BLOB_SECONDARY, s, idx, ptr, threads, out, olen), WC_OK);
    CHECK_MEM(out, data, len);

    /* line roots of every sliver == the encoder's roots */
    for (size_t i = 0; i < n; i++) ptr[i] = prim + i * s * S;
    CHECK_EQ_INT(
        wc_blob_line_roots(kern, n, S, WC_BLOB_PRIMARY, n, ptr, threads, rr2, n * 32, NULL, 0, NULL, 0),
        WC_OK);
    CHECK_MEM(rr, rr2, n * 32);
    for (size_t i = 0; i < n; i++) ptr[i] = sec + i * p * S;
    uint8_t *expanded = (uint8_t *)malloc(n * n * S);
    uint8_t *leaves = (uint8_t *)malloc(n * n * 32);
    CHECK_EQ_INT(wc_blob_line_roots(kern, n, S, WC_BLOB_SECONDARY, n, ptr, threads, cr2, n * 32, expanded,
                                    n * n * S, leaves, n * n * 32),
                 WC_OK);
    /* the leaf hashes are the symbols' leaf hashes, their tree the root */
    uint8_t leaf_root[32];
    CHECK_EQ_INT(wc_merkle_root(kern, expanded + (n - 1) * n * S, n * S, S, leaf_root), WC_OK);
    CHECK_MEM(leaf_root, cr + (n - 1) * 32, 32);
    CHECK_EQ_INT(wc_merkle_root_from_leaf_hashes(kern, leaves + (n - 1) * n * 32, n, leaf_root), WC_OK);
    CHECK_MEM(leaf_root, cr + (n - 1) * 32, 32);
    CHECK_EQ_INT(wc_blob_line_roots(kern, n, S, WC_BLOB_SECONDARY, n, ptr, threads, cr2, n * 32, expanded,
                                    n * n * S - 1, NULL, 0),
                 WC_ERR_SIZE);
    free(leaves);
    CHECK_MEM(cr, cr2, n * 32);

    /* recover primary sliver t from X[t][j], j = 0..s-1 (column j expanded) */
    size_t t = n / 2;
    for (size_t j = 0; j < s; j++) {
        idx[j] = n - 1 - j;
        ptr[j] = expanded + idx[j] * n * S + t * S;
    }
    uint8_t *line = (uint8_t *)malloc(s * S);
    CHECK_EQ_INT(wc_blob_recover_line(kern, n, S, WC_BLOB_PRIMARY, s, idx, ptr, line, s * S), WC_OK);
    CHECK_MEM(line, prim + t * s * S, s * S);
    CHECK_EQ_INT(wc_blob_recover_line(kern, n, S, WC_BLOB_PRIMARY, s - 1, idx, ptr, line, s * S),
                 WC_ERR_TOO_FEW);
    CHECK_EQ_INT(wc_blob_recover_line(kern, n, S, WC_BLOB_PRIMARY, s, idx, ptr, line, p * S), WC_ERR_SIZE);
    idx[0] = n;
    CHECK_EQ_INT(wc_blob_recover_line(kern, n, S, WC_BLOB_PRIMARY, s, idx, ptr, line, s * S), WC_ERR_INDEX);

    free(line);
    free(expanded);
    free(data);
    free(prim);
    free(sec);
    free(rr);
    free(cr);
    free(rr2);
    free(cr2);
    free(out);
    free(idx);
    free((void *)ptr);
}

static void test_args(const struct wc_kernels *kern)
{
    uint8_t id[32];
    struct wc_blob_layout L;
    CHECK_EQ_INT(wc_blob_layout_init(3, 0, &L), WC_ERR_COUNT);
    CHECK_EQ_INT(wc_blob_layout_init(4, 2 * 3 * 65534, &L), WC_OK);
    CHECK_EQ_INT(L.S, 65534);
    CHECK_EQ_INT(wc_blob_layout_init(4, 2 * 3 * 65534 + 1, &L), WC_ERR_TOO_LARGE);
    CHECK_EQ_INT(wc_blob_layout_init(1000, 0, &L), WC_OK);
    CHECK_EQ_INT(L.p, 334);
    CHECK_EQ_INT(L.s, 667);
    CHECK_EQ_INT(L.S, 2);
    CHECK_EQ_INT(wc_blob_encode(kern, 3, NULL, 0, 1, NULL, NULL, id, NULL, 0, 0, NULL, 0), WC_ERR_COUNT);
    CHECK_EQ_INT(wc_blob_encode(kern, 10, NULL, 5, 1, NULL, NULL, id, NULL, 0, 0, NULL, 0), WC_ERR_ARG);
    CHECK_EQ_INT(wc_blob_encode(NULL, 10, NULL, 0, 1, NULL, NULL, id, NULL, 0, 0, NULL, 0), WC_ERR_ARG);
    CHECK_EQ_INT(wc_blob_encode(kern, 10, NULL, 0, 0, NULL, NULL, id, NULL, 0, 0, NULL, 0), WC_ERR_ARG);
    CHECK_EQ_INT(wc_blob_line_roots(kern, 10, 3, WC_BLOB_PRIMARY, 0, NULL, 1, id, 0, NULL, 0, NULL, 0),
                 WC_ERR_SIZE);
    CHECK_EQ_INT(wc_blob_decode(kern, 10, 0, 7, 0, NULL, NULL, 1, id, 32), WC_ERR_ARG);
    CHECK_EQ_INT(wc_blob_decode(kern, 10, 0, WC_BLOB_PRIMARY, 0, NULL, NULL, 0, id, 32), WC_ERR_ARG);
}

int main(void)
{
    FOR_EACH_BACKEND(kern)
    {
        fprintf(stderr, "  backend %s\n", kern->name);
        test_args(kern);
        test_known_ids(kern, 1);
        test_known_ids(kern, 2);
        static const size_t ns[] = {4, 5, 10, 13, 33, 100};
        static const size_t lens[] = {0, 1, 63, 1000, 4097, 70001};
        for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
            for (size_t b = 0; b < sizeof lens / sizeof lens[0]; b++) {
                if (ns[a] == 4 && lens[b] > 393204) continue;
                test_round_trip(kern, ns[a], lens[b], (unsigned)(1 + (a + b) % 3));
            }
    }
    return wc_test_report("test_blob");
}
