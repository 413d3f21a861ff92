/* The 2-D encoder (format §2, §4, §5). See blob.h.
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
 * then finished from the n x ceil(n/G) subtree roots. Every tree goes through
 * merkle.c, the blob ID too.
 *
 * wc_blob_encode is plan (sizes, bands, tasks), allocate, run.
 * Memory: input + row parity (metadata only) + O(n*(G*32 + b*S)) per thread;
 * the input is never copied except its last, partial row (zero padded). */
#include <stdlib.h>
#include <string.h>

#include "blob_internal.h"
#include "merkle.h"
#include "rs.h"
#include "tuning.h"

#define WC_BLOB_GROUP     32u
#define WC_BLOB_GROUP_MIN 8u
/* Metadata only: a row parity larger than the band knob is made in this
 * many passes over column bands. */
#define WC_BLOB_BANDS 2u

struct enc_worker {
    uint8_t *mem;         /* one aligned block for the buffers below */
    uint8_t **shards;     /* n packed-shard pointers */
    uint8_t *rs_scratch;  /* rs_scratch_bytes (struct enc) */
    uint8_t *gather;      /* b*S: a column chunk straddling column s */
    uint8_t *rect;        /* 2f*b*S: unpacked column recovery symbols */
    const uint8_t **ptrs; /* n leaf pointers */
    uint8_t *colbuf;      /* G columns x n leaf hashes */
};

struct enc {
    /* the call */
    const struct wc_kernels *kern;
    struct wc_blob_layout L;
    const uint8_t *data;
    uint8_t *primary, *secondary;
    size_t primary_row0; /* primary holds rows primary_row0..n-1 */
    unsigned threads;
    /* the plan */
    size_t full_rows;               /* whole rows of the input */
    size_t G, nb, b, R;             /* columns per group, groups, columns and rows per RS call */
    unsigned g;                     /* log2 G */
    size_t cuts[WC_BLOB_BANDS + 1]; /* parity bands: columns cuts[k] .. cuts[k+1]-1 */
    size_t n_bands, band_width;     /* the widest band */
    size_t n_row_tasks;
    unsigned nw; /* workers */
    /* the buffers */
    uint8_t *tail; /* the rows from full_rows on, zero padded */
    uint8_t *par;  /* parity columns band0..band1-1 of rows 0..p-1 */
    size_t par_rs, par_cs;
    size_t *row_task_r0, *row_task_cnt;
    uint8_t *sub; /* n rows x nb subtree roots */
    uint8_t *row_roots, *col_roots;
    int own_row_roots, own_col_roots;
    wc_rs_codec *row_codec, *col_codec;
    size_t rs_scratch_bytes;
    struct enc_worker *w;
    /* the current pass */
    size_t band0, band1; /* absolute column indices, s <= band0 */
    size_t g_first;      /* first column group of the pass */
    int first_pass;
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

/* ---- run: the two kinds of tasks ----------------------------------------- */

/* Rows r0..r0+cnt-1: extend with the secondary code, keep the band's parity. */
static void row_task(void *ctx, size_t t, unsigned worker)
{
    struct enc *e = (struct enc *)ctx;
    struct enc_worker *w = &e->w[worker];
    const size_t S = e->L.S, s = e->L.s;
    size_t r0 = e->row_task_r0[t], cnt = e->row_task_cnt[t];
    size_t pb = wc_blob_pk_bytes(cnt, S);
    const uint8_t *base = row_ptr(e, r0);
    for (size_t c = 0; c < s; c++) wc_blob_pk_pack(base + c * S, s * S, cnt, S, w->shards[c]);
    enum wc_status st = wc_rs_encode_packed(e->row_codec, e->kern, (const uint8_t *const *)w->shards,
                                            w->shards + s, pb, w->rs_scratch, e->rs_scratch_bytes);
    if (st != WC_OK) {
        set_err(e, st);
        return;
    }
    for (size_t c = e->band0; c < e->band1; c++)
        wc_blob_pk_unpack(w->shards[c], cnt, S, e->par + r0 * e->par_rs + (c - e->band0) * e->par_cs,
                          e->par_rs);
    if (e->primary && e->first_pass) {
        for (size_t r = r0; r < r0 + cnt; r++)
            if (r >= e->primary_row0) memcpy(PRIM(e, r), base + (r - r0) * s * S, s * S);
    }
}

/* Column group gi: extend its columns with the primary code (b at a time),
 * write the slivers' symbols, hash every symbol, then the column roots and
 * the rows' subtree roots over the group. */
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
        size_t pb = wc_blob_pk_bytes(cnt, S);
        int straddle = c0 < s && c0 + cnt > s;
        for (size_t r = 0; r < p; r++) {
            if (straddle) {
                for (size_t cc = 0; cc < cnt; cc++) memcpy(w->gather + cc * S, sym_ptr(e, r, c0 + cc), S);
                wc_blob_pk_pack(w->gather, S, cnt, S, w->shards[r]);
            } else {
                wc_blob_pk_pack(sym_ptr(e, r, c0), c0 < s ? S : e->par_cs, cnt, S, w->shards[r]);
            }
        }
        enum wc_status st = wc_rs_encode_packed(e->col_codec, kern, (const uint8_t *const *)w->shards,
                                                w->shards + p, pb, w->rs_scratch, e->rs_scratch_bytes);
        if (st != WC_OK) {
            set_err(e, st);
            return;
        }
        for (size_t j = 0; j < 2 * f; j++)
            wc_blob_pk_unpack(w->shards[p + j], cnt, S, w->rect + j * b * S, S);
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
            kern->hash->blake2b256_many(w->ptrs, S, n, 0, w->colbuf + (cc0 + cc) * n * 32);
        }
    }
    /* colbuf is column-major: column trees are contiguous, a row's leaves
     * lie n*32 bytes apart. */
    set_err(e, wc_merkle_roots_many(kern, w->colbuf, n * 32, gcnt, n, e->col_roots + gc0 * 32));
    set_err(e,
            wc_merkle_block_roots(kern, w->colbuf, n * 32, 32, n, gcnt, e->g, e->sub + gi * 32, e->nb * 32));
}

