"""Fuzz target: blob IDs from text (base64 and hex) and from bytes."""

from __future__ import annotations

from harness import REFUSED, main

import walrus_core as wc


def target(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    for parse, show in ((wc.BlobId.from_str, str), (wc.BlobId.from_hex, wc.BlobId.hex)):
        try:
            blob_id = parse(text)
        except REFUSED:
            continue
        assert len(bytes(blob_id)) == 32
        assert parse(show(blob_id)) == blob_id
    try:
        blob_id = wc.BlobId.from_bytes(data)
    except REFUSED:
        return
    assert bytes(blob_id) == data and wc.BlobId.from_str(str(blob_id)) == blob_id


if __name__ == "__main__":
    main(target)
