/* Placeholder until the hash kernels land. */
#include "../wc_internal.h"
#include "kernels.h"
const struct wc_hash_kernels wc_hash_kernels_portable = {0};
