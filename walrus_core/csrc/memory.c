/* 64-byte aligned allocation, portable across C runtimes, and the scratch
 * cache of the plain codec entry points. */
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

/* No cache on Windows (no thread-exit hook in portable C there). */
void *wc_scratch_acquire(size_t bytes)
{
    return wc_aligned_alloc(bytes);
}
void wc_scratch_release(void *p, size_t bytes)
{
    (void)bytes;
    wc_aligned_free(p);
}
#else
#include <pthread.h>
#include <sys/mman.h>

#if !defined(MAP_ANONYMOUS) && defined(MAP_ANON)
#define MAP_ANONYMOUS MAP_ANON
#endif

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

/* One call of the plain 1-D codec needs up to a few MiB of scratch. From
 * malloc, a block that size is mapped and unmapped on every call or not,
 * depending on the allocator's adaptive thresholds and on the heap's layout
 * at that moment, and a fresh mapping costs a page fault per 4 KiB: on a
 * virtual machine, as much again as the encode itself. So each thread keeps
 * one block, mapped directly (it never touches the heap's own bookkeeping),
 * reused while big enough and unmapped when the thread ends. Blocks above
 * SCRATCH_KEEP_MAX are mapped per call. */
#define SCRATCH_KEEP_MAX ((size_t)16 << 20)

struct scratch_slot {
    void *block;
    size_t bytes;
    int busy; /* a nested acquire on this thread gets its own block */
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_key_ok;

/* mmap and munmap round the length up to whole pages themselves (pages are
 * not 4 KiB everywhere: 16 KiB on Apple silicon). */
static void *map_block(size_t bytes)
{
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void unmap_block(void *p, size_t bytes)
{
    if (p) munmap(p, bytes ? bytes : 1);
}

static void scratch_slot_free(void *v)
{
    struct scratch_slot *slot = (struct scratch_slot *)v;
    if (!slot) return;
    unmap_block(slot->block, slot->bytes);
    free(slot);
}

static void scratch_key_init(void)
{
    scratch_key_ok = pthread_key_create(&scratch_key, scratch_slot_free) == 0;
}

static struct scratch_slot *scratch_slot(void)
{
    pthread_once(&scratch_once, scratch_key_init);
    if (!scratch_key_ok) return NULL;
    struct scratch_slot *slot = (struct scratch_slot *)pthread_getspecific(scratch_key);
    if (!slot) {
        slot = (struct scratch_slot *)calloc(1, sizeof(*slot));
        if (slot && pthread_setspecific(scratch_key, slot) != 0) {
            free(slot);
            slot = NULL;
        }
    }
    return slot;
}

void *wc_scratch_acquire(size_t bytes)
{
    struct scratch_slot *slot = bytes <= SCRATCH_KEEP_MAX ? scratch_slot() : NULL;
    if (!slot || slot->busy) return map_block(bytes);
    if (slot->bytes < bytes) {
        unmap_block(slot->block, slot->bytes);
        slot->bytes = 0;
        slot->block = map_block(bytes);
        if (!slot->block) return NULL;
        slot->bytes = bytes;
    }
    slot->busy = 1;
    return slot->block;
}

void wc_scratch_release(void *p, size_t bytes)
{
    if (!p) return;
    struct scratch_slot *slot = bytes <= SCRATCH_KEEP_MAX ? scratch_slot() : NULL;
    if (slot && slot->busy && p == slot->block) {
        slot->busy = 0;
        return;
    }
    unmap_block(p, bytes);
}
#endif

/* glibc adapts its mmap and trim thresholds to the largest mapped block a
 * program has freed. Until a program frees one, heap memory freed at the top
 * beyond 128 KiB goes back to the kernel at once, and the next allocation
 * faults it in again, page by page. A Python program that receives a few MiB
 * of shard-sized bytes objects per call and drops them pays that on every
 * call (on a virtual machine, about twice the encode). One 8 MiB block,
 * freed once at import, moves glibc into the regime it reaches by itself in
 * most processes (mmap threshold 8 MiB, trim threshold 16 MiB); nothing is
 * locked, glibc keeps adapting, and a program past that point sees no
 * change. Other C libraries do not need it. */
void wc_prime_allocator(void)
{
#if defined(__GLIBC__)
    void *volatile p = malloc((size_t)8 << 20);
    free(p);
#endif
}
