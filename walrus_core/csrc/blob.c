/* RedStuff 2-D encoder/decoder (spec §2, §4, §5, §7). See blob.h.
 *
 * Metadata pipeline (the product-code trick): rows and columns of X commute,
 * so we first extend the p message rows with the secondary code (the "row
 * parity", p x f symbols, stored beside the input or straight into the
 * secondary slivers s..n-1 they are), then walk the n columns in groups of G
 * (a power of two). For each group the p column heads are packed (many
 * columns per packed shard: the RS code is lane-wise), extended with the
 * primary code, and all n symbols of every column are leaf-hashed ONCE in one
 * multi-buffer batch. Those leaf hashes give the G column roots and, per row,
 * the root of the aligned G-leaf subtree of the row tree; the row roots are
 * then finished from the n x ceil(n/G) subtree roots. A subtree made only of
 * padding is the zero node (spec §4), which is what trees_up produces.
 *
 * Memory: input + row parity (metadata only) + O(n*(G*32 + b*S)) per thread;
 * the input is never copied except its last, partial row (zero padded). */
#include "blob.h"

#include <stdlib.h>
#include <string.h>

#include "parallel.h"
#include "rs.h"
#include "wc_internal.h"

/* Work per RS call: about this many bytes of codeword data. */
#define WC_BLOB_CHUNK_BYTES (1u << 20)
#define WC_BLOB_GROUP       32u
#define WC_BLOB_GROUP_MIN   8u
/* Metadata only: split a row parity larger than this into bands. */
#define WC_BLOB_BANDS 2u
static size_t band_min_bytes = (size_t)48 << 20;

void wc_blob_set_band_min_bytes(size_t bytes)
{
    band_min_bytes = bytes;
}

enum wc_status wc_blob_layout_init(size_t n, uint64_t length, struct wc_blob_layout *o)
{
    if (!o) return WC_ERR_ARG;
    if (n < WC_BLOB_MIN_SHARDS || n > WC_BLOB_MAX_SHARDS) return WC_ERR_COUNT;
    size_t f = (n - 1) / 3;
    size_t p = n - 2 * f, s = n - f;
    uint64_t k = (uint64_t)p * s;
    uint64_t L = length ? length : 1;
    uint64_t S = L / k + (L % k != 0);
    S += S & 1;
    if (S > WC_BLOB_MAX_SYMBOL_SIZE) return WC_ERR_TOO_LARGE;
    o->n = n;
    o->f = f;
    o->p = p;
    o->s = s;
    o->S = (size_t)S;
    o->length = length;
    return WC_OK;
}

static unsigned resolve_threads(unsigned threads)
{
    if (threads == 0) threads = wc_cpu_count();
    if (threads == 0) threads = 1;
    if (threads > 256) threads = 256;
    return threads;
}

/* ---- packing ------------------------------------------------------------ */

/* Many symbols go into one packed RS shard (the code is lane-wise). When S is
 * large, every symbol gets its own whole 64-byte blocks ("aligned" packing):
 * then the crate layout of the symbol's full blocks already IS the packed
 * layout (low bytes, then high bytes, 32 elements per block) and only the
 * short tail block (t = S mod 64 bytes, split at t/2) is spread to lanes
 * 0..t/2-1 of one block: a few memcpys instead of an element shuffle. The
 * padding lanes cost RS work, so small symbols use the dense wc_rs_pack. */
WC_INLINE int pk_aligned(size_t S)
{
    return S % 64 == 0 || S >= 256;
}
WC_INLINE size_t pk_slot(size_t S)
{
    return (S + 63) & ~(size_t)63;
}

static size_t pk_bytes(size_t count, size_t S)
{
    return pk_aligned(S) ? count * pk_slot(S) : wc_rs_packed_bytes(count * S / 2);
}

static void pk_pack(const uint8_t *src, size_t stride, size_t count, size_t S, uint8_t *dst)
{
    if (!pk_aligned(S)) {
        wc_rs_pack(src, stride, count, S, dst);
        return;
    }
    size_t full = S & ~(size_t)63, h = (S - full) / 2, slot = pk_slot(S);
    for (size_t j = 0; j < count; j++) {
        const uint8_t *a = src + j * stride;
        uint8_t *d = dst + j * slot;
        memcpy(d, a, full);
        if (h) {
            memcpy(d + full, a + full, h);
            memset(d + full + h, 0, 32 - h);
            memcpy(d + full + 32, a + full + h, h);
            memset(d + full + 32 + h, 0, 32 - h);
        }
    }
}

static void pk_unpack(const uint8_t *src, size_t count, size_t S, uint8_t *dst, size_t stride)
{
    if (!pk_aligned(S)) {
        wc_rs_unpack(src, count, S, dst, stride);
        return;
    }
    size_t full = S & ~(size_t)63, h = (S - full) / 2, slot = pk_slot(S);
    for (size_t j = 0; j < count; j++) {
        const uint8_t *a = src + j * slot;
        uint8_t *d = dst + j * stride;
        memcpy(d, a, full);
        if (h) {
            memcpy(d + full, a + full, h);
            memcpy(d + full + h, a + full + 32, h);
        }
    }
}

/* ---- Merkle levels ------------------------------------------------------ */

