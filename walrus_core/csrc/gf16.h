/* GF(2^16) arithmetic in reed-solomon-simd's Cantor-basis representation
 * (format §3.1, §3.4). Tables are built once by wc_gf16_init() (idempotent,
 * thread-safe; every wc_rs_* entry point calls it). */
#ifndef WC_GF16_H
#define WC_GF16_H

#include <stdint.h>

#include "wc_internal.h"

#define WC_GF_ORDER   65536u
#define WC_GF_MODULUS 65535u /* multiplicative group order; also the "zero" log sentinel */

extern uint16_t wc_gf16_log[65536];       /* LOG[v], LOG[0] = 65535 */
extern uint16_t wc_gf16_exp[65536];       /* EXP[e], EXP[65535] = EXP[0] = 1 */
extern uint16_t wc_gf16_skew[65536];      /* SKEW[q] (logs; 65535 = zero twiddle) */
extern uint16_t wc_gf16_log_walsh[65536]; /* WHT(LOG'), for the error locator */

/* W_j(2^b) for j = 0..16, b = 0..15, where W_j(x) = prod_{u < 2^j} (x + u) is
 * the (GF(2)-linear) subspace polynomial of the first 2^j positions. */
extern uint16_t wc_gf16_subspace_basis[17][16];

void wc_gf16_init(void);

/* W_j(x) (not normalized), by linearity; 0 <= j <= 16. */
WC_INLINE uint16_t wc_gf16_subspace(unsigned j, uint16_t x)
{
    uint16_t w = 0;
    for (unsigned b = 0; x; b++, x >>= 1)
        if (x & 1u) w ^= wc_gf16_subspace_basis[j][b];
    return w;
}

/* Multiply-by-m lookup tables for SIMD kernels, 128 bytes per multiplier:
 * lut[0..63]   lo[n][v] = low byte of  (v << 4n) * m, n = nibble 0..3, v = 0..15
 * lut[64..127] hi[n][v] = high byte of (v << 4n) * m
 * (index lo[n][v] = lut[16*n + v], hi[n][v] = lut[64 + 16*n + v]).
 * Valid for log_m in 0..65534 after wc_gf16_init(). */
const uint8_t *wc_gf16_mul_lut(uint16_t log_m);

/* a * m where log_m = LOG[m] (m != 0). */
WC_INLINE uint16_t wc_gf16_mul_log(uint16_t a, uint16_t log_m)
{
    if (a == 0) return 0;
    uint32_t e = (uint32_t)wc_gf16_log[a] + log_m;
    e = (e & 0xffffu) + (e >> 16); /* mod 65535, leaving 65535 == 0 (EXP agrees) */
    return wc_gf16_exp[e];
}

#endif
