"""Fuzz target: sliver BCS (SliverData), as a node reads it from disk or the wire."""

from __future__ import annotations

from harness import REFUSED, main, parse_canonical

import walrus_core as wc


def target(data: bytes) -> None:
    parsed = parse_canonical(wc.decode_sliver_bcs, wc.metadata.SliverData.to_bcs, data)
    if parsed is None:
        return
    kind = "primary" if len(data) % 2 else "secondary"
    try:  # an RS2 sliver also needs an even symbol size
        sliver = wc.Sliver.from_bcs(data, kind)
    except REFUSED:
        assert parsed.symbol_size % 2 == 1, "a SliverData with an even symbol size was refused as a Sliver"
        return
    assert sliver.to_bcs() == data and sliver.kind == kind


if __name__ == "__main__":
    main(target)