/* ntrees trees; tree t's `count` nodes are at base + t*stride, with room for
 * count+1 nodes. Hash level by level (all trees in one multi-buffer call per
 * level) until one node remains AND at least `height` levels were built;
 * odd levels (including a lone node below `height`) get the zero node.
 * Root of tree t -> roots + t*roots_stride. count == 0 gives the zero root.
 * tmp: ntrees*(count/2+1)*32 bytes; ptrs: ntrees*(count/2+1) entries. */
static void trees_up(const struct wc_kernels *kern, uint8_t *base, size_t stride, size_t ntrees, size_t count,
                     unsigned height, uint8_t *roots, size_t roots_stride, uint8_t *tmp, const uint8_t **ptrs)
{
    if (count == 0) {
        for (size_t t = 0; t < ntrees; t++) memset(roots + t * roots_stride, 0, 32);
        return;
    }
    size_t c = count;
    unsigned h = 0;
    while (c > 1 || h < height) {
        if (c & 1) {
            for (size_t t = 0; t < ntrees; t++) memset(base + t * stride + c * 32, 0, 32);
            c++;
        }
        size_t half = c / 2;
        for (size_t t = 0; t < ntrees; t++)
            for (size_t i = 0; i < half; i++) ptrs[t * half + i] = base + t * stride + 64 * i;
        kern->hash->blake2b256_many(ptrs, 64, ntrees * half, 1, tmp);
        for (size_t t = 0; t < ntrees; t++) memcpy(base + t * stride, tmp + t * half * 32, half * 32);
        c = half;
        h++;
    }
    for (size_t t = 0; t < ntrees; t++) memcpy(roots + t * roots_stride, base + t * stride, 32);
}

enum wc_status wc_blob_merkle_root_nodes(const struct wc_kernels *kern, const uint8_t *nodes, size_t count,
                                         uint8_t root[32])
{
    if (!kern || !root || (count && !nodes)) return WC_ERR_ARG;
    size_t half = count / 2 + 1;
    uint8_t *buf = (uint8_t *)malloc((count + 1) * 32 + half * 32);
    const uint8_t **ptrs = (const uint8_t **)malloc(half * sizeof(*ptrs));
    if (!buf || !ptrs) {
        free(buf);
        free((void *)ptrs);
        return WC_ERR_NOMEM;
    }
    if (count) memcpy(buf, nodes, count * 32);
    trees_up(kern, buf, 0, 1, count, 0, root, 32, buf + (count + 1) * 32, ptrs);
    free(buf);
    free((void *)ptrs);
    return WC_OK;
}

/* Pair tree and blob ID from row roots and column roots (spec §5). */
static enum wc_status finish_blob_id(const struct wc_kernels *kern, size_t n, uint64_t length,
                                     const uint8_t *row_roots, const uint8_t *col_roots, uint8_t blob_id[32])
{
    uint8_t *pairs = (uint8_t *)malloc(n * 64 + (n + 1) * 32);
    const uint8_t **ptrs = (const uint8_t **)malloc(n * sizeof(*ptrs));
    if (!pairs || !ptrs) {
        free(pairs);
        free((void *)ptrs);
        return WC_ERR_NOMEM;
    }
    uint8_t *nodes = pairs + n * 64;
    for (size_t i = 0; i < n; i++) {
        memcpy(pairs + 64 * i, row_roots + 32 * i, 32);
        memcpy(pairs + 64 * i + 32, col_roots + 32 * (n - 1 - i), 32);
        ptrs[i] = pairs + 64 * i;
    }
    kern->hash->blake2b256_many(ptrs, 64, n, 0, nodes);
    uint8_t root[32];
    /* n/2+1 <= n for n >= 2: reuse the pair area as tmp. */
    trees_up(kern, nodes, 0, 1, n, 0, root, 32, pairs, ptrs);
    uint8_t msg[41];
    msg[0] = 0x01;
    wc_store64_le(msg + 1, length);
    memcpy(msg + 9, root, 32);
    const uint8_t *m = msg;
    kern->hash->blake2b256_many(&m, 41, 1, -1, blob_id);
    free(pairs);
    free((void *)ptrs);
    return WC_OK;
}

/* ---- encoder ------------------------------------------------------------ */

struct enc_worker {
    uint8_t *mem;     /* one aligned block for the buffers below */
    uint8_t **shards; /* n packed-shard pointers */
    uint8_t *rs_scratch;
    uint8_t *gather;      /* b*S: a column chunk straddling column s */
    uint8_t *rect;        /* 2f*b*S: unpacked column recovery symbols */
    const uint8_t **ptrs; /* leaf / node message pointers */
    uint8_t *colbuf;      /* G columns x (n+1) leaf hashes */
    uint8_t *rowbuf;      /* n rows x (G+1) leaf hashes */
    uint8_t *tmp;         /* tree level output */
    uint8_t *subroots;    /* n*32 */
};

struct enc {
    const struct wc_kernels *kern;
    struct wc_blob_layout L;
    const uint8_t *data;
    size_t full_rows;
    uint8_t *tail;
    uint8_t *par; /* parity columns band0..band1-1 of rows 0..p-1 */
    size_t par_rs, par_cs;
    size_t band0, band1; /* absolute column indices, s <= band0 */
    size_t g_first;      /* first column group of the current pass */
    int first_pass;
    uint8_t *primary, *secondary;
    size_t primary_row0; /* primary holds rows primary_row0..n-1 */
    wc_rs_codec *row_codec, *col_codec;
    size_t G, nb, b, R;
    unsigned g;
    size_t n_row_tasks;
    size_t *row_task_r0, *row_task_cnt;
    uint8_t *sub; /* n rows x (nb+1) nodes */
    uint8_t *col_roots;
    struct enc_worker *w;
    int err;
};

