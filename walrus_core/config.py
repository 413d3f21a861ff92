"""RS2's facts in one place (format §1): the encoding-type byte, the limits,
and for a committee of ``n_shards`` the parameters f, p = n - 2f, s = n - f,
the symbols per sliver kind and every size derived from them.

Integer arithmetic only, which callers (and the C core's callers) use to
size buffers and validate input.
"""

from __future__ import annotations

from ._args import check_int
from .errors import DataTooLargeError, InvalidInputError

#: Encoding-type byte of RS2 in BCS (Walrus ``EncodingType::RS2``; 0 was RaptorQ).
ENCODING_TYPE_RS2 = 1
#: The name of that encoding type, as Walrus prints it.
ENCODING_TYPE_RS2_NAME = "RS2"
#: Largest symbol size RS2 allows (``u16::MAX - 1``; format §1).
MAX_SYMBOL_SIZE = 65534
#: Smallest committee the official encoder accepts (format §1).
MIN_N_SHARDS = 4
#: The reed-solomon-simd shard-count limits cap n here (format §1, §3.3).
MAX_N_SHARDS = 49155


def max_faulty(n_shards: int) -> int:
    """f = floor((n - 1) / 3): the shards that may fail or lie."""
    return (n_shards - 1) // 3


def source_symbols(n_shards: int) -> tuple[int, int]:
    """(p, s) = (n - 2f, n - f): the rows (symbols per secondary sliver) and
    columns (symbols per primary sliver) of the message matrix. Defined for
    any n >= 1, so that metadata of any pair count can be checked; encoding
    needs :data:`MIN_N_SHARDS` .. :data:`MAX_N_SHARDS`."""
    n = check_int(n_shards, "n_shards", 1)
    f = max_faulty(n)
    return n - 2 * f, n - f


def max_blob_size(n_shards: int) -> int:
    """Largest unencoded length n shards can take: p * s * MAX_SYMBOL_SIZE."""
    p, s = source_symbols(n_shards)
    return p * s * MAX_SYMBOL_SIZE


class EncodingConfig:
    """Parameters of the two 1-D codes for ``n_shards`` shards.

    ``n_primary_source_symbols`` (p = n - 2f) is the number of rows of the
    message matrix (symbols per *secondary* sliver); ``n_secondary_source_symbols``
    (s = n - f) the number of columns (symbols per *primary* sliver).
    """

    __slots__ = ("_f", "_n", "_p", "_s")

    def __init__(self, n_shards: int) -> None:
        self._n = check_int(n_shards, "n_shards", MIN_N_SHARDS, MAX_N_SHARDS)
        self._f = max_faulty(self._n)
        self._p, self._s = source_symbols(self._n)

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

    def symbols_per_sliver(self, kind: str) -> int:
        """Symbols in one sliver of ``kind``: a primary sliver is a row (s
        symbols), a secondary sliver a column (p symbols). So many recovery
        symbols rebuild one sliver of ``kind``, and so many slivers of the
        other kind decode the blob."""
        if kind == "primary":
            return self._s
        if kind == "secondary":
            return self._p
        raise InvalidInputError(f"sliver kind must be 'primary' or 'secondary', not {kind!r}")

    @property
    def max_blob_size(self) -> int:
        return max_blob_size(self._n)

    def symbol_size(self, length: int) -> int:
        """S = ceil(max(L, 1) / (p*s)) rounded up to even (format §1)."""
        check_int(length, "length", 0)
        if length > self.max_blob_size:
            raise DataTooLargeError(
                f"the data is too large to be encoded/decoded: {length} bytes > "
                f"{self.max_blob_size} for n_shards={self._n}"
            )
        size = -(-max(length, 1) // (self._p * self._s))
        return size + (size & 1)

    def pair_length(self, length: int) -> int:
        """Bytes of one sliver pair's symbols (primary and secondary)."""
        return (self._p + self._s) * self.symbol_size(length)

    def encoded_slivers_length(self, length: int) -> int:
        return self._n * self.pair_length(length)

    @property
    def metadata_length(self) -> int:
        """On-chain accounting size ``64n + 32`` (not the BCS length)."""
        return self._n * 64 + 32

    def encoded_blob_length(self, length: int) -> int:
        """n * metadata_length + encoded_slivers_length (format §1)."""
        return self._n * self.metadata_length + self.encoded_slivers_length(length)

    def __repr__(self) -> str:
        return f"EncodingConfig(n_shards={self._n})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EncodingConfig) and other._n == self._n

    def __hash__(self) -> int:
        return hash(("EncodingConfig", self._n))
