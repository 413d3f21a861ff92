/* Backend table and selection. Backends are named, compiled in or out with
 * -DWC_NO_<ISA>, and chosen once: the best one the CPU supports, unless a
 * caller selects one by name (which fails for a CPU that cannot run it). */
#ifndef WC_DISPATCH_H
#define WC_DISPATCH_H

#include <stddef.h>

#include "kernels/kernels.h"
#include "wc_status.h"

/* Number of backends compiled into this build, in preference order (best
 * first; "portable" is always last). */
size_t wc_backend_count(void);
/* The i-th compiled backend, or NULL when i is out of range. */
const struct wc_kernels *wc_backend_at(size_t i);
/* The compiled backend of that name, or NULL. */
const struct wc_kernels *wc_backend_find(const char *name);
/* 1 when the running CPU and OS can execute the backend. */
int wc_backend_supported(const struct wc_kernels *k);
/* The backend in use: the selected one, else the best supported one. Never
 * NULL. Thread-safe to read; callers take it once per operation. */
const struct wc_kernels *wc_kernels_active(void);
/* Select by name; NULL or "auto" restores automatic choice.
 * WC_ERR_BACKEND for an unknown name or one the CPU cannot run. */
enum wc_status wc_backend_select(const char *name);

#endif
