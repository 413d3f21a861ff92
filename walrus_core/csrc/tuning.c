/* The knobs of a testing build (see tuning.h). */
#include "tuning.h"

#include "wc_internal.h"

#if defined(WC_TESTING)
static size_t knobs[WC_KNOB_COUNT] = WC_KNOB_DEFAULTS;

size_t wc_knob(enum wc_knob knob)
{
    return wc_atomic_load_size(&knobs[knob]);
}

static int knob_valid(enum wc_knob knob, size_t v)
{
    switch (knob) {
    case WC_KNOB_RS_TILE_BUDGET:
    case WC_KNOB_RS_STREAM_MIN:
        return v > 0;
    case WC_KNOB_RS_TILE_MIN:
        return v >= 64 && v % 64 == 0;
    case WC_KNOB_RS_FUSED:
        return v <= 1;
    case WC_KNOB_RS_LOCATOR:
        return v <= 3;
    case WC_KNOB_BLOB_BAND_MIN:
        return 1;
    default:
        return 0;
    }
}

enum wc_status wc_knob_set(enum wc_knob knob, size_t value)
{
    static const size_t defaults[WC_KNOB_COUNT] = WC_KNOB_DEFAULTS;
    if (knob == WC_KNOB_COUNT) {
        for (int k = 0; k < WC_KNOB_COUNT; k++) wc_atomic_store_size(&knobs[k], defaults[k]);
        return WC_OK;
    }
    if ((unsigned)knob >= WC_KNOB_COUNT || !knob_valid(knob, value)) return WC_ERR_ARG;
    wc_atomic_store_size(&knobs[knob], value);
    return WC_OK;
}
#else
enum wc_status wc_knob_set(enum wc_knob knob, size_t value)
{
    (void)knob;
    (void)value;
    return WC_ERR_ARG;
}
#endif