/* ---- plan ------------------------------------------------------------------ */

static enum wc_status enc_plan(struct enc *e)
{
    const size_t n = e->L.n, S = e->L.S, p = e->L.p, s = e->L.s, f = e->L.f;
    size_t rowb = s * S;
    e->full_rows = (size_t)(e->L.length / rowb);
    if (e->full_rows > p) e->full_rows = p;
    if (e->primary_row0 > e->full_rows) return WC_ERR_ARG;

    /* Sizes of the work units. Column groups are the unit of parallel work.
     * With large symbols (one column per RS call anyway) and few groups per
     * thread, the last group leaves threads idle (n = 100 on 2 threads:
     * 32+32+32+4 columns), so halve the groups until each thread gets
     * several. */
    size_t per_call = WC_BLOB_CHUNK_BYTES / (n * S);
    e->G = wc_pow2_ceil(n) < WC_BLOB_GROUP ? wc_pow2_ceil(n) : WC_BLOB_GROUP;
    if (per_call < WC_BLOB_GROUP_MIN)
        while (e->G > WC_BLOB_GROUP_MIN && (n + e->G - 1) / e->G < 4 * (size_t)e->threads) e->G /= 2;
    e->g = 0;
    while (((size_t)1 << e->g) < e->G) e->g++;
    e->nb = (n + e->G - 1) / e->G;
    e->b = clampz(per_call, 1, e->G);
    e->R = clampz(per_call, 1, 64);

    /* Parity bands: with slivers requested the parity lives in secondary
     * slivers s..n-1 (one pass). Metadata only: a large parity is made in
     * WC_BLOB_BANDS passes over G-aligned column bands, each recomputing the
     * (cheap) row code but storing only its band: peak memory p*f*S/bands. */
    e->n_bands = 1;
    e->cuts[0] = s;
    if (!e->secondary && (uint64_t)p * f * S > wc_knob(WC_KNOB_BLOB_BAND_MIN)) {
        for (size_t k = 1; k < WC_BLOB_BANDS; k++) {
            size_t c = s + (f * k) / WC_BLOB_BANDS;
            c = (c + e->G - 1) / e->G * e->G;
            if (c > e->cuts[e->n_bands - 1] && c < n) e->cuts[e->n_bands++] = c;
        }
    }
    e->cuts[e->n_bands] = n;
    e->band_width = 0;
    for (size_t k = 0; k < e->n_bands; k++)
        if (e->cuts[k + 1] - e->cuts[k] > e->band_width) e->band_width = e->cuts[k + 1] - e->cuts[k];