WC_INLINE const uint8_t *row_ptr(const struct enc *e, size_t r)
{
    size_t rowb = e->L.s * e->L.S;
    return r < e->full_rows ? e->data + r * rowb : e->tail + (r - e->full_rows) * rowb;
}

WC_INLINE const uint8_t *sym_ptr(const struct enc *e, size_t r, size_t c)
{
    if (c < e->L.s) return row_ptr(e, r) + c * e->L.S;
    return e->par + r * e->par_rs + (c - e->band0) * e->par_cs;
}

#define PRIM(e, r) ((e)->primary + ((r) - (e)->primary_row0) * (e)->L.s * (e)->L.S)

static void set_err(struct enc *e, enum wc_status st)
{
    if (st != WC_OK) wc_atomic_store_int(&e->err, (int)st);
}

static void row_task(void *ctx, size_t t, unsigned worker)
{
    struct enc *e = (struct enc *)ctx;
    struct enc_worker *w = &e->w[worker];
    const size_t S = e->L.S, s = e->L.s, f = e->L.f;
    size_t r0 = e->row_task_r0[t], cnt = e->row_task_cnt[t];
    size_t pb = pk_bytes(cnt, S);
    const uint8_t *base = row_ptr(e, r0);
    for (size_t c = 0; c < s; c++) pk_pack(base + c * S, s * S, cnt, S, w->shards[c]);
    enum wc_status st = wc_rs_encode_packed(e->row_codec, e->kern, (const uint8_t *const *)w->shards,
                                            w->shards + s, pb, w->rs_scratch);
    if (st != WC_OK) {
        set_err(e, st);
        return;
    }
    (void)f;
    for (size_t c = e->band0; c < e->band1; c++)
        pk_unpack(w->shards[c], cnt, S, e->par + r0 * e->par_rs + (c - e->band0) * e->par_cs, e->par_rs);
    if (e->primary && e->first_pass) {
        for (size_t r = r0; r < r0 + cnt; r++)
            if (r >= e->primary_row0) memcpy(PRIM(e, r), base + (r - r0) * s * S, s * S);
    }
}

static void col_task(void *ctx, size_t task, unsigned worker)
{
    struct enc *e = (struct enc *)ctx;
    size_t gi = e->g_first + task;
    struct enc_worker *w = &e->w[worker];
    const struct wc_kernels *kern = e->kern;
    const size_t n = e->L.n, S = e->L.S, s = e->L.s, p = e->L.p, f = e->L.f, G = e->G, b = e->b;
    size_t gc0 = gi * G;
    size_t gcnt = n - gc0 < G ? n - gc0 : G;
    for (size_t cc0 = 0; cc0 < gcnt; cc0 += b) {
        size_t cnt = gcnt - cc0 < b ? gcnt - cc0 : b;
        size_t c0 = gc0 + cc0;
        size_t pb = pk_bytes(cnt, S);
        int straddle = c0 < s && c0 + cnt > s;
        for (size_t r = 0; r < p; r++) {
            if (straddle) {
                for (size_t cc = 0; cc < cnt; cc++) memcpy(w->gather + cc * S, sym_ptr(e, r, c0 + cc), S);
                pk_pack(w->gather, S, cnt, S, w->shards[r]);
            } else {
                pk_pack(sym_ptr(e, r, c0), c0 < s ? S : e->par_cs, cnt, S, w->shards[r]);
            }
        }
        enum wc_status st = wc_rs_encode_packed(e->col_codec, kern, (const uint8_t *const *)w->shards,
                                                w->shards + p, pb, w->rs_scratch);
        if (st != WC_OK) {
            set_err(e, st);
            return;
        }
        for (size_t j = 0; j < 2 * f; j++) pk_unpack(w->shards[p + j], cnt, S, w->rect + j * b * S, S);
        if (e->primary && c0 < s) {
            size_t ncopy = s - c0 < cnt ? s - c0 : cnt;
            for (size_t j = 0; j < 2 * f; j++)
                memcpy(PRIM(e, p + j) + c0 * S, w->rect + j * b * S, ncopy * S);
        }
        if (e->secondary) {
            for (size_t cc = 0; cc < cnt && c0 + cc < s; cc++)
                for (size_t r = 0; r < p; r++)
                    memcpy(e->secondary + (c0 + cc) * p * S + r * S, sym_ptr(e, r, c0 + cc), S);
        }
        for (size_t cc = 0; cc < cnt; cc++) {
            for (size_t r = 0; r < n; r++)
                w->ptrs[r] = r < p ? sym_ptr(e, r, c0 + cc) : w->rect + ((r - p) * b + cc) * S;
            kern->hash->blake2b256_many(w->ptrs, S, n, 0, w->colbuf + (cc0 + cc) * (n + 1) * 32);
        }
    }
    /* Row-major copy for the row subtrees, then both kinds of trees. */
    for (size_t cc = 0; cc < gcnt; cc++)
        for (size_t r = 0; r < n; r++)
            memcpy(w->rowbuf + (r * (G + 1) + cc) * 32, w->colbuf + (cc * (n + 1) + r) * 32, 32);
    trees_up(kern, w->colbuf, (n + 1) * 32, gcnt, n, 0, e->col_roots + gc0 * 32, 32, w->tmp, w->ptrs);
    trees_up(kern, w->rowbuf, (G + 1) * 32, n, gcnt, e->g, e->sub + gi * 32, (e->nb + 1) * 32, w->tmp,
             w->ptrs);
}

