/* Scalar Reed-Solomon kernels: the oracle every SIMD backend must match byte
 * for byte. Packed layout (rs_kernels.h): 64-byte blocks of 32 elements, low
 * bytes at [0, 32), high bytes at [32, 64). Multiplication by log/exp tables
 * (gf16.h); the tables must be built (wc_gf16_init) before any call. */
#include "../gf16.h"
#include "../wc_internal.h"
#include "kernels.h"

WC_INLINE uint16_t mulc(uint16_t a, uint16_t log_m)
{
    if (a == 0) return 0;
    uint32_t e = (uint32_t)wc_gf16_log[a] + log_m;
    e = (e & 0xffffu) + (e >> 16);
    return wc_gf16_exp[e];
}

static void fft_butterfly_portable(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes)
{
    for (size_t o = 0; o < bytes; o += 64) {
        uint8_t *xb = x + o, *yb = y + o;
        for (size_t i = 0; i < 32; i++) {
            uint16_t a = (uint16_t)(xb[i] | (xb[32 + i] << 8));
            uint16_t b = (uint16_t)(yb[i] | (yb[32 + i] << 8));
            a ^= mulc(b, log_m);
            b ^= a;
            xb[i] = (uint8_t)a;
            xb[32 + i] = (uint8_t)(a >> 8);
            yb[i] = (uint8_t)b;
            yb[32 + i] = (uint8_t)(b >> 8);
        }
    }
}

static void ifft_butterfly_portable(uint8_t *x, uint8_t *y, uint16_t log_m, size_t bytes)
{
    for (size_t o = 0; o < bytes; o += 64) {
        uint8_t *xb = x + o, *yb = y + o;
        for (size_t i = 0; i < 32; i++) {
            uint16_t a = (uint16_t)(xb[i] | (xb[32 + i] << 8));
            uint16_t b = (uint16_t)(yb[i] | (yb[32 + i] << 8));
            b ^= a;
            a ^= mulc(b, log_m);
            xb[i] = (uint8_t)a;
            xb[32 + i] = (uint8_t)(a >> 8);
            yb[i] = (uint8_t)b;
            yb[32 + i] = (uint8_t)(b >> 8);
        }
    }
}

static void ifft_butterfly_acc_portable(const uint8_t *x, const uint8_t *y, uint8_t *ax, uint8_t *ay,
                                        uint16_t log_m, size_t bytes)
{
    for (size_t o = 0; o < bytes; o += 64)
        for (size_t i = 0; i < 32; i++) {
            size_t lo = o + i, hi = o + 32 + i;
            uint16_t a = (uint16_t)(x[lo] | (x[hi] << 8));
            uint16_t b = (uint16_t)(y[lo] | (y[hi] << 8));
            b ^= a;
            a ^= mulc(b, log_m);
            ax[lo] ^= (uint8_t)a;
            ax[hi] ^= (uint8_t)(a >> 8);
            ay[lo] ^= (uint8_t)b;
            ay[hi] ^= (uint8_t)(b >> 8);
        }
}

static void mul_portable(uint8_t *x, uint16_t log_m, size_t bytes)
{
    for (size_t o = 0; o < bytes; o += 64) {
        uint8_t *xb = x + o;
        for (size_t i = 0; i < 32; i++) {
            uint16_t a = (uint16_t)(xb[i] | (xb[32 + i] << 8));
            a = mulc(a, log_m);
            xb[i] = (uint8_t)a;
            xb[32 + i] = (uint8_t)(a >> 8);
        }
    }
}

static void mul_from_portable(uint8_t *dst, const uint8_t *src, uint16_t log_m, size_t bytes)
{
    for (size_t o = 0; o < bytes; o += 64)
        for (size_t i = 0; i < 32; i++) {
            uint16_t a = mulc((uint16_t)(src[o + i] | (src[o + 32 + i] << 8)), log_m);
            dst[o + i] = (uint8_t)a;
            dst[o + 32 + i] = (uint8_t)(a >> 8);
        }
}

static void xor_into_portable(uint8_t *dst, const uint8_t *src, size_t bytes)
{
    for (size_t o = 0; o < bytes; o += 8)
        wc_store64_le(dst + o, wc_load64_le(dst + o) ^ wc_load64_le(src + o));
}

static void xor_sum_portable(uint8_t *dst, const uint8_t *const *src, size_t n, size_t bytes)
{
    for (size_t o = 0; o < bytes; o += 8) {
        uint64_t a = wc_load64_le(dst + o);
        for (size_t s = 0; s < n; s++) a ^= wc_load64_le(src[s] + o);
        wc_store64_le(dst + o, a);
    }
}

const struct wc_rs_kernels wc_rs_kernels_portable = {
    fft_butterfly_portable,
    ifft_butterfly_portable,
    mul_portable,
    xor_into_portable,
    NULL, /* fft4: the driver runs single butterflies */
    NULL, /* ifft4 */
    xor_sum_portable,
    mul_from_portable,
    ifft_butterfly_acc_portable,
};
