"""The RS2 1-D Reed-Solomon code (walrus_core.rs2) against outside answers:
reed-solomon-leopard (the Rust engine Walrus uses), the spec §10 vectors,
the pure-Python Lagrange oracle (tests/reference/rs_ref.py) and the spec's
GF(2^16) tables; decoding from random erasure patterns; bad input. Every
test that runs kernels runs on every backend this CPU supports."""

from __future__ import annotations

import hashlib
import random
from array import array

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import gf16_ref, rs_ref

from walrus_core import _native, errors, rs2

rsl = pytest.importorskip("reed_solomon_leopard")

WALRUS_SHAPES = [(334, 666), (667, 333), (34, 66), (67, 33), (4, 6), (7, 3)]
EDGE_SHAPES = [
    (1, 1), (1, 2), (2, 1), (1, 7), (7, 1), (1, 64), (64, 1), (2, 2), (3, 4), (4, 3), (4, 4),
    (31, 33), (32, 32), (33, 31), (32, 33), (33, 32), (63, 65), (64, 64), (65, 63), (128, 1),
    (1, 129), (255, 257), (256, 256), (257, 255), (5, 600), (600, 5),
]  # fmt: skip
EDGE_SIZES = [2, 62, 64, 66, 4098]


def rand_shards(rng: random.Random, k: int, size: int) -> list[bytes]:
    return [rng.randbytes(size) for _ in range(k)]


# ---- GF(2^16) tables ------------------------------------------------------


def _u16(b: bytes) -> list[int]:
    return array("H", b).tolist()


def test_gf16_tables_match_reference() -> None:
    log, exp, skew, log_walsh = (_u16(t) for t in _native.gf16_tables())
    rlog, rexp = gf16_ref.tables()
    assert log == rlog
    assert exp == rexp
    assert skew[:65535] == gf16_ref.skew()[:65535]
    assert log_walsh == gf16_ref.log_walsh()


def test_gf16_sanity_values_from_spec() -> None:
    log, exp, skew, _ = (_u16(t) for t in _native.gf16_tables())
    assert log[1:5] == [0, 21845, 43690, 17476]
    assert exp[1] == 18064
    assert skew[:9] == [65535, 65535, 21845, 65535, 17476, 21845, 34952, 65535, 56797]
    assert gf16_ref.mul(2, 2) == 3
    assert gf16_ref.mul(0x1234, 0x5678) == 0x35C9
    assert gf16_ref.mul(0xFFFF, 0xFFFF) == 0x8000


# ---- spec §10 1-D vectors -------------------------------------------------

SPEC_VECTORS = [
    (2, 2, 2, "0d13", "1158a310f28a3b4e"),
    (3, 4, 2, "df3d", "4020d5c72da72a62"),
    (4, 6, 2, "f56d", "15cec0e03c2b5898"),
    (4, 6, 66, "15937caabbb443ee", "1b04dc09dc32c80c"),
    (7, 3, 66, "0a621aa30f6f9a1d", "2d802a9b620953ee"),
    (9, 16, 66, "4d26d9091c37f8c1", "c797049976c4fcf6"),
    (34, 66, 66, "8b4cefc4b414c448", "073975d6909ead73"),
    (67, 33, 66, "48e5f24b0f44fe4e", "4fd2753225ce4877"),
    (334, 666, 66, "eb086d99c2d81b48", "664610494bfdaa77"),
    (667, 333, 66, "05f32bd273c4cace", "ac85d0c69373c323"),
]


@pytest.mark.parametrize(("k", "r", "size", "first", "digest"), SPEC_VECTORS)
def test_spec_vectors(backend: str, k: int, r: int, size: int, first: str, digest: str) -> None:
    originals = [hashlib.shake_128(f"rs1d-{k}-{r}-{size}-{i}".encode()).digest(size) for i in range(k)]
    rec = rs2.encode(originals, r)
    assert rec[0].hex().startswith(first)
    assert hashlib.sha256(b"".join(rec)).hexdigest().startswith(digest)


