"""Loader of the QuiltV1 vectors made by the official Walrus encoders
(shared/vectors/quilt; README there): cases and their file contents."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from walrus_core import quilt


def _find_dir() -> Path | None:
    env = os.environ.get("WALRUS_CORE_QUILT_VECTORS")
    candidates = [Path(env)] if env else []
    for parent in Path(__file__).resolve().parents:
        candidates += [
            parent / "shared" / "vectors" / "quilt",
            parent.parent / "shared" / "vectors" / "quilt",
        ]
    return next((c for c in candidates if (c / "index.json").is_file()), None)


VECTORS_DIR = _find_dir()


def load_cases() -> list[dict[str, Any]]:
    if VECTORS_DIR is None:
        return []
    index = json.loads((VECTORS_DIR / "index.json").read_text())
    return [json.loads((VECTORS_DIR / case["file"]).read_text()) for case in index["cases"]]


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
