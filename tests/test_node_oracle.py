"""Cross-check random blobs against the official Walrus encoder
(`@mysten/walrus-wasm` 0.3.0 on npm, a wasm build of walrus-core) through
Node: blob ID, every pair hash, and every BCS sliver byte for byte (by
SHA-256). Skips cleanly where Node or the package is absent; point
WALRUS_WASM_PKG at the package directory (the one holding index.mjs), or
install it under tests/node_oracle/ (`npm install @mysten/walrus-wasm@0.3.0`;
node_modules stays out of git)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

import walrus_core as wc

HERE = Path(__file__).resolve().parent


def _package_dir() -> Path | None:
    candidates = []
    if os.environ.get("WALRUS_WASM_PKG"):
        candidates.append(Path(os.environ["WALRUS_WASM_PKG"]))
    for root in (HERE / "node_oracle", HERE.parent / "node_oracle", Path("/tmp/wasm")):
        candidates.append(root / "node_modules" / "@mysten" / "walrus-wasm")
    for c in candidates:
        if (c / "index.mjs").is_file() and '"version": "0.3.0"' in (c / "package.json").read_text():
            return c
    return None


NODE = shutil.which("node")
PKG = _package_dir()
pytestmark = pytest.mark.skipif(
    NODE is None or PKG is None, reason="node or @mysten/walrus-wasm@0.3.0 not available"
)

# Our own driver: encode each {n, hex} case with the official BlobEncoder and
# report the blob ID, the pair hashes and SHA-256 of each BCS sliver buffer.
SCRIPT = r"""
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const { BlobEncoder } = await import(pathToFileURL(process.argv[2]).href);
const sha = (b) => createHash('sha256').update(b).digest('hex');
const hex = (b) => Buffer.from(b).toString('hex');
const ulebLen = (v) => { let k = 1; while ((v = Math.floor(v / 128)) > 0) k++; return k; };
const results = [];
for (const c of JSON.parse(readFileSync(0, 'utf8'))) {
  const blob = new Uint8Array(Buffer.from(c.hex, 'hex'));
  const f = Math.floor((c.n - 1) / 3), rows = c.n - 2 * f, cols = c.n - f;
  let size = Math.ceil(Math.max(blob.length, 1) / (rows * cols));
  size += size % 2;
  const prim = [], sec = [];
  for (let i = 0; i < c.n; i++) {
    prim.push(new Uint8Array(ulebLen(cols * size) + cols * size + 4));
    sec.push(new Uint8Array(ulebLen(rows * size) + rows * size + 4));
  }
  const encoder = new BlobEncoder(c.n);
  try {
    const [meta] = encoder.encode(blob, prim, sec);
    results.push({
      blob_id: hex(meta.blob_id),
      hashes: meta.metadata.V1.hashes.map((h) => [hex(h.primary_hash.Digest), hex(h.secondary_hash.Digest)]),
      primary: prim.map(sha),
      secondary: sec.map(sha),
    });
  } finally {
    encoder.free();
  }
}
process.stdout.write(JSON.stringify(results));
"""


def _cases() -> list[tuple[int, bytes]]:
    rng = random.Random(2026)
    out = [(1000, rng.randbytes(12_345)), (4, b""), (13, rng.randbytes(1))]
    for _ in range(14):
        n = rng.choice([rng.randint(4, 40), rng.randint(41, 300)])
        length = rng.choice([rng.randint(0, 200), rng.randint(0, 60_000)])
        out.append((n, rng.randbytes(length)))
    return out


def test_random_blobs_match_official_encoder(tmp_path: Path) -> None:
    assert NODE is not None and PKG is not None
    script = tmp_path / "oracle.mjs"
    script.write_text(SCRIPT)
    cases = _cases()
    payload = json.dumps([{"n": n, "hex": d.hex()} for n, d in cases])
    proc = subprocess.run(
        [NODE, str(script), str(PKG / "index.mjs")],
        input=payload,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    results = json.loads(proc.stdout)
    assert len(results) == len(cases)
    for (n, data), want in zip(cases, results):
        enc = wc.encode(data, n)
        assert bytes(enc.metadata.blob_id).hex() == want["blob_id"], (n, len(data))
        assert [[bytes(a).hex(), bytes(b).hex()] for a, b in enc.metadata.hashes] == want["hashes"]
        assert [hashlib.sha256(p.primary.to_bcs()).hexdigest() for p in enc.pairs] == want["primary"]
        assert [hashlib.sha256(p.secondary.to_bcs()).hexdigest() for p in enc.pairs] == want["secondary"]
        assert wc.compute_metadata(data, n, threads=1) == enc.metadata