# ---- against reed-solomon-leopard and the Lagrange oracle -------------------


@pytest.mark.parametrize(("k", "r"), WALRUS_SHAPES + EDGE_SHAPES)
def test_encode_matches_leopard_shapes(backend: str, k: int, r: int) -> None:
    rng = random.Random(k * 100003 + r)
    for size in EDGE_SIZES if k + r <= 200 else [2, 66, 4098]:
        originals = rand_shards(rng, k, size)
        assert rs2.encode(originals, r) == rsl.encode(originals, r), size


def test_encode_matches_leopard_random(backend: str) -> None:
    rng = random.Random(7)
    for _ in range(40):
        k = rng.choice([rng.randint(1, 40), rng.randint(1, 700)])
        r = rng.choice([rng.randint(1, 40), rng.randint(1, 700)])
        size = 2 * rng.randint(1, 300)
        originals = rand_shards(rng, k, size)
        assert rs2.encode(originals, r) == rsl.encode(originals, r), (k, r, size)


def test_encode_large_shards_tiling(backend: str) -> None:
    """Shards large enough that the encoder works in several byte tiles."""
    rng = random.Random(11)
    for k, r, size in [(334, 666, 8192 + 66), (667, 333, 4096), (10, 4, 1 << 17)]:
        originals = rand_shards(rng, k, size)
        assert rs2.encode(originals, r) == rsl.encode(originals, r), (k, r, size)


ORACLE_SHAPES = [(1, 1), (2, 2), (3, 5), (5, 2), (4, 6), (7, 3), (9, 16), (34, 66), (67, 33)]


@pytest.mark.parametrize(("k", "r"), ORACLE_SHAPES)
def test_encode_matches_lagrange_oracle(backend: str, k: int, r: int) -> None:
    rng = random.Random(k + 1000 * r)
    for size in (2, 6, 66, 130):
        originals = rand_shards(rng, k, size)
        assert rs2.encode(originals, r) == rs_ref.encode(originals, r), size


# ---- decoding ---------------------------------------------------------------


def _decode_case(k: int, r: int, size: int, present: list[int], seed: int) -> None:
    rng = random.Random(seed)
    originals = rand_shards(rng, k, size)
    rec = rs2.encode(originals, r)
    every = originals + rec
    got = rs2.decode(k, r, {i: every[i] for i in present})
    assert got == originals
    # and the same restored originals as the crate
    odict = {i: every[i] for i in present if i < k}
    rdict = {i - k: every[i] for i in present if i >= k}
    restored = rsl.decode(k, r, odict, rdict)
    for i, v in restored.items():
        assert got[i] == v


@pytest.mark.parametrize(("k", "r"), [*WALRUS_SHAPES, (1, 1), (1, 5), (5, 1), (32, 32), (33, 31), (64, 200)])
def test_decode_walrus_shapes(backend: str, k: int, r: int) -> None:
    rng = random.Random(k * 7 + r)
    n = k + r
    patterns = [
        list(range(k, n))[:k] + list(range(max(0, k - r)))[: max(0, k - r)],  # recovery first
        rng.sample(range(n), k),  # exactly k at random
        rng.sample(range(n), min(n, k + rng.randint(0, r))),  # more than k
    ]
    for j, present in enumerate(patterns):
        present = sorted(set(present))
        if len(present) < k:
            present = sorted(set(present) | set(rng.sample(range(n), k)))[: max(k, len(present))]
        for size in (2, 66, 1024):
            _decode_case(k, r, size, present, seed=j * 31 + size)