    /* Row tasks: blocks of R rows that do not cross full_rows. */
    e->n_row_tasks = 0;
    for (size_t r = 0; r < p; e->n_row_tasks++)
        r += clampz((r < e->full_rows ? e->full_rows : p) - r, 0, e->R);
    size_t max_tasks = e->n_row_tasks > e->nb ? e->n_row_tasks : e->nb;
    e->nw = wc_thread_count(e->threads, max_tasks);
    return WC_OK;
}

/* ---- allocate ---------------------------------------------------------------- */

static enum wc_status enc_alloc_workers(struct enc *e)
{
    const size_t n = e->L.n, S = e->L.S, f = e->L.f;
    size_t pb_row = wc_blob_pk_bytes(e->R, S), pb_col = wc_blob_pk_bytes(e->b, S);
    size_t sc_row = wc_rs_encode_scratch_bytes(e->row_codec, pb_row);
    size_t sc_col = wc_rs_encode_scratch_bytes(e->col_codec, pb_col);
    size_t stride = pb_row > pb_col ? pb_row : pb_col; /* shards are set per call size */
    e->rs_scratch_bytes = wc_round64(sc_row > sc_col ? sc_row : sc_col);
    size_t sz_sh = wc_round64(n * stride), sz_g = wc_round64(e->b * S),
           sz_rect = wc_round64(2 * f * e->b * S);
    size_t total = e->rs_scratch_bytes + sz_sh + sz_g + sz_rect + e->G * n * 32;
    e->w = (struct enc_worker *)calloc(e->nw, sizeof(struct enc_worker));
    if (!e->w) return WC_ERR_NOMEM;
    for (unsigned i = 0; i < e->nw; i++) {
        struct enc_worker *w = &e->w[i];
        w->mem = (uint8_t *)wc_aligned_alloc(total);
        w->shards = (uint8_t **)malloc(n * sizeof(uint8_t *));
        w->ptrs = (const uint8_t **)malloc(n * sizeof(*w->ptrs));
        if (!w->mem || !w->shards || !w->ptrs) return WC_ERR_NOMEM;
        uint8_t *q = w->mem;
        w->rs_scratch = q;
        q += e->rs_scratch_bytes;
        for (size_t j = 0; j < n; j++) w->shards[j] = q + j * stride;
        q += sz_sh;
        w->gather = q;
        q += sz_g;
        w->rect = q;
        q += sz_rect;
        w->colbuf = q;
    }
    return WC_OK;
}

static enum wc_status enc_alloc(struct enc *e, uint8_t *row_roots, uint8_t *col_roots)
{
    const size_t n = e->L.n, S = e->L.S, p = e->L.p, s = e->L.s, rowb = s * S;
    size_t n_rows_tail = p - e->full_rows;
    e->tail = (uint8_t *)calloc(n_rows_tail * rowb + 1, 1);
    if (!e->tail) return WC_ERR_NOMEM;
    if (n_rows_tail && e->L.length > (uint64_t)e->full_rows * rowb)
        memcpy(e->tail, e->data + e->full_rows * rowb, (size_t)(e->L.length - (uint64_t)e->full_rows * rowb));
    if (e->secondary) {
        e->par = e->secondary + s * p * S;
        e->par_rs = S;
        e->par_cs = p * S;
    } else {
        e->par = (uint8_t *)malloc(p * e->band_width * S + 1);
        if (!e->par) return WC_ERR_NOMEM;
        e->par_rs = e->band_width * S;
        e->par_cs = S;
    }
    e->row_task_r0 = (size_t *)malloc((e->n_row_tasks + 1) * 2 * sizeof(size_t));
    if (!e->row_task_r0) return WC_ERR_NOMEM;
    e->row_task_cnt = e->row_task_r0 + e->n_row_tasks + 1;
    size_t t = 0;
    for (size_t r = 0; r < p; t++) {
        size_t cnt = clampz((r < e->full_rows ? e->full_rows : p) - r, 0, e->R);
        e->row_task_r0[t] = r;
        e->row_task_cnt[t] = cnt;
        r += cnt;
    }
    e->sub = (uint8_t *)malloc(n * e->nb * 32);
    e->own_row_roots = !row_roots;
    e->own_col_roots = !col_roots;
    e->row_roots = row_roots ? row_roots : (uint8_t *)malloc(n * 32);
    e->col_roots = col_roots ? col_roots : (uint8_t *)malloc(n * 32);
    if (!e->sub || !e->row_roots || !e->col_roots) return WC_ERR_NOMEM;
    enum wc_status st = wc_rs_codec_new(s, e->L.f, &e->row_codec);
    if (st == WC_OK) st = wc_rs_codec_new(p, 2 * e->L.f, &e->col_codec);
    if (st == WC_OK) st = enc_alloc_workers(e);
    return st;
}

