/* Placeholder until the RS kernels land. */
#include "../wc_internal.h"
#include "kernels.h"
const struct wc_rs_kernels wc_rs_kernels_portable = {0};
