"""Loading the storage-node API vectors (../shared/vectors/node-api or the copy in
tests/vectors/node-api, made by
official Walrus code; see their README) for the test_node_api_* files."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import find_vectors_dir

# shared/vectors/node-api beside the checkout, else the copy in tests/vectors
VECTORS = find_vectors_dir("node-api", "WALRUS_CORE_NODE_API_VECTORS") or Path("node-api-vectors-not-found")
CASES = [
    "node-api-n4-len0",
    "node-api-n7-len100",
    "node-api-n10-len1000",
    "node-api-n10-len20000",
    "node-api-n1000-len400000",
]


@cache
def load(name: str) -> Any:
    path = VECTORS / (name if name.endswith(".json") else name + ".json")
    if not path.is_file():
        pytest.skip(f"node-api vectors not found at {VECTORS}")
    return json.loads(path.read_text())


def content(case_id: str, length: int) -> bytes:
    """The blob bytes of a vector case (README: 'Blob contents')."""
    return hashlib.shake_128(("walrus-vector-" + case_id).encode("utf-8")).digest(length)


def case_content(case: dict[str, Any]) -> bytes:
    data = content(case["case_id"], case["length"])
    assert hashlib.sha256(data).hexdigest() == case["content"]["sha256"]
    return data