static void enc_free(struct enc *e)
{
    if (e->w) {
        for (unsigned i = 0; i < e->nw; i++) {
            wc_aligned_free(e->w[i].mem);
            free(e->w[i].shards);
            free((void *)e->w[i].ptrs);
        }
        free(e->w);
    }
    wc_rs_codec_free(e->row_codec);
    wc_rs_codec_free(e->col_codec);
    if (!e->secondary) free(e->par);
    free(e->tail);
    free(e->row_task_r0);
    free(e->sub);
    if (e->own_row_roots) free(e->row_roots);
    if (e->own_col_roots) free(e->col_roots);
}

/* ---- run ------------------------------------------------------------------------ */

static enum wc_status enc_run(struct enc *e, uint8_t *blob_id)
{
    const size_t n = e->L.n;
    for (size_t k = 0; k < e->n_bands; k++) {
        e->band0 = e->cuts[k];
        e->band1 = e->cuts[k + 1];
        e->first_pass = k == 0;
        wc_parallel_for(e->n_row_tasks, e->nw, row_task, e);
        if (e->err) return (enum wc_status)e->err;
        /* Groups whose columns all lie below band1 (pass 0 also takes the
         * systematic columns); cuts are G-aligned. */
        size_t g_end = k + 1 == e->n_bands ? e->nb : e->cuts[k + 1] / e->G;
        e->g_first = k == 0 ? 0 : e->cuts[k] / e->G;
        wc_parallel_for(g_end - e->g_first, e->nw, col_task, e);
        if (e->err) return (enum wc_status)e->err;
    }
    enum wc_status st = wc_merkle_roots_many(e->kern, e->sub, e->nb * 32, n, e->nb, e->row_roots);
    if (st != WC_OK || !blob_id) return st;
    /* Pair leaf i: primary_hash[i] (row i) || secondary_hash[i] (column n-1-i). */
    uint8_t *pairs = (uint8_t *)malloc(n * 64);
    if (!pairs) return WC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        memcpy(pairs + 64 * i, e->row_roots + 32 * i, 32);
        memcpy(pairs + 64 * i + 32, e->col_roots + 32 * (n - 1 - i), 32);
    }
    st = wc_merkle_blob_id(e->kern, pairs, n, e->L.length, NULL, blob_id);
    free(pairs);
    return st;
}

enum wc_status wc_blob_encode(const struct wc_kernels *kern, size_t n, const uint8_t *data, uint64_t length,
                              unsigned threads, uint8_t *row_roots, uint8_t *col_roots, uint8_t *blob_id,
                              uint8_t *primary, size_t primary_row0, size_t primary_len, uint8_t *secondary,
                              size_t secondary_len)
{
    if (!kern || !kern->hash || !kern->hash->blake2b256_many || !kern->rs) return WC_ERR_ARG;
    if ((length && !data) || threads == 0) return WC_ERR_ARG;
    if ((primary == NULL) != (secondary == NULL)) return WC_ERR_ARG;
    struct enc e;
    memset(&e, 0, sizeof(e));
    enum wc_status st = wc_blob_layout_init(n, length, &e.L);
    if (st != WC_OK) return st;
    if (primary) {
        const size_t p = e.L.p, s = e.L.s, S = e.L.S;
        if (primary_row0 > n || primary_len != (n - primary_row0) * s * S || secondary_len != n * p * S)
            return WC_ERR_SIZE;
    }
    e.kern = kern;
    e.data = data;
    e.primary = primary;
    e.secondary = secondary;
    e.primary_row0 = primary_row0;
    e.threads = threads;
    st = enc_plan(&e);
    if (st == WC_OK) st = enc_alloc(&e, row_roots, col_roots);
    if (st == WC_OK) st = enc_run(&e, blob_id);
    enc_free(&e);
    return st;
}
