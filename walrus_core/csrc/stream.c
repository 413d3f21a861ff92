/* Small-blob shortcuts and the bounded-memory banded encoder. See stream.h. */
#include "stream.h"

#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#include <io.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

#include "blake2b.h"
#include "blob.h"
#include "merkle.h"
#include "parallel.h"
#include "rs.h"
#include "wc_internal.h"

/* ---- carried Blake2b states -------------------------------------------- */

/* The Blake2b-256 initial state (digest length 32, no key). */
static void state_init(uint64_t h[8])
{
    wc_blake2b_state s;
    wc_blake2b256_init(&s);
    memcpy(h, s.h, sizeof(s.h));
}

/* Last block of a leaf: `rest` (1..128 virtual bytes), message of `total`
 * virtual bytes; the digest goes to out. */
static void state_final(uint64_t h[8], const uint8_t *rest, size_t rest_len, uint64_t total, uint8_t out[32])
{
    uint8_t blk[128];
    memset(blk, 0, sizeof(blk));
    memcpy(blk, rest, rest_len);
    wc_blake2b_compress_portable(h, blk, total, 0, 1);
    for (int i = 0; i < 4; i++) wc_store64_le(out + 8 * i, h[i]);
}

/* ---- Merkle trees with known all-zero subtrees -------------------------- */

#define MAX_LEVELS 64

/* zs[h] = root of 2^h leaves that are all the leaf hash zs[0]. */
static void zero_roots(const struct wc_kernels *kern, const uint8_t zleaf[32], uint8_t zs[MAX_LEVELS][32])
{
    memcpy(zs[0], zleaf, 32);
    for (int h = 1; h < MAX_LEVELS; h++) {
        const uint8_t *m = zs[h - 1];
        uint8_t pair[64];
        memcpy(pair, m, 32);
        memcpy(pair + 32, m, 32);
        const uint8_t *pp = pair;
        kern->hash->blake2b256_many(&pp, 64, 1, 1, zs[h]);
    }
}

struct ztree_work {
    const uint8_t **ptrs;
    size_t *idx;
    uint8_t *tmp;
};

/* Root of the tree over `count` leaf hashes at base (room for count+1),
 * reduced in place. A pair of children that are both zs[h] has parent
 * zs[h+1] by definition, so it is not hashed. Same bytes as merkle.c. */
static void ztree_root(const struct wc_kernels *kern, uint8_t *base, size_t count, uint8_t zs[MAX_LEVELS][32],
                       struct ztree_work *w, uint8_t root[32])
{
    if (count == 0) {
        memset(root, 0, 32);
        return;
    }
    size_t c = count;
    for (unsigned h = 0; c > 1; h++) {
        if (c & 1) memset(base + 32 * c++, 0, 32);
        size_t half = c / 2, m = 0;
        for (size_t i = 0; i < half; i++) {
            const uint8_t *pair = base + 64 * i;
            if (memcmp(pair, zs[h], 32) == 0 && memcmp(pair + 32, zs[h], 32) == 0) {
                w->idx[i] = (size_t)-1;
            } else {
                w->idx[i] = m;
                w->ptrs[m++] = pair;
            }
        }
        if (m) kern->hash->blake2b256_many(w->ptrs, 64, m, 1, w->tmp);
        for (size_t i = 0; i < half; i++)
            memcpy(base + 32 * i, w->idx[i] == (size_t)-1 ? zs[h + 1] : w->tmp + 32 * w->idx[i], 32);
        c = half;
    }
    memcpy(root, base, 32);
}

/* Roots of the n row trees of the row-major n x n leaf hashes at lh (row
 * stride `stride`), each reduced in a copy so that lh stays intact. */
static enum wc_status row_roots_of(const struct wc_kernels *kern, const uint8_t *lh, size_t stride, size_t n,
                                   uint8_t zs[MAX_LEVELS][32], uint8_t *roots)
{
    struct ztree_work w;
    size_t half = n / 2 + 1;
    w.ptrs = (const uint8_t **)malloc(half * sizeof(*w.ptrs));
    w.idx = (size_t *)malloc(half * sizeof(*w.idx));
    w.tmp = (uint8_t *)malloc(half * 32);
    uint8_t *row = (uint8_t *)malloc((n + 1) * 32);
    enum wc_status st = WC_ERR_NOMEM;
    if (w.ptrs && w.idx && w.tmp && row) {
        for (size_t r = 0; r < n; r++) {
            memcpy(row, lh + r * stride, n * 32);
            ztree_root(kern, row, n, zs, &w, roots + 32 * r);
        }
        st = WC_OK;
    }
    free((void *)w.ptrs);
    free(w.idx);
    free(w.tmp);
    free(row);
    return st;
}

/* Roots of the n column trees of the same matrix, all columns one level at
 * a time: level h+1's row i is the parents of level h's rows 2i and 2i+1
 * (a lone last row pairs with the zero node), computed over the rows in
 * place. Rows are read sequentially: no transpose. */
