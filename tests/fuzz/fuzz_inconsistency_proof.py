"""Fuzz target: an inconsistency proof (bytes), checked against metadata of a
consistently encoded blob, which no proof can be valid against."""

from __future__ import annotations

from harness import REFUSED, main, parse_canonical, sample

import walrus_core as wc


def target(data: bytes) -> None:
    proof = parse_canonical(wc.InconsistencyProof.from_bytes, wc.InconsistencyProof.to_bytes, data)
    if proof is None:
        return
    _, enc = sample(4)
    try:
        proof.verify(enc.metadata)
    except REFUSED:
        return
    raise AssertionError("an inconsistency proof verified against a consistent blob")


if __name__ == "__main__":
    main(target)