@given(
    k=st.integers(1, 300),
    r=st.integers(1, 300),
    half=st.integers(1, 100),
    seed=st.integers(0, 2**32 - 1),
    extra=st.integers(0, 300),
)
def test_decode_random_erasures(k: int, r: int, half: int, seed: int, extra: int) -> None:
    rng = random.Random(seed)
    present = rng.sample(range(k + r), min(k + r, k + extra % (r + 1)))
    for name in _native.backends_compiled():
        if _native.backend_is_supported(name):
            _native.backend_select(name)
            try:
                _decode_case(k, r, 2 * half, present, seed)
            finally:
                _native.backend_select(None)


@pytest.mark.skipif(not _native.TESTING, reason="the locator knob exists only in a testing build")
@pytest.mark.parametrize("method", [1, 2, 3])
def test_locator_methods_agree(backend: str, method: int) -> None:
    """Every error-locator method (Walsh-Hadamard over 65536 or N points, direct products) decodes."""
    _native.rs_set_locator_method(method)
    try:
        for k, r in [(334, 666), (667, 333), (7, 3), (1, 1), (100, 28), (3, 200)]:
            rng = random.Random(k + r + method)
            _decode_case(k, r, 130, rng.sample(range(k + r), k), seed=k)
    finally:
        _native.rs_set_locator_method(0)


def test_decode_all_originals_present_is_copy() -> None:
    originals = [bytes([i]) * 10 for i in range(5)]
    rec = rs2.encode(originals, 3)
    shards = {i: originals[i] for i in range(5)}
    shards[6] = rec[1]
    assert rs2.decode(5, 3, shards) == originals


@pytest.mark.parametrize("size", [64, 98, 4096])
def test_decode_returns_present_bytes_originals_without_copying(size: int) -> None:
    """A present original given as bytes (immutable) comes back as the same
    object; one given as a mutable buffer comes back as a new bytes copy that
    does not follow later changes; no input is ever written to."""
    rng = random.Random(size)
    k, r = 9, 5
    originals = rand_shards(rng, k, size)
    rec = rs2.encode(originals, r)
    before = [bytes(o) for o in originals] + [bytes(x) for x in rec]
    shards: dict[int, object] = {i: originals[i] for i in range(3, k)}
    shards[2] = bytearray(originals[2])
    for j in range(2):
        shards[k + j] = rec[j]
    for result in (rs2.decode(k, r, shards), rs2.Decoder(k, r, shards).decode(shards)):  # type: ignore[arg-type]
        assert result == originals
        assert all(result[i] is originals[i] for i in range(3, k))
        assert type(result[2]) is bytes and result[2] is not shards[2]
        shards[2][0] ^= 1  # type: ignore[index]
        assert result[2] == originals[2]
        shards[2][0] ^= 1  # type: ignore[index]
    assert [bytes(o) for o in originals] + [bytes(x) for x in rec] == before


def test_decode_inputs_made_on_the_fly_stay_alive() -> None:
    """Shards produced while decoding (a generator of pairs, a mapping that
    returns a fresh copy on every lookup) are read in place without taking a
    buffer: the decoder must hold them until it is done."""
    import gc
    from collections.abc import Iterator, Mapping

    rng = random.Random(11)
    k, r, size = 40, 24, 4096
    originals = rand_shards(rng, k, size)
    every = originals + list(rs2.encode(originals, r))
    present = list(range(r, k + r))

    def pairs() -> Iterator[tuple[int, bytes]]:
        for i in present:
            gc.collect()  # free anything not held
            yield i, bytes(bytearray(every[i]))

    assert _native.rs_decode(k, r, pairs()) == originals

    class Fresh(Mapping[int, bytes]):
        def __getitem__(self, i: int) -> bytes:
            if i not in present:
                raise KeyError(i)
            gc.collect()
            return bytes(bytearray(every[i]))

        def __iter__(self) -> Iterator[int]:
            return iter(present)

        def __len__(self) -> int:
            return len(present)

    assert rs2.Decoder(k, r, present).decode(Fresh()) == originals


# ---- buffer kinds -----------------------------------------------------------