static enum wc_status col_roots_of(const struct wc_kernels *kern, uint8_t *lh, size_t stride, size_t n,
                                   uint8_t zs[MAX_LEVELS][32], uint8_t *roots)
{
    uint8_t *stage = (uint8_t *)malloc(n * 64 + n * 32);
    const uint8_t **ptrs = (const uint8_t **)malloc(n * sizeof(*ptrs));
    uint8_t *known = (uint8_t *)malloc(n);
    if (!stage || !ptrs || !known) {
        free(stage);
        free((void *)ptrs);
        free(known);
        return WC_ERR_NOMEM;
    }
    uint8_t *out = stage + n * 64;
    static const uint8_t zero[32];
    size_t rows = n;
    for (unsigned h = 0; rows > 1; h++) {
        size_t half = (rows + 1) / 2;
        for (size_t i = 0; i < half; i++) {
            const uint8_t *a = lh + 2 * i * stride;
            const uint8_t *b = 2 * i + 1 < rows ? lh + (2 * i + 1) * stride : NULL;
            size_t m = 0;
            for (size_t c = 0; c < n; c++) {
                const uint8_t *bc = b ? b + 32 * c : zero;
                known[c] = b && memcmp(a + 32 * c, zs[h], 32) == 0 && memcmp(bc, zs[h], 32) == 0;
                if (known[c]) continue;
                memcpy(stage + 64 * m, a + 32 * c, 32);
                memcpy(stage + 64 * m + 32, bc, 32);
                ptrs[m] = stage + 64 * m;
                m++;
            }
            if (m) kern->hash->blake2b256_many(ptrs, 64, m, 1, out);
            uint8_t *dst = lh + i * stride;
            for (size_t c = 0, k = 0; c < n; c++)
                memcpy(dst + 32 * c, known[c] ? zs[h + 1] : out + 32 * k++, 32);
        }
        rows = half;
    }
    memcpy(roots, lh, n * 32);
    free(stage);
    free((void *)ptrs);
    free(known);
    return WC_OK;
}

/* Pair tree and blob ID (format §5) from the row and column roots. */
static enum wc_status blob_id_from_roots(const struct wc_kernels *kern, size_t n, uint64_t length,
                                         const uint8_t *row_roots, const uint8_t *col_roots, uint8_t *blob_id)
{
    uint8_t *pairs = (uint8_t *)malloc(n * 64);
    if (!pairs) return WC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        memcpy(pairs + 64 * i, row_roots + 32 * i, 32);
        memcpy(pairs + 64 * i + 32, col_roots + 32 * (n - 1 - i), 32);
    }
    enum wc_status st = wc_merkle_blob_id(kern, pairs, n, length, NULL, blob_id);
    free(pairs);
    return st;
}

/* Row trees from the row-major n x n leaf hashes (stride (n+1)*32), then
 * the column trees over them in place, then the blob ID. Consumes lh. */
static enum wc_status finish_trees(const struct wc_kernels *kern, size_t n, uint64_t length, uint8_t *lh,
                                   const uint8_t zleaf[32], uint8_t *row_roots, uint8_t *col_roots,
                                   uint8_t *blob_id)
{
    const size_t stride = (n + 1) * 32;
    uint8_t zs[MAX_LEVELS][32];
    zero_roots(kern, zleaf, zs);
    enum wc_status st = row_roots_of(kern, lh, stride, n, zs, row_roots);
    if (st == WC_OK) st = col_roots_of(kern, lh, stride, n, zs, col_roots);
    if (st == WC_OK && blob_id) st = blob_id_from_roots(kern, n, length, row_roots, col_roots, blob_id);
    return st;
}

/* ---- small blobs --------------------------------------------------------- */

enum wc_status wc_stream_leaf_table(const struct wc_kernels *kern, uint8_t *out, size_t out_len)
{
    if (!kern || !kern->hash || !out) return WC_ERR_ARG;
    if (out_len != (size_t)65536 * 32) return WC_ERR_SIZE;
    uint8_t *syms = (uint8_t *)malloc(65536 * 2);
    if (!syms) { /* one at a time */
        for (unsigned v = 0; v < 65536; v++) {
            uint8_t m[3] = {0, (uint8_t)v, (uint8_t)(v >> 8)};
            wc_blake2b256(m, 3, out + 32 * v);
        }
        return WC_OK;
    }
    for (unsigned v = 0; v < 65536; v++) {
        syms[2 * v] = (uint8_t)v;
        syms[2 * v + 1] = (uint8_t)(v >> 8);
    }
    wc_blake2b256_many_strided(kern, syms, 2, 2, 65536, 0, out);
    free(syms);
    return WC_OK;
}

static int all_zero(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i]) return 0;
    return 1;
}

