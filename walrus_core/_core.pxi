# Backends and the status -> exception map. Included by _native.pyx.

from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from cpython.bytearray cimport PyByteArray_FromStringAndSize

cdef extern from "wc_status.h":
    cdef enum wc_status:
        WC_OK
        WC_ERR_ARG
        WC_ERR_SIZE
        WC_ERR_COUNT
        WC_ERR_INDEX
        WC_ERR_DUPLICATE
        WC_ERR_TOO_FEW
        WC_ERR_NOMEM
        WC_ERR_BACKEND
        WC_ERR_PROOF
        WC_ERR_HASH_MISMATCH
        WC_ERR_INCONSISTENT
        WC_ERR_TOO_LARGE

cdef extern from "kernels/kernels.h":
    cdef struct wc_kernels:
        const char *name
        uint32_t needs

cdef extern from "dispatch.h" nogil:
    size_t wc_backend_count()
    const wc_kernels *wc_backend_at(size_t i)
    const wc_kernels *wc_backend_find(const char *name)
    int wc_backend_supported(const wc_kernels *k)
    const wc_kernels *wc_kernels_active()
    wc_status wc_backend_select(const char *name)

cdef extern from "cpu.h" nogil:
    uint32_t wc_cpu_features()

cdef extern from "parallel.h" nogil:
    unsigned wc_cpu_count()
    const unsigned WC_MAX_THREADS

cdef extern from "tuning.h" nogil:
    cdef enum wc_knob:
        WC_KNOB_RS_TILE_BUDGET
        WC_KNOB_RS_TILE_MIN
        WC_KNOB_RS_FUSED
        WC_KNOB_RS_STREAM_MIN
        WC_KNOB_RS_LOCATOR
        WC_KNOB_BLOB_BAND_MIN
        WC_KNOB_COUNT
    wc_status wc_knob_set(wc_knob knob, size_t value)

cdef extern from *:
    """
    #if defined(WC_TESTING)
    #define WC_TESTING_BUILD 1
    #else
    #define WC_TESTING_BUILD 0
    #endif
    """
    const int WC_TESTING_BUILD

cdef extern from "wc_internal.h" nogil:
    void wc_prime_allocator()

wc_prime_allocator()

from walrus_core import errors as _errors

_STATUS_ERRORS = {
    WC_ERR_ARG: (_errors.InvalidInputError, "invalid argument"),
    WC_ERR_SIZE: (_errors.InvalidInputError, "wrong buffer size"),
    WC_ERR_COUNT: (_errors.InvalidInputError, "count out of range"),
    WC_ERR_INDEX: (_errors.InvalidInputError, "index out of range"),
    WC_ERR_DUPLICATE: (_errors.InvalidInputError, "duplicate index"),
    WC_ERR_TOO_FEW: (_errors.NotEnoughShardsError, "not enough shards to decode"),
    WC_ERR_NOMEM: (MemoryError, "out of memory"),
    WC_ERR_BACKEND: (_errors.BackendUnavailableError, "backend unavailable"),
    WC_ERR_PROOF: (_errors.InvalidProofError, "Merkle proof does not verify"),
    WC_ERR_HASH_MISMATCH: (_errors.VerificationError, "hash mismatch"),
    WC_ERR_INCONSISTENT: (_errors.InconsistentBlobError, "blob is inconsistently encoded"),
    WC_ERR_TOO_LARGE: (_errors.DataTooLargeError, "data too large"),
}


cdef int check_status(wc_status status, str context=None) except -1:
    """Raise the exception mapped to a C status; return 0 on WC_OK."""
    if status == WC_OK:
        return 0
    cls, message = _STATUS_ERRORS.get(status, (_errors.WalrusCoreError, f"native error {<int>status}"))
    if context:
        message = f"{context}: {message}"
    raise cls(message)


cdef const wc_kernels *active_kernels() noexcept nogil:
    return wc_kernels_active()


def backends_compiled():
    """Names of the backends compiled into this build, best first."""
    return [wc_backend_at(i).name.decode() for i in range(wc_backend_count())]


def backend_is_supported(str name):
    if "\x00" in name or not name.isascii():
        return False
    cdef bytes b = name.encode("ascii")
    cdef const wc_kernels *k = wc_backend_find(b)
    return k != NULL and wc_backend_supported(k) != 0


def backend_active():
    return wc_kernels_active().name.decode()


