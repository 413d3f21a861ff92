/* The erasure decoder of the 1-D code (format §3.5): reed-solomon-simd's
 * algorithm. The error locator of an erasure pattern is computed once per
 * decoder (by whichever of three methods is cheapest for the pattern), then
 * every tile of every stripe is: multiply the received shards by it, IFFT,
 * formal derivative, FFT, and divide the missing originals by it.
 * Decoders are read-only after creation: one serves many threads at once. */
#include <stdlib.h>
#include <string.h>

#include "fft.h"
#include "gf16.h"
#include "rs_internal.h"

WC_INLINE size_t pos_original(const wc_rs_decoder *d, size_t i)
{
    return d->high ? d->m + i : i;
}
WC_INLINE size_t pos_recovery(const wc_rs_decoder *d, size_t j)
{
    return d->high ? j : d->m + j;
}

static uint16_t add_log(uint32_t a, uint32_t b)
{
    uint32_t s = a + b;
    return (uint16_t)(s >= 65535u ? s - 65535u : s);
}

/* lambda[p] = sum over erased q of LOG'[p ^ q] (mod 65535) by two Walsh-
 * Hadamard transforms (format §3.5 step 3). Fixed cost, any erasure pattern. */
static int locator_walsh(wc_rs_decoder *d, const uint8_t *erased_lt_end, size_t v_lo, size_t v_hi)
{
    /* Arithmetic mod 65535 is ones'-complement arithmetic on 16 bits (65535
     * is a second zero), so the butterflies are 16-bit adds with end-around
     * carry, which the compiler vectorizes. */
    uint16_t *a = (uint16_t *)wc_aligned_alloc(sizeof(uint16_t) * 65536u);
    if (!a) return -1;
    for (size_t q = 0; q < 65536u; q++)
        a[q] = (uint16_t)((q < d->end && erased_lt_end[q]) || (q >= v_lo && q < v_hi));
    for (int pass = 0; pass < 2; pass++) {
        for (size_t dist = 1; dist < 65536u; dist <<= 1)
            for (size_t rr = 0; rr < 65536u; rr += 2 * dist) {
                uint16_t *x = a + rr, *y = a + rr + dist;
                for (size_t i = 0; i < dist; i++) {
                    uint32_t u = x[i], v = y[i];
                    uint32_t s = u + v, t = u + (v ^ 0xffffu);
                    x[i] = (uint16_t)((s & 0xffffu) + (s >> 16));
                    y[i] = (uint16_t)((t & 0xffffu) + (t >> 16));
                }
            }
        if (pass == 0)
            for (size_t q = 0; q < 65536u; q++) {
                uint32_t p = (uint32_t)a[q] * wc_gf16_log_walsh[q];
                p = (p & 0xffffu) + (p >> 16);
                p = (p & 0xffffu) + (p >> 16);
                a[q] = (uint16_t)p;
            }
    }
    for (size_t p = 0; p < d->end; p++) d->lambda[p] = a[p] == 65535u ? 0 : a[p];
    wc_aligned_free(a);
    return 0;
}

WC_INLINE uint16_t oc_add(uint32_t u, uint32_t v)
{
    uint32_t s = u + v;
    return (uint16_t)((s & 0xffffu) + (s >> 16));
}

static void wht_oc(uint16_t *a, size_t n)
{
    for (size_t dist = 1; dist < n; dist <<= 1)
        for (size_t rr = 0; rr < n; rr += 2 * dist) {
            uint16_t *x = a + rr, *y = a + rr + dist;
            for (size_t i = 0; i < dist; i++) {
                uint32_t u = x[i], v = y[i];
                x[i] = oc_add(u, v);
                y[i] = oc_add(u, v ^ 0xffffu);
            }
        }
}

/* The same values from a Walsh-Hadamard transform of size N only. For p < N
 * and q = (qh, ql) split at bit t = log2 N, p ^ q = (qh, p ^ ql): the
 * erasures below N give an N-point XOR convolution, and a block of N
 * positions that is erased entirely adds sum_{ql} LOG[(qh, ql)], the same
 * for every p. Our placements leave every block above N either fully erased
 * (LOW: [m + r, 65536)) or not at all (HIGH); anything else returns -1. */
