"""RS2 encoding parameters for a committee of ``n_shards`` (spec §1).

Pure Python, no native code: everything here is integer arithmetic that
callers (and the C core's callers) use to size buffers and validate input.
"""

from __future__ import annotations

from .errors import DataTooLargeError, InvalidInputError

#: Largest symbol size RS2 allows (``u16::MAX - 1``; spec §1).
MAX_SYMBOL_SIZE = 65534
#: Smallest committee the official encoder accepts (spec §1).
MIN_N_SHARDS = 4
#: The reed-solomon-simd shard-count limits cap n here (spec §1, §3.3).
MAX_N_SHARDS = 49155
#: Encoding-type byte of RS2 (spec §1).
ENCODING_TYPE_RS2 = 1


def _pow2(x: int) -> int:
    return 1 if x <= 1 else 1 << (x - 1).bit_length()


class EncodingConfig:
    """Parameters of the two 1-D codes for ``n_shards`` shards.

    ``n_primary_source_symbols`` (p = n - 2f) is the number of rows of the
    message matrix (symbols per *secondary* sliver); ``n_secondary_source_symbols``
    (s = n - f) the number of columns (symbols per *primary* sliver).
    """

    __slots__ = ("_f", "_n", "_p", "_s")

    def __init__(self, n_shards: int) -> None:
        if isinstance(n_shards, bool) or not isinstance(n_shards, int):
            raise InvalidInputError(f"n_shards must be an int, not {type(n_shards).__name__}")
        if n_shards < MIN_N_SHARDS:
            raise InvalidInputError(f"n_shards must be at least {MIN_N_SHARDS}, got {n_shards}")
        if n_shards > MAX_N_SHARDS:
            raise InvalidInputError(f"n_shards must be at most {MAX_N_SHARDS}, got {n_shards}")
        self._n = n_shards
        self._f = (n_shards - 1) // 3
        self._p = n_shards - 2 * self._f
        self._s = n_shards - self._f

    @property
    def n_shards(self) -> int:
        return self._n

    @property
    def max_faulty(self) -> int:
        """f = floor((n - 1) / 3)."""
        return self._f

    @property
    def n_primary_source_symbols(self) -> int:
        """p = n - 2f: rows of the message matrix."""
        return self._p

    @property
    def n_secondary_source_symbols(self) -> int:
        """s = n - f: columns of the message matrix."""
        return self._s

    @property
    def source_symbols_per_blob(self) -> int:
        return self._p * self._s

    @property
    def max_blob_size(self) -> int:
        return self._p * self._s * MAX_SYMBOL_SIZE

    def _check_length(self, length: int) -> None:
        if isinstance(length, bool) or not isinstance(length, int):
            raise InvalidInputError(f"length must be an int, not {type(length).__name__}")
        if length < 0:
            raise InvalidInputError(f"length must be non-negative, got {length}")
        if length > self.max_blob_size:
            raise DataTooLargeError(
                f"the data is too large to be encoded/decoded: {length} bytes > "
                f"{self.max_blob_size} for n_shards={self._n}"
            )

    def symbol_size(self, length: int) -> int:
        """S = ceil(max(L, 1) / (p*s)) rounded up to even (spec §1)."""
        self._check_length(length)
        k = self._p * self._s
        size = -(-max(length, 1) // k)
        return size + (size & 1)

    def primary_sliver_length(self, length: int) -> int:
        return self._s * self.symbol_size(length)

    def secondary_sliver_length(self, length: int) -> int:
        return self._p * self.symbol_size(length)

    def encoded_slivers_length(self, length: int) -> int:
        return self._n * (self._p + self._s) * self.symbol_size(length)

    @property
    def metadata_length(self) -> int:
        """On-chain accounting size ``64n + 32`` (not the BCS length)."""
        return self._n * 64 + 32

    def encoded_blob_length(self, length: int) -> int:
        """n * metadata_length + encoded_slivers_length (spec §1)."""
        return self._n * self.metadata_length + self.encoded_slivers_length(length)

    def primary_code_is_high_rate(self) -> bool:
        k, r = self._p, 2 * self._f
        return _pow2(k) > _pow2(r) or (_pow2(k) == _pow2(r) and k <= r)

    def __repr__(self) -> str:
        return f"EncodingConfig(n_shards={self._n})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EncodingConfig) and other._n == self._n

    def __hash__(self) -> int:
        return hash(("EncodingConfig", self._n))
