"""Fuzz target: BlobMetadataWithId BCS, as a node or reader receives it."""

from __future__ import annotations

from harness import main, parse_canonical

import walrus_core as wc


def target(data: bytes) -> None:
    n_shards = None if not data or data[-1] & 1 else max(4, data[-1] >> 1)
    md = parse_canonical(
        lambda raw: wc.BlobMetadata.from_bcs(raw, n_shards=n_shards), wc.BlobMetadata.to_bcs, data
    )
    if md is None:
        return
    assert n_shards is None or md.n_shards == n_shards
    assert md.unencoded_length <= md.max_blob_size
    assert wc.BlobMetadata(md.unencoded_length, md.hashes).blob_id == md.blob_id


if __name__ == "__main__":
    main(target)
