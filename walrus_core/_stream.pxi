# Small-blob shortcuts and the bounded-memory banded encoder (csrc/stream.h).
# Included by _native.pyx.

from cpython.exc cimport PyErr_CheckSignals
from libc.stdlib cimport calloc

cdef extern from "stream.h" nogil:
    cdef struct wc_stream_source:
        const uint8_t *data
        int fd
        uint64_t length
    ctypedef int (*wc_stream_progress_fn)(void *ctx, uint64_t done, uint64_t total) noexcept nogil
    wc_status wc_stream_leaf_table(const wc_kernels *kern, uint8_t *out, size_t out_len)
    wc_status wc_stream_small_metadata(const wc_kernels *kern, size_t n, const uint8_t *data,
                                       uint64_t length, const uint8_t *leaf_table, uint8_t *row_roots,
                                       uint8_t *col_roots, size_t roots_len, uint8_t *blob_id,
                                       size_t blob_id_len)
    uint64_t wc_stream_memory(size_t n, uint64_t length, size_t w, unsigned threads, int hashing)
    size_t wc_stream_band_for_budget(size_t n, uint64_t length, uint64_t budget, unsigned threads,
                                     int hashing)
    wc_status wc_stream_encode(const wc_kernels *kern, size_t n, const wc_stream_source *src, size_t w,
                               unsigned threads, wc_stream_progress_fn progress, void *progress_ctx,
                               uint8_t *const *primary, size_t primary_len, uint8_t *const *secondary,
                               size_t secondary_len, int out_fd, uint8_t *row_roots, uint8_t *col_roots,
                               size_t roots_len, uint8_t *blob_id, size_t blob_id_len)
    wc_status wc_stream_metadata(const wc_kernels *kern, size_t n, const wc_stream_source *src, size_t w,
                                 unsigned threads, wc_stream_progress_fn progress, void *progress_ctx,
                                 uint8_t *row_roots, uint8_t *col_roots, size_t roots_len, uint8_t *blob_id,
                                 size_t blob_id_len)


def stream_leaf_table():
    """The 65 536 leaf hashes of 2-byte symbols (2 MiB, index = LE16 value)."""
    cdef bytes out = PyBytes_FromStringAndSize(NULL, 65536 * 32)
    cdef uint8_t *op = <uint8_t *> PyBytes_AS_STRING(out)
    cdef const wc_kernels *kern = wc_kernels_active()
    cdef wc_status st
    with nogil:
        st = wc_stream_leaf_table(kern, op, 65536 * 32)
    check_status(st, "leaf table")
    return out


def stream_small_metadata(object data, size_t n_shards, bytes leaf_table=None):
    """(row_roots, col_roots, blob_id) of an in-memory blob on this thread,
    with the exact zero-padding shortcuts (the GIL is released)."""
    cdef const uint8_t[::1] v = as_bytes_view(data, "data")
    cdef uint64_t length = v.shape[0]
    cdef const uint8_t *dp = &v[0] if length else NULL
    cdef const uint8_t *tp = NULL
    if leaf_table is not None:
        if len(leaf_table) != 65536 * 32:
            raise _errors.InvalidInputError("leaf_table must be stream_leaf_table()")
        tp = <const uint8_t *> PyBytes_AS_STRING(leaf_table)
    cdef bytes rr = PyBytes_FromStringAndSize(NULL, n_shards * 32)
    cdef bytes cr = PyBytes_FromStringAndSize(NULL, n_shards * 32)
    cdef bytes bid = PyBytes_FromStringAndSize(NULL, 32)
    cdef uint8_t *rrp = <uint8_t *> PyBytes_AS_STRING(rr)
    cdef uint8_t *crp = <uint8_t *> PyBytes_AS_STRING(cr)
    cdef uint8_t *bip = <uint8_t *> PyBytes_AS_STRING(bid)
    cdef const wc_kernels *kern = wc_kernels_active()
    cdef wc_status st
    with nogil:
        st = wc_stream_small_metadata(kern, n_shards, dp, length, tp, rrp, crp, n_shards * 32, bip, 32)
    check_status(st, "metadata")
    return rr, cr, bid


def stream_memory(size_t n_shards, uint64_t length, size_t band, object threads=None, bint hashing=True):
    """Peak bytes of the banded encoder with bands of `band` bytes (0: invalid
    band), with leaf hashing (metadata) or without (slivers only)."""
    return wc_stream_memory(n_shards, length, band, resolve_threads(threads), hashing)


def stream_band_for_budget(size_t n_shards, uint64_t length, uint64_t budget, object threads=None,
                           bint hashing=True):
    """A band that fits `budget` bytes with the fewest passes (the narrowest such), or 0 when none does."""
    return wc_stream_band_for_budget(n_shards, length, budget, resolve_threads(threads), hashing)


cdef int _stream_progress(void *ctx, uint64_t done, uint64_t total) noexcept nogil:
    # ctx: a list [callback or None, exception or None]
    with gil:
        state = <list> ctx
        try:
            PyErr_CheckSignals()
            if state[0] is not None:
                state[0](done, total)
        except BaseException as exc:  # noqa: BLE001 - re-raised by stream_metadata
            state[1] = exc
            return 1
    return 0


