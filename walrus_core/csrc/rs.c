/* The 1-D Reed-Solomon code of Walrus RS2 (spec §3): reed-solomon-simd's
 * encoder and erasure decoder over GF(2^16), by the additive FFT.
 *
 * Every transform runs over byte *tiles*: lanes never interact, so a whole
 * encode (or decode) can be done on bytes [off, off + T) of every shard, then
 * on the next tile. T is chosen so that the tile of every shard a transform
 * touches fits in L2; the large-shard case then never streams from memory
 * once per butterfly layer.
 *
 * Codecs and decoders are read-only after creation and every scratch buffer
 * comes from the caller, so one object serves many threads at once. */
#include "rs.h"

#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "fft.h"
#include "gf16.h"
#include "wc_internal.h"

#define MAX_SHARDS 65536u
/* Bytes of shard tiles a transform may touch at once (L2 is >= 512 KiB on
 * the CPUs we target). */
static int fused_disabled;
void wc_rs_set_fused(int enabled)
{
    fused_disabled = !enabled;
}

static size_t TILE_BUDGET = 2048u * 1024u;
static size_t TILE_MIN = 256;
void wc_rs_set_tile(size_t budget, size_t min_tile)
{
    if (budget) TILE_BUDGET = budget;
    if (min_tile) TILE_MIN = min_tile;
}

/* The kernels one call runs with, and its out-of-place first steps. */
struct rs_ops {
    struct wc_rs_kernels k;
    wc_rs_x4_oop_fn fft_oop, ifft_oop;
};

static wc_rs_x4_oop_fn rs_oop(const struct wc_rs_kernels *k, int inverse);

/* The kernel table to use: a backend whose RS kernels are not (yet) filled in
 * falls back to the portable oracle; a backend table without fused radix-4
 * steps gets ours for its ISA (paired by the table's identity), if any. */
static struct rs_ops rs_ops(const struct wc_kernels *kern)
{
    const struct wc_rs_kernels *k = kern ? kern->rs : NULL;
    if (!k || !k->fft_butterfly || !k->ifft_butterfly || !k->mul || !k->xor_into) k = &wc_rs_kernels_portable;
    struct rs_ops o;
    o.k = *k;
    if (!o.k.fft4 || !o.k.ifft4) {
        o.k.fft4 = NULL;
        o.k.ifft4 = NULL;
#if defined(WC_HAVE_AVX2)
        if (k == &wc_rs_kernels_avx2 && !fused_disabled) {
            o.k.fft4 = wc_rs_fft4_avx2;
            o.k.ifft4 = wc_rs_ifft4_avx2;
        }
#endif
    }
    o.fft_oop = rs_oop(k, 0);
    o.ifft_oop = rs_oop(k, 1);
    return o;
}

/* Out-of-place first steps for the ISA of these kernels, if we have them.
 * They stay on when the in-place fused steps are off: reading the inputs
 * straight from the caller's shards saves a copy of every input slice. */
static wc_rs_x4_oop_fn rs_oop(const struct wc_rs_kernels *k, int inverse)
{
#if defined(WC_HAVE_AVX2)
    if (k == &wc_rs_kernels_avx2) return inverse ? wc_rs_ifft4_oop_avx2 : wc_rs_fft4_oop_avx2;
#endif
    (void)k;
    (void)inverse;
    return NULL;
}

static size_t tile_bytes(size_t bytes, size_t shards)
{
    size_t t = TILE_BUDGET / (shards ? shards : 1);
    t &= ~(size_t)63;
    if (t < TILE_MIN) t = TILE_MIN;
    if (t > bytes) t = bytes;
    return t;
}

static size_t align64(size_t x)
{
    return (x + 63) & ~(size_t)63;
}

/* ---- shard layout ------------------------------------------------------ */

size_t wc_rs_packed_bytes(size_t n_elements)
{
    return ((n_elements + 31) / 32) * 64;
}

/* Offsets of element e's low and high byte inside a crate-layout symbol of S bytes. */
WC_INLINE void crate_offsets(size_t S, size_t e, size_t *lo, size_t *hi)
{
    size_t b = e / 32, i = e % 32;
    size_t L = S - b * 64;
    if (L > 64) L = 64;
    *lo = b * 64 + i;
    *hi = b * 64 + L / 2 + i;
}

