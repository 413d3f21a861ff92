"""Loader of the QuiltV1 vectors made by the official Walrus encoders
(shared/vectors/quilt; README there): cases and their file contents."""

from __future__ import annotations

import hashlib
from typing import Any

from conftest import find_vectors_dir, load_cases

from walrus_core import quilt

VECTORS_DIR = find_vectors_dir("quilt", "WALRUS_CORE_QUILT_VECTORS")


def quilt_cases() -> list[dict[str, Any]]:
    return load_cases(VECTORS_DIR)


def content(case: dict[str, Any], file_index: int) -> bytes:
    """A file's bytes by the README's content rule, checked against its SHA-256."""
    c = case["files"][file_index]["content"]
    if "hex" in c:
        data = bytes.fromhex(c["hex"])
    else:
        seed = ("walrus-vector-" + case["case_id"] + "/" + str(file_index)).encode("utf-8")
        data = hashlib.shake_128(seed).digest(c["length"])
    assert len(data) == c["length"]
    assert hashlib.sha256(data).hexdigest() == c["sha256"]
    return data


def files(case: dict[str, Any]) -> list[quilt.File]:
    return [quilt.File(f["identifier"], content(case, i), f["tags"]) for i, f in enumerate(case["files"])]