/* Extend `count` lines of k symbols (line i, symbol j at base + i*line +
 * j*sym) with the code (k, r): recovery j goes to base + i*line + (k+j)*sym. */
static enum wc_status extend_lines(const struct wc_kernels *kern, uint8_t *base, size_t line, size_t sym,
                                   size_t count, size_t k, size_t r, size_t S)
{
    wc_rs_codec *codec = NULL;
    enum wc_status st = wc_rs_codec_new(k, r, &codec);
    if (st != WC_OK) return st;
    size_t pb = wc_rs_packed_bytes(count * S / 2);
    size_t sc = (wc_rs_encode_scratch_bytes(codec, pb) + 63) & ~(size_t)63;
    uint8_t *mem = (uint8_t *)wc_aligned_alloc(sc + (k + r) * pb);
    uint8_t **sh = (uint8_t **)malloc((k + r) * sizeof(*sh));
    st = WC_ERR_NOMEM;
    if (mem && sh) {
        for (size_t j = 0; j < k + r; j++) sh[j] = mem + sc + j * pb;
        /* the symbols of position j of every line form one packed shard */
        for (size_t j = 0; j < k; j++) wc_rs_pack(base + j * sym, line, count, S, sh[j]);
        st = wc_rs_encode_packed(codec, kern, (const uint8_t *const *)sh, sh + k, pb, mem, sc);
        if (st == WC_OK)
            for (size_t j = 0; j < r; j++) wc_rs_unpack(sh[k + j], count, S, base + (k + j) * sym, line);
    }
    wc_aligned_free(mem);
    free(sh);
    wc_rs_codec_free(codec);
    return st;
}

enum wc_status wc_stream_small_metadata(const struct wc_kernels *kern, size_t n, const uint8_t *data,
                                        uint64_t length, const uint8_t *leaf_table, uint8_t *row_roots,
                                        uint8_t *col_roots, size_t roots_len, uint8_t *blob_id,
                                        size_t blob_id_len)
{
    if (!kern || !kern->hash || !row_roots || !col_roots || (length && !data)) return WC_ERR_ARG;
    struct wc_blob_layout L;
    enum wc_status st = wc_blob_layout_init(n, length, &L);
    if (st != WC_OK) return st;
    if (roots_len != n * 32 || (blob_id && blob_id_len != 32)) return WC_ERR_SIZE;
    const size_t S = L.S, p = L.p, s = L.s, f = L.f, rowb = n * S, stride = (n + 1) * 32;
    uint8_t *x = (uint8_t *)calloc(n * n, S);
    uint8_t *lh = (uint8_t *)malloc(n * stride);
    if (!x || !lh) {
        st = WC_ERR_NOMEM;
        goto done;
    }
    /* Rows of the message that hold data; the rest are zero and stay zero. */
    size_t rows = 0;
    for (uint64_t off = 0; off < length && rows < p; off += s * S, rows++) {
        uint64_t take = length - off < s * S ? length - off : s * S;
        memcpy(x + rows * rowb, data + off, (size_t)take);
    }
    if (rows) {
        st = extend_lines(kern, x, rowb, S, rows, s, f, S);
        if (st != WC_OK) goto done;
    }
    st = extend_lines(kern, x, S, rowb, n, p, 2 * f, S);
    if (st != WC_OK) goto done;

    uint8_t zleaf[32];
    {
        uint8_t *zero = (uint8_t *)calloc(1, S);
        if (!zero) {
            st = WC_ERR_NOMEM;
            goto done;
        }
        const uint8_t *zp = zero;
        kern->hash->blake2b256_many(&zp, S, 1, 0, zleaf);
        free(zero);
    }
    if (S == 2 && leaf_table) {
        for (size_t r = 0; r < n; r++)
            for (size_t c = 0; c < n; c++) {
                const uint8_t *sy = x + r * rowb + c * 2;
                memcpy(lh + r * stride + c * 32, leaf_table + 32 * ((size_t)sy[0] | (size_t)sy[1] << 8), 32);
            }
    } else {
        enum { BATCH = 512 };
        const uint8_t *ptrs[BATCH];
        size_t dst[BATCH], m = 0;
        uint8_t out[BATCH * 32];
        for (size_t i = 0; i <= n * n; i++) {
            if (i < n * n) {
                size_t r = i / n, c = i % n;
                const uint8_t *sy = x + r * rowb + c * S;
                if (all_zero(sy, S)) {
                    memcpy(lh + r * stride + c * 32, zleaf, 32);
                    continue;
                }
                ptrs[m] = sy;
                dst[m++] = r * stride + c * 32;
            }
            if (m == BATCH || (i == n * n && m)) {
                kern->hash->blake2b256_many(ptrs, S, m, 0, out);
                for (size_t j = 0; j < m; j++) memcpy(lh + dst[j], out + 32 * j, 32);
                m = 0;
            }
        }
    }
    free(x);
    x = NULL;
    st = finish_trees(kern, n, length, lh, zleaf, row_roots, col_roots, blob_id);
done:
    free(x);
    free(lh);
    return st;
}

