"""Fuzz target: sliver BCS (SliverData), as a node reads it from disk or the wire."""

from __future__ import annotations

from harness import REFUSED, main

import walrus_core as wc


def target(data: bytes) -> None:
    try:
        parsed = wc.decode_sliver_bcs(data)
    except REFUSED:
        return
    assert parsed.to_bcs() == data, "SliverData BCS has a second encoding"
    kind = "primary" if len(data) % 2 else "secondary"
    sliver = wc.Sliver.from_bcs(data, kind)
    assert sliver.to_bcs() == data and sliver.kind == kind


if __name__ == "__main__":
    main(target)
