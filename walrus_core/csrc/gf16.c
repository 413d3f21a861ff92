/* GF(2^16) tables in reed-solomon-simd's Cantor-basis representation
 * (format §3.1, §3.4, §3.5). Built once, on first use, by wc_gf16_init().
 *
 *   LOG[v]       discrete log of the Cantor-coordinate element v (LOG[0] = 65535)
 *   EXP[e]       inverse of LOG (EXP[65535] = EXP[0] = 1)
 *   SKEW[q]      log of the normalized subspace polynomial Ŵ_i(β), t = q+1 = 2^i + β
 *                (65535 = zero twiddle)
 *   LOG_WALSH    Walsh-Hadamard transform (mod 65535) of LOG with LOG[0] := 0
 *   MUL_LUT      128-byte nibble tables per multiplier, for the SIMD kernels
 */
#include "gf16.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <pthread.h>
#endif

uint16_t wc_gf16_log[65536];
uint16_t wc_gf16_exp[65536];
uint16_t wc_gf16_skew[65536];
uint16_t wc_gf16_log_walsh[65536];
uint16_t wc_gf16_subspace_basis[17][16];

/* 65535 multipliers x 128 bytes = 8 MiB, built with the other tables. Static
 * like them (zero pages until built), so building can never fail for want
 * of memory. */
static WC_ALIGN(64) uint8_t mul_lut[(size_t)65535u * 128u]; /* rows read with aligned loads */

static const uint16_t cantor_basis[16] = {0x0001, 0xACCA, 0x3C0E, 0x163E, 0xC582, 0xED2E, 0x914C, 0x4012,
                                          0x6C98, 0x10D8, 0x6A72, 0xB900, 0xFDB8, 0xFB34, 0xFF38, 0x991E};

#define POLY 0x1002Du

static unsigned ctz32(uint32_t v)
{
    unsigned n = 0;
    while (!(v & 1u)) {
        v >>= 1;
        n++;
    }
    return n;
}

static uint16_t mul_plain(uint16_t a, uint16_t b)
{
    if (a == 0 || b == 0) return 0;
    uint32_t e = (uint32_t)wc_gf16_log[a] + wc_gf16_log[b];
    e = (e & 0xffffu) + (e >> 16);
    if (e == 65535u) e = 0;
    return wc_gf16_exp[e];
}

static void build_log_exp(void)
{
    /* plog over the polynomial basis, then LOG[v] = plog[toPoly(v)]. plog
     * lives in the EXP table and toPoly in the LOG_WALSH table until each is
     * built: no allocation. */
    uint16_t *plog = wc_gf16_exp, *topoly = wc_gf16_log_walsh;
    uint32_t y = 1;
    for (uint32_t e = 0; e < 65535u; e++) {
        plog[y] = (uint16_t)e;
        y <<= 1;
        if (y & 0x10000u) y ^= POLY;
    }
    topoly[0] = 0;
    for (uint32_t v = 1; v < 65536u; v++) {
        /* lowest set bit b: topoly[v] = topoly[v without b] ^ C[b] */
        unsigned b = ctz32(v);
        topoly[v] = (uint16_t)(topoly[v & (v - 1)] ^ cantor_basis[b]);
    }
    wc_gf16_log[0] = 65535u;
    for (uint32_t v = 1; v < 65536u; v++) wc_gf16_log[v] = plog[topoly[v]];
    for (uint32_t v = 1; v < 65536u; v++) wc_gf16_exp[wc_gf16_log[v]] = (uint16_t)v;
    wc_gf16_exp[65535] = wc_gf16_exp[0];
}

static void build_skew(void)
{
    /* wv[i][b] = W_i(2^b); W_0(x) = x, W_{i+1}(x) = W_i(x) (W_i(x) + W_i(2^i)). */
    uint16_t (*wv)[16] = wc_gf16_subspace_basis;
    for (unsigned b = 0; b < 16; b++) wv[0][b] = (uint16_t)(1u << b);
    for (unsigned i = 0; i < 16; i++) {
        uint16_t wi = wv[i][i];
        for (unsigned b = 0; b < 16; b++) wv[i + 1][b] = mul_plain(wv[i][b], (uint16_t)(wv[i][b] ^ wi));
    }
    wc_gf16_skew[65535] = 65535u;
    for (uint32_t q = 0; q < 65535u; q++) {
        uint32_t t = q + 1;
        unsigned i = ctz32(t);
        uint32_t beta = t - (1u << i);
        if (beta == 0) {
            wc_gf16_skew[q] = 65535u;
            continue;
        }
        uint16_t w = 0;
        for (unsigned b = i + 1; b < 16; b++)
            if (beta & (1u << b)) w ^= wv[i][b];
        /* Ŵ_i(β) = W_i(β) / W_i(2^i) */
        uint32_t e = (uint32_t)wc_gf16_log[w] + 65535u - wc_gf16_log[wv[i][i]];
        e %= 65535u;
        wc_gf16_skew[q] = (uint16_t)e;
    }
}

static void build_log_walsh(void)
{
    /* In place: every value stays below 65535, sums fit in 32 bits. */
    uint16_t *a = wc_gf16_log_walsh;
    for (uint32_t i = 0; i < 65536u; i++) a[i] = wc_gf16_log[i];
    a[0] = 0;
    for (uint32_t d = 1; d < 65536u; d <<= 1)
        for (uint32_t r = 0; r < 65536u; r += 2 * d)
            for (uint32_t x = r; x < r + d; x++) {
                uint32_t u = a[x], v = a[x + d];
                a[x] = (uint16_t)((u + v) % 65535u);
                a[x + d] = (uint16_t)((u + 65535u - v) % 65535u);
            }
}

static void build_mul_lut(void)
{
    for (uint32_t lm = 0; lm < 65535u; lm++) {
        uint8_t *lut = mul_lut + (size_t)lm * 128u;
        uint16_t prod[16]; /* (1 << bit) * m */
        for (unsigned b = 0; b < 16; b++) prod[b] = wc_gf16_mul_log((uint16_t)(1u << b), (uint16_t)lm);
        for (unsigned n = 0; n < 4; n++) {
            uint16_t p[16];
            p[0] = 0;
            for (unsigned v = 1; v < 16; v++) p[v] = (uint16_t)(p[v & (v - 1)] ^ prod[4 * n + ctz32(v)]);
            for (unsigned v = 0; v < 16; v++) {
                lut[16 * n + v] = (uint8_t)p[v];
                lut[64 + 16 * n + v] = (uint8_t)(p[v] >> 8);
            }
        }
    }
}

static void build_all(void)
{
    build_log_exp();
    build_skew();
    build_log_walsh();
    build_mul_lut();
}

#if defined(_WIN32)
static INIT_ONCE init_once = INIT_ONCE_STATIC_INIT;
static BOOL CALLBACK init_cb(PINIT_ONCE o, PVOID p, PVOID *c)
{
    (void)o;
    (void)p;
    (void)c;
    build_all();
    return TRUE;
}
void wc_gf16_init(void)
{
    InitOnceExecuteOnce(&init_once, init_cb, NULL, NULL);
}
#else
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
void wc_gf16_init(void)
{
    pthread_once(&init_once, build_all);
}
#endif

const uint8_t *wc_gf16_mul_lut(uint16_t log_m)
{
    if (log_m >= 65535u) log_m = 0; /* log 65535 means "multiply by one" outside SKEW */
    return mul_lut + (size_t)log_m * 128u;
}