def test_buffer_kinds() -> None:
    rng = random.Random(3)
    k, r, size = 12, 7, 98
    originals = rand_shards(rng, k, size)
    want = rsl.encode(originals, r)
    assert rs2.encode([bytearray(o) for o in originals], r) == want
    assert rs2.encode([memoryview(o) for o in originals], r) == want
    assert rs2.encode([np.frombuffer(o, dtype=np.uint8) for o in originals], r) == want  # type: ignore[misc]
    assert rs2.encode([np.frombuffer(o, dtype=np.uint16) for o in originals], r) == want  # type: ignore[misc]
    flat = b"".join(originals)
    assert rs2.encode(flat, r, original_count=k) == want
    assert rs2.encode(np.frombuffer(flat, dtype=np.uint8).reshape(k, size), r) == want  # type: ignore[arg-type]
    assert rs2.encode(tuple(originals), r) == want
    every = originals + want
    present = list(range(r, k + r))
    assert rs2.decode(k, r, [(i, np.frombuffer(every[i], np.uint8)) for i in present]) == originals  # type: ignore[misc]
    assert rs2.decode(k, r, {i: memoryview(every[i]) for i in present}) == originals


# ---- bad input --------------------------------------------------------------


def test_bad_encode_input() -> None:
    ok = [b"ab", b"cd"]
    with pytest.raises(errors.InvalidInputError):
        rs2.encode([b"abc", b"def"], 2)  # odd size
    with pytest.raises(errors.InvalidInputError):
        rs2.encode([b"", b""], 2)  # empty
    with pytest.raises(errors.InvalidInputError):
        rs2.encode([b"ab", b"abcd"], 2)  # unequal
    with pytest.raises(errors.InvalidInputError):
        rs2.encode([], 2)
    with pytest.raises(errors.InvalidInputError):
        rs2.encode(ok, 0)
    with pytest.raises(errors.InvalidInputError):
        rs2.encode(ok, -1)
    with pytest.raises(errors.InvalidInputError):
        rs2.encode(ok, 65535)  # k + r > 65536
    with pytest.raises(errors.InvalidInputError):
        rs2.encode([b"ab"] * 40000, 30000)  # crate limit min(pow2) + max > 65536
    with pytest.raises(errors.InvalidInputError):
        rs2.encode(b"abcdef", 2)  # one buffer, no original_count
    with pytest.raises(errors.InvalidInputError):
        rs2.encode(b"abcdef", 2, original_count=4)
    with pytest.raises(errors.InvalidInputError):
        rs2.encode(ok, 2**70)
    with pytest.raises(errors.InvalidInputError):
        rs2.encode(ok, 2.0)  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidInputError):
        rs2.encode(b"ab" * 4, 2, original_count=2**40)
    with pytest.raises(errors.InvalidInputError):
        rs2.encode(b"ab" * 4, 2, original_count=0)
    with pytest.raises(errors.InvalidBufferError):
        rs2.encode([b"ab", 5], 2)  # type: ignore[list-item]
    with pytest.raises(errors.InvalidBufferError):
        rs2.encode([b"ab", "cd"], 2)  # type: ignore[list-item]


def test_crate_limits() -> None:
    assert rs2.supports(32768, 32768)
    assert not rs2.supports(32769, 32767)
    assert rs2.supports(1, 65535) and rsl.supports(1, 65535)
    for k, r in [(32768, 32768), (32769, 32767), (40000, 20000), (1, 65535), (2, 65534), (65535, 1)]:
        assert rs2.supports(k, r) == rsl.supports(k, r), (k, r)
    assert rs2.encode([b"\x01\x02"], 65535)[-1] == rsl.encode([b"\x01\x02"], 65535)[-1]