static size_t clampz(size_t v, size_t lo, size_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

enum wc_status wc_blob_encode(const struct wc_kernels *kern, size_t n, const uint8_t *data, uint64_t length,
                              unsigned threads, uint8_t *row_roots, uint8_t *col_roots, uint8_t *blob_id,
                              uint8_t *primary, size_t primary_row0, uint8_t *secondary)
{
    if (!kern || !kern->hash || !kern->hash->blake2b256_many || !kern->rs) return WC_ERR_ARG;
    if (length && !data) return WC_ERR_ARG;
    struct enc e;
    memset(&e, 0, sizeof(e));
    enum wc_status st = wc_blob_layout_init(n, length, &e.L);
    if (st != WC_OK) return st;
    if ((primary == NULL) != (secondary == NULL)) return WC_ERR_ARG;
    const size_t S = e.L.S, p = e.L.p, s = e.L.s, f = e.L.f;
    threads = resolve_threads(threads);
    e.kern = kern;
    e.data = data;
    e.primary = primary;
    e.secondary = secondary;
    size_t rowb = s * S;
    e.full_rows = (size_t)(length / rowb);
    if (e.full_rows > p) e.full_rows = p;
    if (primary_row0 > e.full_rows) return WC_ERR_ARG;
    e.primary_row0 = primary_row0;

    /* Sizes of the work units. */
    e.G = wc_pow2_ceil(n) < WC_BLOB_GROUP ? wc_pow2_ceil(n) : WC_BLOB_GROUP;
    /* Column groups are the unit of parallel work. With large symbols (one
     * column per RS call anyway) and few groups per thread, the last group
     * leaves threads idle (n = 100 on 2 threads: 32+32+32+4 columns), so
     * halve the groups until each thread gets several. */
    if (WC_BLOB_CHUNK_BYTES / (n * S) < WC_BLOB_GROUP_MIN)
        while (e.G > WC_BLOB_GROUP_MIN && (n + e.G - 1) / e.G < 4 * (size_t)threads) e.G /= 2;
    e.g = 0;
    while (((size_t)1 << e.g) < e.G) e.g++;
    e.nb = (n + e.G - 1) / e.G;
    e.b = clampz(WC_BLOB_CHUNK_BYTES / (n * S), 1, e.G);
    e.R = clampz(WC_BLOB_CHUNK_BYTES / (n * S), 1, 64);

    uint8_t *rr_local = NULL, *cr_local = NULL;
    size_t n_rows_tail = p - e.full_rows;
    size_t max_tasks = 0;
    unsigned nw = 0;

    st = WC_ERR_NOMEM;
    e.tail = (uint8_t *)calloc(n_rows_tail * rowb + 1, 1);
    if (!e.tail) goto out;
    if (n_rows_tail && length > (uint64_t)e.full_rows * rowb)
        memcpy(e.tail, data + e.full_rows * rowb, (size_t)(length - (uint64_t)e.full_rows * rowb));
    /* Parity bands: with slivers requested the parity lives in secondary
     * slivers s..n-1 (one pass). Metadata only: a large parity is made in
     * WC_BLOB_BANDS passes over G-aligned column bands, each recomputing the
     * (cheap) row code but storing only its band: peak memory p*f*S/bands. */
    size_t cuts[WC_BLOB_BANDS + 2];
    size_t n_bands = 1;
    cuts[0] = s;
    if (!secondary && (uint64_t)p * f * S > band_min_bytes) {
        for (size_t k = 1; k < WC_BLOB_BANDS; k++) {
            size_t c = s + (f * k) / WC_BLOB_BANDS;
            c = (c + e.G - 1) / e.G * e.G;
            if (c > cuts[n_bands - 1] && c < n) cuts[n_bands++] = c;
        }
    }
    cuts[n_bands] = n;
    size_t maxw = 0;
    for (size_t k = 0; k < n_bands; k++)
        if (cuts[k + 1] - cuts[k] > maxw) maxw = cuts[k + 1] - cuts[k];
    if (secondary) {
        e.par = secondary + s * p * S;
        e.par_rs = S;
        e.par_cs = p * S;
    } else {
        e.par = (uint8_t *)malloc(p * maxw * S + 1);
        if (!e.par) goto out;
        e.par_rs = maxw * S;
        e.par_cs = S;
    }
    /* Row tasks: blocks of R rows that do not cross full_rows. */
    e.row_task_r0 = (size_t *)malloc((p + 2) * 2 * sizeof(size_t));
    if (!e.row_task_r0) goto out;
    e.row_task_cnt = e.row_task_r0 + p + 2;
    for (size_t r = 0; r < p;) {
        size_t lim = r < e.full_rows ? e.full_rows : p;
        size_t cnt = lim - r < e.R ? lim - r : e.R;
        e.row_task_r0[e.n_row_tasks] = r;
        e.row_task_cnt[e.n_row_tasks++] = cnt;
        r += cnt;
    }
    e.sub = (uint8_t *)malloc(n * (e.nb + 1) * 32);
    rr_local = row_roots ? row_roots : (uint8_t *)malloc(n * 32);
    cr_local = col_roots ? col_roots : (uint8_t *)malloc(n * 32);
    if (!e.sub || !rr_local || !cr_local) goto out;
    e.col_roots = cr_local;

    st = wc_rs_codec_new(s, f, &e.row_codec);
    if (st != WC_OK) goto out;
    st = wc_rs_codec_new(p, 2 * f, &e.col_codec);
    if (st != WC_OK) goto out;
    st = WC_ERR_NOMEM;

    max_tasks = e.n_row_tasks > e.nb ? e.n_row_tasks : e.nb;
    nw = threads < max_tasks ? threads : (unsigned)max_tasks;
    if (nw == 0) nw = 1;
    e.w = (struct enc_worker *)calloc(nw, sizeof(struct enc_worker));
    if (!e.w) goto out;
    {
        size_t pb_row = pk_bytes(e.R, S);
        size_t pb_col = pk_bytes(e.b, S);
        size_t sc_row = wc_rs_encode_scratch_bytes(e.row_codec, pb_row);
        size_t sc_col = wc_rs_encode_scratch_bytes(e.col_codec, pb_col);
        size_t shard_bytes = n * (pb_row > pb_col ? pb_row : pb_col);
        size_t sc = (sc_row > sc_col ? sc_row : sc_col);
        size_t half_max = e.G * (n / 2 + 1) > n * (e.G / 2 + 1) ? e.G * (n / 2 + 1) : n * (e.G / 2 + 1);
        size_t nptr = half_max > n ? half_max : n;
        size_t a64 = 63;
        size_t sz_sc = (sc + a64) & ~a64, sz_sh = (shard_bytes + a64) & ~a64;
        size_t sz_g = (e.b * S + a64) & ~a64, sz_rect = (2 * f * e.b * S + a64) & ~a64;
        size_t sz_col = e.G * (n + 1) * 32, sz_row = n * (e.G + 1) * 32, sz_tmp = half_max * 32;
        size_t total = sz_sc + sz_sh + sz_g + sz_rect + sz_col + sz_row + sz_tmp + n * 32;
        for (unsigned i = 0; i < nw; i++) {
            struct enc_worker *w = &e.w[i];
            w->mem = (uint8_t *)wc_aligned_alloc(total);
            w->shards = (uint8_t **)malloc(n * sizeof(uint8_t *));
            w->ptrs = (const uint8_t **)malloc(nptr * sizeof(*w->ptrs));
            if (!w->mem || !w->shards || !w->ptrs) goto out;
            uint8_t *q = w->mem;
            w->rs_scratch = q;
            q += sz_sc;
            uint8_t *sh = q;
            q += sz_sh;
            w->gather = q;
            q += sz_g;
            w->rect = q;
            q += sz_rect;
            w->colbuf = q;
            q += sz_col;
            w->rowbuf = q;
            q += sz_row;
            w->tmp = q;
            q += sz_tmp;
            w->subroots = q;
            /* Shard pointers are set per call size; the stride is the max. */
            size_t stride = pb_row > pb_col ? pb_row : pb_col;
            for (size_t j = 0; j < n; j++) w->shards[j] = sh + j * stride;
        }
    }

    for (size_t k = 0; k < n_bands; k++) {
        e.band0 = cuts[k];
        e.band1 = cuts[k + 1];
        e.first_pass = k == 0;
        wc_parallel_for(e.n_row_tasks, nw, row_task, &e);
        if (e.err) {
            st = (enum wc_status)e.err;
            goto out;
        }
        /* Groups whose columns all lie below band1 (pass 0 also takes the
         * systematic columns); cuts are G-aligned. */
        size_t g_end = k + 1 == n_bands ? e.nb : cuts[k + 1] / e.G;
        e.g_first = k == 0 ? 0 : cuts[k] / e.G;
        wc_parallel_for(g_end - e.g_first, nw, col_task, &e);
        if (e.err) {
            st = (enum wc_status)e.err;
            goto out;
        }
    }
    /* Row roots from the subtree roots (all rows at once). */
    {
        size_t half = e.nb / 2 + 1;
        uint8_t *tmp = (uint8_t *)malloc(n * half * 32);
        const uint8_t **ptrs = (const uint8_t **)malloc(n * half * sizeof(*ptrs));
        if (!tmp || !ptrs) {
            free(tmp);
            free((void *)ptrs);
            goto out;
        }
        trees_up(kern, e.sub, (e.nb + 1) * 32, n, e.nb, 0, rr_local, 32, tmp, ptrs);
        free(tmp);
        free((void *)ptrs);
    }
    st = WC_OK;
    if (blob_id) st = finish_blob_id(kern, n, length, rr_local, cr_local, blob_id);

out:
    if (e.w) {
        for (unsigned i = 0; i < nw; i++) {
            wc_aligned_free(e.w[i].mem);
            free(e.w[i].shards);
            free((void *)e.w[i].ptrs);
        }
        free(e.w);
    }
    wc_rs_codec_free(e.row_codec);
    wc_rs_codec_free(e.col_codec);
    if (!secondary) free(e.par);
    free(e.tail);
    free(e.row_task_r0);
    free(e.sub);
    if (rr_local != row_roots) free(rr_local);
    if (cr_local != col_roots) free(cr_local);
    return st;
}

/* ---- decoder ------------------------------------------------------------ */

struct dec {
    const struct wc_kernels *kern;
    struct wc_blob_layout L;
    int axis;
    size_t k;                     /* originals of the line code */
    size_t chunk;                 /* symbols per line per task */
    size_t n_lines;               /* lines to decode: s columns (primary) or p rows (secondary) */
    const uint8_t *const *by_pos; /* n pointers, NULL where absent */
    wc_rs_decoder *dec;
    uint8_t *out;
    uint8_t **wmem;
    size_t wstride;
    size_t scratch_bytes;
    int err;
};

static void dec_task(void *ctx, size_t t, unsigned worker)
{
    struct dec *d = (struct dec *)ctx;
    const size_t n = d->L.n, S = d->L.S, s = d->L.s;
    size_t l0 = t * d->chunk;
    size_t cnt = d->n_lines - l0 < d->chunk ? d->n_lines - l0 : d->chunk;
    size_t pb = pk_bytes(cnt, S);
    uint8_t *mem = d->wmem[worker];
    uint8_t *scratch = mem;
    uint8_t *sh = mem + ((d->scratch_bytes + 63) & ~(size_t)63);
    const uint8_t **in = (const uint8_t **)(sh + (n + d->k) * d->wstride);
    uint8_t **outp = (uint8_t **)(in + n);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        in[i] = NULL;
        if (d->by_pos[i]) {
            uint8_t *dst = sh + used++ * d->wstride;
            pk_pack(d->by_pos[i] + l0 * S, S, cnt, S, dst);
            in[i] = dst;
        }
    }
    for (size_t j = 0; j < d->k; j++) outp[j] = sh + (n + j) * d->wstride;
    enum wc_status st = wc_rs_decode_packed(d->dec, d->kern, in, outp, pb, scratch);
    if (st != WC_OK) {
        wc_atomic_store_int(&d->err, (int)st);
        return;
    }
    if (d->axis == WC_BLOB_PRIMARY) {
        /* lines are columns l0..l0+cnt-1; output j = row j */
        for (size_t j = 0; j < d->k; j++) pk_unpack(outp[j], cnt, S, d->out + j * s * S + l0 * S, S);
    } else {
        /* lines are rows l0..; output j = column j */
        for (size_t j = 0; j < d->k; j++) pk_unpack(outp[j], cnt, S, d->out + l0 * s * S + j * S, s * S);
    }
}

