/* 64-byte aligned allocation, portable across C runtimes. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200112L /* posix_memalign under -std=c11 */
#endif
#include <stdlib.h>

#include "wc_internal.h"

#if defined(_WIN32)
#include <malloc.h>
void *wc_aligned_alloc(size_t bytes)
{
    return _aligned_malloc(bytes ? bytes : 1, 64);
}
void wc_aligned_free(void *p)
{
    _aligned_free(p);
}
#else
void *wc_aligned_alloc(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 1) != 0) return NULL;
    return p;
}
void wc_aligned_free(void *p)
{
    free(p);
}
#endif