static int locator_small(wc_rs_decoder *d, const uint8_t *erased_lt_end, size_t v_lo, size_t v_hi)
{
    size_t N = d->N, t = 0;
    while (((size_t)1 << t) < N) t++;
    int tail_full;
    if (v_hi <= N || v_lo >= v_hi)
        tail_full = 0;
    else if (v_lo <= N && v_hi == WC_RS_MAX_SHARDS)
        tail_full = 1;
    else
        return -1;
    uint16_t *e = (uint16_t *)wc_aligned_alloc(sizeof(uint16_t) * 2 * N);
    if (!e) return -2;
    uint16_t *l = e + N;
    uint32_t low_sum = 0; /* sum of LOG[1..N-1] */
    for (size_t p = 0; p < N; p++) {
        e[p] = (uint16_t)(p < d->end ? erased_lt_end[p] != 0 : (p >= v_lo && p < v_hi));
        l[p] = p ? wc_gf16_log[p] : 0;
        low_sum = oc_add(low_sum, l[p]);
    }
    wht_oc(e, N);
    wht_oc(l, N);
    for (size_t p = 0; p < N; p++) {
        uint32_t x = (uint32_t)e[p] * l[p];
        x = (x & 0xffffu) + (x >> 16);
        e[p] = (uint16_t)((x & 0xffffu) + (x >> 16));
    }
    wht_oc(e, N);
    /* 1/N = 2^(16 - t) mod 65535: a 16-bit rotation in ones' complement */
    unsigned rot = (unsigned)(16 - t) & 15u;
    /* sum over all v != 0 of LOG[v] = 0 + ... + 65534 = 0 mod 65535 */
    uint32_t tail = tail_full ? (uint16_t)(low_sum ^ 0xffffu) : 0; /* -low_sum */
    for (size_t p = 0; p < d->end; p++) {
        uint32_t x = e[p];
        x = rot ? (uint16_t)((x << rot) | (x >> (16 - rot))) : x;
        x = oc_add(x, tail);
        d->lambda[p] = (uint16_t)(x == 65535u ? 0 : x);
    }
    wc_aligned_free(e);
    return 0;
}

/* Same values, directly: lambda[p] = sum_{q erased} log(p + q), the virtual
 * erased range [v_lo, v_hi) taken as aligned blocks {a + u : u < 2^j}, whose
 * product is the subspace polynomial W_j(p + a). Cheap for few erasures. */
static void locator_direct(wc_rs_decoder *d, const uint8_t *erased_lt_end, const size_t *erased,
                           size_t n_erased, size_t v_lo, size_t v_hi)
{
    size_t blk_a[40];
    unsigned blk_j[40];
    size_t nb = 0;
    for (size_t lo = v_lo; lo < v_hi;) {
        /* the largest aligned block starting at lo that fits below v_hi */
        unsigned j = 0;
        while (j < 16 && lo % ((size_t)2 << j) == 0 && lo + ((size_t)2 << j) <= v_hi) j++;
        blk_a[nb] = lo;
        blk_j[nb] = j;
        nb++;
        lo += (size_t)1 << j;
    }
    for (size_t p = 0; p < d->end; p++) {
        /* needed: every known position, and the missing originals (the only
         * erased positions inside the originals' range) */
        int needed = !erased_lt_end[p] || (d->high ? p >= d->m : p < d->k);
        if (!needed) {
            d->lambda[p] = 0;
            continue;
        }
        uint32_t s = 0;
        for (size_t e = 0; e < n_erased; e++) {
            size_t q = erased[e];
            if (q != p) s = add_log(s, wc_gf16_log[p ^ q]);
        }
        for (size_t b = 0; b < nb; b++)
            s = add_log(s, wc_gf16_log[wc_gf16_subspace(blk_j[b], (uint16_t)(p ^ blk_a[b]))]);
        d->lambda[p] = (uint16_t)s;
    }
}

