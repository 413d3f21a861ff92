# RedStuff 2-D encoding (csrc/blob.h). Included by _native.pyx.

from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING
from libc.stdlib cimport malloc, free
from libc.string cimport memset, memcmp
from cpython.ref cimport PyObject, Py_XDECREF

cdef extern from "blob.h" nogil:
    cdef struct wc_blob_layout:
        size_t n, f, p, s, S
        uint64_t length
    wc_status wc_blob_shape(size_t n, wc_blob_layout *out)
    wc_status wc_blob_layout_init(size_t n, uint64_t length, wc_blob_layout *out)
    wc_status wc_blob_encode(const wc_kernels *kern, size_t n, const uint8_t *data, uint64_t length,
                             unsigned threads, uint8_t *row_roots, uint8_t *col_roots,
                             uint8_t *blob_id, uint8_t *primary, size_t primary_row0, size_t primary_len,
                             uint8_t *secondary, size_t secondary_len)
    wc_status wc_blob_decode(const wc_kernels *kern, size_t n, uint64_t length, int axis,
                             size_t count, const size_t *indices, const uint8_t *const *slivers,
                             unsigned threads, uint8_t *out, size_t out_len)
    wc_status wc_blob_line_roots(const wc_kernels *kern, size_t n, size_t S, int axis, size_t count,
                                 const uint8_t *const *slivers, unsigned threads, uint8_t *roots,
                                 size_t roots_len, uint8_t *expanded, size_t expanded_len,
                                 uint8_t *leaf_hashes, size_t leaf_hashes_len)
    wc_status wc_blob_recover_line(const wc_kernels *kern, size_t n, size_t S, int axis,
                                   size_t count, const size_t *positions,
                                   const uint8_t *const *symbols, uint8_t *out, size_t out_len)


cdef uint8_t *_writable(object buf, Py_ssize_t need, str what) except NULL:
    cdef uint8_t[::1] v
    cdef object mv
    try:
        mv = memoryview(buf)
        if mv.nbytes == 0 and mv.c_contiguous and not mv.readonly:
            mv = memoryview(bytearray())  # the cast refuses zeros in the shape
        v = mv.cast("B")
    except (TypeError, ValueError, BufferError):
        raise _errors.InvalidBufferError(f"{what} must be a writable C-contiguous buffer") from None
    if v.shape[0] != need:
        raise _errors.InvalidInputError(f"{what} must have exactly {need} bytes, got {v.shape[0]}")
    if need == 0:
        return <uint8_t *> 1
    return &v[0]


cdef size_t _sliver_symbols(size_t n_shards, int axis) except? 0:
    """Symbols per sliver of `axis` (0 primary: s, 1 secondary: p)."""
    cdef wc_blob_layout L
    if axis != 0 and axis != 1:
        raise _errors.InvalidInputError(f"axis must be 0 (primary) or 1 (secondary), got {axis}")
    check_status(wc_blob_shape(n_shards, &L), "n_shards")
    return L.s if axis == 0 else L.p


def blob_set_band_min_bytes(size_t nbytes):
    """Testing builds only: metadata-only encodes with a row parity above this
    size run in two column-band passes (default 48 MiB)."""
    set_knob("blob_band_min", nbytes)


