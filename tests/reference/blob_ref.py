"""Slow reference RS2 2-D encoder, written from the spec only (no walrus_core
native code): GF(2^16) in Cantor-basis coordinates (spec §3.1), the 1-D code
as Lagrange interpolation over originals + virtual zero shards evaluated at
the crate's recovery positions (spec §3.3), the byte layout of §3.2, the
expanded matrix of §2 and the Merkle trees of §4/§5 with hashlib.

numpy is used only as an array of field elements; every product goes through
the LOG/EXP tables built here. Fine for n up to ~100 and small blobs.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

import numpy as np

CANTOR = [
    0x0001, 0xACCA, 0x3C0E, 0x163E, 0xC582, 0xED2E, 0x914C, 0x4012,
    0x6C98, 0x10D8, 0x6A72, 0xB900, 0xFDB8, 0xFB34, 0xFF38, 0x991E,
]  # fmt: skip
MOD = 65535


def _build_tables() -> tuple[np.ndarray, np.ndarray]:
    plog = [0] * 65536
    y = 1
    for e in range(65535):
        plog[y] = e
        y <<= 1
        if y & 0x10000:
            y ^= 0x1002D
    to_poly = [0] * 65536
    for v in range(1, 65536):
        low = v & -v
        to_poly[v] = to_poly[v ^ low] ^ CANTOR[low.bit_length() - 1]
    log = np.zeros(65536, dtype=np.int64)
    exp = np.zeros(65536, dtype=np.int64)
    log[0] = MOD
    for v in range(1, 65536):
        log[v] = plog[to_poly[v]]
        exp[log[v]] = v
    exp[MOD] = exp[0]
    return log, exp


LOG, EXP = _build_tables()


def mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return int(EXP[(LOG[a] + LOG[b]) % MOD])


def inv(a: int) -> int:
    assert a != 0
    return int(EXP[(MOD - LOG[a]) % MOD])


def mul_vec(vec: np.ndarray, c: int) -> np.ndarray:
    """Elementwise c * vec (vec: int64 array of field elements)."""
    if c == 0:
        return np.zeros_like(vec)
    out: np.ndarray = EXP[(LOG[vec] + int(LOG[c])) % MOD]
    out[vec == 0] = 0
    return out


def _pow2(x: int) -> int:
    return 1 if x <= 1 else 1 << (x - 1).bit_length()


def positions(k: int, r: int) -> tuple[list[int], list[int], list[int]]:
    """(original positions, virtual zero positions, recovery positions)."""
    high = _pow2(k) > _pow2(r) or (_pow2(k) == _pow2(r) and k <= r)
    if high:
        m = _pow2(r)
        big = _pow2(m + k)
        return list(range(m, m + k)), list(range(m + k, big)), list(range(r))
    m = _pow2(k)
    return list(range(k)), list(range(k, m)), list(range(m, m + r))


@lru_cache(maxsize=64)
def generator(k: int, r: int) -> tuple[tuple[int, ...], ...]:
    """R[j][i] = l_i(y_j) over the full interpolation set (spec §3.3)."""
    xs, zeros, ys = positions(k, r)
    full = xs + zeros
    # w_i = prod_{t != i} (x_i + t)
    ws = []
    for xi in xs:
        acc = 1
        for t in full:
            if t != xi:
                acc = mul(acc, xi ^ t)
        ws.append(acc)
    rows = []
    for y in ys:
        py = 1
        for t in full:
            py = mul(py, y ^ t)
        rows.append(tuple(mul(py, inv(mul(y ^ xi, wi))) for xi, wi in zip(xs, ws)))
    return tuple(rows)


def symbol_to_elems(sym: bytes) -> np.ndarray:
    """Spec §3.2: 64-byte blocks, first half low bytes, second half high."""
    out: list[int] = []
    for b0 in range(0, len(sym), 64):
        block = sym[b0 : b0 + 64]
        h = len(block) // 2
        out.extend(block[i] | (block[h + i] << 8) for i in range(h))
    return np.array(out, dtype=np.int64)


def elems_to_symbol(el: np.ndarray) -> bytes:
    out = bytearray()
    vals = [int(v) for v in el]
    for e0 in range(0, len(vals), 32):
        chunk = vals[e0 : e0 + 32]
        out += bytes(v & 0xFF for v in chunk) + bytes(v >> 8 for v in chunk)
    return bytes(out)


def rs_encode(originals: list[bytes], r: int) -> list[bytes]:
    """Recovery symbols of the 1-D code for k = len(originals)."""
    k = len(originals)
    gen = generator(k, r)
    els = [symbol_to_elems(o) for o in originals]
    out = []
    for j in range(r):
        acc = np.zeros_like(els[0])
        for i in range(k):
            acc ^= mul_vec(els[i], gen[j][i])
        out.append(elems_to_symbol(acc))
    return out


def rs_decode(k: int, r: int, shards: dict[int, bytes]) -> list[bytes]:
    """Originals from any k shards {position in 0..k+r-1: symbol}, by solving
    the k x k linear system of the systematic generator (Gauss-Jordan)."""
    idx = sorted(shards)[:k]
    assert len(idx) == k
    gen = generator(k, r)
    rows = []
    for pos in idx:
        rows.append([1 if i == pos else 0 for i in range(k)] if pos < k else list(gen[pos - k]))
    rhs = [symbol_to_elems(shards[pos]) for pos in idx]
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
    return [elems_to_symbol(v) for v in rhs]


# ---- Merkle (spec §4) ------------------------------------------------------


def h(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def merkle_root_from_hashes(nodes: list[bytes]) -> bytes:
    if not nodes:
        return bytes(32)
    level = list(nodes)
    while len(level) > 1:
        if len(level) % 2:
            level.append(bytes(32))
        level = [h(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def merkle_root(leaves: list[bytes]) -> bytes:
    return merkle_root_from_hashes([h(b"\x00" + x) for x in leaves])


def merkle_proof(leaves: list[bytes], index: int) -> list[bytes]:
    level = [h(b"\x00" + x) for x in leaves]
    path = []
    while len(level) > 1:
        if len(level) % 2:
            level.append(bytes(32))
        path.append(level[index ^ 1])
        level = [h(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level), 2)]
        index >>= 1
    return path


# ---- 2-D encoding (spec §1, §2, §5) ---------------------------------------


def params(n: int) -> tuple[int, int, int]:
    f = (n - 1) // 3
    return f, n - 2 * f, n - f


def symbol_size(n: int, length: int) -> int:
    _, p, s = params(n)
    size = -(-max(length, 1) // (p * s))
    size += size & 1
    if size > 65534:
        raise ValueError("the data is too large to be encoded/decoded")
    return size


def expand(data: bytes, n: int) -> tuple[list[list[bytes]], int]:
    """The n x n expanded matrix X[row][col] of symbols, and S."""
    f, p, s = params(n)
    size = symbol_size(n, len(data))
    padded = bytes(data) + bytes(p * s * size - len(data))
    x: list[list[bytes]] = [[b""] * n for _ in range(n)]
    for r in range(p):
        row = [padded[(r * s + c) * size : (r * s + c + 1) * size] for c in range(s)]
        x[r][:s] = row
        x[r][s:] = rs_encode(row, f)
    for c in range(n):
        col = [x[r][c] for r in range(p)]
        for j, sym in enumerate(rs_encode(col, 2 * f)):
            x[p + j][c] = sym
    return x, size


def encode(data: bytes, n: int) -> dict[str, Any]:
    """Everything the vectors record: symbol size, slivers in pair order,
    pair hashes, root hash and blob id (32 bytes)."""
    _, p, s = params(n)
    x, size = expand(data, n)
    primary = [b"".join(x[i][:s]) for i in range(n)]
    secondary = [b"".join(x[r][c] for r in range(p)) for c in range(n)]
    row_roots = [merkle_root(x[i]) for i in range(n)]
    col_roots = [merkle_root([x[r][c] for r in range(n)]) for c in range(n)]
    hashes = [(row_roots[i], col_roots[n - 1 - i]) for i in range(n)]
    root = merkle_root([a + b for a, b in hashes])
    blob_id = h(b"\x01" + len(data).to_bytes(8, "little") + root)
    return {
        "symbol_size": size,
        "primary": primary,
        "secondary_pair_order": [secondary[n - 1 - i] for i in range(n)],
        "secondary": secondary,
        "hashes": hashes,
        "root": root,
        "blob_id": blob_id,
        "matrix": x,
    }
