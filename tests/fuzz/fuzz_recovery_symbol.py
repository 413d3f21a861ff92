"""Fuzz target: a recovery symbol from a peer (bytes), checked against metadata."""

from __future__ import annotations

from harness import REFUSED, main, sample

import walrus_core as wc


def target(data: bytes) -> None:
    try:
        symbol = wc.RecoverySymbol.from_bytes(data)
    except REFUSED:
        return
    assert symbol.to_bytes() == data, "recovery symbol has a second encoding"
    _, enc = sample(4)
    try:
        assert symbol.verify(enc.metadata) is True
    except REFUSED:
        assert not symbol.is_valid(enc.metadata)
        return
    # a symbol that verifies is the genuine one
    source_kind = "secondary" if symbol.kind == "primary" else "primary"
    source = next(
        s
        for p in enc.pairs
        for s in (p.primary, p.secondary)
        if s.kind == source_kind and s.index == symbol.source_index
    )
    genuine = wc.recovery_symbol(source, symbol.target_index, enc.metadata)
    assert genuine.data == symbol.data


if __name__ == "__main__":
    main(target)
