# The 1-D Reed-Solomon code (csrc/rs.h). Included by _native.pyx.

from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_CheckExact, PyBytes_GET_SIZE
from libc.stdlib cimport malloc, free
from libc.string cimport memset
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_SIMPLE

cdef extern from "rs.h" nogil:
    ctypedef struct wc_rs_decoder:
        pass
    wc_status wc_rs_decoder_new(size_t k, size_t r, const uint8_t *present, wc_rs_decoder **out)
    void wc_rs_decoder_free(wc_rs_decoder *d)
    size_t wc_rs_encode_plain_scratch_bytes(size_t k, size_t r, size_t S)
    wc_status wc_rs_encode_with_scratch(const wc_kernels *kern, size_t k, size_t r, size_t S,
                                        const uint8_t *const *originals, uint8_t *const *recovery,
                                        void *scratch, size_t scratch_bytes)
    size_t wc_rs_decoder_plain_scratch_bytes(const wc_rs_decoder *d, size_t S)
    wc_status wc_rs_decoder_decode_with_scratch(const wc_rs_decoder *d, const wc_kernels *kern, size_t S,
                                                const uint8_t *const *shards, uint8_t *const *out,
                                                void *scratch, size_t scratch_bytes)

cdef extern from "wc_internal.h" nogil:
    void *wc_scratch_acquire(size_t bytes)
    void wc_scratch_release(void *p, size_t bytes)

cdef extern from "gf16.h" nogil:
    void wc_gf16_init()
    uint16_t wc_gf16_log[65536]
    uint16_t wc_gf16_exp[65536]
    uint16_t wc_gf16_skew[65536]
    uint16_t wc_gf16_log_walsh[65536]


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
    # a sequence of buffers, or one buffer
    if isinstance(originals, (list, tuple)):
        return _rs_encode_seq(originals, recovery_count, original_count)
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
        return _rs_encode_seq(originals, recovery_count, original_count)
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
        out = _encode_new(kern, k, recovery_count, S, optr, rptr)
    finally:
        free(optr)
        free(rptr)
    return out


cdef inline int _acquire(object obj, Py_buffer *view) except -1:
    """view <- obj's bytes. An exact bytes object is read in place with no
    buffer taken (view.obj stays NULL, so PyBuffer_Release is a no-op; the
    caller keeps obj alive): at a thousand shards per call, acquiring and
    releasing their buffers cost a tenth of a 1 KiB encode. Anything else
    goes through PyObject_GetBuffer (and may raise)."""
    if PyBytes_CheckExact(obj):
        memset(view, 0, sizeof(Py_buffer))
        view.buf = <void *> PyBytes_AS_STRING(obj)
        view.len = PyBytes_GET_SIZE(obj)
        return 0
    PyObject_GetBuffer(obj, view, PyBUF_SIMPLE)
    return 0


cdef int _get_buffers(list objs, Py_buffer *bufs, size_t n, str what) except -1:
    """_acquire on each object (C-contiguous, read-only fine); on error,
    releases what it got and raises InvalidBufferError."""
    cdef size_t i, j
    for i in range(n):
        try:
            _acquire(objs[i], &bufs[i])
        except (TypeError, BufferError, ValueError):
            for j in range(i):
                PyBuffer_Release(&bufs[j])
            o = objs[i]
            raise _errors.InvalidBufferError(
                f"{what}[{i}] must be a C-contiguous bytes-like object, not {type(o).__name__}") from None
    return 0


