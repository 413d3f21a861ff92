"""The one slow RS2 oracle, written from the spec only (no walrus_core code):
the 1-D code as Lagrange interpolation over originals + virtual zero shards
at the crate's positions (spec §3.2/§3.3, independent of any FFT), its
inverse by Gauss-Jordan elimination, the 2-D expansion and slivers (§1, §2),
sliver hashes, metadata and blob ID (§4, §5), the BCS of slivers and
metadata, and decoding with the default consistency check (§7).

Every field product goes through the LOG/EXP tables of oracles.gf16; numpy
is only an array of field elements. Fine for n up to ~100 and small blobs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from . import merkle
from .bcs import uleb128
from .gf16 import MOD, inv, mul, tables

MAX_SYMBOL_SIZE = 65534


class OracleError(Exception):
    """The oracle refuses its input (own class: the oracle shares nothing with walrus_core)."""


class NotEnoughSlivers(OracleError):
    pass


class InconsistentBlob(OracleError):
    pass


@lru_cache(maxsize=1)
def _np_tables() -> tuple[np.ndarray, np.ndarray]:
    log, exp = tables()
    return np.array(log, dtype=np.int64), np.array(exp, dtype=np.int64)


def mul_vec(vec: np.ndarray, c: int) -> np.ndarray:
    """Elementwise c * vec (vec: int64 array of field elements)."""
    if c == 0:
        return np.zeros_like(vec)
    log, exp = _np_tables()
    out: np.ndarray = exp[(log[vec] + int(log[c])) % MOD]
    out[vec == 0] = 0
    return out


# ---- the 1-D code (spec §3) ------------------------------------------------


def pow2(x: int) -> int:
    return 1 if x <= 1 else 1 << (x - 1).bit_length()


def high_rate(k: int, r: int) -> bool:
    pk, pr = pow2(k), pow2(r)
    return pk > pr if pk != pr else k <= r


def positions(k: int, r: int) -> tuple[list[int], list[int], list[int]]:
    """(original positions, virtual zero positions, recovery positions)."""
    if high_rate(k, r):
        m = pow2(r)
        big = pow2(m + k)
        return list(range(m, m + k)), list(range(m + k, big)), list(range(r))
    m = pow2(k)
    return list(range(k)), list(range(k, m)), list(range(m, m + r))


@lru_cache(maxsize=64)
def generator(k: int, r: int) -> tuple[tuple[int, ...], ...]:
    """R[j][i] = l_i(y_j): the Lagrange basis polynomial of original i over the
    whole interpolation set (originals + virtual zeros), at recovery position j."""
    xs, zeros, ys = positions(k, r)
    full = xs + zeros
    weights = []  # w_i = prod_{t != x_i} (x_i + t)
    for xi in xs:
        acc = 1
        for t in full:
            if t != xi:
                acc = mul(acc, xi ^ t)
        weights.append(acc)
    rows = []
    for y in ys:
        py = 1
        for t in full:
            py = mul(py, y ^ t)
        # l_i(y) = prod_{t != x_i} (y + t) / w_i = py / ((y + x_i) w_i)
        rows.append(tuple(mul(py, inv(mul(y ^ xi, wi))) for xi, wi in zip(xs, weights)))
    return tuple(rows)


def symbol_to_elements(symbol: bytes) -> np.ndarray:
    """Spec §3.2: 64-byte blocks, low bytes then high bytes, the last block
    split at its own midpoint."""
    out: list[int] = []
    for b0 in range(0, len(symbol), 64):
        block = symbol[b0 : b0 + 64]
        h = len(block) // 2
        out.extend(block[i] | block[h + i] << 8 for i in range(h))
    return np.array(out, dtype=np.int64)


def elements_to_symbol(elements: np.ndarray) -> bytes:
    out = bytearray()
    values = [int(v) for v in elements]
    for e0 in range(0, len(values), 32):
        chunk = values[e0 : e0 + 32]
        out += bytes(v & 0xFF for v in chunk) + bytes(v >> 8 for v in chunk)
    return bytes(out)


def rs_encode(originals: list[bytes], r: int) -> list[bytes]:
    """The r recovery symbols of the 1-D code for k = len(originals)."""
    k = len(originals)
    gen = generator(k, r)
    elements = [symbol_to_elements(o) for o in originals]
    out = []
    for j in range(r):
        acc = np.zeros_like(elements[0])
        for i in range(k):
            acc ^= mul_vec(elements[i], gen[j][i])
        out.append(elements_to_symbol(acc))
    return out


def rs_decode(k: int, r: int, shards: dict[int, bytes]) -> list[bytes]:
    """The k originals from any k shards {position in 0..k+r-1: symbol}, by
    solving the k x k system of the systematic generator (Gauss-Jordan)."""
    idx = sorted(shards)[:k]
    if len(idx) < k:
        raise NotEnoughSlivers(f"need {k} shards, have {len(idx)}")
    gen = generator(k, r)
    rows = [[1 if i == pos else 0 for i in range(k)] if pos < k else list(gen[pos - k]) for pos in idx]
    rhs = [symbol_to_elements(shards[pos]) for pos in idx]
    for col in range(k):
        piv = next(i for i in range(col, k) if rows[i][col] != 0)
        rows[col], rows[piv] = rows[piv], rows[col]
        rhs[col], rhs[piv] = rhs[piv], rhs[col]
        c = inv(rows[col][col])
        rows[col] = [mul(v, c) for v in rows[col]]
        rhs[col] = mul_vec(rhs[col], c)
        for i in range(k):
            if i != col and rows[i][col] != 0:
                factor = rows[i][col]
                rows[i] = [a ^ mul(b, factor) for a, b in zip(rows[i], rows[col])]
                rhs[i] = rhs[i] ^ mul_vec(rhs[col], factor)
    return [elements_to_symbol(v) for v in rhs]


def expand_line(symbols: list[bytes], n: int) -> list[bytes]:
    """A sliver's n-symbol codeword: its symbols, then the 1-D code's recovery symbols."""
    return list(symbols) + rs_encode(list(symbols), n - len(symbols))


# ---- parameters and the 2-D code (spec §1, §2, §4, §5) -----------------------


def params(n: int) -> tuple[int, int, int]:
    """(f, p, s) for n shards."""
    f = (n - 1) // 3
    return f, n - 2 * f, n - f


def symbol_size(n: int, length: int) -> int:
    _, p, s = params(n)
    size = -(-max(length, 1) // (p * s))
    size += size & 1
    if size > MAX_SYMBOL_SIZE:
        raise OracleError("the data is too large to be encoded/decoded")
    return size


def merkle_root(leaves: list[bytes]) -> bytes:
    return merkle.root(leaves)


def merkle_proof(leaves: list[bytes], index: int) -> list[bytes]:
    return merkle.proof([merkle.leaf_hash(x) for x in leaves], index)


def expand(data: bytes, n: int) -> tuple[list[list[bytes]], int]:
    """The n x n expanded matrix X[row][col] of symbols, and S."""
    f, p, s = params(n)
    size = symbol_size(n, len(data))
    padded = bytes(data) + bytes(p * s * size - len(data))
    x: list[list[bytes]] = [[b""] * n for _ in range(n)]
    for r in range(p):
        x[r][:] = expand_line([padded[(r * s + c) * size : (r * s + c + 1) * size] for c in range(s)], n)
    for c in range(n):
        for j, sym in enumerate(rs_encode([x[r][c] for r in range(p)], 2 * f)):
            x[p + j][c] = sym
    return x, size


def blob_id(length: int, hashes: list[tuple[bytes, bytes]]) -> bytes:
    return merkle.blob_id(length, hashes)


def encode(data: bytes, n: int) -> dict[str, Any]:
    """Everything the vectors record: symbol size, slivers by index and in pair
    order, pair hashes, root hash, blob ID (32 bytes) and the expanded matrix."""
    _, p, s = params(n)
    x, size = expand(data, n)
    primary = [b"".join(x[i][:s]) for i in range(n)]
    secondary = [b"".join(x[r][c] for r in range(p)) for c in range(n)]
    row_roots = [merkle_root(x[i]) for i in range(n)]
    col_roots = [merkle_root([x[r][c] for r in range(n)]) for c in range(n)]
    hashes = [(row_roots[i], col_roots[n - 1 - i]) for i in range(n)]
    return {
        "length": len(data),
        "symbol_size": size,
        "primary": primary,
        "secondary_pair_order": [secondary[n - 1 - i] for i in range(n)],
        "secondary": secondary,
        "hashes": hashes,
        "root": merkle.pair_root(hashes),
        "blob_id": blob_id(len(data), hashes),
        "matrix": x,
    }


# ---- BCS (spec §2.6, §5) ------------------------------------------------------


def sliver_bcs(data: bytes, size: int, index: int) -> bytes:
    """SliverData: uleb128(len) || data || LE16(symbol size) || LE16(index)."""
    return uleb128(len(data)) + data + size.to_bytes(2, "little") + index.to_bytes(2, "little")


def metadata_bcs(length: int, hashes: list[tuple[bytes, bytes]]) -> bytes:
    """BlobMetadataWithId: blob ID, V1 tag, RS2 encoding type, LE64 length, the pair hashes."""
    out = bytearray(blob_id(length, hashes))
    out += uleb128(0) + b"\x01" + length.to_bytes(8, "little") + uleb128(len(hashes))
    for a, b in hashes:
        out += b"\x01" + a + b"\x01" + b
    return bytes(out)


# ---- decoding and the default consistency check (spec §7) ---------------------


def line_hash_matches(
    kind: str, index: int, sliver: bytes, size: int, hashes: list[tuple[bytes, bytes]]
) -> bool:
    """A sliver's expanded line hashes to the metadata's hash for it (§4)."""
    n = len(hashes)
    line = expand_line([sliver[i : i + size] for i in range(0, len(sliver), size)], n)
    want = hashes[index][0] if kind == "primary" else hashes[n - 1 - index][1]
    return merkle_root(line) == want


def decode(kind: str, slivers: dict[int, bytes], length: int, hashes: list[tuple[bytes, bytes]]) -> bytes:
    """The blob from p primary (or s secondary) slivers {index: data} that the
    caller has verified. Default check: re-derive each systematic primary sliver
    not given from the decoded blob *cut to `length` and zero-filled back*, and
    compare its hash with the metadata; a mismatch is an inconsistent blob."""
    n = len(hashes)
    _, p, s = params(n)
    size = symbol_size(n, length)
    k = p if kind == "primary" else s
    chosen = dict(sorted(slivers.items())[:k])
    if len(chosen) < k:
        raise NotEnoughSlivers(f"need {k} {kind} slivers, have {len(chosen)}")
    syms = {i: [v[j : j + size] for j in range(0, len(v), size)] for i, v in chosen.items()}
    if kind == "primary":  # decode every column from the given rows
        cols = [rs_decode(p, n - p, {i: v[c] for i, v in syms.items()}) for c in range(s)]
        rows = [[cols[c][r] for c in range(s)] for r in range(p)]
    else:  # decode every row from the given columns
        rows = [rs_decode(s, n - s, {j: v[r] for j, v in syms.items()}) for r in range(p)]
    data = b"".join(b"".join(row) for row in rows)[:length]
    padded = data + bytes(p * s * size - length)
    given = set(chosen) if kind == "primary" else set()
    for r in range(p):
        row = padded[r * s * size : (r + 1) * s * size]
        if r not in given and not line_hash_matches("primary", r, row, size, hashes):
            raise InconsistentBlob(f"decoded primary sliver {r} does not match the metadata")
    return data
