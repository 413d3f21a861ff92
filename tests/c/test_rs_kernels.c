/* Every compiled RS kernel backend against an independent scalar oracle
 * built here from the field definition (spec §3.1), and against the portable
 * twin (rs_portable.c): many multipliers (log 0, 1, 65534, random), lengths
 * 64 .. 64*N, unaligned starts, and buffers that end flush with their
 * allocation so ASan sees any over-read or over-write. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gf16.h"
#include "wc_test.h"

/* ---- Oracle: GF(2^16) in Cantor coordinates, straight from the spec ---- */

static uint16_t o_log[65536], o_exp[65536];

static void oracle_init(void)
{
    static const uint16_t cantor[16] = {0x0001, 0xACCA, 0x3C0E, 0x163E, 0xC582, 0xED2E, 0x914C, 0x4012,
                                        0x6C98, 0x10D8, 0x6A72, 0xB900, 0xFDB8, 0xFB34, 0xFF38, 0x991E};
    static uint16_t plog[65536];
    uint32_t y = 1;
    for (uint32_t e = 0; e < 65535; e++) {
        plog[y] = (uint16_t)e;
        y <<= 1;
        if (y & 0x10000u) y ^= 0x1002Du;
    }
    for (uint32_t v = 1; v < 65536; v++) {
        uint16_t p = 0;
        for (int b = 0; b < 16; b++)
            if ((v >> b) & 1u) p ^= cantor[b];
        o_log[v] = plog[p];
        o_exp[plog[p]] = (uint16_t)v;
    }
    o_log[0] = 65535;
    o_exp[65535] = o_exp[0];
}

static uint16_t o_mul_log(uint16_t a, uint16_t log_m)
{
    if (a == 0) return 0;
    return o_exp[((uint32_t)o_log[a] + log_m) % 65535u];
}

static uint16_t o_mul(uint16_t a, uint16_t b)
{
    return b ? o_mul_log(a, o_log[b]) : 0;
}

/* Element i of a packed buffer (rs_kernels.h layout). */
static uint16_t get_el(const uint8_t *p, size_t i)
{
    size_t blk = i / 32, j = i % 32;
    return (uint16_t)(p[64 * blk + j] | (p[64 * blk + 32 + j] << 8));
}

static void set_el(uint8_t *p, size_t i, uint16_t v)
{
    size_t blk = i / 32, j = i % 32;
    p[64 * blk + j] = (uint8_t)v;
    p[64 * blk + 32 + j] = (uint8_t)(v >> 8);
}

static void o_fft(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes)
{
    for (size_t i = 0; i < bytes / 2; i++) {
        uint16_t a = get_el(x, i), b = get_el(y, i);
        a ^= o_mul_log(b, log_m);
        b ^= a;
        set_el(x, i, a);
        set_el(y, i, b);
    }
}

static void o_ifft(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes)
{
    for (size_t i = 0; i < bytes / 2; i++) {
        uint16_t a = get_el(x, i), b = get_el(y, i);
        b ^= a;
        a ^= o_mul_log(b, log_m);
        set_el(x, i, a);
        set_el(y, i, b);
    }
}

static void o_mul_buf(uint8_t *x, uint16_t log_m, size_t bytes)
{
    for (size_t i = 0; i < bytes / 2; i++) set_el(x, i, o_mul_log(get_el(x, i), log_m));
}

static void o_xor(uint8_t *d, const uint8_t *s, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++) d[i] ^= s[i];
}

/* ---- Buffers flush with the end of their allocation ---- */

#define GUARD 0xA5

struct fbuf {
    uint8_t *alloc; /* off guard bytes, then bytes of data, then nothing */
    uint8_t *p;
    size_t off, bytes;
};

static struct fbuf fbuf_new(size_t off, size_t bytes, unsigned seed)
{
    struct fbuf b;
    b.alloc = (uint8_t *)malloc(off + bytes);
    if (!b.alloc) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memset(b.alloc, GUARD, off);
    b.p = b.alloc + off;
    b.off = off;
    b.bytes = bytes;
    wc_test_fill(b.p, bytes, seed);
    return b;
}

static int guard_ok(const struct fbuf *b)
{
    for (size_t i = 0; i < b->off; i++)
        if (b->alloc[i] != GUARD) return 0;
    return 1;
}

/* ---- Tests ---- */