enum wc_status wc_blob_decode(const struct wc_kernels *kern, size_t n, uint64_t length, int axis,
                              size_t count, const size_t *indices, const uint8_t *const *slivers,
                              unsigned threads, uint8_t *out)
{
    if (!kern || !kern->rs || !out || (count && (!indices || !slivers))) return WC_ERR_ARG;
    if (axis != WC_BLOB_PRIMARY && axis != WC_BLOB_SECONDARY) return WC_ERR_ARG;
    struct dec d;
    memset(&d, 0, sizeof(d));
    enum wc_status st = wc_blob_layout_init(n, length, &d.L);
    if (st != WC_OK) return st;
    const size_t S = d.L.S, p = d.L.p, s = d.L.s, f = d.L.f;
    d.kern = kern;
    d.axis = axis;
    d.out = out;
    d.k = axis == WC_BLOB_PRIMARY ? p : s;
    size_t r = n - d.k;
    d.n_lines = axis == WC_BLOB_PRIMARY ? s : p;
    const uint8_t **by_pos = (const uint8_t **)calloc(n, sizeof(*by_pos));
    uint8_t *present = (uint8_t *)calloc(n, 1);
    if (!by_pos || !present) {
        st = WC_ERR_NOMEM;
        goto done0;
    }
    size_t have = 0;
    for (size_t i = 0; i < count && have < d.k; i++) {
        if (indices[i] >= n) {
            st = WC_ERR_INDEX;
            goto done0;
        }
        if (!slivers[i]) {
            st = WC_ERR_ARG;
            goto done0;
        }
        if (present[indices[i]]) continue;
        present[indices[i]] = 1;
        by_pos[indices[i]] = slivers[i];
        have++;
    }
    if (have < d.k) {
        st = WC_ERR_TOO_FEW;
        goto done0;
    }
    d.by_pos = by_pos;
    (void)f;
    st = wc_rs_decoder_new(d.k, r, present, &d.dec);
    if (st != WC_OK) goto done0;
    d.chunk = clampz(WC_BLOB_CHUNK_BYTES / (n * S), 1, d.n_lines);
    size_t n_tasks = (d.n_lines + d.chunk - 1) / d.chunk;
    unsigned nw = resolve_threads(threads);
    if (nw > n_tasks) nw = (unsigned)n_tasks;
    d.wstride = pk_bytes(d.chunk, S);
    d.scratch_bytes = wc_rs_decode_scratch_bytes(d.dec, d.wstride);
    size_t per = ((d.scratch_bytes + 63) & ~(size_t)63) + (n + d.k) * d.wstride + (n + d.k) * sizeof(void *);
    d.wmem = (uint8_t **)calloc(nw, sizeof(uint8_t *));
    st = WC_ERR_NOMEM;
    if (!d.wmem) goto done1;
    for (unsigned i = 0; i < nw; i++)
        if (!(d.wmem[i] = (uint8_t *)wc_aligned_alloc(per))) goto done1;
    wc_parallel_for(n_tasks, nw, dec_task, &d);
    st = d.err ? (enum wc_status)d.err : WC_OK;
done1:
    if (d.wmem)
        for (unsigned i = 0; i < nw; i++) wc_aligned_free(d.wmem[i]);
    free(d.wmem);
    wc_rs_decoder_free(d.dec);
done0:
    free((void *)by_pos);
    free(present);
    return st;
}