def blob_encode(object data, size_t n_shards, object threads=None, object primary=None,
                object secondary=None, size_t primary_row0=0):
    """(row_roots, col_roots, blob_id) as bytes; with `primary` and `secondary`
    (writable buffers of (n-primary_row0)*s*S and n*p*S bytes) also writes the
    slivers in index order (primary rows from primary_row0 on; the rows below
    are whole rows of the input). The data buffer is read in place. blob_id
    comes from the same function as blob_id_from_pair_hashes (merkle.c), so
    it needs no second computation. threads: None (the CPUs this process may
    use) or k >= 1."""
    cdef const uint8_t[::1] v = as_bytes_view(data, "data")
    cdef uint64_t length = v.shape[0]
    cdef wc_blob_layout L
    check_status(wc_blob_layout_init(n_shards, length, &L), "encode")
    cdef unsigned th = resolve_threads(threads)
    cdef bytes rr = PyBytes_FromStringAndSize(NULL, n_shards * 32)
    cdef bytes cr = PyBytes_FromStringAndSize(NULL, n_shards * 32)
    cdef bytes bid = PyBytes_FromStringAndSize(NULL, 32)
    cdef uint8_t *pp = NULL
    cdef uint8_t *sp = NULL
    cdef size_t plen = 0, slen = 0
    cdef const uint8_t *dp = &v[0] if length else NULL
    cdef const wc_kernels *kern = wc_kernels_active()
    cdef wc_status st
    if (primary is None) != (secondary is None):
        raise _errors.InvalidInputError("give both primary and secondary output buffers, or neither")
    if primary is not None:
        if primary_row0 > length // (L.s * L.S) or primary_row0 > L.p:
            raise _errors.InvalidInputError("primary_row0 beyond the whole rows of the input")
        plen = (L.n - primary_row0) * L.s * L.S
        slen = L.n * L.p * L.S
        pp = _writable(primary, plen, "primary")
        sp = _writable(secondary, slen, "secondary")
    cdef uint8_t *rrp = <uint8_t *> PyBytes_AS_STRING(rr)
    cdef uint8_t *crp = <uint8_t *> PyBytes_AS_STRING(cr)
    cdef uint8_t *bip = <uint8_t *> PyBytes_AS_STRING(bid)
    with nogil:
        st = wc_blob_encode(kern, n_shards, dp, length, th, rrp, crp, bip, pp, primary_row0, plen, sp, slen)
    check_status(st, "encode")
    return rr, cr, bid


cdef extern from "Python.h":
    # Raw (non-owning in Cython's eyes) forms, so that the result can be
    # shrunk in place while this function holds its only reference.
    PyObject *_bytes_new_raw "PyBytes_FromStringAndSize"(const char *v, Py_ssize_t size)
    char *_bytes_data_raw "PyBytes_AS_STRING"(PyObject *o)
    int _PyBytes_Resize(PyObject **o, Py_ssize_t size) except -1