/* ---- the banded encoder --------------------------------------------------- */

/* Columns (or rows) per RS call: about this many bytes per packed shard. */
#define GROUP_BYTES (4u << 10)
#define GROUP_MAX   64u

static size_t group_for(size_t w)
{
    size_t g = GROUP_BYTES / w;
    return g < 1 ? 1 : g > GROUP_MAX ? GROUP_MAX : g;
}

/* Bytes of a symbol of wb bytes in a packed shard: whole 64-byte blocks. */
WC_INLINE size_t slot_bytes(size_t wb)
{
    return (wb + 63) & ~(size_t)63;
}

static unsigned resolve_threads(unsigned threads)
{
    if (threads == 0) threads = wc_cpu_count();
    return threads < 1 ? 1 : threads > 256 ? 256 : threads;
}

static uint64_t worker_bytes(const struct wc_blob_layout *L, size_t w)
{
    size_t G = group_for(w), n = L->n;
    uint64_t pb = G * slot_bytes(w);
    /* scratch is bounded by a few shards' worth; count n shards more */
    return 64 + (uint64_t)n * pb * 2 + (uint64_t)2 * L->f * G * w +
           (uint64_t)n * G * (2 * sizeof(void *) + 1) + (1u << 20);
}

uint64_t wc_stream_memory(size_t n, uint64_t length, size_t w, unsigned threads, int hashing)
{
    struct wc_blob_layout L;
    if (wc_blob_layout_init(n, length, &L) != WC_OK || w == 0) return 0;
    if (w > L.S) w = L.S;
    if (w < L.S && w % 128) return 0;
    uint64_t nn = (uint64_t)n * n;
    uint64_t band = 64 + (uint64_t)L.p * L.s * w;
    uint64_t states = nn * 65;
    uint64_t leaves = (uint64_t)n * (n + 1) * 32;
    /* states and leaf hashes, or leaf hashes and their transpose */
    uint64_t fixed = !hashing ? 0 : states + leaves > 2 * leaves ? states + leaves : 2 * leaves;
    return band + fixed + resolve_threads(threads) * worker_bytes(&L, w) + ((uint64_t)4 << 20);
}

size_t wc_stream_band_for_budget(size_t n, uint64_t length, uint64_t budget, unsigned threads, int hashing)
{
    struct wc_blob_layout L;
    if (wc_blob_layout_init(n, length, &L) != WC_OK) return 0;
    if (wc_stream_memory(n, length, L.S, threads, hashing) <= budget) return L.S;
    size_t w = L.S / 128 * 128;
    while (w >= 128 && wc_stream_memory(n, length, w, threads, hashing) > budget) w -= 128;
    return w >= 128 ? w : 0;
}

struct band {
    const struct wc_kernels *kern;
    struct wc_blob_layout L;
    const struct wc_stream_source *src;
    wc_rs_codec *row_codec, *col_codec;
    size_t G, w;
    size_t b0, wb;             /* current band */
    int last;                  /* current band is the last */
    uint8_t *msg;              /* p x s symbols of wb bytes, row-major (64 bytes before it readable) */
    uint64_t *h;               /* n*n states of 8 words, leaf (r, c) at r*n + c */
    uint8_t *pend;             /* n*n pending bytes */
    uint8_t *lh;               /* n x (n+1) leaf hashes, written by the last band */
    uint8_t *const *primary;   /* n entries (or NULL): primary sliver i wanted when non-NULL */
    uint8_t *const *secondary; /* n entries (or NULL): secondary sliver j */
    int out_fd;                /* every sliver to this file when >= 0 */
    int hashing;               /* leaf states advance (metadata wanted) */
    uint8_t **wmem;
    size_t scratch_bytes;
    int err;
};

static void set_err(struct band *b, enum wc_status st)
{
    if (st != WC_OK) wc_atomic_store_int(&b->err, (int)st);
}

/* All `len` bytes at `off` of the file, read (writing = 0) into buf or
 * written from it; WC_ERR_SIZE when the file ends first or a write fails. */
static enum wc_status fd_io(int fd, uint64_t off, size_t len, uint8_t *buf, int writing)
{
    while (len) {
#if defined(_WIN32)
        OVERLAPPED ov;
        DWORD done = 0;
        memset(&ov, 0, sizeof(ov));
        ov.Offset = (DWORD)off;
        ov.OffsetHigh = (DWORD)(off >> 32);
        DWORD want = len > (1u << 30) ? (1u << 30) : (DWORD)len;
        HANDLE hd = (HANDLE)_get_osfhandle(fd);
        BOOL ok = writing ? WriteFile(hd, buf, want, &done, &ov) : ReadFile(hd, buf, want, &done, &ov);
        if (!ok || done == 0) return WC_ERR_SIZE;
#else
        ssize_t done = writing ? pwrite(fd, buf, len, (off_t)off) : pread(fd, buf, len, (off_t)off);
        if (done <= 0) return WC_ERR_SIZE;
#endif
        buf += done;
        off += (uint64_t)done;
        len -= (size_t)done;
    }
    return WC_OK;
}