/* ---- single lines: verification, recovery ------------------------------- */

struct lines {
    const struct wc_kernels *kern;
    size_t n, S, k, B, count;
    wc_rs_codec *codec;
    const uint8_t *const *slivers;
    uint8_t *roots, *expanded, *leaf_hashes;
    uint8_t **wmem;
    size_t scratch_bytes, pb;
    int direct; /* one line per task: RS straight from the sliver, no packing */
    int err;
};

/* Sizes of one worker's block for B lines (see line_task). */
static size_t lines_worker_bytes(const struct lines *L)
{
    const size_t n = L->n, S = L->S, B = L->B;
    size_t nptr = B * n;
    return ((L->scratch_bytes + 63) & ~(size_t)63) + n * L->pb + B * n * S + B * (n + 1) * 32 +
           B * (n / 2 + 1) * 32 + nptr * sizeof(void *) + n * sizeof(void *) + 128;
}

/* B lines per task: gather their k symbols into expanded lines (stride n*S),
 * RS-extend all of them with one packed call, hash all B*n leaves, then the
 * B trees level by level. */
static void line_task(void *ctx, size_t t, unsigned worker)
{
    struct lines *L = (struct lines *)ctx;
    const size_t n = L->n, S = L->S, k = L->k, B = L->B;
    size_t l0 = t * B;
    size_t cnt = L->count - l0 < B ? L->count - l0 : B;
    size_t pb = pk_bytes(cnt, S);
    uint8_t *q = L->wmem[worker];
    uint8_t *scratch = q;
    q += (L->scratch_bytes + 63) & ~(size_t)63;
    uint8_t *sh = q;
    q += n * L->pb;
    uint8_t *lines = q;
    q += B * n * S;
    uint8_t *lh = q;
    q += B * (n + 1) * 32;
    uint8_t *tmp = q;
    q += B * (n / 2 + 1) * 32;
    q = (uint8_t *)(((uintptr_t)q + 7) & ~(uintptr_t)7);
    const uint8_t **ptrs = (const uint8_t **)q;
    uint8_t **shp = (uint8_t **)(ptrs + B * n);
    if (L->direct) { /* cnt == 1: the sliver's symbols are the RS inputs and leaves in place */
        const uint8_t *src = L->slivers[l0];
        uint8_t *par = lines;
        if (L->expanded) {
            memcpy(L->expanded + l0 * n * S, src, k * S);
            par = L->expanded + l0 * n * S + k * S;
        }
        for (size_t j = 0; j < k; j++) ptrs[j] = src + j * S;
        for (size_t j = 0; j < n - k; j++) shp[j] = par + j * S;
        enum wc_status st =
            wc_rs_encode_with_scratch(L->kern, k, n - k, S, ptrs, shp, scratch, L->scratch_bytes);
        if (st != WC_OK) {
            wc_atomic_store_int(&L->err, (int)st);
            return;
        }
        for (size_t j = k; j < n; j++) ptrs[j] = par + (j - k) * S;
        L->kern->hash->blake2b256_many(ptrs, S, n, 0, lh);
        if (L->leaf_hashes) memcpy(L->leaf_hashes + l0 * n * 32, lh, n * 32);
        trees_up(L->kern, lh, (n + 1) * 32, 1, n, 0, L->roots + l0 * 32, 32, tmp, ptrs);
        return;
    }
    uint8_t *dst = L->expanded ? L->expanded + l0 * n * S : lines;
    for (size_t i = 0; i < cnt; i++) memcpy(dst + i * n * S, L->slivers[l0 + i], k * S);
    for (size_t j = 0; j < n; j++) shp[j] = sh + j * pb;
    for (size_t c = 0; c < k; c++) pk_pack(dst + c * S, n * S, cnt, S, shp[c]);
    enum wc_status st =
        wc_rs_encode_packed(L->codec, L->kern, (const uint8_t *const *)shp, shp + k, pb, scratch);
    if (st != WC_OK) {
        wc_atomic_store_int(&L->err, (int)st);
        return;
    }
    for (size_t j = 0; j < n - k; j++) pk_unpack(shp[k + j], cnt, S, dst + (k + j) * S, n * S);
    for (size_t i = 0; i < cnt; i++) {
        for (size_t j = 0; j < n; j++) ptrs[j] = dst + i * n * S + j * S;
        L->kern->hash->blake2b256_many(ptrs, S, n, 0, lh + i * (n + 1) * 32);
        if (L->leaf_hashes) memcpy(L->leaf_hashes + (l0 + i) * n * 32, lh + i * (n + 1) * 32, n * 32);
    }
    trees_up(L->kern, lh, (n + 1) * 32, cnt, n, 0, L->roots + l0 * 32, 32, tmp, ptrs);
}