enum wc_status wc_rs_decoder_new(size_t k, size_t r, const uint8_t *present, wc_rs_decoder **out)
{
    if (!out) return WC_ERR_ARG;
    *out = NULL;
    if (!present) return WC_ERR_ARG;
    enum wc_status st = wc_rs_check_counts(k, r);
    if (st != WC_OK) return st;
    size_t have = 0, missing = 0;
    for (size_t i = 0; i < k + r; i++) have += present[i] != 0;
    for (size_t i = 0; i < k; i++) missing += present[i] == 0;
    if (have < k) return WC_ERR_TOO_FEW;
    wc_gf16_init();
    wc_rs_decoder *d = (wc_rs_decoder *)calloc(1, sizeof(*d));
    if (!d) return WC_ERR_NOMEM;
    d->k = k;
    d->r = r;
    wc_rs_codec plan;
    wc_rs_codec_plan(&plan, k, r);
    d->high = plan.high;
    d->m = plan.m;
    d->end = d->high ? d->m + k : d->m + r;
    d->N = wc_pow2_ceil(d->end);
    d->n_missing = missing;
    d->present = (uint8_t *)malloc(k + r);
    if (!d->present) goto nomem;
    for (size_t i = 0; i < k + r; i++) d->present[i] = present[i] != 0;
    if (missing) {
        d->lambda = (uint16_t *)malloc(sizeof(uint16_t) * d->end);
        uint8_t *erased_lt_end = (uint8_t *)calloc(d->end, 1);
        size_t *erased = (size_t *)malloc(sizeof(size_t) * (k + r));
        if (!d->lambda || !erased_lt_end || !erased) {
            free(erased_lt_end);
            free(erased);
            goto nomem;
        }
        size_t n_erased = 0;
        for (size_t i = 0; i < k; i++)
            if (!d->present[i]) {
                size_t p = pos_original(d, i);
                erased_lt_end[p] = 1;
                erased[n_erased++] = p;
            }
        for (size_t j = 0; j < r; j++)
            if (!d->present[k + j]) {
                size_t p = pos_recovery(d, j);
                erased_lt_end[p] = 1;
                erased[n_erased++] = p;
            }
        size_t v_lo, v_hi; /* the virtual erased range */
        if (d->high) {
            v_lo = r;
            v_hi = d->m;
        } else {
            v_lo = d->m + r;
            v_hi = WC_RS_MAX_SHARDS;
        }
        for (size_t p = v_lo; p < v_hi && p < d->end; p++) erased_lt_end[p] = 1;
        /* direct: (positions needed) x (erasures) lookups; Walsh: ~2M fixed ops */
        size_t direct_cost = d->end * (n_erased + 32);
        int method = (int)wc_knob(WC_KNOB_RS_LOCATOR);
        if (method == 0) method = direct_cost < 20000u ? 2 : 3;
        if (method == 3) {
            int rc = locator_small(d, erased_lt_end, v_lo, v_hi);
            if (rc == -2) {
                free(erased_lt_end);
                free(erased);
                goto nomem;
            }
            if (rc != 0) method = 1;
        }
        if (method == 1) {
            if (locator_walsh(d, erased_lt_end, v_lo, v_hi) != 0) {
                free(erased_lt_end);
                free(erased);
                goto nomem;
            }
        } else if (method == 2) {
            locator_direct(d, erased_lt_end, erased, n_erased, v_lo, v_hi);
        }
        free(erased_lt_end);
        free(erased);
        size_t N = d->N;
        d->in_pre = (uint32_t *)calloc(N + 1, sizeof(uint32_t));
        d->out_pre = (uint32_t *)calloc(N + 1, sizeof(uint32_t));
        d->zero_pos = (size_t *)malloc(N * sizeof(size_t));
        uint8_t *flag = (uint8_t *)calloc(N, 2);
        if (!d->in_pre || !d->out_pre || !d->zero_pos || !flag) {
            free(flag);
            goto nomem;
        }
        uint8_t *need = flag + N;
        for (size_t i = 0; i < k; i++) {
            if (d->present[i])
                flag[pos_original(d, i)] = 1;
            else
                need[pos_original(d, i)] = 1;
        }
        for (size_t j = 0; j < r; j++)
            if (d->present[k + j]) flag[pos_recovery(d, j)] = 1;
        for (size_t p = 0; p < N; p++) {
            d->in_pre[p + 1] = d->in_pre[p] + flag[p];
            d->out_pre[p + 1] = d->out_pre[p] + need[p];
            if (!flag[p]) d->zero_pos[d->n_zero++] = p;
        }
        free(flag);
    }
    *out = d;
    return WC_OK;
nomem:
    wc_rs_decoder_free(d);
    return WC_ERR_NOMEM;
}