void wc_rs_pack(const uint8_t *src, size_t src_stride, size_t count, size_t S, uint8_t *dst)
{
    size_t per = S / 2, total = count * per;
    size_t out_bytes = wc_rs_packed_bytes(total);
    if (S % 64 == 0) {
        for (size_t j = 0; j < count; j++) memcpy(dst + j * S, src + j * src_stride, S);
    } else {
        for (size_t j = 0; j < count; j++) {
            const uint8_t *s = src + j * src_stride;
            for (size_t e = 0; e < per; e++) {
                size_t lo, hi, g = j * per + e;
                crate_offsets(S, e, &lo, &hi);
                dst[(g / 32) * 64 + g % 32] = s[lo];
                dst[(g / 32) * 64 + 32 + g % 32] = s[hi];
            }
        }
    }
    /* zero the unused lanes of the last block */
    for (size_t g = total; g < out_bytes / 2; g++) {
        dst[(g / 32) * 64 + g % 32] = 0;
        dst[(g / 32) * 64 + 32 + g % 32] = 0;
    }
}

void wc_rs_unpack(const uint8_t *src, size_t count, size_t S, uint8_t *dst, size_t dst_stride)
{
    size_t per = S / 2;
    if (S % 64 == 0) {
        for (size_t j = 0; j < count; j++) memcpy(dst + j * dst_stride, src + j * S, S);
        return;
    }
    for (size_t j = 0; j < count; j++) {
        uint8_t *d = dst + j * dst_stride;
        for (size_t e = 0; e < per; e++) {
            size_t lo, hi, g = j * per + e;
            crate_offsets(S, e, &lo, &hi);
            d[lo] = src[(g / 32) * 64 + g % 32];
            d[hi] = src[(g / 32) * 64 + 32 + g % 32];
        }
    }
}

/* One symbol's partial last block (t = S % 64 bytes, t even) <-> one packed block. */
static void pack_tail(const uint8_t *tail, size_t t, uint8_t *blk)
{
    memset(blk, 0, 64);
    memcpy(blk, tail, t / 2);
    memcpy(blk + 32, tail + t / 2, t / 2);
}

static void unpack_tail(const uint8_t *blk, size_t t, uint8_t *tail)
{
    memcpy(tail, blk, t / 2);
    memcpy(tail + t / 2, blk + 32, t / 2);
}

/* ---- codec ------------------------------------------------------------- */

struct wc_rs_codec {
    size_t k, r;
    size_t m; /* LOW: pow2(k); HIGH: pow2(r) */
    int high;
};

static int use_high_rate(size_t k, size_t r)
{
    size_t pk = wc_pow2_ceil(k), pr = wc_pow2_ceil(r);
    if (pk != pr) return pk > pr;
    return k <= r;
}

static enum wc_status check_counts(size_t k, size_t r)
{
    if (k == 0 || r == 0 || k > MAX_SHARDS || r > MAX_SHARDS) return WC_ERR_COUNT;
    size_t pk = wc_pow2_ceil(k), pr = wc_pow2_ceil(r);
    size_t mn = pk < pr ? pk : pr, mx = k > r ? k : r;
    if (k + r > MAX_SHARDS || mn + mx > MAX_SHARDS) return WC_ERR_COUNT;
    return WC_OK;
}

/* Plan the code for counts check_counts accepted: rate choice and
 * transform size (spec §3.3). */
static void codec_plan(wc_rs_codec *c, size_t k, size_t r)
{
    wc_gf16_init();
    c->k = k;
    c->r = r;
    c->high = use_high_rate(k, r);
    c->m = wc_pow2_ceil(c->high ? r : k);
}

enum wc_status wc_rs_codec_new(size_t k, size_t r, wc_rs_codec **out)
{
    if (!out) return WC_ERR_ARG;
    *out = NULL;
    enum wc_status st = check_counts(k, r);
    if (st != WC_OK) return st;
    wc_rs_codec *c = (wc_rs_codec *)calloc(1, sizeof(*c));
    if (!c) return WC_ERR_NOMEM;
    codec_plan(c, k, r);
    *out = c;
    return WC_OK;
}

