"""Fuzz target: a recovery symbol from a peer (bytes), checked against metadata."""

from __future__ import annotations

from harness import main, parse_canonical, sample

import walrus_core as wc


def target(data: bytes) -> None:
    symbol = parse_canonical(wc.RecoverySymbol.from_bytes, wc.RecoverySymbol.to_bytes, data)
    if symbol is None:
        return
    _, enc = sample(4)
    if not symbol.is_valid(enc.metadata):  # is_valid: verify() without the exception
        return
    assert symbol.verify(enc.metadata) is True
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
