/* The bounded-memory banded encoder. See stream.h. */
#include "stream.h"
#include "stream_internal.h"

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
    uint64_t banding = band + resolve_threads(threads) * worker_bytes(&L, w);
    if (hashing) {
        /* While banding: the band, the workers, the states and pending bytes
         * (the last band leaves each digest in its state). Then, the band and
         * the workers freed: the states and the leaf-hash matrix. */
        uint64_t states = nn * 65, leaves = (uint64_t)n * (n + 1) * 32;
        banding += states;
        if (states + leaves > banding) banding = states + leaves;
    }
    return banding + ((uint64_t)4 << 20);
}

size_t wc_stream_band_for_budget(size_t n, uint64_t length, uint64_t budget, unsigned threads, int hashing)
{
    struct wc_blob_layout L;
    if (wc_blob_layout_init(n, length, &L) != WC_OK) return 0;
    if (wc_stream_memory(n, length, L.S, threads, hashing) <= budget) return L.S;
    size_t w = L.S / 128 * 128;
    while (w >= 128 && wc_stream_memory(n, length, w, threads, hashing) > budget) w -= 128;
    if (w < 128) return 0;
    /* The passes over the source are what a wider band saves: take the
     * narrowest band with as few passes as this one (less memory, same
     * speed). */
    size_t passes = (L.S + w - 1) / w, even = (L.S + passes - 1) / passes;
    return (even + 127) / 128 * 128;
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
    uint64_t *h;               /* n*n states of 8 words, leaf (r, c) at r*n + c; the last band
                                  leaves its digest in its first 32 bytes */
    uint8_t *pend;             /* n*n pending bytes */
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
            uint8_t digest[32];
            wc_stream_state_final(b->h + 8 * leaf, rest, rl, (uint64_t)b->L.S + 1, digest);
            memcpy(b->h + 8 * leaf, digest, 32);
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

static void free_workers(struct band *b, unsigned nw)
{
    if (b->wmem)
        for (unsigned i = 0; i < nw; i++) wc_aligned_free(b->wmem[i]);
    free(b->wmem);
    b->wmem = NULL;
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
    uint8_t *lh = NULL; /* n x (n+1) leaf hashes, after the bands */
    if (b.hashing) {
        b.h = (uint64_t *)malloc(nn * 8 * sizeof(uint64_t));
        b.pend = (uint8_t *)malloc(nn);
    }
    b.wmem = (uint8_t **)calloc(nw, sizeof(uint8_t *));
    st = WC_ERR_NOMEM;
    if (!msg_mem || !b.wmem || (b.hashing && (!b.h || !b.pend))) goto done;
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
        wc_stream_state_init(h0);
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
    /* Free the band and the workers before the leaf-hash matrix takes their
     * memory, and the states once the digests are in it. */
    wc_aligned_free(msg_mem);
    msg_mem = NULL;
    free_workers(&b, nw);
    st = WC_OK;
    if (b.hashing) {
        lh = (uint8_t *)malloc(n * (n + 1) * 32);
        st = WC_ERR_NOMEM;
        if (!lh) goto done;
        for (size_t i = 0; i < nn; i++) memcpy(lh + (i / n) * (n + 1) * 32 + (i % n) * 32, b.h + 8 * i, 32);
        free(b.h);
        b.h = NULL;
        uint8_t zleaf[32];
        uint8_t *zero = (uint8_t *)calloc(1, S);
        st = WC_ERR_NOMEM;
        if (!zero) goto done;
        const uint8_t *zp = zero;
        kern->hash->blake2b256_many(&zp, S, 1, 0, zleaf);
        free(zero);
        st = wc_stream_finish_trees(kern, n, src->length, lh, zleaf, row_roots, col_roots, blob_id);
    }
done:
    free_workers(&b, nw);
    wc_rs_codec_free(b.row_codec);
    wc_rs_codec_free(b.col_codec);
    wc_aligned_free(msg_mem);
    free(b.h);
    free(b.pend);
    free(lh);
    return st;
}
