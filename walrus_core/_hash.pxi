# Blake2b-256 (csrc/blake2b.c and the hash kernels). Included by _native.pyx.

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdlib cimport free, malloc

cdef extern from "blake2b.h" nogil:
    void wc_blake2b256(const uint8_t *data, size_t len, uint8_t *out)
    void wc_blake2b256_many(const wc_kernels *kern, const uint8_t **msgs, size_t len, size_t count,
                            int prefix, uint8_t *out)
    void wc_blake2b256_many_strided(const wc_kernels *kern, const uint8_t *base, size_t stride,
                                    size_t len, size_t count, int prefix, uint8_t *out)

# Below this many bytes of work the GIL round trip costs more than it frees.
cdef size_t _HASH_NOGIL_BYTES = 2048


cdef int _hash_prefix(object prefix) except -2:
    if prefix is None:
        return -1
    if not isinstance(prefix, int) or isinstance(prefix, bool) or not 0 <= prefix <= 255:
        raise _errors.InvalidInputError(f"prefix must be None or an int in 0..255, not {prefix!r}")
    return <int>prefix


def blake2b256(data):
    """BLAKE2b-256 (digest length 32, unkeyed) of one contiguous buffer."""
    cdef const uint8_t *p
    cdef size_t n
    cdef const uint8_t[::1] view
    cdef bytes out = PyBytes_FromStringAndSize(NULL, 32)
    cdef uint8_t *o = <uint8_t *>PyBytes_AS_STRING(out)
    if type(data) is bytes:
        p = <const uint8_t *>PyBytes_AS_STRING(data)
        n = <size_t>PyBytes_GET_SIZE(data)
        if n < _HASH_NOGIL_BYTES:
            wc_blake2b256(p, n, o)
        else:
            with nogil:
                wc_blake2b256(p, n, o)
        return out
    view = as_bytes_view(data, "data")
    n = view.shape[0]
    p = &view[0] if n else NULL
    if n < _HASH_NOGIL_BYTES:
        wc_blake2b256(p, n, o)
    else:
        with nogil:
            wc_blake2b256(p, n, o)
    return out


cdef bytes _hash_pointers(const uint8_t **ptrs, size_t length, size_t count, int prefix):
    cdef bytes out = PyBytes_FromStringAndSize(NULL, <Py_ssize_t>(32 * count))
    cdef uint8_t *o = <uint8_t *>PyBytes_AS_STRING(out)
    cdef const wc_kernels *kern = wc_kernels_active()
    if count == 0:
        return out
    if count * (length + 1) < _HASH_NOGIL_BYTES:
        wc_blake2b256_many(kern, ptrs, length, count, prefix, o)
    else:
        with nogil:
            wc_blake2b256_many(kern, ptrs, length, count, prefix, o)
    return out


def blake2b256_many_buffer(data, Py_ssize_t length, prefix=None):
    """Digests of the consecutive `length`-byte messages of one buffer,
    concatenated (32 bytes each)."""
    cdef int pf = _hash_prefix(prefix)
    cdef const uint8_t[::1] view = as_bytes_view(data, "data")
    cdef size_t n = view.shape[0], count
    cdef const uint8_t *base
    cdef bytes out
    cdef uint8_t *o
    cdef const wc_kernels *kern = wc_kernels_active()
    if length <= 0:
        raise _errors.InvalidInputError(f"length must be positive, not {length}")
    if n % <size_t>length:
        raise _errors.InvalidInputError(
            f"buffer of {n} bytes is not a whole number of {length}-byte messages")
    count = n // <size_t>length
    if count == 0:
        return b""
    base = &view[0]
    out = PyBytes_FromStringAndSize(NULL, <Py_ssize_t>(32 * count))
    o = <uint8_t *>PyBytes_AS_STRING(out)
    if n < _HASH_NOGIL_BYTES:
        wc_blake2b256_many_strided(kern, base, <size_t>length, <size_t>length, count, pf, o)
    else:
        with nogil:
            wc_blake2b256_many_strided(kern, base, <size_t>length, <size_t>length, count, pf, o)
    return out


def blake2b256_many_seq(messages, prefix=None):
    """Digests of a sequence of equal-length buffers, concatenated."""
    cdef int pf = _hash_prefix(prefix)
    cdef list items = list(messages)
    cdef list keep = []
    cdef size_t count = len(items), i, length = 0, n
    cdef const uint8_t **ptrs
    cdef const uint8_t[::1] view
    cdef object item
    if count == 0:
        return b""
    ptrs = <const uint8_t **>malloc(count * sizeof(const uint8_t *))
    if ptrs == NULL:
        raise MemoryError()
    try:
        for i in range(count):
            item = items[i]
            if type(item) is bytes:
                ptrs[i] = <const uint8_t *>PyBytes_AS_STRING(item)
                n = <size_t>PyBytes_GET_SIZE(item)
            else:
                view = as_bytes_view(item, f"messages[{i}]")
                keep.append(view)
                n = view.shape[0]
                ptrs[i] = &view[0] if n else NULL
            if i == 0:
                length = n
            elif n != length:
                raise _errors.InvalidInputError(
                    f"all messages must have the same length: messages[0] has {length} bytes, "
                    f"messages[{i}] has {n}")
        return _hash_pointers(ptrs, length, count, pf)
    finally:
        free(ptrs)
