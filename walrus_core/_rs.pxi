# The 1-D Reed-Solomon code (csrc/rs.h). Included by _native.pyx.

from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING
from libc.stdlib cimport malloc, free

cdef extern from "rs.h" nogil:
    wc_status wc_rs_encode_with(const wc_kernels *kern, size_t k, size_t r, size_t S,
                                const uint8_t *const *originals, uint8_t *const *recovery)
    wc_status wc_rs_decode_with(const wc_kernels *kern, size_t k, size_t r, size_t S,
                                const uint8_t *const *shards, uint8_t *const *out)
    void wc_rs_set_locator_method(int method)

cdef extern from "gf16.h" nogil:
    void wc_gf16_init()
    uint16_t wc_gf16_log[65536]
    uint16_t wc_gf16_exp[65536]
    uint16_t wc_gf16_skew[65536]
    uint16_t wc_gf16_log_walsh[65536]


cdef _rs_sizes_error(str what):
    return _errors.InvalidInputError(what)


def rs_encode(object originals, size_t recovery_count, object original_count=None):
    """Recovery shards of the RS2 1-D code (reed-solomon-simd layout).

    originals: a sequence of k equal-size buffers, or one buffer of k*S bytes
    (then original_count = k, or a 2-D C-contiguous array of k rows).
    Returns a list of `recovery_count` new bytes objects."""
    cdef list views = []
    cdef const uint8_t[::1] v
    cdef size_t k, S, i, total
    cdef object mv
    cdef const uint8_t *base
    # one buffer, or a sequence of buffers
    try:
        mv = memoryview(originals)
    except TypeError:
        mv = None
    if mv is not None:
        if original_count is None:
            if mv.ndim == 2:
                original_count = mv.shape[0]
            else:
                raise _errors.InvalidInputError(
                    "originals given as one buffer need original_count (or a 2-D array of k rows)")
        v = as_bytes_view(originals, "originals")
        total = v.shape[0]
        k = original_count
        if k == 0:
            raise _errors.InvalidInputError("original_count must be at least 1")
        if total % k:
            raise _errors.InvalidInputError(f"originals: {total} bytes do not split into {k} equal shards")
        S = total // k
        views.append(v)
    else:
        for i, o in enumerate(originals):
            views.append(as_bytes_view(o, f"originals[{i}]"))
        k = len(views)
        if k == 0:
            raise _errors.InvalidInputError("at least one original shard is needed")
        if original_count is not None and original_count != k:
            raise _errors.InvalidInputError(f"original_count={original_count} but {k} shards given")
        v = views[0]
        S = v.shape[0]
        for i in range(k):
            v = views[i]
            if <size_t> v.shape[0] != S:
                raise _errors.InvalidInputError(f"originals[{i}] has {v.shape[0]} bytes, originals[0] has {S}")
    if S == 0 or S % 2:
        raise _errors.InvalidInputError(f"shard size must be even and at least 2, got {S}")
    if recovery_count == 0:
        raise _errors.InvalidInputError("recovery_count must be at least 1")
    if k + recovery_count > 65536:
        raise _errors.InvalidInputError(f"too many shards: {k} + {recovery_count} > 65536")

    cdef const uint8_t **optr = <const uint8_t **> malloc(k * sizeof(uint8_t *))
    cdef uint8_t **rptr = <uint8_t **> malloc(recovery_count * sizeof(uint8_t *))
    cdef list out = []
    cdef bytes b
    cdef wc_status st
    cdef const wc_kernels *kern = wc_kernels_active()
    if optr == NULL or rptr == NULL:
        free(optr)
        free(rptr)
        raise MemoryError()
    try:
        if len(views) == 1 and mv is not None:
            v = views[0]
            base = &v[0]
            for i in range(k):
                optr[i] = base + i * S
        else:
            for i in range(k):
                v = views[i]
                optr[i] = &v[0]
        for i in range(recovery_count):
            b = PyBytes_FromStringAndSize(NULL, S)
            out.append(b)
            rptr[i] = <uint8_t *> PyBytes_AS_STRING(b)
        with nogil:
            st = wc_rs_encode_with(kern, k, recovery_count, S, optr, rptr)
        check_status(st, "rs2.encode")
    finally:
        free(optr)
        free(rptr)
    return out


