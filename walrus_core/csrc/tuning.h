/* Tuning knobs: the few sizes and choices the algorithms could make
 * differently (tile budget, locator method, ...). In a product build each
 * knob is a constant. In a testing build (-DWC_TESTING) tests may change
 * them process-wide with wc_knob_set, to force rare paths (tiny tiles, the
 * two-band metadata pass, every locator); reads are atomic, and every
 * buffer a knob sizes is sized and checked by the call that uses it, so a
 * change between calls can never overrun a buffer. */
#ifndef WC_TUNING_H
#define WC_TUNING_H

#include <stddef.h>

#include "wc_status.h"

enum wc_knob {
    WC_KNOB_RS_TILE_BUDGET, /* bytes of shard tiles one transform touches at once (L2) */
    WC_KNOB_RS_TILE_MIN,    /* the smallest tile, bytes (multiple of 64) */
    WC_KNOB_RS_FUSED,       /* 1: use a backend's fused radix-4 steps, 0: single butterflies */
    WC_KNOB_RS_STREAM_MIN,  /* shards this large get recovery written with streaming stores */
    WC_KNOB_RS_LOCATOR,     /* 0 auto, 1 65536-point Walsh, 2 direct products, 3 N-point Walsh */
    WC_KNOB_BLOB_BAND_MIN,  /* metadata-only encodes with a larger row parity run in two bands */
    WC_KNOB_COUNT
};

#define WC_KNOB_DEFAULTS {(size_t)2048 << 10, 256, 1, (size_t)16 << 10, 0, (size_t)48 << 20}

#if defined(WC_TESTING)
/* The knob's current value. */
size_t wc_knob(enum wc_knob knob);
#else
#include "wc_internal.h"
WC_INLINE size_t wc_knob(enum wc_knob knob)
{
    static const size_t defaults[WC_KNOB_COUNT] = WC_KNOB_DEFAULTS;
    return defaults[knob];
}
#endif

/* Testing builds: set a knob (a value out of its range: WC_ERR_ARG), or
 * restore every default with knob == WC_KNOB_COUNT. Product builds:
 * WC_ERR_ARG always (the knobs are constants there). */
enum wc_status wc_knob_set(enum wc_knob knob, size_t value);

#endif