def backend_select(name):
    """Select a backend by name (None or "auto": the best supported one)."""
    cdef bytes b
    if name is None:
        check_status(wc_backend_select(NULL))
        return
    if not isinstance(name, str) or "\x00" in name:
        raise _errors.BackendUnavailableError(f"invalid backend name {name!r}")
    try:
        b = name.encode("ascii")
    except UnicodeEncodeError:
        raise _errors.BackendUnavailableError(f"invalid backend name {name!r}") from None
    if wc_backend_select(b) != WC_OK:
        if wc_backend_find(b) == NULL:
            raise _errors.BackendUnavailableError(
                f"unknown or compiled-out backend {name!r}; compiled: {backends_compiled()}")
        raise _errors.BackendUnavailableError(
            f"backend {name!r} is compiled in but this CPU/OS cannot run it")


def cpu_features():
    cdef uint32_t f = wc_cpu_features()
    names = ("ssse3", "sse4.1", "avx2", "avx512", "neon")
    return [names[i] for i in range(len(names)) if f & (1u << i)]


def cpu_count():
    return wc_cpu_count()


# True in a testing build (WALRUS_CORE_TESTING=1 python setup.py ...), whose
# tuning knobs tests may set; a product build has constants there.
TESTING = bool(WC_TESTING_BUILD)

_KNOBS = {
    "rs_tile_budget": WC_KNOB_RS_TILE_BUDGET,
    "rs_tile_min": WC_KNOB_RS_TILE_MIN,
    "rs_fused": WC_KNOB_RS_FUSED,
    "rs_stream_min": WC_KNOB_RS_STREAM_MIN,
    "rs_locator": WC_KNOB_RS_LOCATOR,
    "blob_band_min": WC_KNOB_BLOB_BAND_MIN,
}


cdef int _require_testing() except -1:
    if not TESTING:
        raise _errors.BackendUnavailableError(
            "tuning knobs exist only in a testing build (WALRUS_CORE_TESTING=1)")
    return 0


def set_knob(str name, size_t value):
    """Testing builds only: set one tuning knob of csrc/tuning.h process-wide
    (not while other threads encode). reset_knobs() restores them all."""
    _require_testing()
    if name not in _KNOBS:
        raise _errors.InvalidInputError(f"unknown knob {name!r}; known: {sorted(_KNOBS)}")
    check_status(wc_knob_set(_KNOBS[name], value), f"knob {name}")


def reset_knobs():
    """Testing builds only: every knob back to its default."""
    _require_testing()
    check_status(wc_knob_set(WC_KNOB_COUNT, 0), "knobs")


cdef unsigned resolve_threads(object threads, str what="threads") except 0:
    """A binding's thread count: k >= 1 as given (capped at WC_MAX_THREADS,
    as the C core caps it anyway); None = the CPUs this process may use."""
    if threads is None:
        return wc_cpu_count()
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise _errors.InvalidInputError(f"{what} must be None or an int >= 1, got {threads!r}")
    return <unsigned> min(<object> threads, WC_MAX_THREADS)


# ---- buffers -------------------------------------------------------------

cdef const uint8_t[::1] as_bytes_view(object obj, str what) except *:
    """Any C-contiguous buffer (bytes, bytearray, memoryview, numpy, mmap)
    viewed as unsigned bytes, read-only allowed, without copying."""
    cdef memoryview mv
    try:
        mv = memoryview(obj)
    except (TypeError, ValueError, BufferError):
        raise _errors.InvalidBufferError(
            f"{what} must be a bytes-like object, not {type(obj).__name__}") from None
    if not mv.c_contiguous:
        raise _errors.InvalidBufferError(f"{what} must be a C-contiguous buffer")
    if mv.nbytes == 0:  # before the cast, which refuses zeros in the shape (numpy.zeros((0, 5)))
        return _EMPTY
    if mv.format != "B" or mv.ndim != 1:
        mv = mv.cast("B")
    return mv

cdef const uint8_t[::1] _EMPTY = bytearray(1)[:0]


def output_bytearray(Py_ssize_t size):
    """A new bytearray of ``size`` bytes that is NOT zeroed, for outputs the
    native code overwrites entirely: zeroing a large one first costs more than
    the encoding work on its pages (one serial pass, every page faulted in)."""
    if size < 0:
        raise _errors.InvalidInputError(f"size must be >= 0, got {size}")
    return PyByteArray_FromStringAndSize(NULL, size)
