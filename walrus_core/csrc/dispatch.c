/* The named backend table. One rung per ISA, best first. */
#include "dispatch.h"

#include <string.h>

#include "cpu.h"
#include "wc_internal.h"

#if defined(WC_HAVE_AVX512)
/* AVX2 everywhere but the Merkle inner nodes of the small-blob and banded
 * trees (hash_avx512.c). */
static const struct wc_kernels backend_avx512 = {"avx512", WC_CPU_AVX512 | WC_CPU_AVX2 | WC_CPU_SSSE3,
                                                 &wc_rs_kernels_avx2, &wc_hash_kernels_avx512};
#endif
#if defined(WC_HAVE_AVX2)
static const struct wc_kernels backend_avx2 = {"avx2", WC_CPU_AVX2 | WC_CPU_SSSE3, &wc_rs_kernels_avx2,
                                               &wc_hash_kernels_avx2};
#endif
#if defined(WC_HAVE_SSSE3)
static const struct wc_kernels backend_ssse3 = {"ssse3", WC_CPU_SSSE3, &wc_rs_kernels_ssse3,
                                                &wc_hash_kernels_ssse3};
#endif
#if defined(WC_HAVE_NEON)
static const struct wc_kernels backend_neon = {"neon", WC_CPU_NEON, &wc_rs_kernels_neon,
                                               &wc_hash_kernels_neon};
#endif
static const struct wc_kernels backend_portable = {"portable", 0, &wc_rs_kernels_portable,
                                                   &wc_hash_kernels_portable};

static const struct wc_kernels *const backends[] = {
#if defined(WC_HAVE_AVX512)
    &backend_avx512,
#endif
#if defined(WC_HAVE_AVX2)
    &backend_avx2,
#endif
#if defined(WC_HAVE_SSSE3)
    &backend_ssse3,
#endif
#if defined(WC_HAVE_NEON)
    &backend_neon,
#endif
    &backend_portable,
};

#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

/* Read by every call, from any thread, without the GIL: atomic. */
static const struct wc_kernels *selected;

size_t wc_backend_count(void)
{
    return N_BACKENDS;
}

const struct wc_kernels *wc_backend_at(size_t i)
{
    return i < N_BACKENDS ? backends[i] : NULL;
}

const struct wc_kernels *wc_backend_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < N_BACKENDS; i++)
        if (strcmp(backends[i]->name, name) == 0) return backends[i];
    return NULL;
}

int wc_backend_supported(const struct wc_kernels *k)
{
    return k && (wc_cpu_features() & k->needs) == k->needs;
}

static const struct wc_kernels *best_supported(void)
{
    for (size_t i = 0; i < N_BACKENDS; i++)
        if (wc_backend_supported(backends[i])) return backends[i];
    return &backend_portable;
}

const struct wc_kernels *wc_kernels_active(void)
{
    const struct wc_kernels *k = (const struct wc_kernels *)wc_atomic_load_ptr(&selected);
    if (!k) { /* racing first calls store the same table */
        k = best_supported();
        wc_atomic_store_ptr(&selected, k);
    }
    return k;
}

enum wc_status wc_backend_select(const char *name)
{
    if (!name || strcmp(name, "auto") == 0) {
        wc_atomic_store_ptr(&selected, best_supported());
        return WC_OK;
    }
    const struct wc_kernels *k = wc_backend_find(name);
    if (!k || !wc_backend_supported(k)) return WC_ERR_BACKEND;
    wc_atomic_store_ptr(&selected, k);
    return WC_OK;
}