void wc_rs_codec_free(wc_rs_codec *c)
{
    free(c);
}

/* Copy a finished slice out to the caller's shard. Large shards go straight
 * to memory with non-temporal stores (no read-for-ownership, no eviction of
 * the tile working set); SSE2 is part of the x86-64 baseline. */
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
static void copy_out(uint8_t *dst, const uint8_t *src, size_t n, int stream)
{
    if (!stream || ((uintptr_t)dst & 15) || (n & 63)) {
        memcpy(dst, src, n);
        return;
    }
    for (size_t i = 0; i < n; i += 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)(src + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(src + i + 16));
        __m128i c = _mm_loadu_si128((const __m128i *)(src + i + 32));
        __m128i d = _mm_loadu_si128((const __m128i *)(src + i + 48));
        _mm_stream_si128((__m128i *)(dst + i), a);
        _mm_stream_si128((__m128i *)(dst + i + 16), b);
        _mm_stream_si128((__m128i *)(dst + i + 32), c);
        _mm_stream_si128((__m128i *)(dst + i + 48), d);
    }
}
static void copy_out_done(int stream)
{
    if (stream) _mm_sfence();
}
#else
static void copy_out(uint8_t *dst, const uint8_t *src, size_t n, int stream)
{
    (void)stream;
    memcpy(dst, src, n);
}
static void copy_out_done(int stream)
{
    (void)stream;
}
#endif

/* Shards at least this large are written with streaming stores. */
#define STREAM_MIN_SHARD ((size_t)16 << 10)
static size_t stream_min_shard = STREAM_MIN_SHARD;
void wc_rs_set_stream_min(size_t bytes)
{
    stream_min_shard = bytes ? bytes : STREAM_MIN_SHARD;
}

/* Slices in scratch sit SLICE_STRIDE(T) apart: the 64-byte pad keeps a
 * power-of-two tile from mapping every slice onto the same cache sets. */
#define SLICE_STRIDE(T) ((T) + 64)

/* Slices the encoder keeps in scratch: 2m. LOW: the IFFT result w and the
 * block being transformed v; HIGH: the accumulator w and one chunk v. When
 * results go straight to the caller's shards, v holds only the positions of
 * a block beyond its last output. */
static size_t enc_scratch_shards(const wc_rs_codec *c)
{
    return 2 * c->m;
}

static size_t enc_tile(const wc_rs_codec *c, size_t bytes)
{
    return tile_bytes(bytes, enc_scratch_shards(c));
}

static size_t enc_scratch_for_tile(const wc_rs_codec *c, size_t T)
{
    /* slices, one zero slice, then pointer arrays w, v, in (m each) */
    return align64((enc_scratch_shards(c) + 1) * SLICE_STRIDE(T)) + align64(3 * c->m * sizeof(uint8_t *));
}

size_t wc_rs_encode_scratch_bytes(const wc_rs_codec *c, size_t bytes)
{
    if (!c || bytes == 0) return 0;
    return enc_scratch_for_tile(c, enc_tile(c, bytes));
}

/* Encode bytes [ooff, ooff+T) of every original into [roff, roff+T) of every
 * recovery shard. scratch: enc_scratch_for_tile(c, T) bytes. Unless `stream`,
 * each FFT writes its outputs in place in the recovery shards (its first step
 * runs out of place), so no result is copied; with `stream`, results are
 * finished in scratch and streamed out, which spares large shards the
 * read-for-ownership of every output line. */
