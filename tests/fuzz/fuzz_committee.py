"""Fuzz target: committee.json, the one file the CLI trusts to say which node
holds which shard."""

from __future__ import annotations

import json
import tempfile
from functools import lru_cache
from pathlib import Path

from harness import REFUSED, main

import walrus_core as wc
from walrus_core.reference import load_committee


@lru_cache(maxsize=1)
def _root() -> Path:
    return Path(tempfile.mkdtemp(prefix="wc-fuzz-committee-"))


def _exact_int(value: object) -> bool:
    return type(value) is int


def target(data: bytes) -> None:
    root = _root()
    (root / "committee.json").write_bytes(data)
    try:
        committee = load_committee(root)
    except REFUSED:
        return
    # accepted: every number must have been an exact JSON integer, every key 32 bytes
    doc = json.loads(data)
    assert _exact_int(doc["n_shards"]) and doc["n_shards"] == committee.n_shards
    wc.EncodingConfig(committee.n_shards)  # a shard count RS2 can encode
    for i, item in enumerate(doc["nodes"]):
        assert _exact_int(item["index"]) and item["index"] == i
        assert all(_exact_int(t) for t in item["shards"])
        assert len(committee.nodes[i].public_key) == 32
    assert sorted(t for node in committee.nodes for t in node.shards) == list(range(committee.n_shards))


if __name__ == "__main__":
    main(target)