static enum wc_status read_at(const struct wc_stream_source *src, uint64_t off, size_t len, uint8_t *dst)
{
    size_t have = off >= src->length ? 0 : src->length - off < len ? (size_t)(src->length - off) : len;
    if (have < len) memset(dst + have, 0, len - have);
    if (src->data) {
        if (have) memcpy(dst, src->data + off, have);
        return WC_OK;
    }
    return fd_io(src->fd, off, have, dst, 0);
}

/* Task: read band bytes of message rows [r0, r0+G). */
static void read_task(void *ctx, size_t t, unsigned worker)
{
    struct band *b = (struct band *)ctx;
    const size_t S = b->L.S, s = b->L.s, p = b->L.p, wb = b->wb;
    size_t r0 = t * b->G, r1 = r0 + b->G < p ? r0 + b->G : p;
    (void)worker;
    for (size_t r = r0; r < r1 && !b->err; r++) {
        uint8_t *dst = b->msg + r * s * wb;
        uint64_t row_off = (uint64_t)r * s * S;
        if (wb == S) { /* one band: the row is contiguous */
            set_err(b, read_at(b->src, row_off, s * S, dst));
            continue;
        }
        for (size_t c = 0; c < s; c++) {
            enum wc_status st = read_at(b->src, row_off + (uint64_t)c * S + b->b0, wb, dst + c * wb);
            if (st != WC_OK) {
                set_err(b, st);
                break;
            }
        }
    }
}

/* Advance the states of leaves (r, c) for rows 0..n-1 of `cnt` columns
 * starting at c0; row r < p's symbols at top + r*top_stride + cc*wb, row
 * p + j's at bottom + (j*cnt + cc)*wb. Finalises them in the last band. */
static void advance_leaves(struct band *b, uint8_t *wm, size_t c0, size_t cnt, const uint8_t *top,
                           size_t top_stride, const uint8_t *bottom)
{
    const size_t n = b->L.n, p = b->L.p, wb = b->wb, total = n * cnt;
    uint64_t **hp = (uint64_t **)wm;
    const uint8_t **dp = (const uint8_t **)(hp + total);
    uint8_t *pe = (uint8_t *)(dp + total);
    size_t m = 0;
    for (size_t r = 0; r < n; r++)
        for (size_t cc = 0; cc < cnt; cc++, m++) {
            size_t leaf = r * n + c0 + cc;
            hp[m] = b->h + 8 * leaf;
            dp[m] = r < p ? top + r * top_stride + cc * wb : bottom + ((r - p) * cnt + cc) * wb;
            pe[m] = b->pend[leaf];
        }
    size_t nb = wb / 128;
    b->kern->hash->blake2b_advance(hp, pe, dp, total, nb, b->b0);
    m = 0;
    for (size_t r = 0; r < n; r++)
        for (size_t cc = 0; cc < cnt; cc++, m++) {
            size_t leaf = r * n + c0 + cc;
            if (!b->last) {
                b->pend[leaf] = dp[m][wb - 1];
                continue;
            }
            uint8_t rest[129];
            size_t rl;
            if (nb == 0) {
                rest[0] = pe[m];
                memcpy(rest + 1, dp[m], wb);
                rl = wb + 1;
            } else {
                rl = wb + 1 - 128 * nb;
                memcpy(rest, dp[m] + 128 * nb - 1, rl);
            }
            state_final(b->h + 8 * leaf, rest, rl, (uint64_t)b->L.S + 1,
                        b->lh + r * (n + 1) * 32 + (c0 + cc) * 32);
        }
}

/* Worker memory: n packed shards, then 2f*G*wb recovery symbols (64-byte
 * margin before), then the leaf pointer arrays, then RS scratch. */
struct wlay {
    uint8_t **sh;
    uint8_t *rect, *ptrs, *scratch;
    size_t pb;
};

static struct wlay worker_layout(struct band *b, unsigned worker, size_t cnt)
{
    const size_t n = b->L.n, G = b->G;
    struct wlay o;
    uint8_t *q = b->wmem[worker];
    size_t pbmax = G * slot_bytes(b->w);
    o.pb = cnt * slot_bytes(b->wb);
    o.scratch = q;
    q += (b->scratch_bytes + 63) & ~(size_t)63;
    o.sh = (uint8_t **)q;
    q += (n * sizeof(uint8_t *) + 63) & ~(size_t)63;
    for (size_t j = 0; j < n; j++) o.sh[j] = q + j * pbmax;
    q += n * pbmax + 64;
    o.rect = q;
    q += ((2 * b->L.f * G * b->w) + 63) & ~(size_t)63;
    o.ptrs = q;
    return o;
}