static uint32_t rng_state = 0x12345678u;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void test_oracle_sanity(void)
{
    /* spec §3.1 sanity values: the oracle itself is right */
    CHECK_EQ_INT(o_log[1], 0);
    CHECK_EQ_INT(o_log[2], 21845);
    CHECK_EQ_INT(o_log[3], 43690);
    CHECK_EQ_INT(o_log[4], 17476);
    CHECK_EQ_INT(o_exp[1], 18064);
    CHECK_EQ_INT(o_mul(2, 2), 3);
    CHECK_EQ_INT(o_mul(0x1234, 0x5678), 0x35C9);
    CHECK_EQ_INT(o_mul(0xFFFF, 0xFFFF), 0x8000);
}

/* The library's tables and multiply-by-m nibble tables agree with the oracle. */
static void test_gf16_tables(void)
{
    wc_gf16_init();
    int bad_log = 0, bad_exp = 0, bad_lut = 0;
    for (uint32_t v = 0; v < 65536; v++) {
        bad_log += wc_gf16_log[v] != o_log[v];
        bad_exp += wc_gf16_exp[v] != o_exp[v];
    }
    CHECK_EQ_INT(bad_log, 0);
    CHECK_EQ_INT(bad_exp, 0);
    for (uint32_t l = 0; l < 65535; l++) {
        const uint8_t *lut = wc_gf16_mul_lut((uint16_t)l);
        for (int n = 0; n < 4; n++)
            for (int v = 0; v < 16; v++) {
                uint16_t r = o_mul_log((uint16_t)(v << (4 * n)), (uint16_t)l);
                bad_lut += lut[16 * n + v] != (uint8_t)r;
                bad_lut += lut[64 + 16 * n + v] != (uint8_t)(r >> 8);
            }
        if (bad_lut) {
            fprintf(stderr, "wc_gf16_mul_lut(%u) differs from the oracle\n", (unsigned)l);
            break;
        }
    }
    CHECK_EQ_INT(bad_lut, 0);
}

static void run_oracle(enum wc_test_rs_op op, uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes)
{
    switch (op) {
    case OP_FFT:
        o_fft(x, y, log_m, bytes);
        break;
    case OP_IFFT:
        o_ifft(x, y, log_m, bytes);
        break;
    case OP_MUL:
        o_mul_buf(x, log_m, bytes);
        break;
    case OP_XOR:
        o_xor(x, y, bytes);
        break;
    default:
        break;
    }
}

static int kernels_complete(const struct wc_rs_kernels *k)
{
    return k && k->fft_butterfly && k->ifft_butterfly && k->mul && k->xor_into;
}

/* One case: backend k vs the oracle and (when present) the portable twin. */
static int one_case(const struct wc_kernels *kern, enum wc_test_rs_op op, uint16_t log_m, size_t bytes,
                    size_t xoff, size_t yoff, unsigned seed)
{
    const struct wc_rs_kernels *k = kern->rs;
    const struct wc_rs_kernels *port = &wc_rs_kernels_portable;
    struct fbuf x = fbuf_new(xoff, bytes, seed), y = fbuf_new(yoff, bytes, seed * 7u + 1u);
    uint8_t *ex = (uint8_t *)malloc(bytes), *ey = (uint8_t *)malloc(bytes);
    uint8_t *px = (uint8_t *)malloc(bytes), *py = (uint8_t *)malloc(bytes);
    if (!ex || !ey || !px || !py) exit(2);
    memcpy(ex, x.p, bytes);
    memcpy(ey, y.p, bytes);
    memcpy(px, x.p, bytes);
    memcpy(py, y.p, bytes);
    /* a few special element values: zero, one, all ones */
    set_el(ex, 0, 0), set_el(x.p, 0, 0), set_el(px, 0, 0);
    set_el(ey, 1, 1), set_el(y.p, 1, 1), set_el(py, 1, 1);
    set_el(ey, 2, 0xFFFF), set_el(y.p, 2, 0xFFFF), set_el(py, 2, 0xFFFF);

    run_oracle(op, ex, ey, log_m, bytes);
    wc_test_rs_op_run(k, op, x.p, y.p, log_m, bytes);
    int ok = memcmp(ex, x.p, bytes) == 0 && memcmp(ey, y.p, bytes) == 0 && guard_ok(&x) && guard_ok(&y);
    if (!ok)
        fprintf(stderr, "  %s %s: log_m=%u bytes=%zu xoff=%zu yoff=%zu differs from the oracle\n", kern->name,
                wc_test_rs_op_names[op], (unsigned)log_m, bytes, xoff, yoff);
    if (ok && kernels_complete(port) && port != k) {
        wc_test_rs_op_run(port, op, px, py, log_m, bytes);
        ok = memcmp(px, x.p, bytes) == 0 && memcmp(py, y.p, bytes) == 0;
        if (!ok)
            fprintf(stderr, "  %s %s: log_m=%u bytes=%zu differs from portable\n", kern->name,
                    wc_test_rs_op_names[op], (unsigned)log_m, bytes);
    }
    free(ex), free(ey), free(px), free(py);
    free(x.alloc), free(y.alloc);
    return ok;
}