def test_bad_decode_input() -> None:
    originals = [bytes([i, i + 1]) for i in range(4)]
    rec = rs2.encode(originals, 3)
    every = originals + rec
    good = {i: every[i] for i in range(3, 7)}
    assert rs2.decode(4, 3, good) == originals
    with pytest.raises(errors.NotEnoughShardsError):
        rs2.decode(4, 3, {i: every[i] for i in range(3)})
    with pytest.raises(errors.InvalidInputError):
        rs2.decode(4, 3, {**good, 7: every[0]})  # out of range
    with pytest.raises(errors.InvalidInputError):
        rs2.decode(4, 3, {**good, -1: every[0]})
    with pytest.raises(errors.InvalidInputError):
        rs2.decode(4, 3, [(3, every[3]), (3, every[3]), (4, every[4]), (5, every[5]), (6, every[6])])
    with pytest.raises(errors.InvalidInputError):
        rs2.decode(4, 3, {**good, 0: b"abcd"})  # wrong size
    with pytest.raises(errors.InvalidInputError):
        rs2.decode(4, 3, {i: b"abc" for i in range(4)})  # odd size
    with pytest.raises(errors.InvalidInputError):
        rs2.decode(0, 3, good)
    with pytest.raises(errors.InvalidInputError):
        rs2.decode(4, 0, good)
    with pytest.raises(errors.InvalidInputError):
        rs2.decode(65535, 2, good)
    with pytest.raises(errors.InvalidInputError):
        rs2.decode(2**70, 3, good)
    with pytest.raises(errors.InvalidInputError):
        rs2.decode(4, -3, good)
    with pytest.raises(errors.InvalidInputError):
        rs2.decode(4, 3, {"a": b"ab"})  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidBufferError):
        rs2.decode(4, 3, {3: 1, 4: 2, 5: 3, 6: 4})  # type: ignore[arg-type]


def test_concurrent_calls_release_the_gil() -> None:
    """Encode and decode from several threads at once (the C core keeps no
    shared mutable state; the GIL is released around it)."""
    from concurrent.futures import ThreadPoolExecutor

    rng = random.Random(5)
    cases = []
    for k, r in [(334, 666), (667, 333), (34, 66), (7, 3)]:
        originals = rand_shards(rng, k, 1090)
        cases.append((k, r, originals, rsl.encode(originals, r)))

    def work(i: int) -> bool:
        k, r, originals, want = cases[i % len(cases)]
        rec = rs2.encode(originals, r)
        every = originals + rec
        lost = min(k, r)
        got = rs2.decode(k, r, {j: every[j] for j in range(lost, lost + k)})
        return rec == want and got == originals

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(work, range(16)))


def test_decoder_object_reused_across_stripes(backend: str) -> None:
    rng = random.Random(21)
    k, r = 67, 33
    present = sorted(rng.sample(range(k + r), k + 5))
    dec = rs2.Decoder(k, r, present)
    for size in (2, 66, 1024, 4098):
        originals = rand_shards(rng, k, size)
        every = originals + rsl.encode(originals, r)
        assert dec.decode({i: every[i] for i in present}) == originals
    with pytest.raises(errors.NotEnoughShardsError):
        dec.decode({i: every[i] for i in present[1:]})
    with pytest.raises(errors.NotEnoughShardsError):
        rs2.Decoder(k, r, present[: k - 1])
    with pytest.raises(errors.InvalidInputError):
        rs2.Decoder(k, r, [0, 0, *range(2, k + 1)])
    with pytest.raises(errors.InvalidInputError):
        rs2.Decoder(k, r, [k + r])


@pytest.mark.parametrize(("k", "r"), [(32768, 32768), (1, 65535), (65535, 1), (30000, 3000)])
def test_extreme_shard_counts(k: int, r: int) -> None:
    rng = random.Random(k + r)
    originals = rand_shards(rng, k, 2)
    rec = rs2.encode(originals, r)
    assert rec == rsl.encode(originals, r)
    lost = min(k, r)
    every = originals + rec
    assert rs2.decode(k, r, {i: every[i] for i in range(lost, lost + k)}) == originals
