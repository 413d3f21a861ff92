"""Fuzz target: decode and verify with mutated slivers and metadata that may
lie about the blob's length. The expected answer comes from spec §7, not from
walrus_core: the blob's exact bytes (cut to the claimed length) or a refusal,
and a refusal exactly when a re-derived systematic row, zero-filled past the
claimed length, differs from the committed one."""

from __future__ import annotations

from harness import REFUSED, Chooser, main, sample

import walrus_core as wc


def _mutate(sliver: wc.Sliver, pick: Chooser) -> wc.Sliver:
    raw = bytearray(bytes(sliver))
    how = pick.byte() % 4
    if how == 0:
        raw[pick.below(len(raw))] ^= 1 + pick.byte() % 255
    elif how == 1:
        del raw[-sliver.symbol_size :]
    elif how == 2:
        raw += bytes(sliver.symbol_size)
    index = (sliver.index + 1) % 256 if how == 3 else sliver.index
    return wc.Sliver(bytes(raw), index, sliver.symbol_size, sliver.kind)


def target(data: bytes) -> None:
    pick = Chooser(data)
    n = (4, 7, 10)[pick.byte() % 3]
    blob, enc = sample(n)
    cfg = wc.EncodingConfig(n)
    p, s, size = cfg.n_primary_source_symbols, cfg.n_secondary_source_symbols, enc.symbol_size
    # a length lie that keeps the symbol size (so every genuine sliver still verifies)
    length = len(blob)
    if pick.byte() & 1:
        low = 0 if size == 2 else p * s * (size - 2) + 1
        length = low + pick.below(p * s * size - low + 1)
        assert cfg.symbol_size(length) == size
    metadata = wc.BlobMetadata(length, enc.metadata.hashes)
    given: list[wc.Sliver] = []
    genuine: list[bool] = []
    for _ in range(pick.byte() % (n + 3)):
        kind = "primary" if pick.byte() & 1 else "secondary"
        sliver = getattr(enc.pairs[pick.below(n)], kind)
        mutated = pick.byte() % 3 == 0
        given.append(_mutate(sliver, pick) if mutated else sliver)
        genuine.append(bytes(given[-1]) == bytes(sliver) and given[-1].index == sliver.index)
    for sliver, ok in zip(given, genuine):
        try:
            wc.verify_sliver(sliver, metadata)
            assert ok, "a damaged sliver verified"
        except REFUSED:
            assert not ok, "a genuine sliver was refused"

    # what spec §7 says decode must do with these slivers
    def first_valid(kind: str, need: int) -> list[int]:
        seen: list[int] = []
        for sliver, ok in zip(given, genuine):
            if ok and sliver.kind == kind and sliver.index not in seen and len(seen) < need:
                seen.append(sliver.index)
        return seen

    used = first_valid("primary", p)
    checked = set(range(p)) - set(used)
    if len(used) < p:
        used, checked = first_valid("secondary", s), set(range(p))
        if len(used) < s:
            used = []
    true_rows = blob + bytes(p * s * size - len(blob))
    claimed_rows = true_rows[:length] + bytes(p * s * size - length)
    row = s * size
    lied = any(claimed_rows[r * row : (r + 1) * row] != true_rows[r * row : (r + 1) * row] for r in checked)
    try:
        out = wc.decode(given, metadata)
    except REFUSED as exc:
        assert not used or (lied and isinstance(exc, wc.InconsistentBlobError)), f"refused: {exc!r}"
        return
    assert used and not lied, "decoded although spec §7's check fails"
    assert out == true_rows[:length], "decode returned wrong bytes"


if __name__ == "__main__":
    main(target)
