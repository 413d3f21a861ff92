"""Fuzz target: BlobMetadataWithId BCS, as a node or reader receives it."""

from __future__ import annotations

from harness import REFUSED, main

import walrus_core as wc


def target(data: bytes) -> None:
    n_shards = None if not data or data[-1] & 1 else max(4, data[-1] >> 1)
    try:
        md = wc.BlobMetadata.from_bcs(data, n_shards=n_shards)
    except REFUSED:
        return
    assert md.to_bcs() == data, "metadata BCS has a second encoding"
    assert n_shards is None or md.n_shards == n_shards
    assert md.unencoded_length <= md.max_blob_size
    assert wc.BlobMetadata(md.unencoded_length, md.hashes).blob_id == md.blob_id


if __name__ == "__main__":
    main(target)