static void encode_tile(const wc_rs_codec *c, const struct rs_ops *ops, const uint8_t *const *orig,
                        size_t ooff, uint8_t *const *rec, size_t roff, size_t T, uint8_t *scratch, int stream)
{
    const struct wc_rs_kernels *kk = &ops->k;
    const size_t k = c->k, r = c->r, m = c->m, st = SLICE_STRIDE(T), ns = enc_scratch_shards(c);
    uint8_t *data = scratch;
    uint8_t *zero = data + ns * st;
    uint8_t **w = (uint8_t **)(scratch + align64((ns + 1) * st));
    uint8_t **v = w + m;
    const uint8_t **in = (const uint8_t **)(w + 2 * m);
    memset(zero, 0, T);
    for (size_t i = 0; i < m; i++) w[i] = data + i * st;
    for (size_t i = 0; i < m; i++) v[i] = data + (m + i) * st;
    if (!c->high) {
        /* originals at 0..k-1, zeros at k..m-1; IFFT; then FFT per block of m recoveries */
        for (size_t i = 0; i < m; i++) in[i] = i < k ? orig[i] + ooff : zero;
        wc_ifft_from(kk, ops->ifft_oop, w, in, m, k, 0, T);
        for (size_t base = 0; base < r; base += m) {
            size_t count = r - base < m ? r - base : m;
            if (!stream) {
                uint8_t **dst = (uint8_t **)in; /* in[] is free again: reuse it for output slices */
                for (size_t j = 0; j < m; j++) dst[j] = j < count ? rec[base + j] + roff : v[j];
                wc_fft_from(kk, ops->fft_oop, dst, (const uint8_t *const *)w, m, count, base + m, T);
                continue;
            }
            uint8_t **p = w;
            if (base + m < r) { /* not the last block: keep w, transform from it into v */
                wc_fft_from(kk, ops->fft_oop, v, (const uint8_t *const *)w, m, count, base + m, T);
                p = v;
            } else {
                wc_fft(kk, p, m, count, base + m, T);
            }
            for (size_t j = 0; j < count; j++) copy_out(rec[base + j] + roff, p[j], T, 1);
        }
    } else {
        /* originals at m.., in chunks of m: IFFT each, XOR into w; FFT(w) */
        size_t c0 = k < m ? k : m;
        for (size_t i = 0; i < m; i++) in[i] = i < c0 ? orig[i] + ooff : zero;
        wc_ifft_from(kk, ops->ifft_oop, w, in, m, c0, m, T);
        for (size_t base = m; base < k; base += m) {
            size_t count = k - base < m ? k - base : m;
            for (size_t i = 0; i < m; i++) in[i] = i < count ? orig[base + i] + ooff : zero;
            wc_ifft_from_acc(kk, ops->ifft_oop, v, in, w, m, count, base + m, T);
        }
        if (!stream) {
            uint8_t **dst = (uint8_t **)in;
            for (size_t j = 0; j < m; j++) dst[j] = j < r ? rec[j] + roff : v[j];
            wc_fft_from(kk, ops->fft_oop, dst, (const uint8_t *const *)w, m, r, 0, T);
            return;
        }
        wc_fft(kk, w, m, r, 0, T);
        for (size_t j = 0; j < r; j++) copy_out(rec[j] + roff, w[j], T, 1);
    }
}

enum wc_status wc_rs_encode_packed(const wc_rs_codec *c, const struct wc_kernels *kern,
                                   const uint8_t *const *originals, uint8_t *const *recovery, size_t bytes,
                                   void *scratch)
{
    if (!c || !originals || !recovery || !scratch) return WC_ERR_ARG;
    if (bytes == 0 || bytes % 64) return WC_ERR_SIZE;
    for (size_t i = 0; i < c->k; i++)
        if (!originals[i]) return WC_ERR_ARG;
    for (size_t j = 0; j < c->r; j++)
        if (!recovery[j]) return WC_ERR_ARG;
    const struct rs_ops ops = rs_ops(kern);
    size_t T = enc_tile(c, bytes);
    int stream = bytes >= stream_min_shard;
    for (size_t off = 0; off < bytes; off += T) {
        size_t len = bytes - off < T ? bytes - off : T;
        encode_tile(c, &ops, originals, off, recovery, off, len, (uint8_t *)scratch, stream);
    }
    copy_out_done(stream);
    return WC_OK;
}

/* ---- decoder ----------------------------------------------------------- */

struct wc_rs_decoder {
    size_t k, r, m, N, end;
    int high;
    size_t n_missing;  /* missing originals */
    size_t fft_trunc;  /* outputs needed: positions below this */
    uint8_t *present;  /* k + r flags */
    uint16_t *lambda;  /* error-locator logs for positions < end */
    uint32_t *in_pre;  /* prefix counts of received positions (N + 1) */
    uint32_t *out_pre; /* prefix counts of missing originals' positions (N + 1) */
    size_t *zero_pos;  /* positions < N that start as zero */
    size_t n_zero;
};

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
 * Hadamard transforms (spec §3.5 step 3). Fixed cost, any erasure pattern. */
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
    else if (v_lo <= N && v_hi == MAX_SHARDS)
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

