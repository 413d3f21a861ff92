"""`python -m walrus_core demo`: a short tour of what the library does."""

from __future__ import annotations

import hashlib
import os
import random
import time

import walrus_core as wc


def demo() -> int:
    print(f"walrus_core {wc.__version__}, backend {wc.backends.active()}")
    print(f"supported backends: {', '.join(wc.backends.supported())}")

    # 1-D: the Reed-Solomon code Walrus applies along both axes.
    rng = random.Random(7)
    originals = [rng.randbytes(1024) for _ in range(4)]
    recovery = wc.rs2.encode(originals, 6)
    shards = {i: originals[i] for i in (1, 3)} | {4 + j: recovery[j] for j in (0, 5)}
    assert wc.rs2.decode(4, 6, shards) == originals
    print("rs2: 4 originals + 6 recovery shards of 1 KiB; decoded from shards {1, 3, 4, 9}: ok")

    # 2-D: a blob over 10 shards; the blob ID commits to every sliver.
    n = 10
    cfg = wc.EncodingConfig(n)
    blob = os.urandom(100_000)
    start = time.perf_counter()
    encoded = wc.encode(blob, n)
    took = time.perf_counter() - start
    meta = encoded.metadata
    print(
        f"encode: {len(blob)} bytes over n={n} shards (f={cfg.max_faulty}) in {took * 1e3:.1f} ms; "
        f"symbol size {cfg.symbol_size(len(blob))}, encoded size {cfg.encoded_blob_length(len(blob))} bytes"
    )
    print(f"blob ID: {meta.blob_id}")

    # Lose f shards: any n - 2f primary slivers still give the blob back.
    keep = sorted(rng.sample(range(n), cfg.n_primary_source_symbols))
    restored = wc.decode([encoded.pairs[i].primary for i in keep], meta)
    assert restored == blob
    print(f"decode from primary slivers {keep}: {hashlib.sha256(restored).hexdigest()[:16]}... ok")

    # A node that lost its primary sliver rebuilds it from recovery symbols.
    lost = keep[0]
    symbols = [wc.recovery_symbol(encoded.pairs[j].secondary, lost, meta) for j in range(n) if j != lost]
    rebuilt = wc.recover_sliver(symbols, meta, "primary", lost)
    assert bytes(rebuilt) == bytes(encoded.pairs[lost].primary)
    moved = sum(len(s.data) for s in symbols[: cfg.n_secondary_source_symbols])
    needed = cfg.n_secondary_source_symbols
    print(f"recover primary sliver {lost} from {needed} proven symbols ({moved} bytes): ok")
    return 0
