"""Slow reference for the RS2 1-D code, from spec §3.2/§3.3 only: recovery
shards as evaluations of the Lagrange interpolation polynomial through the
originals and the virtual zero shards, at the crate's positions, with the
crate's per-shard byte layout. Independent of any FFT. Fine for k + r up to
a few hundred and short shards."""

from __future__ import annotations

import numpy as np

from .gf16_ref import MOD, mul, tables


def pow2(x: int) -> int:
    p = 1
    while p < x:
        p <<= 1
    return p


def high_rate(k: int, r: int) -> bool:
    pk, pr = pow2(k), pow2(r)
    if pk != pr:
        return pk > pr
    return k <= r


def positions(k: int, r: int) -> tuple[list[int], list[int], list[int]]:
    """(original positions, virtual zero positions, recovery positions)."""
    if high_rate(k, r):
        m = pow2(r)
        big = pow2(m + k)
        return list(range(m, m + k)), list(range(m + k, big)), list(range(r))
    m = pow2(k)
    return list(range(k)), list(range(k, m)), list(range(m, m + r))


def shard_to_elements(shard: bytes) -> list[int]:
    """Spec §3.2: 64-byte blocks, low bytes then high bytes, the last block
    split at its own midpoint."""
    out: list[int] = []
    for b0 in range(0, len(shard), 64):
        blk = shard[b0 : b0 + 64]
        h = len(blk) // 2
        out.extend(blk[i] | blk[h + i] << 8 for i in range(h))
    return out


def elements_to_shard(elems: list[int]) -> bytes:
    out = bytearray()
    for e0 in range(0, len(elems), 32):
        chunk = elems[e0 : e0 + 32]
        out += bytes(v & 0xFF for v in chunk) + bytes(v >> 8 for v in chunk)
    return bytes(out)


def generator(k: int, r: int) -> list[list[int]]:
    """R[j][i] = l_i(y_j): Lagrange basis of original i over the whole
    interpolation set (originals + virtual zeros), at recovery position j."""
    xs, zeros, ys = positions(k, r)
    allx = xs + zeros
    # barycentric weights of the originals: 1 / prod_{x != x_i} (x_i + x)
    wts = []
    for xi in xs:
        p = 1
        for x in allx:
            if x != xi:
                p = mul(p, xi ^ x)
        wts.append(p)
    rows = []
    for y in ys:
        full = 1
        for x in allx:
            full = mul(full, y ^ x)
        row = []
        for xi, wi in zip(xs, wts):
            # l_i(y) = prod_{x != x_i}(y + x) / w_i = full / ((y + x_i) w_i)
            row.append(mul(full, _inv(mul(y ^ xi, wi))))
        rows.append(row)
    return rows


def _inv(a: int) -> int:
    log, exp = tables()
    return exp[(MOD - log[a]) % MOD]


def encode(originals: list[bytes], r: int) -> list[bytes]:
    """Recovery shards by the generator matrix (numpy over lanes, products via LOG/EXP)."""
    k = len(originals)
    log, exp = tables()
    lg = np.array(log, dtype=np.int64)
    ex = np.array(exp, dtype=np.int64)
    data = np.array([shard_to_elements(o) for o in originals], dtype=np.int64)
    dlog = lg[data]
    nz = data != 0
    out = []
    for row in generator(k, r):
        acc = np.zeros(data.shape[1], dtype=np.int64)
        for i, c in enumerate(row):
            if c == 0:
                continue
            prod = np.where(nz[i], ex[(dlog[i] + log[c]) % MOD], 0)
            acc ^= prod
        out.append(elements_to_shard([int(v) for v in acc]))
    return out