/* Which locator method: 0 = auto, 1 = 65536-point Walsh, 2 = direct,
 * 3 = N-point Walsh (tests compare them). */
static int locator_method;
void wc_rs_set_locator_method(int method)
{
    locator_method = method;
}

enum wc_status wc_rs_decoder_new(size_t k, size_t r, const uint8_t *present, wc_rs_decoder **out)
{
    if (!out) return WC_ERR_ARG;
    *out = NULL;
    if (!present) return WC_ERR_ARG;
    enum wc_status st = check_counts(k, r);
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
    d->high = use_high_rate(k, r);
    d->m = wc_pow2_ceil(d->high ? r : k);
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
        size_t n_erased = 0, last_missing = 0;
        for (size_t i = 0; i < k; i++)
            if (!d->present[i]) {
                size_t p = pos_original(d, i);
                erased_lt_end[p] = 1;
                erased[n_erased++] = p;
                last_missing = p;
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
            v_hi = MAX_SHARDS;
        }
        for (size_t p = v_lo; p < v_hi && p < d->end; p++) erased_lt_end[p] = 1;
        d->fft_trunc = last_missing + 1;
        /* direct: (positions needed) x (erasures) lookups; Walsh: ~2M fixed ops */
        size_t direct_cost = d->end * (n_erased + 32);
        int method = locator_method ? locator_method : (direct_cost < 20000u ? 2 : 3);
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

static size_t dec_tile(const wc_rs_decoder *d, size_t bytes)
{
    return tile_bytes(bytes, d->N);
}

static size_t dec_scratch_for_tile(const wc_rs_decoder *d, size_t T)
{
    if (!d->n_missing) return 64;
    return align64(d->N * SLICE_STRIDE(T)) + align64(d->N * sizeof(uint8_t *));
}

size_t wc_rs_decode_scratch_bytes(const wc_rs_decoder *d, size_t bytes)
{
    if (!d || bytes == 0) return 0;
    return dec_scratch_for_tile(d, dec_tile(d, bytes));
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
static void decode_tile(const wc_rs_decoder *d, const struct wc_rs_kernels *kk, const uint8_t *const *shards,
                        size_t ioff, uint8_t *const *out, size_t ooff, size_t T, uint8_t *scratch)
{
    const size_t k = d->k, r = d->r, N = d->N;
    uint8_t *data = scratch;
    uint8_t **w = (uint8_t **)(scratch + align64(N * SLICE_STRIDE(T)));
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
                                   void *scratch)
{
    if (!d || !shards || !out || !scratch) return WC_ERR_ARG;
    if (bytes == 0 || bytes % 64) return WC_ERR_SIZE;
    for (size_t i = 0; i < d->k + d->r; i++)
        if (d->present[i] && !shards[i]) return WC_ERR_ARG;
    for (size_t i = 0; i < d->k; i++)
        if (!out[i]) return WC_ERR_ARG;
    for (size_t i = 0; i < d->k; i++)
        if (d->present[i] && out[i] != shards[i]) memcpy(out[i], shards[i], bytes);
    if (!d->n_missing) return WC_OK;
    const struct rs_ops ops = rs_ops(kern);
    const struct wc_rs_kernels *kk = &ops.k;
    size_t T = dec_tile(d, bytes);
    for (size_t off = 0; off < bytes; off += T) {
        size_t len = bytes - off < T ? bytes - off : T;
        decode_tile(d, kk, shards, off, out, off, len, (uint8_t *)scratch);
    }
    return WC_OK;
}

/* ---- plain API --------------------------------------------------------- */

/* Scratch of the plain encoder for shards of S bytes: tiles of the 64-byte
 * multiple part, then one packed block per shard for a partial last block. */
static size_t plain_enc_scratch(const wc_rs_codec *c, size_t S, size_t *tile, size_t *tiles_bytes)
{
    size_t full = S & ~(size_t)63, t = S - full, n = c->k + c->r;
    size_t T = full ? enc_tile(c, full) : 64;
    size_t sbytes = enc_scratch_for_tile(c, T > 64 ? T : 64);
    if (tile) *tile = T;
    if (tiles_bytes) *tiles_bytes = sbytes;
    return sbytes + (t ? align64(n * 64) + align64(n * sizeof(uint8_t *)) : 0);
}

size_t wc_rs_encode_plain_scratch_bytes(size_t k, size_t r, size_t S)
{
    wc_rs_codec c;
    if (check_counts(k, r) != WC_OK || S == 0 || S % 2) return 0;
    codec_plan(&c, k, r);
    return plain_enc_scratch(&c, S, NULL, NULL);
}

enum wc_status wc_rs_encode_with_scratch(const struct wc_kernels *kern, size_t k, size_t r, size_t S,
                                         const uint8_t *const *originals, uint8_t *const *recovery,
                                         void *scratch, size_t scratch_bytes)
{
    if (!originals || !recovery || !scratch) return WC_ERR_ARG;
    enum wc_status st = check_counts(k, r);
    if (st != WC_OK) return st;
    if (S == 0 || S % 2) return WC_ERR_SIZE;
    for (size_t i = 0; i < k; i++)
        if (!originals[i]) return WC_ERR_ARG;
    for (size_t j = 0; j < r; j++)
        if (!recovery[j]) return WC_ERR_ARG;
    wc_rs_codec plan, *c = &plan;
    codec_plan(c, k, r);
    size_t T, sbytes;
    if (scratch_bytes < plain_enc_scratch(c, S, &T, &sbytes)) return WC_ERR_SIZE;
    const struct rs_ops ops = rs_ops(kern);
    size_t full = S & ~(size_t)63, t = S - full;
    uint8_t *buf = (uint8_t *)scratch;
    int stream = S >= stream_min_shard;
    for (size_t off = 0; off < full; off += T) {
        size_t len = full - off < T ? full - off : T;
        encode_tile(c, &ops, originals, off, recovery, off, len, buf, stream);
    }
    copy_out_done(stream);
    if (t) {
        uint8_t *tails = buf + sbytes;
        uint8_t **ptr = (uint8_t **)(tails + align64((k + r) * 64));
        for (size_t i = 0; i < k + r; i++) ptr[i] = tails + i * 64;
        for (size_t i = 0; i < k; i++) pack_tail(originals[i] + full, t, ptr[i]);
        encode_tile(c, &ops, (const uint8_t *const *)ptr, 0, ptr + k, 0, 64, buf, 0);
        for (size_t j = 0; j < r; j++) unpack_tail(ptr[k + j], t, recovery[j] + full);
    }
    return WC_OK;
}

enum wc_status wc_rs_encode_with(const struct wc_kernels *kern, size_t k, size_t r, size_t S,
                                 const uint8_t *const *originals, uint8_t *const *recovery)
{
    size_t n = wc_rs_encode_plain_scratch_bytes(k, r, S);
    if (!n) return check_counts(k, r) != WC_OK ? WC_ERR_COUNT : WC_ERR_SIZE;
    uint8_t *scratch = (uint8_t *)wc_scratch_acquire(n);
    if (!scratch) return WC_ERR_NOMEM;
    enum wc_status st = wc_rs_encode_with_scratch(kern, k, r, S, originals, recovery, scratch, n);
    wc_scratch_release(scratch, n);
    return st;
}

enum wc_status wc_rs_encode(size_t k, size_t r, size_t S, const uint8_t *const *originals,
                            uint8_t *const *recovery)
{
    return wc_rs_encode_with(wc_kernels_active(), k, r, S, originals, recovery);
}

static size_t plain_dec_scratch(const wc_rs_decoder *d, size_t S, size_t *tile, size_t *tiles_bytes)
{
    size_t full = S & ~(size_t)63, t = S - full, n = 2 * d->k + d->r;
    size_t T = full ? dec_tile(d, full) : 64;
    size_t sbytes = dec_scratch_for_tile(d, T > 64 ? T : 64);
    if (tile) *tile = T;
    if (tiles_bytes) *tiles_bytes = sbytes;
    return sbytes + (t ? align64(n * 64) + align64(n * sizeof(uint8_t *)) : 0);
}

size_t wc_rs_decoder_plain_scratch_bytes(const wc_rs_decoder *d, size_t S)
{
    if (!d || S == 0 || S % 2) return 0;
    return plain_dec_scratch(d, S, NULL, NULL);
}

enum wc_status wc_rs_decoder_decode_with_scratch(const wc_rs_decoder *d, const struct wc_kernels *kern,
                                                 size_t S, const uint8_t *const *shards, uint8_t *const *out,
                                                 void *scratch, size_t scratch_bytes)
{
    if (!d || !shards || !out || !scratch) return WC_ERR_ARG;
    if (S == 0 || S % 2) return WC_ERR_SIZE;
    const size_t k = d->k, r = d->r;
    for (size_t i = 0; i < k; i++)
        if (!out[i]) return WC_ERR_ARG;
    for (size_t i = 0; i < k + r; i++)
        if (d->present[i] && !shards[i]) return WC_ERR_ARG;
    size_t T, sbytes;
    if (scratch_bytes < plain_dec_scratch(d, S, &T, &sbytes)) return WC_ERR_SIZE;
    for (size_t i = 0; i < k; i++)
        if (d->present[i] && out[i] != shards[i]) memcpy(out[i], shards[i], S);
    if (!d->n_missing) return WC_OK;
    const struct rs_ops ops = rs_ops(kern);
    const struct wc_rs_kernels *kk = &ops.k;
    size_t full = S & ~(size_t)63, t = S - full;
    uint8_t *buf = (uint8_t *)scratch;
    for (size_t off = 0; off < full; off += T) {
        size_t len = full - off < T ? full - off : T;
        decode_tile(d, kk, shards, off, out, off, len, buf);
    }
    if (t) {
        uint8_t *tails = buf + sbytes;
        uint8_t **ptr = (uint8_t **)(tails + align64((2 * k + r) * 64));
        for (size_t i = 0; i < 2 * k + r; i++) ptr[i] = tails + i * 64;
        for (size_t i = 0; i < k + r; i++)
            if (d->present[i]) pack_tail(shards[i] + full, t, ptr[i]);
        decode_tile(d, kk, (const uint8_t *const *)ptr, 0, ptr + k + r, 0, 64, buf);
        for (size_t i = 0; i < k; i++)
            if (!d->present[i]) unpack_tail(ptr[k + r + i], t, out[i] + full);
    }
    return WC_OK;
}

enum wc_status wc_rs_decoder_decode(const wc_rs_decoder *d, const struct wc_kernels *kern, size_t S,
                                    const uint8_t *const *shards, uint8_t *const *out)
{
    if (!d) return WC_ERR_ARG;
    size_t n = wc_rs_decoder_plain_scratch_bytes(d, S);
    if (!n) return WC_ERR_SIZE;
    uint8_t *scratch = (uint8_t *)wc_scratch_acquire(n);
    if (!scratch) return WC_ERR_NOMEM;
    enum wc_status st = wc_rs_decoder_decode_with_scratch(d, kern, S, shards, out, scratch, n);
    wc_scratch_release(scratch, n);
    return st;
}

enum wc_status wc_rs_decode_with(const struct wc_kernels *kern, size_t k, size_t r, size_t S,
                                 const uint8_t *const *shards, uint8_t *const *out)
{
    if (!shards || !out) return WC_ERR_ARG;
    enum wc_status st = check_counts(k, r);
    if (st != WC_OK) return st;
    if (S == 0 || S % 2) return WC_ERR_SIZE;
    for (size_t i = 0; i < k; i++)
        if (!out[i]) return WC_ERR_ARG;
    uint8_t *present = (uint8_t *)malloc(k + r);
    if (!present) return WC_ERR_NOMEM;
    for (size_t i = 0; i < k + r; i++) present[i] = shards[i] != NULL;
    wc_rs_decoder *d;
    st = wc_rs_decoder_new(k, r, present, &d);
    free(present);
    if (st != WC_OK) return st;
    st = wc_rs_decoder_decode(d, kern, S, shards, out);
    wc_rs_decoder_free(d);
    return st;
}

enum wc_status wc_rs_decode(size_t k, size_t r, size_t S, const uint8_t *const *shards, uint8_t *const *out)
{
    return wc_rs_decode_with(wc_kernels_active(), k, r, S, shards, out);
}
