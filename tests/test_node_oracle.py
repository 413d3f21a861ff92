"""Conformance against the official Walrus encoder itself.

`@mysten/walrus-wasm` (npm) is a wasm build of walrus-core. When Node.js and
that package are available (`npm install --prefix tests/node_oracle`, which
.ci/run does), random blobs are encoded by both and every blob ID, pair hash
and BCS sliver must agree. Without Node or the package the tests skip."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import walrus_core

ORACLE_DIR = Path(__file__).parent / "node_oracle"
NODE = shutil.which("node")
PACKAGE = ORACLE_DIR / "node_modules" / "@mysten" / "walrus-wasm"

pytestmark = [
    pytest.mark.node,
    pytest.mark.skipif(NODE is None, reason="Node.js is not installed"),
    pytest.mark.skipif(
        not PACKAGE.is_dir(), reason="@mysten/walrus-wasm missing: npm install --prefix tests/node_oracle"
    ),
]


def official(cases: list[tuple[int, bytes]]) -> list[dict[str, Any]]:
    payload = json.dumps([{"n": n, "hex": data.hex()} for n, data in cases])
    assert NODE is not None
    proc = subprocess.run(
        [NODE, str(ORACLE_DIR / "oracle.mjs")],
        input=payload,
        capture_output=True,
        text=True,
        check=True,
        cwd=ORACLE_DIR,
        timeout=600,
    )
    result: list[dict[str, Any]] = json.loads(proc.stdout)
    return result


def assert_same(n: int, data: bytes, expected: dict[str, Any]) -> None:
    assert "error" not in expected, expected
    encoded = walrus_core.encode(data, n)
    meta = encoded.metadata
    assert meta.blob_id.hex() == expected["blob_id"]
    assert [(p.hex(), s.hex()) for p, s in meta.hashes] == [tuple(h) for h in expected["hashes"]]
    for i, pair in enumerate(encoded.pairs):
        assert hashlib.sha256(pair.primary.to_bcs()).hexdigest() == expected["primary_bcs_sha256"][i]
        assert hashlib.sha256(pair.secondary.to_bcs()).hexdigest() == expected["secondary_bcs_sha256"][i]
    assert walrus_core.blob_id(data, n).hex() == expected["blob_id"]


@pytest.fixture(scope="module")
def random_cases() -> list[tuple[int, bytes, dict[str, Any]]]:
    """Random blobs and the official encoder's answers, computed once."""
    rng = random.Random(20261126)
    shapes = [(4, 0), (5, 7), (7, 1000), (10, 1), (13, 4097), (25, 12345), (47, 3000)]
    shapes += [(100, 0), (100, 65537), (211, 99999), (400, 1), (1000, 0), (1000, 777)]
    shapes += [(rng.randint(4, 130), rng.randint(0, 70000)) for _ in range(6)]
    cases = [(n, rng.randbytes(length)) for n, length in shapes]
    return [(n, data, expected) for (n, data), expected in zip(cases, official(cases))]


def test_random_blobs_match_the_official_encoder(
    backend: str, random_cases: list[tuple[int, bytes, dict[str, Any]]]
) -> None:
    for n, data, expected in random_cases:
        assert_same(n, data, expected)


@settings(max_examples=10, deadline=None)
@given(n=st.integers(min_value=4, max_value=60), data=st.binary(max_size=5000))
def test_hypothesis_blobs_match_the_official_encoder(n: int, data: bytes) -> None:
    (expected,) = official([(n, data)])
    assert_same(n, data, expected)


def test_official_encoder_rejects_what_we_reject() -> None:
    too_large = bytes(2 * 3 * 65534 + 1)  # n = 4: p*s*65534 + 1
    (expected,) = official([(4, too_large)])
    assert "error" in expected
    with pytest.raises(walrus_core.DataTooLargeError):
        walrus_core.encode(too_large, 4)
