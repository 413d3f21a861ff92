/* Honest feature detection: a cpuid bit only counts when the OS also saves
 * the register state the instructions use (XCR0), as c-blosc2 and BLAKE3 do. */
#include "cpu.h"

#include <stdint.h>

#include "wc_internal.h"

#if defined(WC_ARCH_X86_64)
#if defined(_MSC_VER)
#include <immintrin.h>
#include <intrin.h>
static void cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    int r[4];
    __cpuidex(r, (int)leaf, (int)sub);
    for (int i = 0; i < 4; i++) out[i] = (uint32_t)r[i];
}
static uint64_t xgetbv0(void)
{
    return _xgetbv(0);
}
#else
#include <cpuid.h>
static void cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    __cpuid_count(leaf, sub, out[0], out[1], out[2], out[3]);
}
static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}
#endif

static uint32_t detect(void)
{
    uint32_t r[4], features = 0;
    cpuid(0, 0, r);
    uint32_t max_leaf = r[0];
    if (max_leaf < 1) return 0;
    cpuid(1, 0, r);
    uint32_t ecx1 = r[2];
    if (ecx1 & (1u << 9)) features |= WC_CPU_SSSE3;
    if (ecx1 & (1u << 19)) features |= WC_CPU_SSE41;
    int osxsave = (ecx1 >> 27) & 1;
    int avx = (ecx1 >> 28) & 1;
    if (!osxsave || !avx || max_leaf < 7) return features;
    uint64_t xcr0 = xgetbv0();
    int ymm_saved = (xcr0 & 0x6) == 0x6;   /* XMM and YMM state */
    int zmm_saved = (xcr0 & 0xe6) == 0xe6; /* plus opmask, ZMM_Hi256, Hi16_ZMM */
    cpuid(7, 0, r);
    uint32_t ebx7 = r[1];
    if (ymm_saved && (ebx7 & (1u << 5))) features |= WC_CPU_AVX2;
    const uint32_t avx512_fbwvl = (1u << 16) | (1u << 30) | (1u << 31);
    if (zmm_saved && (features & WC_CPU_AVX2) && (ebx7 & avx512_fbwvl) == avx512_fbwvl)
        features |= WC_CPU_AVX512;
    return features;
}
#elif defined(WC_ARCH_AARCH64)
static uint32_t detect(void)
{
    return WC_CPU_NEON;
}
#else
static uint32_t detect(void)
{
    return 0;
}
#endif

uint32_t wc_cpu_features(void)
{
    /* Racing first calls compute and store the same value: no lock, but an
     * atomic load and store (SIZE_MAX: not detected yet). */
    static size_t cached = SIZE_MAX;
    size_t f = wc_atomic_load_size(&cached);
    if (f == SIZE_MAX) {
        f = detect();
        wc_atomic_store_size(&cached, f);
    }
    return (uint32_t)f;
}
