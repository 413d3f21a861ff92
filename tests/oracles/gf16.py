"""Pure-Python GF(2^16) in reed-solomon-simd's Cantor-basis coordinates,
written from spec §3.1/§3.4/§3.5 only (no walrus_core code): LOG/EXP tables,
products, the SKEW table from subspace polynomials, and LOG_WALSH. numpy
serves as an array type (and for the Walsh-Hadamard butterflies)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

POLY = 0x1002D
MOD = 65535
CANTOR = [
    0x0001, 0xACCA, 0x3C0E, 0x163E, 0xC582, 0xED2E, 0x914C, 0x4012,
    0x6C98, 0x10D8, 0x6A72, 0xB900, 0xFDB8, 0xFB34, 0xFF38, 0x991E,
]  # fmt: skip


@lru_cache(maxsize=1)
def tables() -> tuple[list[int], list[int]]:
    """(LOG, EXP): LOG[0] = 65535, EXP[65535] = EXP[0] = 1."""
    plog = [0] * 65536
    y = 1
    for e in range(MOD):
        plog[y] = e
        y <<= 1
        if y & 0x10000:
            y ^= POLY
    # Cantor coordinates -> polynomial basis, one basis element per lowest set bit
    to_poly = [0] * 65536
    for v in range(1, 65536):
        low = v & -v
        to_poly[v] = to_poly[v ^ low] ^ CANTOR[low.bit_length() - 1]
    log = [MOD] + [plog[to_poly[v]] for v in range(1, 65536)]
    exp = [0] * 65536
    for v in range(1, 65536):
        exp[log[v]] = v
    exp[MOD] = exp[0]
    return log, exp


def mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    log, exp = tables()
    return exp[(log[a] + log[b]) % MOD]


def inv(a: int) -> int:
    log, exp = tables()
    assert a != 0
    return exp[(MOD - log[a]) % MOD]


def div(a: int, b: int) -> int:
    return mul(a, inv(b))


def subspace_poly(i: int, x: int) -> int:
    """W_i(x) = prod_{u < 2^i} (x + u), straight from the definition."""
    r = 1
    for u in range(1 << i):
        r = mul(r, x ^ u)
    return r


@lru_cache(maxsize=1)
def skew() -> list[int]:
    """SKEW[q] = LOG[W_i(beta) / W_i(2^i)] with q + 1 = 2^i + beta (65535 if beta = 0).
    W_i is GF(2)-linear, so W_i(beta) is the XOR of W_i(2^b) over the bits of beta."""
    log, _ = tables()
    basis = [[subspace_poly(i, 1 << b) for b in range(16)] for i in range(16)]
    out = [MOD] * 65536
    for q in range(MOD):
        t = q + 1
        i = (t & -t).bit_length() - 1
        beta = t - (1 << i)
        if beta == 0:
            continue
        w = 0
        for b in range(16):
            if beta >> b & 1:
                w ^= basis[i][b]
        out[q] = log[div(w, basis[i][i])]
    return out


def walsh(a: np.ndarray) -> np.ndarray:
    """Walsh-Hadamard transform mod 65535 of a length-65536 vector."""
    a = a.astype(np.int64) % MOD
    n = a.shape[0]
    d = 1
    while d < n:
        v = a.reshape(-1, 2, d)
        x, y = v[:, 0, :].copy(), v[:, 1, :].copy()
        v[:, 0, :] = (x + y) % MOD
        v[:, 1, :] = (x - y) % MOD
        d <<= 1
    return a


@lru_cache(maxsize=1)
def log_walsh() -> list[int]:
    log, _ = tables()
    lp = np.array(log, dtype=np.int64)
    lp[0] = 0
    return [int(x) for x in walsh(lp)]
