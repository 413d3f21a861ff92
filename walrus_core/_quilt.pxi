# Quilt layout (QuiltV1, spec walrus-quilt.md §1-§2). Included by _native.pyx.
# Typed Python API on top: walrus_core/quilt/.
#
# A quilt is the p x s x S message matrix of an RS2 blob, row-major, but its
# streams (index, patches) run down the columns: stream byte o of a stream
# that starts at column c0 lands in column c0 + o / C, row (o % C) / S, byte
# o % S of that symbol, with C = p * S. These two loops are the only per-byte
# work of encoding and reading a quilt, so they are native: one memcpy per
# symbol, straight from the caller's buffer into the blob.

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from libc.stdint cimport uint8_t
from libc.string cimport memcpy, memset

# Copies larger than this release the GIL (smaller ones cost less than the round trip).
cdef enum:
    _QUILT_NOGIL_BYTES = 1 << 16


cdef void _copy_down(uint8_t *dst, size_t n_rows, size_t n_cols, size_t S, size_t col0,
                     size_t offset, const uint8_t *src, size_t length) noexcept nogil:
    """Write src[0:length] (zeros when src is NULL) at stream offset `offset`
    of the stream starting at column col0."""
    cdef size_t C = n_rows * S
    cdef size_t done = 0, o, within, b, chunk
    cdef uint8_t *at
    while done < length:
        o = offset + done
        within = o % C
        b = within % S
        chunk = S - b
        if chunk > length - done:
            chunk = length - done
        at = dst + ((within // S) * n_cols + col0 + o // C) * S + b
        if src != NULL:
            memcpy(at, src + done, chunk)
        else:
            memset(at, 0, chunk)
        done += chunk


cdef void _copy_up(uint8_t *dst, const uint8_t *quilt, size_t n_rows, size_t n_cols, size_t S,
                   size_t col0, size_t count) noexcept nogil:
    """Columns col0 .. col0+count-1 of the quilt, concatenated, into dst."""
    cdef size_t c, r
    for c in range(count):
        for r in range(n_rows):
            memcpy(dst + (c * n_rows + r) * S, quilt + (r * n_cols + col0 + c) * S, S)


cdef size_t _quilt_size(size_t n_rows, size_t n_cols, size_t S) except? 0:
    if n_rows < 1 or n_cols < 1 or S < 1 or n_rows > 65535 or n_cols > 65535 or S > 65535:
        raise _errors.InvalidInputError(f"invalid quilt geometry p={n_rows}, s={n_cols}, S={S}")
    return n_rows * n_cols * S


def quilt_layout(size_t n_rows, size_t n_cols, size_t symbol_size, list pieces):
    """A new quilt (bytes) of n_rows * n_cols * symbol_size bytes made of the
    pieces: each (start column, stream offset, buffer or int) writes the
    buffer (or that many zero bytes) down the columns from that offset of the
    stream that starts at that column. The pieces must cover every byte: the
    rest is left uninitialised (zeroing all of it first would cost a second
    pass over the whole blob)."""
    cdef size_t total = _quilt_size(n_rows, n_cols, symbol_size)
    cdef size_t C = n_rows * symbol_size
    cdef bytes out = PyBytes_FromStringAndSize(NULL, <Py_ssize_t>total)
    cdef uint8_t *dst = <uint8_t *>PyBytes_AS_STRING(out)
    cdef const uint8_t[::1] v
    cdef const uint8_t *src
    cdef size_t col0, offset, length, covered = 0
    for piece in pieces:
        col0, offset, data = piece
        if isinstance(data, int):
            if data < 0:
                raise _errors.InvalidInputError(f"quilt piece of {data} zero bytes")
            length = <size_t>data
            src = NULL
        else:
            v = as_bytes_view(data, "quilt piece")
            length = <size_t>v.shape[0]
            src = &v[0] if length else NULL
        if col0 >= n_cols or offset > (n_cols - col0) * C or length > (n_cols - col0) * C - offset:
            raise _errors.InvalidInputError(
                f"quilt piece of {length} bytes at column {col0}, offset {offset} does not fit "
                f"{n_cols} columns of {C} bytes")
        covered += length
        if length >= _QUILT_NOGIL_BYTES:
            with nogil:
                _copy_down(dst, n_rows, n_cols, symbol_size, col0, offset, src, length)
        elif length:
            _copy_down(dst, n_rows, n_cols, symbol_size, col0, offset, src, length)
    if covered != total:
        raise _errors.InvalidInputError(f"quilt pieces cover {covered} bytes, the quilt has {total}")
    return out


def quilt_columns(object quilt, size_t n_rows, size_t n_cols, size_t symbol_size, size_t first,
                  size_t count):
    """Columns first .. first+count-1 of a quilt, concatenated (= secondary
    slivers first .. first+count-1 of its blob)."""
    cdef const uint8_t[::1] v = as_bytes_view(quilt, "quilt")
    cdef size_t total = _quilt_size(n_rows, n_cols, symbol_size)
    if <size_t>v.shape[0] != total:
        raise _errors.InvalidInputError(f"quilt must have {total} bytes, got {v.shape[0]}")
    if first > n_cols or count > n_cols - first:
        raise _errors.InvalidInputError(f"columns {first}..{first + count} out of range 0..{n_cols}")
    cdef bytes out = PyBytes_FromStringAndSize(NULL, <Py_ssize_t>(count * n_rows * symbol_size))
    cdef uint8_t *dst = <uint8_t *>PyBytes_AS_STRING(out)
    if count * n_rows * symbol_size >= _QUILT_NOGIL_BYTES:
        with nogil:
            _copy_up(dst, &v[0], n_rows, n_cols, symbol_size, first, count)
    elif count:
        _copy_up(dst, &v[0], n_rows, n_cols, symbol_size, first, count)
    return out