def blob_decode(size_t n_shards, uint64_t length, int axis, list indices, list slivers,
                object threads=None, list check_rows=None, bytes check_roots=None):
    """(blob, bad_row): the blob (`length` bytes) decoded from slivers of one
    axis (0 primary, 1 secondary); the caller checked sizes and dropped bad
    slivers. With `check_rows` (primary row indices) each of those rows of the
    padded message is re-expanded and its root compared with `check_roots`
    (32 bytes per row, same order); bad_row is the first that differs, or -1.
    The rows are checked as the zero-padded rows of the returned blob (bytes
    past `length` count as zero whatever the slivers hold, format §7). The
    padded message is decoded straight into the returned bytes object, whose
    padding is then cut off in place (no copy of the blob)."""
    cdef wc_blob_layout L
    check_status(wc_blob_layout_init(n_shards, length, &L), "decode")
    cdef size_t count = len(slivers), i, r
    cdef size_t need = _sliver_symbols(n_shards, axis) * L.S
    cdef size_t rowb = L.s * L.S
    cdef unsigned th = resolve_threads(threads)
    cdef list views = []
    cdef const uint8_t[::1] v
    cdef size_t n_check = len(check_rows) if check_rows is not None else 0
    if len(indices) != <Py_ssize_t> count:
        raise _errors.InvalidInputError("indices and slivers differ in length")
    if n_check and (check_roots is None or <size_t> len(check_roots) != 32 * n_check):
        raise _errors.InvalidInputError("check_roots must hold 32 bytes per check row")
    for i in range(count):
        v = as_bytes_view(slivers[i], "sliver")
        if <size_t> v.shape[0] != need:
            raise _errors.InvalidInputError(f"sliver has {v.shape[0]} bytes, expected {need}")
        views.append(v)
    cdef size_t total = L.p * rowb
    cdef size_t n_ptr = count if count > n_check else n_check
    cdef size_t *idx = <size_t *> malloc((count + 1) * sizeof(size_t))
    cdef const uint8_t **ptr = <const uint8_t **> malloc((n_ptr + 1) * sizeof(uint8_t *))
    cdef uint8_t *roots = <uint8_t *> malloc(32 * n_check + 1)
    cdef PyObject *raw = _bytes_new_raw(NULL, <Py_ssize_t> total)  # every byte is decoded into
    cdef uint8_t *op
    cdef const wc_kernels *kern = wc_kernels_active()
    cdef wc_status st
    cdef Py_ssize_t bad = -1
    cdef const uint8_t *want
    try:
        if idx == NULL or ptr == NULL or roots == NULL or raw == NULL:
            raise MemoryError()
        op = <uint8_t *> _bytes_data_raw(raw)
        for i in range(count):
            if indices[i] < 0:
                raise _errors.InvalidInputError("negative sliver index")
            idx[i] = indices[i]
            v = views[i]
            ptr[i] = &v[0]
        with nogil:
            st = wc_blob_decode(kern, n_shards, length, axis, count, idx, ptr, th, op, total)
        check_status(st, "decode")
        if n_check:
            for i in range(n_check):
                r = check_rows[i]
                if r >= L.p:
                    raise _errors.InvalidInputError(f"check row {r} out of range 0..{L.p - 1}")
                ptr[i] = op + r * rowb
            with nogil:
                st = wc_blob_line_roots(kern, n_shards, L.S, 0, n_check, ptr, th, roots, 32 * n_check,
                                        NULL, 0, NULL, 0)
            check_status(st, "decode check")
            want = <const uint8_t *> (<char *> check_roots)
            for i in range(n_check):
                if memcmp(roots + 32 * i, want + 32 * i, 32) != 0:
                    bad = check_rows[i]
                    break
        if <size_t> length < total:
            # Its contract holds: raw is a bytes object made here, never
            # shared (refcount 1, not interned: created with a NULL buffer
            # and at least one symbol, so never the empty or 1-byte
            # singletons), and it only shrinks. On failure it sets raw to
            # NULL and raises MemoryError.
            _PyBytes_Resize(&raw, <Py_ssize_t> length)
        result = <object> raw  # a new reference; ours is dropped below
    finally:
        Py_XDECREF(raw)
        free(idx)
        free(ptr)
        free(roots)
    return result, bad


def blob_line_roots(size_t n_shards, size_t symbol_size, int axis, list slivers, object threads=None,
                    bint want_expanded=False, bint want_leaves=False):
    """Expand slivers of one axis to full lines: (roots, expanded or None,
    leaf_hashes or None), each a bytes object of count*32 / count*n*S /
    count*n*32 bytes."""
    cdef size_t count = len(slivers), i
    cdef size_t k = _sliver_symbols(n_shards, axis)
    cdef unsigned th = resolve_threads(threads)
    cdef list views = []
    cdef const uint8_t[::1] v
    for i in range(count):
        v = as_bytes_view(slivers[i], "sliver")
        if <size_t> v.shape[0] != k * symbol_size:
            raise _errors.InvalidInputError(f"sliver has {v.shape[0]} bytes, expected {k * symbol_size}")
        views.append(v)
    cdef const uint8_t **ptr = <const uint8_t **> malloc((count + 1) * sizeof(uint8_t *))
    if ptr == NULL:
        raise MemoryError()
    cdef bytes roots = PyBytes_FromStringAndSize(NULL, count * 32)
    cdef bytes expanded = (PyBytes_FromStringAndSize(NULL, count * n_shards * symbol_size)
                           if want_expanded else None)
    cdef bytes leaves = PyBytes_FromStringAndSize(NULL, count * n_shards * 32) if want_leaves else None
    cdef uint8_t *ep = <uint8_t *> PyBytes_AS_STRING(expanded) if want_expanded else NULL
    cdef uint8_t *lp = <uint8_t *> PyBytes_AS_STRING(leaves) if want_leaves else NULL
    cdef const wc_kernels *kern = wc_kernels_active()
    cdef wc_status st
    cdef uint8_t *rp = <uint8_t *> PyBytes_AS_STRING(roots)
    try:
        for i in range(count):
            v = views[i]
            ptr[i] = &v[0]
        with nogil:
            st = wc_blob_line_roots(kern, n_shards, symbol_size, axis, count, ptr, th, rp, count * 32, ep,
                                    count * n_shards * symbol_size, lp, count * n_shards * 32)
        check_status(st, "sliver hash")
    finally:
        free(ptr)
    return roots, expanded, leaves


