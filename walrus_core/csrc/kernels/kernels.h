/* The kernel table: one named backend per ISA. Algorithms (fft.c, rs_*.c,
 * blake2b.c, merkle.c, blob_*.c) call SIMD code only through a
 * const struct wc_kernels *, never directly; only dispatch.c and cpu.c know
 * about CPUs. Each operation family declares its own sub-table:
 *   rs_kernels.h    GF(2^16) Reed-Solomon work-shard operations
 *   hash_kernels.h  Blake2b-256, one message and many at once
 * and every ISA file defines wc_<family>_kernels_<isa>. */
#ifndef WC_KERNELS_H
#define WC_KERNELS_H

#include <stdint.h>

#include "hash_kernels.h"
#include "rs_kernels.h"

struct wc_kernels {
    const char *name; /* "portable", "ssse3", "avx2", "avx512", "neon" */
    uint32_t needs;   /* enum wc_cpu_feature bits the CPU must have */
    const struct wc_rs_kernels *rs;
    const struct wc_hash_kernels *hash;
};

#endif