def rs_decode(size_t original_count, size_t recovery_count, object shards):
    """The k originals from any k of the k + r shards.

    shards: a mapping {index: buffer} (or an iterable of (index, buffer)
    pairs), index 0..k-1 for originals and k..k+r-1 for recovery shards.
    Returns a list of k new bytes objects."""
    cdef size_t k = original_count, r = recovery_count, n, S = 0, i, idx
    cdef const uint8_t[::1] v
    cdef dict views = {}
    cdef bint first = True
    if k == 0 or r == 0:
        raise _errors.InvalidInputError("original_count and recovery_count must be at least 1")
    if k + r > 65536:
        raise _errors.InvalidInputError(f"too many shards: {k} + {r} > 65536")
    n = k + r
    items = shards.items() if hasattr(shards, "items") else shards
    for pair in items:
        try:
            key, buf = pair
        except (TypeError, ValueError):
            raise _errors.InvalidInputError("shards must map index -> buffer") from None
        if isinstance(key, bool) or not isinstance(key, int):
            raise _errors.InvalidInputError(f"shard index must be an int, got {type(key).__name__}")
        if key < 0 or key >= <object> n:
            raise _errors.InvalidInputError(f"shard index {key} out of range 0..{n - 1}")
        if key in views:
            raise _errors.InvalidInputError(f"duplicate shard index {key}")
        v = as_bytes_view(buf, f"shards[{key}]")
        if first:
            S = v.shape[0]
            first = False
        elif <size_t> v.shape[0] != S:
            raise _errors.InvalidInputError(f"shards[{key}] has {v.shape[0]} bytes, expected {S}")
        views[key] = v
    if len(views) < <object> k:
        raise _errors.NotEnoughShardsError(f"need {k} shards to decode, got {len(views)}")
    if S == 0 or S % 2:
        raise _errors.InvalidInputError(f"shard size must be even and at least 2, got {S}")

    cdef const uint8_t **sptr = <const uint8_t **> malloc(n * sizeof(uint8_t *))
    cdef uint8_t **optr = <uint8_t **> malloc(k * sizeof(uint8_t *))
    cdef list out = []
    cdef bytes b
    cdef wc_status st
    cdef const wc_kernels *kern = wc_kernels_active()
    if sptr == NULL or optr == NULL:
        free(sptr)
        free(optr)
        raise MemoryError()
    try:
        for i in range(n):
            sptr[i] = NULL
        for key, obj in views.items():
            v = obj
            sptr[<size_t> key] = &v[0]
        for i in range(k):
            b = PyBytes_FromStringAndSize(NULL, S)
            out.append(b)
            optr[i] = <uint8_t *> PyBytes_AS_STRING(b)
        with nogil:
            st = wc_rs_decode_with(kern, k, r, S, sptr, optr)
        check_status(st, "rs2.decode")
    finally:
        free(sptr)
        free(optr)
    return out


def rs_set_locator_method(int method):
    """Testing knob: 0 automatic, 1 Walsh-Hadamard, 2 direct products."""
    wc_rs_set_locator_method(method)


def gf16_tables():
    """(LOG, EXP, SKEW, LOG_WALSH) as bytes of little-endian uint16 (tests)."""
    wc_gf16_init()
    return (
        PyBytes_FromStringAndSize(<const char *> wc_gf16_log, 131072),
        PyBytes_FromStringAndSize(<const char *> wc_gf16_exp, 131072),
        PyBytes_FromStringAndSize(<const char *> wc_gf16_skew, 131072),
        PyBytes_FromStringAndSize(<const char *> wc_gf16_log_walsh, 131072),
    )