def _rs_encode_seq(object originals, size_t recovery_count, object original_count):
    cdef list objs = list(originals)
    cdef size_t k = len(objs), r = recovery_count, S, i
    if k == 0:
        raise _errors.InvalidInputError("at least one original shard is needed")
    if original_count is not None and original_count != k:
        raise _errors.InvalidInputError(f"original_count={original_count} but {k} shards given")
    if r == 0:
        raise _errors.InvalidInputError("recovery_count must be at least 1")
    if k + r > 65536:
        raise _errors.InvalidInputError(f"too many shards: {k} + {r} > 65536")
    cdef Py_buffer *bufs = <Py_buffer *> malloc(k * sizeof(Py_buffer))
    cdef const uint8_t **optr = <const uint8_t **> malloc(k * sizeof(uint8_t *))
    cdef uint8_t **rptr = <uint8_t **> malloc(r * sizeof(uint8_t *))
    cdef list out
    cdef bytes b
    cdef wc_status st
    cdef const wc_kernels *kern = wc_kernels_active()
    if bufs == NULL or optr == NULL or rptr == NULL:
        free(bufs)
        free(optr)
        free(rptr)
        raise MemoryError()
    try:
        _get_buffers(objs, bufs, k, "originals")
        try:
            S = <size_t> bufs[0].len
            for i in range(k):
                if <size_t> bufs[i].len != S:
                    raise _errors.InvalidInputError(
                        f"originals[{i}] has {bufs[i].len} bytes, originals[0] has {S}")
                optr[i] = <const uint8_t *> bufs[i].buf
            if S == 0 or S % 2:
                raise _errors.InvalidInputError(f"shard size must be even and at least 2, got {S}")
            out = _encode_new(kern, k, r, S, optr, rptr)
        finally:
            for i in range(k):
                PyBuffer_Release(&bufs[i])
    finally:
        free(bufs)
        free(optr)
        free(rptr)
    return out


cdef list _decode_outputs(list kept, size_t k, size_t S, const uint8_t **sptr, uint8_t **optr):
    """The k output objects of a decode. A present original given as an
    immutable bytes object is returned as that very object (the native
    decoder skips an output that is its own input); every other slot gets a
    new bytes object to decode or copy into."""
    cdef list out = [None] * k
    cdef size_t i
    cdef bytes b
    for i in range(k):
        obj = kept[i]
        if obj is not None:
            out[i] = obj
            optr[i] = <uint8_t *> sptr[i]
        else:
            b = PyBytes_FromStringAndSize(NULL, S)
            out[i] = b
            optr[i] = <uint8_t *> PyBytes_AS_STRING(b)
    return out


cdef list _encode_new(const wc_kernels *kern, size_t k, size_t r, size_t S, const uint8_t **optr,
                      uint8_t **rptr):
    """Encode into r new bytes objects, with the thread's cached scratch
    (memory.c) taken before the results are allocated."""
    cdef size_t sb = wc_rs_encode_plain_scratch_bytes(k, r, S), i
    cdef void *scratch
    cdef list out
    cdef bytes b
    cdef wc_status st
    if sb == 0:
        raise _errors.InvalidInputError(f"unsupported shard counts or size: {k} + {r} shards of {S} bytes")
    scratch = wc_scratch_acquire(sb)
    if scratch == NULL:
        raise MemoryError()
    try:
        out = [None] * r
        for i in range(r):
            b = PyBytes_FromStringAndSize(NULL, S)
            out[i] = b
            rptr[i] = <uint8_t *> PyBytes_AS_STRING(b)
        with nogil:
            st = wc_rs_encode_with_scratch(kern, k, r, S, optr, rptr, scratch, sb)
        check_status(st, "rs2.encode")
    finally:
        wc_scratch_release(scratch, sb)
    return out


cdef list _decode_new(const wc_rs_decoder *dec, const wc_kernels *kern, list kept, size_t k, size_t S,
                      const uint8_t **sptr, uint8_t **optr, str context):
    """Decode into the outputs of _decode_outputs (scratch as in _encode_new)."""
    cdef size_t sb = wc_rs_decoder_plain_scratch_bytes(dec, S)
    cdef void *scratch
    cdef list out
    cdef wc_status st
    if sb == 0:
        raise _errors.InvalidInputError(f"shard size must be even and at least 2, got {S}")
    scratch = wc_scratch_acquire(sb)
    if scratch == NULL:
        raise MemoryError()
    try:
        out = _decode_outputs(kept, k, S, sptr, optr)
        with nogil:
            st = wc_rs_decoder_decode_with_scratch(dec, kern, S, sptr, optr, scratch, sb)
        check_status(st, context)
    finally:
        wc_scratch_release(scratch, sb)
    return out