enum wc_status wc_blob_line_roots(const struct wc_kernels *kern, size_t n, size_t S, int axis, size_t count,
                                  const uint8_t *const *slivers, unsigned threads, uint8_t *roots,
                                  uint8_t *expanded, uint8_t *leaf_hashes)
{
    if (!kern || !kern->hash || !kern->rs || !roots || (count && !slivers)) return WC_ERR_ARG;
    if (axis != WC_BLOB_PRIMARY && axis != WC_BLOB_SECONDARY) return WC_ERR_ARG;
    if (n < WC_BLOB_MIN_SHARDS || n > WC_BLOB_MAX_SHARDS) return WC_ERR_COUNT;
    if (S < 2 || S > WC_BLOB_MAX_SYMBOL_SIZE || (S & 1)) return WC_ERR_SIZE;
    for (size_t i = 0; i < count; i++)
        if (!slivers[i]) return WC_ERR_ARG;
    if (count == 0) return WC_OK;
    struct lines L;
    memset(&L, 0, sizeof(L));
    size_t f = (n - 1) / 3;
    L.kern = kern;
    L.n = n;
    L.S = S;
    L.k = axis == WC_BLOB_PRIMARY ? n - f : n - 2 * f;
    L.count = count;
    L.slivers = slivers;
    L.roots = roots;
    L.expanded = expanded;
    L.leaf_hashes = leaf_hashes;
    unsigned nw = resolve_threads(threads);
    /* Enough lines per task to amortise the FFT, but keep every worker busy. */
    L.B = clampz(WC_BLOB_CHUNK_BYTES / (n * S), 1, 64);
    if (L.B > (count + nw - 1) / nw) L.B = (count + nw - 1) / nw;
    if (L.B == 0) L.B = 1;
    size_t n_tasks = (count + L.B - 1) / L.B;
    if (nw > n_tasks) nw = (unsigned)n_tasks;
    enum wc_status st = wc_rs_codec_new(L.k, n - L.k, &L.codec);
    if (st != WC_OK) return st;
    /* Lines of 1 MiB and more go one per task, straight from the sliver. */
    L.direct = L.B == 1;
    L.pb = L.direct ? 0 : pk_bytes(L.B, S);
    L.scratch_bytes = L.direct ? wc_rs_encode_plain_scratch_bytes(L.k, n - L.k, S)
                               : wc_rs_encode_scratch_bytes(L.codec, L.pb);
    size_t per = lines_worker_bytes(&L);
    L.wmem = (uint8_t **)calloc(nw, sizeof(uint8_t *));
    st = WC_ERR_NOMEM;
    if (!L.wmem) goto done;
    for (unsigned i = 0; i < nw; i++)
        if (!(L.wmem[i] = (uint8_t *)wc_aligned_alloc(per))) goto done;
    wc_parallel_for(n_tasks, nw, line_task, &L);
    st = L.err ? (enum wc_status)L.err : WC_OK;
done:
    if (L.wmem)
        for (unsigned i = 0; i < nw; i++) wc_aligned_free(L.wmem[i]);
    free(L.wmem);
    wc_rs_codec_free(L.codec);
    return st;
}

