"""Writes the seed inputs of each fuzz target into corpus/<target>/ (valid
encodings made by walrus_core plus the hand-made hostile cases of issue 11),
so the fuzzers start next to the interesting paths. Rerun after a format
change: `python tests/fuzz/make_seeds.py`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from harness import sample

import walrus_core as wc

CORPUS = Path(__file__).resolve().parent / "corpus"


def _committee(n_shards: object, shards: list[object], key: str = "ab" * 32, index: object = 0) -> bytes:
    nodes = [{"index": index, "dir": "node-000", "shards": shards, "public_key": key}]
    doc = {"format": "walrus-core-committee/1", "n_shards": n_shards, "max_faulty": 1, "nodes": nodes}
    return json.dumps(doc).encode()


def seeds() -> dict[str, dict[str, bytes]]:
    """Seed inputs by target, each under a name that says what it is."""
    _, enc4 = sample(4)
    _, enc7 = sample(7)
    md = enc4.metadata.to_bcs()
    pair = enc4.pairs[1]
    symbol = wc.recovery_symbol(pair.primary, 2, enc4.metadata).to_bytes()
    symbols = tuple(wc.recovery_symbol(p.secondary, 0, enc4.metadata) for p in enc4.pairs[:3])
    blob_id = enc4.metadata.blob_id
    return {
        "sliver_bcs": {
            "primary": pair.primary.to_bcs(),
            "secondary": pair.secondary.to_bcs(),
            "empty": b"\x00\x02\x00\x00\x00",
            "overlong-uleb128": b"\x80\x00\x02\x00\x00\x00",
        },
        "metadata_bcs": {
            "n4": md,
            "n7": enc7.metadata.to_bcs(),
            "overlong-uleb128-count": md[:42] + b"\x80" + md[42:],
            "empty-node": md[:43] + b"\x00" + md[44 + 32 :],
        },
        "blob_id": {
            "text": str(blob_id).encode(),
            "hex": blob_id.hex().encode(),
            "raw": bytes(blob_id),
            "padded-text": str(blob_id).encode() + b"=",
        },
        "recovery_symbol": {
            "valid": symbol,
            "zero-node-as-digest": symbol[:-33] + b"\x01" + bytes(32),
        },
        "inconsistency_proof": {
            "of-a-consistent-blob": wc.InconsistencyProof("primary", 0, symbols).to_bytes()
        },
        "committee": {
            "valid": _committee(4, [0, 1, 2, 3]),
            "n-shards-string": _committee("4", [0, 1, 2, 3]),
            "n-shards-float": _committee(4.9, [0, 1, 2, 3]),
            "shard-string": _committee(4, ["0", 1, 2, 3]),
            "one-byte-key": _committee(4, [0, 1, 2, 3], key="ab"),
            "index-leading-zero": _committee(4, [0, 1, 2, 3], index="00"),
            "deep-nesting": b"[" * 5000,
        },
        "decode": {f"random-{i}": hashlib.sha256(bytes([i])).digest() * 2 for i in range(8)},
    }


if __name__ == "__main__":
    for target, inputs in seeds().items():
        folder = CORPUS / target
        folder.mkdir(parents=True, exist_ok=True)
        for name, raw in inputs.items():
            (folder / f"seed-{name}").write_bytes(raw)