def rs_decode(size_t original_count, size_t recovery_count, object shards):
    """The k originals from any k of the k + r shards.

    shards: a mapping {index: buffer} (or an iterable of (index, buffer)
    pairs), index 0..k-1 for originals and k..k+r-1 for recovery shards.
    Returns a list of k new bytes objects."""
    cdef size_t k = original_count, r = recovery_count, n, S = 0, i, idx, got = 0
    if k == 0 or r == 0:
        raise _errors.InvalidInputError("original_count and recovery_count must be at least 1")
    if k + r > 65536:
        raise _errors.InvalidInputError(f"too many shards: {k} + {r} > 65536")
    n = k + r
    items = shards.items() if hasattr(shards, "items") else shards
    cdef list kept = [None] * k
    cdef list alive = []
    cdef wc_rs_decoder *dec = NULL
    cdef const uint8_t *pres
    cdef Py_buffer *bufs = <Py_buffer *> malloc(n * sizeof(Py_buffer))
    cdef const uint8_t **sptr = <const uint8_t **> malloc(n * sizeof(uint8_t *))
    cdef uint8_t **optr = <uint8_t **> malloc(k * sizeof(uint8_t *))
    cdef list out
    cdef wc_status st
    cdef const wc_kernels *kern = wc_kernels_active()
    if bufs == NULL or sptr == NULL or optr == NULL:
        free(bufs)
        free(sptr)
        free(optr)
        raise MemoryError()
    for i in range(n):
        sptr[i] = NULL
    try:
        try:
            for pair in items:
                try:
                    key, buf = pair
                except (TypeError, ValueError):
                    raise _errors.InvalidInputError("shards must map index -> buffer") from None
                if isinstance(key, bool) or not isinstance(key, int):
                    raise _errors.InvalidInputError(f"shard index must be an int, got {type(key).__name__}")
                if key < 0 or key >= <object> n:
                    raise _errors.InvalidInputError(f"shard index {key} out of range 0..{n - 1}")
                idx = key
                if sptr[idx] != NULL:
                    raise _errors.InvalidInputError(f"duplicate shard index {key}")
                alive.append(buf)  # _acquire takes no reference to a bytes object
                try:
                    _acquire(buf, &bufs[got])
                except (TypeError, BufferError, ValueError):
                    raise _errors.InvalidBufferError(
                        f"shards[{key}] must be a C-contiguous bytes-like object, not {type(buf).__name__}"
                    ) from None
                got += 1
                if got == 1:
                    S = <size_t> bufs[0].len
                elif <size_t> bufs[got - 1].len != S:
                    raise _errors.InvalidInputError(
                        f"shards[{key}] has {bufs[got - 1].len} bytes, expected {S}")
                if S == 0:
                    raise _errors.InvalidInputError("shard size must be even and at least 2, got 0")
                sptr[idx] = <const uint8_t *> bufs[got - 1].buf
                if idx < k and type(buf) is bytes:
                    kept[idx] = buf
            if got < k:
                raise _errors.NotEnoughShardsError(f"need {k} shards to decode, got {got}")
            if S == 0 or S % 2:
                raise _errors.InvalidInputError(f"shard size must be even and at least 2, got {S}")
            present = bytearray(n)
            for i in range(n):
                present[i] = sptr[i] != NULL
            pres = present
            with nogil:
                st = wc_rs_decoder_new(k, r, pres, &dec)
            check_status(st, "rs2.decode")
            try:
                out = _decode_new(dec, kern, kept, k, S, sptr, optr, "rs2.decode")
            finally:
                wc_rs_decoder_free(dec)
        finally:
            for i in range(got):
                PyBuffer_Release(&bufs[i])
    finally:
        free(bufs)
        free(sptr)
        free(optr)
    return out