/* A band of whole 64-byte blocks is already in the packed-shard layout (a
 * block = 32 low bytes, then 32 high bytes, format §3.2), so consecutive
 * symbols of it are one packed shard as they lie: no element shuffle. Only
 * a last band with a short block goes through wc_rs_pack. */
WC_INLINE int band_is_packed(const struct band *b)
{
    return b->wb % 64 == 0;
}

/* A band with a short last block of t bytes: each symbol gets whole blocks
 * in the packed shard, its short block's t/2 low bytes and t/2 high bytes
 * going to lanes 0..t/2-1 of one block (the lanes beyond are zeros and
 * never read back). Copies, no element shuffle. */

static void slot_pack(const uint8_t *src, size_t stride, size_t count, size_t wb, uint8_t *dst)
{
    size_t full = wb & ~(size_t)63, h = (wb - full) / 2, slot = slot_bytes(wb);
    for (size_t j = 0; j < count; j++) {
        const uint8_t *a = src + j * stride;
        uint8_t *d = dst + j * slot;
        memcpy(d, a, full);
        memset(d + full, 0, 64);
        memcpy(d + full, a + full, h);
        memcpy(d + full + 32, a + full + h, h);
    }
}

static void slot_unpack(const uint8_t *src, size_t count, size_t wb, uint8_t *dst, size_t stride)
{
    size_t full = wb & ~(size_t)63, h = (wb - full) / 2, slot = slot_bytes(wb);
    for (size_t j = 0; j < count; j++) {
        memcpy(dst + j * stride, src + j * slot, full);
        memcpy(dst + j * stride + full, src + j * slot + full, h);
        memcpy(dst + j * stride + full + h, src + j * slot + full + 32, h);
    }
}

/* The band's bytes of the wanted slivers in columns c0.. of this pass:
 * symbol (r, c) of a sliver goes to offset (its position)*S + b0. */
/* Every sliver's band bytes to the slivers file (layout: see stream.h). */
static void write_slivers(struct band *b, int pass, size_t c0, size_t cnt, const uint8_t *top,
                          const uint8_t *rect)
{
    const size_t n = b->L.n, s = b->L.s, p = b->L.p, S = b->L.S, wb = b->wb;
    const uint64_t sec0 = (uint64_t)n * s * S;
    enum wc_status st = WC_OK;
    for (size_t cc = 0; cc < cnt && st == WC_OK; cc++) {
        size_t c = (pass ? s : 0) + c0 + cc;
        for (size_t r = 0; r < p && st == WC_OK; r++)
            st = fd_io(b->out_fd, sec0 + (uint64_t)c * p * S + (uint64_t)r * S + b->b0, wb,
                       (uint8_t *)(top + r * s * wb + cc * wb), 1);
        for (size_t i = 0; i < n && !pass && st == WC_OK; i++) {
            const uint8_t *sym = i < p ? top + i * s * wb + cc * wb : rect + ((i - p) * cnt + cc) * wb;
            st = fd_io(b->out_fd, (uint64_t)i * s * S + (uint64_t)c * S + b->b0, wb, (uint8_t *)sym, 1);
        }
    }
    set_err(b, st);
}

static void copy_slivers(struct band *b, int pass, size_t c0, size_t cnt, const uint8_t *top,
                         const uint8_t *rect)
{
    const size_t n = b->L.n, s = b->L.s, p = b->L.p, S = b->L.S, wb = b->wb;
    if (b->out_fd >= 0) {
        write_slivers(b, pass, c0, cnt, top, rect);
        return;
    }
    for (size_t cc = 0; cc < cnt; cc++) {
        size_t c = (pass ? s : 0) + c0 + cc;
        if (b->secondary && b->secondary[c])
            for (size_t r = 0; r < p; r++)
                memcpy(b->secondary[c] + r * S + b->b0, top + r * s * wb + cc * wb, wb);
        if (pass || !b->primary) continue;
        for (size_t i = 0; i < n; i++) {
            if (!b->primary[i]) continue;
            const uint8_t *sym = i < p ? top + i * s * wb + cc * wb : rect + ((i - p) * cnt + cc) * wb;
            memcpy(b->primary[i] + c * S + b->b0, sym, wb);
        }
    }
}

/* Task: column group t; pass 0 = systematic columns (< s) from the message
 * band, pass 1 = parity columns (>= s) from the row parity over it. */