cdef object _source_of(object source, uint64_t length, wc_stream_source *src):
    """Fill *src; returns what keeps a buffer source alive."""
    cdef const uint8_t[::1] v
    src.data = NULL
    src.fd = -1
    src.length = length
    if isinstance(source, int):
        src.fd = <int> source
        return None
    v = as_bytes_view(source, "source")
    if <uint64_t> v.shape[0] != length:
        raise _errors.InvalidInputError("source buffer length differs from length")
    src.data = &v[0] if length else <const uint8_t *> 1
    return v


def stream_encode(size_t n_shards, object source, uint64_t length, size_t band, object threads=None,
                  object progress=None, dict primary=None, dict secondary=None, bint metadata=True,
                  int out_fd=-1):
    """One banded pass (see stream_metadata) that also fills the slivers asked
    for: primary / secondary map a sliver index to a writable buffer of
    s*S / p*S bytes; or, with out_fd >= 0, writes every sliver to that file
    (primary i at i*s*S, secondary j at n*s*S + j*p*S) as its bands are made.
    Returns (row_roots, col_roots, blob_id), or None when metadata is False
    (no leaf hashing)."""
    cdef wc_stream_source src
    keep = _source_of(source, length, &src)
    cdef wc_blob_layout L
    check_status(wc_blob_layout_init(n_shards, length, &L), "encode")
    cdef unsigned th = resolve_threads(threads)
    cdef uint8_t **pp = NULL
    cdef uint8_t **sp = NULL
    cdef size_t i
    bufs = []
    try:
        if primary:
            pp = <uint8_t **> calloc(n_shards, sizeof(uint8_t *))
            if pp == NULL:
                raise MemoryError()
            for i, buf in primary.items():
                if i >= n_shards:
                    raise _errors.InvalidInputError(f"primary sliver index {i} >= {n_shards}")
                bufs.append(buf)
                pp[i] = _writable(buf, L.s * L.S, "primary sliver")
        if secondary:
            sp = <uint8_t **> calloc(n_shards, sizeof(uint8_t *))
            if sp == NULL:
                raise MemoryError()
            for i, buf in secondary.items():
                if i >= n_shards:
                    raise _errors.InvalidInputError(f"secondary sliver index {i} >= {n_shards}")
                bufs.append(buf)
                sp[i] = _writable(buf, L.p * L.S, "secondary sliver")
        return _run_bands(n_shards, &src, band, th, progress, pp, sp, metadata, out_fd)
    finally:
        free(pp)
        free(sp)


cdef object _run_bands(size_t n_shards, const wc_stream_source *src, size_t band, unsigned th,
                       object progress, uint8_t **pp, uint8_t **sp, bint metadata, int out_fd=-1):
    cdef bytes rr = PyBytes_FromStringAndSize(NULL, n_shards * 32)
    cdef bytes cr = PyBytes_FromStringAndSize(NULL, n_shards * 32)
    cdef bytes bid = PyBytes_FromStringAndSize(NULL, 32)
    cdef uint8_t *rrp = <uint8_t *> PyBytes_AS_STRING(rr) if metadata else NULL
    cdef uint8_t *crp = <uint8_t *> PyBytes_AS_STRING(cr) if metadata else NULL
    cdef uint8_t *bip = <uint8_t *> PyBytes_AS_STRING(bid) if metadata else NULL
    cdef const wc_kernels *kern = wc_kernels_active()
    cdef list state = [progress, None]
    cdef wc_blob_layout L
    check_status(wc_blob_layout_init(n_shards, src.length, &L), "encode")
    cdef wc_status st
    with nogil:
        st = wc_stream_encode(kern, n_shards, src, band, th, _stream_progress, <void *> state,
                              pp, L.s * L.S, sp, L.p * L.S, out_fd, rrp, crp, n_shards * 32, bip, 32)
    if state[1] is not None:
        raise state[1]
    if st == WC_ERR_SIZE and out_fd >= 0:
        raise OSError("writing the slivers file failed (disk full?), or the input became shorter")
    if st == WC_ERR_SIZE and src.data == NULL:
        raise _errors.InvalidInputError("the file became shorter while it was read")
    check_status(st, "streamed encode")
    return (rr, cr, bid) if metadata else None


def stream_metadata(size_t n_shards, object source, uint64_t length, size_t band,
                    object threads=None, object progress=None):
    """(row_roots, col_roots, blob_id) in bands of `band` bytes. `source` is
    a file descriptor (int, read with pread at offsets 0..length-1) or a
    buffer of `length` bytes. progress(done, total) is called between bands;
    an exception it raises (or Ctrl-C) stops the work and is re-raised."""
    cdef wc_stream_source src
    keep = _source_of(source, length, &src)
    return _run_bands(n_shards, &src, band, resolve_threads(threads), progress, NULL, NULL, True)
