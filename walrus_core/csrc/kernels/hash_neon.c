/* Placeholder: the multi-buffer kernel lands next; until then this backend
 * hashes with the portable loop. */
#include "../wc_internal.h"
#include "kernels.h"
#if defined(WC_HAVE_NEON)
const struct wc_hash_kernels wc_hash_kernels_neon = {1, wc_blake2b256_many_portable};
#endif