enum wc_status wc_blob_recover_line(const struct wc_kernels *kern, size_t n, size_t S, int axis, size_t count,
                                    const size_t *positions, const uint8_t *const *symbols, uint8_t *out)
{
    if (!kern || !out || (count && (!positions || !symbols))) return WC_ERR_ARG;
    if (axis != WC_BLOB_PRIMARY && axis != WC_BLOB_SECONDARY) return WC_ERR_ARG;
    if (n < WC_BLOB_MIN_SHARDS || n > WC_BLOB_MAX_SHARDS) return WC_ERR_COUNT;
    if (S < 2 || S > WC_BLOB_MAX_SYMBOL_SIZE || (S & 1)) return WC_ERR_SIZE;
    size_t f = (n - 1) / 3;
    size_t k = axis == WC_BLOB_PRIMARY ? n - f : n - 2 * f;
    const uint8_t **shards = (const uint8_t **)calloc(n, sizeof(*shards));
    uint8_t **outs = (uint8_t **)malloc(k * sizeof(*outs));
    enum wc_status st = WC_ERR_NOMEM;
    if (!shards || !outs) goto done;
    size_t have = 0;
    for (size_t i = 0; i < count && have < k; i++) {
        if (positions[i] >= n) {
            st = WC_ERR_INDEX;
            goto done;
        }
        if (!symbols[i]) {
            st = WC_ERR_ARG;
            goto done;
        }
        if (shards[positions[i]]) continue;
        shards[positions[i]] = symbols[i];
        have++;
    }
    if (have < k) {
        st = WC_ERR_TOO_FEW;
        goto done;
    }
    for (size_t j = 0; j < k; j++) outs[j] = out + j * S;
    st = wc_rs_decode_with(kern, k, n - k, S, shards, outs);
done:
    free((void *)shards);
    free(outs);
    return st;
}