static void test_kernels_vs_oracle(const struct wc_kernels *kern)
{
    static const size_t blocks[] = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 127};
    static const size_t offs[][2] = {{0, 0}, {1, 3}, {7, 0}, {0, 13}, {31, 33}, {63, 1}};
    uint16_t logs[48];
    size_t nlogs = 0;
    logs[nlogs++] = 0; /* m = 1 */
    logs[nlogs++] = 1;
    logs[nlogs++] = 2;
    logs[nlogs++] = 21845; /* m = 2 */
    logs[nlogs++] = 32767;
    logs[nlogs++] = 65533;
    logs[nlogs++] = 65534; /* largest valid log */
    while (nlogs < sizeof(logs) / sizeof(logs[0])) logs[nlogs++] = (uint16_t)(rng() % 65535u);

    const struct wc_rs_kernels *k = kern->rs;
    if (!kernels_complete(k)) {
        fprintf(stderr, "  backend %s: RS kernel table incomplete\n", kern->name);
        CHECK(kernels_complete(k));
        return;
    }
    int failures = 0;
    unsigned seed = 1;
    for (int op = 0; op < OP_COUNT; op++)
        for (size_t li = 0; li < nlogs; li++) {
            /* xor_into ignores the multiplier: a few suffice */
            if (op == OP_XOR && li >= 3) break;
            for (size_t bi = 0; bi < sizeof(blocks) / sizeof(blocks[0]); bi++) {
                size_t oi = (li + bi) % (sizeof(offs) / sizeof(offs[0]));
                if (!one_case(kern, (enum wc_test_rs_op)op, logs[li], 64 * blocks[bi], offs[oi][0],
                              offs[oi][1], seed++))
                    if (++failures > 10) goto out;
            }
        }
out:
    CHECK_EQ_INT(failures, 0);
}

/* xor_sum, where a backend has one: the XOR of n sources (0 .. 12, as the
 * formal derivative uses) into dst, against byte-wise XOR. */
static void test_xor_sum(const struct wc_kernels *kern)
{
    const struct wc_rs_kernels *k = kern->rs;
    if (!k || !k->xor_sum) return;
    enum { MAXN = 12, BYTES = 64 * 9 };
    static uint8_t src[MAXN][BYTES + 7], dst[BYTES + 5], want[BYTES];
    const uint8_t *ptr[MAXN];
    for (size_t n = 0; n <= MAXN; n++) {
        for (size_t s = 0; s < MAXN; s++) {
            wc_test_fill(src[s], sizeof src[s], (unsigned)(100 + 13 * n + s));
            ptr[s] = src[s] + (s % 8); /* unaligned sources */
        }
        wc_test_fill(dst, sizeof dst, (unsigned)(7 + n));
        memcpy(want, dst + 5, BYTES);
        for (size_t s = 0; s < n; s++)
            for (size_t i = 0; i < BYTES; i++) want[i] ^= ptr[s][i];
        k->xor_sum(dst + 5, ptr, n, BYTES);
        CHECK_MEM(dst + 5, want, BYTES);
    }
}

/* mul_from, where a backend has one: dst = src * m equals copy-then-mul of
 * the portable oracle table, for unaligned buffers and several multipliers. */
static void test_mul_from(const struct wc_kernels *kern)
{
    const struct wc_rs_kernels *k = kern->rs;
    if (!k || !k->mul_from) return;
    enum { BYTES = 64 * 7 };
    static uint8_t src[BYTES + 3], dst[BYTES + 9], want[BYTES];
    static const uint16_t logs[] = {0, 1, 21845, 65534, 12345};
    for (size_t li = 0; li < sizeof logs / sizeof logs[0]; li++) {
        wc_test_fill(src, sizeof src, (unsigned)(31 + li));
        memcpy(want, src + 3, BYTES);
        wc_rs_kernels_portable.mul(want, logs[li], BYTES);
        k->mul_from(dst + 9, src + 3, logs[li], BYTES);
        CHECK_MEM(dst + 9, want, BYTES);
    }
}

