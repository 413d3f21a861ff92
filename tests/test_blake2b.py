"""BLAKE2b-256 against hashlib.blake2b(digest_size=32) on every backend:
one-shot and batch forms, every length 0..2048, random longer ones, the
prefix byte, every buffer type, and bad input."""

from __future__ import annotations

import hashlib
import mmap
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import walrus_core
from walrus_core import InvalidBufferError, InvalidInputError, blake2b256, blake2b256_many


def ref(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


def data_of(n: int, seed: int = 0) -> bytes:
    return random.Random(n * 7919 + seed).randbytes(n)


BIG = data_of(2048 + 300, 1)


def test_known_answers() -> None:
    assert blake2b256(b"").hex() == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
    assert blake2b256(b"abc").hex() == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
    assert walrus_core.blake2b256 is blake2b256


def test_one_shot_every_length(backend: str) -> None:
    for n in range(2049):
        msg = BIG[n % 300 : n % 300 + n]
        assert blake2b256(msg) == ref(msg), n


def test_one_shot_random_long(backend: str) -> None:
    rng = random.Random(5)
    for _ in range(8):
        msg = rng.randbytes(rng.randrange(2049, 300_000))
        assert blake2b256(msg) == ref(msg)


@pytest.mark.parametrize("prefix", [None, 0, 1, 255])
def test_many_every_length(backend: str, prefix: int | None) -> None:
    """Each length 0..2048 as a batch of 11: two interleaved 4-lane groups
    plus a 3-message remainder (AVX2), five 2-lane groups plus one (SSSE3)."""
    pre = b"" if prefix is None else bytes([prefix])
    for n in range(2049):
        msgs = [BIG[i * 23 : i * 23 + n] for i in range(11)]
        got = blake2b256_many(msgs, prefix=prefix)
        assert got == b"".join(ref(pre + m) for m in msgs), n


@pytest.mark.parametrize("count", [*range(10), 1000, 1001])
@pytest.mark.parametrize("n", [2, 64, 1024, 4096])
def test_many_counts_and_buffer_form(backend: str, count: int, n: int) -> None:
    rng = random.Random(count * 31 + n)
    buf = rng.randbytes(count * n)
    msgs = [buf[i * n : (i + 1) * n] for i in range(count)]
    want0 = b"".join(ref(b"\x00" + m) for m in msgs)
    assert blake2b256_many(msgs, prefix=0) == want0
    assert blake2b256_many(buf, length=n, prefix=0) == want0
    assert blake2b256_many(memoryview(buf), length=n) == b"".join(ref(m) for m in msgs)


def test_many_random_long(backend: str) -> None:
    rng = random.Random(9)
    for _ in range(4):
        n = rng.randrange(2049, 70_000)
        msgs = [rng.randbytes(n) for _ in range(rng.randrange(1, 7))]
        assert blake2b256_many(msgs, prefix=1) == b"".join(ref(b"\x01" + m) for m in msgs)
        assert blake2b256_many(msgs) == b"".join(ref(m) for m in msgs)


@given(
    n=st.integers(0, 600),
    count=st.integers(0, 11),
    prefix=st.one_of(st.none(), st.integers(0, 255)),
    seed=st.integers(0, 2**32 - 1),
)
def test_many_matches_hashlib_property(n: int, count: int, prefix: int | None, seed: int) -> None:
    rng = random.Random(seed)
    msgs = [rng.randbytes(n) for _ in range(count)]
    pre = b"" if prefix is None else bytes([prefix])
    want = b"".join(ref(pre + m) for m in msgs)
    for name in walrus_core.backends.supported():
        with walrus_core.backends.using(name):
            assert blake2b256_many(msgs, prefix=prefix) == want


def test_buffer_types(backend: str) -> None:
    raw = data_of(1000, 3)
    arr = np.frombuffer(raw, dtype=np.uint8)
    with mmap.mmap(-1, len(raw)) as mm:
        mm.write(raw)
        views: list[object] = [raw, bytearray(raw), memoryview(raw), arr, arr.view(np.uint32), mm]
        for obj in views:
            assert blake2b256(obj) == ref(raw)  # type: ignore[arg-type]
        msgs: list[Any] = [raw[:500], bytearray(raw[500:]), np.frombuffer(raw[:500], dtype=np.uint8)]
        assert blake2b256_many(msgs, prefix=0) == b"".join(ref(b"\x00" + bytes(m)) for m in msgs)
        assert blake2b256_many(mm, length=250) == b"".join(ref(raw[i : i + 250]) for i in range(0, 1000, 250))
    assert blake2b256(memoryview(raw)[::2].tobytes()) == ref(raw[::2])


def test_bad_input() -> None:
    with pytest.raises(InvalidBufferError):
        blake2b256("text")  # type: ignore[arg-type]
    with pytest.raises(InvalidBufferError):
        blake2b256(12)  # type: ignore[arg-type]
    with pytest.raises(InvalidBufferError):
        blake2b256(memoryview(b"abcdef")[::2])
    with pytest.raises(InvalidInputError):
        blake2b256_many([b"ab", b"abc"])
    with pytest.raises(InvalidInputError):
        blake2b256_many([b"ab"], prefix=256)
    with pytest.raises(InvalidInputError):
        blake2b256_many([b"ab"], prefix=-1)
    with pytest.raises(InvalidInputError):
        blake2b256_many([b"ab"], prefix=True)
    with pytest.raises(InvalidInputError):
        blake2b256_many(b"abcd")  # one buffer needs length=
    with pytest.raises(InvalidInputError):
        blake2b256_many(b"abcde", length=2)
    with pytest.raises(InvalidInputError):
        blake2b256_many(b"abcd", length=0)
    with pytest.raises(InvalidInputError):
        blake2b256_many(b"abcd", length=-4)
    with pytest.raises(InvalidInputError):
        blake2b256_many(b"abcd", length=2.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidBufferError):
        blake2b256_many([b"ab", "cd"])  # type: ignore[list-item]
    with pytest.raises(InvalidBufferError):
        blake2b256_many("abcd", length=2)  # type: ignore[arg-type]
    # errors are also the built-in kinds
    with pytest.raises(ValueError):
        blake2b256_many([b"a", b""])
    with pytest.raises(TypeError):
        blake2b256(None)  # type: ignore[arg-type]


def test_empty_batches() -> None:
    assert blake2b256_many([]) == b""
    assert blake2b256_many(b"", length=3) == b""
    assert blake2b256_many([b"", b""], prefix=0) == ref(b"\x00") * 2


def test_concurrent_threads() -> None:
    """The GIL is released around large batches: concurrent calls from
    several threads still give hashlib's digests."""
    from concurrent.futures import ThreadPoolExecutor

    rng = random.Random(12)
    jobs = [rng.randbytes(65 * 2000) for _ in range(8)]

    def work(buf: bytes) -> bool:
        got = blake2b256_many(buf, length=65, prefix=1)
        want = b"".join(ref(b"\x01" + buf[i : i + 65]) for i in range(0, len(buf), 65))
        return got == want and blake2b256(buf) == ref(buf)

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(work, jobs))