cdef class RSDecoder:
    """A decoder for one erasure pattern: the error locator is computed once,
    then decode() runs for any number of stripes (any shard size), from any
    number of threads."""

    cdef wc_rs_decoder *dec
    cdef readonly size_t original_count
    cdef readonly size_t recovery_count
    cdef bytes present

    def __cinit__(self, size_t original_count, size_t recovery_count, object present):
        cdef size_t n = original_count + recovery_count, i
        if original_count == 0 or recovery_count == 0 or n > 65536:
            raise _errors.InvalidInputError("shard counts out of range")
        flags = bytearray(n)
        for idx in present:
            if isinstance(idx, bool) or not isinstance(idx, int):
                raise _errors.InvalidInputError(f"shard index must be an int, got {type(idx).__name__}")
            if idx < 0 or idx >= <object> n:
                raise _errors.InvalidInputError(f"shard index {idx} out of range 0..{n - 1}")
            if flags[idx]:
                raise _errors.InvalidInputError(f"duplicate shard index {idx}")
            flags[idx] = 1
        self.present = bytes(flags)
        self.original_count = original_count
        self.recovery_count = recovery_count
        cdef const uint8_t *p = self.present
        cdef wc_status st
        with nogil:
            st = wc_rs_decoder_new(original_count, recovery_count, p, &self.dec)
        check_status(st, "rs2.Decoder")

    def __dealloc__(self):
        wc_rs_decoder_free(self.dec)

    def decode(self, object shards):
        """shards: {index: buffer} holding (at least) every index given at
        construction, all of one size. Returns the k originals as bytes
        (present bytes originals as the same objects)."""
        cdef size_t k = self.original_count, n = k + self.recovery_count, i, S = 0, got = 0
        cdef const uint8_t *pres = self.present
        cdef list kept = [None] * k
        cdef list alive = []
        cdef Py_buffer *bufs = <Py_buffer *> malloc(n * sizeof(Py_buffer))
        cdef const uint8_t **sptr = <const uint8_t **> malloc(n * sizeof(uint8_t *))
        cdef uint8_t **optr = <uint8_t **> malloc(k * sizeof(uint8_t *))
        cdef list out
        cdef wc_status st
        cdef const wc_kernels *kern = wc_kernels_active()
        if bufs == NULL or sptr == NULL or optr == NULL:
            free(bufs)
            free(sptr)
            free(optr)
            raise MemoryError()
        try:
            try:
                for i in range(n):
                    sptr[i] = NULL
                    if not pres[i]:
                        continue
                    try:
                        obj = shards[i]
                    except (KeyError, IndexError):
                        raise _errors.NotEnoughShardsError(
                            f"shard {i} of the decoder's pattern is missing") from None
                    alive.append(obj)  # _acquire takes no reference to a bytes object
                    try:
                        _acquire(obj, &bufs[got])
                    except (TypeError, BufferError, ValueError):
                        raise _errors.InvalidBufferError(
                            f"shards[{i}] must be a C-contiguous bytes-like object, not {type(obj).__name__}"
                        ) from None
                    got += 1
                    if got == 1:
                        S = <size_t> bufs[0].len
                    elif <size_t> bufs[got - 1].len != S:
                        raise _errors.InvalidInputError(
                            f"shards[{i}] has {bufs[got - 1].len} bytes, expected {S}")
                    sptr[i] = <const uint8_t *> bufs[got - 1].buf
                    if i < k and type(obj) is bytes:
                        kept[i] = obj
                if S == 0 or S % 2:
                    raise _errors.InvalidInputError(f"shard size must be even and at least 2, got {S}")
                out = _decode_new(self.dec, kern, kept, k, S, sptr, optr, "rs2.Decoder.decode")
            finally:
                for i in range(got):
                    PyBuffer_Release(&bufs[i])
        finally:
            free(bufs)
            free(sptr)
            free(optr)
        return out


def rs_set_locator_method(int method):
    """Testing builds only: the error-locator method, 0 automatic, 1 65536-point
    Walsh-Hadamard, 2 direct products, 3 N-point Walsh-Hadamard."""
    set_knob("rs_locator", method)


def gf16_tables():
    """(LOG, EXP, SKEW, LOG_WALSH) as bytes of little-endian uint16 (tests)."""
    wc_gf16_init()
    return (
        PyBytes_FromStringAndSize(<const char *> wc_gf16_log, 131072),
        PyBytes_FromStringAndSize(<const char *> wc_gf16_exp, 131072),
        PyBytes_FromStringAndSize(<const char *> wc_gf16_skew, 131072),
        PyBytes_FromStringAndSize(<const char *> wc_gf16_log_walsh, 131072),
    )