/* ifft_butterfly_acc, where a backend has one: the portable oracle's IFFT
 * butterfly on copies, XORed into the accumulators; x and y unchanged. */
static void test_ifft_butterfly_acc(const struct wc_kernels *kern)
{
    const struct wc_rs_kernels *k = kern->rs;
    if (!k || !k->ifft_butterfly_acc) return;
    enum { BYTES = 64 * 5 };
    static uint8_t x[BYTES + 1], y[BYTES + 2], ax[BYTES + 3], ay[BYTES + 4];
    static uint8_t x0[BYTES], y0[BYTES], ex[BYTES], ey[BYTES];
    static const uint16_t logs[] = {0, 1, 21845, 65534, 4321};
    for (size_t li = 0; li < sizeof logs / sizeof logs[0]; li++) {
        wc_test_fill(x, sizeof x, (unsigned)(51 + li));
        wc_test_fill(y, sizeof y, (unsigned)(61 + li));
        wc_test_fill(ax, sizeof ax, (unsigned)(71 + li));
        wc_test_fill(ay, sizeof ay, (unsigned)(81 + li));
        memcpy(x0, x + 1, BYTES);
        memcpy(y0, y + 2, BYTES);
        memcpy(ex, x + 1, BYTES);
        memcpy(ey, y + 2, BYTES);
        wc_rs_kernels_portable.ifft_butterfly(ex, ey, logs[li], BYTES);
        for (size_t i = 0; i < BYTES; i++) ex[i] ^= ax[3 + i], ey[i] ^= ay[4 + i];
        k->ifft_butterfly_acc(x + 1, y + 2, ax + 3, ay + 4, logs[li], BYTES);
        CHECK_MEM(ax + 3, ex, BYTES);
        CHECK_MEM(ay + 4, ey, BYTES);
        CHECK_MEM(x + 1, x0, BYTES);
        CHECK_MEM(y + 2, y0, BYTES);
    }
}

/* A butterfly of the oracle with the twiddle convention of the fused steps
 * (WC_RS_TW_ZERO: the zero multiplier, a plain XOR). */
static void o_bf(int inverse, uint8_t *x, uint8_t *y, uint32_t g, size_t bytes)
{
    if (g == WC_RS_TW_ZERO) {
        for (size_t i = 0; i < bytes; i++) y[i] ^= x[i];
    } else if (inverse) {
        o_ifft(x, y, (uint16_t)g, bytes);
    } else {
        o_fft(x, y, (uint16_t)g, bytes);
    }
}

/* fft4/ifft4, where a backend has them: the four oracle butterflies of
 * rs_kernels.h, for real, zero and skipped twiddles, in place and out of
 * place (unaligned, each slice ending flush with its allocation). */
static void test_fused_steps(const struct wc_kernels *kern)
{
    const struct wc_rs_kernels *k = kern->rs;
    if (!k || !k->fft4 || !k->ifft4) return;
    enum { BYTES = 64 * 6 };
    static const uint32_t tw[] = {1, 65534, 21845, WC_RS_TW_ZERO, WC_RS_TW_SKIP};
    struct fbuf src[4], dst[4];
    uint8_t want[4][BYTES];
    for (int i = 0; i < 4; i++) {
        src[i] = fbuf_new((size_t)(1 + i), BYTES, (unsigned)(200 + i));
        dst[i] = fbuf_new((size_t)(3 + i), BYTES, (unsigned)(210 + i));
    }
    int bad = 0;
    for (int inverse = 0; inverse < 2; inverse++)
        for (size_t a = 0; a < 5; a++)
            for (size_t b = 0; b < 5; b++)
                for (size_t c = 0; c < 5; c++) {
                    uint32_t g1 = tw[a], g2 = tw[b], g3 = tw[c];
                    /* g1 of fft4 and g3 of ifft4 are never SKIP */
                    if ((!inverse && g1 == WC_RS_TW_SKIP) || (inverse && g3 == WC_RS_TW_SKIP)) continue;
                    for (int i = 0; i < 4; i++) {
                        wc_test_fill(src[i].p, BYTES, (unsigned)(a * 100 + b * 10 + c + 7 * i));
                        memcpy(want[i], src[i].p, BYTES);
                    }
                    if (!inverse) {
                        o_bf(0, want[0], want[2], g1, BYTES);
                        o_bf(0, want[1], want[3], g1, BYTES);
                        if (g2 != WC_RS_TW_SKIP) o_bf(0, want[0], want[1], g2, BYTES);
                        if (g3 != WC_RS_TW_SKIP) o_bf(0, want[2], want[3], g3, BYTES);
                    } else {
                        if (g1 != WC_RS_TW_SKIP) o_bf(1, want[0], want[1], g1, BYTES);
                        if (g2 != WC_RS_TW_SKIP) o_bf(1, want[2], want[3], g2, BYTES);
                        o_bf(1, want[0], want[2], g3, BYTES);
                        o_bf(1, want[1], want[3], g3, BYTES);
                    }
                    uint8_t *d[4] = {dst[0].p, dst[1].p, dst[2].p, dst[3].p};
                    const uint8_t *sp[4] = {src[0].p, src[1].p, src[2].p, src[3].p};
                    (inverse ? k->ifft4 : k->fft4)(d, sp, g1, g2, g3, BYTES);
                    for (int i = 0; i < 4; i++) bad += memcmp(d[i], want[i], BYTES) != 0;
                    uint8_t *q[4] = {src[0].p, src[1].p, src[2].p, src[3].p}; /* in place */
                    (inverse ? k->ifft4 : k->fft4)(q, (const uint8_t *const *)q, g1, g2, g3, BYTES);
                    for (int i = 0; i < 4; i++) bad += memcmp(q[i], want[i], BYTES) != 0;
                }
    CHECK_EQ_INT(bad, 0);
    for (int i = 0; i < 4; i++) free(src[i].alloc), free(dst[i].alloc);
}