def blob_recover_line(size_t n_shards, size_t symbol_size, int axis, list positions, list symbols):
    """One sliver of `axis` from line symbols at `positions`."""
    cdef size_t count = len(symbols), i
    cdef size_t k = _sliver_symbols(n_shards, axis)
    cdef list views = []
    cdef const uint8_t[::1] v
    if len(positions) != <Py_ssize_t> count:
        raise _errors.InvalidInputError("positions and symbols differ in length")
    for i in range(count):
        v = as_bytes_view(symbols[i], "symbol")
        if <size_t> v.shape[0] != symbol_size:
            raise _errors.InvalidInputError(f"symbol has {v.shape[0]} bytes, expected {symbol_size}")
        views.append(v)
    cdef size_t *pos = <size_t *> malloc((count + 1) * sizeof(size_t))
    cdef const uint8_t **ptr = <const uint8_t **> malloc((count + 1) * sizeof(uint8_t *))
    cdef bytes out = PyBytes_FromStringAndSize(NULL, k * symbol_size)
    cdef const wc_kernels *kern = wc_kernels_active()
    cdef wc_status st
    cdef uint8_t *outp = <uint8_t *> PyBytes_AS_STRING(out)
    if pos == NULL or ptr == NULL:
        free(pos)
        free(ptr)
        raise MemoryError()
    try:
        for i in range(count):
            if positions[i] < 0:
                raise _errors.InvalidInputError("negative symbol position")
            pos[i] = positions[i]
            v = views[i]
            ptr[i] = &v[0]
        with nogil:
            st = wc_blob_recover_line(kern, n_shards, symbol_size, axis, count, pos, ptr, outp,
                                      k * symbol_size)
        check_status(st, "recover")
    finally:
        free(pos)
        free(ptr)
    return out


from cpython.buffer cimport PyBuffer_FillInfo, PyBUF_WRITABLE


cdef class SliverBuffer:
    """Read-only bytes exported through the buffer protocol without copying:
    a view into the (possibly shared, possibly memory-mapped) buffer the
    encoder wrote the sliver to. Base class of walrus_core.blob.Sliver."""
    cdef object _owner
    cdef const uint8_t[::1] _view
    cdef Py_ssize_t _len

    def __cinit__(self, object data, *args, **kwargs):
        self._owner = data
        self._view = as_bytes_view(data, "sliver data")
        self._len = self._view.shape[0]

    def __getbuffer__(self, Py_buffer *buffer, int flags):
        if flags & PyBUF_WRITABLE:
            raise BufferError("slivers are read-only")
        cdef const uint8_t *p = &self._view[0] if self._len else <const uint8_t *> b""
        PyBuffer_FillInfo(buffer, self, <void *> p, self._len, 1, flags)

    def __releasebuffer__(self, Py_buffer *buffer):
        pass

    def __len__(self):
        return self._len
