/* CPU feature detection. The only file besides dispatch.c that knows CPUs. */
#ifndef WC_CPU_H
#define WC_CPU_H

#include <stdint.h>

enum wc_cpu_feature {
    WC_CPU_SSSE3 = 1u << 0,
    WC_CPU_SSE41 = 1u << 1,
    WC_CPU_AVX2 = 1u << 2,   /* AVX2 and the OS saves YMM state */
    WC_CPU_AVX512 = 1u << 3, /* AVX-512 F+BW+VL and the OS saves opmask/ZMM state */
    WC_CPU_NEON = 1u << 4,   /* AdvSIMD: baseline on AArch64 */
};

/* Bitmask of enum wc_cpu_feature for the running CPU and OS. Cached. */
uint32_t wc_cpu_features(void);

#endif