static void col_task_pass(struct band *b, size_t t, unsigned worker, int pass)
{
    const size_t s = b->L.s, p = b->L.p, f = b->L.f, wb = b->wb, G = b->G;
    size_t width = pass ? f : s;
    size_t c0 = t * G, cnt = width - c0 < G ? width - c0 : G;
    struct wlay o = worker_layout(b, worker, cnt);
    uint8_t *top = b->msg + c0 * wb; /* symbol (r, c0 + cc) at top + r*s*wb + cc*wb */
    int direct = band_is_packed(b);
    for (size_t r = 0; r < p; r++) {
        if (direct)
            o.sh[r] = top + r * s * wb;
        else
            slot_pack(top + r * s * wb, wb, cnt, wb, o.sh[r]);
    }
    if (direct)
        for (size_t j = 0; j < 2 * f; j++) o.sh[p + j] = o.rect + j * cnt * wb;
    enum wc_status st = wc_rs_encode_packed(b->col_codec, b->kern, (const uint8_t *const *)o.sh, o.sh + p,
                                            o.pb, o.scratch, b->scratch_bytes);
    if (st != WC_OK) {
        set_err(b, st);
        return;
    }
    if (!direct)
        for (size_t j = 0; j < 2 * f; j++) slot_unpack(o.sh[p + j], cnt, wb, o.rect + j * cnt * wb, wb);
    copy_slivers(b, pass, c0, cnt, top, o.rect);
    if (b->hashing) advance_leaves(b, o.ptrs, (pass ? s : 0) + c0, cnt, top, s * wb, o.rect);
}

static void col_task0(void *ctx, size_t t, unsigned worker)
{
    col_task_pass((struct band *)ctx, t, worker, 0);
}

static void col_task1(void *ctx, size_t t, unsigned worker)
{
    col_task_pass((struct band *)ctx, t, worker, 1);
}

/* Task: row parity of rows [r0, r0+G), written over their first f symbols. */
static void row_task(void *ctx, size_t t, unsigned worker)
{
    struct band *b = (struct band *)ctx;
    const size_t s = b->L.s, p = b->L.p, f = b->L.f, wb = b->wb;
    size_t r0 = t * b->G, cnt = p - r0 < b->G ? p - r0 : b->G;
    struct wlay o = worker_layout(b, worker, cnt);
    uint8_t *rows = b->msg + r0 * s * wb;
    int direct = band_is_packed(b);
    for (size_t c = 0; c < s; c++) {
        if (!direct) {
            slot_pack(rows + c * wb, s * wb, cnt, wb, o.sh[c]);
            continue;
        }
        for (size_t i = 0; i < cnt; i++) memcpy(o.sh[c] + i * wb, rows + i * s * wb + c * wb, wb);
    }
    enum wc_status st = wc_rs_encode_packed(b->row_codec, b->kern, (const uint8_t *const *)o.sh, o.sh + s,
                                            o.pb, o.scratch, b->scratch_bytes);
    if (st != WC_OK) {
        set_err(b, st);
        return;
    }
    for (size_t j = 0; j < f; j++) {
        if (!direct) {
            slot_unpack(o.sh[s + j], cnt, wb, rows + j * wb, s * wb);
            continue;
        }
        for (size_t i = 0; i < cnt; i++) memcpy(rows + i * s * wb + j * wb, o.sh[s + j] + i * wb, wb);
    }
}

enum wc_status wc_stream_metadata(const struct wc_kernels *kern, size_t n, const struct wc_stream_source *src,
                                  size_t w, unsigned threads, wc_stream_progress_fn progress,
                                  void *progress_ctx, uint8_t *row_roots, uint8_t *col_roots,
                                  size_t roots_len, uint8_t *blob_id, size_t blob_id_len)
{
    if (!row_roots || !col_roots) return WC_ERR_ARG;
    return wc_stream_encode(kern, n, src, w, threads, progress, progress_ctx, NULL, 0, NULL, 0, -1, row_roots,
                            col_roots, roots_len, blob_id, blob_id_len);
}