/* Every multiplier once (one short buffer each), so no table row is missed. */
static void test_all_multipliers(const struct wc_kernels *kern)
{
    const struct wc_rs_kernels *k = kern->rs;
    if (!kernels_complete(k)) return;
    uint8_t x[128], y[128], ex[128], ey[128];
    int bad = 0;
    wc_test_fill(x, sizeof x, 99);
    for (uint32_t l = 0; l < 65535 && bad < 5; l++) {
        /* element lanes cover all 16 values of every nibble */
        for (size_t i = 0; i < 64; i++) set_el(x, i, (uint16_t)(0x1111u * (i % 16) ^ (l * 40503u >> 3)));
        memcpy(y, x, sizeof y);
        memcpy(ex, x, sizeof ex);
        memcpy(ey, x, sizeof ey);
        for (size_t i = 0; i < 64; i++) set_el(ey, i, get_el(ey, i) ^ (uint16_t)(i * 977u));
        memcpy(y, ey, sizeof y);
        k->fft_butterfly(x, y, (uint16_t)l, 128);
        o_fft(ex, ey, (uint16_t)l, 128);
        if (memcmp(x, ex, 128) || memcmp(y, ey, 128)) {
            fprintf(stderr, "  %s fft_butterfly: log_m=%u differs from the oracle\n", kern->name,
                    (unsigned)l);
            bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
}

/* Property: the IFFT butterfly undoes the FFT butterfly with the same twiddle. */
static void test_roundtrip(const struct wc_kernels *kern)
{
    const struct wc_rs_kernels *k = kern->rs;
    if (!kernels_complete(k)) return;
    size_t bytes = 64 * 37;
    struct fbuf x = fbuf_new(5, bytes, 11), y = fbuf_new(9, bytes, 12);
    uint8_t *x0 = (uint8_t *)malloc(bytes), *y0 = (uint8_t *)malloc(bytes);
    if (!x0 || !y0) exit(2);
    memcpy(x0, x.p, bytes);
    memcpy(y0, y.p, bytes);
    for (int i = 0; i < 20; i++) {
        uint16_t l = (uint16_t)(rng() % 65535u);
        k->fft_butterfly(x.p, y.p, l, bytes);
        CHECK(memcmp(x.p, x0, bytes) != 0 || memcmp(y.p, y0, bytes) != 0);
        k->ifft_butterfly(x.p, y.p, l, bytes);
        CHECK_MEM(x.p, x0, bytes);
        CHECK_MEM(y.p, y0, bytes);
    }
    free(x0), free(y0);
    free(x.alloc), free(y.alloc);
}

int main(void)
{
    oracle_init();
    test_oracle_sanity();
    test_gf16_tables();
    FOR_EACH_BACKEND(kern)
    {
        printf("  backend %s\n", kern->name);
        test_kernels_vs_oracle(kern);
        test_all_multipliers(kern);
        test_xor_sum(kern);
        test_mul_from(kern);
        test_ifft_butterfly_acc(kern);
        test_fused_steps(kern);
        test_roundtrip(kern);
    }
    return wc_test_report("test_rs_kernels");
}
