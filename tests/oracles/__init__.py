"""Independent oracles, written from the RS2 format (docs/format.md) without
walrus_core's code, slow and obvious on purpose: gf16 (the field and its FFT
tables), merkle (trees, proofs, blob IDs), bcs (ULEB128), rs2 (the 1-D code,
the 2-D encoding, BCS, decoding with the consistency check). They are checked
against the official Walrus vectors in tests/test_oracles.py."""
