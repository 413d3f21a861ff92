/* Internal helpers shared by the C core. Everything here is static inline so
 * that a copy compiled with ISA flags (a kernel file) never links into
 * portable code. */
#ifndef WC_INTERNAL_H
#define WC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wc_status.h"

#if defined(_MSC_VER)
#define WC_INLINE static __inline
#else
#define WC_INLINE static inline
#endif

#if defined(__x86_64__) || defined(_M_X64)
#define WC_ARCH_X86_64 1
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
#define WC_ARCH_AARCH64 1
#endif

/* ISAs compiled in. -DWC_NO_<ISA> compiles one out (and every ISA above it in
 * the preference order stays independent: each is switched separately). */
#if defined(WC_ARCH_X86_64) && !defined(WC_NO_SSSE3)
#define WC_HAVE_SSSE3 1
#endif
#if defined(WC_ARCH_X86_64) && !defined(WC_NO_AVX2)
#define WC_HAVE_AVX2 1
#endif
/* AVX-512 kernels sit beside the AVX2 ones (its backend borrows them). */
#if defined(WC_HAVE_AVX2) && !defined(WC_NO_AVX512)
#define WC_HAVE_AVX512 1
#endif
#if defined(WC_ARCH_AARCH64) && !defined(WC_NO_NEON)
#define WC_HAVE_NEON 1
#endif

/* Atomics for the little state shared between threads without a lock (first
 * errors of worker threads, the selected backend, the cached CPU features,
 * the knobs of a testing build): C11 <stdatomic.h> is optional and absent
 * from older MSVC, so compiler builtins. */
#if defined(_MSC_VER)
#include <intrin.h>
#define WC_ALIGN(n)               __declspec(align(n))
#define WC_FORCE_INLINE           static __forceinline
#define wc_atomic_store_int(p, v) ((void)_InterlockedExchange((volatile long *)(p), (long)(v)))
#define wc_atomic_load_int(p)     ((int)_InterlockedCompareExchange((volatile long *)(p), 0, 0))
#if defined(_WIN64)
#define wc_atomic_store_size(p, v) ((void)_InterlockedExchange64((volatile __int64 *)(p), (__int64)(v)))
#define wc_atomic_load_size(p)     ((size_t)_InterlockedCompareExchange64((volatile __int64 *)(p), 0, 0))
#else
#define wc_atomic_store_size(p, v) ((void)_InterlockedExchange((volatile long *)(p), (long)(v)))
#define wc_atomic_load_size(p)     ((size_t)_InterlockedCompareExchange((volatile long *)(p), 0, 0))
#endif
#define wc_atomic_store_ptr(p, v) ((void)_InterlockedExchangePointer((void *volatile *)(p), (void *)(v)))
#define wc_atomic_load_ptr(p)     _InterlockedCompareExchangePointer((void *volatile *)(p), NULL, NULL)
#else
#define WC_ALIGN(n)                __attribute__((aligned(n)))
#define WC_FORCE_INLINE            static inline __attribute__((always_inline))
#define wc_atomic_store_int(p, v)  __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define wc_atomic_load_int(p)      __atomic_load_n((p), __ATOMIC_RELAXED)
#define wc_atomic_store_size(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define wc_atomic_load_size(p)     __atomic_load_n((p), __ATOMIC_RELAXED)
#define wc_atomic_store_ptr(p, v)  __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define wc_atomic_load_ptr(p)      __atomic_load_n((p), __ATOMIC_ACQUIRE)
#endif

WC_INLINE uint64_t wc_load64_le(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8); /* all supported targets are little-endian */
    return v;
}

WC_INLINE void wc_store64_le(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

/* x rounded up to a multiple of 64 (cache lines, aligned sub-buffers). */
WC_INLINE size_t wc_round64(size_t x)
{
    return (x + 63) & ~(size_t)63;
}

/* Smallest power of two >= x, with pow2(0) = pow2(1) = 1. */
WC_INLINE size_t wc_pow2_ceil(size_t x)
{
    size_t p = 1;
    while (p < x) p <<= 1;
    return p;
}

/* Allocation with 64-byte alignment (SIMD loads, cache lines). */
void *wc_aligned_alloc(size_t bytes);
void wc_aligned_free(void *p);
/* Scratch for one call (64-byte aligned), from a one-block per-thread
 * cache where the platform allows (memory.c); release it with the size it
 * was acquired with. */
void *wc_scratch_acquire(size_t bytes);
void wc_scratch_release(void *p, size_t bytes);
/* Once, at import: see memory.c. */
void wc_prime_allocator(void);

#endif
