"""Fuzz target: an inconsistency proof (bytes), checked against metadata of a
consistently encoded blob, which no proof can be valid against."""

from __future__ import annotations

from harness import REFUSED, main, sample

import walrus_core as wc


def target(data: bytes) -> None:
    try:
        proof = wc.InconsistencyProof.from_bytes(data)
    except REFUSED:
        return
    assert proof.to_bytes() == data, "inconsistency proof has a second encoding"
    _, enc = sample(4)
    try:
        proof.verify(enc.metadata)
    except REFUSED:
        return
    raise AssertionError("an inconsistency proof verified against a consistent blob")


if __name__ == "__main__":
    main(target)