enum wc_status wc_stream_encode(const struct wc_kernels *kern, size_t n, const struct wc_stream_source *src,
                                size_t w, unsigned threads, wc_stream_progress_fn progress,
                                void *progress_ctx, uint8_t *const *primary, size_t primary_len,
                                uint8_t *const *secondary, size_t secondary_len, int out_fd,
                                uint8_t *row_roots, uint8_t *col_roots, size_t roots_len, uint8_t *blob_id,
                                size_t blob_id_len)
{
    if (!kern || !kern->hash || !kern->hash->blake2b_advance || !kern->rs || !src) return WC_ERR_ARG;
    if (src->length && !src->data && src->fd < 0) return WC_ERR_ARG;
    if ((row_roots == NULL) != (col_roots == NULL) || (blob_id && !row_roots)) return WC_ERR_ARG;
    struct band b;
    memset(&b, 0, sizeof(b));
    b.primary = primary;
    b.secondary = secondary;
    b.out_fd = out_fd;
    b.hashing = row_roots != NULL;
    enum wc_status st = wc_blob_layout_init(n, src->length, &b.L);
    if (st != WC_OK) return st;
    const size_t S = b.L.S, p = b.L.p, s = b.L.s, f = b.L.f;
    if (out_fd < 0 && ((primary && primary_len != s * S) || (secondary && secondary_len != p * S)))
        return WC_ERR_SIZE;
    if (row_roots && (roots_len != n * 32 || (blob_id && blob_id_len != 32))) return WC_ERR_SIZE;
    if (w >= S) w = S;
    if (w == 0 || (w < S && w % 128)) return WC_ERR_ARG;
    unsigned nw = resolve_threads(threads);
    b.kern = kern;
    b.src = src;
    b.w = w;
    b.G = group_for(w);
    const size_t nn = n * n;
    uint8_t *msg_mem = (uint8_t *)wc_aligned_alloc(64 + p * s * w);
    if (b.hashing) {
        b.h = (uint64_t *)malloc(nn * 8 * sizeof(uint64_t));
        b.pend = (uint8_t *)malloc(nn);
        b.lh = (uint8_t *)malloc(n * (n + 1) * 32);
    }
    b.wmem = (uint8_t **)calloc(nw, sizeof(uint8_t *));
    st = WC_ERR_NOMEM;
    if (!msg_mem || !b.wmem || (b.hashing && (!b.h || !b.pend || !b.lh))) goto done;
    memset(msg_mem, 0, 64);
    b.msg = msg_mem + 64;
    st = wc_rs_codec_new(s, f, &b.row_codec);
    if (st == WC_OK) st = wc_rs_codec_new(p, 2 * f, &b.col_codec);
    if (st != WC_OK) goto done;
    {
        size_t pbmax = b.G * slot_bytes(w);
        size_t a = wc_rs_encode_scratch_bytes(b.row_codec, pbmax),
               c = wc_rs_encode_scratch_bytes(b.col_codec, pbmax);
        b.scratch_bytes = a > c ? a : c;
        size_t per = ((b.scratch_bytes + 63) & ~(size_t)63) + ((n * sizeof(uint8_t *) + 63) & ~(size_t)63) +
                     n * pbmax + 64 + ((2 * f * b.G * w + 63) & ~(size_t)63) +
                     n * b.G * (2 * sizeof(void *) + 1);
        st = WC_ERR_NOMEM;
        for (unsigned i = 0; i < nw; i++)
            if (!(b.wmem[i] = (uint8_t *)wc_aligned_alloc(per))) goto done;
    }
    if (b.hashing) {
        uint64_t h0[8];
        state_init(h0);
        for (size_t i = 0; i < nn; i++) memcpy(b.h + 8 * i, h0, sizeof(h0));
        memset(b.pend, 0, nn); /* the leaf prefix 0x00 */
    }
    uint64_t msg_bytes = (uint64_t)p * s * S;
#if defined(POSIX_FADV_RANDOM)
    /* Many bands: small strided reads, where readahead only wastes work. */
    if (!src->data && w < S) (void)posix_fadvise(src->fd, 0, 0, POSIX_FADV_RANDOM);
#endif
    for (b.b0 = 0; b.b0 < S; b.b0 += w) {
        b.wb = S - b.b0 < w ? S - b.b0 : w;
        b.last = b.b0 + b.wb == S;
        if (progress && progress(progress_ctx, (uint64_t)p * s * b.b0, msg_bytes)) {
            st = WC_ERR_ARG;
            goto done;
        }
        size_t row_tasks = (p + b.G - 1) / b.G;
        wc_parallel_for(row_tasks, nw, read_task, &b);
        if (!b.err) wc_parallel_for((s + b.G - 1) / b.G, nw, col_task0, &b);
        if (!b.err) wc_parallel_for(row_tasks, nw, row_task, &b);
        if (!b.err) wc_parallel_for((f + b.G - 1) / b.G, nw, col_task1, &b);
        if (b.err) {
            st = (enum wc_status)b.err;
            goto done;
        }
    }
    if (progress && progress(progress_ctx, msg_bytes, msg_bytes)) {
        st = WC_ERR_ARG;
        goto done;
    }
    /* Free the band and the states before the trees take their memory. */
    wc_aligned_free(msg_mem);
    msg_mem = NULL;
    free(b.h);
    b.h = NULL;
    st = WC_OK;
    if (b.hashing) {
        uint8_t zleaf[32];
        uint8_t *zero = (uint8_t *)calloc(1, S);
        st = WC_ERR_NOMEM;
        if (!zero) goto done;
        const uint8_t *zp = zero;
        kern->hash->blake2b256_many(&zp, S, 1, 0, zleaf);
        free(zero);
        st = finish_trees(kern, n, src->length, b.lh, zleaf, row_roots, col_roots, blob_id);
    }
done:
    if (b.wmem)
        for (unsigned i = 0; i < nw; i++) wc_aligned_free(b.wmem[i]);
    free(b.wmem);
    wc_rs_codec_free(b.row_codec);
    wc_rs_codec_free(b.col_codec);
    wc_aligned_free(msg_mem);
    free(b.h);
    free(b.pend);
    free(b.lh);
    return st;
}