void wc_rs_decoder_free(wc_rs_decoder *d)
{
    if (!d) return;
    free(d->present);
    free(d->lambda);
    free(d->in_pre);
    free(d->out_pre);
    free(d->zero_pos);
    free(d);
}

size_t wc_rs_dec_tile(const wc_rs_decoder *d, size_t bytes)
{
    return rs_tile_bytes(bytes, d->N);
}

size_t wc_rs_dec_scratch_for_tile(const wc_rs_decoder *d, size_t T)
{
    if (!d->n_missing) return 64;
    return wc_round64(d->N * SLICE_STRIDE(T)) + wc_round64(d->N * sizeof(uint8_t *));
}

size_t wc_rs_decode_scratch_bytes(const wc_rs_decoder *d, size_t bytes)
{
    if (!d || bytes == 0) return 0;
    return wc_rs_dec_scratch_for_tile(d, wc_rs_dec_tile(d, bytes));
}

static void mul_from(const struct wc_rs_kernels *kk, uint8_t *dst, const uint8_t *src, uint16_t log_m,
                     size_t T)
{
    if (kk->mul_from) {
        kk->mul_from(dst, src, log_m, T);
    } else {
        memcpy(dst, src, T);
        kk->mul(dst, log_m, T);
    }
}

/* Decode bytes [ioff, ioff+T) of the shards into [ooff, ooff+T) of the
 * missing originals (present originals are the caller's business). */
void wc_rs_decode_tile(const wc_rs_decoder *d, const struct wc_rs_kernels *kk, const uint8_t *const *shards,
                       size_t ioff, uint8_t *const *out, size_t ooff, size_t T, uint8_t *scratch)
{
    const size_t k = d->k, r = d->r, N = d->N;
    uint8_t *data = scratch;
    uint8_t **w = (uint8_t **)(void *)(scratch + wc_round64(N * SLICE_STRIDE(T)));
    for (size_t p = 0; p < N; p++) w[p] = data + p * SLICE_STRIDE(T);
    for (size_t z = 0; z < d->n_zero; z++) memset(w[d->zero_pos[z]], 0, T);
    for (size_t i = 0; i < k; i++)
        if (d->present[i]) {
            size_t p = pos_original(d, i);
            mul_from(kk, w[p], shards[i] + ioff, d->lambda[p], T);
        }
    for (size_t j = 0; j < r; j++)
        if (d->present[k + j]) {
            size_t p = pos_recovery(d, j);
            mul_from(kk, w[p], shards[k + j] + ioff, d->lambda[p], T);
        }
    wc_ifft_masked(kk, w, N, 0, T, d->in_pre);
    wc_formal_derivative(kk, w, N, T);
    wc_fft_masked(kk, w, N, 0, T, d->out_pre);
    for (size_t i = 0; i < k; i++)
        if (!d->present[i]) {
            size_t p = pos_original(d, i);
            uint16_t l = d->lambda[p];
            mul_from(kk, out[i] + ooff, w[p], (uint16_t)(l ? 65535u - l : 0), T);
        }
}

enum wc_status wc_rs_decode_packed(const wc_rs_decoder *d, const struct wc_kernels *kern,
                                   const uint8_t *const *shards, uint8_t *const *out, size_t bytes,
                                   void *scratch, size_t scratch_bytes)
{
    if (!d || !shards || !out || !scratch) return WC_ERR_ARG;
    if (bytes == 0 || bytes % 64) return WC_ERR_SIZE;
    for (size_t i = 0; i < d->k + d->r; i++)
        if (d->present[i] && !shards[i]) return WC_ERR_ARG;
    for (size_t i = 0; i < d->k; i++)
        if (!out[i]) return WC_ERR_ARG;
    size_t T = wc_rs_dec_tile(d, bytes);
    if (scratch_bytes < wc_rs_dec_scratch_for_tile(d, T)) return WC_ERR_SIZE;
    for (size_t i = 0; i < d->k; i++)
        if (d->present[i] && out[i] != shards[i]) memcpy(out[i], shards[i], bytes);
    if (!d->n_missing) return WC_OK;
    const struct wc_rs_kernels kk = rs_kernels_of(kern);
    for (size_t off = 0; off < bytes; off += T) {
        size_t len = bytes - off < T ? bytes - off : T;
        wc_rs_decode_tile(d, &kk, shards, off, out, off, len, (uint8_t *)scratch);
    }
    return WC_OK;
}
